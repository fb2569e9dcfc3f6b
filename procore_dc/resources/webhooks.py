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
from procore_dc.permissions import Requirement, Scope
from procore_dc.resources._base import ResourceClient, operation, path_id, wire_value

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
    "Webhooks",
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
HOOKS, CREATE_HOOK = f"GET {HOOKS_PATH}", f"POST {HOOKS_PATH}"
UPDATE_HOOK, DELETE_HOOK = f"PATCH {HOOK_PATH}", f"DELETE {HOOK_PATH}"
SHOW_HOOK = {
    Scope.COMPANY: f"GET {COMPANY_HOOK_SHOW_PATH}",
    Scope.PROJECT: f"GET {PROJECT_HOOK_SHOW_PATH}",
}
TRIGGERS, CREATE_TRIGGER = f"GET {TRIGGERS_PATH}", f"POST {TRIGGERS_PATH}"
DELETE_TRIGGER, DELIVERIES = f"DELETE {TRIGGER_PATH}", f"GET {DELIVERIES_PATH}"

#: What ``deliveries(...).list(status=...)`` accepts.
DELIVERY_STATUSES = ("any", "successful", "discarded", "failing")


class _Scoped(ResourceClient):
    """A client serving a company or one of its projects: given a ``project_id``, it names
    the project (``?project_id=``) and needs the project's ``webhooks_api`` permission, else
    the company's. Procore's catalogue files every v1.0 webhooks operation under the company
    tool; a project's hooks are granted by the project tool, so the client's scope wins."""

    @property
    def _scope(self) -> Scope:
        return Scope.COMPANY if self.project_id is None else Scope.PROJECT

    def _requirement(self, verb: str) -> Optional[Requirement]:
        return type(self).permissions.at(self._scope)[verb]

    def _named(self) -> dict[str, Any]:
        """The body field naming the scope (``{"company_id": 8}``); the catalogue gives these
        writes no body, Procore's docs this one."""
        if self._scope is Scope.PROJECT:
            return {"project_id": self.project_id}
        return {"company_id": self.company_id}


class HooksResource(_Scoped):
    """The hooks of a company or project: ``company.webhooks.hooks``.

    .. code-block:: python

        hook = company.webhooks.hooks.create(
            "acme-sync", "https://acme.example/procore", {"Authorization": "Bearer s3cret"}
        )
    """

    @operation(HOOKS)
    def list(self, *, namespace: Optional[str] = None) -> PageIterator[Hook]:
        """List the hooks, optionally of one namespace (``?company_id=`` or ``?project_id=``).

        .. code-block:: python

            hooks = company.webhooks.hooks.list(namespace="acme-sync").to_list()
        """
        # The catalogue marks no paging here, but Procore pages the list like the others.
        return self._list(HOOKS, Hook, {"namespace": namespace}, paging="link")

    @operation(SHOW_HOOK[Scope.COMPANY])
    def get(self, hook_id: int) -> Hook:
        """Fetch one hook.

        REST v1.0 has no show operation for hooks, so this uses v2.0's, which wraps the hook
        in ``data`` and names its payload version ``payload_version``; a project's client
        calls ``GET /rest/v2.0/companies/{company_id}/projects/{project_id}/webhooks/hooks/{id}``.

        .. code-block:: python

            hook = company.webhooks.hooks.get(5)
        """
        ids = {"id": path_id(hook_id, "hook_id")}
        response = self._send(SHOW_HOOK[self._scope], ids=ids)
        found = response_json(response)
        if isinstance(found, Mapping) and isinstance(found.get("data"), Mapping):
            found = dict(found["data"])
            version = found.pop("payload_version", None)
            found.setdefault("api_version", _major(version))
        return structure(found, Hook, url=response.url)

    @operation(CREATE_HOOK)
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
        return self._call(CREATE_HOOK, Hook, json={**self._named(), "hook": hook})

    @operation(UPDATE_HOOK)
    def update(self, hook_id: int, **fields: Any) -> Hook:
        """Change a hook (destination_url, destination_headers, api_version).

        .. code-block:: python

            company.webhooks.hooks.update(5, destination_headers={"Authorization": "Bearer new"})
        """
        ids = {"id": path_id(hook_id, "hook_id")}
        payload = {**self._named(), "hook": wire_value(fields)}
        return self._call(UPDATE_HOOK, Hook, ids=ids, json=payload)

    @operation(DELETE_HOOK)
    def delete(self, hook_id: int) -> None:
        """Delete a hook and its triggers.

        .. code-block:: python

            company.webhooks.hooks.delete(5)
        """
        self._delete(DELETE_HOOK, id=path_id(hook_id, "hook_id"))


class _OfHook(_Scoped):
    def __init__(self, *args: Any, hook_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.hook_id = hook_id
        self._hook = {"hook_id": path_id(hook_id, "hook_id")}


class TriggersResource(_OfHook):
    """The triggers of one hook: ``company.webhooks.triggers(hook_id)``.

    .. code-block:: python

        company.webhooks.triggers(hook.id).create("RFIs", "create")
    """

    @operation(TRIGGERS)
    def list(self) -> PageIterator[Trigger]:
        """List the hook's triggers.

        .. code-block:: python

            triggers = company.webhooks.triggers(5).list().to_list()
        """
        return self._list(TRIGGERS, Trigger, ids=self._hook, paging="link")

    @operation(CREATE_TRIGGER)
    def create(self, resource_name: str, event_type: str, *, api_version: str = "v2") -> Trigger:
        """Add a trigger: events of ``event_type`` on ``resource_name`` are delivered.

        :param resource_name: Procore's resource name, e.g. ``"RFIs"``, ``"Observation
            Items"``, ``"Project Files"``, ``"Projects"``, ``"Company Users"``
            (``GET /rest/v1.0/webhooks/resources`` lists them with the events each sends)
        :param event_type: ``create``, ``update`` or ``delete``
        :param api_version: the webhooks API version the body is for (default: ``"v2"``);
            Procore's docs require it next to the ``trigger`` object

        .. code-block:: python

            company.webhooks.triggers(5).create("RFIs", "update")
        """
        # "The body must include api_version and a trigger object" (DOC plan_your_app/
        # webhooks_api.md); the spec's CompanyTrigger and ProjectTrigger mark it required.
        payload = {
            **self._named(),
            "api_version": api_version,
            "trigger": {"resource_name": resource_name, "event_type": event_type},
        }
        return self._call(CREATE_TRIGGER, Trigger, ids=self._hook, json=payload)

    @operation(DELETE_TRIGGER)
    def delete(self, trigger_id: int) -> None:
        """Remove a trigger.

        .. code-block:: python

            company.webhooks.triggers(5).delete(17)
        """
        self._delete(DELETE_TRIGGER, id=path_id(trigger_id, "trigger_id"), **self._hook)


class DeliveriesResource(_OfHook):
    """The delivery attempts of one hook: ``company.webhooks.deliveries(hook_id)``.

    .. code-block:: python

        for delivery in company.webhooks.deliveries(5).list(status="failing"):
            print(delivery.response_status, delivery.response_error)
    """

    @operation(DELIVERIES)
    def list(
        self,
        status: str = "any",
        *,
        per_page: int = 100,
        limit: Optional[int] = None,
    ) -> PageIterator[Delivery]:
        """List deliveries, optionally only ``successful``, ``discarded`` or ``failing`` ones.

        Sent as ``filter[status]=``; the list pages by ``page_start``, the last delivery id
        seen, and ``page_size``, which this walks for you.

        :raises ConfigurationError: for another status

        .. code-block:: python

            failing = company.webhooks.deliveries(5).list(status="failing").to_list()
        """
        if status not in DELIVERY_STATUSES:
            raise ConfigurationError(f"status must be one of {', '.join(DELIVERY_STATUSES)}")
        # Procore's docs write the singular ``filter[status]`` here (procore-api.md 3.11).
        params = {"filter[status]": status}
        return self._list(
            DELIVERIES, Delivery, params, ids=self._hook, per_page=per_page, limit=limit
        )


#: The company-scoped clients, by their former names (a client's scope is now its ids).
CompanyHooks, CompanyTriggers, CompanyDeliveries = (
    HooksResource,
    TriggersResource,
    DeliveriesResource,
)


class Webhooks:
    """Webhook management of a company (``company.webhooks``, the company's ``webhooks_api``
    permission) or of a project (``project.webhooks``, the project's).

    .. code-block:: python

        hook = company.webhooks.hooks.create("acme-sync", "https://acme.example/hooks")
        company.webhooks.triggers(hook.id).create("Projects", "update")
    """

    def __init__(self, session: Any, *, company_id: int, project_id: Optional[int] = None) -> None:
        self._session = session
        self._ids = {"company_id": company_id, "project_id": project_id}
        self.hooks = HooksResource(session, **self._ids)
        """Create, list, change and delete hooks."""

    def triggers(self, hook_id: int) -> TriggersResource:
        """The triggers of one hook.

        .. code-block:: python

            company.webhooks.triggers(hook.id).create("Projects", "update")
        """
        return TriggersResource(self._session, hook_id=hook_id, **self._ids)

    def deliveries(self, hook_id: int) -> DeliveriesResource:
        """The delivery attempts of one hook.

        .. code-block:: python

            company.webhooks.deliveries(hook.id).list(status="failing")
        """
        return DeliveriesResource(self._session, hook_id=hook_id, **self._ids)


#: Company-scoped webhook management (``webhooks_api`` company permission).
CompanyWebhooks = Webhooks
#: Project-scoped webhook management (``webhooks_api`` project permission).
ProjectWebhooks = Webhooks


def _major(version: Any) -> Optional[str]:
    """``"v2.0"`` -> ``"v2"``: v2.0 hooks name the payload version with its minor part."""
    if not isinstance(version, str):
        return None
    return version.split(".", 1)[0]
