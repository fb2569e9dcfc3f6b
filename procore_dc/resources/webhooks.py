"""Webhook management: hooks, triggers, deliveries (tool ``webhooks_api``), procore-api.md 3.11.

Hooks belong to a company or to a project; the same clients serve both, the scope deciding
which id is sent and which permission is needed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Optional

from procore_dc._http import response_json
from procore_dc.exceptions import ConfigurationError
from procore_dc.models import Delivery, Hook, Trigger, structure
from procore_dc.pagination import PageIterator
from procore_dc.permissions import Scope
from procore_dc.resources._base import READ, WRITE, ResourceClient, path_id, requires, wire_value

__all__ = [
    "COMPANY_HOOK_SHOW_PATH",
    "DELIVERIES_PATH",
    "DELIVERY_STATUSES",
    "HOOKS_PATH",
    "HOOK_PATH",
    "PROJECT_HOOK_SHOW_PATH",
    "TRIGGERS_PATH",
    "TRIGGER_PATH",
    "CompanyWebhooks",
    "DeliveriesResource",
    "HooksResource",
    "ProjectWebhooks",
    "TriggersResource",
]

HOOKS_PATH = "/rest/v1.0/webhooks/hooks"
HOOK_PATH = "/rest/v1.0/webhooks/hooks/{id}"
#: v1.0 has no show operation; v2.0 does, scoped by path (Procore's catalogue).
COMPANY_HOOK_SHOW_PATH = "/rest/v2.0/companies/{company_id}/webhooks/hooks/{id}"
PROJECT_HOOK_SHOW_PATH = (
    "/rest/v2.0/companies/{company_id}/projects/{project_id}/webhooks/hooks/{id}"
)
TRIGGERS_PATH = "/rest/v1.0/webhooks/hooks/{hook_id}/triggers"
TRIGGER_PATH = "/rest/v1.0/webhooks/hooks/{hook_id}/triggers/{id}"
DELIVERIES_PATH = "/rest/v1.0/webhooks/hooks/{hook_id}/deliveries"

#: What ``deliveries(...).list(status=...)`` accepts.
DELIVERY_STATUSES = ("any", "successful", "discarded", "failing")


class _Scoped(ResourceClient):
    def _params(self) -> dict[str, Any]:
        if self.scope is Scope.PROJECT:
            return {"project_id": self.project_id}
        return {"company_id": self.company_id}


class HooksResource(_Scoped):
    """The hooks of a company or project: ``company.webhooks.hooks``.

    .. code-block:: python

        hook = company.webhooks.hooks.create(
            "acme-sync", "https://acme.example/procore", {"Authorization": "Bearer s3cret"}
        )
    """

    @requires("webhooks_api", READ)
    def list(self, *, namespace: Optional[str] = None) -> PageIterator[Hook]:
        """List the hooks, optionally of one namespace.

        :calls: ``GET /rest/v1.0/webhooks/hooks?company_id=`` (or ``project_id=``)

        .. code-block:: python

            hooks = company.webhooks.hooks.list(namespace="acme-sync").to_list()
        """
        params = {**self._params(), "namespace": namespace}
        return self._list(HOOKS_PATH, Hook, params)

    @requires("webhooks_api", READ)
    def get(self, hook_id: int) -> Hook:
        """Fetch one hook.

        REST v1.0 has no show operation for hooks, so this uses v2.0's, which wraps the hook
        in ``data`` and names its payload version ``payload_version``.

        :calls: ``GET /rest/v2.0/companies/{company_id}/webhooks/hooks/{id}`` (or
            ``.../projects/{project_id}/webhooks/hooks/{id}``)

        .. code-block:: python

            hook = company.webhooks.hooks.get(5)
        """
        ids = {
            "company_id": path_id(self.company_id, "company_id"),
            "id": path_id(hook_id, "hook_id"),
        }
        if self.scope is Scope.PROJECT:
            ids["project_id"] = path_id(self.project_id, "project_id")
            path = PROJECT_HOOK_SHOW_PATH.format(**ids)
        else:
            path = COMPANY_HOOK_SHOW_PATH.format(**ids)
        response = self._session.request("GET", path)
        found = response_json(response)
        if isinstance(found, Mapping) and isinstance(found.get("data"), Mapping):
            found = dict(found["data"])
            version = found.pop("payload_version", None)
            found.setdefault("api_version", _major(version))
        return structure(found, Hook, url=response.url)

    @requires("webhooks_api", WRITE)
    def create(
        self,
        namespace: str,
        destination_url: str,
        destination_headers: Optional[Mapping[str, str]] = None,
        api_version: str = "v2",
    ) -> Hook:
        """Create a hook: where Procore POSTs events, with which headers (your shared secret).

        :param namespace: lowercase letters, digits and ``-``; one per app
        :param destination_url: a public HTTPS URL
        :param destination_headers: headers Procore sends back, e.g. the shared secret
        :param api_version: the payload version (``v2``, ``v3`` or ``v4``)
        :calls: ``POST /rest/v1.0/webhooks/hooks`` with ``{"company_id", "hook": {...}}``

        .. code-block:: python

            hook = company.webhooks.hooks.create("acme-sync", "https://acme.example/hooks")
        """
        hook: dict[str, Any] = {
            "namespace": namespace,
            "destination_url": destination_url,
            "api_version": api_version,
        }
        if destination_headers is not None:
            hook["destination_headers"] = dict(destination_headers)
        payload = {**self._params(), "hook": hook}
        return self._call("POST", HOOKS_PATH, Hook, params=self._params(), json=payload)

    @requires("webhooks_api", WRITE)
    def update(self, hook_id: int, **fields: Any) -> Hook:
        """Change a hook (destination_url, destination_headers, api_version).

        :calls: ``PATCH /rest/v1.0/webhooks/hooks/{id}`` with ``{"hook": {...}}``

        .. code-block:: python

            company.webhooks.hooks.update(5, destination_headers={"Authorization": "Bearer new"})
        """
        path = HOOK_PATH.format(id=path_id(hook_id, "hook_id"))
        payload = {**self._params(), "hook": wire_value(fields)}
        return self._call("PATCH", path, Hook, params=self._params(), json=payload)

    @requires("webhooks_api", WRITE)
    def delete(self, hook_id: int) -> None:
        """Delete a hook and its triggers.

        :calls: ``DELETE /rest/v1.0/webhooks/hooks/{id}``

        .. code-block:: python

            company.webhooks.hooks.delete(5)
        """
        self._delete(HOOK_PATH.format(id=path_id(hook_id, "hook_id")), self._params())


class _OfHook(_Scoped):
    def __init__(self, *args: Any, hook_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.hook_id = hook_id
        self._hook = path_id(hook_id, "hook_id")


class TriggersResource(_OfHook):
    """The triggers of one hook: ``company.webhooks.triggers(hook_id)``.

    .. code-block:: python

        company.webhooks.triggers(hook.id).create("RFIs", "create")
    """

    @requires("webhooks_api", READ)
    def list(self) -> PageIterator[Trigger]:
        """List the hook's triggers.

        :calls: ``GET /rest/v1.0/webhooks/hooks/{hook_id}/triggers``

        .. code-block:: python

            triggers = company.webhooks.triggers(5).list().to_list()
        """
        return self._list(TRIGGERS_PATH.format(hook_id=self._hook), Trigger, self._params())

    @requires("webhooks_api", WRITE)
    def create(self, resource_name: str, event_type: str, *, api_version: str = "v2") -> Trigger:
        """Add a trigger: events of ``event_type`` on ``resource_name`` are delivered.

        :param resource_name: Procore's resource name, e.g. ``"RFIs"``, ``"Observation
            Items"``, ``"Project Files"``, ``"Projects"``, ``"Company Users"``
            (``GET /rest/v1.0/webhooks/resources`` lists them with the events each sends)
        :param event_type: ``create``, ``update`` or ``delete``
        :param api_version: the webhooks API version the body is for (default: ``"v2"``);
            Procore's docs require it next to the ``trigger`` object
        :calls: ``POST /rest/v1.0/webhooks/hooks/{hook_id}/triggers`` with
            ``{"company_id" or "project_id", "api_version", "trigger": {...}}``

        .. code-block:: python

            company.webhooks.triggers(5).create("RFIs", "update")
        """
        # "The body must include api_version and a trigger object" (DOC plan_your_app/
        # webhooks_api.md); the spec's CompanyTrigger and ProjectTrigger mark it required.
        payload = {
            **self._params(),
            "api_version": api_version,
            "trigger": {"resource_name": resource_name, "event_type": event_type},
        }
        path = TRIGGERS_PATH.format(hook_id=self._hook)
        return self._call("POST", path, Trigger, params=self._params(), json=payload)

    @requires("webhooks_api", WRITE)
    def delete(self, trigger_id: int) -> None:
        """Remove a trigger.

        :calls: ``DELETE /rest/v1.0/webhooks/hooks/{hook_id}/triggers/{id}``

        .. code-block:: python

            company.webhooks.triggers(5).delete(17)
        """
        path = TRIGGER_PATH.format(hook_id=self._hook, id=path_id(trigger_id, "trigger_id"))
        self._delete(path, self._params())


class DeliveriesResource(_OfHook):
    """The delivery attempts of one hook: ``company.webhooks.deliveries(hook_id)``.

    .. code-block:: python

        for delivery in company.webhooks.deliveries(5).list(status="failing"):
            print(delivery.response_status, delivery.response_error)
    """

    @requires("webhooks_api", READ)
    def list(
        self,
        status: str = "any",
        *,
        per_page: int = 100,
        limit: Optional[int] = None,
    ) -> PageIterator[Delivery]:
        """List deliveries, optionally only ``successful``, ``discarded`` or ``failing`` ones.

        :raises ConfigurationError: for another status
        :calls: ``GET /rest/v1.0/webhooks/hooks/{hook_id}/deliveries?filter[status]=``
            (paged by ``page_start``, the last delivery id seen, and ``page_size``, which
            this walks for you)

        .. code-block:: python

            failing = company.webhooks.deliveries(5).list(status="failing").to_list()
        """
        if status not in DELIVERY_STATUSES:
            raise ConfigurationError(f"status must be one of {', '.join(DELIVERY_STATUSES)}")
        # Procore's docs write the singular ``filter[status]`` here (procore-api.md 3.11).
        params = {**self._params(), "filter[status]": status}
        path = DELIVERIES_PATH.format(hook_id=self._hook)
        return self._list(path, Delivery, params, per_page=per_page, limit=limit, cursor=True)


class CompanyHooks(HooksResource):
    scope = Scope.COMPANY


class CompanyTriggers(TriggersResource):
    scope = Scope.COMPANY


class CompanyDeliveries(DeliveriesResource):
    scope = Scope.COMPANY


class ProjectHooks(HooksResource):
    scope = Scope.PROJECT


class ProjectTriggers(TriggersResource):
    scope = Scope.PROJECT


class ProjectDeliveries(DeliveriesResource):
    scope = Scope.PROJECT


class _Webhooks:
    _hooks_class: type[HooksResource]
    _triggers_class: type[TriggersResource]
    _deliveries_class: type[DeliveriesResource]

    def __init__(self, session: Any, *, company_id: int, project_id: Optional[int] = None) -> None:
        self._session = session
        self._ids = {"company_id": company_id, "project_id": project_id}
        self.hooks = self._hooks_class(session, **self._ids)
        """Create, list, change and delete hooks."""

    def triggers(self, hook_id: int) -> TriggersResource:
        """The triggers of one hook.

        .. code-block:: python

            company.webhooks.triggers(hook.id).create("Projects", "update")
        """
        return self._triggers_class(self._session, hook_id=hook_id, **self._ids)

    def deliveries(self, hook_id: int) -> DeliveriesResource:
        """The delivery attempts of one hook.

        .. code-block:: python

            company.webhooks.deliveries(hook.id).list(status="failing")
        """
        return self._deliveries_class(self._session, hook_id=hook_id, **self._ids)


class CompanyWebhooks(_Webhooks):
    """Company-scoped webhook management (``webhooks_api`` company permission)."""

    _hooks_class = CompanyHooks
    _triggers_class = CompanyTriggers
    _deliveries_class = CompanyDeliveries


class ProjectWebhooks(_Webhooks):
    """Project-scoped webhook management (``webhooks_api`` project permission)."""

    _hooks_class = ProjectHooks
    _triggers_class = ProjectTriggers
    _deliveries_class = ProjectDeliveries


def _major(version: Any) -> Optional[str]:
    """``"v2.0"`` -> ``"v2"``: v2.0 hooks name the payload version with its minor part."""
    if not isinstance(version, str):
        return None
    return version.split(".", 1)[0]
