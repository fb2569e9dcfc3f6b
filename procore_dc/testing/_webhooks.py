"""Webhooks (procore-api.md 3.11): hooks, triggers, deliveries, and a delivery thread.

Writes through the API emit events; every hook whose scope and triggers match gets the event
POSTed to its ``destination_url`` with its ``destination_headers``, in payload v2, v3 or v4.
Failed deliveries are retried with exponential backoff from 1 s up to 1 h on the sandbox
clock and discarded after 12 h of failures; every attempt keeps its outcome.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import re
import threading
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Optional
from urllib.parse import urlsplit

import attrs
import requests
from werkzeug.routing import Rule
from werkzeug.wrappers import Response

from procore_dc.environments import is_loopback_host
from procore_dc.testing._rest import Ctx, HTTPError, json_response, not_found, unprocessable
from procore_dc.testing._uploads import ulid
from procore_dc.testing._webhook_resources import EVENT_TYPES, events_for

if TYPE_CHECKING:
    from procore_dc.testing._oauth import SandboxApp
    from procore_dc.testing._sandbox import FakeProcore

__all__ = ["RESOURCE_NAMES", "WebhookDispatcher", "rules"]

#: The resource names the sandbox emits events for (Procore's names, _webhook_resources.py).
RESOURCE_NAMES = (
    "Projects",
    "Company Users",
    "Company Vendors",
    "RFIs",
    "Submittals",
    "Observation Items",
    "Project Folders",
    "Project Files",
    "Project File Versions",
    "Manpower Logs",
)
DELIVERY_TIMEOUT = 5.0  # Procore gives up 5 s after connecting (procore-api.md 3.11)
MAX_BACKOFF = 3600.0
DISCARD_AFTER = 12 * 3600.0
_NAMESPACE = re.compile(r"^[a-z0-9-]+$")


def _micro_iso(epoch: float) -> str:
    # Webhook timestamps carry microseconds (procore-api.md 2.6).
    return dt.datetime.fromtimestamp(epoch, dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _major(version: Any) -> Optional[str]:
    text = str(version or "v2").lower()
    match = re.fullmatch(r"v?([234])(\.0)?", text)
    return f"v{match.group(1)}" if match else None


@attrs.define(eq=False)
class Hook:
    id: int
    api_version: str
    namespace: str
    destination_url: str
    destination_headers: dict[str, str]
    owned_by_company_id: int
    owned_by_project_id: Optional[int]
    owned_by_user_id: Optional[int]
    triggers: dict[int, dict[str, Any]] = attrs.field(factory=dict)
    deliveries: list[dict[str, Any]] = attrs.field(factory=list)

    def view(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "api_version": self.api_version,
            "namespace": self.namespace,
            "destination_url": self.destination_url,
            "destination_headers": dict(self.destination_headers),
            "owned_by_company_id": self.owned_by_company_id,
            "owned_by_project_id": self.owned_by_project_id,
            "owned_by_user_id": self.owned_by_user_id,
        }


@attrs.define(eq=False)
class _Job:
    hook: Hook
    event: dict[str, Any]
    first_at: float
    next_at: float
    attempts: int = 0


class WebhookDispatcher:
    """Hooks of one sandbox and the background thread that delivers their events."""

    def __init__(self, sandbox: FakeProcore) -> None:
        self.sandbox = sandbox
        self.hooks: dict[int, Hook] = {}
        self._ids = itertools.count(1)
        self._event_ids = itertools.count(100_000_001)
        self._delivery_ids = itertools.count(1)
        self._jobs: list[_Job] = []
        self._in_flight = 0
        self._cond = threading.Condition()
        self._thread: Optional[threading.Thread] = None
        self._stopping = False
        self._http = requests.Session()
        self._http.trust_env = False  # deliveries stay on loopback; never via a proxy
        sandbox.clock.on_advance(self._wake)

    # -- thread ------------------------------------------------------------------------------
    def start(self) -> None:
        with self._cond:
            self._stopping = False
        self._thread = threading.Thread(target=self._run, name="fakeprocore-webhooks", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        if self._thread is not None:
            self._thread.join(timeout=DELIVERY_TIMEOUT + 1)
            self._thread = None

    def _wake(self) -> None:
        with self._cond:
            self._cond.notify_all()

    def _due(self, now: float) -> Optional[_Job]:
        due = [job for job in self._jobs if job.next_at <= now]
        return min(due, key=lambda job: job.next_at) if due else None

    def _run(self) -> None:
        while True:
            with self._cond:
                while True:
                    if self._stopping:
                        return
                    now = self.sandbox.clock.now()
                    job = self._due(now)
                    if job is not None:
                        self._jobs.remove(job)
                        self._in_flight += 1
                        break
                    wait = 0.5
                    if self._jobs and not self.sandbox.clock.frozen:
                        wait = min(wait, max(0.001, min(j.next_at for j in self._jobs) - now))
                    self._cond.wait(None if self.sandbox.clock.frozen else wait)
            try:
                self._attempt(job)
            finally:
                with self._cond:
                    self._in_flight -= 1
                    self._cond.notify_all()

    def flush(self, timeout: float = 5.0) -> bool:
        """Wait until no delivery is due on the sandbox clock or in flight.

        :param timeout: real seconds to wait at most
        :returns: whether everything due was delivered (or rescheduled) in time

        .. code-block:: python

            sandbox.webhooks.flush()
        """
        with self._cond:
            return self._cond.wait_for(
                lambda: self._in_flight == 0 and self._due(self.sandbox.clock.now()) is None,
                timeout,
            )

    # -- events -----------------------------------------------------------------------------
    def emit(
        self,
        *,
        resource_name: str,
        event_type: str,
        resource_id: int,
        company_id: int,
        project_id: Optional[int],
        user_id: Optional[int],
        application: SandboxApp,
    ) -> None:
        """Queue the event for every hook in scope with a matching trigger."""
        now = self.sandbox.clock.now()
        event = {
            "id": next(self._event_ids),
            "ulid": ulid(now),
            "timestamp": _micro_iso(now),
            "resource_name": resource_name,
            "resource_id": resource_id,
            "event_type": event_type,
            "company_id": company_id,
            "project_id": project_id,
            "user_id": user_id,
            "metadata": {
                "source_user_id": user_id,
                "source_project_id": project_id,
                "source_operation_id": None,
                "source_company_id": company_id,
                # Receivers use this for loop prevention (procore-api.md 3.11).
                "source_application_id": application.client_id,
            },
        }
        with self._cond:
            for hook in self.hooks.values():
                if hook.owned_by_company_id != company_id:
                    continue
                if hook.owned_by_project_id is not None and hook.owned_by_project_id != project_id:
                    continue
                if any(
                    t["resource_name"] == resource_name and t["event_type"] == event_type
                    for t in hook.triggers.values()
                ):
                    self._jobs.append(_Job(hook, event, now, now))
            self._cond.notify_all()

    @staticmethod
    def _payload(hook: Hook, event: Mapping[str, Any]) -> dict[str, Any]:
        """The JSON body for ``hook``'s payload version (procore-api.md 3.11)."""
        if hook.api_version == "v4":
            # v4: ids are strings, event_type -> reason, resource_name -> resource_type. The
            # v4 JSON schema makes every id a required string (DOC plan_your_app/
            # payload_formats.md): an id an event does not have (a company-level event's
            # project) is sent as "" (docs/procore-assumptions.rst).
            def text(value: Any) -> str:
                return "" if value is None else str(value)

            return {
                "id": event["ulid"],
                "timestamp": event["timestamp"],
                "reason": event["event_type"],
                "company_id": text(event["company_id"]),
                "project_id": text(event["project_id"]),
                "user_id": text(event["user_id"]),
                "resource_type": event["resource_name"],
                "resource_id": text(event["resource_id"]),
            }
        body = {
            "id": event["id"],
            "ulid": event["ulid"],
            "timestamp": event["timestamp"],
            "metadata": dict(event["metadata"]),
            "user_id": event["user_id"],
            "company_id": event["company_id"],
            "project_id": event["project_id"],
            "api_version": f"{hook.api_version}.0",
            "event_type": event["event_type"],
            "resource_name": event["resource_name"],
            "resource_id": event["resource_id"],
        }
        if hook.api_version == "v3":
            body["related_resources"] = []
        return body

    def _attempt(self, job: _Job) -> None:
        hook = job.hook
        started = self.sandbox.clock.now()
        job.attempts += 1
        status: Optional[int] = None
        headers: dict[str, str] = {}
        text = ""
        error: Optional[str] = None
        host = urlsplit(hook.destination_url).hostname or ""
        try:
            if not is_loopback_host(host):  # checked at creation too; never leave loopback
                raise requests.ConnectionError(f"{host} is not a loopback host")
            response = self._http.post(
                hook.destination_url,
                data=json.dumps(self._payload(hook, job.event)),
                headers={"Content-Type": "application/json", **hook.destination_headers},
                timeout=DELIVERY_TIMEOUT,
                allow_redirects=False,
            )
            status, headers, text = response.status_code, dict(response.headers), response.text
        except requests.RequestException as exc:
            error = f"{type(exc).__name__}: {exc}"
        completed = self.sandbox.clock.now()
        if status is not None and 200 <= status < 300:
            outcome = "ok"
        elif completed - job.first_at >= DISCARD_AFTER:
            outcome = "discarded"
        else:
            outcome = "retried"
            job.next_at = completed + min(MAX_BACKOFF, 2.0 ** (job.attempts - 1))
        record = {
            "id": next(self._delivery_ids),
            "event": {**job.event, "api_version": f"{hook.api_version}.0"},
            "event_id": job.event["id"],
            "outcome": outcome,
            "response_status": status,
            "response_headers": headers,
            "response_body": text[:10_000],
            "response_error": error,
            "started_at": _micro_iso(started),
            "completed_at": _micro_iso(completed),
        }
        with self._cond:
            hook.deliveries.append(record)
            if outcome == "retried":
                self._jobs.append(job)


# -- endpoints -------------------------------------------------------------------------------


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
    hook = ctx.sandbox.webhooks.hooks.get(hook_id)
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
        version = _major(fields.get("api_version"))
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
        for h in ctx.sandbox.webhooks.hooks.values()
        if (h.owned_by_company_id, h.owned_by_project_id) == (company_id, project_id)
        and args.get("namespace") in (None, h.namespace)
        and (args.get("api_version") is None or _major(args["api_version"]) == h.api_version)
    ]
    return json_response(rows)


def hook_create(ctx: Ctx) -> Response:
    company_id, project_id = _scope(ctx, "standard")
    fields = ctx.wrapped("hook")
    values = _hook_fields({"destination_url": "", **fields}, None)
    dispatcher = ctx.sandbox.webhooks
    hook = Hook(
        id=next(dispatcher._ids),
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
    hook = ctx.sandbox.webhooks.hooks.get(id)
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
    ctx.sandbox.webhooks.hooks.pop(hook.id, None)
    return Response(status=204)


def _trigger(ctx: Ctx, hook: Hook, fields: Any, counter: itertools.count[int]) -> dict[str, Any]:
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
        "id": next(counter),
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


def trigger_create(ctx: Ctx, hook_id: int) -> Response:
    hook = _hook(ctx, hook_id, "standard")
    # "The body must include api_version and a trigger object" (DOC plan_your_app/
    # webhooks_api.md; the spec's CompanyTrigger/ProjectTrigger mark it required).
    if _major(ctx.body().get("api_version") or "none") is None:
        raise unprocessable({"api_version": ["is required: v2, v3 or v4"]})
    trigger = _trigger(ctx, hook, ctx.body().get("trigger"), ctx.sandbox.webhooks._ids)
    return json_response(trigger, 201)


def triggers_bulk_create(ctx: Ctx, hook_id: int) -> Response:
    hook = _hook(ctx, hook_id, "standard")
    items = ctx.body().get("triggers")
    if not isinstance(items, list):
        raise unprocessable({"triggers": ["must be a list"]})
    made = [_trigger(ctx, hook, item, ctx.sandbox.webhooks._ids) for item in items]
    return json_response(made, 201)


def triggers_bulk_delete(ctx: Ctx, hook_id: int) -> Response:
    hook = _hook(ctx, hook_id, "standard")
    items = ctx.body().get("triggers")
    if not isinstance(items, list):
        raise unprocessable({"triggers": ["must be a list"]})
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
    with ctx.sandbox.webhooks._cond:
        rows = [d for d in hook.deliveries if wanted is None or d["outcome"] in wanted]
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
