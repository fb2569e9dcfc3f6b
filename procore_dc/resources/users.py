"""Company directory users (company tool ``directory``), v1.3 endpoints."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Optional

from procore_dc.models import CompanyUser, SyncResult
from procore_dc.permissions import Scope
from procore_dc.resources._base import (
    SYNC_BATCH_SIZE,
    ResourceClient,
    changes_verb,
    list_verb,
    operation,
    path_id,
)

__all__ = ["USERS_PATH", "USERS_SYNC_PATH", "USER_PATH", "CompanyUsersResource"]

USERS_PATH = "/rest/v1.3/companies/{company_id}/users"
USER_PATH = "/rest/v1.3/companies/{company_id}/users/{id}"
USERS_SYNC_PATH = "/rest/v1.3/companies/{company_id}/users/sync"
LIST, GET, CREATE = f"GET {USERS_PATH}", f"GET {USER_PATH}", f"POST {USERS_PATH}"
UPDATE, SYNC = f"PATCH {USER_PATH}", f"PATCH {USERS_SYNC_PATH}"


class CompanyUsersResource(ResourceClient):
    """The company directory's users: ``company.users``.

    .. code-block:: python

        for user in company.users.list(filters={"is_active": True}):
            print(user.name, user.email_address)
    """

    scope = Scope.COMPANY

    changes = changes_verb(LIST, CompanyUser)

    list = list_verb(
        LIST,
        CompanyUser,
        "the company's users",
        'users = company.users.list(filters={"updated_at": (since, now)}).to_list()',
    )

    @operation(GET)
    def get(self, user_id: int) -> CompanyUser:
        """Fetch one user.

        .. code-block:: python

            user = company.users.get(1234)
        """
        return self._call(GET, CompanyUser, ids={"id": path_id(user_id, "user_id")})

    @operation(CREATE)
    def create(
        self,
        last_name: str,
        *,
        first_name: Optional[str] = None,
        email_address: Optional[str] = None,
        job_title: Optional[str] = None,
        is_employee: Optional[bool] = None,
        origin_id: Optional[str] = None,
        **fields: Any,
    ) -> CompanyUser:
        """Add a user to the directory.

        .. code-block:: python

            user = company.users.create("Lovelace", first_name="Ada")
        """
        typed = {
            "last_name": last_name,
            "first_name": first_name,
            "email_address": email_address,
            "job_title": job_title,
            "is_employee": is_employee,
            "origin_id": origin_id,
        }
        return self._write(CREATE, CompanyUser, typed, fields)

    @operation(UPDATE)
    def update(self, user_id: int, **fields: Any) -> CompanyUser:
        """Change fields of a user.

        .. code-block:: python

            company.users.update(1234, job_title="Superintendent")
        """
        return self._write(UPDATE, CompanyUser, {}, fields, ids={"id": path_id(user_id, "user_id")})

    @operation(SYNC)
    def sync(
        self, items: Iterable[Mapping[str, Any]], *, batch_size: int = SYNC_BATCH_SIZE
    ) -> SyncResult[CompanyUser]:
        """Create or update many users, ``batch_size`` (at most 1,000) per call.

        .. code-block:: python

            result = company.users.sync([{"origin_id": "hr-7", "last_name": "Hopper"}])
        """
        return self._sync(SYNC, CompanyUser, items, batch_size=batch_size)
