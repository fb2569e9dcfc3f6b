"""Webhook management records: hooks, triggers and deliveries (procore-api.md 3.11)."""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping
from typing import Any, Optional

import attrs

from procore_dc.models._base import Model

__all__ = ["Delivery", "DeliveryEvent", "Hook", "Trigger"]


@attrs.frozen(repr=False)
class Hook(Model):
    """A webhook hook: where Procore POSTs events, and with which headers.

    ``destination_headers`` usually holds the shared secret, so ``repr`` never shows it.

    .. code-block:: python

        hook = company.webhooks.hooks.create("my-sync", "https://example.com/hooks")
        print(hook.id, hook.namespace)
    """

    id: int
    api_version: Optional[str] = None
    destination_url: Optional[str] = None
    destination_headers: Optional[Mapping[str, Any]] = None
    namespace: Optional[str] = None
    owned_by_company_id: Optional[int] = None
    owned_by_project_id: Optional[int] = None
    owned_by_user_id: Optional[int] = None

    _repr_fields = ("id", "namespace", "api_version")


@attrs.frozen(repr=False)
class Trigger(Model):
    """A trigger on a hook: which resource and event type produce deliveries.

    .. code-block:: python

        company.webhooks.triggers(hook.id).create("RFIs", "create")
    """

    id: int
    webhook_hook_id: Optional[int] = None
    resource_name: Optional[str] = None
    resource_id: Optional[int] = None
    event_type: Optional[str] = None
    company_id: Optional[int] = None
    project_id: Optional[int] = None
    user_id: Optional[int] = None

    _repr_fields = ("id", "resource_name", "event_type")


@attrs.frozen(repr=False)
class DeliveryEvent(Model):
    """The event a delivery carried (the v2 payload shape)."""

    id: Optional[int] = None
    ulid: Optional[str] = None
    timestamp: Optional[_dt.datetime] = None
    resource_name: Optional[str] = None
    resource_id: Optional[int] = None
    event_type: Optional[str] = None
    company_id: Optional[int] = None
    project_id: Optional[int] = None
    user_id: Optional[int] = None
    api_version: Optional[str] = None
    metadata: Optional[Mapping[str, Any]] = None

    _repr_fields = ("id", "resource_name", "event_type", "resource_id")


@attrs.frozen(repr=False)
class Delivery(Model):
    """One delivery attempt of an event to a hook.

    :ivar outcome: ``ok``, ``discarded``, ``retried`` or ``failed``

    .. code-block:: python

        for delivery in company.webhooks.deliveries(hook.id).list(status="failing"):
            print(delivery.event_id, delivery.response_status, delivery.response_error)
    """

    id: Optional[int] = None
    event: Optional[DeliveryEvent] = None
    event_id: Optional[int] = None
    outcome: Optional[str] = None
    response_status: Optional[int] = None
    response_headers: Optional[Mapping[str, Any]] = None
    response_body: Optional[str] = None
    response_error: Optional[str] = None
    started_at: Optional[_dt.datetime] = None
    completed_at: Optional[_dt.datetime] = None

    _repr_fields = ("event_id", "outcome", "response_status")
