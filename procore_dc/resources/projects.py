"""Projects of a company's portfolio (company tool ``home``)."""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable, Mapping
from typing import Any, Optional

from procore_dc.models import Project, SyncResult
from procore_dc.permissions import Scope
from procore_dc.resources._base import (
    SYNC_BATCH_SIZE,
    ResourceClient,
    changes_verb,
    list_verb,
    operation,
    path_id,
)

__all__ = ["PROJECTS_PATH", "PROJECTS_SYNC_PATH", "PROJECT_PATH", "ProjectsResource"]

PROJECTS_PATH = "/rest/v1.0/projects"
PROJECT_PATH = "/rest/v1.0/projects/{id}"
PROJECTS_SYNC_PATH = "/rest/v1.0/projects/sync"
LIST, GET, CREATE = f"GET {PROJECTS_PATH}", f"GET {PROJECT_PATH}", f"POST {PROJECTS_PATH}"
UPDATE, SYNC = f"PATCH {PROJECT_PATH}", f"PATCH {PROJECTS_SYNC_PATH}"


class ProjectsResource(ResourceClient):
    """A company's projects: ``company.projects`` (sent with ``?company_id=``).

    .. code-block:: python

        active = company.projects.list(filters={"by_status": "Active"}).to_list()
    """

    scope = Scope.COMPANY

    changes = changes_verb(LIST, Project)

    list = list_verb(
        LIST,
        Project,
        "the company's projects",
        'active = company.projects.list(filters={"by_status": "Active"}, prefetch=4).to_list()',
    )

    @operation(GET)
    def get(self, project_id: int) -> Project:
        """Fetch one project.

        .. code-block:: python

            project = company.projects.get(42)
        """
        return self._call(GET, Project, ids={"id": path_id(project_id, "project_id")})

    @operation(CREATE)
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
        return self._write(CREATE, Project, typed, fields, with_scope=True)

    @operation(UPDATE)
    def update(self, project_id: int, **fields: Any) -> Project:
        """Change fields of a project.

        .. code-block:: python

            company.projects.update(42, name="Tower B (phase 2)")
        """
        return self._write(
            UPDATE,
            Project,
            {},
            fields,
            ids={"id": path_id(project_id, "project_id")},
            with_scope=True,
        )

    @operation(SYNC)
    def sync(
        self, items: Iterable[Mapping[str, Any]], *, batch_size: int = SYNC_BATCH_SIZE
    ) -> SyncResult[Project]:
        """Create or update many projects, ``batch_size`` (at most 1,000) per call.

        Refused items are in ``.errors``.

        Items are matched on ``id``, else on ``origin_id``.

        .. code-block:: python

            result = company.projects.sync([{"origin_id": "erp-1", "name": "Tower"}])
            for error in result.errors:
                print(error.origin_id, error.messages())
        """
        return self._sync(SYNC, Project, items, batch_size=batch_size)
