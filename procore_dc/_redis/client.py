"""The Redis connection every coordination helper shares, and its failure semantics.

- :func:`connect` accepts a ``redis.Redis`` client or a URL. :func:`call` rides out an outage
  of up to ``OUTAGE_SECONDS`` (a restart) for clients made from a URL, retrying with backoff;
  a client you pass in keeps its own retry settings. Every script is idempotent, so a retry
  after a dropped answer is safe.
- :func:`translated` turns redis-py errors into the SDK's: unreachable or timing out is a
  :class:`~procore_dc.exceptions.TransportError`, refused credentials or a bad answer a
  :class:`~procore_dc.exceptions.ConfigurationError`.
- :func:`warn_if_volatile` logs one WARNING per server when neither RDB snapshots nor the AOF
  are on: a restart then loses every token.
- :func:`server_time` is Redis ``TIME``, the one clock every host agrees on.
"""

from __future__ import annotations

import contextlib
import threading
import time
import weakref
from collections.abc import Iterator
from typing import Any, Callable, TypeVar, Union

import redis
from redis.backoff import ExponentialBackoff
from redis.retry import Retry

from procore_dc._redact import get_logger, redact_url
from procore_dc.exceptions import ConfigurationError, TransportError

__all__ = [
    "RedisLike",
    "call",
    "connect",
    "describe",
    "server_time",
    "translated",
    "warn_if_volatile",
]

T = TypeVar("T")

log = get_logger("procore_dc.redis")

#: A redis-py client (``redis.Redis``) or a ``redis://`` / ``rediss://`` / ``unix://`` URL.
RedisLike = Union["redis.Redis", str]

#: A client made from a URL retries a broken connection this many times (backoff up to 1 s
#: each), which covers a restart of a few seconds.
URL_RETRIES = 8
#: How long :func:`call` keeps retrying an unreachable Redis for a client made from a URL.
OUTAGE_SECONDS = 6.0

# Clients made by connect(): the ones whose outage policy is ours to set.
_OURS: weakref.WeakSet[redis.Redis] = weakref.WeakSet()

_warned: set[str] = set()
_warned_lock = threading.Lock()


def connect(target: Any) -> redis.Redis:
    """Return a redis-py client for ``target`` (a client is returned as it is).

    :raises ConfigurationError: for anything else, or a URL redis-py cannot read
    """
    if isinstance(target, redis.Redis):
        return target
    if isinstance(target, str):
        try:
            client = redis.Redis.from_url(
                target,
                retry=Retry(ExponentialBackoff(cap=1.0, base=0.05), URL_RETRIES),
                retry_on_error=[redis.ConnectionError, redis.TimeoutError],
                socket_connect_timeout=5,
                socket_timeout=10,
                health_check_interval=30,
            )
        except ValueError as exc:
            raise ConfigurationError(
                f"cannot use the Redis URL {redact_url(target)!r}: {exc}"
            ) from None
        _OURS.add(client)
        return client
    raise ConfigurationError(
        f"expected a redis.Redis client or a redis:// URL, got {type(target).__name__}"
    )


def describe(client: redis.Redis) -> str:
    """``host:port/db`` (or the socket path) of a client, without its password."""
    kwargs = client.connection_pool.connection_kwargs
    if "path" in kwargs:
        return f"unix:{kwargs['path']}"
    return f"{kwargs.get('host', 'localhost')}:{kwargs.get('port', 6379)}/{kwargs.get('db', 0)}"


@contextlib.contextmanager
def translated(client: redis.Redis, what: str) -> Iterator[None]:
    """Raise the SDK's errors for redis-py's, naming ``what`` was being done and where."""
    try:
        yield
    except (redis.ConnectionError, redis.TimeoutError) as exc:
        raise TransportError(
            f"{what}: Redis at {describe(client)} is unreachable ({type(exc).__name__}); "
            "check that it runs, or pass fallback= to keep going on in-process state"
        ) from exc
    except redis.AuthenticationError as exc:  # pragma: no cover - a subclass of ConnectionError
        raise ConfigurationError(f"{what}: Redis refused the credentials") from exc
    except redis.RedisError as exc:
        raise ConfigurationError(
            f"{what}: Redis at {describe(client)} answered {type(exc).__name__}: {exc}"
        ) from exc


def call(client: redis.Redis, what: str, operation: Callable[[], T]) -> T:
    """Run ``operation`` with the SDK's errors; ride out a short outage on our own clients.

    Older redis-py versions (the ones Python 3.9 gets) connect outside their retry loop, so
    the retry is here, for every version alike.
    """
    deadline = time.monotonic() + (OUTAGE_SECONDS if client in _OURS else 0.0)
    delay = 0.05
    with translated(client, what):
        while True:
            try:
                return operation()
            except redis.AuthenticationError:
                raise
            except (redis.ConnectionError, redis.TimeoutError):
                if time.monotonic() + delay > deadline:
                    raise
                log.debug("Redis at %s is unreachable; trying again", describe(client))
                time.sleep(delay)
                delay = min(1.0, delay * 2)


def server_time(client: redis.Redis) -> float:
    """Redis ``TIME`` in epoch seconds: leases on every host are measured on this clock."""
    # redis-py types its commands as sync-or-async unions in some versions: hence the ignores.
    seconds, micros = client.time()  # type: ignore[misc, unused-ignore]
    return float(seconds) + float(micros) / 1e6


def warn_if_volatile(client: redis.Redis) -> bool:
    """Log a WARNING (once per server) when Redis would lose everything on a restart.

    :return: whether persistence is off; ``False`` also when the server hides its settings
        (managed Redis often disables ``CONFIG``)
    """
    where = describe(client)
    try:
        save = client.config_get("save").get("save", "")  # type: ignore[union-attr, unused-ignore]
        aof = client.config_get("appendonly").get("appendonly", "no")  # type: ignore[union-attr, unused-ignore]
    except redis.ResponseError:
        log.debug("Redis at %s does not show its persistence settings", where)
        return False
    save_text = save.decode() if isinstance(save, bytes) else str(save)
    aof_text = aof.decode() if isinstance(aof, bytes) else str(aof)
    if save_text.strip() or aof_text.strip().lower() == "yes":
        return False
    with _warned_lock:
        first = where not in _warned
        _warned.add(where)
    if first:
        log.warning(
            "Redis at %s has persistence off (save '' and appendonly no): a restart loses "
            "every stored token. Service accounts re-authenticate, but user-level tokens are "
            "LOST and each user must sign in again. Turn on appendonly (or RDB snapshots).",
            where,
        )
    return True
