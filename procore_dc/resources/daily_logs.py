"""Daily log: manpower logs (project tool ``daily_log``)."""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping
from typing import Any, Optional

from procore_dc.exceptions import ConfigurationError
from procore_dc.models import ManpowerLog
from procore_dc.pagination import PageIterator
from procore_dc.permissions import Scope
from procore_dc.resources._base import ResourceClient, encode_filters, operation, path_id

__all__ = ["MANPOWER_LOGS_PATH", "MANPOWER_LOG_PATH", "ManpowerLogsResource"]

MANPOWER_LOGS_PATH = "/rest/v1.0/projects/{project_id}/manpower_logs"
MANPOWER_LOG_PATH = "/rest/v1.0/projects/{project_id}/manpower_logs/{id}"
LIST, GET = f"GET {MANPOWER_LOGS_PATH}", f"GET {MANPOWER_LOG_PATH}"
CREATE, UPDATE = f"POST {MANPOWER_LOGS_PATH}", f"PATCH {MANPOWER_LOG_PATH}"
DELETE = f"DELETE {MANPOWER_LOG_PATH}"


def _day(value: Optional[_dt.date], name: str) -> Optional[str]:
    if value is None:
        return None
    if isinstance(value, _dt.datetime):
        value = value.date()
    if not isinstance(value, _dt.date):
        raise ConfigurationError(f"{name} must be a date, got {type(value).__name__}")
    return value.isoformat()


class ManpowerLogsResource(ResourceClient):
    """A project's manpower logs: ``project.manpower_logs``.

    With no date Procore returns only today's logs; pass ``log_date`` or a
    ``start_date``/``end_date`` range.

    .. code-block:: python

        week = project.manpower_logs.list(start_date=date(2026, 3, 2), end_date=date(2026, 3, 6))
    """

    scope = Scope.PROJECT

    @operation(LIST)
    def list(
        self,
        *,
        log_date: Optional[_dt.date] = None,
        start_date: Optional[_dt.date] = None,
        end_date: Optional[_dt.date] = None,
        filters: Optional[Mapping[str, Any]] = None,
        per_page: int = 100,
        limit: Optional[int] = None,
        prefetch: int = 1,
    ) -> PageIterator[ManpowerLog]:
        """List manpower logs for a day or a range, lazily.

        :raises ConfigurationError: when ``log_date`` is combined with a range, or a range
            has only one end

        .. code-block:: python

            logs = project.manpower_logs.list(log_date=date(2026, 3, 2)).to_list()
        """
        if log_date is not None and (start_date is not None or end_date is not None):
            raise ConfigurationError("pass either log_date or start_date/end_date, not both")
        if (start_date is None) != (end_date is None):
            raise ConfigurationError("start_date and end_date go together")
        params = {
            "log_date": _day(log_date, "log_date"),
            "start_date": _day(start_date, "start_date"),
            "end_date": _day(end_date, "end_date"),
            **encode_filters(filters),
        }
        return self._list(
            LIST, ManpowerLog, params, per_page=per_page, limit=limit, prefetch=prefetch
        )

    @operation(GET)
    def get(self, log_id: int) -> ManpowerLog:
        """Fetch one manpower log.

        .. code-block:: python

            log = project.manpower_logs.get(501)
        """
        return self._call(GET, ManpowerLog, ids={"id": path_id(log_id, "log_id")})

    @operation(CREATE)
    def create(
        self,
        *,
        date: Optional[_dt.date] = None,
        num_workers: Optional[int] = None,
        num_hours: Optional[str] = None,
        notes: Optional[str] = None,
        contact_id: Optional[int] = None,
        **fields: Any,
    ) -> ManpowerLog:
        """Create a manpower log entry.

        The log's company (vendor) is named by ``contact_id``; Procore has no ``vendor_id``
        field here (spec: ``RestV10ProjectsProjectIdManpowerLogsPostRequestManpowerLog``).

        :param contact_id: the id of the vendor (company) the workers belong to
        :raises ConfigurationError: for ``vendor_id=`` (use ``contact_id=``)

        .. code-block:: python

            project.manpower_logs.create(date=date(2026, 3, 2), num_workers=6, num_hours="8")
        """
        if "vendor_id" in fields:
            raise ConfigurationError(
                "manpower logs have no vendor_id; name the vendor with contact_id=vendor_id"
            )
        typed = {
            "date": date,
            "num_workers": num_workers,
            "num_hours": num_hours,
            "notes": notes,
            "contact_id": contact_id,
        }
        return self._write(CREATE, ManpowerLog, typed, fields)

    @operation(UPDATE)
    def update(self, log_id: int, **fields: Any) -> ManpowerLog:
        """Change fields of a manpower log.

        .. code-block:: python

            project.manpower_logs.update(501, num_workers=7)
        """
        return self._write(UPDATE, ManpowerLog, {}, fields, ids={"id": path_id(log_id, "log_id")})

    @operation(DELETE)
    def delete(self, log_id: int) -> None:
        """Delete a manpower log.

        .. code-block:: python

            project.manpower_logs.delete(501)
        """
        self._delete(DELETE, id=path_id(log_id, "log_id"))
