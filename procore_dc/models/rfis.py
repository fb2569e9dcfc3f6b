"""RFIs (procore-api.md 3.6): the list item plus the fields the show endpoint adds."""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping
from typing import Any, Optional

import attrs

from procore_dc.models._base import Model, NamedRef, PersonRef

__all__ = ["Rfi", "RfiQuestion"]


@attrs.frozen(repr=False)
class RfiQuestion(Model):
    """One question of an RFI."""

    id: Optional[int] = None
    body: Optional[str] = None
    errors: Optional[Any] = None

    _repr_fields = ("id",)


@attrs.frozen(repr=False)
class Rfi(Model):
    """A request for information.

    .. code-block:: python

        for rfi in project.rfis.list(filters={"status": "open"}):
            print(rfi.number, rfi.subject, rfi.due_date)
    """

    id: int
    number: Optional[str] = None
    full_number: Optional[str] = None
    prefix: Optional[str] = None
    subject: Optional[str] = None
    status: Optional[str] = None
    translated_status: Optional[str] = None
    private: Optional[bool] = None
    reference: Optional[str] = None
    due_date: Optional[_dt.date] = None
    initiated_at: Optional[_dt.datetime] = None
    time_resolved: Optional[_dt.datetime] = None
    created_at: Optional[_dt.datetime] = None
    updated_at: Optional[_dt.datetime] = None
    deleted: Optional[bool] = None
    deleted_at: Optional[_dt.datetime] = None
    link: Optional[str] = None
    location_id: Optional[int] = None
    location: Optional[NamedRef] = None
    questions: Optional[tuple[RfiQuestion, ...]] = None
    assignee: Optional[PersonRef] = None
    created_by: Optional[PersonRef] = None
    ball_in_court: Optional[PersonRef] = None
    received_from: Optional[PersonRef] = None
    rfi_manager: Optional[PersonRef] = None
    assignees: Optional[tuple[PersonRef, ...]] = None
    ball_in_courts: Optional[tuple[PersonRef, ...]] = None
    responsible_contractor: Optional[NamedRef] = None
    cost_code: Optional[NamedRef] = None
    cost_impact: Optional[Mapping[str, Any]] = None
    schedule_impact: Optional[Mapping[str, Any]] = None
    project_stage: Optional[NamedRef] = None
    sub_job: Optional[NamedRef] = None
    custom_fields: Optional[Mapping[str, Any]] = None
    # show adds
    accepted: Optional[bool] = None
    draft: Optional[bool] = None
    ball_in_court_role: Optional[str] = None
    distribution_list: Optional[tuple[PersonRef, ...]] = None
    drawing_ids: Optional[tuple[int, ...]] = None
    drawing_number: Optional[str] = None
    specification_section: Optional[NamedRef] = None
    custom_textfield_1: Optional[str] = None
    custom_textfield_2: Optional[str] = None

    _repr_fields = ("id", "number", "subject", "status")
