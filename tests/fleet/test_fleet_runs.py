"""Fleets of worker processes against FakeProcore, coordinated through a real redis-server.

- 8 processes under a spike limit of 25 requests per window: 0 responses 429 with the shared
  RedisRateLimiter, and some without it (the count is printed by ``bench/fleet.py``). The
  window is 2 s here instead of Procore's 10 s to keep the test short; the arithmetic is the
  same.
- Redis restarted (AOF on) in the middle of a run over 24 work units: every unit done exactly
  once, by one worker, and the shared token survives without a new token request.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from .conftest import NO_REDIS_PY

redis = pytest.importorskip("redis", reason=NO_REDIS_PY)

from procore_dc import ServiceAccountAuth  # noqa: E402
from procore_dc.redis import RedisTokenStore, WorkLeases  # noqa: E402
from procore_dc.testing import FakeProcore, RateLimits  # noqa: E402

CHILD = str(Path(__file__).with_name("_fleet_child.py"))
PROCESSES = 8


def start_fleet(sandbox: FakeProcore, redis_url: str, processes: int, **extra: Any) -> list[Any]:
    """Start the workers with a valid shared token; return them once they are ready."""
    app = sandbox.default_app
    store = RedisTokenStore(redis_url, key="fleet-test")
    ServiceAccountAuth(
        app.client_id, app.client_secret, environment=sandbox.environment, store=store
    ).ensure_valid()
    args = json.dumps(
        {
            "api_url": sandbox.environment.api_url,
            "login_url": sandbox.environment.login_url,
            "offset": sandbox.clock.now() - datetime.now(timezone.utc).timestamp(),
            "client_id": app.client_id,
            "secret": app.client_secret,
            "redis": redis_url,
            **extra,
        }
    )
    children = [
        subprocess.Popen(
            [sys.executable, CHILD, args], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        for _ in range(processes)
    ]
    for child in children:
        assert child.stdout.readline().strip() == "ready"
    return children


def run(sandbox: FakeProcore, children: list[Any], command: str) -> list[Any]:
    """Send ``command`` to every worker at once and collect one JSON line from each."""
    sandbox.clear_requests()
    for child in children:
        child.stdin.write(command + "\n")
        child.stdin.flush()
    return [json.loads(child.stdout.readline()) for child in children]


def stop(children: list[Any]) -> None:
    for child in children:
        if child.poll() is None:
            child.kill()
            child.wait()


@pytest.fixture
def limited() -> Iterator[FakeProcore]:
    limits = RateLimits(hourly=3600, spike=25, spike_window=2.0)
    with FakeProcore(seed=0, rate_limits=limits) as fake:
        yield fake


def statuses(sandbox: FakeProcore) -> Counter[int]:
    return Counter(r.status for r in sandbox.requests if r.role == "api" and r.status)


def test_a_fleet_sharing_the_budget_gets_no_429_and_one_without_it_does(
    limited: FakeProcore, redis_server: Any
) -> None:
    each = 5
    children = start_fleet(limited, redis_server.url, PROCESSES, mode="requests", count=each)
    try:
        shared = run(limited, children, "budget")
        with_budget = statuses(limited)
        time.sleep(limited.rate_limits.spike_window + 1)  # a fresh window for the second run
        alone = run(limited, children, "alone")
        without_budget = statuses(limited)
    finally:
        stop(children)
    assert shared == [{"ok": each, "errors": []}] * PROCESSES
    assert with_budget == {200: PROCESSES * each}  # not one 429
    assert without_budget[429] > 0  # 40 requests in a burst against 25 per window
    # The retry policy waits out Retry-After, so most of those calls still succeed, later; a
    # call refused again after its retries is a RateLimitError, never anything else.
    assert sum(child["ok"] + len(child["errors"]) for child in alone) == PROCESSES * each
    assert {error for child in alone for error in child["errors"]} <= {"RateLimitError"}


def test_redis_restarted_mid_run_loses_no_token_and_does_every_unit_once(
    persistent_redis: Any,
) -> None:
    with FakeProcore(seed=0, rate_limits=None, sizes={"projects": 12}) as sandbox:
        projects = [p["id"] for p in sandbox.data.projects if p["company"]["id"] == 8]
        units = [(project, tool) for project in projects for tool in ("rfi", "submittal")]
        assert len(units) == 24
        children = start_fleet(
            sandbox, persistent_redis.url, 4, mode="units", units=units, pause=0.15
        )
        sandbox.clear_requests()
        for child in children:
            child.stdin.write("go\n")
            child.stdin.flush()
        token_before = RedisTokenStore(persistent_redis.url, key="fleet-test").load()
        leases = WorkLeases(persistent_redis.url, run="test-run")
        deadline = time.monotonic() + 60
        while len(leases.done()) < 6:  # a quarter of the run is done: restart now
            assert time.monotonic() < deadline
            time.sleep(0.05)
        persistent_redis.restart()
        try:
            done_by_workers = [json.loads(child.stdout.readline()) for child in children]
        finally:
            stop(children)
        token_after = RedisTokenStore(persistent_redis.url, key="fleet-test").load()
    flat = [name for worker in done_by_workers for name in worker]
    assert sorted(flat) == sorted(f"8/{p}/{t}" for p, t in units)  # each unit by one worker
    assert leases.done() == set(flat)
    calls = Counter(
        r.path
        for r in sandbox.requests
        if r.role == "api" and r.path.startswith("/rest/v1.0/projects/")
    )
    assert len(calls) == 24
    assert set(calls.values()) == {1}  # no unit exported twice
    assert token_after == token_before  # the token survived the restart ...
    assert not [r for r in sandbox.requests if r.path == "/oauth/token"]  # ... and was reused
