"""Daily log: manpower log entries (procore-api.md 3.10)."""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping
from typing import Any, Optional

import attrs

from procore_dc.models._base import Model, NamedRef, PersonRef

__all__ = ["ManpowerLog"]


@attrs.frozen(repr=False)
class ManpowerLog(Model):
    """A manpower log entry. ``num_hours`` and ``man_hours`` are strings, as Procore sends them.

    .. code-block:: python

        for log in project.manpower_logs.list(log_date=date(2026, 3, 2)):
            print(log.date, log.num_workers, log.vendor)
    """

    id: int
    date: Optional[_dt.date] = None
    datetime: Optional[_dt.datetime] = None
    num_workers: Optional[int] = None
    num_hours: Optional[str] = None
    man_hours: Optional[str] = None
    notes: Optional[str] = None
    position: Optional[int] = None
    status: Optional[str] = None
    created_at: Optional[_dt.datetime] = None
    updated_at: Optional[_dt.datetime] = None
    deleted_at: Optional[_dt.datetime] = None
    vendor: Optional[NamedRef] = None
    user: Optional[PersonRef] = None
    contact: Optional[PersonRef] = None
    cost_code: Optional[NamedRef] = None
    created_by: Optional[PersonRef] = None
    location: Optional[NamedRef] = None
    attachments: Optional[Any] = None
    trade: Optional[NamedRef] = None
    custom_fields: Optional[Mapping[str, Any]] = None
    permissions: Optional[Mapping[str, Any]] = None

    _repr_fields = ("id", "date", "num_workers")
