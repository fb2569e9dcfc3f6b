"""Company directory vendors (company tool ``directory``)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Optional, Union

from procore_dc.models import SyncResult, Vendor
from procore_dc.pagination import PageIterator
from procore_dc.permissions import Scope
from procore_dc.resources._base import (
    READ,
    SYNC_BATCH_SIZE,
    WRITE,
    ResourceClient,
    body,
    changes_verb,
    encode_filters,
    encode_sort,
    path_id,
    requires,
)

__all__ = ["VENDORS_PATH", "VENDORS_SYNC_PATH", "VENDOR_PATH", "VendorsResource"]

VENDORS_PATH = "/rest/v1.0/vendors"
VENDOR_PATH = "/rest/v1.0/vendors/{id}"
VENDORS_SYNC_PATH = "/rest/v1.0/vendors/sync"


class VendorsResource(ResourceClient):
    """The company directory's vendors: ``company.vendors``.

    .. code-block:: python

        for vendor in company.vendors.list():
            print(vendor.name)
    """

    scope = Scope.COMPANY

    def _params(self) -> dict[str, Any]:
        return {"company_id": self.company_id}

    changes = changes_verb("directory", VENDORS_PATH, Vendor)

    @requires("directory", READ)
    def list(
        self,
        *,
        filters: Optional[Mapping[str, Any]] = None,
        sort: Union[str, Sequence[str], None] = None,
        per_page: int = 100,
        limit: Optional[int] = None,
        prefetch: int = 1,
    ) -> PageIterator[Vendor]:
        """List the company's vendors, lazily.

        :calls: ``GET /rest/v1.0/vendors?company_id={company_id}``

        .. code-block:: python

            vendors = company.vendors.list(filters={"id": [1, 2]}).to_list()
        """
        params = {**self._params(), **encode_filters(filters), "sort": encode_sort(sort)}
        return self._list(
            VENDORS_PATH, Vendor, params, per_page=per_page, limit=limit, prefetch=prefetch
        )

    @requires("directory", READ)
    def get(self, vendor_id: int) -> Vendor:
        """Fetch one vendor.

        :calls: ``GET /rest/v1.0/vendors/{id}?company_id={company_id}``

        .. code-block:: python

            vendor = company.vendors.get(77)
        """
        path = VENDOR_PATH.format(id=path_id(vendor_id, "vendor_id"))
        return self._call("GET", path, Vendor, params=self._params())

    @requires("directory", WRITE)
    def create(
        self,
        name: str,
        *,
        abbreviated_name: Optional[str] = None,
        email_address: Optional[str] = None,
        is_active: Optional[bool] = None,
        origin_id: Optional[str] = None,
        **fields: Any,
    ) -> Vendor:
        """Add a vendor to the directory.

        :calls: ``POST /rest/v1.0/vendors`` with ``{"company_id", "vendor": {...}}``

        .. code-block:: python

            vendor = company.vendors.create("Acme Doors", origin_id="erp-v-1")
        """
        typed = {
            "name": name,
            "abbreviated_name": abbreviated_name,
            "email_address": email_address,
            "is_active": is_active,
            "origin_id": origin_id,
        }
        payload = {"company_id": self.company_id, **body("vendor", typed, fields)}
        return self._call("POST", VENDORS_PATH, Vendor, params=self._params(), json=payload)

    @requires("directory", WRITE)
    def update(self, vendor_id: int, **fields: Any) -> Vendor:
        """Change fields of a vendor.

        :calls: ``PATCH /rest/v1.0/vendors/{id}`` with ``{"vendor": {...}}``

        .. code-block:: python

            company.vendors.update(77, is_active=False)
        """
        path = VENDOR_PATH.format(id=path_id(vendor_id, "vendor_id"))
        payload = {"company_id": self.company_id, **body("vendor", {}, fields)}
        return self._call("PATCH", path, Vendor, params=self._params(), json=payload)

    @requires("directory", WRITE)
    def sync(
        self, items: Iterable[Mapping[str, Any]], *, batch_size: int = SYNC_BATCH_SIZE
    ) -> SyncResult[Vendor]:
        """Create or update many vendors, ``batch_size`` (at most 1,000) per call.

        :calls: ``PATCH /rest/v1.0/vendors/sync``

        .. code-block:: python

            result = company.vendors.sync([{"origin_id": "erp-v-1", "name": "Acme"}])
        """
        return self._sync(VENDORS_SYNC_PATH, Vendor, items, self._params(), batch_size=batch_size)
