"""The Documents tool: folders, files and file versions (procore-api.md 3.9)."""

from __future__ import annotations

from typing import Any

from werkzeug.routing import Rule
from werkzeug.wrappers import Response

from procore_dc.testing._handlers import (
    Record,
    apply_changes,
    emit_in_project,
    now_iso,
    parse_record_id,
    person_of,
    project_record,
    require_fields,
    rule,
)
from procore_dc.testing._rest import (
    Ctx,
    json_response,
    not_found,
    unprocessable,
)

__all__ = ["rules"]


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
    project, folder = project_record(
        ctx, ctx.int_param("project_id"), ctx.world.data.folders, "documents", id, "readonly"
    )
    return json_response(_folder_view(ctx, project["id"], folder))


def _parent_folder(ctx: Ctx, project_id: int, parent_id: Any) -> Record:
    folders = ctx.world.data.folders.of(project_id)
    parent = folders[0] if parent_id is None else folders.get(parse_record_id(parent_id))
    if parent is None:
        raise unprocessable({"parent_id": ["is not a folder of this project"]})
    return parent


def folder_create(ctx: Ctx) -> Response:
    project = ctx.in_project(ctx.int_param("project_id"), "documents", "standard")
    fields = ctx.wrapped("folder")
    require_fields(fields, "name")
    parent = _parent_folder(ctx, project["id"], fields.get("parent_id"))
    partition = ctx.world.data.folders.of(project["id"])
    template = partition[0]
    now = now_iso(ctx)

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
    emit_in_project(ctx, "Project Folders", "create", record["id"], project)
    return json_response(record, 201)


def folder_update(ctx: Ctx, id: int) -> Response:
    project, folder = project_record(
        ctx, ctx.int_param("project_id"), ctx.world.data.folders, "documents", id, "standard"
    )
    fields = ctx.wrapped("folder")
    apply_changes(folder, fields, {"name", "parent_id", "private", "custom_fields"})
    folder["updated_at"] = now_iso(ctx)
    ctx.world.data.folders.of(project["id"]).replace(folder)
    emit_in_project(ctx, "Project Folders", "update", id, project)
    return json_response(folder)


def folder_delete(ctx: Ctx, id: int) -> Response:
    project, folder = project_record(
        ctx, ctx.int_param("project_id"), ctx.world.data.folders, "documents", id, "standard"
    )
    if folder["parent_id"] is None:
        raise unprocessable({"base": ["the root folder cannot be deleted"]})
    ctx.world.data.folders.of(project["id"]).delete(id)
    emit_in_project(ctx, "Project Folders", "delete", id, project)
    return Response(status=204)


def file_show(ctx: Ctx, id: int) -> Response:
    _, record = project_record(
        ctx, ctx.int_param("project_id"), ctx.world.data.files, "documents", id, "readonly"
    )
    if ctx.request.args.get("show_latest_version_only") == "true":
        record["file_versions"] = record["file_versions"][-1:]
    return json_response(record)


def file_create(ctx: Ctx) -> Response:
    project = ctx.in_project(ctx.int_param("project_id"), "documents", "standard")
    fields = ctx.wrapped("file")
    require_fields(fields, "name")
    parent = _parent_folder(ctx, project["id"], fields.get("parent_id"))
    size = 0
    blob = None
    if fields.get("upload_uuid"):
        # The upload must be finished and belong to the same caller (procore-api.md 3.12).
        blob = ctx.world.uploads.consume(ctx.caller, str(fields["upload_uuid"]))
        size = blob.size
    partition = ctx.world.data.files.of(project["id"])
    now, creator = now_iso(ctx), person_of(ctx)
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
    emit_in_project(ctx, "Project Files", "create", record["id"], project)
    return json_response(record, 201)


def file_update(ctx: Ctx, id: int) -> Response:
    project, record = project_record(
        ctx, ctx.int_param("project_id"), ctx.world.data.files, "documents", id, "standard"
    )
    fields = ctx.wrapped("file")
    if "parent_id" in fields:
        _parent_folder(ctx, project["id"], fields["parent_id"])
    apply_changes(record, fields, {"name", "parent_id", "description", "private", "custom_fields"})
    record["updated_at"] = now_iso(ctx)
    ctx.world.data.files.of(project["id"]).replace(record)
    emit_in_project(ctx, "Project Files", "update", id, project)
    return json_response(record)


def file_delete(ctx: Ctx, id: int) -> Response:
    project, record = project_record(
        ctx, ctx.int_param("project_id"), ctx.world.data.files, "documents", id, "standard"
    )
    ctx.world.data.files.of(project["id"]).delete(id)
    ctx.world.uploads.forget(int(v["id"]) for v in record["file_versions"])
    emit_in_project(ctx, "Project Files", "delete", id, project)
    return Response(status=204)


def file_version_create(ctx: Ctx) -> Response:
    file_id = ctx.int_param("file_id")
    assert file_id is not None
    project, record = project_record(
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
        file_id, number, record["name"], size, ctx.world.clock.now(), person_of(ctx)
    )
    if blob is not None:
        ctx.world.uploads.keep(version["id"], blob)
    version["notes"] = fields.get("notes")
    record["file_versions"].append(version)
    record["size"] = size
    record["updated_at"] = now_iso(ctx)
    ctx.world.data.files.of(project["id"]).replace(record)
    emit_in_project(ctx, "Project File Versions", "create", version["id"], project)
    emit_in_project(ctx, "Project Files", "update", file_id, project)
    return json_response(version, 201)


def file_version_show(ctx: Ctx, id: int) -> Response:
    file_id, number = divmod(id, 100)
    _, record = project_record(
        ctx, ctx.int_param("project_id"), ctx.world.data.files, "documents", file_id, "readonly"
    )
    for version in record["file_versions"]:
        if version["number"] == number:
            return json_response(version)
    raise not_found()


def rules() -> list[Rule]:
    """This tool's routes on the API host; paths as in procore-catalog.json."""
    v10 = "/rest/v1.0"
    return [
        rule(f"{v10}/folders", folders_root, "GET"),
        rule(f"{v10}/folders", folder_create, "POST"),
        rule(f"{v10}/folders/<int:id>", folder_show, "GET"),
        rule(f"{v10}/folders/<int:id>", folder_update, "PATCH"),
        rule(f"{v10}/folders/<int:id>", folder_delete, "DELETE"),
        rule(f"{v10}/files", file_create, "POST"),
        rule(f"{v10}/files/<int:id>", file_show, "GET"),
        rule(f"{v10}/files/<int:id>", file_update, "PATCH"),
        rule(f"{v10}/files/<int:id>", file_delete, "DELETE"),
        rule(f"{v10}/file_versions", file_version_create, "POST"),
        rule(f"{v10}/file_versions/<int:id>", file_version_show, "GET"),
    ]
