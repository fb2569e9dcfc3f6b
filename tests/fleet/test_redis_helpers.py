"""RedisTokenStore, RedisRateLimiter and WorkLeases in one process, against a real redis-server:
atomic values, fencing, lease expiry and extension, Redis's clock, failure semantics."""

from __future__ import annotations

import json
import logging
import threading
import time
from datetime import datetime, timedelta, timezone
from typing import Any, Optional

import pytest

from .conftest import NO_REDIS_PY

redis = pytest.importorskip("redis", reason=NO_REDIS_PY)


from procore_dc import ConfigurationError, LeaseLostError, MemoryTokenStore, Token, TransportError  # noqa: E402
from procore_dc._redis.client import connect, describe, translated, warn_if_volatile  # noqa: E402
from procore_dc.rate_budget import PROBE_WAIT, BudgetScope, LocalRateBudget  # noqa: E402
from procore_dc.redis import RedisRateLimiter, RedisTokenStore, WorkLeases, WorkUnit  # noqa: E402

from .conftest import free_port  # noqa: E402

NOWHERE = f"redis://127.0.0.1:{free_port()}/0"  # nothing listens there


EXPIRES = datetime.now(timezone.utc) + timedelta(hours=1)


def token(name: str = "a", refresh: Optional[str] = "r-1") -> Token:
    return Token(
        f"access-{name}-0123456789",
        expires_at=EXPIRES,
        refresh_token=refresh,
    )


def unreachable() -> redis.Redis:
    return redis.Redis.from_url(NOWHERE, socket_connect_timeout=0.2)


# -- RedisTokenStore ------------------------------------------------------------------------


def test_load_save_delete_round_trip(redis_server: Any) -> None:
    store = RedisTokenStore(redis_server.url, key="k")
    assert store.load() is None
    store.save(token())
    assert store.load() == token()
    store.delete()
    assert store.load() is None
    assert repr(store) == f"RedisTokenStore(key='k', redis='127.0.0.1:{redis_server.port}/0')"
    assert "access-a" not in repr(store)


def test_a_corrupt_value_is_reported_and_left_alone(redis_server: Any) -> None:
    client = redis_server.client()
    client.hset("procore-dc:{k}:token", "data", "{not json")
    store = RedisTokenStore(client, key="k")
    with pytest.raises(ConfigurationError, match="corrupt"):
        store.load()
    client.hset("procore-dc:{k}:token", "data", json.dumps({"access_token": ""}))
    with pytest.raises(ConfigurationError, match="corrupt"):
        store.load()
    assert client.hget("procore-dc:{k}:token", "data") is not None


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"key": " "}, "key"),
        ({"key": "k", "prefix": ""}, "prefix"),
        ({"key": "k", "lease_ttl": 0}, "lease_ttl"),
        ({"key": "k", "lock_timeout": -1}, "lock_timeout"),
        ({"key": "k", "fallback": object()}, "fallback"),
    ],
)
def test_bad_store_arguments(redis_server: Any, kwargs: dict[str, Any], match: str) -> None:
    with pytest.raises(ConfigurationError, match=match):
        RedisTokenStore(redis_server.url, **kwargs)
    with pytest.raises(ConfigurationError, match="Token"):
        RedisTokenStore(redis_server.url, key="k").save("token")  # type: ignore[arg-type]


def test_a_save_from_an_expired_lease_cannot_overwrite_a_later_holder(
    redis_server: Any, caplog: pytest.LogCaptureFixture
) -> None:
    slow = RedisTokenStore(redis_server.url, key="k")
    fast = RedisTokenStore(redis_server.url, key="k")
    with slow.lock():
        redis_server.client().delete("procore-dc:{k}:lease")  # as if it had expired
        with fast.lock():
            fast.save(token("fast"))
        with caplog.at_level(logging.WARNING, logger="procore_dc.redis"):
            slow.save(token("slow"))
    assert fast.load() == token("fast")
    assert "discarded" in caplog.text


def test_a_save_outside_the_lease_wins_over_a_renewal_in_flight(redis_server: Any) -> None:
    renewing = RedisTokenStore(redis_server.url, key="k")
    signing_in = RedisTokenStore(redis_server.url, key="k")
    with renewing.lock():
        signing_in.save(token("new-sign-in"))
        renewing.save(token("renewed"))  # refused: the sign-in took a later fence
    assert renewing.load() == token("new-sign-in")
    with renewing.lock():
        signing_in.delete()
        renewing.save(token("renewed"))  # refused too: the token was deleted meanwhile
    assert renewing.load() is None


def test_the_lease_is_reentrant_excludes_others_and_is_extended_while_held(
    redis_server: Any,
) -> None:
    holder = RedisTokenStore(redis_server.url, key="k", lease_ttl=0.3)
    other = RedisTokenStore(redis_server.url, key="k", lock_timeout=0.2)
    with holder.lock(), holder.lock():
        time.sleep(0.5)  # longer than the ttl: the heartbeat keeps it
        with pytest.raises(TransportError, match="waited"), other.lock():
            pass  # pragma: no cover - never entered
    with other.lock():
        assert redis_server.client().exists("procore-dc:{k}:lease")
    assert not redis_server.client().exists("procore-dc:{k}:lease")


def test_a_heartbeat_that_finds_its_lease_gone_stops(redis_server: Any) -> None:
    store = RedisTokenStore(redis_server.url, key="k", lease_ttl=0.15)
    with store.lock():
        heartbeat = store._heartbeat
        assert heartbeat is not None
        redis_server.client().delete("procore-dc:{k}:lease")
        deadline = time.monotonic() + 5
        while not heartbeat.lost:
            assert time.monotonic() < deadline
            time.sleep(0.02)


def test_a_renewal_begun_by_a_dead_holder_is_refused_and_recorded(redis_server: Any) -> None:
    from procore_dc import InvalidGrantError

    dead = RedisTokenStore(redis_server.url, key="k")
    live = RedisTokenStore(redis_server.url, key="k")
    dead.save(token())
    with dead.lock():
        dead.begin_renewal(token())
        dead.begin_renewal(None)  # nothing single-use at stake: no record
        redis_server.client().delete("procore-dc:{k}:lease")  # it died; the lease expired
        with live.lock():
            with pytest.raises(InvalidGrantError, match="sign in again"):
                live.begin_renewal(token())
            stored = live.load()
            assert stored is not None
            assert stored.refresh_token is None
            live.abandon_renewal()
    live.abandon_renewal()  # outside a lease: nothing to forget
    with live.lock():
        live.begin_renewal(token(refresh="r-2"))
        live.abandon_renewal()  # the request failed before sending: the next one may go
    with dead.lock():
        dead.begin_renewal(token(refresh="r-2"))


def test_unreachable_redis_fails_fast_or_falls_back(caplog: pytest.LogCaptureFixture) -> None:
    strict = RedisTokenStore(unreachable(), key="k")
    with pytest.raises(TransportError, match="unreachable"):
        strict.load()
    with pytest.raises(TransportError), strict.lock():
        pass  # pragma: no cover - never entered
    fallback = MemoryTokenStore()
    lenient = RedisTokenStore(unreachable(), key="k", fallback=fallback)
    with caplog.at_level(logging.WARNING, logger="procore_dc.redis"):
        with lenient.lock():
            lenient.save(token())
            lenient.begin_renewal(token())
            assert lenient.load() == token()
        lenient.delete()
    assert fallback.load() is None
    assert "unreachable" in caplog.text


def test_persistence_off_is_a_warning_once_and_on_is_silent(
    redis_server: Any, persistent_redis: Any, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="procore_dc.redis"):
        RedisTokenStore(persistent_redis.url, key="k").load()
        assert caplog.records == []
        RedisTokenStore(redis_server.url, key="k").load()
        RedisTokenStore(redis_server.url, key="other").load()
    warnings = [r for r in caplog.records if "persistence off" in r.getMessage()]
    assert len(warnings) == 1
    assert "LOST" in warnings[0].getMessage()


def test_a_server_that_hides_its_config_gets_no_warning(redis_server: Any) -> None:
    class Managed(redis.Redis):
        def config_get(self, *args: Any, **kwargs: Any) -> Any:
            raise redis.ResponseError("unknown command 'CONFIG'")

    assert warn_if_volatile(Managed(port=redis_server.port)) is False


def test_connect_and_translate(redis_server: Any) -> None:
    client = redis_server.client()
    assert connect(client) is client
    with pytest.raises(ConfigurationError, match="Redis URL"):
        connect("http://nope")
    with pytest.raises(ConfigurationError, match=r"redis\.Redis client"):
        connect(42)
    assert describe(redis.Redis(unix_socket_path="/tmp/r.sock")) == "unix:/tmp/r.sock"
    with pytest.raises(ConfigurationError, match="ResponseError"), translated(client, "test"):
        client.execute_command("NOSUCHCOMMAND")


# -- RedisRateLimiter -----------------------------------------------------------------------

SCOPE = BudgetScope("app", "dmsa", 8)


def limits(limit: int, remaining: int, reset: float) -> dict[str, str]:
    return {
        "X-Rate-Limit-Limit": str(limit),
        "X-Rate-Limit-Remaining": str(remaining),
        "X-Rate-Limit-Reset": str(int(reset)),
    }


def test_the_shared_budget_follows_the_local_rules(redis_server: Any) -> None:
    budget = RedisRateLimiter(redis_server.url, margin=0.0)
    now = int(time.time())
    assert budget.take(SCOPE) == 0.0  # the probe
    assert budget.take(SCOPE) == PROBE_WAIT
    budget.observe(SCOPE, {})  # no headers: the next probe may go
    assert budget.take(SCOPE) == 0.0
    budget.observe(SCOPE, limits(25, 2, now + 100))
    assert [budget.take(SCOPE) for _ in range(2)] == [0.0, 0.0]
    assert 95 < budget.take(SCOPE) <= 101  # until Reset, on Redis's clock
    budget.observe(SCOPE, limits(25, 9, now + 100))  # never up within a window
    assert budget.take(SCOPE) > 0
    budget.observe(SCOPE, limits(25, 0, now - 50))  # a window long over: ignored
    budget.observe(SCOPE, limits(25, 20, now + 200))  # a newer window
    assert budget.take(SCOPE) == 0.0
    budget.observe(SCOPE, limits(3600, 0, now + 3000))  # the hourly window is spent
    assert budget.take(SCOPE) > 2000
    assert repr(budget).startswith("RedisRateLimiter(")
    assert budget.key(SCOPE) == "procore-dc:rate:{app|dmsa|8}"


def test_a_window_rolls_over_on_redis_time(redis_server: Any) -> None:
    budget = RedisRateLimiter(redis_server.url, margin=0.0)
    now = time.time()
    budget.observe(SCOPE, limits(2, 0, now))  # resets now: rolls over on the next take
    taken = [budget.take(SCOPE) for _ in range(3)]
    assert taken[:2] == [0.0, 0.0]
    assert taken[2] == PROBE_WAIT  # the new window's reset is not known yet
    budget.observe(SCOPE, limits(2, 1, now - 1))  # a late answer from the old window
    assert budget.take(SCOPE) == PROBE_WAIT
    budget.observe(SCOPE, limits(2, 0, now + 5))  # the new window's first answer
    assert 3 < budget.take(SCOPE) <= 6


def test_permits_taken_just_before_a_reset_count_against_the_next_window(
    redis_server: Any,
) -> None:
    budget = RedisRateLimiter(redis_server.url, margin=0.0)
    reset = int(time.time()) + 1  # within a second: every permit now is "late"
    budget.observe(SCOPE, limits(3, 3, reset))
    assert [budget.take(SCOPE) for _ in range(2)] == [0.0, 0.0]
    time.sleep(max(0.0, reset - time.time()) + 0.05)
    assert budget.take(SCOPE) == 0.0  # the new window: 3 less the 2 late ones
    assert budget.take(SCOPE) == PROBE_WAIT


def test_many_threads_never_take_more_permits_than_there_are(redis_server: Any) -> None:
    budget = RedisRateLimiter(redis_server.url)
    budget.observe(SCOPE, limits(25, 25, time.time() + 60))
    granted: list[float] = []

    def worker() -> None:
        for _ in range(10):
            granted.append(budget.take(SCOPE))

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert granted.count(0.0) == 25


def test_an_unreachable_budget_fails_fast_or_falls_back(caplog: pytest.LogCaptureFixture) -> None:
    with pytest.raises(TransportError):
        RedisRateLimiter(unreachable()).take(SCOPE)
    with caplog.at_level(logging.WARNING, logger="procore_dc.redis"):
        RedisRateLimiter(unreachable()).observe(SCOPE, {})  # the answer arrived: no error
    assert "could not share" in caplog.text
    local = LocalRateBudget()
    budget = RedisRateLimiter(unreachable(), fallback=local)
    with caplog.at_level(logging.WARNING, logger="procore_dc.redis"):
        assert budget.take(SCOPE) == 0.0
    budget.observe(SCOPE, limits(25, 0, time.time() + 30))
    assert local.take(SCOPE) > 0  # the fallback learned the headers
    assert "unreachable" in caplog.text
    with pytest.raises(ConfigurationError, match="margin"):
        RedisRateLimiter(unreachable(), margin=-1)
    with pytest.raises(ConfigurationError, match="fallback"):
        RedisRateLimiter(unreachable(), fallback=object())  # type: ignore[arg-type]


# -- WorkLeases -----------------------------------------------------------------------------

UNIT = WorkUnit(8, 42, "rfi")


def test_a_unit_has_one_holder_and_is_done_once(redis_server: Any) -> None:
    a = WorkLeases(redis_server.url, run="r")
    b = WorkLeases(redis_server.url, run="r")
    lease = a.claim(UNIT)
    assert lease is not None
    assert lease.fence == 1
    assert abs(lease.expires_at - (a.now() + 300)) < 5  # on Redis's clock
    assert b.claim(UNIT) is None
    lease.renew()
    lease.complete()
    assert b.claim(UNIT) is None  # done in this run
    assert a.is_done(UNIT)
    assert b.done() == {"8/42/rfi"}
    lease.complete()  # repeating a completion (a resent command) is harmless
    a.forget()
    again = b.claim(UNIT)
    assert again is not None
    assert again.fence == 2
    assert repr(a).startswith("WorkLeases(run='r'")
    assert WorkUnit(8).name == "8/-/-"


def test_a_crashed_workers_unit_returns_and_its_late_completion_is_refused(
    redis_server: Any,
) -> None:
    crashed = WorkLeases(redis_server.url, run="r", ttl=0.2)
    lease = crashed.claim(UNIT)
    assert lease is not None
    time.sleep(0.3)  # no heartbeat: the lease expires on Redis's clock
    successor = WorkLeases(redis_server.url, run="r").claim(UNIT)
    assert successor is not None
    assert successor.fence > lease.fence
    with pytest.raises(LeaseLostError):
        lease.renew()
    with pytest.raises(LeaseLostError, match="not recorded as done"):
        lease.complete()
    successor.release()
    assert WorkLeases(redis_server.url, run="r").claim_next([UNIT]) is not None


def test_a_lease_as_context_manager(redis_server: Any) -> None:
    leases = WorkLeases(redis_server.url, run="r", ttl=0.3)
    units = [UNIT, WorkUnit(8, 43, "rfi")]
    lease = leases.claim_next(units)
    assert lease is not None

    def failing_export() -> None:
        with lease:
            time.sleep(0.5)  # the heartbeat keeps it past its ttl
            assert WorkLeases(redis_server.url, run="r").claim(UNIT) is None
            raise RuntimeError("export failed")

    with pytest.raises(RuntimeError):
        failing_export()
    assert not leases.is_done(UNIT)  # given back undone
    while (lease := leases.claim_next(units)) is not None:
        with lease:
            pass
    assert leases.done() == {"8/42/rfi", "8/43/rfi"}
    lease = WorkLeases(redis_server.url, run="other").claim(UNIT)
    assert lease is not None
    with lease:
        lease.complete()  # completed inside the block: the exit does nothing more


def test_bad_work_arguments(redis_server: Any) -> None:
    with pytest.raises(ConfigurationError, match="run"):
        WorkLeases(redis_server.url, run="")
    with pytest.raises(ConfigurationError, match="ttl"):
        WorkLeases(redis_server.url, run="r", ttl=0)
    with pytest.raises(ConfigurationError, match="WorkUnit"):
        WorkLeases(redis_server.url, run="r").claim((8, 42))  # type: ignore[arg-type]


# -- restarts -------------------------------------------------------------------------------


def test_a_client_from_a_url_rides_out_a_restart_and_the_token_survives_on_disk(
    persistent_redis: Any,
) -> None:
    store = RedisTokenStore(persistent_redis.url, key="k")
    store.save(token())
    persistent_redis.stop()
    restart = threading.Timer(0.5, persistent_redis.start)
    restart.start()
    try:
        assert store.load() == token()  # waited for the restart instead of raising
    finally:
        restart.join()


def test_without_persistence_a_restart_loses_the_token_and_a_dmsa_fetches_one_again(
    redis_server: Any,
) -> None:
    from procore_dc import ServiceAccountAuth
    from procore_dc.testing import FakeProcore

    with FakeProcore(seed=0, rate_limits=None) as sandbox:
        app = sandbox.default_app

        def auth() -> ServiceAccountAuth:
            store = RedisTokenStore(redis_server.url, key="k")
            return ServiceAccountAuth(
                app.client_id, app.client_secret, environment=sandbox.environment, store=store
            )

        first = auth().ensure_valid()
        redis_server.restart()
        assert RedisTokenStore(redis_server.url, key="k").load() is None  # gone
        second = auth().ensure_valid()
        tokens = [r for r in sandbox.requests if r.path == "/oauth/token"]
    assert second.access_token != first.access_token
    assert len(tokens) == 2  # one more request: a service account re-authenticates


def test_a_worker_whose_clock_is_an_hour_off_holds_and_loses_leases_on_redis_time(
    redis_server: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Hosts disagree about the time; leases must not. The skewed worker's wall clock runs an
    # hour ahead (which would expire every lease it reads at once) and then an hour behind
    # (which would keep a dead holder's lease for an hour), yet both see Redis's clock.
    real_time = time.time
    monkeypatch.setattr(time, "time", lambda: real_time() + 3600)
    ahead = WorkLeases(redis_server.url, run="skew", ttl=0.3)
    lease = ahead.claim(UNIT)
    assert lease is not None
    assert ahead.claim(UNIT) is None  # still held: an hour ahead expires nothing
    monkeypatch.setattr(time, "time", lambda: real_time() - 3600)
    behind = WorkLeases(redis_server.url, run="skew", ttl=0.3)
    assert behind.claim(UNIT) is None
    time.sleep(0.4)  # past the ttl on Redis's clock, with no heartbeat
    successor = behind.claim(UNIT)
    assert successor is not None  # an hour behind keeps no dead lease alive
    assert successor.fence > lease.fence
    successor.release()
