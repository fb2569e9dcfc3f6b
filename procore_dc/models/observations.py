"""Observation items (procore-api.md 3.8)."""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping
from typing import Any, Optional

import attrs

from procore_dc.models._base import Model, NamedRef, PersonRef

__all__ = ["Observation"]


@attrs.frozen(repr=False)
class Observation(Model):
    """An observation item (``/rest/v1.0/observations/items``).

    .. code-block:: python

        for item in project.observations.list():
            print(item.number, item.name, item.status)
    """

    id: int
    number: Optional[str] = None
    name: Optional[str] = None
    description: Optional[str] = None
    description_rich_text: Optional[str] = None
    status: Optional[str] = None
    priority: Optional[str] = None
    personal: Optional[bool] = None
    date_notified: Optional[_dt.date] = None
    due_date: Optional[_dt.date] = None
    closed_at: Optional[_dt.datetime] = None
    created_at: Optional[_dt.datetime] = None
    updated_at: Optional[_dt.datetime] = None
    deleted_at: Optional[_dt.datetime] = None
    origin: Optional[Any] = None
    assignee: Optional[PersonRef] = None
    created_by: Optional[PersonRef] = None
    location: Optional[NamedRef] = None
    specification_section: Optional[NamedRef] = None
    trade: Optional[NamedRef] = None
    type: Optional[NamedRef] = None
    custom_fields: Optional[Mapping[str, Any]] = None

    _repr_fields = ("id", "number", "name", "status")
