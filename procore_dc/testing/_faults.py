"""Injected faults: the ways a network and a proxy in front of Procore misbehave."""

from __future__ import annotations

import fnmatch
import threading
from collections.abc import Callable, Mapping
from typing import Any, Optional, Union

import attrs

__all__ = ["FAULT_KINDS", "Fault", "Faults"]

#: Every fault kind :meth:`Faults.add` accepts.
FAULT_KINDS = (
    "status",
    "delay",
    "reset",
    "reset_after_read",
    "truncate",
    "malformed_json",
    "html_error",
    "lose_token_response",
)


@attrs.define(eq=False)
class Fault:
    """One injected fault; see :meth:`Faults.add`.

    :ivar hits: how many requests it has affected so far
    """

    method: str
    path: str
    kind: str
    status: Optional[int] = None
    headers: Mapping[str, str] = attrs.field(factory=dict)
    body: Union[str, bytes, Mapping[str, Any], None] = None
    seconds: Optional[float] = None
    times: Optional[int] = None
    probability: Optional[float] = None
    hits: int = 0

    def matches(self, method: str, path: str) -> bool:
        """Whether a request with ``method`` and ``path`` is covered by this fault."""
        if self.method not in ("*", method.upper()):
            return False
        return fnmatch.fnmatchcase(path, self.path)


class Faults:
    """The fault injector of one sandbox (``sandbox.faults``).

    :param draw: returns the next number in [0, 1) from the sandbox's seeded generator
        (for ``probability``)
    """

    def __init__(self, draw: Callable[[], float]) -> None:
        self._draw = draw
        self._lock = threading.Lock()
        self._faults: list[Fault] = []

    def add(
        self,
        method: str = "GET",
        path: str = "/rest/v1.0/projects*",
        kind: str = "status",
        *,
        status: Optional[int] = None,
        headers: Optional[Mapping[str, str]] = None,
        body: Union[str, bytes, Mapping[str, Any], None] = None,
        seconds: Optional[float] = None,
        times: Optional[int] = None,
        probability: Optional[float] = None,
    ) -> Fault:
        """Inject a fault into the requests that match ``method`` and the glob ``path``.

        :param method: an HTTP method, or ``"*"`` for any (default: ``"GET"``)
        :param path: a glob on the request path, e.g. ``"/rest/v1.0/projects*"``
        :param kind: one of ``FAULT_KINDS``:
            ``"status"`` answers ``status`` with ``headers`` and ``body`` (e.g. a 503 with
            ``Retry-After``); ``"delay"`` waits ``seconds`` before answering normally;
            ``"reset"`` drops the connection before any response (nothing is done);
            ``"reset_after_read"`` drops it after the request was acted on; ``"truncate"``
            sends fewer body bytes than ``Content-Length``; ``"malformed_json"`` sends a JSON
            content type with a body that does not parse; ``"html_error"`` answers a proxy's
            502 HTML page; ``"lose_token_response"`` (always ``POST /oauth/token``) commits
            the grant - a refresh rotates - and then drops the connection
        :param times: affect only this many requests (default: every one)
        :param probability: affect each matching request with this chance, drawn from the
            sandbox's seeded generator (default: always)
        :raises ValueError: for an unknown kind or missing ``status``/``seconds``

        .. code-block:: python

            sandbox.faults.add("GET", "/rest/v1.0/projects*", "status", status=503,
                               headers={"Retry-After": "2"}, times=1)
        """
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {kind!r}; use one of {', '.join(FAULT_KINDS)}")
        if kind == "status" and status is None:
            raise ValueError('a "status" fault needs status=, e.g. status=503')
        if kind == "delay" and (seconds is None or seconds < 0):
            raise ValueError('a "delay" fault needs seconds= >= 0')
        if times is not None and times < 1:
            raise ValueError("times must be at least 1")
        if probability is not None and not 0 <= probability <= 1:
            raise ValueError("probability must be between 0 and 1")
        if kind == "lose_token_response":
            method, path = "POST", "/oauth/token"
        fault = Fault(
            method=method.upper(),
            path=path,
            kind=kind,
            status=status,
            headers=dict(headers or {}),
            body=body,
            seconds=seconds,
            times=times,
            probability=probability,
        )
        with self._lock:
            self._faults.append(fault)
        return fault

    def remove(self, fault: Fault) -> None:
        """Stop injecting ``fault``."""
        with self._lock:
            if fault in self._faults:
                self._faults.remove(fault)

    def clear(self) -> None:
        """Remove every fault."""
        with self._lock:
            self._faults.clear()

    def __len__(self) -> int:
        with self._lock:
            return len(self._faults)

    def take(self, method: str, path: str) -> Optional[Fault]:
        """The first fault that fires for this request, counting it down; ``None`` if none."""
        with self._lock:
            for fault in list(self._faults):
                if not fault.matches(method, path):
                    continue
                if fault.probability is not None and self._draw() >= fault.probability:
                    continue
                fault.hits += 1
                if fault.times is not None:
                    fault.times -= 1
                    if fault.times <= 0:
                        self._faults.remove(fault)
                return fault
        return None
