"""Projects (procore-api.md 3.3): the v1.0 list item plus the fields v1.1 adds."""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping
from typing import Any, Optional

import attrs

from procore_dc.models._base import CompanyRef, Model, NamedRef

__all__ = ["Project"]


@attrs.frozen(repr=False)
class Project(Model):
    """A project in a company's portfolio.

    Fields whose shape Procore leaves open (``project_type``, ``project_region``, ...) are kept
    as they came; every other key is in ``raw``.

    .. code-block:: python

        for project in company.projects.list(filters={"by_status": "Active"}):
            print(project.id, project.name, project.stage)
    """

    id: int
    name: Optional[str] = None
    display_name: Optional[str] = None
    project_number: Optional[str] = None
    address: Optional[str] = None
    city: Optional[str] = None
    state_code: Optional[str] = None
    country_code: Optional[str] = None
    zip: Optional[str] = None
    county: Optional[str] = None
    time_zone: Optional[str] = None
    latitude: Optional[float] = None
    longitude: Optional[float] = None
    stage: Optional[str] = None
    project_stage: Optional[NamedRef] = None
    project_template: Optional[Any] = None
    phone: Optional[str] = None
    created_at: Optional[_dt.datetime] = None
    updated_at: Optional[_dt.datetime] = None
    active: Optional[bool] = None
    is_demo: Optional[bool] = None
    parent_job_id: Optional[int] = None
    origin_id: Optional[str] = None
    origin_data: Optional[str] = None
    origin_code: Optional[str] = None
    owners_project_id: Optional[int] = None
    total_value: Optional[float] = None
    estimated_value: Optional[float] = None
    store_number: Optional[str] = None
    accounting_project_number: Optional[str] = None
    designated_market_area: Optional[str] = None
    project_region_id: Optional[int] = None
    project_bid_type_id: Optional[int] = None
    project_owner_type_id: Optional[int] = None
    photo_id: Optional[int] = None
    start_date: Optional[_dt.date] = None
    completion_date: Optional[_dt.date] = None
    fax: Optional[str] = None
    company: Optional[CompanyRef] = None
    custom_fields: Optional[Mapping[str, Any]] = None
    # v1.1 additions
    actual_start_date: Optional[_dt.date] = None
    departments: Optional[tuple[NamedRef, ...]] = None
    description: Optional[str] = None
    flag: Optional[str] = None
    inbound_email: Optional[str] = None
    logo_url: Optional[str] = None
    office: Optional[NamedRef] = None
    program: Optional[Any] = None
    project_type: Optional[Any] = None
    project_region: Optional[Any] = None
    projected_finish_date: Optional[_dt.date] = None
    public_notes: Optional[str] = None
    square_feet: Optional[int] = None
    standard_cost_code_list_id: Optional[int] = None
    tz_name: Optional[str] = None
    warranty_start_date: Optional[_dt.date] = None
    warranty_end_date: Optional[_dt.date] = None

    _repr_fields = ("id", "name", "project_number")
