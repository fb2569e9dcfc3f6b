"""The Daily Log tool: manpower logs (procore-api.md 3.10)."""

from __future__ import annotations

import datetime as dt
from typing import Any, Optional

from werkzeug.routing import Rule
from werkzeug.wrappers import Response

from procore_dc.testing._handlers import (
    Record,
    apply_changes,
    company_member,
    delete_project_record,
    emit_in_project,
    now_iso,
    person_of,
    project_record,
    rule,
)
from procore_dc.testing._rest import (
    Ctx,
    HTTPError,
    json_response,
    paginate,
    parse_filters,
    unprocessable,
)
from procore_dc.testing._seed import MANPOWER_STATUSES
from procore_dc.testing._times import iso_date

__all__ = ["rules"]


def _date_param(ctx: Ctx, name: str) -> Optional[str]:
    value = ctx.request.args.get(name)
    if value is None:
        return None
    try:
        dt.date.fromisoformat(value)
    except ValueError:
        raise HTTPError.message(400, f"{name} must be a date YYYY-MM-DD") from None
    return value


def manpower_list(ctx: Ctx, project_id: int) -> Response:
    project = ctx.in_project(project_id, "daily_log", "readonly")
    log_date = _date_param(ctx, "log_date")
    start, end = _date_param(ctx, "start_date"), _date_param(ctx, "end_date")
    if log_date:
        start = end = log_date
    elif not start and not end:
        # Without date parameters only today's logs are returned (procore-api.md 2.6).
        start = end = iso_date(ctx.world.clock.now())
    start, end = start or "0000-01-01", end or "9999-12-31"
    filters = parse_filters(ctx.request)
    status = (filters.pop("status", None) or ["all"])[0]
    rows = [r for r in ctx.world.data.manpower_logs.of(project["id"]) if start <= r["date"] <= end]
    if status in MANPOWER_STATUSES:
        rows = [r for r in rows if r["status"] == status]
    vendors = filters.pop("vendor_id", None)
    if vendors:
        rows = [r for r in rows if r.get("vendor") and str(r["vendor"]["id"]) in vendors]
    return paginate(ctx, rows)


def manpower_show(ctx: Ctx, project_id: int, id: int) -> Response:
    _, record = project_record(
        ctx, project_id, ctx.world.data.manpower_logs, "daily_log", id, "readonly"
    )
    return json_response(record)


def manpower_create(ctx: Ctx, project_id: int) -> Response:
    project = ctx.in_project(project_id, "daily_log", "standard")
    fields = dict(ctx.wrapped("manpower_log"))
    # The vendor is named by contact_id; vendor_id is not a field Procore knows, so it is
    # dropped like any unknown parameter (spec: ...ManpowerLogsPostRequestManpowerLog).
    fields.pop("vendor_id", None)
    vendor = _vendor_ref(ctx, project["company"]["id"], fields.pop("contact_id", None))
    partition = ctx.world.data.manpower_logs.of(project["id"])
    now = now_iso(ctx)
    day = str(fields.pop("date", None) or iso_date(ctx.world.clock.now()))
    template = partition[0] if len(partition) else {}

    def build(rid: int) -> Record:
        record: Record = {
            **dict.fromkeys(template),
            "id": rid,
            "date": day,
            "datetime": f"{day}T12:00:00Z",
            "num_workers": 0,
            "num_hours": "0.0",
            "man_hours": "0.0",
            "status": "pending",
            "created_at": now,
            "updated_at": now,
            "created_by": person_of(ctx),
            "attachments": [],
            "custom_fields": {},
            "permissions": {"can_update": True, "can_delete": True},
        }
        apply_changes(record, fields)
        if vendor is not None:
            record["vendor"] = vendor
        _man_hours(record)
        return record

    record = partition.create(build)
    emit_in_project(ctx, "Manpower Logs", "create", record["id"], project)
    return json_response(record, 201)


def _vendor_ref(ctx: Ctx, company_id: int, contact_id: Any) -> Optional[Record]:
    vendors = ctx.world.data.vendors
    vendor = company_member(ctx, vendors, company_id, contact_id, "contact_id", "vendor")
    return None if vendor is None else {"id": vendor["id"], "name": vendor["name"]}


def _man_hours(record: Record) -> None:
    try:
        workers, hours = int(record["num_workers"]), float(record["num_hours"])
    except (TypeError, ValueError):
        raise unprocessable({"num_hours": ["is not a number"]}) from None
    # Decimal-looking fields are strings (procore-api.md 3.10).
    record["num_hours"] = f"{hours:.1f}"
    record["man_hours"] = f"{workers * hours:.1f}"


def manpower_update(ctx: Ctx, project_id: int, id: int) -> Response:
    project, record = project_record(
        ctx, project_id, ctx.world.data.manpower_logs, "daily_log", id, "standard"
    )
    fields = dict(ctx.wrapped("manpower_log"))
    fields.pop("vendor_id", None)  # not a Procore field: the vendor is contact_id
    if "contact_id" in fields:
        record["vendor"] = _vendor_ref(ctx, project["company"]["id"], fields.pop("contact_id"))
    apply_changes(record, fields)
    _man_hours(record)
    record["updated_at"] = now_iso(ctx)
    ctx.world.data.manpower_logs.of(project["id"]).replace(record)
    emit_in_project(ctx, "Manpower Logs", "update", id, project)
    return json_response(record)


def manpower_delete(ctx: Ctx, project_id: int, id: int) -> Response:
    return delete_project_record(
        ctx, project_id, id, ctx.world.data.manpower_logs, "daily_log", "Manpower Logs"
    )


def rules() -> list[Rule]:
    """This tool's routes on the API host; paths as in procore-catalog.json."""
    base = "/rest/v1.0/projects/<int:project_id>/manpower_logs"
    return [
        rule(base, manpower_list, "GET"),
        rule(base, manpower_create, "POST"),
        rule(f"{base}/<int:id>", manpower_show, "GET"),
        rule(f"{base}/<int:id>", manpower_update, "PATCH"),
        rule(f"{base}/<int:id>", manpower_delete, "DELETE"),
    ]
