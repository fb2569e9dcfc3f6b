"""Observation items (project tool ``observations``)."""

from __future__ import annotations

import datetime as _dt
from typing import Any, Optional

from procore_dc.models import Observation
from procore_dc.permissions import Scope
from procore_dc.resources._base import (
    ResourceClient,
    changes_verb,
    list_verb,
    operation,
    path_id,
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
LIST, GET = f"GET {OBSERVATIONS_PATH}", f"GET {OBSERVATION_PATH}"
CREATE, UPDATE = f"POST {OBSERVATIONS_PATH}", f"PATCH {OBSERVATION_PATH}"
DELETE = f"DELETE {OBSERVATION_DELETE_PATH}"


class ObservationsResource(ResourceClient):
    """A project's observation items: ``project.observations`` (sent with ``?project_id=``).

    .. code-block:: python

        for item in project.observations.list(filters={"status": [0, 1]}):
            print(item.number, item.name)
    """

    scope = Scope.PROJECT

    changes = changes_verb(LIST, Observation)

    list = list_verb(
        LIST,
        Observation,
        "the project's observation items",
        'items = project.observations.list(filters={"status": [0, 1]}).to_list()',
    )

    @operation(GET)
    def get(self, item_id: int) -> Observation:
        """Fetch one observation item.

        .. code-block:: python

            item = project.observations.get(11)
        """
        return self._call(GET, Observation, ids={"id": path_id(item_id, "item_id")})

    @operation(CREATE)
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
        return self._write(CREATE, Observation, typed, fields, with_scope=True)

    @operation(UPDATE)
    def update(self, item_id: int, **fields: Any) -> Observation:
        """Change fields of an observation item.

        .. code-block:: python

            project.observations.update(11, status="ready_for_review")
        """
        return self._write(
            UPDATE,
            Observation,
            {},
            fields,
            ids={"id": path_id(item_id, "item_id")},
            with_scope=True,
        )

    @operation(DELETE)
    def delete(self, item_id: int) -> None:
        """Delete an observation item.

        .. code-block:: python

            project.observations.delete(11)
        """
        self._delete(DELETE, id=path_id(item_id, "item_id"))
