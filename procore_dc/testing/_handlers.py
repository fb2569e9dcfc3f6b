"""What the hand-written API handlers share: the acting person, webhook events, record
changes, batch upserts (sync), search, and the list/show/delete of a project tool's records.

Each endpoint checks, in Procore's order: the company header, the company and project the
holder may see (403 for a company where the app is not installed, 404 for what is invisible),
then the tool level it needs (403), then the record (404). Writes emit webhook events.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Optional

from werkzeug.routing import Rule
from werkzeug.wrappers import Response

from procore_dc.testing._data import SandboxData
from procore_dc.testing._rest import (
    Ctx,
    apply_filters,
    apply_sort,
    json_response,
    not_found,
    paginate,
    parse_filters,
    unprocessable,
)
from procore_dc.testing._store import Partition, Table

__all__ = [
    "Record",
    "SYNC_LIMIT",
    "apply_changes",
    "company_member",
    "company_record",
    "delete_project_record",
    "emit_event",
    "emit_in_project",
    "first_value",
    "now_iso",
    "parse_record_id",
    "person_of",
    "project_list",
    "project_record",
    "require_fields",
    "rule",
    "search_rows",
    "service_user_id",
    "sync_endpoint",
    "sync_upsert",
    "user_ref",
]

Record = dict[str, Any]


SYNC_LIMIT = 1000  # procore-api.md 2.3: sync endpoints take at most 1000 items


def now_iso(ctx: Ctx) -> str:
    return ctx.world.now()


def person_of(ctx: Ctx) -> Record:
    """The acting user as an embedded person ref (the app's name for a DMSA)."""
    if ctx.token.user_id is not None:
        user = ctx.world.data.users.get(ctx.token.user_id)
        if user is not None:
            return {"id": user["id"], "login": user["email_address"], "name": user["name"]}
    return {"id": service_user_id(ctx), "login": _service_login(ctx), "name": ctx.token.app.name}


def service_user_id(ctx: Ctx) -> int:
    # A DMSA acts as a service-account user of its own; give it a stable id per app.
    return 9_000_000 + int(ctx.token.app.client_id[:6], 16) % 1_000_000


def _service_login(ctx: Ctx) -> str:
    return f"{ctx.token.app.client_id[:12]}@serviceaccount.procore.example"


def emit_event(ctx: Ctx, resource: str, event: str, rid: int, company: int, project: Any) -> None:
    ctx.world.events.emit(
        resource_name=resource,
        event_type=event,
        resource_id=rid,
        company_id=company,
        project_id=project,
        user_id=ctx.token.user_id if ctx.token.user_id is not None else service_user_id(ctx),
        application=ctx.token.app,
    )


def emit_in_project(ctx: Ctx, resource: str, event: str, rid: int, project: Record) -> None:
    """:func:`emit_event` for a record of ``project`` (its company and project ids)."""
    emit_event(ctx, resource, event, rid, project["company"]["id"], project["id"])


def apply_changes(
    record: Record, changes: Mapping[str, Any], allowed: Optional[set[str]] = None
) -> None:
    for key, value in changes.items():
        if key in ("id", "company", "created_at"):
            continue
        if allowed is None or key in allowed:
            record[key] = value


def require_fields(fields: Mapping[str, Any], *names: str) -> None:
    missing = {n: ["can't be blank"] for n in names if not fields.get(n)}
    if missing:
        raise unprocessable(missing)


def first_value(values: Optional[list[str]]) -> Optional[str]:
    return values[0] if values else None


def parse_record_id(text: Any) -> int:
    try:
        return int(text)
    except (TypeError, ValueError):
        raise not_found() from None


def sync_upsert(
    ctx: Ctx,
    partition: Partition,
    updates: Any,
    create: Callable[[Mapping[str, Any]], Record],
    required: tuple[str, ...],
    resource: str,
    company_id: int,
) -> Response:
    """A batch upsert: always 200 with ``{entities, errors}`` (procore-api.md 2.3)."""
    if not isinstance(updates, list):
        raise unprocessable({"updates": ["must be a list"]})
    if len(updates) > SYNC_LIMIT:
        raise unprocessable({"updates": [f"must contain at most {SYNC_LIMIT} items"]})
    entities: list[Record] = []
    errors: list[Record] = []
    by_origin = {r.get("origin_id"): r for r in partition if r.get("origin_id")}
    for item in updates:
        if not isinstance(item, dict):
            errors.append({"errors": {"base": ["must be an object"]}})
            continue
        existing: Optional[Record] = None
        if item.get("id") is not None:
            existing = (
                partition.get(parse_record_id(item["id"])) if str(item["id"]).isdigit() else None
            )
            if existing is None:
                errors.append({**item, "errors": {"id": ["Entity with this ID not found"]}})
                continue
        elif item.get("origin_id") is not None:
            existing = by_origin.get(item["origin_id"])
        if existing is None:
            missing = [n for n in required if not item.get(n)]
            if missing:
                errors.append({**item, "errors": {n: ["can't be blank"] for n in missing}})
                continue
            record = create(item)
            event = "create"
        else:
            record = existing
            apply_changes(record, item)
            record["updated_at"] = now_iso(ctx)
            partition.replace(record)
            event = "update"
        if record.get("origin_id"):
            by_origin[record["origin_id"]] = record
        entities.append(record)
        project = record["id"] if resource == "Projects" else None
        emit_event(ctx, resource, event, record["id"], company_id, project)
    return json_response({"entities": entities, "errors": errors})


def sync_endpoint(
    table: Callable[[SandboxData], Table],
    tool: str,
    new: Callable[[Ctx, Record, Mapping[str, Any]], Record],
    required: tuple[str, ...],
    resource: str,
) -> Callable[..., Response]:
    """A company-level ``PATCH .../sync`` endpoint (projects, users, vendors).

    :param table: the records it upserts, of the sandbox's data
    :param new: builds a record of the company from an item with no match
    :param required: the fields a new record must have
    :param resource: the webhook resource name its events carry
    """

    def endpoint(ctx: Ctx, company_id: Optional[int] = None, version: str = "v1.0") -> Response:
        if company_id is None:  # not in the path: the query names it
            company_id = ctx.int_param("company_id")
        company = ctx.in_company(company_id, tool, "standard")
        return sync_upsert(
            ctx,
            table(ctx.world.data).of(company["id"]),
            ctx.body().get("updates"),
            lambda item: new(ctx, company, item),
            required,
            resource,
            company["id"],
        )

    return endpoint


def search_rows(rows: list[Record], term: Optional[str], *keys: str) -> list[Record]:
    if not term:
        return rows
    needle = term.lower()
    return [r for r in rows if any(needle in str(r.get(k) or "").lower() for k in keys)]


def company_record(ctx: Ctx, table: Table, company_id: int, rid: int, level: str) -> Record:
    tool = "directory"
    company = ctx.in_company(company_id, tool, level)
    record = table.of(company["id"]).get(rid)
    if record is None:
        raise not_found()
    return record


def project_list(
    ctx: Ctx,
    project_id: Optional[int],
    table: Table,
    tool: str,
    filters_table: Mapping[str, Callable[[Record], Any]],
    search_keys: tuple[str, ...] = (),
    prepare: Optional[Callable[[Ctx, dict[str, list[str]]], None]] = None,
    *,
    attribute_sort: bool = False,
) -> Response:
    project = ctx.in_project(project_id, tool, "readonly")
    partition = table.of(project["id"])
    filters = parse_filters(ctx.request)
    if prepare is not None:
        prepare(ctx, filters)
    search = ctx.request.args.get("search") or first_value(filters.pop("search", None))
    args = ctx.request.args
    sort = args.get("sort")
    if attribute_sort:
        # Where the catalogue lists sort[attribute]/sort[direction] (RFIs), those are the
        # names Procore reads; a plain sort= is an unknown parameter there and is ignored.
        sort = None
        if args.get("sort[attribute]"):
            descending = args.get("sort[direction]", "asc").lower() == "desc"
            sort = ("-" if descending else "") + args["sort[attribute]"]
    if not filters and not search and not sort:
        # The lazy path: only the requested page is generated.
        return paginate(ctx, partition)
    rows = apply_filters(partition, filters, filters_table)
    rows = search_rows(rows, search, *search_keys)
    return paginate(ctx, apply_sort(rows, sort))


def project_record(
    ctx: Ctx, project_id: Optional[int], table: Table, tool: str, rid: int, level: str
) -> tuple[Record, Record]:
    project = ctx.in_project(project_id, tool, level)
    record = table.of(project["id"]).get(rid)
    if record is None:
        raise not_found()
    return project, record


def company_member(
    ctx: Ctx, table: Table, company_id: int, rid: Any, field_name: str, what: str
) -> Optional[Record]:
    """The company's record ``rid`` names in a body field (``None`` for none); 422 if unknown."""
    if rid is None:
        return None
    try:
        found = table.of(company_id).get(int(rid))
    except (TypeError, ValueError):
        found = None
    if found is None:
        raise unprocessable({field_name: [f"is not a {what} of this company"]})
    return found


def user_ref(
    ctx: Ctx, company_id: int, user_id: Any, field_name: str = "assignee_id"
) -> Optional[Record]:
    user = company_member(ctx, ctx.world.data.users, company_id, user_id, field_name, "user")
    if user is None:
        return None
    return {"id": user["id"], "login": user["email_address"], "name": user["name"]}


def delete_project_record(
    ctx: Ctx, project_id: int, id: int, table: Table, tool: str, resource_name: str
) -> Response:
    """Delete one record of a project tool (standard needed) and emit its webhook event."""
    project, _ = project_record(ctx, project_id, table, tool, id, "standard")
    table.of(project["id"]).delete(id)
    emit_in_project(ctx, resource_name, "delete", id, project)
    return Response(status=204)


def rule(path: str, endpoint: Callable[..., Response], *methods: str, **defaults: Any) -> Rule:
    """A route: ``defaults`` are passed to the endpoint (``version="v1.1"``)."""
    return Rule(path, endpoint=endpoint, methods=list(methods), defaults=defaults or None)
