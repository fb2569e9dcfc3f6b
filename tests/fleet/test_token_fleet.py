"""8 processes x 8 threads on one expired token in Redis, counted in FakeProcore's log.

- all healthy: exactly one token request, for a service account and for a user;
- a process SIGKILLed while it holds the renewal lease: the lease expires, one token request;
- a process SIGKILLed after the token answer but before saving it: a service account fetches
  once more; a user's refresh token is never sent twice (the others get InvalidGrantError).
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable

import pytest
import requests

from .conftest import NO_REDIS_PY

redis = pytest.importorskip("redis", reason=NO_REDIS_PY)

from procore_dc import AuthStrategy, ServiceAccountAuth, UserLevelAuth  # noqa: E402
from procore_dc.redis import RedisTokenStore  # noqa: E402
from procore_dc.testing import FakeProcore  # noqa: E402
from tests.sandbox.test_auth_concurrency import sandbox_clock, token_posts  # noqa: E402

CHILD = str(Path(__file__).with_name("_token_child.py"))
PROCESSES = 8
THREADS = 8
LEASE_TTL = 1.0  # short, so a dead holder delays the others by about a second


@pytest.fixture
def sandbox() -> Iterator[FakeProcore]:
    with FakeProcore(seed=0, rate_limits=None) as fake:
        yield fake


def signed_in(kind: str, sandbox: FakeProcore, store: RedisTokenStore) -> AuthStrategy:
    app = sandbox.default_app
    common: dict[str, Any] = {
        "environment": sandbox.environment,
        "store": store,
        "clock": sandbox_clock(sandbox),
    }
    if kind == "service":
        auth: AuthStrategy = ServiceAccountAuth(app.client_id, app.client_secret, **common)
        auth.ensure_valid()
        return auth
    user = UserLevelAuth(app.client_id, app.client_secret, "http://localhost", **common)
    flow = user.start_authorization()
    answer = requests.get(flow.url, allow_redirects=False, timeout=10)
    user.complete_authorization(flow, answer.headers["Location"])
    return user


class Fleet:
    def __init__(self, sandbox: FakeProcore, kind: str, redis_url: str) -> None:
        app = sandbox.default_app
        self.sandbox = sandbox
        self.base = {
            "kind": kind,
            "api_url": sandbox.environment.api_url,
            "login_url": sandbox.environment.login_url,
            "client_id": app.client_id,
            "secret": app.client_secret,
            "redis": redis_url,
            "key": "fleet-test",
            "lease_ttl": LEASE_TTL,
            "threads": THREADS,
        }
        self.children: list[subprocess.Popen[str]] = []

    def spawn(self, mode: str, count: int) -> list[subprocess.Popen[str]]:
        args = json.dumps({**self.base, "mode": mode, "offset": self.offset()})
        started = [
            subprocess.Popen(
                [sys.executable, CHILD, args],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
            )
            for _ in range(count)
        ]
        self.children.extend(started)
        for child in started:
            assert child.stdout is not None
            assert child.stdout.readline().strip() in ("ready", "holding")
        return started

    def offset(self) -> float:
        return self.sandbox.clock.now() - datetime.now(timezone.utc).timestamp()

    def go(self, children: list[subprocess.Popen[str]]) -> list[list[str]]:
        """One round: every thread of every child makes one call; their outcomes."""
        for child in children:
            assert child.stdin is not None
            child.stdin.write(f"go {self.offset()}\n")
            child.stdin.flush()
        outcomes = []
        for child in children:
            assert child.stdout is not None
            outcomes.append(json.loads(child.stdout.readline()))
        return outcomes

    def kill_all(self) -> None:
        for child in self.children:
            if child.poll() is None:
                child.kill()
                child.wait()


@pytest.fixture
def fleet_factory() -> Iterator[Callable[..., Fleet]]:
    made: list[Fleet] = []

    def make(*args: Any) -> Fleet:
        made.append(Fleet(*args))
        return made[-1]

    yield make
    for fleet in made:
        fleet.kill_all()


def expire(sandbox: FakeProcore) -> None:
    sandbox.clock.advance(6000)  # past the 5,400 s lifetime
    sandbox.clear_requests()


@pytest.mark.parametrize("kind", ["service", "user"])
def test_eight_processes_of_eight_threads_renew_once_even_when_one_dies(
    sandbox: FakeProcore, redis_server: Any, fleet_factory: Callable[..., Fleet], kind: str
) -> None:
    """Three rounds on one fleet (starting processes is the slow part of this test)."""
    store = RedisTokenStore(redis_server.url, key="fleet-test")
    before = signed_in(kind, sandbox, store).ensure_valid()
    fleet = fleet_factory(sandbox, kind, redis_server.url)
    workers = fleet.spawn("work", PROCESSES)

    # 1. 8 processes x 8 threads on one expired token: one token request.
    expire(sandbox)
    assert fleet.go(workers) == [["ok"] * THREADS] * PROCESSES
    posts = token_posts(sandbox)
    assert len(posts) == 1
    assert not [r for r in sandbox.requests if r.status == 401]  # renewed before use
    after = store.load()
    assert after is not None
    assert after.access_token != before.access_token
    if kind == "user":
        assert posts[0]["grant_type"] == "refresh_token"
        assert posts[0]["refresh_token"] == before.refresh_token
        assert after.refresh_token not in (None, before.refresh_token)

    # 2. A process SIGKILLed while it holds the renewal lease: the lease expires after
    #    LEASE_TTL and the 7 others renew once.
    expire(sandbox)
    (holder,) = fleet.spawn("hold", 1)
    assert redis_server.client().exists("procore-dc:{fleet-test}:lease")
    holder.send_signal(signal.SIGKILL)
    holder.wait()
    assert holder.returncode == -signal.SIGKILL
    assert fleet.go(workers[1:]) == [["ok"] * THREADS] * (PROCESSES - 1)
    assert len(token_posts(sandbox)) == 1
    assert not [r for r in sandbox.requests if r.status == 401]
    renewed = store.load()
    assert renewed is not None

    # 3. A process SIGKILLed after the token endpoint answered, before it saved the answer.
    expire(sandbox)
    (dying,) = fleet.spawn("die_in_save", 1)
    assert dying.stdin is not None
    dying.stdin.write(f"go {fleet.offset()}\n")
    dying.stdin.flush()
    dying.wait(timeout=60)
    assert dying.returncode == -signal.SIGKILL
    assert len(token_posts(sandbox)) == 1  # answered, then lost with the process
    outcomes = fleet.go(workers[1:])
    posts = token_posts(sandbox)
    if kind == "service":
        assert outcomes == [["ok"] * THREADS] * (PROCESSES - 1)
        assert len(posts) == 2  # one further request: client credentials are not single-use
        return
    # The dead worker spent the refresh token: nobody sends it again; every thread is told to
    # sign in again, first as InvalidGrantError, then as "spent earlier".
    assert len(posts) == 1
    assert posts[0]["refresh_token"] == renewed.refresh_token
    flat = [outcome for child in outcomes for outcome in child]
    assert len(flat) == (PROCESSES - 1) * THREADS
    assert set(flat) <= {"InvalidGrantError", "OAuthError"}
    assert flat.count("InvalidGrantError") == 1
    stored = store.load()
    assert stored is not None
    assert stored.refresh_token is None  # recorded as spent
    sent = [p["refresh_token"] for p in token_posts(sandbox) if "refresh_token" in p]
    assert len(sent) == len(set(sent))  # no refresh token used twice
