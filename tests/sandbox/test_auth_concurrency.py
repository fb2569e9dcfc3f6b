"""Single-flight token renewal against FakeProcore, counted from its request log.

- 50 threads sharing one expired token: exactly one token request, 50 successes.
- 2 processes x 10 threads sharing one FileTokenStore: exactly one token request.
- A refresh whose response is lost: a typed error, and the dead refresh token is never sent
  again.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import threading
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable
from urllib.parse import parse_qsl

import pytest
import requests

from procore_dc import (
    AuthStrategy,
    FileTokenStore,
    OAuthError,
    ServiceAccountAuth,
    UserLevelAuth,
)
from procore_dc.session import Session
from procore_dc.testing import FakeProcore

COMPANY_ID = 8  # the first seeded company, where the default app is installed
REDIRECT = "http://localhost"


@pytest.fixture
def sandbox() -> Iterator[FakeProcore]:
    # No rate limits: 50 simultaneous calls would otherwise trip the spike window.
    with FakeProcore(seed=0, rate_limits=None) as fake:
        yield fake


def sandbox_clock(sandbox: FakeProcore) -> Callable[[], datetime]:
    return lambda: datetime.fromtimestamp(sandbox.clock.now(), timezone.utc)


def token_posts(sandbox: FakeProcore) -> list[dict[str, str]]:
    return [
        dict(parse_qsl(r.body.decode()))
        for r in sandbox.requests
        if r.method == "POST" and r.path == "/oauth/token"
    ]


def make_auth(kind: str, sandbox: FakeProcore, **kw: Any) -> AuthStrategy:
    app = sandbox.default_app
    if kind == "service":
        return ServiceAccountAuth(
            app.client_id, app.client_secret, environment=sandbox.environment, **kw
        )
    return UserLevelAuth(
        app.client_id, app.client_secret, REDIRECT, environment=sandbox.environment, **kw
    )


def sign_in(auth: AuthStrategy) -> None:
    """Do the browser's part against the sandbox's non-interactive authorize endpoint."""
    if isinstance(auth, UserLevelAuth):
        flow = auth.start_authorization()
        answer = requests.get(flow.url, allow_redirects=False, timeout=10)
        assert answer.status_code in (302, 303), answer.text
        auth.complete_authorization(flow, answer.headers["Location"])
    else:
        auth.ensure_valid()


@pytest.mark.parametrize("kind", ["service", "user"])
def test_fifty_threads_share_one_expired_token_with_one_token_request(
    sandbox: FakeProcore, kind: str
) -> None:
    auth = make_auth(kind, sandbox, clock=sandbox_clock(sandbox))
    sign_in(auth)
    session = Session(auth, company_id=COMPANY_ID, pace=False)
    assert session.get_json("/rest/v1.0/me")
    sandbox.clock.advance(6000)  # expired for the client and the server alike
    sandbox.clear_requests()
    barrier = threading.Barrier(50)
    results: list[Any] = []
    errors: list[BaseException] = []

    def call() -> None:
        barrier.wait(10)
        try:
            results.append(session.get_json("/rest/v1.0/me"))
        except BaseException as exc:  # collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=call) for _ in range(50)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    assert len(results) == 50
    posts = token_posts(sandbox)
    assert len(posts) == 1
    expected = "client_credentials" if kind == "service" else "refresh_token"
    assert posts[0]["grant_type"] == expected
    api = [r for r in sandbox.requests if r.path == "/rest/v1.0/me"]
    assert len(api) == 50
    assert all(r.status == 200 for r in api)


_CHILD = textwrap.dedent(
    """
    import json, sys, threading, time
    from datetime import datetime, timezone
    from procore_dc import Environment, FileTokenStore, ServiceAccountAuth, UserLevelAuth
    from procore_dc.session import Session

    args = json.loads(sys.argv[1])
    env = Environment.local(args["api_url"], args["login_url"])
    offset = args["offset"]
    clock = lambda: datetime.fromtimestamp(time.time() + offset, timezone.utc)
    store = FileTokenStore(args["path"])
    if args["kind"] == "service":
        auth = ServiceAccountAuth(args["client_id"], args["secret"], environment=env,
                                  store=store, clock=clock)
    else:
        auth = UserLevelAuth(args["client_id"], args["secret"], "http://localhost",
                             environment=env, store=store, clock=clock)
    session = Session(auth, company_id=8, pace=False)
    print("ready", flush=True)
    sys.stdin.readline()  # "go": both processes start together
    barrier = threading.Barrier(10)
    outcome = []

    def call():
        barrier.wait(10)
        try:
            session.get_json("/rest/v1.0/me")
            outcome.append("ok")
        except Exception as exc:
            outcome.append(type(exc).__name__)

    threads = [threading.Thread(target=call) for _ in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    print(json.dumps(outcome), flush=True)
    """
)


@pytest.mark.parametrize("kind", ["service", "user"])
def test_two_processes_sharing_a_file_store_make_one_token_request(
    sandbox: FakeProcore, kind: str, tmp_path: Path
) -> None:
    path = tmp_path / "token.json"
    auth = make_auth(kind, sandbox, store=FileTokenStore(path), clock=sandbox_clock(sandbox))
    sign_in(auth)
    sandbox.clock.advance(6000)
    sandbox.clear_requests()
    app = sandbox.default_app
    env = sandbox.environment
    args = json.dumps(
        {
            "kind": kind,
            "api_url": env.api_url,
            "login_url": env.login_url,
            "offset": sandbox.clock.now() - datetime.now(timezone.utc).timestamp(),
            "path": str(path),
            "client_id": app.client_id,
            "secret": app.client_secret,
        }
    )
    children = [
        subprocess.Popen(
            [sys.executable, "-c", _CHILD, args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    try:
        for child in children:
            assert child.stdout is not None
            assert child.stdout.readline().strip() == "ready"
        for child in children:
            assert child.stdin is not None
            child.stdin.write("go\n")
            child.stdin.flush()
        outcomes = [json.loads(child.communicate(timeout=60)[0].strip()) for child in children]
    finally:
        for child in children:
            if child.poll() is None:
                child.kill()
    assert outcomes == [["ok"] * 10, ["ok"] * 10]
    posts = token_posts(sandbox)
    assert len(posts) == 1
    stored = FileTokenStore(path).load()
    assert stored is not None
    assert stored.created_at is not None
    if kind == "user":
        assert posts[0]["grant_type"] == "refresh_token"
        assert stored.refresh_token  # the rotated one, saved by the winner


def test_a_lost_refresh_response_is_typed_and_never_replayed(sandbox: FakeProcore) -> None:
    auth = make_auth("user", sandbox, clock=sandbox_clock(sandbox))
    assert isinstance(auth, UserLevelAuth)
    sign_in(auth)
    dead = auth.store.load()
    assert dead is not None
    assert dead.refresh_token is not None
    session = Session(auth, company_id=COMPANY_ID, pace=False)
    sandbox.faults.add(kind="lose_token_response", times=1)
    sandbox.clock.advance(6000)
    with pytest.raises(OAuthError, match="sign in again") as info:
        session.get_json("/rest/v1.0/me")
    assert info.value.error == "refresh_outcome_unknown"
    for _ in range(3):
        with pytest.raises(OAuthError, match="sign in again"):
            session.get_json("/rest/v1.0/me")
    sent = [p.get("refresh_token") for p in token_posts(sandbox)]
    assert sent.count(dead.refresh_token) == 1
    assert len([p for p in token_posts(sandbox) if p["grant_type"] == "refresh_token"]) == 1
    # A new sign-in recovers.
    sign_in(auth)
    assert session.get_json("/rest/v1.0/me")
