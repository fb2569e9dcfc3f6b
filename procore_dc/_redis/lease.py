"""A lease in Redis: one holder at a time, an expiry on Redis's clock, and a fencing token.

A lease is a hash ``{holder, fence}`` with a ``PEXPIRE``. Taking it increments a counter, so
each new holder gets a larger fence; writes made under a lease carry its fence, and a write
from an older fence than the one already stored is refused (a holder that paused past its
expiry cannot overwrite its successor's work). Only the holder can extend or release it; a
holder that dies simply stops extending, and the lease expires.

Every script is idempotent for one holder id: redis-py may run a command twice when a
connection drops after sending, and taking or extending a lease one already holds changes
nothing.
"""

from __future__ import annotations

import secrets
import threading
import time
from typing import Any, Optional

import attrs

from procore_dc._redis.client import log

__all__ = ["ACQUIRE", "EXTEND", "RELEASE", "Heartbeat", "LeaseKeys", "new_holder_id"]

# KEYS: lease hash, fence counter. ARGV: holder id, ttl ms.
# Returns {fence, 0} when taken (or already held by this holder), {0, ms left} when not.
ACQUIRE = """
local holder = redis.call('HGET', KEYS[1], 'holder')
if holder == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return {tonumber(redis.call('HGET', KEYS[1], 'fence')), 0}
end
if holder then
  local left = redis.call('PTTL', KEYS[1])
  if left < 0 then left = tonumber(ARGV[2]) end
  return {0, left}
end
local fence = redis.call('INCR', KEYS[2])
redis.call('HSET', KEYS[1], 'holder', ARGV[1], 'fence', fence)
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return {fence, 0}
"""

# KEYS: lease hash. ARGV: holder id, ttl ms. Returns 1 when still held (and extended), else 0.
EXTEND = """
if redis.call('HGET', KEYS[1], 'holder') == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
return 0
"""

# KEYS: lease hash. ARGV: holder id. Returns 1 when released, 0 when it was not ours.
RELEASE = """
if redis.call('HGET', KEYS[1], 'holder') == ARGV[1] then
  redis.call('DEL', KEYS[1])
  return 1
end
return 0
"""


def new_holder_id() -> str:
    """A holder id no other process or thread will ever use."""
    return secrets.token_hex(12)


@attrs.frozen
class LeaseKeys:
    """The two keys of one lease: the lease hash and its fence counter."""

    lease: str
    fence: str


class Heartbeat:
    """Extends a lease every third of its lifetime, in a daemon thread, while it is held.

    A holder that dies stops extending, and the lease expires ``ttl`` after its last beat; a
    live holder never loses its lease to a slow token request. A beat that finds the lease gone
    (Redis restarted without persistence, or the holder paused past the expiry) stops, and
    :attr:`lost` says so.

    :param extend: calls the ``EXTEND`` script; returns whether the lease is still ours
    :param ttl: the lease lifetime in seconds
    """

    def __init__(self, extend: Any, ttl: float) -> None:
        self._extend = extend
        self._interval = ttl / 3.0
        self._stop = threading.Event()
        self.lost = False
        self._thread = threading.Thread(target=self._run, name="procore-dc-lease", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            try:
                if not self._extend():
                    self.lost = True
                    return
            except Exception as exc:  # Redis away: try again next beat; the expiry decides
                log.debug("could not extend a lease (%s); trying again", type(exc).__name__)

    def stop(self) -> None:
        """Stop extending (before releasing)."""
        self._stop.set()
        self._thread.join()


def wait_step(left_ms: int, started: float, deadline: Optional[float]) -> float:
    """How long to sleep before asking for a lease again: short, and never past the deadline."""
    step = min(max(left_ms, 1) / 1000.0, 0.05)
    if deadline is not None:
        step = min(step, max(0.0, deadline - (time.monotonic() - started)))
    return step
