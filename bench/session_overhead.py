"""What the Session costs per call, next to a plain pooled ``requests.Session``.

Both clients send N small GETs with a bearer token and parse the JSON answer, against the same
minimal keep-alive server on 127.0.0.1 (a raw socket loop returning one fixed body, so the
server's cost does not hide the client's). The Session path adds what it does on every call:
the company and SDK headers, the auth strategy (a real ``ServiceAccountAuth`` whose token comes
from the same server), the retry adapter, rate-limit bookkeeping, pacing and the per-attempt
log check. The rounds alternate and the best round of each is compared. Target: ratio <= 1.10.

Then the same comparison against ``FakeProcore`` (``GET /rest/v1.0/me``), where the server
dominates. Prints figures; asserts nothing.

Run: ``python bench/session_overhead.py [--calls 2000] [--rounds 5]``.
"""

from __future__ import annotations

import argparse
import time
from typing import Callable

import requests
from _keepalive import KeepAliveServer

from procore_dc import Environment, RetryPolicy, ServiceAccountAuth, Session

BODY = (
    b'{"access_token":"bench-token-0123456789abcdef","token_type":"bearer",'
    b'"expires_in":5400,"id":42,"login":"bench@example.com","name":"Bench"}'
)
RESPONSE = (
    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
    + str(len(BODY)).encode()
    + b"\r\n\r\n"
    + BODY
)


def timed(call: Callable[[], object], n: int) -> float:
    started = time.perf_counter()
    for _ in range(n):
        call()
    return time.perf_counter() - started


def compare(
    label: str, plain: Callable[[], object], ours: Callable[[], object], n: int, rounds: int
) -> None:
    plain(), ours()  # warm the pools and the token
    best_plain = best_ours = float("inf")
    for _ in range(rounds):
        best_plain = min(best_plain, timed(plain, n))
        best_ours = min(best_ours, timed(ours, n))
    per_plain = best_plain / n * 1e6
    per_ours = best_ours / n * 1e6
    print(f"{label}")
    print(f"  plain requests.Session : {per_plain:8.1f} us/call  ({n / best_plain:7.0f} calls/s)")
    print(f"  procore_dc Session     : {per_ours:8.1f} us/call  ({n / best_ours:7.0f} calls/s)")
    print(
        f"  ratio Session / plain  : {best_ours / best_plain:8.3f}  "
        f"(+{per_ours - per_plain:.1f} us per call; target <= 1.10)"
    )


def against_minimal(n: int, rounds: int) -> None:
    server = KeepAliveServer(lambda _target: RESPONSE)
    env = Environment.local(server.url)
    auth = ServiceAccountAuth("bench-client", "bench-secret", environment=env)
    session = Session(auth, company_id=8, retry=RetryPolicy())
    plain = requests.Session()
    token = auth.ensure_valid().access_token
    headers = {"Authorization": f"Bearer {token}", "Procore-Company-Id": "8"}
    url = f"{server.url}/rest/v1.0/me"

    compare(
        f"{n} GETs against a minimal keep-alive loopback server (best of {rounds})",
        lambda: plain.get(url, headers=headers).json(),
        lambda: session.get_json("/rest/v1.0/me"),
        n,
        rounds,
    )
    session.close()
    plain.close()
    server.close()


def against_fake_procore(n: int, rounds: int) -> None:
    try:
        from procore_dc.testing import FakeProcore
    except ImportError as exc:  # pragma: no cover - without the sandbox extra
        print(f"FakeProcore unavailable ({exc}); skipped")
        return
    with FakeProcore(seed=0, rate_limits=None) as sandbox:
        app = sandbox.default_app
        auth = ServiceAccountAuth(app.client_id, app.client_secret, environment=sandbox.environment)
        session = Session(auth, company_id=8)
        plain = requests.Session()
        headers = {
            "Authorization": f"Bearer {auth.ensure_valid().access_token}",
            "Procore-Company-Id": "8",
        }
        url = f"{sandbox.api_url}/rest/v1.0/me"
        compare(
            f"{n} GETs of /rest/v1.0/me against FakeProcore (best of {rounds})",
            lambda: plain.get(url, headers=headers).json(),
            lambda: session.get_json("/rest/v1.0/me"),
            n,
            rounds,
        )
        session.close()
        plain.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=5)
    args, _ = parser.parse_known_args()
    against_minimal(args.calls, args.rounds)
    print()
    against_fake_procore(max(args.calls // 4, 50), args.rounds)


if __name__ == "__main__":
    main()
