"""The Submittals tool (procore-api.md 3.5)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from werkzeug.routing import Rule
from werkzeug.wrappers import Response

from procore_dc.testing._handlers import (
    Record,
    apply_changes,
    emit_in_project,
    now_iso,
    person_of,
    project_list,
    project_record,
    require_fields,
    rule,
)
from procore_dc.testing._rest import (
    Ctx,
    field,
    json_response,
)

__all__ = ["rules"]


_SUBMITTAL_FILTERS: Mapping[str, Callable[[Record], Any]] = {
    "id": field("id"),
    "created_at": field("created_at"),
    "updated_at": field("updated_at"),
    "status_id": field("status", "id"),
    "received_from_id": field("received_from", "id"),
    "responsible_contractor_id": field("responsible_contractor", "id"),
}


def submittals_list(ctx: Ctx, project_id: int, version: str = "v1.1") -> Response:
    return project_list(
        ctx, project_id, ctx.world.data.submittals, "submittals", _SUBMITTAL_FILTERS, ("title",)
    )


def submittal_show(ctx: Ctx, project_id: int, id: int, version: str = "v1.1") -> Response:
    _, record = project_record(
        ctx, project_id, ctx.world.data.submittals, "submittals", id, "readonly"
    )
    return json_response(record)


def submittal_create(ctx: Ctx, project_id: int, version: str = "v1.1") -> Response:
    project = ctx.in_project(project_id, "submittals", "standard")
    fields = ctx.wrapped("submittal")
    require_fields(fields, "title")
    partition = ctx.world.data.submittals.of(project["id"])
    now, creator = now_iso(ctx), person_of(ctx)
    template = partition[0] if len(partition) else {}

    def build(rid: int) -> Record:
        number = str(fields.get("number") or partition.made + 1)
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
        apply_changes(record, fields)
        return record

    record = partition.create(build)
    emit_in_project(ctx, "Submittals", "create", record["id"], project)
    return json_response(record, 201)


def submittal_update(ctx: Ctx, project_id: int, id: int, version: str = "v1.1") -> Response:
    project, record = project_record(
        ctx, project_id, ctx.world.data.submittals, "submittals", id, "standard"
    )
    apply_changes(record, ctx.wrapped("submittal"))
    record["updated_at"] = now_iso(ctx)
    ctx.world.data.submittals.of(project["id"]).replace(record)
    emit_in_project(ctx, "Submittals", "update", id, project)
    return json_response(record)


def rules() -> list[Rule]:
    """This tool's routes on the API host; paths as in procore-catalog.json."""
    found = []
    for version in ("v1.0", "v1.1"):
        base = f"/rest/{version}/projects/<int:project_id>/submittals"
        found += [
            rule(base, submittals_list, "GET", version=version),
            rule(base, submittal_create, "POST", version=version),
            rule(f"{base}/<int:id>", submittal_show, "GET", version=version),
            rule(f"{base}/<int:id>", submittal_update, "PATCH", version=version),
        ]
    return found
