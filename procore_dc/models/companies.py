"""The signed-in caller and the companies it can reach (procore-api.md 3.1, 3.2)."""

from __future__ import annotations

from typing import Optional

import attrs

from procore_dc.models._base import Model

__all__ = ["Company", "Me"]


@attrs.frozen(repr=False)
class Me(Model):
    """The caller of ``GET /rest/v1.0/me``: for a service account, its DMSA user.

    .. code-block:: python

        me = client.me()
        print(me.id, me.login)
    """

    id: int
    login: Optional[str] = None
    name: Optional[str] = None

    _repr_fields = ("id", "login", "name")


@attrs.frozen(repr=False)
class Company(Model):
    """A company from ``GET /rest/v1.0/companies``.

    :ivar my_company: true for at most one company: the caller's employer

    .. code-block:: python

        for company in client.companies.list():
            print(company.id, company.name)
    """

    id: int
    name: Optional[str] = None
    is_active: Optional[bool] = None
    logo_url: Optional[str] = None
    pcn_business_experience: Optional[bool] = None
    my_company: Optional[bool] = None

    _repr_fields = ("id", "name")
