"""Submittals (project tool ``submittals``), v1.1 endpoints."""

from __future__ import annotations

import datetime as _dt
from typing import Any, Optional

from procore_dc.models import Submittal
from procore_dc.permissions import Scope
from procore_dc.resources._base import (
    ResourceClient,
    changes_verb,
    list_verb,
    operation,
    path_id,
)

__all__ = ["SUBMITTALS_PATH", "SUBMITTAL_PATH", "SubmittalsResource"]

SUBMITTALS_PATH = "/rest/v1.1/projects/{project_id}/submittals"
SUBMITTAL_PATH = "/rest/v1.1/projects/{project_id}/submittals/{id}"
LIST, GET = f"GET {SUBMITTALS_PATH}", f"GET {SUBMITTAL_PATH}"
CREATE, UPDATE = f"POST {SUBMITTALS_PATH}", f"PATCH {SUBMITTAL_PATH}"


class SubmittalsResource(ResourceClient):
    """A project's submittals: ``project.submittals``.

    .. code-block:: python

        for submittal in project.submittals.list():
            print(submittal.formatted_number, submittal.title)
    """

    scope = Scope.PROJECT

    changes = changes_verb(LIST, Submittal)

    list = list_verb(
        LIST,
        Submittal,
        "the project's submittals",
        "submittals = project.submittals.list(limit=50).to_list()",
    )

    @operation(GET)
    def get(self, submittal_id: int) -> Submittal:
        """Fetch one submittal.

        .. code-block:: python

            submittal = project.submittals.get(3)
        """
        return self._call(GET, Submittal, ids={"id": path_id(submittal_id, "submittal_id")})

    @operation(CREATE)
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
        return self._write(CREATE, Submittal, typed, fields)

    @operation(UPDATE)
    def update(self, submittal_id: int, **fields: Any) -> Submittal:
        """Change fields of a submittal.

        .. code-block:: python

            project.submittals.update(3, description="Rev 2")
        """
        return self._write(
            UPDATE, Submittal, {}, fields, ids={"id": path_id(submittal_id, "submittal_id")}
        )
