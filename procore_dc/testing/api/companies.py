"""The Portfolio (``home``) tool: ``/me``, companies and projects (procore-api.md 2.7, 3.1)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from werkzeug.routing import Rule
from werkzeug.wrappers import Response

from procore_dc.testing._data import (
    SandboxData,
)
from procore_dc.testing._handlers import (
    Record,
    apply_changes,
    emit_event,
    now_iso,
    person_of,
    require_fields,
    rule,
    sync_endpoint,
)
from procore_dc.testing._rest import (
    Ctx,
    apply_filters,
    apply_sort,
    field,
    json_response,
    not_found,
    paginate,
    parse_filters,
)

__all__ = ["rules"]


def me(ctx: Ctx) -> Response:
    if "company_id" in ctx.request.args or ctx.is_dmsa:
        ctx.company(ctx.int_param("company_id", required=False))
    if "project_id" in ctx.request.args:
        ctx.project(ctx.int_param("project_id"))
    person = person_of(ctx)
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
    now = now_iso(ctx)

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
        apply_changes(record, fields)
        return record

    created = data.projects.of(company["id"]).create(build)
    data.add_project_partitions({**created, "_created": True})
    return created


def project_create(ctx: Ctx) -> Response:
    body = ctx.body()
    company = ctx.in_company(ctx.int_param("company_id"), "home", "standard")
    fields = ctx.wrapped("project")
    require_fields(fields, "name")
    record = _new_project(ctx, company, fields)
    emit_event(ctx, "Projects", "create", record["id"], company["id"], record["id"])
    del body
    return json_response(record, 201)


def project_update(ctx: Ctx, id: int) -> Response:
    project = _visible_project(ctx, id, "standard")
    fields = ctx.wrapped("project")
    apply_changes(project, fields)
    project["updated_at"] = now_iso(ctx)
    ctx.world.data.projects.of(project["company"]["id"]).replace(project)
    emit_event(ctx, "Projects", "update", id, project["company"]["id"], id)
    return json_response(project)


projects_sync = sync_endpoint(
    lambda data: data.projects, "home", _new_project, ("name",), "Projects"
)


def rules() -> list[Rule]:
    """This tool's routes on the API host; paths as in procore-catalog.json."""
    v10 = "/rest/v1.0"
    return [
        rule(f"{v10}/me", me, "GET"),
        rule(f"{v10}/companies", companies, "GET"),
        rule(f"{v10}/projects", projects_list, "GET", version="v1.0"),
        rule("/rest/v1.1/projects", projects_list, "GET", version="v1.1"),
        rule(f"{v10}/projects", project_create, "POST"),
        rule(f"{v10}/projects/sync", projects_sync, "PATCH"),
        rule(f"{v10}/projects/<int:id>", project_show, "GET"),
        rule(f"{v10}/projects/<int:id>", project_update, "PATCH"),
        rule(f"{v10}/companies/<int:company_id>/projects", company_projects, "GET"),
    ]
