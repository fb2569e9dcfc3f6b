"""WorkLeases: split a fleet's work into (company, project, tool) units, one worker per unit."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Optional

import attrs

from procore_dc._redis.client import call, connect, describe, server_time
from procore_dc._redis.lease import EXTEND, RELEASE, Heartbeat, new_holder_id
from procore_dc.exceptions import ConfigurationError, LeaseLostError

__all__ = ["WorkLease", "WorkLeases", "WorkUnit"]

# KEYS: lease hash, fence counter, done set. ARGV: holder id, ttl ms, unit name.
# Returns {fence, expires at ms (Redis TIME)}, or {0, 0} when done or held by another.
_CLAIM = """
if redis.call('SISMEMBER', KEYS[3], ARGV[3]) == 1 then return {0, 0} end
local holder = redis.call('HGET', KEYS[1], 'holder')
local t = redis.call('TIME')
local expires = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) + tonumber(ARGV[2])
if holder and holder ~= ARGV[1] then return {0, 0} end
local fence = tonumber(redis.call('HGET', KEYS[1], 'fence') or '0')
if not holder then
  fence = redis.call('INCR', KEYS[2])
  redis.call('HSET', KEYS[1], 'holder', ARGV[1], 'fence', fence)
end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return {fence, expires}
"""

# KEYS: lease hash, done set, done-by hash. ARGV: holder id, unit name.
# 1: done (now, or by this holder before: redis-py may resend after a dropped connection);
# 0: the lease is not ours.
_COMPLETE = """
if redis.call('HGET', KEYS[1], 'holder') == ARGV[1] then
  redis.call('SADD', KEYS[2], ARGV[2])
  redis.call('HSET', KEYS[3], ARGV[2], ARGV[1])
  redis.call('DEL', KEYS[1])
  return 1
end
if redis.call('HGET', KEYS[3], ARGV[2]) == ARGV[1] then return 1 end
return 0
"""


@attrs.frozen
class WorkUnit:
    """One piece of a sync: a company, optionally one project and one tool in it.

    :param company_id: the company
    :param project_id: the project, or ``None`` for company-level work
    :param tool: the tool key, e.g. ``"rfi"``, or ``None`` for every tool

    .. code-block:: python

        units = [WorkUnit(8, project_id, "rfi") for project_id in (42, 43)]
        print(units[0].name)  # 8/42/rfi
    """

    company_id: int
    project_id: Optional[int] = None
    tool: Optional[str] = None

    @property
    def name(self) -> str:
        """``company/project/tool``, with ``-`` for a missing part."""
        parts = (self.company_id, self.project_id, self.tool)
        return "/".join("-" if part is None else str(part) for part in parts)


@attrs.define(eq=False)
class WorkLease:
    """A claim on one :class:`WorkUnit`, from :meth:`WorkLeases.claim`.

    As a context manager it keeps the lease alive (a daemon thread extends it every third of
    its lifetime), marks the unit done when the block ends normally and gives it back when it
    raises.

    :ivar unit: the unit
    :ivar fence: grows with every claim of the unit: a later holder has a larger one
    :ivar expires_at: when the lease expires unless extended, in Redis's epoch seconds

    .. code-block:: python

        with lease:
            export(lease.unit)
    """

    unit: WorkUnit
    fence: int
    expires_at: float
    _leases: WorkLeases = attrs.field(repr=False)
    _holder: str = attrs.field(repr=False)
    _heartbeat: Optional[Heartbeat] = attrs.field(default=None, init=False, repr=False)
    finished: bool = attrs.field(default=False, init=False)

    def renew(self) -> None:
        """Extend the lease by its ttl.

        :raises LeaseLostError: when it expired or another worker holds it now
        """
        if not self._leases._extend_lease(self):
            raise LeaseLostError(f"the lease on {self.unit.name} expired before it was renewed")

    def complete(self) -> None:
        """Record the unit as done in this run and free it.

        :raises LeaseLostError: when the lease is no longer ours: another worker may be doing
            the unit, so it is not recorded as done by us
        """
        self._stop()
        self.finished = True
        self._leases._complete(self)

    def release(self) -> None:
        """Give the unit back undone, for another worker to claim."""
        self._stop()
        self.finished = True
        self._leases._release(self)

    def __enter__(self) -> WorkLease:
        self._heartbeat = Heartbeat(lambda: self._leases._extend_lease(self), self._leases.ttl)
        return self

    def __exit__(self, kind: Any, *exc: object) -> None:
        if self.finished:
            return
        if kind is None:
            self.complete()
        else:
            self.release()

    def _stop(self) -> None:
        heartbeat, self._heartbeat = self._heartbeat, None
        if heartbeat is not None:
            heartbeat.stop()


class WorkLeases:
    """Leases on :class:`WorkUnit` s, so that a fleet does each unit of a run once.

    - :meth:`claim` gives a unit to one worker at a time; the lease expires ``ttl`` seconds
      (on Redis's clock, whatever the hosts' clocks say) after its last extension, so a
      crashed worker's units return to the pool.
    - :meth:`WorkLease.complete` records the unit as done in this ``run``: it is never
      claimed again in the run.

    :param redis: a ``redis.Redis`` client or a ``redis://`` URL
    :param run: names this run, e.g. ``"nightly-2026-11-29"``; done units are per run
    :param prefix: prefix of every Redis key (default: ``"procore-dc"``)
    :param ttl: seconds a lease outlives its last extension (default: 300)
    :raises ConfigurationError: for an empty run name or a non-positive ttl

    .. code-block:: python

        leases = WorkLeases("redis://localhost:6379/0", run="nightly")
        while (lease := leases.claim_next(units)) is not None:
            with lease:
                export(lease.unit)
    """

    def __init__(
        self, redis: Any, run: str, *, prefix: str = "procore-dc", ttl: float = 300.0
    ) -> None:
        if not isinstance(run, str) or not run.strip():
            raise ConfigurationError("run must be a non-empty string, e.g. 'nightly-2026-11-29'")
        if not isinstance(ttl, (int, float)) or ttl <= 0:
            raise ConfigurationError("ttl must be a positive number of seconds")
        self.redis = connect(redis)
        self.run = run.strip()
        self.ttl = float(ttl)
        self._base = f"{prefix}:work:{{{self.run}}}"
        self._claim = self.redis.register_script(_CLAIM)
        self._complete_script = self.redis.register_script(_COMPLETE)
        self._extend = self.redis.register_script(EXTEND)
        self._release_script = self.redis.register_script(RELEASE)

    def __repr__(self) -> str:
        return f"WorkLeases(run={self.run!r}, redis={describe(self.redis)!r})"

    def claim(self, unit: WorkUnit) -> Optional[WorkLease]:
        """Claim ``unit``: its lease, or ``None`` when it is done or another worker holds it.

        :raises TransportError: when Redis is unreachable
        """
        if not isinstance(unit, WorkUnit):
            raise ConfigurationError(f"expected a WorkUnit, got {type(unit).__name__}")
        holder = new_holder_id()
        keys = [self._lease_key(unit), f"{self._base}:fence", f"{self._base}:done"]
        args: list[Any] = [holder, int(self.ttl * 1000), unit.name]
        fence, expires = call(self.redis, f"claim {unit.name}", lambda: self._claim(keys, args))
        if not fence:
            return None
        return WorkLease(unit, int(fence), int(expires) / 1000.0, self, holder)

    def claim_next(self, units: Iterable[WorkUnit]) -> Optional[WorkLease]:
        """Claim the first unit of ``units`` that is neither done nor held; ``None`` if none."""
        for unit in units:
            lease = self.claim(unit)
            if lease is not None:
                return lease
        return None

    def is_done(self, unit: WorkUnit) -> bool:
        """Whether ``unit`` was completed in this run."""
        key = f"{self._base}:done"
        return bool(
            call(self.redis, "read the done units", lambda: self.redis.sismember(key, unit.name))
        )

    def done(self) -> set[str]:
        """The names of the units completed in this run."""
        key = f"{self._base}:done"
        names = call(self.redis, "read the done units", lambda: self.redis.smembers(key))
        return {n.decode() if isinstance(n, bytes) else str(n) for n in names}  # type: ignore[union-attr, unused-ignore]

    def now(self) -> float:
        """Redis's clock, in epoch seconds: the one leases are measured on."""
        return call(self.redis, "read the Redis clock", lambda: server_time(self.redis))

    def forget(self) -> None:
        """Forget which units this run completed (start the run again)."""
        keys = (f"{self._base}:done", f"{self._base}:done:by")
        call(self.redis, "forget the run", lambda: self.redis.delete(*keys))

    # -- used by WorkLease ------------------------------------------------------------------

    def _lease_key(self, unit: WorkUnit) -> str:
        return f"{self._base}:lease:{unit.name}"

    def _extend_lease(self, lease: WorkLease) -> bool:
        keys = [self._lease_key(lease.unit)]
        args: list[Any] = [lease._holder, int(self.ttl * 1000)]
        what = f"renew the lease on {lease.unit.name}"
        return bool(call(self.redis, what, lambda: self._extend(keys, args)))

    def _complete(self, lease: WorkLease) -> None:
        keys = [self._lease_key(lease.unit), f"{self._base}:done", f"{self._base}:done:by"]
        args = [lease._holder, lease.unit.name]
        ok = call(
            self.redis, f"complete {lease.unit.name}", lambda: self._complete_script(keys, args)
        )
        if not ok:
            raise LeaseLostError(
                f"the lease on {lease.unit.name} expired or was taken over before the unit "
                "was completed; it is not recorded as done"
            )

    def _release(self, lease: WorkLease) -> None:
        keys, args = [self._lease_key(lease.unit)], [lease._holder]
        call(self.redis, f"release {lease.unit.name}", lambda: self._release_script(keys, args))
