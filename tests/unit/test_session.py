"""Session behaviour at the transport seam: a real loopback socket, a fake auth strategy."""

from __future__ import annotations

import gzip
import io
import json
import logging
import os
import re
import threading
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import Any, Optional

import pytest
import requests
from loopback import LoopbackServer, Recorded, Reply, Truncate
from session_fakes import T0, FakeAuth, FakeTime, policy

from procore_dc import (
    AuthenticationError,
    ConfigurationError,
    Environment,
    NotFoundError,
    RateLimitError,
    ResponseFormatError,
    RetryPolicy,
    ServerError,
    Session,
    TransportError,
    ValidationError,
    __version__,
)
from procore_dc._http import check_complete
from procore_dc.rate_limit import RateLimitState
from procore_dc.session import _bearer_token, response_json

JSON = (("Content-Type", "application/json; charset=utf-8"),)


@pytest.fixture
def server() -> Iterator[LoopbackServer]:
    with LoopbackServer([Reply(200, JSON, b'{"ok": true}')]) as srv:
        yield srv


def make(server: LoopbackServer, time: FakeTime | None = None, **kwargs: Any) -> Session:
    auth = kwargs.pop("auth", None) or FakeAuth(Environment.local(server.url))
    kwargs.setdefault("retry", policy(time or FakeTime()))
    return Session(auth, **kwargs)


# -- URLs ---------------------------------------------------------------------------------


def test_paths_join_the_api_url(server: LoopbackServer) -> None:
    session = make(server)
    session.get_json("/rest/v1.0/me")
    session.get_json("rest/v1.0/companies", params={"page": 2})
    assert [r.target for r in server.requests] == ["/rest/v1.0/me", "/rest/v1.0/companies?page=2"]


def test_absolute_url_on_the_api_host_is_accepted(server: LoopbackServer) -> None:
    session = make(server)
    assert session.get_json(f"{server.url}/rest/v1.0/me?x=1") == {"ok": True}
    assert server.requests[0].target == "/rest/v1.0/me?x=1"
    assert server.requests[0].header("Authorization") == "Bearer token-one-aaaaaaaaaaaa"


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.2:1/rest/v1.0/me",
        "https://evil.example.com/steal",
        "//evil.example.com/steal",
    ],
)
def test_other_hosts_are_refused_before_sending(server: LoopbackServer, url: str) -> None:
    session = make(server)
    with pytest.raises(ConfigurationError, match="authenticated=False"):
        session.request("GET", url)
    assert server.requests == []


def test_same_host_other_port_or_scheme_is_refused(server: LoopbackServer) -> None:
    session = make(server)
    with pytest.raises(ConfigurationError):
        session.request("GET", server.url.replace("http://", "https://") + "/x")
    with pytest.raises(ConfigurationError):
        session.request("GET", f"http://127.0.0.1:{server.port + 1}/x")


def test_unauthenticated_call_to_storage_gets_no_token_company_or_sdk_headers(
    server: LoopbackServer,
) -> None:
    session = make(server, company_id=8)
    with LoopbackServer([Reply(204)]) as storage:
        response = session.request(
            "PUT",
            f"{storage.url}/bucket/key?X-Amz-Signature=abc",
            data=b"bytes",
            authenticated=False,
        )
    assert response.status_code == 204
    sent = storage.requests[0]
    assert sent.header("Authorization") is None
    assert sent.header("Procore-Company-Id") is None
    assert sent.header("Procore-Sdk-Version") is None
    assert sent.body == b"bytes"
    assert sent.header(
        "User-Agent",
    ).startswith("procore-dc/")


# -- headers ------------------------------------------------------------------------------


def test_sdk_headers_and_user_agent(server: LoopbackServer) -> None:
    session = make(server, user_agent="acme-sync/2.1")
    session.get_json("/rest/v1.0/me")
    sent = server.requests[0]
    agent = sent.header("User-Agent") or ""
    assert re.fullmatch(
        rf"acme-sync/2\.1 procore-dc/{re.escape(__version__)} python/\d+\.\d+\.\d+\S* "
        rf"requests/{re.escape(requests.__version__)}",
        agent,
    ), agent
    assert sent.header("Procore-Sdk-Version") == f"procore-dc/{__version__}"
    assert sent.header("Procore-Sdk-Language") == "python"
    assert sent.header("Accept") == "application/json"


def test_company_header_per_call_wins_over_default(server: LoopbackServer) -> None:
    session = make(server, company_id=8)
    session.get_json("/a")
    session.get_json("/b", company_id=9)
    session.get_json("/c", company_id="10")  # type: ignore[arg-type]
    assert [r.header("Procore-Company-Id") for r in server.requests] == ["8", "9", "10"]


def test_no_company_header_without_any_company_for_user_tokens(server: LoopbackServer) -> None:
    session = make(server)
    session.get_json("/rest/v1.0/me")
    assert server.requests[0].header("Procore-Company-Id") is None


def test_service_account_without_company_fails_before_sending(server: LoopbackServer) -> None:
    auth = FakeAuth(Environment.local(server.url), requires_company_id=True)
    session = make(server, auth=auth)
    with pytest.raises(ConfigurationError) as caught:
        session.get_json("/rest/v1.0/companies")
    message = str(caught.value)
    assert "company_id=" in message
    assert "app.procore.com/" in message
    assert "App Management" in message
    assert server.requests == []
    session.get_json("/rest/v1.0/companies", company_id=8)
    assert server.requests[0].header("Procore-Company-Id") == "8"


def test_with_company_shares_pool_auth_and_rate_state(server: LoopbackServer) -> None:
    session = make(server, company_id=8)
    view = session.with_company(9)
    assert view.rate_limit is session.rate_limit
    assert view.requests_session is session.requests_session
    assert view.auth is session.auth
    view.get_json("/x")
    session.get_json("/x")
    view.close()  # closes nothing: the pool belongs to the original
    session.get_json("/x")
    assert [r.header("Procore-Company-Id") for r in server.requests] == ["9", "8", "8"]


@pytest.mark.parametrize("bad", [0, -1, True, "eight", 1.5])
def test_bad_company_ids_are_configuration_errors(server: LoopbackServer, bad: Any) -> None:
    with pytest.raises(ConfigurationError, match="company id"):
        make(server, company_id=bad)


@pytest.mark.parametrize("bad", [0, -2, (1,), (1, 0), "10", True])
def test_bad_timeouts_are_configuration_errors(server: LoopbackServer, bad: Any) -> None:
    with pytest.raises(ConfigurationError, match="connect, read"):
        make(server, timeout=bad)


def test_auth_must_be_a_strategy() -> None:
    with pytest.raises(ConfigurationError, match="auth strategy"):
        Session(object())  # type: ignore[arg-type]


def test_injected_requests_session_is_used_and_gets_the_retry_adapter(
    server: LoopbackServer,
) -> None:
    http = requests.Session()
    sent: list[str] = []
    http.hooks["response"].append(lambda r, *a, **k: sent.append(r.url))
    time = FakeTime()
    server.script = [Reply(503), Reply(200, JSON, b"{}")]
    session = Session(
        FakeAuth(Environment.local(server.url)), retry=policy(time), requests_session=http
    )
    assert session.get_json("/x") == {}
    assert sent == [f"{server.url}/x"]  # one logical call
    assert len(server.requests) == 2  # retried inside the mounted adapter
    session.close()
    assert http.adapters  # not closed: it is the caller's


# -- 401 ----------------------------------------------------------------------------------


def test_401_refreshes_once_and_replays_once(server: LoopbackServer) -> None:
    server.script = [Reply(401, JSON, b'{"error": "expired"}'), Reply(200, JSON, b'{"id": 1}')]
    auth = FakeAuth(Environment.local(server.url))
    session = make(server, auth=auth)
    assert session.post_json("/rest/v1.0/rfis", {"subject": "x"}) == {"id": 1}
    assert auth.refreshes == ["token-one-aaaaaaaaaaaa"]
    assert [r.header("Authorization") for r in server.requests] == [
        "Bearer token-one-aaaaaaaaaaaa",
        "Bearer token-two-bbbbbbbbbbbb",
    ]
    assert server.requests[0].body == server.requests[1].body == b'{"subject": "x"}'


def test_second_401_raises_authentication_error(server: LoopbackServer) -> None:
    server.script = [Reply(401, JSON, b'{"message": "revoked"}')]
    auth = FakeAuth(Environment.local(server.url))
    session = make(server, auth=auth)
    with pytest.raises(AuthenticationError, match="revoked"):
        session.get_json("/rest/v1.0/me")
    assert len(auth.refreshes) == 1
    assert len(server.requests) == 2


def test_401_replay_has_its_own_retry_budget(server: LoopbackServer) -> None:
    time = FakeTime()
    server.script = [
        Reply(503),
        Reply(503),
        Reply(503),
        Reply(401),
        Reply(503),
        Reply(200, JSON, b"[1]"),
    ]
    auth = FakeAuth(Environment.local(server.url))
    session = make(server, time, auth=auth)
    assert session.get_json("/x") == [1]
    assert len(server.requests) == 6
    assert len(auth.refreshes) == 1


def test_replay_re_sends_the_multipart_upload_in_full(server: LoopbackServer) -> None:
    server.script = [Reply(401), Reply(201, JSON, b"{}")]
    session = make(server)
    session.request("POST", "/upload", files={"file": ("a.txt", b"hello world")})
    first, second = server.requests
    assert b"hello world" in first.body
    assert first.body == second.body


# -- status mapping and bodies ------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "error"),
    [(404, NotFoundError), (422, ValidationError), (500, ServerError), (429, RateLimitError)],
)
def test_status_mapping(server: LoopbackServer, status: int, error: type[Exception]) -> None:
    server.script = [
        Reply(status, (*JSON, ("X-Request-Id", "req-42")), b'{"errors": {"name": ["taken"]}}')
    ]
    session = make(server, retry=RetryPolicy(max_attempts=1))
    with pytest.raises(error) as caught:
        session.get_json("/rest/v1.0/projects/1")
    assert caught.value.status_code == status  # type: ignore[attr-defined]
    assert caught.value.request_id == "req-42"  # type: ignore[attr-defined]
    assert "name taken" in str(caught.value)


@pytest.mark.parametrize(
    "reply", [Reply(204, (), b""), Reply(200, JSON, b""), Reply(200, JSON, b"  \n")]
)
def test_empty_bodies_are_none(server: LoopbackServer, reply: Reply) -> None:
    server.script = [reply]
    assert make(server).get_json("/x") is None


def test_non_json_2xx_is_a_response_format_error(server: LoopbackServer) -> None:
    server.script = [Reply(200, (("Content-Type", "text/html"),), b"<html>captive portal</html>")]
    with pytest.raises(ResponseFormatError) as caught:
        make(server).get_json("/rest/v1.0/me")
    assert caught.value.status_code == 200
    assert "captive portal" in caught.value.body
    assert "text/html" in str(caught.value)


def test_json_helpers_use_their_verbs(server: LoopbackServer) -> None:
    server.script = [Reply(200, JSON, b'{"v": 1}')]
    session = make(server)
    assert session.put_json("/p", {"a": 1}) == {"v": 1}
    assert session.patch_json("/p", {"a": 2}) == {"v": 1}
    assert session.post_json("/p") == {"v": 1}
    assert session.delete("/p", params={"project_id": 3}) is None
    assert [(r.method, r.target) for r in server.requests] == [
        ("PUT", "/p"),
        ("PATCH", "/p"),
        ("POST", "/p"),
        ("DELETE", "/p?project_id=3"),
    ]
    assert json.loads(server.requests[1].body) == {"a": 2}


def test_stream_leaves_the_body_to_the_caller(server: LoopbackServer) -> None:
    server.script = [Reply(200, (("Content-Type", "application/octet-stream"),), b"x" * 5000)]
    response = make(server).request("GET", "/download", stream=True)
    assert response.raw.tell() == 0
    assert sum(len(chunk) for chunk in response.iter_content(1024)) == 5000


def test_truncated_body_then_success_is_retried_for_get(server: LoopbackServer) -> None:
    time = FakeTime()
    server.script = [Truncate(), Reply(200, JSON, b'{"id": 7}')]
    assert make(server, time).get_json("/x") == {"id": 7}
    assert len(server.requests) == 2
    assert time.sleeps == [0.25]


# -- transport errors and logs ------------------------------------------------------------


def test_transport_error_keeps_cause_and_hides_secrets(caplog: pytest.LogCaptureFixture) -> None:
    from loopback import closed_port

    caplog.set_level(logging.DEBUG)
    env = Environment.local(f"http://127.0.0.1:{closed_port()}")
    session = Session(FakeAuth(env), retry=policy(FakeTime(), max_attempts=2))
    with pytest.raises(TransportError) as caught:
        session.get_json("/rest/v1.0/x", params={"code": "PDC-SECRET-CODE", "page": 1})
    assert isinstance(caught.value.__cause__, requests.ConnectionError)
    assert "could not connect" in str(caught.value)
    assert "PDC-SECRET-CODE" not in str(caught.value)
    assert caught.value.method == "GET"
    assert "PDC-SECRET-CODE" not in caplog.text  # urllib3's URL logs are filtered too


def test_one_debug_line_per_attempt_without_tokens(
    server: LoopbackServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    server.script = [Reply(503), Reply(200, JSON, b"{}")]
    session = make(server)
    session.get_json("/rest/v1.0/me", params={"access_token": "PDC-LEAK-1234567890"})
    lines = [r.getMessage() for r in caplog.records if r.name == "procore_dc.session"]
    attempt_lines = [line for line in lines if "(attempt" in line]
    assert len(attempt_lines) == 2
    assert re.match(
        r"GET http://127\.0\.0\.1:\d+/rest/v1\.0/me\?access_token=(%5B|\[)REDACTED(%5D|\])"
        r" -> 503 in \d+ ms \(attempt 1, retrying in 0\.25 s\)",
        attempt_lines[0],
    )
    assert "-> 200" in attempt_lines[1]
    assert "(attempt 2)" in attempt_lines[1]
    assert "PDC-LEAK" not in caplog.text
    assert "token-one" not in caplog.text


# -- rate limit -----------------------------------------------------------------------------


def limit_headers(remaining: int, reset: float, limit: int = 25) -> tuple[tuple[str, str], ...]:
    return (
        *JSON,
        ("X-Rate-Limit-Limit", str(limit)),
        ("X-Rate-Limit-Remaining", str(remaining)),
        ("X-Rate-Limit-Reset", str(int(reset))),
    )


def test_rate_limit_state_follows_every_response(server: LoopbackServer) -> None:
    time = FakeTime()
    server.script = [Reply(503, limit_headers(3, T0 + 9)), Reply(200, JSON, b"{}")]
    session = make(server, time)
    session.get_json("/x")
    assert session.rate_limit.remaining == 3  # from the retried 503; the 200 had no headers
    assert session.rate_limit.limit == 25
    assert session.rate_limit.reset_at is not None
    assert session.rate_limit.reset_at.timestamp() == T0 + 9


def test_item_6_service_account_rate_limit_state_is_per_company(server: LoopbackServer) -> None:
    """Issue #11 item 6: Procore counts a DMSA's limit per company; so does the session."""
    time = FakeTime()
    auth = FakeAuth(Environment.local(server.url), requires_company_id=True)
    server.script = [
        Reply(200, limit_headers(0, T0 + 9), b"{}"),  # company 8: window used up
        Reply(503, limit_headers(7, T0 + 9)),  # company 9, retried: its own state
        Reply(200, JSON, b"{}"),
        Reply(200, limit_headers(4, T0 + 9), b"{}"),  # an unreadable company header
    ]
    session = make(server, time, auth=auth, company_id=8)
    session.get_json("/x")
    view = session.with_company(9)
    view.get_json("/x")  # not paced by company 8's empty window (reset 9 s away)
    assert time.slept < 1  # only the 503's backoff
    assert session.rate_limit.remaining == 0
    assert view.rate_limit.remaining == 7
    assert session.rate_limit_for(9) is view.rate_limit
    session.request("GET", "/x", headers={"Procore-Company-Id": "eight"}).close()
    assert session.rate_limit_for(None).remaining == 4
    # A user-level token's limit is one per token: every company shares one state.
    shared = make(server, time, company_id=8)
    assert shared.with_company(9).rate_limit is shared.rate_limit is shared.rate_limit_for(None)


def test_pacing_waits_for_the_reset_before_sending(server: LoopbackServer) -> None:
    time = FakeTime()
    server.script = [Reply(200, limit_headers(0, T0 + 10), b"{}"), Reply(200, JSON, b"{}")]
    session = make(server, time)
    seen_at_sleep: list[int] = []
    time.on_sleep = lambda _s: seen_at_sleep.append(len(server.requests))
    session.get_json("/one")
    assert time.sleeps == []
    session.get_json("/two")
    assert time.sleeps == [10.25]
    assert seen_at_sleep == [1]  # the second request went out only after the wait
    assert len(server.requests) == 2


def test_pacing_raises_when_the_reset_is_beyond_max_wait(server: LoopbackServer) -> None:
    time = FakeTime()
    server.script = [Reply(200, limit_headers(0, T0 + 3000), b"{}")]
    session = make(server, time)
    session.get_json("/one")
    with pytest.raises(RateLimitError) as caught:
        session.get_json("/two")
    assert caught.value.retry_after == 3000
    assert caught.value.reset_at is not None
    assert caught.value.reset_at.timestamp() == T0 + 3000
    assert time.sleeps == []
    assert len(server.requests) == 1


def test_pace_false_sends_at_once(server: LoopbackServer) -> None:
    time = FakeTime()
    server.script = [Reply(200, limit_headers(0, T0 + 3000), b"{}")]
    session = make(server, time, pace=False)
    session.get_json("/one")
    session.get_json("/two")
    assert time.sleeps == []
    assert len(server.requests) == 2


def test_retry_after_beyond_max_wait_raises_without_sleeping(server: LoopbackServer) -> None:
    time = FakeTime()
    server.script = [Reply(429, (("Retry-After", "3600"), ("X-Request-Id", "r-1")))]
    session = make(server, time)
    with pytest.raises(RateLimitError) as caught:
        session.get_json("/x")
    assert caught.value.retry_after == 3600
    assert caught.value.request_id == "r-1"
    assert "max_wait" in str(caught.value)
    assert time.sleeps == []
    assert len(server.requests) == 1


def test_503_retry_after_beyond_max_wait_raises_rate_limit_error(server: LoopbackServer) -> None:
    time = FakeTime()
    server.script = [Reply(503, (("Retry-After", "120"),))]
    with pytest.raises(RateLimitError) as caught:
        make(server, time).get_json("/x")
    assert caught.value.status_code == 503
    assert time.sleeps == []


def test_rate_limit_state_is_consistent_under_threads() -> None:
    state = RateLimitState()
    errors: list[BaseException] = []

    def hammer(offset: int) -> None:
        try:
            for i in range(300):
                state.update(
                    {
                        "X-Rate-Limit-Limit": "25",
                        "X-Rate-Limit-Remaining": str((i * 7 + offset) % 25),
                        "X-Rate-Limit-Reset": str(int(T0) + i // 50),
                    }
                )
                snap = state.snapshot()
                assert snap.limit == 25
                assert snap.remaining is not None
                assert 0 <= snap.remaining < 25
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=hammer, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    final = state.snapshot()
    assert final.reset_at is not None
    assert final.reset_at.timestamp() == int(T0) + 5


def test_rate_limit_state_ignores_late_answers_from_an_older_window() -> None:
    state = RateLimitState()
    state.update({"X-Rate-Limit-Remaining": "5", "X-Rate-Limit-Reset": str(int(T0) + 10)})
    state.update({"X-Rate-Limit-Remaining": "9", "X-Rate-Limit-Reset": str(int(T0) + 10)})
    assert state.remaining == 5  # same window: remaining only goes down
    state.update({"X-Rate-Limit-Remaining": "20", "X-Rate-Limit-Reset": str(int(T0))})
    assert state.remaining == 5  # older window: ignored
    state.update({"X-Rate-Limit-Remaining": "24", "X-Rate-Limit-Reset": str(int(T0) + 20)})
    assert state.remaining == 24  # a new window starts afresh
    state.update({"Content-Type": "text/plain"})
    assert state.remaining == 24
    assert "remaining=24" in repr(state)


# -- RetryPolicy ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"max_attempts": 0}, "max_attempts"),
        ({"max_attempts": 2.5}, "max_attempts"),
        ({"backoff_factor": -1}, "backoff_factor"),
        ({"backoff_max": "30"}, "backoff_max"),
        ({"max_wait": float("nan")}, "max_wait"),
        ({"retry_statuses": (200,)}, "retry_statuses"),
        ({"retry_statuses": 503}, "retry_statuses"),
        ({"sleep": 3}, "sleep"),
    ],
)
def test_retry_policy_validation(kwargs: dict[str, Any], match: str) -> None:
    with pytest.raises(ConfigurationError, match=match):
        RetryPolicy(**kwargs)


def test_retry_policy_statuses_and_no_jitter(server: LoopbackServer) -> None:
    time = FakeTime()
    server.script = [Reply(500), Reply(500), Reply(200, JSON, b"{}")]
    retry = RetryPolicy(
        retry_statuses=[500], jitter=False, backoff_factor=2, clock=time.clock, sleep=time.sleep
    )
    assert retry.retry_statuses == (500,)
    session = Session(FakeAuth(Environment.local(server.url)), retry=retry)
    assert session.get_json("/x") == {}
    assert time.sleeps == [4.0]  # urllib3: no wait before the first retry, then 2 * 2**1


def test_backoff_is_capped_by_backoff_max(server: LoopbackServer) -> None:
    time = FakeTime()
    server.script = [Reply(502)]
    retry = policy(time, max_attempts=6, backoff_factor=4, backoff_max=10)
    with pytest.raises(ServerError):
        Session(FakeAuth(Environment.local(server.url)), retry=retry).get_json("/x")
    # urllib3 schedule 0, 8, 16, 32, 64 capped at 10; plus jitter 2.0 each
    assert time.sleeps == [2.0, 10.0, 12.0, 12.0, 12.0]


def test_response_json_of_a_plain_response() -> None:
    response = requests.Response()
    response.status_code = 200
    response._content = b'{"a": [1, 2]}'
    assert response_json(response) == {"a": [1, 2]}


def test_recorded_helper_finds_headers_case_insensitively() -> None:
    rec = Recorded("GET", "/", {"X-Thing": "1"}, b"")
    assert rec.header("x-thing") == "1"


def test_head_with_content_length_and_no_body_is_fine(server: LoopbackServer) -> None:
    server.script = [Reply(200, (("Content-Length", "1234"),), b"")]
    response = make(server).request("HEAD", "/rest/v1.0/files/1")
    assert response.status_code == 200
    assert len(server.requests) == 1


# -- configuration and URL edge cases -------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"retry": {"max_attempts": 3}}, "retry must be a RetryPolicy, got dict"),
        ({"requests_session": object()}, "requests_session must be a requests.Session"),
        ({"user_agent": ""}, "user_agent must be a one-line string"),
        ({"user_agent": "acme\nX-Injected: 1"}, "user_agent must be a one-line string"),
        ({"user_agent": 21}, "user_agent must be a one-line string"),
    ],
)
def test_bad_session_options_are_configuration_errors(
    server: LoopbackServer, kwargs: dict[str, Any], match: str
) -> None:
    with pytest.raises(ConfigurationError, match=match):
        make(server, **kwargs)


def test_a_single_number_timeout_applies_to_connect_and_read(server: LoopbackServer) -> None:
    session = make(server, timeout=7)
    assert session.timeout == 7.0
    assert isinstance(session.timeout, float)
    assert session.request("GET", "/x", timeout=2.5).json() == {"ok": True}  # per call too


def test_repr_names_the_environment_and_company_but_no_token(server: LoopbackServer) -> None:
    text = repr(make(server, company_id=8))
    assert text.startswith("Session(environment='local'")
    assert f"api_url='{server.url}'" in text
    assert "company_id=8" in text
    assert "token-one" not in text


@pytest.mark.parametrize(
    ("method", "target", "kwargs", "match"),
    [
        ("GET", 42, {}, "expected a path such as /rest/v1.0/me or a URL, got int"),
        ("GET", "http://[::1/x", {}, "not a valid path or URL"),
        ("GET", "http://127.0.0.1:99999/x", {}, "not a valid URL"),
        ("GET", "ftp://127.0.0.1/file", {"authenticated": False}, "only http"),
        ("GE T", "/x", {}, "method must be an HTTP method"),
        (None, "/x", {}, "method must be an HTTP method"),
    ],
)
def test_bad_targets_and_methods_fail_before_sending(
    server: LoopbackServer, method: Any, target: Any, kwargs: dict[str, Any], match: str
) -> None:
    with pytest.raises(ConfigurationError, match=re.escape(match)):
        make(server).request(method, target, **kwargs)
    assert server.requests == []


def test_lowercase_method_is_sent_upper_case(server: LoopbackServer) -> None:
    make(server).request(" patch ", "/x", json={})
    assert server.requests[0].method == "PATCH"


# -- 401 edge cases -----------------------------------------------------------------------


def test_401_after_a_redirect_to_another_host_burns_no_refresh() -> None:
    # requests drops Authorization when a redirect leaves the host; a 401 from there refused
    # no token of ours, so renewing (and spending a rotating refresh token) would be wrong.
    with LoopbackServer([Reply(401, JSON, b'{"message": "sign in"}')]) as other:
        elsewhere = other.url.replace("127.0.0.1", "localhost")
        with LoopbackServer([Reply(302, (("Location", f"{elsewhere}/login"),), b"")]) as api:
            auth = FakeAuth(Environment.local(api.url))
            session = make(api, auth=auth)
            with pytest.raises(AuthenticationError, match="sign in"):
                session.get_json("/rest/v1.0/me")
    assert auth.refreshes == []
    assert api.requests[0].header("Authorization") == "Bearer token-one-aaaaaaaaaaaa"
    assert [r.header("Authorization") for r in other.requests] == [None]


def test_401_replays_a_seekable_file_body_from_its_start(server: LoopbackServer) -> None:
    server.script = [Reply(401), Reply(201, JSON, b'{"id": 3}')]
    auth = FakeAuth(Environment.local(server.url))
    body = io.BytesIO(b"prefix-skipped|file payload")
    body.seek(len(b"prefix-skipped|"))  # requests replays from where the body started
    response = make(server, auth=auth).request("POST", "/upload", data=body)
    assert response.status_code == 201
    assert [r.body for r in server.requests] == [b"file payload", b"file payload"]
    assert len(auth.refreshes) == 1


def test_401_on_an_unrewindable_stream_is_raised_without_a_refresh(
    server: LoopbackServer,
) -> None:
    server.script = [Reply(401, JSON, b'{"message": "expired"}'), Reply(201, JSON, b"{}")]
    auth = FakeAuth(Environment.local(server.url))
    read_fd, write_fd = os.pipe()
    os.write(write_fd, b"streamed once")
    os.close(write_fd)
    with os.fdopen(read_fd, "rb") as pipe:  # a pipe cannot seek: tell() raises OSError
        headers = {"Content-Length": str(len(b"streamed once"))}
        with pytest.raises(AuthenticationError, match="expired"):
            make(server, auth=auth).request("POST", "/upload", data=pipe, headers=headers)
    assert auth.refreshes == []  # the body cannot be sent twice, so the token is not renewed
    assert [r.body for r in server.requests] == [b"streamed once"]


@pytest.mark.parametrize(
    ("header", "token"),
    [
        (None, None),
        ("", None),
        ("Basic dXNlcjpwYXNz", None),
        ("Bearer ", None),
        ("Bearer   ", None),
        ("bearer abc.def", "abc.def"),
        ("Bearer  padded ", "padded"),
    ],
)
def test_only_bearer_tokens_count_as_refused(header: Optional[str], token: Optional[str]) -> None:
    assert _bearer_token(header) == token


# -- transport edge cases -----------------------------------------------------------------


class _RaisingAdapter(requests.adapters.HTTPAdapter):
    def __init__(self, error: Exception) -> None:
        super().__init__()
        self.error = error
        self.sent = 0

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> Any:
        self.sent += 1
        raise self.error


@pytest.mark.parametrize(
    ("error", "explained"),
    [
        (requests.exceptions.ConnectTimeout("pool timed out"), "timed out connecting to Procore"),
        (requests.exceptions.SSLError("bad handshake"), "the TLS handshake or connection failed"),
        (requests.exceptions.InvalidHeader("bad"), "the request failed (InvalidHeader)"),
    ],
)
def test_transport_failures_are_explained(
    server: LoopbackServer, error: Exception, explained: str
) -> None:
    http = requests.Session()
    adapter = _RaisingAdapter(error)
    http.mount(server.url + "/", adapter)
    session = make(server, requests_session=http)
    with pytest.raises(TransportError) as caught:
        session.get_json("/x")
    assert str(caught.value).startswith(explained)
    assert caught.value.__cause__ is error
    assert adapter.sent == 1


def test_a_gzip_body_shorter_than_content_length_is_not_truncation(
    server: LoopbackServer,
) -> None:
    # Content-Length counts the compressed bytes; the decoded "[]" is far shorter.
    compressed = gzip.compress(b"[]")
    assert len(compressed) > 2
    headers = (*JSON, ("Content-Encoding", "gzip"))
    server.script = [Reply(200, headers, compressed)]
    assert make(server).get_json("/x") == []
    assert len(server.requests) == 1


def test_a_short_body_is_detected_even_where_urllib3_does_not_check() -> None:
    # urllib3 1.26 returns a short body silently; the session's own check catches it.
    response = requests.Response()
    response.status_code = 200
    response.headers["Content-Length"] = "100"
    with pytest.raises(requests.exceptions.ChunkedEncodingError, match="10 of the 100 bytes"):
        check_complete(response, b"0123456789")
    check_complete(response, b"x" * 100)  # complete: no error


def test_a_window_that_already_reset_does_not_pause(server: LoopbackServer) -> None:
    time = FakeTime()
    server.script = [Reply(200, limit_headers(0, T0 - 5), b"{}")]
    session = make(server, time)
    session.get_json("/one")
    assert session.rate_limit.remaining == 0
    session.get_json("/two")
    assert time.sleeps == []
    assert len(server.requests) == 2


def test_rate_limit_wait_is_zero_unless_the_window_is_spent_and_its_reset_known() -> None:
    state = RateLimitState()
    now = datetime.fromtimestamp(T0, tz=timezone.utc)
    assert state.wait_seconds(now) == 0.0  # nothing heard yet
    state.update({"X-Rate-Limit-Remaining": "0"})
    assert state.wait_seconds(now) == 0.0  # spent, but no reset time to wait for
    state.update({"X-Rate-Limit-Remaining": "0", "X-Rate-Limit-Reset": str(int(T0) + 12)})
    assert state.wait_seconds(now) == 12.0
    assert state.wait_seconds(now + timedelta(seconds=20)) == 0.0  # already reset
    state.update({"X-Rate-Limit-Remaining": "4", "X-Rate-Limit-Reset": str(int(T0) + 60)})
    assert state.wait_seconds(now) == 0.0  # a new window with requests left


def test_a_429_without_wait_headers_is_recorded_as_the_backoff(server: LoopbackServer) -> None:
    server.script = [Reply(429), Reply(200, JSON, b'{"ok": true}')]
    session = make(server)
    assert session.get_json("/x") == {"ok": True}
    pause = session.rate_limit.last_pause
    assert pause is not None
    assert "backoff" in pause.cause
    assert session.rate_limit.pauses == 1
