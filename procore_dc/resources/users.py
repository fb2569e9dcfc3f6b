"""Company directory users (company tool ``directory``), v1.3 endpoints."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Optional, Union

from procore_dc.models import CompanyUser, SyncResult
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

__all__ = ["USERS_PATH", "USERS_SYNC_PATH", "USER_PATH", "CompanyUsersResource"]

USERS_PATH = "/rest/v1.3/companies/{company_id}/users"
USER_PATH = "/rest/v1.3/companies/{company_id}/users/{id}"
USERS_SYNC_PATH = "/rest/v1.3/companies/{company_id}/users/sync"


class CompanyUsersResource(ResourceClient):
    """The company directory's users: ``company.users``.

    .. code-block:: python

        for user in company.users.list(filters={"is_active": True}):
            print(user.name, user.email_address)
    """

    scope = Scope.COMPANY

    def _path(self, template: str, **ids: Any) -> str:
        return template.format(company_id=path_id(self.company_id, "company_id"), **ids)

    changes = changes_verb("directory", USERS_PATH, CompanyUser)

    @requires("directory", READ)
    def list(
        self,
        *,
        filters: Optional[Mapping[str, Any]] = None,
        sort: Union[str, Sequence[str], None] = None,
        per_page: int = 100,
        limit: Optional[int] = None,
        prefetch: int = 1,
    ) -> PageIterator[CompanyUser]:
        """List the company's users, lazily.

        :calls: ``GET /rest/v1.3/companies/{company_id}/users``

        .. code-block:: python

            users = company.users.list(filters={"updated_at": (since, now)}).to_list()
        """
        params = {**encode_filters(filters), "sort": encode_sort(sort)}
        return self._list(
            self._path(USERS_PATH),
            CompanyUser,
            params,
            per_page=per_page,
            limit=limit,
            prefetch=prefetch,
        )

    @requires("directory", READ)
    def get(self, user_id: int) -> CompanyUser:
        """Fetch one user.

        :calls: ``GET /rest/v1.3/companies/{company_id}/users/{id}``

        .. code-block:: python

            user = company.users.get(1234)
        """
        return self._call("GET", self._path(USER_PATH, id=path_id(user_id, "user_id")), CompanyUser)

    @requires("directory", WRITE)
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

        :calls: ``POST /rest/v1.3/companies/{company_id}/users`` with ``{"user": {...}}``

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
        return self._call(
            "POST", self._path(USERS_PATH), CompanyUser, json=body("user", typed, fields)
        )

    @requires("directory", WRITE)
    def update(self, user_id: int, **fields: Any) -> CompanyUser:
        """Change fields of a user.

        :calls: ``PATCH /rest/v1.3/companies/{company_id}/users/{id}`` with ``{"user": {...}}``

        .. code-block:: python

            company.users.update(1234, job_title="Superintendent")
        """
        path = self._path(USER_PATH, id=path_id(user_id, "user_id"))
        return self._call("PATCH", path, CompanyUser, json=body("user", {}, fields))

    @requires("directory", WRITE)
    def sync(
        self, items: Iterable[Mapping[str, Any]], *, batch_size: int = SYNC_BATCH_SIZE
    ) -> SyncResult[CompanyUser]:
        """Create or update many users, ``batch_size`` (at most 1,000) per call.

        :calls: ``PATCH /rest/v1.3/companies/{company_id}/users/sync``

        .. code-block:: python

            result = company.users.sync([{"origin_id": "hr-7", "last_name": "Hopper"}])
        """
        return self._sync(self._path(USERS_SYNC_PATH), CompanyUser, items, batch_size=batch_size)
