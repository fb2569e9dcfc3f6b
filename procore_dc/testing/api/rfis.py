"""The RFIs tool (procore-api.md 3.4)."""

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
    rule,
    user_ref,
)
from procore_dc.testing._rest import (
    Ctx,
    field,
    json_response,
    unprocessable,
)

__all__ = ["rules"]


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
    return project_list(
        ctx,
        project_id,
        ctx.world.data.rfis,
        "rfi",
        _RFI_FILTERS,
        ("subject", "number"),
        attribute_sort=True,
    )


def rfi_show(ctx: Ctx, project_id: int, id: int) -> Response:
    _, record = project_record(ctx, project_id, ctx.world.data.rfis, "rfi", id, "readonly")
    return json_response(record)


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
    assignees = [a for a in (user_ref(ctx, company_id, i) for i in raw_ids or ()) if a]
    assignee = assignees[0] if assignees else None
    manager = user_ref(ctx, company_id, fields["rfi_manager_id"], "rfi_manager_id")
    partition = ctx.world.data.rfis.of(project["id"])
    now, creator = now_iso(ctx), person_of(ctx)
    draft = bool(fields.get("draft"))

    def build(rid: int) -> Record:
        number = str(partition.made + 1)
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
    emit_in_project(ctx, "RFIs", "create", record["id"], project)
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
    project, record = project_record(ctx, project_id, ctx.world.data.rfis, "rfi", id, "standard")
    fields = dict(ctx.wrapped("rfi"))
    company_id = project["company"]["id"]
    if "assignee_ids" in fields or "assignee_id" in fields:
        raw = fields.pop("assignee_ids", None)
        single = fields.pop("assignee_id", None)
        ids = raw if isinstance(raw, list) else ([single] if single is not None else [])
        assignees = [a for a in (user_ref(ctx, company_id, i) for i in ids) if a]
        record["assignee"] = assignees[0] if assignees else None
        record["assignees"] = assignees
    if "rfi_manager_id" in fields:
        manager_id = fields.pop("rfi_manager_id")
        record["rfi_manager"] = user_ref(ctx, company_id, manager_id, "rfi_manager_id")
    question = fields.pop("question", None)
    if isinstance(question, dict) and question.get("body"):
        record["questions"] = [{"id": id * 10 + 1, "body": str(question["body"]), "errors": []}]
    apply_changes(record, fields)
    if "status" in fields:
        record["translated_status"] = str(record["status"]).capitalize()
        if record["status"] == "closed":
            record["time_resolved"] = now_iso(ctx)
    record["updated_at"] = now_iso(ctx)
    ctx.world.data.rfis.of(project["id"]).replace(record)
    emit_in_project(ctx, "RFIs", "update", id, project)
    return json_response(record)


def rules() -> list[Rule]:
    """This tool's routes on the API host; paths as in procore-catalog.json."""
    base = "/rest/v1.0/projects/<int:project_id>/rfis"
    return [
        rule(base, rfis_list, "GET"),
        rule(base, rfi_create, "POST"),
        rule(f"{base}/<int:id>", rfi_show, "GET"),
        rule(f"{base}/<int:id>", rfi_update, "PATCH"),
    ]
