"""The upload endpoints on the API host (procore-api.md 3.12): v1.0 and v1.1 for projects and
companies, and v2.1's unified uploads. The uploads themselves are ``ctx.world.uploads``."""

from __future__ import annotations

from typing import Optional

from werkzeug.routing import Rule
from werkzeug.wrappers import Response

from procore_dc.testing._rest import Ctx, not_found

__all__ = ["rules"]


def _level(ctx: Ctx) -> str:
    return "standard" if ctx.request.method != "GET" else "readonly"


def _scope(
    ctx: Ctx, project_id: Optional[int] = None, company_id: Optional[int] = None
) -> tuple[str, int]:
    """The upload's scope from the path: a project (checked first) or a company."""
    if project_id is not None:
        ctx.in_project(project_id, "documents", _level(ctx))
        return ("project", project_id)
    assert company_id is not None
    ctx.in_company(company_id, "documents", _level(ctx))
    return ("company", company_id)


def create(ctx: Ctx, **where: int) -> Response:
    return ctx.world.uploads.create(ctx.body(), ctx.caller, _scope(ctx, **where))


def show(ctx: Ctx, uuid: str, **where: int) -> Response:
    return ctx.world.uploads.show(ctx.caller, _scope(ctx, **where), uuid)


def complete(ctx: Ctx, uuid: str, **where: int) -> Response:
    return ctx.world.uploads.complete(ctx.body(), ctx.caller, _scope(ctx, **where), uuid)


def _v21_scope(ctx: Ctx, company_id: int, project_id: Optional[int]) -> tuple[str, int]:
    if project_id is None:
        return _scope(ctx, company_id=company_id)
    scope = _scope(ctx, project_id=project_id)
    if ctx.header_company != company_id:
        raise not_found()  # the path's company must be the project's
    return scope


def unified_create(ctx: Ctx, company_id: int, project_id: Optional[int] = None) -> Response:
    scope = _v21_scope(ctx, company_id, project_id)
    return ctx.world.uploads.create_unified(ctx.body(), ctx.caller, scope)


def unified_show(
    ctx: Ctx, company_id: int, upload_id: str, project_id: Optional[int] = None
) -> Response:
    scope = _v21_scope(ctx, company_id, project_id)
    return ctx.world.uploads.show_unified(ctx.caller, scope, upload_id)


def unified_complete(
    ctx: Ctx, company_id: int, upload_id: str, project_id: Optional[int] = None
) -> Response:
    scope = _v21_scope(ctx, company_id, project_id)
    return ctx.world.uploads.complete_unified(ctx.body(), ctx.caller, scope, upload_id)


def rules() -> list[Rule]:
    """The upload routes on the API host (v1.0 and v1.1, projects and companies; v2.1)."""
    found = []
    for version in ("v1.0", "v1.1"):
        for kind in ("projects/<int:project_id>", "companies/<int:company_id>"):
            base = f"/rest/{version}/{kind}/uploads"
            found += [
                Rule(base, endpoint=create, methods=["POST"]),
                Rule(f"{base}/<uuid>", endpoint=show, methods=["GET"]),
                Rule(f"{base}/<uuid>", endpoint=complete, methods=["PATCH"]),
            ]
    for base in (
        "/rest/v2.1/companies/<int:company_id>/uploads",
        "/rest/v2.1/companies/<int:company_id>/projects/<int:project_id>/uploads",
    ):
        found += [
            Rule(base, endpoint=unified_create, methods=["POST"]),
            Rule(f"{base}/<upload_id>", endpoint=unified_show, methods=["GET"]),
            Rule(f"{base}/<upload_id>", endpoint=unified_complete, methods=["PATCH"]),
        ]
    return found
