"""The caller and its companies: ``/rest/v1.0/me`` and ``/rest/v1.0/companies``."""

from __future__ import annotations

from typing import Optional

from procore_dc.models import Company, Me
from procore_dc.pagination import PageIterator
from procore_dc.resources._base import ResourceClient, operation

__all__ = ["COMPANIES_PATH", "ME_PATH", "CompaniesResource"]

ME_PATH = "/rest/v1.0/me"
COMPANIES_PATH = "/rest/v1.0/companies"
LIST, ME = f"GET {COMPANIES_PATH}", f"GET {ME_PATH}"


class CompaniesResource(ResourceClient):
    """The companies the caller can reach; for a service account, where the app is installed.

    .. code-block:: python

        for company in client.companies.list():
            print(company.id, company.name)
    """

    @operation(LIST)
    def list(
        self, *, per_page: int = 100, limit: Optional[int] = None, prefetch: int = 1
    ) -> PageIterator[Company]:
        """List the companies, lazily.

        .. code-block:: python

            names = [company.name for company in client.companies.list()]
        """
        return self._list(LIST, Company, per_page=per_page, limit=limit, prefetch=prefetch)

    @operation(ME)
    def me(self) -> Me:
        """Return the signed-in user (for a service account, its DMSA user).

        .. code-block:: python

            print(client.companies.me().login)
        """
        return self._call(ME, Me)
