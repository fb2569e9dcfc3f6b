"""Session + the real ServiceAccountAuth against a running FakeProcore (live, loopback only).

The sandbox clock is frozen; the session's retry policy reads that clock and "sleeps" by
advancing it, so rate-limit windows and Retry-After waits pass without real time.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from procore_dc import (
    AuthenticationError,
    RetryPolicy,
    ServerError,
    ServiceAccountAuth,
    Session,
    TransportError,
)
from procore_dc.pagination import PageIterator
from procore_dc.testing import FakeProcore, RateLimits, SandboxClock

from .conftest import COMPANY, PROJECT

RFIS = f"/rest/v1.0/projects/{PROJECT}/rfis"


@pytest.fixture
def slept() -> list[float]:
    return []


@pytest.fixture
def session(sandbox: FakeProcore, slept: list[float]) -> Iterator[Session]:
    def sleep(seconds: float) -> None:
        slept.append(seconds)
        sandbox.clock.advance(seconds)

    app = sandbox.default_app
    auth = ServiceAccountAuth(app.client_id, app.client_secret, environment=sandbox.environment)
    retry = RetryPolicy(clock=sandbox.clock.now, sleep=sleep, random=lambda: 0.0)
    with Session(auth, company_id=COMPANY, retry=retry) as running:
        yield running


def token_requests(sandbox: FakeProcore) -> int:
    return sum(1 for r in sandbox.requests if r.path == "/oauth/token")


def test_company_header_reaches_the_sandbox(sandbox: FakeProcore, session: Session) -> None:
    me = session.get_json("/rest/v1.0/me")
    assert me["login"]
    api = [r for r in sandbox.requests if r.role == "api"]
    assert [r.headers.get("Procore-Company-Id") for r in api] == [str(COMPANY)]
    assert api[0].token_kind == "dmsa"
    assert api[0].headers.get("User-Agent", "").startswith("procore-dc/")


def test_revoked_token_one_refresh_one_replay(sandbox: FakeProcore, session: Session) -> None:
    session.get_json("/rest/v1.0/me")
    auth = session.auth
    sandbox.revoke_token(auth.ensure_valid().access_token)
    before = token_requests(sandbox)
    assert session.get_json("/rest/v1.0/me")
    assert token_requests(sandbox) == before + 1
    statuses = [r.status for r in sandbox.requests if r.path == "/rest/v1.0/me"]
    assert statuses == [200, 401, 200]


def test_20_threads_hitting_a_revoked_token_cause_one_token_request(
    sandbox: FakeProcore, session: Session
) -> None:
    session.get_json("/rest/v1.0/me")
    sandbox.revoke_token(session.auth.ensure_valid().access_token)
    before = token_requests(sandbox)
    barrier = threading.Barrier(20)
    results: list[object] = []
    lock = threading.Lock()

    def call() -> None:
        barrier.wait(timeout=10)
        try:
            value: object = session.get_json("/rest/v1.0/me")
        except Exception as exc:  # reported through the assertion below
            value = exc
        with lock:
            results.append(value)

    threads = [threading.Thread(target=call) for _ in range(20)]
    sandbox.rate_limits = None  # this test is about tokens, not the spike window
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert len(results) == 20
    assert all(isinstance(r, dict) for r in results), results
    assert token_requests(sandbox) == before + 1


def test_pacing_never_hits_429(sandbox: FakeProcore, session: Session, slept: list[float]) -> None:
    sandbox.rate_limits = RateLimits(spike=5, spike_window=10)
    for _ in range(12):
        session.get_json("/rest/v1.0/me")
    statuses = [r.status for r in sandbox.requests if r.role == "api"]
    assert statuses == [200] * 12
    assert len(slept) == 2  # waited for the window twice: after the 5th and the 10th call
    # Reset is whole epoch seconds, so a 10 s window can be up to 11 s away.
    assert all(0 < s <= 11 for s in slept), slept


def test_429_from_the_sandbox_is_waited_out(
    sandbox: FakeProcore, session: Session, slept: list[float]
) -> None:
    sandbox.rate_limits = RateLimits(spike=2, spike_window=10)
    session.pace = False
    for _ in range(3):
        session.get_json("/rest/v1.0/me")
    statuses = [r.status for r in sandbox.requests if r.role == "api"]
    assert statuses == [200, 200, 429, 200]
    assert len(slept) == 1
    assert 0 < slept[0] <= 11


def test_post_reset_after_read_is_not_replayed(sandbox: FakeProcore, session: Session) -> None:
    path = f"/rest/v1.0/projects/{PROJECT}/rfis"
    sandbox.faults.add("POST", path, "reset_after_read", times=1)
    with pytest.raises(TransportError, match="after 1 attempt"):
        session.post_json(path, {"rfi": {"subject": "Door hardware"}})
    assert len([r for r in sandbox.requests if r.method == "POST" and r.path == path]) == 1


def test_get_faults_are_retried(sandbox: FakeProcore, session: Session, slept: list[float]) -> None:
    for kind in ("reset_after_read", "truncate", "html_error"):
        sandbox.faults.add("GET", RFIS, kind, times=1)
    rfis = session.get_json(RFIS, params={"per_page": 3})
    assert len(rfis) == 3
    assert len([r for r in sandbox.requests if r.path == RFIS]) == 4
    assert slept == [1.0, 2.0]  # urllib3's backoff: no wait before the first retry


def test_persistent_502_ends_in_server_error(sandbox: FakeProcore, session: Session) -> None:
    sandbox.faults.add("GET", RFIS, "html_error")
    with pytest.raises(ServerError) as caught:
        session.get_json(RFIS)
    assert caught.value.status_code == 502
    assert len([r for r in sandbox.requests if r.path == RFIS]) == 4


def test_prefetch_matches_sequential(sandbox: FakeProcore, session: Session) -> None:
    sandbox.rate_limits = None
    sequential = PageIterator(session, RFIS, per_page=50).to_list()
    sandbox.clear_requests()
    parallel = PageIterator(session, RFIS, per_page=50, prefetch=4).to_list()
    assert parallel == sequential
    pages = -(-len(sequential) // 50)
    assert len([r for r in sandbox.requests if r.path == RFIS]) == pages


def test_wrong_credentials_end_in_a_typed_error() -> None:
    with FakeProcore(seed=0, clock=SandboxClock(frozen=True)) as sandbox:
        app = sandbox.default_app
        auth = ServiceAccountAuth(app.client_id, "not-the-secret", environment=sandbox.environment)
        session = Session(auth, company_id=COMPANY)
        with pytest.raises(Exception) as caught:
            session.get_json("/rest/v1.0/me")
    assert not isinstance(caught.value, AuthenticationError) or caught.value.status_code == 401
    assert "not-the-secret" not in str(caught.value)
