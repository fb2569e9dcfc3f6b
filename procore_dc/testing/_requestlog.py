"""The request log: one record per request any of the sandbox's hosts received."""

from __future__ import annotations

import threading
from typing import Optional

import attrs
from werkzeug.datastructures import Headers

from procore_dc.permissions import PermissionLevel

__all__ = ["RequestLog", "RequestRecord"]


@attrs.define(eq=False)
class RequestRecord:
    """One request the sandbox received, in ``sandbox.requests``.

    :ivar role: which listener got it: ``"api"``, ``"login"``, ``"files"`` (Procore's file
        host) or ``"storage"`` (presigned S3)
    :ivar query: the query parameters, each a list of values
    :ivar headers: the request headers (case-insensitive ``get``)
    :ivar body: the request body; empty for the storage host, whose bytes (uploads) the
        sandbox keeps once, with the upload
    :ivar status: the status answered, ``None`` when the connection was dropped
    :ivar token_kind: ``"dmsa"``, ``"user"`` or ``None`` (no valid bearer token)
    :ivar scope: ``"company"``/``"project"`` of the tool the endpoint needs, or ``None``
    :ivar tool: the tool key the endpoint needs (``None``: no tool, e.g. ``/me``)
    :ivar level: ``"readonly"`` or ``"standard"``
    :ivar fault: the kind of fault injected into it, if any
    """

    method: str
    path: str
    query: dict[str, list[str]]
    headers: Headers = attrs.field(repr=False)
    body: bytes = attrs.field(repr=False)
    role: str
    time: float
    request_id: str
    status: Optional[int] = None
    token_kind: Optional[str] = None
    client_id: Optional[str] = attrs.field(default=None, repr=False)
    user_id: Optional[int] = None
    company_id: Optional[int] = None
    project_id: Optional[int] = None
    scope: Optional[str] = None
    tool: Optional[str] = None
    level: Optional[str] = None
    fault: Optional[str] = None
    response_headers: Headers = attrs.field(factory=Headers, repr=False)


class RequestLog:
    """The sandbox's request log, appended to by the listener threads."""

    def __init__(self) -> None:
        self._records: list[RequestRecord] = []
        self._lock = threading.Lock()

    def append(self, record: RequestRecord) -> None:
        with self._lock:
            self._records.append(record)

    def snapshot(self) -> list[RequestRecord]:
        """The records so far, oldest first (a copy)."""
        with self._lock:
            return list(self._records)

    def clear(self) -> None:
        with self._lock:
            self._records.clear()

    def required_permissions(self, *, include_denied: bool = False) -> dict[str, dict[str, str]]:
        """The smallest permission block covering every request logged (403s left out unless
        ``include_denied``): what ``FakeProcore.required_permissions`` answers."""
        result: dict[str, dict[str, str]] = {"company": {}, "project": {}}
        for record in self.snapshot():
            if record.tool is None or record.scope is None or record.level is None:
                continue
            if record.status == 403 and not include_denied:
                continue
            current = result[record.scope].get(record.tool)
            if current is None or not PermissionLevel(current).covers(
                PermissionLevel(record.level)
            ):
                result[record.scope][record.tool] = record.level
        return result
