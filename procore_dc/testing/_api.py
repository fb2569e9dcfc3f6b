"""The API host's REST resources (procore-api.md 2.7 and section 3).

Each endpoint checks, in Procore's order: the company header, the company and project the
holder may see (403 for a company where the app is not installed, 404 for what is invisible),
then the tool level it needs (403), then the record (404). Writes emit webhook events.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any, Optional

from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Response

from procore_dc.testing._data import (
    MANPOWER_STATUSES,
    OBSERVATION_STATUSES,
    Partition,
    SandboxData,
    Table,
    iso_date,
)
from procore_dc.testing._rest import (
    Ctx,
    HTTPError,
    apply_filters,
    apply_sort,
    field,
    json_response,
    not_found,
    paginate,
    parse_filters,
    unprocessable,
)
from procore_dc.testing.api import uploads, webhooks

__all__ = ["build_map"]

Record = dict[str, Any]
SYNC_LIMIT = 1000  # procore-api.md 2.3: sync endpoints take at most 1000 items


def _now(ctx: Ctx) -> str:
    return ctx.world.now()


def _person_of(ctx: Ctx) -> Record:
    """The acting user as an embedded person ref (the app's name for a DMSA)."""
    if ctx.token.user_id is not None:
        user = ctx.world.data.users.get(ctx.token.user_id)
        if user is not None:
            return {"id": user["id"], "login": user["email_address"], "name": user["name"]}
    return {"id": _service_user_id(ctx), "login": _service_login(ctx), "name": ctx.token.app.name}


def _service_user_id(ctx: Ctx) -> int:
    # A DMSA acts as a service-account user of its own; give it a stable id per app.
    return 9_000_000 + int(ctx.token.app.client_id[:6], 16) % 1_000_000


def _service_login(ctx: Ctx) -> str:
    return f"{ctx.token.app.client_id[:12]}@serviceaccount.procore.example"


def _emit(ctx: Ctx, resource: str, event: str, rid: int, company: int, project: Any) -> None:
    ctx.world.events.emit(
        resource_name=resource,
        event_type=event,
        resource_id=rid,
        company_id=company,
        project_id=project,
        user_id=ctx.token.user_id if ctx.token.user_id is not None else _service_user_id(ctx),
        application=ctx.token.app,
    )


def _update(record: Record, changes: Mapping[str, Any], allowed: Optional[set[str]] = None) -> None:
    for key, value in changes.items():
        if key in ("id", "company", "created_at"):
            continue
        if allowed is None or key in allowed:
            record[key] = value


def _require(fields: Mapping[str, Any], *names: str) -> None:
    missing = {n: ["can't be blank"] for n in names if not fields.get(n)}
    if missing:
        raise unprocessable(missing)


def _first(values: Optional[list[str]]) -> Optional[str]:
    return values[0] if values else None


def _record_id(text: Any) -> int:
    try:
        return int(text)
    except (TypeError, ValueError):
        raise not_found() from None


# -- me, companies -------------------------------------------------------------------------


def me(ctx: Ctx) -> Response:
    if "company_id" in ctx.request.args or ctx.is_dmsa:
        ctx.company(ctx.int_param("company_id", required=False))
    if "project_id" in ctx.request.args:
        ctx.project(ctx.int_param("project_id"))
    person = _person_of(ctx)
    return json_response({"id": person["id"], "login": person["login"], "name": person["name"]})


def companies(ctx: Ctx) -> Response:
    if ctx.is_dmsa:
        # Any company where the app is installed will do for the header; the answer lists
        # every one of them (DESIGN.md, procore-api.md 2.2 and 2.7).
        ctx.company()
    data = ctx.world.data
    visible = set(ctx.visible_companies())
    home = None
    if ctx.token.user_id is not None:
        found = data.users.find(ctx.token.user_id)
        home = found[0].scope_id if found else None
    rows = []
    for company in data.companies:
        if company["id"] in visible:
            company["my_company"] = company["id"] == home
            rows.append(company)
    return paginate(ctx, rows)


# -- projects ------------------------------------------------------------------------------

_PROJECT_FILTERS: Mapping[str, Callable[[Record], Any]] = {
    "id": field("id"),
    "name": field("name"),
    "created_at": field("created_at"),
    "updated_at": field("updated_at"),
    "origin_id": field("origin_id"),
    "project_number": field("project_number"),
    "synced": lambda r: r.get("origin_id") is not None,
}

_V11_PROJECT_FIELDS = (
    "actual_start_date",
    "departments",
    "description",
    "flag",
    "inbound_email",
    "logo_url",
    "office",
    "program",
    "project_type",
    "project_region",
    "projected_finish_date",
    "public_notes",
    "square_feet",
    "standard_cost_code_list_id",
    "tz_name",
    "warranty_start_date",
    "warranty_end_date",
)


def _project_rows(ctx: Ctx, company_id: int) -> list[Record]:
    permitted = ctx.visible_projects(company_id)
    rows = [
        p
        for p in ctx.world.data.projects.of(company_id)
        if permitted is None or p["id"] in permitted
    ]
    filters = parse_filters(ctx.request)
    status = (filters.pop("by_status", None) or ["All"])[0].lower()
    if status in ("active", "inactive"):
        rows = [p for p in rows if p["active"] is (status == "active")]
    names = filters.pop("name", None)
    if names:
        rows = [p for p in rows if names[0].lower() in p["name"].lower()]
    rows = apply_filters(rows, filters, _PROJECT_FILTERS)
    return apply_sort(rows, ctx.request.args.get("sort"))


def _project_view(ctx: Ctx, version: str) -> Callable[[Record], Record]:
    if ctx.request.args.get("serializer_view") == "compact":
        return lambda p: {"id": p["id"], "name": p["name"], "display_name": p["display_name"]}
    if version == "v1.1":
        return lambda p: {**dict.fromkeys(_V11_PROJECT_FIELDS), **p}
    return lambda p: p


def projects_list(ctx: Ctx, version: str) -> Response:
    company = ctx.in_company(ctx.int_param("company_id"), "home", "readonly")
    rows = _project_rows(ctx, company["id"])
    return paginate(ctx, rows, view=_project_view(ctx, version))


def company_projects(ctx: Ctx, company_id: int) -> Response:
    company = ctx.in_company(company_id, "home", "readonly")
    rows = _project_rows(ctx, company["id"])
    return paginate(ctx, rows, view=lambda p: {k: p[k] for k in ("id", "name", "active")})


def _visible_project(ctx: Ctx, project_id: int, level: str) -> Record:
    ctx.need("company", "home", level)
    project = ctx.world.data.projects.get(project_id)
    header = ctx.require_company_header()
    ctx.company(header)
    if project is None or project["company"]["id"] != header:
        raise not_found()
    permitted = ctx.visible_projects(header)
    if permitted is not None and project_id not in permitted:
        raise not_found()
    ctx.permit("company", "home", level)
    return project


def project_show(ctx: Ctx, id: int) -> Response:
    return json_response(_visible_project(ctx, id, "readonly"))


def _new_project(ctx: Ctx, company: Record, fields: Mapping[str, Any]) -> Record:
    data: SandboxData = ctx.world.data
    now = _now(ctx)

    def build(rid: int) -> Record:
        name = str(fields["name"])
        number = str(fields.get("project_number") or rid)
        record: Record = {
            **dict.fromkeys(data.projects.of(company["id"])[0] if data.sizes["projects"] else {}),
            "id": rid,
            "name": name,
            "display_name": f"{number}: {name}",
            "project_number": number,
            "active": True,
            "is_demo": False,
            "created_at": now,
            "updated_at": now,
            "company": {"id": company["id"], "name": company["name"]},
            "custom_fields": {},
        }
        _update(record, fields)
        return record

    created = data.projects.of(company["id"]).create(build)
    data.add_project_partitions({**created, "_created": True})
    return created


def project_create(ctx: Ctx) -> Response:
    body = ctx.body()
    company = ctx.in_company(ctx.int_param("company_id"), "home", "standard")
    fields = ctx.wrapped("project")
    _require(fields, "name")
    record = _new_project(ctx, company, fields)
    _emit(ctx, "Projects", "create", record["id"], company["id"], record["id"])
    del body
    return json_response(record, 201)


def project_update(ctx: Ctx, id: int) -> Response:
    project = _visible_project(ctx, id, "standard")
    fields = ctx.wrapped("project")
    _update(project, fields)
    project["updated_at"] = _now(ctx)
    ctx.world.data.projects.of(project["company"]["id"]).replace(project)
    _emit(ctx, "Projects", "update", id, project["company"]["id"], id)
    return json_response(project)


def _sync(
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
            existing = partition.get(_record_id(item["id"])) if str(item["id"]).isdigit() else None
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
            _update(record, item)
            record["updated_at"] = _now(ctx)
            partition.replace(record)
            event = "update"
        if record.get("origin_id"):
            by_origin[record["origin_id"]] = record
        entities.append(record)
        project = record["id"] if resource == "Projects" else None
        _emit(ctx, resource, event, record["id"], company_id, project)
    return json_response({"entities": entities, "errors": errors})


def projects_sync(ctx: Ctx) -> Response:
    company = ctx.in_company(ctx.int_param("company_id"), "home", "standard")
    return _sync(
        ctx,
        ctx.world.data.projects.of(company["id"]),
        ctx.body().get("updates"),
        lambda item: _new_project(ctx, company, item),
        ("name",),
        "Projects",
        company["id"],
    )


# -- company users and vendors ---------------------------------------------------------------

_USER_FILTERS: Mapping[str, Callable[[Record], Any]] = {
    "id": field("id"),
    "created_at": field("created_at"),
    "updated_at": field("updated_at"),
    "vendor_id": field("vendor", "id"),
    "origin_id": field("origin_id"),
}


def _search(rows: list[Record], term: Optional[str], *keys: str) -> list[Record]:
    if not term:
        return rows
    needle = term.lower()
    return [r for r in rows if any(needle in str(r.get(k) or "").lower() for k in keys)]


def users_list(ctx: Ctx, company_id: int, version: str = "v1.0") -> Response:
    company = ctx.in_company(company_id, "directory", "readonly")
    partition = ctx.world.data.users.of(company["id"])
    filters = parse_filters(ctx.request)
    if not filters and "sort" not in ctx.request.args:
        return paginate(ctx, partition)
    rows = apply_filters(partition, filters, _USER_FILTERS)
    rows = _search(rows, _first(filters.get("search")), "name", "email_address")
    return paginate(ctx, apply_sort(rows, ctx.request.args.get("sort")))


def _company_record(ctx: Ctx, table: Table, company_id: int, rid: int, level: str) -> Record:
    tool = "directory"
    company = ctx.in_company(company_id, tool, level)
    record = table.of(company["id"]).get(rid)
    if record is None:
        raise not_found()
    return record


def user_show(ctx: Ctx, company_id: int, id: int, version: str = "v1.0") -> Response:
    return json_response(_company_record(ctx, ctx.world.data.users, company_id, id, "readonly"))


def _new_user(ctx: Ctx, company: Record, fields: Mapping[str, Any]) -> Record:
    data = ctx.world.data
    now = _now(ctx)
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
        _update(record, fields)
        return record

    record = data.users.of(company["id"]).create(build)
    data.user_companies.setdefault(record["id"], set()).add(company["id"])
    data.user_permissions[record["id"]] = {"company": {}, "project": {}}
    return record


def user_create(ctx: Ctx, company_id: int, version: str = "v1.0") -> Response:
    company = ctx.in_company(company_id, "directory", "standard")
    fields = ctx.wrapped("user")
    _require(fields, "last_name", "email_address")
    record = _new_user(ctx, company, fields)
    _emit(ctx, "Company Users", "create", record["id"], company["id"], None)
    return json_response(record, 201)


def user_update(ctx: Ctx, company_id: int, id: int, version: str = "v1.0") -> Response:
    data = ctx.world.data
    record = _company_record(ctx, data.users, company_id, id, "standard")
    _update(record, ctx.wrapped("user"))
    record["name"] = f"{record.get('first_name') or ''} {record.get('last_name') or ''}".strip()
    record["updated_at"] = _now(ctx)
    data.users.of(company_id).replace(record)
    _emit(ctx, "Company Users", "update", id, company_id, None)
    return json_response(record)


def users_sync(ctx: Ctx, company_id: int, version: str = "v1.0") -> Response:
    company = ctx.in_company(company_id, "directory", "standard")
    return _sync(
        ctx,
        ctx.world.data.users.of(company["id"]),
        ctx.body().get("updates"),
        lambda item: _new_user(ctx, company, item),
        ("last_name", "email_address"),
        "Company Users",
        company["id"],
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
    rows = _search(rows, _first(filters.get("search")), "name", "trade_name")
    return paginate(ctx, apply_sort(rows, ctx.request.args.get("sort")))


def vendor_show(ctx: Ctx, id: int) -> Response:
    company_id = ctx.int_param("company_id")
    assert company_id is not None
    return json_response(_company_record(ctx, ctx.world.data.vendors, company_id, id, "readonly"))


def _new_vendor(ctx: Ctx, company: Record, fields: Mapping[str, Any]) -> Record:
    data = ctx.world.data
    now = _now(ctx)
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
        _update(record, fields)
        return record

    return data.vendors.of(company["id"]).create(build)


def vendor_create(ctx: Ctx) -> Response:
    company = ctx.in_company(ctx.int_param("company_id"), "directory", "standard")
    fields = ctx.wrapped("vendor")
    _require(fields, "name")
    record = _new_vendor(ctx, company, fields)
    _emit(ctx, "Company Vendors", "create", record["id"], company["id"], None)
    return json_response(record, 201)


def vendor_update(ctx: Ctx, id: int) -> Response:
    company_id = ctx.int_param("company_id")
    assert company_id is not None
    data = ctx.world.data
    record = _company_record(ctx, data.vendors, company_id, id, "standard")
    _update(record, ctx.wrapped("vendor"))
    record["updated_at"] = _now(ctx)
    data.vendors.of(company_id).replace(record)
    _emit(ctx, "Company Vendors", "update", id, company_id, None)
    return json_response(record)


def vendors_sync(ctx: Ctx) -> Response:
    company = ctx.in_company(ctx.int_param("company_id"), "directory", "standard")
    return _sync(
        ctx,
        ctx.world.data.vendors.of(company["id"]),
        ctx.body().get("updates"),
        lambda item: _new_vendor(ctx, company, item),
        ("name",),
        "Company Vendors",
        company["id"],
    )


# -- project tools: a generic list/show/create/update/delete --------------------------------


def _project_list(
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
    search = ctx.request.args.get("search") or _first(filters.pop("search", None))
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
    rows = _search(rows, search, *search_keys)
    return paginate(ctx, apply_sort(rows, sort))


def _project_record(
    ctx: Ctx, project_id: Optional[int], table: Table, tool: str, rid: int, level: str
) -> tuple[Record, Record]:
    project = ctx.in_project(project_id, tool, level)
    record = table.of(project["id"]).get(rid)
    if record is None:
        raise not_found()
    return project, record


_RFI_FILTERS: Mapping[str, Callable[[Record], Any]] = {
    "id": field("id"),
    "status": field("status"),
    "assigned_id": field("assignee", "id"),
    "created_at": field("created_at"),
    "updated_at": field("updated_at"),
    "responsible_contractor_id": field("responsible_contractor", "id"),
    "ball_in_court_id": field("ball_in_court", "id"),
    "rfi_manager_id": field("rfi_manager", "id"),
    "location_id": field("location_id"),
    "received_from_login_information_id": field("received_from", "id"),
    "cost_code_id": field("cost_code", "id"),
}


def rfis_list(ctx: Ctx, project_id: int) -> Response:
    return _project_list(
        ctx,
        project_id,
        ctx.world.data.rfis,
        "rfi",
        _RFI_FILTERS,
        ("subject", "number"),
        attribute_sort=True,
    )


def rfi_show(ctx: Ctx, project_id: int, id: int) -> Response:
    _, record = _project_record(ctx, project_id, ctx.world.data.rfis, "rfi", id, "readonly")
    return json_response(record)


def _company_member(
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


def _user_ref(
    ctx: Ctx, company_id: int, user_id: Any, field_name: str = "assignee_id"
) -> Optional[Record]:
    user = _company_member(ctx, ctx.world.data.users, company_id, user_id, field_name, "user")
    if user is None:
        return None
    return {"id": user["id"], "login": user["email_address"], "name": user["name"]}


def rfi_create(ctx: Ctx, project_id: int) -> Response:
    project = ctx.in_project(project_id, "rfi", "standard")
    fields = ctx.wrapped("rfi")
    # Procore's spec (RFIBodyRfi) requires subject, rfi_manager_id and question.
    missing = {n: ["can't be blank"] for n in ("subject", "rfi_manager_id") if not fields.get(n)}
    question = fields.get("question") or {}
    if not isinstance(question, dict) or not question.get("body"):
        missing["question"] = ["body can't be blank"]
    if missing:
        raise unprocessable(missing)
    company_id = project["company"]["id"]
    # assignee_ids replaces the deprecated assignee_id (still accepted, as Procore does).
    raw_ids = fields.get("assignee_ids")
    if raw_ids is None and fields.get("assignee_id") is not None:
        raw_ids = [fields["assignee_id"]]
    if raw_ids is not None and not isinstance(raw_ids, list):
        raise unprocessable({"assignee_ids": ["must be a list of user ids"]})
    assignees = [a for a in (_user_ref(ctx, company_id, i) for i in raw_ids or ()) if a]
    assignee = assignees[0] if assignees else None
    manager = _user_ref(ctx, company_id, fields["rfi_manager_id"], "rfi_manager_id")
    partition = ctx.world.data.rfis.of(project["id"])
    now, creator = _now(ctx), _person_of(ctx)
    draft = bool(fields.get("draft"))

    def build(rid: int) -> Record:
        number = str(partition.size + partition._created + 1)
        status = "draft" if draft else "open"
        return {
            **dict.fromkeys(_RFI_KEYS),
            "id": rid,
            "number": number,
            "full_number": f"RFI-{number}",
            "prefix": "RFI",
            "subject": str(fields["subject"]),
            "status": status,
            "translated_status": status.capitalize(),
            "private": bool(fields.get("private", False)),
            "reference": fields.get("reference"),
            "due_date": fields.get("due_date"),
            "initiated_at": now,
            "created_at": now,
            "updated_at": now,
            "deleted": False,
            "questions": [{"id": rid * 10 + 1, "body": str(question["body"]), "errors": []}],
            "assignee": assignee,
            "assignees": assignees,
            "created_by": creator,
            "ball_in_court": assignee,
            "ball_in_courts": list(assignees),
            "received_from": creator,
            "rfi_manager": manager,
            "custom_fields": {},
            "accepted": False,
            "draft": draft,
            "distribution_list": [],
            "drawing_ids": [],
        }

    record = partition.create(build)
    _emit(ctx, "RFIs", "create", record["id"], company_id, project["id"])
    return json_response(record, 201)


_RFI_KEYS = (
    "link",
    "location_id",
    "location",
    "responsible_contractor",
    "cost_code",
    "cost_impact",
    "schedule_impact",
    "project_stage",
    "sub_job",
    "time_resolved",
    "deleted_at",
    "ball_in_court_role",
    "drawing_number",
    "specification_section",
    "custom_textfield_1",
    "custom_textfield_2",
)


def rfi_update(ctx: Ctx, project_id: int, id: int) -> Response:
    project, record = _project_record(ctx, project_id, ctx.world.data.rfis, "rfi", id, "standard")
    fields = dict(ctx.wrapped("rfi"))
    company_id = project["company"]["id"]
    if "assignee_ids" in fields or "assignee_id" in fields:
        raw = fields.pop("assignee_ids", None)
        single = fields.pop("assignee_id", None)
        ids = raw if isinstance(raw, list) else ([single] if single is not None else [])
        assignees = [a for a in (_user_ref(ctx, company_id, i) for i in ids) if a]
        record["assignee"] = assignees[0] if assignees else None
        record["assignees"] = assignees
    if "rfi_manager_id" in fields:
        manager_id = fields.pop("rfi_manager_id")
        record["rfi_manager"] = _user_ref(ctx, company_id, manager_id, "rfi_manager_id")
    question = fields.pop("question", None)
    if isinstance(question, dict) and question.get("body"):
        record["questions"] = [{"id": id * 10 + 1, "body": str(question["body"]), "errors": []}]
    _update(record, fields)
    if "status" in fields:
        record["translated_status"] = str(record["status"]).capitalize()
        if record["status"] == "closed":
            record["time_resolved"] = _now(ctx)
    record["updated_at"] = _now(ctx)
    ctx.world.data.rfis.of(project["id"]).replace(record)
    _emit(ctx, "RFIs", "update", id, company_id, project["id"])
    return json_response(record)


# -- submittals --------------------------------------------------------------------------------

_SUBMITTAL_FILTERS: Mapping[str, Callable[[Record], Any]] = {
    "id": field("id"),
    "created_at": field("created_at"),
    "updated_at": field("updated_at"),
    "status_id": field("status", "id"),
    "received_from_id": field("received_from", "id"),
    "responsible_contractor_id": field("responsible_contractor", "id"),
}


def submittals_list(ctx: Ctx, project_id: int, version: str = "v1.1") -> Response:
    return _project_list(
        ctx, project_id, ctx.world.data.submittals, "submittals", _SUBMITTAL_FILTERS, ("title",)
    )


def submittal_show(ctx: Ctx, project_id: int, id: int, version: str = "v1.1") -> Response:
    _, record = _project_record(
        ctx, project_id, ctx.world.data.submittals, "submittals", id, "readonly"
    )
    return json_response(record)


def submittal_create(ctx: Ctx, project_id: int, version: str = "v1.1") -> Response:
    project = ctx.in_project(project_id, "submittals", "standard")
    fields = ctx.wrapped("submittal")
    _require(fields, "title")
    partition = ctx.world.data.submittals.of(project["id"])
    now, creator = _now(ctx), _person_of(ctx)
    template = partition[0] if len(partition) else {}

    def build(rid: int) -> Record:
        number = str(fields.get("number") or partition.size + partition._created + 1)
        record: Record = {
            **dict.fromkeys(template),
            "id": rid,
            "number": number,
            "formatted_number": number,
            "revision": "0",
            "status": {"id": 1, "name": "Draft", "status": "Draft"},
            "private": False,
            "current_revision": True,
            "created_at": now,
            "updated_at": now,
            "created_by": creator,
            "approvers": [],
            "ball_in_court": [],
            "distribution_members": [],
            "associated_attachments": [],
            "drawing_ids": [],
            "linked_drawing_ids": [],
            "custom_fields": {},
        }
        _update(record, fields)
        return record

    record = partition.create(build)
    _emit(ctx, "Submittals", "create", record["id"], project["company"]["id"], project["id"])
    return json_response(record, 201)


def submittal_update(ctx: Ctx, project_id: int, id: int, version: str = "v1.1") -> Response:
    project, record = _project_record(
        ctx, project_id, ctx.world.data.submittals, "submittals", id, "standard"
    )
    _update(record, ctx.wrapped("submittal"))
    record["updated_at"] = _now(ctx)
    ctx.world.data.submittals.of(project["id"]).replace(record)
    _emit(ctx, "Submittals", "update", id, project["company"]["id"], project["id"])
    return json_response(record)


# -- observations --------------------------------------------------------------------------------

_OBSERVATION_FILTERS: Mapping[str, Callable[[Record], Any]] = {
    "id": field("id"),
    "status": field("status"),
    "priority": field("priority"),
    "assignee_id": field("assignee", "id"),
    "created_by_id": field("created_by", "id"),
    "created_at": field("created_at"),
    "updated_at": field("updated_at"),
    "type_id": field("type", "id"),
}


def _observation_codes(ctx: Ctx, filters: dict[str, list[str]]) -> None:
    # The status filter takes numeric codes: 0 initiated, 1 ready_for_review ...
    # (procore-api.md 3.8).
    if "status" in filters:
        filters["status"] = [
            OBSERVATION_STATUSES[int(v)]
            if v.isdigit() and int(v) < len(OBSERVATION_STATUSES)
            else v
            for v in filters["status"]
        ]


def observations_list(ctx: Ctx) -> Response:
    return _project_list(
        ctx,
        ctx.int_param("project_id"),
        ctx.world.data.observations,
        "observations",
        _OBSERVATION_FILTERS,
        ("name", "description"),
        _observation_codes,
    )


def observation_show(ctx: Ctx, id: int) -> Response:
    _, record = _project_record(
        ctx,
        ctx.int_param("project_id"),
        ctx.world.data.observations,
        "observations",
        id,
        "readonly",
    )
    return json_response(record)


def observation_create(ctx: Ctx) -> Response:
    project = ctx.in_project(ctx.int_param("project_id"), "observations", "standard")
    fields = ctx.wrapped("observation")
    _require(fields, "name", "type_id")  # Procore's spec (Observation) requires both
    partition = ctx.world.data.observations.of(project["id"])
    now, creator = _now(ctx), _person_of(ctx)
    template = partition[0] if len(partition) else {}

    def build(rid: int) -> Record:
        record: Record = {
            **dict.fromkeys(template),
            "id": rid,
            "number": str(partition.size + partition._created + 1),
            "status": "initiated",
            "priority": "Medium",
            "personal": False,
            "created_at": now,
            "updated_at": now,
            "created_by": creator,
            "custom_fields": {},
        }
        _update(record, fields)
        return record

    record = partition.create(build)
    _emit(ctx, "Observation Items", "create", record["id"], project["company"]["id"], project["id"])
    return json_response(record, 201)


def observation_update(ctx: Ctx, id: int) -> Response:
    project, record = _project_record(
        ctx,
        ctx.int_param("project_id"),
        ctx.world.data.observations,
        "observations",
        id,
        "standard",
    )
    _update(record, ctx.wrapped("observation"))
    record["updated_at"] = _now(ctx)
    ctx.world.data.observations.of(project["id"]).replace(record)
    _emit(ctx, "Observation Items", "update", id, project["company"]["id"], project["id"])
    return json_response(record)


def _delete_project_record(
    ctx: Ctx, project_id: int, id: int, table: Table, tool: str, resource_name: str
) -> Response:
    """Delete one record of a project tool (standard needed) and emit its webhook event."""
    project, _ = _project_record(ctx, project_id, table, tool, id, "standard")
    table.of(project["id"]).delete(id)
    _emit(ctx, resource_name, "delete", id, project["company"]["id"], project["id"])
    return Response(status=204)


def observation_delete(ctx: Ctx, project_id: int, id: int) -> Response:
    return _delete_project_record(
        ctx, project_id, id, ctx.world.data.observations, "observations", "Observation Items"
    )


# -- documents: folders, files, file versions ---------------------------------------------------


def _folder_view(ctx: Ctx, project_id: int, folder: Record) -> Record:
    data = ctx.world.data
    args = ctx.request.args
    children = [f for f in data.folders.of(project_id) if f["parent_id"] == folder["id"]]
    files = [f for f in data.files.of(project_id) if f["parent_id"] == folder["id"]]
    if args.get("show_latest_file_version_only") == "true":
        files = [{**f, "file_versions": f["file_versions"][-1:]} for f in files]
    view = dict(folder)
    view["folders"] = [] if args.get("exclude_folders") == "true" else children
    view["files"] = [] if args.get("exclude_files") == "true" else files
    view["has_children_folders"] = bool(children)
    view["has_children_files"] = bool(files)
    view["has_children"] = bool(children or files)
    return view


def folders_root(ctx: Ctx) -> Response:
    project = ctx.in_project(ctx.int_param("project_id"), "documents", "readonly")
    root = ctx.world.data.folders.of(project["id"])[0]
    return json_response(_folder_view(ctx, project["id"], root))


def folder_show(ctx: Ctx, id: int) -> Response:
    project, folder = _project_record(
        ctx, ctx.int_param("project_id"), ctx.world.data.folders, "documents", id, "readonly"
    )
    return json_response(_folder_view(ctx, project["id"], folder))


def _parent_folder(ctx: Ctx, project_id: int, parent_id: Any) -> Record:
    folders = ctx.world.data.folders.of(project_id)
    parent = folders[0] if parent_id is None else folders.get(_record_id(parent_id))
    if parent is None:
        raise unprocessable({"parent_id": ["is not a folder of this project"]})
    return parent


def folder_create(ctx: Ctx) -> Response:
    project = ctx.in_project(ctx.int_param("project_id"), "documents", "standard")
    fields = ctx.wrapped("folder")
    _require(fields, "name")
    parent = _parent_folder(ctx, project["id"], fields.get("parent_id"))
    partition = ctx.world.data.folders.of(project["id"])
    template = partition[0]
    now = _now(ctx)

    def build(rid: int) -> Record:
        name = str(fields["name"])
        path = f"{parent['name_with_path']}/{name}" if parent["name_with_path"] else name
        return {
            **template,
            "id": rid,
            "name": name,
            "parent_id": parent["id"],
            "private": bool(fields.get("private", False)),
            "updated_at": now,
            "name_with_path": path,
        }

    record = partition.create(build)
    _emit(ctx, "Project Folders", "create", record["id"], project["company"]["id"], project["id"])
    return json_response(record, 201)


def folder_update(ctx: Ctx, id: int) -> Response:
    project, folder = _project_record(
        ctx, ctx.int_param("project_id"), ctx.world.data.folders, "documents", id, "standard"
    )
    fields = ctx.wrapped("folder")
    _update(folder, fields, {"name", "parent_id", "private", "custom_fields"})
    folder["updated_at"] = _now(ctx)
    ctx.world.data.folders.of(project["id"]).replace(folder)
    _emit(ctx, "Project Folders", "update", id, project["company"]["id"], project["id"])
    return json_response(folder)


def folder_delete(ctx: Ctx, id: int) -> Response:
    project, folder = _project_record(
        ctx, ctx.int_param("project_id"), ctx.world.data.folders, "documents", id, "standard"
    )
    if folder["parent_id"] is None:
        raise unprocessable({"base": ["the root folder cannot be deleted"]})
    ctx.world.data.folders.of(project["id"]).delete(id)
    _emit(ctx, "Project Folders", "delete", id, project["company"]["id"], project["id"])
    return Response(status=204)


def file_show(ctx: Ctx, id: int) -> Response:
    _, record = _project_record(
        ctx, ctx.int_param("project_id"), ctx.world.data.files, "documents", id, "readonly"
    )
    if ctx.request.args.get("show_latest_version_only") == "true":
        record["file_versions"] = record["file_versions"][-1:]
    return json_response(record)


def file_create(ctx: Ctx) -> Response:
    project = ctx.in_project(ctx.int_param("project_id"), "documents", "standard")
    fields = ctx.wrapped("file")
    _require(fields, "name")
    parent = _parent_folder(ctx, project["id"], fields.get("parent_id"))
    size = 0
    blob = None
    if fields.get("upload_uuid"):
        # The upload must be finished and belong to the same caller (procore-api.md 3.12).
        blob = ctx.world.uploads.consume(ctx.caller, str(fields["upload_uuid"]))
        size = blob.size
    partition = ctx.world.data.files.of(project["id"])
    now, creator = _now(ctx), _person_of(ctx)
    name = str(fields["name"])

    def build(rid: int) -> Record:
        version = ctx.world.data.file_version(rid, 1, name, size, ctx.world.clock.now(), creator)
        return {
            "id": rid,
            "name": name,
            "parent_id": parent["id"],
            "size": size,
            "description": fields.get("description"),
            "created_at": now,
            "updated_at": now,
            "checked_out_until": None,
            "checked_out_by": None,
            "name_with_path": f"{parent['name_with_path']}/{name}".lstrip("/"),
            "private": bool(fields.get("private", False)),
            "is_tracked": bool(fields.get("is_tracked", False)),
            "file_type": name.rsplit(".", 1)[-1] if "." in name else None,
            "file_versions": [version],
            "legacy_id": None,
            "is_deleted": False,
            "custom_fields": {},
        }

    record = partition.create(build)
    if blob is not None:
        ctx.world.uploads.keep(record["file_versions"][0]["id"], blob)
    _emit(ctx, "Project Files", "create", record["id"], project["company"]["id"], project["id"])
    return json_response(record, 201)


def file_update(ctx: Ctx, id: int) -> Response:
    project, record = _project_record(
        ctx, ctx.int_param("project_id"), ctx.world.data.files, "documents", id, "standard"
    )
    fields = ctx.wrapped("file")
    if "parent_id" in fields:
        _parent_folder(ctx, project["id"], fields["parent_id"])
    _update(record, fields, {"name", "parent_id", "description", "private", "custom_fields"})
    record["updated_at"] = _now(ctx)
    ctx.world.data.files.of(project["id"]).replace(record)
    _emit(ctx, "Project Files", "update", id, project["company"]["id"], project["id"])
    return json_response(record)


def file_delete(ctx: Ctx, id: int) -> Response:
    project, record = _project_record(
        ctx, ctx.int_param("project_id"), ctx.world.data.files, "documents", id, "standard"
    )
    ctx.world.data.files.of(project["id"]).delete(id)
    ctx.world.uploads.forget(int(v["id"]) for v in record["file_versions"])
    _emit(ctx, "Project Files", "delete", id, project["company"]["id"], project["id"])
    return Response(status=204)


def file_version_create(ctx: Ctx) -> Response:
    file_id = ctx.int_param("file_id")
    assert file_id is not None
    project, record = _project_record(
        ctx, ctx.int_param("project_id"), ctx.world.data.files, "documents", file_id, "standard"
    )
    fields = ctx.wrapped("file_version")
    size = record["size"]
    blob = None
    if fields.get("upload_uuid"):
        blob = ctx.world.uploads.consume(ctx.caller, str(fields["upload_uuid"]))
        size = blob.size
    number = len(record["file_versions"]) + 1
    version = ctx.world.data.file_version(
        file_id, number, record["name"], size, ctx.world.clock.now(), _person_of(ctx)
    )
    if blob is not None:
        ctx.world.uploads.keep(version["id"], blob)
    version["notes"] = fields.get("notes")
    record["file_versions"].append(version)
    record["size"] = size
    record["updated_at"] = _now(ctx)
    ctx.world.data.files.of(project["id"]).replace(record)
    _emit(ctx, "Project File Versions", "create", version["id"], *_ids(project))
    _emit(ctx, "Project Files", "update", file_id, *_ids(project))
    return json_response(version, 201)


def _ids(project: Record) -> tuple[int, int]:
    return project["company"]["id"], project["id"]


def file_version_show(ctx: Ctx, id: int) -> Response:
    file_id, number = divmod(id, 100)
    _, record = _project_record(
        ctx, ctx.int_param("project_id"), ctx.world.data.files, "documents", file_id, "readonly"
    )
    for version in record["file_versions"]:
        if version["number"] == number:
            return json_response(version)
    raise not_found()


# -- manpower logs --------------------------------------------------------------------------------


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
    _, record = _project_record(
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
    now = _now(ctx)
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
            "created_by": _person_of(ctx),
            "attachments": [],
            "custom_fields": {},
            "permissions": {"can_update": True, "can_delete": True},
        }
        _update(record, fields)
        if vendor is not None:
            record["vendor"] = vendor
        _man_hours(record)
        return record

    record = partition.create(build)
    _emit(ctx, "Manpower Logs", "create", record["id"], project["company"]["id"], project["id"])
    return json_response(record, 201)


def _vendor_ref(ctx: Ctx, company_id: int, contact_id: Any) -> Optional[Record]:
    vendors = ctx.world.data.vendors
    vendor = _company_member(ctx, vendors, company_id, contact_id, "contact_id", "vendor")
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
    project, record = _project_record(
        ctx, project_id, ctx.world.data.manpower_logs, "daily_log", id, "standard"
    )
    fields = dict(ctx.wrapped("manpower_log"))
    fields.pop("vendor_id", None)  # not a Procore field: the vendor is contact_id
    if "contact_id" in fields:
        record["vendor"] = _vendor_ref(ctx, project["company"]["id"], fields.pop("contact_id"))
    _update(record, fields)
    _man_hours(record)
    record["updated_at"] = _now(ctx)
    ctx.world.data.manpower_logs.of(project["id"]).replace(record)
    _emit(ctx, "Manpower Logs", "update", id, project["company"]["id"], project["id"])
    return json_response(record)


def manpower_delete(ctx: Ctx, project_id: int, id: int) -> Response:
    return _delete_project_record(
        ctx, project_id, id, ctx.world.data.manpower_logs, "daily_log", "Manpower Logs"
    )


# -- routing ------------------------------------------------------------------------------------


def _r(path: str, endpoint: Callable[..., Response], *methods: str, **defaults: Any) -> Rule:
    return Rule(path, endpoint=endpoint, methods=list(methods), defaults=defaults or None)


def oauth_token(ctx: Ctx) -> Response:
    """``POST /oauth/token`` on the API host, where Procore has long served it too (its Ruby
    gem posted there until 1.3). ``FakeProcore`` hands it to the login host's handler before
    any bearer-token check, so this body never runs."""
    raise NotImplementedError


def build_map() -> Map:
    """Every API-host route; paths as in procore-catalog.json."""
    v10 = "/rest/v1.0"
    rules = [
        _r("/oauth/token", oauth_token, "POST"),
        _r(f"{v10}/me", me, "GET"),
        _r(f"{v10}/companies", companies, "GET"),
        _r(f"{v10}/projects", projects_list, "GET", version="v1.0"),
        _r("/rest/v1.1/projects", projects_list, "GET", version="v1.1"),
        _r(f"{v10}/projects", project_create, "POST"),
        _r(f"{v10}/projects/sync", projects_sync, "PATCH"),
        _r(f"{v10}/projects/<int:id>", project_show, "GET"),
        _r(f"{v10}/projects/<int:id>", project_update, "PATCH"),
        _r(f"{v10}/companies/<int:company_id>/projects", company_projects, "GET"),
        _r(f"{v10}/vendors", vendors_list, "GET"),
        _r(f"{v10}/vendors", vendor_create, "POST"),
        _r(f"{v10}/vendors/sync", vendors_sync, "PATCH"),
        _r(f"{v10}/vendors/<int:id>", vendor_show, "GET"),
        _r(f"{v10}/vendors/<int:id>", vendor_update, "PATCH"),
        _r(f"{v10}/projects/<int:project_id>/rfis", rfis_list, "GET"),
        _r(f"{v10}/projects/<int:project_id>/rfis", rfi_create, "POST"),
        _r(f"{v10}/projects/<int:project_id>/rfis/<int:id>", rfi_show, "GET"),
        _r(f"{v10}/projects/<int:project_id>/rfis/<int:id>", rfi_update, "PATCH"),
        _r(f"{v10}/observations/items", observations_list, "GET"),
        _r(f"{v10}/observations/items", observation_create, "POST"),
        _r(f"{v10}/observations/items/<int:id>", observation_show, "GET"),
        _r(f"{v10}/observations/items/<int:id>", observation_update, "PATCH"),
        _r(
            f"{v10}/projects/<int:project_id>/observations/items/<int:id>",
            observation_delete,
            "DELETE",
        ),
        _r(f"{v10}/folders", folders_root, "GET"),
        _r(f"{v10}/folders", folder_create, "POST"),
        _r(f"{v10}/folders/<int:id>", folder_show, "GET"),
        _r(f"{v10}/folders/<int:id>", folder_update, "PATCH"),
        _r(f"{v10}/folders/<int:id>", folder_delete, "DELETE"),
        _r(f"{v10}/files", file_create, "POST"),
        _r(f"{v10}/files/<int:id>", file_show, "GET"),
        _r(f"{v10}/files/<int:id>", file_update, "PATCH"),
        _r(f"{v10}/files/<int:id>", file_delete, "DELETE"),
        _r(f"{v10}/file_versions", file_version_create, "POST"),
        _r(f"{v10}/file_versions/<int:id>", file_version_show, "GET"),
        _r(f"{v10}/projects/<int:project_id>/manpower_logs", manpower_list, "GET"),
        _r(f"{v10}/projects/<int:project_id>/manpower_logs", manpower_create, "POST"),
        _r(f"{v10}/projects/<int:project_id>/manpower_logs/<int:id>", manpower_show, "GET"),
        _r(f"{v10}/projects/<int:project_id>/manpower_logs/<int:id>", manpower_update, "PATCH"),
        _r(f"{v10}/projects/<int:project_id>/manpower_logs/<int:id>", manpower_delete, "DELETE"),
    ]
    for version in ("v1.0", "v1.1", "v1.2", "v1.3"):
        base = f"/rest/{version}/companies/<int:company_id>/users"
        rules += [
            _r(base, users_list, "GET", version=version),
            _r(base, user_create, "POST", version=version),
            _r(f"{base}/sync", users_sync, "PATCH", version=version),
            _r(f"{base}/<int:id>", user_show, "GET", version=version),
            _r(f"{base}/<int:id>", user_update, "PATCH", version=version),
        ]
    for version in ("v1.0", "v1.1"):
        base = f"/rest/{version}/projects/<int:project_id>/submittals"
        rules += [
            _r(base, submittals_list, "GET", version=version),
            _r(base, submittal_create, "POST", version=version),
            _r(f"{base}/<int:id>", submittal_show, "GET", version=version),
            _r(f"{base}/<int:id>", submittal_update, "PATCH", version=version),
        ]
    rules += uploads.rules()
    rules += webhooks.rules()
    # Procore's paths are exact: no trailing-slash redirects, no merging of slashes.
    return Map(rules, strict_slashes=False, merge_slashes=False, redirect_defaults=False)
