"""RFIs (project tool ``rfi``)."""

from __future__ import annotations

import datetime as _dt
from collections.abc import Sequence
from typing import Any, Optional

from procore_dc.exceptions import ConfigurationError
from procore_dc.models import Rfi
from procore_dc.permissions import Scope
from procore_dc.resources._base import (
    ResourceClient,
    changes_verb,
    encode_attribute_sort,
    list_verb,
    operation,
    path_id,
)

__all__ = ["RFIS_PATH", "RFI_PATH", "RfisResource"]

RFIS_PATH = "/rest/v1.0/projects/{project_id}/rfis"
RFI_PATH = "/rest/v1.0/projects/{project_id}/rfis/{id}"
LIST, GET, CREATE, UPDATE = (
    f"GET {RFIS_PATH}",
    f"GET {RFI_PATH}",
    f"POST {RFIS_PATH}",
    f"PATCH {RFI_PATH}",
)


class RfisResource(ResourceClient):
    """A project's RFIs: ``project.rfis``.

    .. code-block:: python

        open_rfis = project.rfis.list(filters={"status": "open"}, sort="-created_at")
    """

    scope = Scope.PROJECT

    changes = changes_verb(LIST, Rfi)

    list = list_verb(
        LIST,
        Rfi,
        "the project's RFIs",
        'rfis = project.rfis.list(filters={"status": "open"}, sort="-created_at").to_list()',
        encode=encode_attribute_sort,
    )

    @operation(GET)
    def get(self, rfi_id: int) -> Rfi:
        """Fetch one RFI.

        .. code-block:: python

            rfi = project.rfis.get(7)
        """
        return self._call(GET, Rfi, ids={"id": path_id(rfi_id, "rfi_id")})

    @operation(CREATE)
    def create(
        self,
        subject: str,
        *,
        question: str,
        rfi_manager_id: int,
        assignee_ids: Optional[Sequence[int]] = None,
        due_date: Optional[_dt.date] = None,
        private: Optional[bool] = None,
        **fields: Any,
    ) -> Rfi:
        """Create an RFI; ``question`` becomes its first question's body.

        Procore's spec requires ``subject``, ``rfi_manager_id`` and ``question``
        (``RFIBodyRfi``); ``assignee_ids`` replaces the deprecated ``assignee_id``.

        :param rfi_manager_id: the id of the user who manages the RFI
        :param assignee_ids: ids of the users assigned to answer it
        :raises ConfigurationError: for ``assignee_id=`` (use ``assignee_ids=[...]``)

        .. code-block:: python

            rfi = project.rfis.create(
                "Door hardware", question="Which hinge?", rfi_manager_id=5, assignee_ids=[7]
            )
        """
        if "assignee_id" in fields:
            raise ConfigurationError(
                "assignee_id is deprecated by Procore for RFIs; pass assignee_ids=[user_id]"
            )
        typed: dict[str, Any] = {
            "subject": subject,
            "rfi_manager_id": rfi_manager_id,
            "assignee_ids": list(assignee_ids) if assignee_ids is not None else None,
            "due_date": due_date,
            "private": private,
            "question": {"body": question},
        }
        return self._write(CREATE, Rfi, typed, fields)

    @operation(UPDATE)
    def update(self, rfi_id: int, **fields: Any) -> Rfi:
        """Change fields of an RFI.

        .. code-block:: python

            project.rfis.update(7, subject="Door hardware (level 3)")
        """
        return self._write(UPDATE, Rfi, {}, fields, ids={"id": path_id(rfi_id, "rfi_id")})
