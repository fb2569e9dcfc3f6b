"""Company directory users (procore-api.md 3.4)."""

from __future__ import annotations

import datetime as _dt
from typing import Optional

import attrs

from procore_dc.models._base import Model, NamedRef

__all__ = ["CompanyUser"]


@attrs.frozen(repr=False)
class CompanyUser(Model):
    """A user in a company's directory (``/rest/v1.3/companies/{company_id}/users``).

    .. code-block:: python

        for user in company.users.list():
            print(user.id, user.name, user.email_address)
    """

    id: int
    first_name: Optional[str] = None
    last_name: Optional[str] = None
    name: Optional[str] = None
    initials: Optional[str] = None
    email_address: Optional[str] = None
    job_title: Optional[str] = None
    address: Optional[str] = None
    city: Optional[str] = None
    state_code: Optional[str] = None
    zip: Optional[str] = None
    country_code: Optional[str] = None
    business_phone: Optional[str] = None
    business_phone_extension: Optional[int] = None
    mobile_phone: Optional[str] = None
    fax_number: Optional[str] = None
    avatar: Optional[str] = None
    business_id: Optional[str] = None
    contact_id: Optional[int] = None
    employee_id: Optional[str] = None
    email_signature: Optional[str] = None
    is_active: Optional[bool] = None
    is_employee: Optional[bool] = None
    erp_integrated_accountant: Optional[bool] = None
    last_login_at: Optional[_dt.datetime] = None
    welcome_email_sent_at: Optional[_dt.datetime] = None
    notes: Optional[str] = None
    origin_id: Optional[str] = None
    origin_data: Optional[str] = None
    work_classification_id: Optional[int] = None
    permission_template: Optional[NamedRef] = None
    company_permission_template: Optional[NamedRef] = None
    vendor: Optional[NamedRef] = None
    is_insurance_manager: Optional[bool] = None
    default_permission_template_id: Optional[int] = None
    company_permission_template_id: Optional[int] = None
    created_at: Optional[_dt.datetime] = None
    updated_at: Optional[_dt.datetime] = None

    _repr_fields = ("id", "name", "email_address")
