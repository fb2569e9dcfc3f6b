"""Submittals (procore-api.md 3.7, the v1.1 list item)."""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping
from typing import Any, Optional

import attrs

from procore_dc.models._base import Model, NamedRef, PersonRef

__all__ = ["Submittal", "SubmittalStatus"]


@attrs.frozen(repr=False)
class SubmittalStatus(Model):
    """A submittal's status: ``{"id", "name", "status"}``."""

    id: Optional[int] = None
    name: Optional[str] = None
    status: Optional[str] = None

    _repr_fields = ("id", "name", "status")


@attrs.frozen(repr=False)
class Submittal(Model):
    """A submittal (``/rest/v1.1/projects/{project_id}/submittals``).

    .. code-block:: python

        for submittal in project.submittals.list():
            print(submittal.formatted_number, submittal.title, submittal.status.name)
    """

    id: int
    number: Optional[str] = None
    formatted_number: Optional[str] = None
    revision: Optional[str] = None
    title: Optional[str] = None
    description: Optional[str] = None
    status: Optional[SubmittalStatus] = None
    type: Optional[NamedRef] = None
    private: Optional[bool] = None
    current_revision: Optional[bool] = None
    due_date: Optional[_dt.date] = None
    issue_date: Optional[_dt.date] = None
    received_date: Optional[_dt.date] = None
    submit_by: Optional[_dt.date] = None
    distributed_at: Optional[_dt.datetime] = None
    created_at: Optional[_dt.datetime] = None
    updated_at: Optional[_dt.datetime] = None
    created_by: Optional[PersonRef] = None
    received_from: Optional[PersonRef] = None
    submittal_manager: Optional[PersonRef] = None
    approvers: Optional[Any] = None
    ball_in_court: Optional[Any] = None
    distribution_members: Optional[Any] = None
    responsible_contractor: Optional[NamedRef] = None
    specification_section: Optional[NamedRef] = None
    submittal_package: Optional[NamedRef] = None
    last_distributed_submittal: Optional[Any] = None
    associated_attachments: Optional[Any] = None
    drawing_ids: Optional[tuple[int, ...]] = None
    linked_drawing_ids: Optional[tuple[int, ...]] = None
    location_id: Optional[int] = None
    cost_code_id: Optional[int] = None
    sub_job_id: Optional[int] = None
    custom_fields: Optional[Mapping[str, Any]] = None

    _repr_fields = ("id", "formatted_number", "title")
