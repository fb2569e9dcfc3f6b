"""The per-call attempt record: carried on urllib3's Retry, one call per thread, no stale state."""

from __future__ import annotations

import logging
import threading

import pytest
import requests
from loopback import LoopbackServer, Recorded, Reply
from session_fakes import FakeAuth, FakeTime, policy

from procore_dc import Environment, RateLimitError, Session
from procore_dc._attempts import Call, current
from procore_dc._urllib3_retry import RetryAdapter

UNAVAILABLE = Reply(503, (("Content-Length", "0"),), b"")
OK = Reply(200, (("Content-Type", "application/json"),), b"{}")


def test_an_adapter_used_without_a_session_retries_by_its_policy() -> None:
    time = FakeTime()
    http = requests.Session()
    http.mount("http://", policy(time).make_adapter())
    with LoopbackServer([UNAVAILABLE, OK]) as server:
        assert current() is None
        response = http.get(server.url + "/x")
    assert response.status_code == 200
    assert len(server.requests) == 2
    assert time.sleeps == [0.25]  # jitter only: urllib3 waits nothing before the first retry


def test_a_call_is_announced_only_while_it_runs_and_nested_calls_restore_the_outer() -> None:
    with Call("get", "http://127.0.0.1/a") as outer:
        assert current() is outer
        assert outer.method == "GET"
        with Call("POST", "http://127.0.0.1/b") as inner:
            assert current() is inner
        assert current() is outer
    assert current() is None


def test_an_adapter_whose_retries_were_replaced_uses_them_as_given() -> None:
    adapter = RetryAdapter()
    with Call("GET", "http://127.0.0.1/a"):
        assert adapter.max_retries.total == 0  # requests' default, not ours: no call record


def test_parallel_calls_keep_their_own_attempt_records(caplog: pytest.LogCaptureFixture) -> None:
    barrier = threading.Barrier(2, timeout=10)

    seen: dict[str, int] = {}

    def answer(request: Recorded) -> Reply:
        # Each path fails once, then succeeds; both threads are inside their call at once.
        count = seen.get(request.target, 0)
        seen[request.target] = count + 1
        if count == 0:
            barrier.wait()
            return UNAVAILABLE
        return OK

    caplog.set_level(logging.DEBUG, logger="procore_dc.session")
    with LoopbackServer([answer]) as server:
        sessions = [
            Session(FakeAuth(Environment.local(server.url)), retry=policy(FakeTime()))
            for _ in range(2)
        ]
        errors: list[BaseException] = []

        def run(session: Session, path: str) -> None:
            try:
                session.get_json(path)
            except BaseException as exc:  # pragma: no cover - reported below
                errors.append(exc)

        threads = [
            threading.Thread(target=run, args=(session, f"/rest/v1.0/{name}"))
            for session, name in zip(sessions, ("left", "right"))
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(10)
    assert errors == []
    lines = [r.getMessage() for r in caplog.records if r.name == "procore_dc.session"]
    for name in ("left", "right"):
        mine = [line for line in lines if f"/rest/v1.0/{name} " in line]
        assert len(mine) == 2, lines
        assert "-> 503" in mine[0]
        assert "(attempt 1, retrying in" in mine[0]
        assert "-> 200" in mine[1]
        assert "(attempt 2)" in mine[1]


def test_a_wait_past_max_wait_names_the_call_it_refuses() -> None:
    too_long = Reply(429, (("Retry-After", "900"), ("Content-Length", "0")), b"")
    with LoopbackServer([too_long]) as server:
        session = Session(FakeAuth(Environment.local(server.url)), retry=policy(FakeTime()))
        with pytest.raises(RateLimitError) as caught:
            session.get_json("/rest/v1.0/me", params={"x": "1"})
    assert caught.value.method == "GET"
    assert caught.value.url == server.url + "/rest/v1.0/me?x=1"
    assert len(server.requests) == 1
