"""Procore's two rate-limit windows per token holder (procore-api.md 2.4).

An hourly window and a short spike window (default 25 requests per 10 s). Every API response
reports, in ``X-Rate-Limit-Limit``/``-Remaining``/``-Reset``, whichever window is nearest to
running out; a request over either limit gets 429.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Hashable

import attrs

__all__ = ["RateLimiter", "RateLimits"]


@attrs.frozen
class RateLimits:
    """Rate limits for the sandbox to enforce: ``FakeProcore(rate_limits=RateLimits())`` for
    Procore's own. A sandbox has none unless given some.

    :param hourly: requests per hourly window (default: 3600)
    :param spike: requests per spike window (default: 25)
    :param spike_window: the spike window in seconds (default: 10)
    :param hourly_window: the hourly window in seconds (default: 3600)
    :param retry_after: whether a 429 carries ``Retry-After`` (Procore's pages disagree,
        procore-api.md 2.4; default: ``True``)

    .. code-block:: python

        sandbox.rate_limits = RateLimits(hourly=100, spike=5, retry_after=False)
    """

    hourly: int = 3600
    spike: int = 25
    spike_window: float = 10.0
    hourly_window: float = 3600.0
    retry_after: bool = True

    def __attrs_post_init__(self) -> None:
        for name in ("hourly", "spike", "spike_window", "hourly_window"):
            if getattr(self, name) <= 0:
                raise ValueError(f"RateLimits.{name} must be positive, got {getattr(self, name)}")


@attrs.define
class _Window:
    limit: int
    length: float
    start: float = -math.inf
    count: int = 0

    def roll(self, now: float) -> None:
        # Fixed windows that open with the first request after the previous one closed.
        if now >= self.start + self.length:
            self.start = now
            self.count = 0

    @property
    def remaining(self) -> int:
        return max(0, self.limit - self.count)

    @property
    def reset(self) -> int:
        return math.ceil(self.start + self.length)


class RateLimiter:
    """Counts requests per holder and answers whether one more is allowed."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._windows: dict[Hashable, tuple[_Window, _Window]] = {}

    def reset(self) -> None:
        """Forget every count (e.g. after the limits changed)."""
        with self._lock:
            self._windows.clear()

    def check(
        self, limits: RateLimits, holder: Hashable, now: float
    ) -> tuple[bool, dict[str, str]]:
        """Count a request; return whether it is allowed and the headers to send."""
        with self._lock:
            windows = self._windows.get(holder)
            if (
                windows is None
                or windows[0].limit != limits.hourly
                or (windows[1].limit != limits.spike)
            ):
                windows = (
                    _Window(limits.hourly, limits.hourly_window),
                    _Window(limits.spike, limits.spike_window),
                )
                self._windows[holder] = windows
            for window in windows:
                window.roll(now)
            allowed = all(w.count < w.limit for w in windows)
            if allowed:
                for window in windows:
                    window.count += 1
            hourly, spike = windows
            # Report whichever window is nearest to running out; ties go to the spike window,
            # which is the one Procore usually reports (procore-api.md 2.4).
            shown = hourly if hourly.remaining < spike.remaining else spike
            blocked = [w for w in windows if w.count >= w.limit]
            if not allowed:
                shown = max(blocked, key=lambda w: w.reset)
            headers = {
                "X-Rate-Limit-Limit": str(shown.limit),
                "X-Rate-Limit-Remaining": str(shown.remaining),
                "X-Rate-Limit-Reset": str(shown.reset),
            }
            if not allowed and limits.retry_after:
                headers["Retry-After"] = str(max(1, math.ceil(shown.reset - now)))
            return allowed, headers
