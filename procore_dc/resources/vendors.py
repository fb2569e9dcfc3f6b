"""Company directory vendors (company tool ``directory``)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Optional

from procore_dc.models import SyncResult, Vendor
from procore_dc.permissions import Scope
from procore_dc.resources._base import (
    SYNC_BATCH_SIZE,
    ResourceClient,
    changes_verb,
    list_verb,
    operation,
    path_id,
)

__all__ = ["VENDORS_PATH", "VENDORS_SYNC_PATH", "VENDOR_PATH", "VendorsResource"]

VENDORS_PATH = "/rest/v1.0/vendors"
VENDOR_PATH = "/rest/v1.0/vendors/{id}"
VENDORS_SYNC_PATH = "/rest/v1.0/vendors/sync"
LIST, GET, CREATE = f"GET {VENDORS_PATH}", f"GET {VENDOR_PATH}", f"POST {VENDORS_PATH}"
UPDATE, SYNC = f"PATCH {VENDOR_PATH}", f"PATCH {VENDORS_SYNC_PATH}"


class VendorsResource(ResourceClient):
    """The company directory's vendors: ``company.vendors`` (sent with ``?company_id=``).

    .. code-block:: python

        for vendor in company.vendors.list():
            print(vendor.name)
    """

    scope = Scope.COMPANY

    changes = changes_verb(LIST, Vendor)

    list = list_verb(
        LIST,
        Vendor,
        "the company's vendors",
        'vendors = company.vendors.list(filters={"id": [1, 2]}).to_list()',
    )

    @operation(GET)
    def get(self, vendor_id: int) -> Vendor:
        """Fetch one vendor.

        .. code-block:: python

            vendor = company.vendors.get(77)
        """
        return self._call(GET, Vendor, ids={"id": path_id(vendor_id, "vendor_id")})

    @operation(CREATE)
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
        return self._write(CREATE, Vendor, typed, fields, with_scope=True)

    @operation(UPDATE)
    def update(self, vendor_id: int, **fields: Any) -> Vendor:
        """Change fields of a vendor.

        .. code-block:: python

            company.vendors.update(77, is_active=False)
        """
        return self._write(
            UPDATE, Vendor, {}, fields, ids={"id": path_id(vendor_id, "vendor_id")}, with_scope=True
        )

    @operation(SYNC)
    def sync(
        self, items: Iterable[Mapping[str, Any]], *, batch_size: int = SYNC_BATCH_SIZE
    ) -> SyncResult[Vendor]:
        """Create or update many vendors, ``batch_size`` (at most 1,000) per call.

        .. code-block:: python

            result = company.vendors.sync([{"origin_id": "erp-v-1", "name": "Acme"}])
        """
        return self._sync(SYNC, Vendor, items, batch_size=batch_size)
