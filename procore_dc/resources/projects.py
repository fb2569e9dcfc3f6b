"""Projects of a company's portfolio (company tool ``home``)."""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Optional, Union

from procore_dc.models import Project, SyncResult
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

__all__ = ["PROJECTS_PATH", "PROJECTS_SYNC_PATH", "PROJECT_PATH", "ProjectsResource"]

PROJECTS_PATH = "/rest/v1.0/projects"
PROJECT_PATH = "/rest/v1.0/projects/{id}"
PROJECTS_SYNC_PATH = "/rest/v1.0/projects/sync"


class ProjectsResource(ResourceClient):
    """A company's projects: ``company.projects``.

    .. code-block:: python

        active = company.projects.list(filters={"by_status": "Active"}).to_list()
    """

    scope = Scope.COMPANY

    def _params(self) -> dict[str, Any]:
        return {"company_id": self.company_id}

    changes = changes_verb("home", PROJECTS_PATH, Project)

    @requires("home", READ)
    def list(
        self,
        *,
        filters: Optional[Mapping[str, Any]] = None,
        sort: Union[str, Sequence[str], None] = None,
        per_page: int = 100,
        limit: Optional[int] = None,
        prefetch: int = 1,
    ) -> PageIterator[Project]:
        """List the company's projects, lazily.

        :param filters: e.g. ``{"by_status": "Active"}``, ``{"id": [1, 2]}``,
            ``{"updated_at": (start, end)}``
        :param sort: a field, or several; ``-`` sorts descending
        :calls: ``GET /rest/v1.0/projects?company_id={company_id}``

        .. code-block:: python

            for project in company.projects.list(filters={"by_status": "Active"}, prefetch=4):
                print(project.name)
        """
        params = {**self._params(), **encode_filters(filters), "sort": encode_sort(sort)}
        return self._list(
            PROJECTS_PATH, Project, params, per_page=per_page, limit=limit, prefetch=prefetch
        )

    @requires("home", READ)
    def get(self, project_id: int) -> Project:
        """Fetch one project.

        :calls: ``GET /rest/v1.0/projects/{id}?company_id={company_id}``

        .. code-block:: python

            project = company.projects.get(42)
        """
        path = PROJECT_PATH.format(id=path_id(project_id, "project_id"))
        return self._call("GET", path, Project, params=self._params())

    @requires("home", WRITE)
    def create(
        self,
        name: str,
        *,
        project_number: Optional[str] = None,
        start_date: Optional[_dt.date] = None,
        completion_date: Optional[_dt.date] = None,
        origin_id: Optional[str] = None,
        active: Optional[bool] = None,
        **fields: Any,
    ) -> Project:
        """Create a project; any other Procore field can be passed as a keyword.

        :calls: ``POST /rest/v1.0/projects`` with ``{"company_id", "project": {...}}``

        .. code-block:: python

            project = company.projects.create("Tower B", project_number="TB-1", origin_id="erp-9")
        """
        typed = {
            "name": name,
            "project_number": project_number,
            "start_date": start_date,
            "completion_date": completion_date,
            "origin_id": origin_id,
            "active": active,
        }
        payload = {"company_id": self.company_id, **body("project", typed, fields)}
        return self._call("POST", PROJECTS_PATH, Project, params=self._params(), json=payload)

    @requires("home", WRITE)
    def update(self, project_id: int, **fields: Any) -> Project:
        """Change fields of a project.

        :calls: ``PATCH /rest/v1.0/projects/{id}`` with ``{"project": {...}}``

        .. code-block:: python

            company.projects.update(42, name="Tower B (phase 2)")
        """
        path = PROJECT_PATH.format(id=path_id(project_id, "project_id"))
        payload = {"company_id": self.company_id, **body("project", {}, fields)}
        return self._call("PATCH", path, Project, params=self._params(), json=payload)

    @requires("home", WRITE)
    def sync(
        self, items: Iterable[Mapping[str, Any]], *, batch_size: int = SYNC_BATCH_SIZE
    ) -> SyncResult[Project]:
        """Create or update many projects, ``batch_size`` (at most 1,000) per call.

        Refused items are in ``.errors``.

        Items are matched on ``id``, else on ``origin_id``.

        :calls: ``PATCH /rest/v1.0/projects/sync`` with ``{"updates": [...]}``

        .. code-block:: python

            result = company.projects.sync([{"origin_id": "erp-1", "name": "Tower"}])
            for error in result.errors:
                print(error.origin_id, error.messages())
        """
        return self._sync(PROJECTS_SYNC_PATH, Project, items, self._params(), batch_size=batch_size)
