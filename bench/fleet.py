"""A fleet of worker processes against FakeProcore's rate limits, with and without Redis.

Starts a redis-server on a free loopback port and a FakeProcore with Procore's spike limit
(25 requests per 10 s per token holder), then has 8 worker processes send ``--requests``
GETs between them, twice: sharing one ``RedisRateLimiter``, then each with only its own
session's rate-limit state. It prints the responses 429 the sandbox sent, and the fleet's
throughput against the limit: the least time the limit allows for those requests (a full
window of 25 at once, then 25 more each 10 s) over the time the fleet took, from its first
request to its last answer. Nothing is asserted: figures are reported.

    python bench/fleet.py [--workers 8] [--requests 100]

Needs the ``redis`` extra and a ``redis-server`` binary; without them it says so and exits.
"""

from __future__ import annotations

import argparse
import json
import math
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

WORKER = str(Path(__file__).with_name("_fleet_worker.py"))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_redis(folder: str) -> tuple[subprocess.Popen[bytes], str]:
    server = shutil.which("redis-server")
    assert server is not None
    port = free_port()
    process = subprocess.Popen(
        [server, "--port", str(port), "--bind", "127.0.0.1", "--dir", folder, "--save", ""],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    import redis

    client = redis.Redis(port=port)
    for _ in range(500):
        try:
            client.ping()
            break
        except redis.ConnectionError:
            time.sleep(0.02)
    return process, f"redis://127.0.0.1:{port}/0"


def run_fleet(sandbox: Any, redis_url: str, workers: int, count: int, budget: bool) -> dict:
    app = sandbox.default_app
    args = json.dumps(
        {
            "api_url": sandbox.environment.api_url,
            "login_url": sandbox.environment.login_url,
            "client_id": app.client_id,
            "secret": app.client_secret,
            "redis": redis_url,
            "budget": budget,
            "count": count,
        }
    )
    children = [
        subprocess.Popen(
            [sys.executable, WORKER, args], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        for _ in range(workers)
    ]
    for child in children:
        assert child.stdout is not None
        child.stdout.readline()
    sandbox.clear_requests()
    for child in children:
        assert child.stdin is not None
        child.stdin.write("go\n")
        child.stdin.flush()
    results = [json.loads(child.communicate()[0]) for child in children]
    calls = [r for r in sandbox.requests if r.path == "/rest/v1.0/companies"]
    elapsed = max(r.time for r in calls) - min(r.time for r in calls)
    statuses = Counter(r.status for r in calls)
    return {"elapsed": elapsed, "statuses": statuses, "results": results}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument("--requests", type=int, default=100, help="for the whole fleet")
    args = parser.parse_args()
    try:
        import redis  # noqa: F401
    except ImportError:
        print("bench/fleet.py needs the redis extra: pip install -e '.[redis]'")
        return
    if shutil.which("redis-server") is None:
        print("bench/fleet.py needs redis-server (apt-get install redis-server)")
        return
    from procore_dc import ServiceAccountAuth
    from procore_dc.redis import RedisTokenStore
    from procore_dc.testing import FakeProcore, RateLimits

    limits = RateLimits(hourly=3600, spike=25, spike_window=10.0)
    with tempfile.TemporaryDirectory() as folder, FakeProcore(rate_limits=limits) as sandbox:
        process, url = start_redis(folder)
        try:
            app = sandbox.default_app
            each = max(1, args.requests // args.workers)
            total = each * args.workers
            # The least time the limit allows: one window's worth at once, then one per window.
            least = (math.ceil(total / limits.spike) - 1) * limits.spike_window
            ServiceAccountAuth(
                app.client_id,
                app.client_secret,
                environment=sandbox.environment,
                store=RedisTokenStore(url, key="bench-fleet"),
            ).ensure_valid()
            print(
                f"{args.workers} worker processes, {each * args.workers} requests per run, one "
                f"DMSA token, spike limit {limits.spike} per {limits.spike_window:g} s"
            )
            print()
            print(f"{'budget':<22} {'200':>6} {'429':>6} {'seconds':>8} {'of the limit':>13}")
            for shared in (True, False):
                if not shared:
                    time.sleep(limits.spike_window)  # start the second run in a fresh window
                found = run_fleet(sandbox, url, args.workers, each, shared)
                ok = found["statuses"][200]
                name = "shared (Redis)" if shared else "per process (none)"
                print(
                    f"{name:<22} {ok:>6} {found['statuses'][429]:>6} "
                    f"{found['elapsed']:>8.1f} {least / found['elapsed']:>12.0%}"
                )
            print()
            print(
                f"'of the limit': the {least:g} s the limit allows for {total} requests, over "
                "the seconds the fleet took (first request to last answer)"
            )
        finally:
            process.terminate()
            process.wait()


if __name__ == "__main__":
    main()
