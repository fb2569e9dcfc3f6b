"""RedisTokenStore: one token per key in Redis, renewed under a distributed lease."""

from __future__ import annotations

import contextlib
import hashlib
import json
import threading
import time
from collections.abc import Iterator
from typing import Any, Callable, Optional, TypeVar

import attrs
import redis

from procore_dc._redis.client import call, connect, describe, log, warn_if_volatile
from procore_dc._redis.lease import (
    ACQUIRE,
    EXTEND,
    RELEASE,
    Heartbeat,
    new_holder_id,
    wait_step,
)
from procore_dc.auth.stores import TokenStore
from procore_dc.auth.tokens import Token
from procore_dc.exceptions import ConfigurationError, InvalidGrantError, TransportError

__all__ = ["RedisTokenStore"]

T = TypeVar("T")

# KEYS: token hash, renewing hash, fence counter. ARGV: token JSON, fence (0: no lease held).
# A fenced write older than the stored one is refused (returns 0); an unfenced write (a new
# sign-in) takes a fresh fence, so it wins over any renewal still in flight.
_SAVE = """
local fence = tonumber(ARGV[2])
if fence > 0 then
  local stored = tonumber(redis.call('HGET', KEYS[1], 'fence') or '0')
  if fence < stored then return 0 end
else
  fence = redis.call('INCR', KEYS[3])
end
redis.call('HSET', KEYS[1], 'data', ARGV[1], 'fence', fence)
redis.call('DEL', KEYS[2])
return 1
"""

# KEYS: token hash, renewing hash, fence counter. Keeps a fresh fence as a tombstone, so that
# a renewal begun before the delete cannot bring the token back.
_DELETE = """
local fence = redis.call('INCR', KEYS[3])
redis.call('HDEL', KEYS[1], 'data')
redis.call('HSET', KEYS[1], 'fence', fence)
redis.call('DEL', KEYS[2])
return fence
"""

# KEYS: renewing hash. ARGV: refresh-token fingerprint, fence.
# Returns 0 when an earlier holder began spending the same refresh token and never finished.
_BEGIN = """
local found = redis.call('HMGET', KEYS[1], 'fp', 'fence')
if found[1] == ARGV[1] and found[2] ~= ARGV[2] then return 0 end
redis.call('HSET', KEYS[1], 'fp', ARGV[1], 'fence', ARGV[2])
redis.call('EXPIRE', KEYS[1], 86400)
return 1
"""


class RedisTokenStore:
    """A token in Redis, shared by every process on every host that uses the same key.

    - The token for ``key`` (an app and a user, or an app and a company: your choice of name)
      is one Redis hash, written by one Lua script: readers see the old token or the new one.
    - :meth:`lock` takes a **renewal lease**: one holder across all hosts, expiring ``lease_ttl``
      seconds after its holder stops extending it (a daemon thread extends it while held), so a
      holder killed mid-renewal delays the others by at most ``lease_ttl``. Each lease carries a
      fencing number; a save from an older lease than the stored token's is refused.
    - Before a refresh token is spent the store records which one; if the next holder finds a
      renewal that was begun but never saved (its holder died), it raises
      :class:`~procore_dc.exceptions.InvalidGrantError` rather than sending that refresh token
      a second time (Procore refresh tokens are single-use).
    - Redis unreachable: :class:`~procore_dc.exceptions.TransportError`, or, with
      ``fallback=MemoryTokenStore()``, a WARNING and that store instead (one process's state).
    - On first use it logs a WARNING if Redis has persistence off: a restart would lose every
      token (a service account re-authenticates; users must sign in again).

    :param redis: a ``redis.Redis`` client or a ``redis://`` URL
    :param key: names the token, e.g. ``"acme-sync:company:8"`` or ``"acme-web:user:42"``
    :param prefix: prefix of every Redis key (default: ``"procore-dc"``)
    :param lease_ttl: seconds a renewal lease outlives its last extension (default: 30)
    :param lock_timeout: seconds to wait for the lease before raising ``TransportError``
        (default: 120)
    :param fallback: a token store to use while Redis is unreachable (default: none: raise)
    :raises ConfigurationError: for an empty key or non-positive times

    .. code-block:: python

        from procore_dc import ServiceAccountAuth
        from procore_dc.redis import RedisTokenStore

        store = RedisTokenStore("redis://localhost:6379/0", key="acme-sync:dmsa")
        auth = ServiceAccountAuth(client_id, client_secret, store=store)
    """

    def __init__(
        self,
        redis: Any,
        key: str,
        *,
        prefix: str = "procore-dc",
        lease_ttl: float = 30.0,
        lock_timeout: float = 120.0,
        fallback: Optional[TokenStore] = None,
    ) -> None:
        if not isinstance(key, str) or not key.strip():
            raise ConfigurationError("key must be a non-empty string, e.g. 'my-app:user:42'")
        if not isinstance(prefix, str) or not prefix:
            raise ConfigurationError("prefix must be a non-empty string")
        for name, value in (("lease_ttl", lease_ttl), ("lock_timeout", lock_timeout)):
            if not isinstance(value, (int, float)) or value <= 0:
                raise ConfigurationError(f"{name} must be a positive number of seconds")
        if fallback is not None and not isinstance(fallback, TokenStore):
            raise ConfigurationError("fallback must be a TokenStore, e.g. MemoryTokenStore()")
        self.redis = connect(redis)
        self.key = key.strip()
        self.lease_ttl = float(lease_ttl)
        self.lock_timeout = float(lock_timeout)
        self.fallback = fallback
        # One hash tag: every key of this token lands in the same Redis Cluster slot.
        base = f"{prefix}:{{{self.key}}}"
        self._token_key = f"{base}:token"
        self._lease_key = f"{base}:lease"
        self._fence_key = f"{base}:fence"
        self._renewing_key = f"{base}:renewing"
        self._save = self.redis.register_script(_SAVE)
        self._forget = self.redis.register_script(_DELETE)
        self._begin = self.redis.register_script(_BEGIN)
        self._acquire = self.redis.register_script(ACQUIRE)
        self._extend = self.redis.register_script(EXTEND)
        self._release = self.redis.register_script(RELEASE)
        self._thread_lock = threading.RLock()
        self._depth = 0
        self._holder = new_holder_id()
        self._fence = 0  # the fence of the lease this store holds, 0 when none
        self._heartbeat: Optional[Heartbeat] = None
        self._owner: Optional[int] = None  # the thread holding the lease
        self._checked = False
        self._on_fallback = False

    def __repr__(self) -> str:
        return f"RedisTokenStore(key={self.key!r}, redis={describe(self.redis)!r})"

    # -- TokenStore ----------------------------------------------------------------------

    def load(self) -> Optional[Token]:
        """Return the stored token, or ``None``.

        :raises ConfigurationError: when the stored value is not a token (it is left as is)
        :raises TransportError: when Redis is unreachable and there is no fallback
        """
        raw = self._redis("load the token", lambda: self.redis.hget(self._token_key, "data"))
        if raw is _FELL_BACK:
            assert self.fallback is not None
            return self.fallback.load()
        if raw is None:
            return None
        try:
            return Token.from_dict(json.loads(raw))
        except (ValueError, ConfigurationError) as exc:
            raise ConfigurationError(
                f"the token stored under {self._token_key!r} is corrupt ({type(exc).__name__});"
                " it was left in place: delete it and sign in again"
            ) from None

    def save(self, token: Token) -> None:
        """Store ``token`` atomically (refused, with a WARNING, if a later lease saved already)."""
        if not isinstance(token, Token):
            raise ConfigurationError(f"expected a Token, got {type(token).__name__}")
        payload = json.dumps(token.to_dict(), sort_keys=True)
        fence = self._fence if self._owner == threading.get_ident() else 0
        keys = [self._token_key, self._renewing_key, self._fence_key]
        stored = self._redis("save the token", lambda: self._save(keys, [payload, fence]))
        if stored is _FELL_BACK:
            assert self.fallback is not None
            self.fallback.save(token)
        elif not stored:
            log.warning(
                "%r: this worker's lease expired before it saved, and a later holder saved a "
                "newer token; this one was discarded",
                self,
            )

    def delete(self) -> None:
        """Forget the token; a renewal still in flight elsewhere can no longer save."""
        keys = [self._token_key, self._renewing_key, self._fence_key]
        if self._redis("delete the token", lambda: self._forget(keys)) is _FELL_BACK:
            assert self.fallback is not None
            self.fallback.delete()

    @contextlib.contextmanager
    def lock(self) -> Iterator[None]:
        """Hold the renewal lease (re-entrant within a thread; threads of this process queue).

        :raises TransportError: when the lease is not free within ``lock_timeout`` seconds, or
            Redis is unreachable and there is no fallback
        """
        with self._thread_lock:
            if self._depth == 0:
                self._take_lease()
            self._depth += 1
            try:
                if self._on_fallback:
                    assert self.fallback is not None
                    with self.fallback.lock():
                        yield
                else:
                    yield
            finally:
                self._depth -= 1
                if self._depth == 0:
                    self._give_back_lease()

    # -- RenewalGuard ----------------------------------------------------------------------

    def begin_renewal(self, current: Optional[Token]) -> None:
        """Record that ``current``'s refresh token is being spent under this lease.

        :raises InvalidGrantError: when an earlier holder began spending the same refresh
            token and died before saving the result; the token is then kept without it
        """
        if current is None or current.refresh_token is None or not self._fence:
            return  # nothing single-use at stake, or not under a Redis lease
        fingerprint = hashlib.sha256(current.refresh_token.encode()).hexdigest()[:32]
        fence = self._fence
        begun = self._redis(
            "record the renewal", lambda: self._begin([self._renewing_key], [fingerprint, fence])
        )
        if begun is _FELL_BACK or begun:
            return
        self.save(attrs.evolve(current, refresh_token=None))
        log.warning("%r: a worker died while spending the refresh token; sign in again", self)
        raise InvalidGrantError(
            error="invalid_grant",
            error_description=(
                "a worker that was renewing this token stopped before saving the answer (its "
                "lease expired), so the single-use refresh token may be spent; it is not sent "
                "again: sign in again"
            ),
        )

    def abandon_renewal(self) -> None:
        """Forget the renewal record: the token request failed without spending anything."""
        if self._fence:
            self._redis("forget the renewal", lambda: self.redis.delete(self._renewing_key))

    # -- machinery -------------------------------------------------------------------------

    def _check_persistence(self) -> None:
        warn_if_volatile(self.redis)
        self._checked = True

    def _redis(self, what: str, operation: Callable[[], T]) -> Any:
        """Run ``operation``; on an unreachable Redis use the fallback (returns ``_FELL_BACK``)."""
        try:
            if not self._checked:
                call(self.redis, "read the persistence settings", self._check_persistence)
            return call(self.redis, what, operation)
        except TransportError:
            if self.fallback is None:
                raise
            log.warning(
                "%r: Redis is unreachable; using %r (%s) until it is back",
                self,
                self.fallback,
                what,
            )
            return _FELL_BACK

    def _take_lease(self) -> None:
        started = time.monotonic()
        ttl_ms = int(self.lease_ttl * 1000)
        keys = [self._lease_key, self._fence_key]
        while True:
            answer = self._redis(
                "take the renewal lease", lambda: self._acquire(keys, [self._holder, ttl_ms])
            )
            if answer is _FELL_BACK:
                self._on_fallback = True
                return
            fence, left = int(answer[0]), int(answer[1])
            if fence:
                self._fence = fence
                self._owner = threading.get_ident()
                self._on_fallback = False
                self._heartbeat = Heartbeat(self._extend_lease, self.lease_ttl)
                return
            if time.monotonic() - started >= self.lock_timeout:
                raise TransportError(
                    f"waited {self.lock_timeout:g} s for the renewal lease of {self.key!r}: "
                    "another worker holds it and keeps it alive (a stuck token request?)"
                )
            time.sleep(wait_step(left, started, self.lock_timeout))

    def _extend_lease(self) -> bool:
        return bool(self._extend([self._lease_key], [self._holder, int(self.lease_ttl * 1000)]))

    def _give_back_lease(self) -> None:
        heartbeat, self._heartbeat = self._heartbeat, None
        self._fence = 0
        self._owner = None
        if self._on_fallback:
            self._on_fallback = False
            return
        if heartbeat is not None:  # pragma: no branch - set whenever a lease was taken
            heartbeat.stop()
        # A release that fails leaves the lease to expire on its own: nothing to undo.
        with contextlib.suppress(redis.RedisError):
            self._release([self._lease_key], [self._holder])


_FELL_BACK: Any = object()
