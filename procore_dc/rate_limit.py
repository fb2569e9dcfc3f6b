"""What Procore last said about the rate limit, shared by every thread using one session.

Procore puts ``X-Rate-Limit-Limit``, ``X-Rate-Limit-Remaining`` and ``X-Rate-Limit-Reset``
(Unix seconds) on every response, describing whichever window (hourly or 10-second spike) is
closest to running out. :class:`RateLimitState` keeps the latest values, and separately the
latest reset of any window reported exhausted: the headers switch between the two windows, so
an hourly answer with requests left must not hide a spent 10-second window. Before its next
request the session waits for that reset (``pace=True``), never longer than an hour (no
Procore window is longer; a farther reset is malformed). A wait the session refuses
(``RetryPolicy.max_wait``) forgets the exhausted window, so the next call asks Procore again
instead of being refused for as long as one bogus header said.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from datetime import datetime
from typing import Optional

import attrs
from requests.structures import CaseInsensitiveDict
from urllib3._collections import HTTPHeaderDict

from procore_dc._headers import RateLimitHeaders, parse_rate_limit_headers
from procore_dc._redact import get_logger

__all__ = ["RateLimitPause", "RateLimitState"]

_NAMES = ("X-Rate-Limit-Limit", "X-Rate-Limit-Remaining", "X-Rate-Limit-Reset")
# Header mappings whose ``in`` ignores case (requests' and urllib3's).
_CASE_INSENSITIVE = (CaseInsensitiveDict, HTTPHeaderDict)
#: The longest window Procore has (hourly); a reset farther away than this is malformed.
MAX_WINDOW_SECONDS = 3600.0

_log = get_logger("procore_dc.session")


@attrs.frozen
class RateLimitPause:
    """A wait the session made for the rate limit: how long, and the header that asked.

    :ivar seconds: the seconds slept (with jitter)
    :ivar cause: the header behind it, e.g. ``"Retry-After: 3"``
    """

    seconds: float
    cause: str


class RateLimitState:
    """The latest ``X-Rate-Limit-*`` values, updated from every response; thread-safe.

    Responses from parallel requests can arrive out of order, so within one window (the same
    reset time) ``remaining`` only goes down, and a response from an older window is ignored.
    A response without the headers changes nothing. Whichever window is reported with no
    requests left stays exhausted until its reset, whatever other windows say meanwhile.
    Every wait the session makes for the rate limit is counted in ``pauses`` and the last is
    kept in ``last_pause`` (and logged at INFO).

    .. code-block:: python

        session.get_json("/rest/v1.0/companies")
        state = session.rate_limit
        print(state.limit, state.remaining, state.reset_at, state.pauses, state.last_pause)
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._current = RateLimitHeaders()
        #: How many times the session has waited for the rate limit.
        self.pauses = 0
        #: The last of those waits, a :class:`RateLimitPause`, or ``None``.
        self.last_pause: Optional[RateLimitPause] = None
        self.exhausted_until: Optional[datetime] = None
        """The latest reset of a window reported with no requests left, or ``None``."""

    def __repr__(self) -> str:
        now = self.snapshot()
        paused = f", pauses={self.pauses}, last_pause={self.last_pause!r}" if self.pauses else ""
        return (
            f"RateLimitState(limit={now.limit}, remaining={now.remaining}, "
            f"reset_at={now.reset_at}{paused})"
        )

    def record_pause(self, seconds: float, cause: str) -> None:
        """Count one wait for the rate limit (the session calls this)."""
        with self._lock:
            self.pauses += 1
            self.last_pause = RateLimitPause(seconds, cause)

    @property
    def limit(self) -> Optional[int]:
        """The size of the window Procore reported last (``X-Rate-Limit-Limit``), or ``None``."""
        return self.snapshot().limit

    @property
    def remaining(self) -> Optional[int]:
        """Requests left in the window (``X-Rate-Limit-Remaining``), or ``None``."""
        return self.snapshot().remaining

    @property
    def reset_at(self) -> Optional[datetime]:
        """When the window resets (aware UTC, from ``X-Rate-Limit-Reset``), or ``None``."""
        return self.snapshot().reset_at

    def snapshot(self) -> RateLimitHeaders:
        """The three values read together under the lock, as ``(limit, remaining, reset_at)``."""
        with self._lock:
            return self._current

    def update(self, headers: Mapping[str, str]) -> None:
        """Take the ``X-Rate-Limit-*`` values of one response.

        :param headers: the response headers (names are matched case-insensitively)

        .. code-block:: python

            state.update({"X-Rate-Limit-Remaining": "0", "X-Rate-Limit-Reset": "1766000000"})
        """
        if isinstance(headers, _CASE_INSENSITIVE) and not any(n in headers for n in _NAMES):
            return  # the common "no rate-limit headers" case, without parsing
        new = parse_rate_limit_headers(headers)
        if new.limit is None and new.remaining is None and new.reset_at is None:
            return
        with self._lock:
            if (
                new.remaining == 0
                and new.reset_at is not None
                and (self.exhausted_until is None or self.exhausted_until < new.reset_at)
            ):
                self.exhausted_until = new.reset_at
            old = self._current
            if new.reset_at is not None and old.reset_at is not None:
                if new.reset_at < old.reset_at:
                    return  # a late answer from a window that is already over
                if (
                    new.reset_at == old.reset_at
                    and new.remaining is not None
                    and old.remaining is not None
                    and old.remaining < new.remaining
                ):
                    new = RateLimitHeaders(new.limit, old.remaining, new.reset_at)
            self._current = RateLimitHeaders(
                limit=new.limit if new.limit is not None else old.limit,
                remaining=new.remaining if new.remaining is not None else old.remaining,
                reset_at=new.reset_at if new.reset_at is not None else old.reset_at,
            )

    def wait_seconds(self, now: datetime) -> float:
        """Seconds to wait before the next request: until an exhausted window resets, else 0.

        Never more than an hour (``MAX_WINDOW_SECONDS``): a reset farther away is malformed.

        :param now: the current time, an aware datetime
        """
        until = self.exhausted_until  # one attribute read is atomic; no lock needed
        if until is None:
            return 0.0
        wait = (until - now).total_seconds()
        if wait > MAX_WINDOW_SECONDS:
            _log.warning(
                "X-Rate-Limit-Reset is %.0f s away, longer than any Procore window; "
                "waiting at most %.0f s",
                wait,
                MAX_WINDOW_SECONDS,
            )
            return MAX_WINDOW_SECONDS
        if wait <= 0:
            self.forget_exhausted(until)
            return 0.0
        return wait

    def forget_exhausted(self, until: Optional[datetime] = None) -> None:
        """Stop pacing on the exhausted window (the one ending at ``until``, or any).

        The session calls it when it refuses a wait (``RetryPolicy.max_wait``), so that the
        next call asks Procore instead of trusting one answer for the rest of the window.
        """
        with self._lock:
            if until is None or self.exhausted_until == until:
                self.exhausted_until = None
