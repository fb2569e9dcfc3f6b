"""What Procore last said about the rate limit, shared by every thread using one session.

Procore puts ``X-Rate-Limit-Limit``, ``X-Rate-Limit-Remaining`` and ``X-Rate-Limit-Reset``
(Unix seconds) on every response, describing whichever window (hourly or 10-second spike) is
closest to running out. :class:`RateLimitState` keeps the latest values; when ``remaining``
reaches 0 the session waits for the reset before its next request (``pace=True``).
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

__all__ = ["RateLimitPause", "RateLimitState"]

_NAMES = ("X-Rate-Limit-Limit", "X-Rate-Limit-Remaining", "X-Rate-Limit-Reset")
# Header mappings whose ``in`` ignores case (requests' and urllib3's).
_CASE_INSENSITIVE = (CaseInsensitiveDict, HTTPHeaderDict)


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
    A response without the headers changes nothing. Every wait the session makes for the rate
    limit is counted in ``pauses`` and the last is kept in ``last_pause`` (and logged at INFO).

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
        """Seconds to wait before the next request: until the reset when none are left, else 0.

        :param now: the current time, an aware datetime
        """
        current = self._current  # one attribute read is atomic; no lock needed
        if current.remaining != 0 or current.reset_at is None:
            return 0.0
        return max(0.0, (current.reset_at - now).total_seconds())
