"""Submittals (project tool ``submittals``), v1.1 endpoints."""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping, Sequence
from typing import Any, Optional, Union

from procore_dc.models import Submittal
from procore_dc.pagination import PageIterator
from procore_dc.permissions import Scope
from procore_dc.resources._base import (
    READ,
    WRITE,
    ResourceClient,
    body,
    changes_verb,
    encode_filters,
    encode_sort,
    path_id,
    requires,
)

__all__ = ["SUBMITTALS_PATH", "SUBMITTAL_PATH", "SubmittalsResource"]

SUBMITTALS_PATH = "/rest/v1.1/projects/{project_id}/submittals"
SUBMITTAL_PATH = "/rest/v1.1/projects/{project_id}/submittals/{id}"


class SubmittalsResource(ResourceClient):
    """A project's submittals: ``project.submittals``.

    .. code-block:: python

        for submittal in project.submittals.list():
            print(submittal.formatted_number, submittal.title)
    """

    scope = Scope.PROJECT

    def _path(self, template: str, **ids: Any) -> str:
        return template.format(project_id=path_id(self.project_id, "project_id"), **ids)

    changes = changes_verb("submittals", SUBMITTALS_PATH, Submittal)

    @requires("submittals", READ)
    def list(
        self,
        *,
        filters: Optional[Mapping[str, Any]] = None,
        sort: Union[str, Sequence[str], None] = None,
        per_page: int = 100,
        limit: Optional[int] = None,
        prefetch: int = 1,
    ) -> PageIterator[Submittal]:
        """List the project's submittals, lazily.

        :calls: ``GET /rest/v1.1/projects/{project_id}/submittals``

        .. code-block:: python

            submittals = project.submittals.list(limit=50).to_list()
        """
        params = {**encode_filters(filters), "sort": encode_sort(sort)}
        return self._list(
            self._path(SUBMITTALS_PATH),
            Submittal,
            params,
            per_page=per_page,
            limit=limit,
            prefetch=prefetch,
        )

    @requires("submittals", READ)
    def get(self, submittal_id: int) -> Submittal:
        """Fetch one submittal.

        :calls: ``GET /rest/v1.1/projects/{project_id}/submittals/{id}``

        .. code-block:: python

            submittal = project.submittals.get(3)
        """
        path = self._path(SUBMITTAL_PATH, id=path_id(submittal_id, "submittal_id"))
        return self._call("GET", path, Submittal)

    @requires("submittals", WRITE)
    def create(
        self,
        title: str,
        *,
        number: Optional[str] = None,
        description: Optional[str] = None,
        due_date: Optional[_dt.date] = None,
        private: Optional[bool] = None,
        **fields: Any,
    ) -> Submittal:
        """Create a submittal.

        :calls: ``POST /rest/v1.1/projects/{project_id}/submittals`` with ``{"submittal": {...}}``

        .. code-block:: python

            submittal = project.submittals.create("Door hardware cut sheets", number="08-710-1")
        """
        typed = {
            "title": title,
            "number": number,
            "description": description,
            "due_date": due_date,
            "private": private,
        }
        return self._call(
            "POST", self._path(SUBMITTALS_PATH), Submittal, json=body("submittal", typed, fields)
        )

    @requires("submittals", WRITE)
    def update(self, submittal_id: int, **fields: Any) -> Submittal:
        """Change fields of a submittal.

        :calls: ``PATCH /rest/v1.1/projects/{project_id}/submittals/{id}``

        .. code-block:: python

            project.submittals.update(3, description="Rev 2")
        """
        path = self._path(SUBMITTAL_PATH, id=path_id(submittal_id, "submittal_id"))
        return self._call("PATCH", path, Submittal, json=body("submittal", {}, fields))
