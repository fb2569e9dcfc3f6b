"""The Observations tool (procore-api.md 3.8)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from werkzeug.routing import Rule
from werkzeug.wrappers import Response

from procore_dc.testing._handlers import (
    Record,
    apply_changes,
    delete_project_record,
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
from procore_dc.testing._seed import OBSERVATION_STATUSES

__all__ = ["rules"]


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
    return project_list(
        ctx,
        ctx.int_param("project_id"),
        ctx.world.data.observations,
        "observations",
        _OBSERVATION_FILTERS,
        ("name", "description"),
        _observation_codes,
    )


def observation_show(ctx: Ctx, id: int) -> Response:
    _, record = project_record(
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
    require_fields(fields, "name", "type_id")  # Procore's spec (Observation) requires both
    partition = ctx.world.data.observations.of(project["id"])
    now, creator = now_iso(ctx), person_of(ctx)
    template = partition[0] if len(partition) else {}

    def build(rid: int) -> Record:
        record: Record = {
            **dict.fromkeys(template),
            "id": rid,
            "number": str(partition.made + 1),
            "status": "initiated",
            "priority": "Medium",
            "personal": False,
            "created_at": now,
            "updated_at": now,
            "created_by": creator,
            "custom_fields": {},
        }
        apply_changes(record, fields)
        return record

    record = partition.create(build)
    emit_in_project(ctx, "Observation Items", "create", record["id"], project)
    return json_response(record, 201)


def observation_update(ctx: Ctx, id: int) -> Response:
    project, record = project_record(
        ctx,
        ctx.int_param("project_id"),
        ctx.world.data.observations,
        "observations",
        id,
        "standard",
    )
    apply_changes(record, ctx.wrapped("observation"))
    record["updated_at"] = now_iso(ctx)
    ctx.world.data.observations.of(project["id"]).replace(record)
    emit_in_project(ctx, "Observation Items", "update", id, project)
    return json_response(record)


def observation_delete(ctx: Ctx, project_id: int, id: int) -> Response:
    return delete_project_record(
        ctx, project_id, id, ctx.world.data.observations, "observations", "Observation Items"
    )


def rules() -> list[Rule]:
    """This tool's routes on the API host; paths as in procore-catalog.json."""
    v10 = "/rest/v1.0"
    return [
        rule(f"{v10}/observations/items", observations_list, "GET"),
        rule(f"{v10}/observations/items", observation_create, "POST"),
        rule(f"{v10}/observations/items/<int:id>", observation_show, "GET"),
        rule(f"{v10}/observations/items/<int:id>", observation_update, "PATCH"),
        rule(
            f"{v10}/projects/<int:project_id>/observations/items/<int:id>",
            observation_delete,
            "DELETE",
        ),
    ]
