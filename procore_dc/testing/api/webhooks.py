"""The webhook management endpoints (procore-api.md 3.11): hooks, triggers and deliveries.

The hooks and their delivery thread are :class:`~procore_dc.testing.WebhookDispatcher`
(``ctx.world.events``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Optional
from urllib.parse import urlsplit

from werkzeug.routing import Rule
from werkzeug.wrappers import Response

from procore_dc.environments import is_loopback_host
from procore_dc.testing._rest import Ctx, HTTPError, json_response, not_found, unprocessable
from procore_dc.testing._webhook_resources import EVENT_TYPES, events_for
from procore_dc.testing._webhooks import Hook, major_version

__all__ = ["rules"]

_NAMESPACE = re.compile(r"^[a-z0-9-]+$")


def _param(ctx: Ctx, name: str) -> Optional[int]:
    value: Any = ctx.request.args.get(name)
    if value is None and ctx.request.method != "GET":
        value = ctx.body().get(name)
    if value in (None, ""):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        raise HTTPError.message(400, f"Parameter {name} must be an integer") from None


def _scope(ctx: Ctx, level: str) -> tuple[int, Optional[int]]:
    """The hook scope of a request: ``project_id`` or ``company_id`` (procore-api.md 3.11)."""
    project_id = _param(ctx, "project_id")
    if project_id is not None:
        project = ctx.in_project(project_id, "webhooks_api", level)
        return project["company"]["id"], project_id
    company_id = _param(ctx, "company_id")
    if company_id is None:
        raise HTTPError.message(400, "Either company_id or project_id is required")
    company = ctx.in_company(company_id, "webhooks_api", level)
    return company["id"], None


def _hook(ctx: Ctx, hook_id: int, level: str) -> Hook:
    company_id, project_id = _scope(ctx, level)
    hook = ctx.world.events.hooks.get(hook_id)
    if hook is None or (hook.owned_by_company_id, hook.owned_by_project_id) != (
        company_id,
        project_id,
    ):
        raise not_found()
    return hook


def _hook_fields(fields: Mapping[str, Any], hook: Optional[Hook]) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    result: dict[str, Any] = {}
    if "api_version" in fields or hook is None:
        version = major_version(fields.get("api_version"))
        if version is None:
            errors["api_version"] = ["must be v2, v3 or v4"]
        result["api_version"] = version
    if "namespace" in fields or hook is None:
        namespace = str(fields.get("namespace") or "")
        if not _NAMESPACE.match(namespace):
            errors["namespace"] = ["must be lowercase letters, digits and dashes"]
        result["namespace"] = namespace
    if "destination_url" in fields:
        url = str(fields.get("destination_url") or "")
        parts = urlsplit(url)
        # The sandbox delivers only to this machine, so tests never reach beyond loopback.
        if parts.scheme not in ("http", "https") or not is_loopback_host(parts.hostname or ""):
            errors["destination_url"] = ["must be an http(s) URL on a loopback host"]
        result["destination_url"] = url
    if "destination_headers" in fields:
        headers = fields.get("destination_headers") or {}
        if not isinstance(headers, dict):
            errors["destination_headers"] = ["must be an object"]
        else:
            result["destination_headers"] = {str(k): str(v) for k, v in headers.items()}
    if errors:
        raise unprocessable(errors)
    return result


def hooks_list(ctx: Ctx) -> Response:
    company_id, project_id = _scope(ctx, "readonly")
    args = ctx.request.args
    rows = [
        h.view()
        for h in ctx.world.events.hooks.values()
        if (h.owned_by_company_id, h.owned_by_project_id) == (company_id, project_id)
        and args.get("namespace") in (None, h.namespace)
        and (args.get("api_version") is None or major_version(args["api_version"]) == h.api_version)
    ]
    return json_response(rows)


def hook_create(ctx: Ctx) -> Response:
    company_id, project_id = _scope(ctx, "standard")
    fields = ctx.wrapped("hook")
    values = _hook_fields({"destination_url": "", **fields}, None)
    dispatcher = ctx.world.events
    hook = Hook(
        id=dispatcher.new_id(),
        api_version=values["api_version"],
        namespace=values["namespace"],
        destination_url=values["destination_url"],
        destination_headers=values.get("destination_headers", {}),
        owned_by_company_id=company_id,
        owned_by_project_id=project_id,
        owned_by_user_id=ctx.token.user_id,
    )
    dispatcher.hooks[hook.id] = hook
    return json_response(hook.view(), 201)


def hook_show_v2(ctx: Ctx, company_id: int, id: int, project_id: Optional[int] = None) -> Response:
    """``GET /rest/v2.0/companies/{company_id}[/projects/{project_id}]/webhooks/hooks/{id}``.

    v1.0 has no show operation (Procore's spec and catalogue); v2.0 does. Its body is not in
    the spec: we answer ``{"data": hook}`` with ``payload_version``, as v2.0 names the field
    (docs/procore-assumptions.rst).
    """
    if project_id is not None:
        project = ctx.in_project(project_id, "webhooks_api", "readonly")
        if project["company"]["id"] != company_id:
            raise not_found()
    else:
        ctx.in_company(company_id, "webhooks_api", "readonly")
    hook = ctx.world.events.hooks.get(id)
    if hook is None or (hook.owned_by_company_id, hook.owned_by_project_id) != (
        company_id,
        project_id,
    ):
        raise not_found()
    view = hook.view()
    view["payload_version"] = f"{view.pop('api_version')}.0"
    return json_response({"data": view})


def hook_update(ctx: Ctx, id: int) -> Response:
    hook = _hook(ctx, id, "standard")
    for key, value in _hook_fields(ctx.wrapped("hook"), hook).items():
        setattr(hook, key, value)
    return json_response(hook.view())


def hook_delete(ctx: Ctx, id: int) -> Response:
    hook = _hook(ctx, id, "standard")
    ctx.world.events.hooks.pop(hook.id, None)
    return Response(status=204)


def _trigger(ctx: Ctx, hook: Hook, fields: Any) -> dict[str, Any]:
    if not isinstance(fields, dict):
        raise unprocessable({"trigger": ["is missing or not an object"]})
    errors = {}
    known = events_for("project" if hook.owned_by_project_id is not None else "company")
    name, event = str(fields.get("resource_name")), fields.get("event_type")
    if name not in known:
        errors["resource_name"] = [
            f"{name!r} is not a webhook resource; GET /rest/v1.0/webhooks/resources lists them"
        ]
    elif event not in known[name]:
        errors["event_type"] = [f"{name} supports only {', '.join(known[name])}"]
    if event not in EVENT_TYPES:
        errors["event_type"] = ["must be create, update or delete"]
    if errors:
        raise unprocessable(errors)
    trigger = {
        "id": ctx.world.events.new_id(),
        "webhook_hook_id": hook.id,
        "resource_name": fields["resource_name"],
        "resource_id": fields.get("resource_id"),
        "event_type": fields["event_type"],
        "company_id": hook.owned_by_company_id,
        "project_id": hook.owned_by_project_id,
        "user_id": ctx.token.user_id,
    }
    hook.triggers[trigger["id"]] = trigger
    return trigger


def triggers_list(ctx: Ctx, hook_id: int) -> Response:
    return json_response(list(_hook(ctx, hook_id, "readonly").triggers.values()))


def _bulk(ctx: Ctx, hook_id: int) -> tuple[Hook, list[Any]]:
    """The hook a bulk trigger request names and its ``triggers`` list."""
    hook = _hook(ctx, hook_id, "standard")
    items = ctx.body().get("triggers")
    if not isinstance(items, list):
        raise unprocessable({"triggers": ["must be a list"]})
    return hook, items


def trigger_create(ctx: Ctx, hook_id: int) -> Response:
    hook = _hook(ctx, hook_id, "standard")
    # "The body must include api_version and a trigger object" (DOC plan_your_app/
    # webhooks_api.md; the spec's CompanyTrigger/ProjectTrigger mark it required).
    if major_version(ctx.body().get("api_version") or "none") is None:
        raise unprocessable({"api_version": ["is required: v2, v3 or v4"]})
    return json_response(_trigger(ctx, hook, ctx.body().get("trigger")), 201)


def triggers_bulk_create(ctx: Ctx, hook_id: int) -> Response:
    hook, items = _bulk(ctx, hook_id)
    return json_response([_trigger(ctx, hook, item) for item in items], 201)


def triggers_bulk_delete(ctx: Ctx, hook_id: int) -> Response:
    hook, items = _bulk(ctx, hook_id)
    for item in items:
        trigger_id: Any = item.get("id") if isinstance(item, dict) else item
        try:
            hook.triggers.pop(int(trigger_id), None)
        except (TypeError, ValueError):
            raise unprocessable({"triggers": ["must list trigger ids"]}) from None
    return Response(status=204)


def trigger_delete(ctx: Ctx, hook_id: int, id: int) -> Response:
    hook = _hook(ctx, hook_id, "standard")
    if hook.triggers.pop(id, None) is None:
        raise not_found()
    return Response(status=204)


_STATUS_OUTCOMES = {
    "any": None,
    "successful": ("ok",),
    "discarded": ("discarded",),
    "failing": ("retried", "failed"),
}


def deliveries_list(ctx: Ctx, hook_id: int) -> Response:
    hook = _hook(ctx, hook_id, "readonly")
    args = ctx.request.args
    # The docs write filter[status]; the spec filters[status]. Accept both.
    status = args.get("filter[status]") or args.get("filters[status]") or "any"
    if status not in _STATUS_OUTCOMES:
        raise HTTPError.message(400, "filter[status] must be any, successful, discarded or failing")
    wanted = _STATUS_OUTCOMES[status]
    rows = ctx.world.events.deliveries(hook.id, wanted)
    try:
        # page_start is "the last id of the previous page", not an offset; page_size defaults
        # to 100 (Procore's OpenAPI spec for this operation, GEN:UtilitiesWebhooksDeliveriesApi).
        after = int(args["page_start"]) if args.get("page_start") else None
        size = max(1, min(1000, int(args.get("page_size", 100))))
    except ValueError:
        raise HTTPError.message(400, "page_start and page_size must be integers") from None
    if after is not None:
        rows = [d for d in rows if d["id"] > after]
    return json_response(rows[:size])


def resources(ctx: Ctx) -> Response:
    """The resources a hook of the scope may trigger on, with the events each does not send."""
    company_id, project_id = _scope(ctx, "readonly")
    del company_id
    known = events_for("project" if project_id is not None else "company")
    rows = [
        {"name": name, "except": [e for e in EVENT_TYPES if e not in events]}
        for name, events in sorted(known.items())
    ]
    return json_response(rows)


def resource_versions(ctx: Ctx) -> Response:
    return json_response(["v2.0", "v3.0", "v4.0"])


def rules() -> list[Rule]:
    """The webhook management routes on the API host."""
    base = "/rest/v1.0/webhooks"

    def r(path: str, endpoint: Any, method: str) -> Rule:
        return Rule(f"{base}{path}", endpoint=endpoint, methods=[method])

    return [
        r("/hooks", hooks_list, "GET"),
        r("/hooks", hook_create, "POST"),
        r("/hooks/<int:id>", hook_update, "PATCH"),
        r("/hooks/<int:id>", hook_delete, "DELETE"),
        r("/hooks/<int:hook_id>/triggers", triggers_list, "GET"),
        r("/hooks/<int:hook_id>/triggers", trigger_create, "POST"),
        r("/hooks/<int:hook_id>/triggers/bulk", triggers_bulk_create, "POST"),
        r("/hooks/<int:hook_id>/triggers/bulk", triggers_bulk_delete, "DELETE"),
        r("/hooks/<int:hook_id>/triggers/<int:id>", trigger_delete, "DELETE"),
        r("/hooks/<int:hook_id>/deliveries", deliveries_list, "GET"),
        r("/resources", resources, "GET"),
        r("/resources/api_versions", resource_versions, "GET"),
        Rule(
            "/rest/v2.0/companies/<int:company_id>/webhooks/hooks/<int:id>",
            endpoint=hook_show_v2,
            methods=["GET"],
        ),
        Rule(
            "/rest/v2.0/companies/<int:company_id>/projects/<int:project_id>/webhooks/hooks/<int:id>",
            endpoint=hook_show_v2,
            methods=["GET"],
        ),
    ]
