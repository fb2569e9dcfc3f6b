"""Observation items (project tool ``observations``)."""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping, Sequence
from typing import Any, Optional, Union

from procore_dc.models import Observation
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

__all__ = [
    "OBSERVATIONS_PATH",
    "OBSERVATION_DELETE_PATH",
    "OBSERVATION_PATH",
    "ObservationsResource",
]

OBSERVATIONS_PATH = "/rest/v1.0/observations/items"
OBSERVATION_PATH = "/rest/v1.0/observations/items/{id}"
OBSERVATION_DELETE_PATH = "/rest/v1.0/projects/{project_id}/observations/items/{id}"


class ObservationsResource(ResourceClient):
    """A project's observation items: ``project.observations``.

    .. code-block:: python

        for item in project.observations.list(filters={"status": [0, 1]}):
            print(item.number, item.name)
    """

    scope = Scope.PROJECT

    def _params(self) -> dict[str, Any]:
        return {"project_id": self.project_id}

    changes = changes_verb("observations", OBSERVATIONS_PATH, Observation)

    @requires("observations", READ)
    def list(
        self,
        *,
        filters: Optional[Mapping[str, Any]] = None,
        sort: Union[str, Sequence[str], None] = None,
        per_page: int = 100,
        limit: Optional[int] = None,
        prefetch: int = 1,
    ) -> PageIterator[Observation]:
        """List the project's observation items, lazily.

        :calls: ``GET /rest/v1.0/observations/items?project_id={project_id}``

        .. code-block:: python

            items = project.observations.list().to_list()
        """
        params = {**self._params(), **encode_filters(filters), "sort": encode_sort(sort)}
        return self._list(
            OBSERVATIONS_PATH,
            Observation,
            params,
            per_page=per_page,
            limit=limit,
            prefetch=prefetch,
        )

    @requires("observations", READ)
    def get(self, item_id: int) -> Observation:
        """Fetch one observation item.

        :calls: ``GET /rest/v1.0/observations/items/{id}?project_id={project_id}``

        .. code-block:: python

            item = project.observations.get(11)
        """
        path = OBSERVATION_PATH.format(id=path_id(item_id, "item_id"))
        return self._call("GET", path, Observation, params=self._params())

    @requires("observations", WRITE)
    def create(
        self,
        name: str,
        *,
        type_id: int,
        description: Optional[str] = None,
        priority: Optional[str] = None,
        due_date: Optional[_dt.date] = None,
        assignee_id: Optional[int] = None,
        **fields: Any,
    ) -> Observation:
        """Create an observation item.

        Procore's spec requires ``name`` and ``type_id`` (the observation type, e.g. Safety).

        :param type_id: the id of the observation type
        :calls: ``POST /rest/v1.0/observations/items`` with ``{"project_id", "observation": {...}}``

        .. code-block:: python

            item = project.observations.create("Missing handrail", type_id=1, priority="High")
        """
        typed = {
            "name": name,
            "description": description,
            "priority": priority,
            "due_date": due_date,
            "assignee_id": assignee_id,
            "type_id": type_id,
        }
        payload = {"project_id": self.project_id, **body("observation", typed, fields)}
        return self._call(
            "POST", OBSERVATIONS_PATH, Observation, params=self._params(), json=payload
        )

    @requires("observations", WRITE)
    def update(self, item_id: int, **fields: Any) -> Observation:
        """Change fields of an observation item.

        :calls: ``PATCH /rest/v1.0/observations/items/{id}`` with ``{"observation": {...}}``

        .. code-block:: python

            project.observations.update(11, status="ready_for_review")
        """
        path = OBSERVATION_PATH.format(id=path_id(item_id, "item_id"))
        payload = {"project_id": self.project_id, **body("observation", {}, fields)}
        return self._call("PATCH", path, Observation, params=self._params(), json=payload)

    @requires("observations", WRITE)
    def delete(self, item_id: int) -> None:
        """Delete an observation item.

        :calls: ``DELETE /rest/v1.0/projects/{project_id}/observations/items/{id}``

        .. code-block:: python

            project.observations.delete(11)
        """
        path = OBSERVATION_DELETE_PATH.format(
            project_id=path_id(self.project_id, "project_id"), id=path_id(item_id, "item_id")
        )
        self._delete(path)
