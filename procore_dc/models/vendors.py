"""Company directory vendors (procore-api.md 3.5)."""

from __future__ import annotations

import datetime as _dt
from typing import Any, Optional

import attrs

from procore_dc.models._base import Model, NamedRef

__all__ = ["Vendor"]


@attrs.frozen(repr=False)
class Vendor(Model):
    """A vendor (company) in a company's directory.

    Nested structures whose shape Procore leaves open (``bidding``, ``business_register``,
    ``attachments``...) are kept as they came.

    .. code-block:: python

        for vendor in company.vendors.list(filters={"is_active": True}):
            print(vendor.id, vendor.name)
    """

    id: int
    name: Optional[str] = None
    abbreviated_name: Optional[str] = None
    legal_name: Optional[str] = None
    trade_name: Optional[str] = None
    address: Optional[str] = None
    city: Optional[str] = None
    state_code: Optional[str] = None
    zip: Optional[str] = None
    country_code: Optional[str] = None
    business_phone: Optional[str] = None
    mobile_phone: Optional[str] = None
    fax_number: Optional[str] = None
    email_address: Optional[str] = None
    website: Optional[str] = None
    business_id: Optional[str] = None
    license_number: Optional[str] = None
    labor_union: Optional[str] = None
    is_active: Optional[bool] = None
    is_connected: Optional[bool] = None
    authorized_bidder: Optional[bool] = None
    prequalified: Optional[bool] = None
    union_member: Optional[bool] = None
    non_union_prevailing_wage: Optional[bool] = None
    synced_to_erp: Optional[bool] = None
    company_vendor: Optional[bool] = None
    contact_count: Optional[int] = None
    children_count: Optional[int] = None
    company: Optional[str] = None
    logo: Optional[str] = None
    notes: Optional[str] = None
    origin_id: Optional[str] = None
    origin_code: Optional[str] = None
    origin_data: Optional[str] = None
    primary_contact: Optional[Any] = None
    vendor_group: Optional[Any] = None
    parent: Optional[Any] = None
    bidding: Optional[Any] = None
    bidding_distribution: Optional[Any] = None
    business_register: Optional[Any] = None
    attachments: Optional[Any] = None
    project_ids: Optional[tuple[int, ...]] = None
    standard_cost_codes: Optional[Any] = None
    trades: Optional[tuple[NamedRef, ...]] = None
    created_at: Optional[_dt.datetime] = None
    updated_at: Optional[_dt.datetime] = None

    _repr_fields = ("id", "name")
