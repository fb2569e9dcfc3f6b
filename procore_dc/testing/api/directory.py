"""The company Directory tool: company users and vendors (procore-api.md 3.2, 3.3)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from werkzeug.routing import Rule
from werkzeug.wrappers import Response

from procore_dc.testing._handlers import (
    Record,
    apply_changes,
    company_record,
    emit_event,
    first_value,
    now_iso,
    require_fields,
    rule,
    search_rows,
    sync_endpoint,
)
from procore_dc.testing._rest import (
    Ctx,
    apply_filters,
    apply_sort,
    field,
    json_response,
    paginate,
    parse_filters,
)

__all__ = ["rules"]


_USER_FILTERS: Mapping[str, Callable[[Record], Any]] = {
    "id": field("id"),
    "created_at": field("created_at"),
    "updated_at": field("updated_at"),
    "vendor_id": field("vendor", "id"),
    "origin_id": field("origin_id"),
}


def users_list(ctx: Ctx, company_id: int, version: str = "v1.0") -> Response:
    company = ctx.in_company(company_id, "directory", "readonly")
    partition = ctx.world.data.users.of(company["id"])
    filters = parse_filters(ctx.request)
    if not filters and "sort" not in ctx.request.args:
        return paginate(ctx, partition)
    rows = apply_filters(partition, filters, _USER_FILTERS)
    rows = search_rows(rows, first_value(filters.get("search")), "name", "email_address")
    return paginate(ctx, apply_sort(rows, ctx.request.args.get("sort")))


def user_show(ctx: Ctx, company_id: int, id: int, version: str = "v1.0") -> Response:
    return json_response(company_record(ctx, ctx.world.data.users, company_id, id, "readonly"))


def _new_user(ctx: Ctx, company: Record, fields: Mapping[str, Any]) -> Record:
    data = ctx.world.data
    now = now_iso(ctx)
    template = data.users.of(company["id"])[0] if len(data.users.of(company["id"])) else {}

    def build(rid: int) -> Record:
        first, last = str(fields.get("first_name") or ""), str(fields["last_name"])
        record: Record = {
            **dict.fromkeys(template),
            "id": rid,
            "first_name": first,
            "last_name": last,
            "name": f"{first} {last}".strip(),
            "is_active": True,
            "is_employee": bool(fields.get("is_employee", False)),
            "created_at": now,
            "updated_at": now,
        }
        apply_changes(record, fields)
        return record

    record = data.users.of(company["id"]).create(build)
    data.user_companies.setdefault(record["id"], set()).add(company["id"])
    data.user_permissions[record["id"]] = {"company": {}, "project": {}}
    return record


def user_create(ctx: Ctx, company_id: int, version: str = "v1.0") -> Response:
    company = ctx.in_company(company_id, "directory", "standard")
    fields = ctx.wrapped("user")
    require_fields(fields, "last_name", "email_address")
    record = _new_user(ctx, company, fields)
    emit_event(ctx, "Company Users", "create", record["id"], company["id"], None)
    return json_response(record, 201)


def user_update(ctx: Ctx, company_id: int, id: int, version: str = "v1.0") -> Response:
    data = ctx.world.data
    record = company_record(ctx, data.users, company_id, id, "standard")
    apply_changes(record, ctx.wrapped("user"))
    record["name"] = f"{record.get('first_name') or ''} {record.get('last_name') or ''}".strip()
    record["updated_at"] = now_iso(ctx)
    data.users.of(company_id).replace(record)
    emit_event(ctx, "Company Users", "update", id, company_id, None)
    return json_response(record)


users_sync = sync_endpoint(
    lambda data: data.users,
    "directory",
    _new_user,
    ("last_name", "email_address"),
    "Company Users",
)


_VENDOR_FILTERS: Mapping[str, Callable[[Record], Any]] = {
    "id": field("id"),
    "origin_id": field("origin_id"),
    "created_at": field("created_at"),
    "updated_at": field("updated_at"),
}


def vendors_list(ctx: Ctx) -> Response:
    company = ctx.in_company(ctx.int_param("company_id"), "directory", "readonly")
    partition = ctx.world.data.vendors.of(company["id"])
    filters = parse_filters(ctx.request)
    rows = apply_filters(partition, filters, _VENDOR_FILTERS)
    rows = search_rows(rows, first_value(filters.get("search")), "name", "trade_name")
    return paginate(ctx, apply_sort(rows, ctx.request.args.get("sort")))


def vendor_show(ctx: Ctx, id: int) -> Response:
    company_id = ctx.int_param("company_id")
    assert company_id is not None
    return json_response(company_record(ctx, ctx.world.data.vendors, company_id, id, "readonly"))


def _new_vendor(ctx: Ctx, company: Record, fields: Mapping[str, Any]) -> Record:
    data = ctx.world.data
    now = now_iso(ctx)
    template = data.vendors.of(company["id"])[0] if len(data.vendors.of(company["id"])) else {}

    def build(rid: int) -> Record:
        record: Record = {
            **dict.fromkeys(template),
            "id": rid,
            "is_active": True,
            "company": company["name"],
            "created_at": now,
            "updated_at": now,
        }
        apply_changes(record, fields)
        return record

    return data.vendors.of(company["id"]).create(build)


def vendor_create(ctx: Ctx) -> Response:
    company = ctx.in_company(ctx.int_param("company_id"), "directory", "standard")
    fields = ctx.wrapped("vendor")
    require_fields(fields, "name")
    record = _new_vendor(ctx, company, fields)
    emit_event(ctx, "Company Vendors", "create", record["id"], company["id"], None)
    return json_response(record, 201)


def vendor_update(ctx: Ctx, id: int) -> Response:
    company_id = ctx.int_param("company_id")
    assert company_id is not None
    data = ctx.world.data
    record = company_record(ctx, data.vendors, company_id, id, "standard")
    apply_changes(record, ctx.wrapped("vendor"))
    record["updated_at"] = now_iso(ctx)
    data.vendors.of(company_id).replace(record)
    emit_event(ctx, "Company Vendors", "update", id, company_id, None)
    return json_response(record)


vendors_sync = sync_endpoint(
    lambda data: data.vendors, "directory", _new_vendor, ("name",), "Company Vendors"
)


def rules() -> list[Rule]:
    """This tool's routes on the API host; paths as in procore-catalog.json."""
    v10 = "/rest/v1.0"
    found = [
        rule(f"{v10}/vendors", vendors_list, "GET"),
        rule(f"{v10}/vendors", vendor_create, "POST"),
        rule(f"{v10}/vendors/sync", vendors_sync, "PATCH"),
        rule(f"{v10}/vendors/<int:id>", vendor_show, "GET"),
        rule(f"{v10}/vendors/<int:id>", vendor_update, "PATCH"),
    ]
    for version in ("v1.0", "v1.1", "v1.2", "v1.3"):
        base = f"/rest/{version}/companies/<int:company_id>/users"
        found += [
            rule(base, users_list, "GET", version=version),
            rule(base, user_create, "POST", version=version),
            rule(f"{base}/sync", users_sync, "PATCH", version=version),
            rule(f"{base}/<int:id>", user_show, "GET", version=version),
            rule(f"{base}/<int:id>", user_update, "PATCH", version=version),
        ]
    return found
