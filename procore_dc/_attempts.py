"""The record of one logical call's attempts, and its one DEBUG line per attempt.

The session opens a :class:`Call` with the method and URL it is about to send (``with
Call(method, url, ...) as call:``); the urllib3 retry bridge carries the same record on every
``Retry`` it builds for the call (through ``Retry.new()``), numbers the attempts on it, notes
what went wrong and the wait a 429 asked for, and logs each attempt once.

Why one thread-local remains: requests' adapter interface has no per-request slot through
which the session could hand urllib3 anything (``HTTPAdapter.send`` reads ``self.max_retries``,
one ``Retry`` shared by every call and thread). So a call announces itself on its thread while
it runs, and the urllib3 bridge reads :func:`current` only where urllib3 gives it nothing else:
at the first increment of a call (from then on ``Retry.new()`` carries the record), and in
``RetryAdapter.max_retries``, to continue the budget left when a body broke off
(:attr:`Call.resume`). The method, URL, deadline and attempt number are never read from the
thread-local: they are fields of the record the session created.
"""

from __future__ import annotations

import math
import threading
import time
from types import TracebackType
from typing import Any, Optional

from procore_dc._redact import get_logger, redact_url

__all__ = ["Call", "current"]

_log = get_logger("procore_dc.session")


class _Current(threading.local):
    call: Optional[Call] = None


_CURRENT = _Current()


def current() -> Optional[Call]:
    """The call running on this thread, or ``None`` outside one."""
    return _CURRENT.call


class Call:
    """One logical call: its identity, its attempts so far, and what its retries need.

    :param method: the HTTP method (upper-cased here)
    :param url: the full URL; redacted wherever it is written (log lines, errors)
    :param deadline: when the whole call must end (``time.monotonic()``)
    :param error_limit: the largest error page a retried response may drain from its connection
    """

    __slots__ = (
        "_outer",
        "deadline",
        "error_limit",
        "logged",
        "method",
        "number",
        "outcome",
        "rate_pause",
        "resume",
        "started",
        "url",
    )

    def __init__(
        self,
        method: str,
        url: str,
        *,
        deadline: float = math.inf,
        error_limit: int = 1 << 20,
    ) -> None:
        self.method = method.upper()
        self.url = url
        self.deadline = deadline
        self.error_limit = error_limit
        self.number = 1
        self.started = time.perf_counter()
        self.outcome = ""
        self.logged = 0
        #: The last wait a 429 asked for in this call, and the header that set it.
        self.rate_pause: Optional[tuple[float, str]] = None
        #: A ``Retry`` whose budget the next send of this call continues (a body broke off).
        self.resume: Any = None
        self._outer: Optional[Call] = None

    def __enter__(self) -> Call:
        self._outer = _CURRENT.call
        _CURRENT.call = self
        return self

    def __exit__(
        self,
        _type: Optional[type[BaseException]],
        _value: Optional[BaseException],
        _traceback: Optional[TracebackType],
    ) -> None:
        _CURRENT.call = self._outer
        self._outer = None

    def log(self, outcome: str, *, note: str = "") -> None:
        """Write the one DEBUG line of the current attempt (at most once per attempt)."""
        if self.logged >= self.number:
            return
        self.logged = self.number
        if not _log.isEnabledFor(10):
            return
        elapsed_ms = (time.perf_counter() - self.started) * 1000.0
        _log.debug(
            "%s %s -> %s in %.0f ms (attempt %d%s)",
            self.method,
            redact_url(self.url),
            outcome,
            elapsed_ms,
            self.number,
            f", {note}" if note else "",
        )

    def next_attempt(self) -> None:
        """Count the attempt about to be sent."""
        self.number += 1
        self.started = time.perf_counter()
        self.outcome = ""
