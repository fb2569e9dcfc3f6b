"""The sandbox clock: wall time plus an offset the tests control.

Token lifetimes, authorization codes, rate-limit windows, upload deadlines and webhook retries
all read this clock, so a test moves them with :meth:`SandboxClock.advance` instead of sleeping.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Optional

__all__ = ["SandboxClock"]


class SandboxClock:
    """Epoch seconds that follow the wall clock, shifted by :meth:`advance`.

    A frozen clock stands still between calls to :meth:`advance`, which makes rate-limit
    windows exact in tests; a running clock (the default) lets a client that really waits for
    ``X-Rate-Limit-Reset`` see the window clear.

    :param frozen: start frozen (default: ``False``)
    :param start: the epoch seconds to start at (default: now)

    .. code-block:: python

        clock = SandboxClock(frozen=True)
        before = clock.now()
        clock.advance(5400)
        assert clock.now() == before + 5400
    """

    def __init__(self, *, frozen: bool = False, start: Optional[float] = None) -> None:
        self._lock = threading.Lock()
        self._wall: Callable[[], float] = time.time
        base = self._wall() if start is None else float(start)
        self._offset = base - self._wall()
        self._frozen_at: Optional[float] = base if frozen else None
        self._listeners: list[Callable[[], None]] = []

    @property
    def frozen(self) -> bool:
        """Whether the clock stands still between advances."""
        return self._frozen_at is not None

    def now(self) -> float:
        """The current sandbox time in epoch seconds."""
        with self._lock:
            if self._frozen_at is not None:
                return self._frozen_at
            return self._wall() + self._offset

    def advance(self, seconds: float) -> float:
        """Move the clock forward by ``seconds`` and return the new time.

        :raises ValueError: for a negative amount (time does not run backwards)
        """
        if seconds < 0:
            raise ValueError(f"the sandbox clock cannot go back ({seconds} seconds)")
        with self._lock:
            if self._frozen_at is not None:
                self._frozen_at += seconds
                result = self._frozen_at
            else:
                self._offset += seconds
                result = self._wall() + self._offset
            listeners = list(self._listeners)
        for listener in listeners:
            listener()
        return result

    def freeze(self) -> None:
        """Stop the clock at the current time."""
        now = self.now()
        with self._lock:
            self._frozen_at = now

    def unfreeze(self) -> None:
        """Let the clock run with the wall clock again, from the time it showed."""
        with self._lock:
            if self._frozen_at is not None:
                self._offset = self._frozen_at - self._wall()
                self._frozen_at = None

    def on_advance(self, listener: Callable[[], None]) -> None:
        """Call ``listener()`` after every :meth:`advance` (the webhook worker wakes on it)."""
        with self._lock:
            self._listeners.append(listener)
