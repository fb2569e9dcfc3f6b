"""RedisRateLimiter: one rate budget for a whole fleet, kept in Redis, taken by Lua scripts."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Optional

from procore_dc._headers import parse_rate_limit_headers
from procore_dc._redis.client import call, connect, describe, log
from procore_dc.exceptions import ConfigurationError, TransportError
from procore_dc.rate_budget import LATE, PROBE_TTL, PROBE_WAIT, BudgetScope, RateBudget

__all__ = ["RedisRateLimiter"]

# A scope's hash: `limits` ("25,3600"), and per limit L: `rem:L` (permits left), `reset:L`
# (ms, 0 once rolled over), `from:L` (the reset it rolled over from), `late:L` (permits taken
# within LATE of the reset, which the next window starts without); `probe` (ms).
# Times are Redis TIME, so every host measures windows on the same clock.
_NOW = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
"""

# KEYS: scope hash. ARGV: margin ms, probe wait ms, probe ttl ms, key ttl ms, late ms.
# Returns 0 when a permit was taken, else the ms to wait.
_TAKE = (
    _NOW
    + """
local limits = redis.call('HGET', KEYS[1], 'limits')
if not limits then
  if now < tonumber(redis.call('HGET', KEYS[1], 'probe') or '0') then
    return tonumber(ARGV[2])
  end
  redis.call('HSET', KEYS[1], 'probe', now + tonumber(ARGV[3]))
  redis.call('PEXPIRE', KEYS[1], ARGV[4])
  return 0
end
local wait = 0
local names = {}
for l in string.gmatch(limits, '[^,]+') do
  local rem = tonumber(redis.call('HGET', KEYS[1], 'rem:' .. l))
  local reset = tonumber(redis.call('HGET', KEYS[1], 'reset:' .. l))
  if reset > 0 and now >= reset then
    rem = tonumber(l) - tonumber(redis.call('HGET', KEYS[1], 'late:' .. l) or '0')
    redis.call('HSET', KEYS[1], 'from:' .. l, reset, 'reset:' .. l, 0, 'rem:' .. l, rem)
    redis.call('HSET', KEYS[1], 'late:' .. l, 0)
    reset = 0
  end
  if rem <= 0 then
    local left = tonumber(ARGV[2])
    if reset > 0 then left = reset - now end
    wait = math.max(wait, left + tonumber(ARGV[1]))
  end
  names[#names + 1] = {l, reset}
end
if wait > 0 then return wait end
for _, w in ipairs(names) do
  redis.call('HINCRBY', KEYS[1], 'rem:' .. w[1], -1)
  if w[2] > 0 and w[2] - now <= tonumber(ARGV[5]) then
    redis.call('HINCRBY', KEYS[1], 'late:' .. w[1], 1)
  end
end
return 0
"""
)

# KEYS: scope hash. ARGV: limit, remaining, reset ms, key ttl ms (limit '' for no headers).
_OBSERVE = """
redis.call('HDEL', KEYS[1], 'probe')
if ARGV[1] == '' then return 0 end
local l, r, t = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
local limits = redis.call('HGET', KEYS[1], 'limits')
local known = false
if limits then
  for x in string.gmatch(limits, '[^,]+') do
    if x == l then known = true end
  end
end
if not known then
  local all = l
  if limits then all = limits .. ',' .. l end
  redis.call('HSET', KEYS[1], 'limits', all, 'rem:' .. l, r, 'reset:' .. l, t, 'from:' .. l, 0)
else
  local rem = tonumber(redis.call('HGET', KEYS[1], 'rem:' .. l))
  local reset = tonumber(redis.call('HGET', KEYS[1], 'reset:' .. l))
  if reset == 0 then
    if t > tonumber(redis.call('HGET', KEYS[1], 'from:' .. l)) then
      redis.call('HSET', KEYS[1], 'reset:' .. l, t, 'rem:' .. l, math.min(rem, r))
    end
  elseif t == reset then
    redis.call('HSET', KEYS[1], 'rem:' .. l, math.min(rem, r))
  elseif t > reset then
    redis.call('HSET', KEYS[1], 'reset:' .. l, t, 'rem:' .. l, r)
  end
end
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return 1
"""

_KEY_TTL_MS = 2 * 3600 * 1000  # longer than Procore's longest window


class RedisRateLimiter:
    """A :class:`~procore_dc.rate_budget.RateBudget` that every process of a fleet shares.

    Each response's ``X-Rate-Limit-*`` headers update one Redis hash per app, token owner
    and company (:class:`~procore_dc.rate_budget.BudgetScope`); each request first takes a
    permit from it in one Lua script, so no two workers spend the same permit. With no permit
    left, workers wait for the window's ``Reset`` (on Redis's clock) instead of collecting
    429s; the fleet as a whole stays inside the limit. The rules are those of
    :class:`~procore_dc.rate_budget.LocalRateBudget`.

    :param redis: a ``redis.Redis`` client or a ``redis://`` URL
    :param prefix: prefix of every Redis key (default: ``"procore-dc"``)
    :param margin: seconds added to a wait for ``Reset`` (default: 0.1)
    :param fallback: a budget to use while Redis is unreachable, e.g.
        ``LocalRateBudget()`` (default: none: raise ``TransportError``)
    :raises ConfigurationError: for a negative margin or a fallback that is not a budget

    .. code-block:: python

        from procore_dc import Session
        from procore_dc.redis import RedisRateLimiter

        budget = RedisRateLimiter("redis://localhost:6379/0")
        session = Session(auth, company_id=8, rate_budget=budget)
    """

    def __init__(
        self,
        redis: Any,
        *,
        prefix: str = "procore-dc",
        margin: float = 0.1,
        fallback: Optional[RateBudget] = None,
    ) -> None:
        if not isinstance(margin, (int, float)) or margin < 0:
            raise ConfigurationError("margin must be a number of seconds >= 0")
        if fallback is not None and not isinstance(fallback, RateBudget):
            raise ConfigurationError("fallback must be a RateBudget, e.g. LocalRateBudget()")
        self.redis = connect(redis)
        self.prefix = prefix
        self.margin = float(margin)
        self.fallback = fallback
        self._take = self.redis.register_script(_TAKE)
        self._observe = self.redis.register_script(_OBSERVE)

    def __repr__(self) -> str:
        return f"RedisRateLimiter(redis={describe(self.redis)!r}, prefix={self.prefix!r})"

    def key(self, scope: BudgetScope) -> str:
        """The Redis key of ``scope``'s windows."""
        return f"{self.prefix}:rate:{{{scope.name}}}"

    def take(self, scope: BudgetScope) -> float:
        """Take a permit (return 0), or return the seconds to wait before asking again.

        :raises TransportError: when Redis is unreachable and there is no fallback
        """
        args = [int(self.margin * 1000), int(PROBE_WAIT * 1000), int(PROBE_TTL * 1000)]
        try:
            waited = call(
                self.redis,
                "take a rate-limit permit",
                lambda: self._take([self.key(scope)], [*args, _KEY_TTL_MS, int(LATE * 1000)]),
            )
        except TransportError:
            if self.fallback is None:
                raise
            log.warning("%r: Redis is unreachable; pacing on %r", self, self.fallback)
            return self.fallback.take(scope)
        return int(waited) / 1000.0

    def observe(self, scope: BudgetScope, headers: Mapping[str, str]) -> None:
        """Fold one response's ``X-Rate-Limit-*`` headers into the shared windows.

        Never raises for an unreachable Redis (a WARNING instead): the response it describes
        has arrived, and a call that succeeded must not be reported as failed (a caller might
        send a POST again). The next answer carries the same headers.
        """
        seen = parse_rate_limit_headers(headers)
        if seen.limit is None or seen.remaining is None or seen.reset_at is None:
            args: list[Any] = ["", 0, 0]
        else:
            args = [seen.limit, seen.remaining, int(seen.reset_at.timestamp() * 1000)]
        try:
            call(
                self.redis,
                "share the rate-limit headers",
                lambda: self._observe([self.key(scope)], [*args, _KEY_TTL_MS]),
            )
        except TransportError as exc:
            if self.fallback is not None:
                self.fallback.observe(scope, headers)
            else:
                log.warning("%r: could not share the rate-limit headers (%s)", self, exc)
