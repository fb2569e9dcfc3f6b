"""A hostile server on 127.0.0.1 against the session and the token requests (issue #12).

Each test reproduces one attack of the red-team review (items 1, 3, 5 and 6 of the issue):
endless and compressed bodies, slow drips and black holes, bogus rate-limit resets and hostile
token answers. Every server caps what it sends and records how much went out, so a test that
would have read forever on the old code ends (and fails) instead.
"""

from __future__ import annotations

import fcntl
import gzip
import json
import os
import socket
import threading
import zlib
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from loopback import Hang, LoopbackServer, Raw, Reply
from session_fakes import T0, FakeAuth, FakeTime, policy

import procore_dc.auth._oauth as oauth_wire
from procore_dc import (
    ConfigurationError,
    Environment,
    FileTokenStore,
    MemoryTokenStore,
    OAuthError,
    RateLimitError,
    ServerError,
    ServiceAccountAuth,
    Session,
    Token,
    TransportError,
    UserLevelAuth,
)
from procore_dc.exceptions import ResponseFormatError, ResponseTooLargeError
from procore_dc.exceptions import TimeoutError as CallTimedOut
from procore_dc.rate_limit import MAX_WINDOW_SECONDS, RateLimitState

JSON = (("Content-Type", "application/json"),)
MiB = 1024 * 1024
# What a hostile sender may push before it gives up; the client must stop far earlier.
SEND_CAP = 64 * MiB


class Sent:
    """How many body bytes a hostile sender got out before the client hung up."""

    def __init__(self) -> None:
        self.bytes = 0
        self.done = threading.Event()


def _head(status: int, headers: tuple[tuple[str, str], ...]) -> bytes:
    lines = [f"HTTP/1.1 {status} Hostile", *(f"{k}: {v}" for k, v in headers)]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def endless(status: int, sent: Sent, headers: tuple[tuple[str, str], ...] = JSON) -> Raw:
    """A chunked body that never ends (until SEND_CAP or the client hangs up)."""

    def send(conn: socket.socket, stop: threading.Event) -> None:
        chunk = b"[" + b"1," * 32767
        frame = f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n"
        try:
            conn.sendall(_head(status, (*headers, ("Transfer-Encoding", "chunked"))))
            while sent.bytes < SEND_CAP and not stop.is_set():
                conn.sendall(frame)
                sent.bytes += len(chunk)
        except OSError:
            pass
        finally:
            sent.done.set()

    return Raw(send)


def compressed(status: int, body: bytes, encoding: str) -> Raw:
    """A small compressed body that decodes to ``body`` (a bomb when ``body`` is large)."""
    packed = gzip.compress(body, 9) if encoding == "gzip" else zlib.compress(body, 9)
    headers = (*JSON, ("Content-Encoding", encoding), ("Content-Length", str(len(packed))))

    def send(conn: socket.socket, stop: threading.Event) -> None:
        try:
            conn.sendall(_head(status, headers) + packed)
            stop.wait(2)  # keep the socket open; the client must stop on its own
        except OSError:
            pass

    return Raw(send)


def drip(sent: Sent, length: int = 2000, every: float = 0.02) -> Raw:
    """A declared body sent one byte at a time: each read returns well within any timeout."""

    def send(conn: socket.socket, stop: threading.Event) -> None:
        try:
            conn.sendall(_head(200, (*JSON, ("Content-Length", str(length)))))
            while sent.bytes < length and not stop.wait(every):
                conn.sendall(b" ")
                sent.bytes += 1
        except OSError:
            pass
        finally:
            sent.done.set()

    return Raw(send)


@pytest.fixture
def server() -> Iterator[LoopbackServer]:
    with LoopbackServer() as running:
        yield running


def session_for(server: LoopbackServer, time: FakeTime | None = None, **kwargs: object) -> Session:
    kwargs.setdefault("timeout", (5.0, 5.0))
    kwargs.setdefault("retry", policy(time or FakeTime()))
    return Session(FakeAuth(Environment.local(server.url)), **kwargs)  # type: ignore[arg-type]


# -- item 1: bounded memory for every body ---------------------------------------------------


def test_an_endless_json_body_stops_at_the_limit_and_drops_the_connection(
    server: LoopbackServer,
) -> None:
    sent = Sent()
    server.script = [endless(200, sent), Reply(200, JSON, b"[]")]
    session = session_for(server, max_body_bytes=MiB)
    with pytest.raises(ResponseTooLargeError) as caught:
        session.get_json("/x")
    assert isinstance(caught.value, TransportError)
    assert caught.value.limit == MiB
    assert caught.value.status_code == 200
    assert sent.done.wait(5)  # the sender saw the connection go away ...
    assert sent.bytes < 16 * MiB  # ... long before its cap
    assert session.get_json("/x") == []  # the pool is usable afterwards


@pytest.mark.parametrize("encoding", ["gzip", "deflate"])
def test_a_compression_bomb_counts_decoded_bytes(server: LoopbackServer, encoding: str) -> None:
    server.script = [compressed(200, b"[" + b" " * (32 * MiB) + b"]", encoding)]
    with pytest.raises(ResponseTooLargeError, match="larger than the limit of 1048576"):
        session_for(server, max_body_bytes=MiB).get_json("/x")


def test_a_compressed_body_within_the_limit_is_decoded(server: LoopbackServer) -> None:
    server.script = [compressed(200, json.dumps([{"id": 1}] * 1000).encode(), "gzip")]
    assert len(session_for(server, max_body_bytes=MiB).get_json("/x")) == 1000


def test_an_endless_error_page_is_cut_at_the_error_limit(server: LoopbackServer) -> None:
    sent = Sent()
    server.script = [endless(500, sent, (("Content-Type", "text/html"),))]
    session = session_for(server)  # the default statuses do not retry a 500
    with pytest.raises(ResponseTooLargeError) as caught:
        session.get_json("/x")
    assert caught.value.status_code == 500
    assert caught.value.limit == session.max_error_body_bytes == MiB
    assert sent.done.wait(5)
    assert sent.bytes < 16 * MiB


def test_a_streamed_download_that_fails_reads_its_error_page_within_the_limit(
    server: LoopbackServer,
) -> None:
    sent = Sent()
    server.script = [endless(404, sent)]
    session = session_for(server, max_error_body_bytes=64 * 1024)
    with pytest.raises(ResponseTooLargeError):
        session.request("GET", "/file", stream=True)
    assert sent.done.wait(5)
    assert sent.bytes < 16 * MiB


def test_a_retried_503_with_an_endless_body_is_not_drained(server: LoopbackServer) -> None:
    sent = Sent()
    server.script = [endless(503, sent), Reply(200, JSON, b"[1]")]
    time = FakeTime()
    assert session_for(server, time).get_json("/x") == [1]
    assert sent.done.wait(5)
    assert sent.bytes < 16 * MiB
    assert len(server.requests) == 2


def test_a_redirect_with_an_endless_body_is_not_read(server: LoopbackServer) -> None:
    sent = Sent()
    location = (("Location", f"{server.url}/there"),)
    server.script = [endless(302, sent, location), Reply(200, JSON, b"[2]")]
    assert session_for(server).get_json("/here") == [2]
    assert sent.done.wait(5)
    assert sent.bytes < 16 * MiB
    assert [r.target for r in server.requests] == ["/here", "/there"]


def test_an_endless_token_answer_is_cut_and_reported(server: LoopbackServer) -> None:
    sent = Sent()
    server.script = [endless(200, sent)]
    auth = ServiceAccountAuth("id", "secret-x", environment=Environment.local(server.url))
    with pytest.raises(TransportError):
        auth.ensure_valid()
    assert sent.done.wait(5)
    assert sent.bytes < 16 * MiB


# -- item 6: a total deadline per call --------------------------------------------------------


def test_a_slow_drip_body_ends_at_the_deadline(server: LoopbackServer) -> None:
    sent = Sent()
    server.script = [drip(sent)]
    session = session_for(server, deadline=0.3)
    with pytest.raises(CallTimedOut, match="deadline") as caught:
        session.get_json("/x")
    assert isinstance(caught.value, TransportError)
    assert sent.done.wait(5)
    assert sent.bytes < 2000  # the body never finished
    assert len(server.requests) == 1


def test_a_black_hole_ends_at_the_deadline_without_more_attempts(server: LoopbackServer) -> None:
    server.script = [Hang()]
    session = session_for(server, deadline=0.3)
    with pytest.raises(CallTimedOut, match="deadline passed after 1 attempt"):
        session.get_json("/x")
    assert len(server.requests) == 1


def test_a_retry_wait_past_the_deadline_fails_at_once(server: LoopbackServer) -> None:
    time = FakeTime()
    server.script = [Reply(503, (("Retry-After", "30"),), b"")]
    with pytest.raises(CallTimedOut):
        session_for(server, time, deadline=5).get_json("/x")
    assert time.sleeps == []
    assert len(server.requests) == 1


def test_a_rate_limit_wait_past_the_deadline_fails_without_sending(
    server: LoopbackServer,
) -> None:
    time = FakeTime()
    server.script = [Reply(200, JSON, b"[]")]
    session = session_for(server, time, deadline=5)
    session.rate_limit.update(
        {"X-Rate-Limit-Remaining": "0", "X-Rate-Limit-Reset": str(int(T0) + 30)}
    )
    with pytest.raises(CallTimedOut, match="rate-limit window"):
        session.get_json("/x")
    assert server.requests == []
    assert time.sleeps == []


def test_a_slow_drip_token_answer_ends_at_the_token_deadline(
    server: LoopbackServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(oauth_wire, "TOKEN_DEADLINE", 0.3)
    sent = Sent()
    server.script = [drip(sent)]
    auth = ServiceAccountAuth("id", "secret-x", environment=Environment.local(server.url))
    with pytest.raises((OAuthError, TransportError)):
        auth.ensure_valid()
    assert sent.bytes < 2000


def test_a_held_token_file_lock_raises_naming_the_lock_file(tmp_path: Path) -> None:
    store = FileTokenStore(tmp_path / "token.json", lock_timeout=0.2)
    fd = os.open(store.lock_path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)  # another open file description: flock conflicts
        with pytest.raises(CallTimedOut, match=str(store.lock_path)), store.lock():
            pass  # pragma: no cover - never entered
    finally:
        os.close(fd)
    with store.lock():  # released: taken at once
        pass


# -- item 3: rate-limit state cannot wedge a session ------------------------------------------


def test_a_reset_years_away_is_capped_and_a_refused_wait_does_not_poison(
    server: LoopbackServer,
) -> None:
    far = str(int(T0) + 10 * 365 * 24 * 3600)
    server.script = [
        Reply(200, (*JSON, ("X-Rate-Limit-Remaining", "0"), ("X-Rate-Limit-Reset", far)), b"[]"),
        Reply(200, (*JSON, ("X-Rate-Limit-Remaining", "99")), b"[3]"),
    ]
    time = FakeTime()
    session = session_for(server, time)
    assert session.get_json("/x") == []
    now = datetime.fromtimestamp(T0, tz=timezone.utc)
    assert session.rate_limit.wait_seconds(now) == MAX_WINDOW_SECONDS
    with pytest.raises(RateLimitError, match="max_wait"):
        session.with_company(9).get_json("/x")  # one refusal, without sending ...
    assert len(server.requests) == 1
    assert session.get_json("/x") == [3]  # ... then Procore is asked again
    assert len(server.requests) == 2
    assert time.sleeps == []


def test_an_exhausted_spike_window_paces_after_an_hourly_answer(server: LoopbackServer) -> None:
    time = FakeTime()
    server.script = [Reply(200, JSON, b"[]")]
    session = session_for(server, time)
    session.rate_limit.update(
        {
            "X-Rate-Limit-Limit": "25",
            "X-Rate-Limit-Remaining": "0",
            "X-Rate-Limit-Reset": str(int(T0) + 7),
        }
    )
    session.rate_limit.update(
        {
            "X-Rate-Limit-Limit": "3600",
            "X-Rate-Limit-Remaining": "3000",
            "X-Rate-Limit-Reset": str(int(T0) + 1800),
        }
    )
    assert session.rate_limit.remaining == 3000  # what Procore said last ...
    session.get_json("/x")
    assert time.sleeps == [pytest.approx(7.25)]  # ... but the spent spike window was waited
    session.get_json("/x")
    assert len(time.sleeps) == 1  # once it reset, no more waiting


def test_a_window_reset_in_the_past_is_forgotten() -> None:
    state = RateLimitState()
    state.update({"X-Rate-Limit-Remaining": "0", "X-Rate-Limit-Reset": str(int(T0) + 5)})
    now = datetime.fromtimestamp(T0, tz=timezone.utc)
    assert state.wait_seconds(now) == 5.0
    assert state.wait_seconds(now + timedelta(seconds=6)) == 0.0
    assert state.exhausted_until is None


# -- item 5: hostile token answers -------------------------------------------------------------


def token_answer(**fields: object) -> Reply:
    return Reply(200, JSON, json.dumps(fields).encode())


@pytest.mark.parametrize(
    ("expires_in", "outcome"),
    [
        (10**12, "capped"),
        (1e300, "capped"),
        ("1e999", "error"),  # JSON infinity
        (-5, "error"),
        ("soon", "error"),
        (True, "error"),
        (0, 0.0),
        (1.5, 1.5),
        ("120", 120.0),
        (None, 3600.0),  # missing
    ],
)
def test_hostile_expires_in_is_a_typed_error_or_a_sane_lifetime(
    server: LoopbackServer, expires_in: object, outcome: object
) -> None:
    fields: dict[str, object] = {"access_token": "tok-abc", "token_type": "bearer"}
    if expires_in is not None:
        fields["expires_in"] = expires_in
    body = json.dumps(fields).replace('"1e999"', "1e999").encode()
    server.script = [Reply(200, JSON, body)]
    auth = ServiceAccountAuth("id", "secret-x", environment=Environment.local(server.url))
    before = datetime.now(timezone.utc)
    if outcome == "error":
        with pytest.raises((OAuthError, ResponseFormatError)) as caught:
            auth.ensure_valid()
        assert not isinstance(caught.value, OverflowError)
        return
    token = auth.ensure_valid()
    lifetime = (token.expires_at - before).total_seconds()
    if outcome == "capped":
        assert 364 * 24 * 3600 < lifetime <= 366 * 24 * 3600
    else:
        assert lifetime == pytest.approx(outcome, abs=2)


@pytest.mark.parametrize("bad", ["tok\r\nX-Evil: 1", "tok\nen", "tok\x00", "tök", "two words"])
def test_a_token_with_control_characters_is_refused_before_any_header(
    server: LoopbackServer, bad: str
) -> None:
    server.script = [token_answer(access_token=bad, expires_in=3600)]
    auth = ServiceAccountAuth("id", "secret-x", environment=Environment.local(server.url))
    with pytest.raises(OAuthError) as caught:
        auth.ensure_valid()
    assert bad not in str(caught.value)
    assert auth.store.load() is None


def test_a_token_with_crlf_cannot_be_built_or_loaded() -> None:
    now = datetime.now(timezone.utc)
    with pytest.raises(ResponseFormatError):
        Token.from_response({"access_token": "tok\r\nX: 1"}, now)
    with pytest.raises(ConfigurationError):
        Token("tok\r\nX: 1", expires_at=now)
    with pytest.raises(ConfigurationError):
        Token("tok", expires_at=now, refresh_token="r\n")


@pytest.mark.parametrize(
    "answer",
    [
        {"access_token": "new-a", "refresh_token": "R2", "expires_in": 1e999},
        {"access_token": "new\r\na", "refresh_token": "R2", "expires_in": 3600},
        {"refresh_token": "R2", "expires_in": 3600},
    ],
)
def test_a_refresh_keeps_the_rotated_refresh_token_of_an_unusable_answer(
    server: LoopbackServer, answer: dict[str, object]
) -> None:
    body = json.dumps(answer).replace("Infinity", "1e999").encode()
    server.script = [Reply(200, JSON, body)]
    past = datetime.now(timezone.utc) - timedelta(hours=1)
    store = MemoryTokenStore(Token("old-a", expires_at=past, refresh_token="R1"))
    auth = UserLevelAuth(
        "id",
        "secret-x",
        "http://127.0.0.1:9/callback",
        environment=Environment.local(server.url),
        store=store,
    )
    with pytest.raises(OAuthError):
        auth.ensure_valid()
    saved = store.load()
    assert saved is not None
    assert saved.refresh_token == "R2"  # the only live refresh token is kept ...
    assert "R1" not in [r.body.decode() for r in server.requests[1:]]  # ... R1 never resent


def test_a_server_error_still_maps_to_its_class(server: LoopbackServer) -> None:
    server.script = [Reply(500, JSON, b'{"message": "down"}')]
    with pytest.raises(ServerError, match="down"):
        session_for(server).get_json("/x")


def test_a_deadline_must_be_positive(server: LoopbackServer) -> None:
    for bad in (0, -1, "5", True):
        with pytest.raises(ConfigurationError, match="deadline"):
            session_for(server, deadline=bad)
    with pytest.raises(ConfigurationError, match="max_body_bytes"):
        session_for(server, max_body_bytes=0)


def test_forgetting_another_window_keeps_the_current_one() -> None:
    state = RateLimitState()
    state.update({"X-Rate-Limit-Remaining": "0", "X-Rate-Limit-Reset": str(int(T0) + 5)})
    state.forget_exhausted(datetime.fromtimestamp(T0 + 99, tz=timezone.utc))
    assert state.exhausted_until is not None
    state.forget_exhausted()
    assert state.exhausted_until is None


def test_a_retried_compressed_error_page_is_dropped_not_drained(server: LoopbackServer) -> None:
    server.script = [compressed(503, b" " * (4 * MiB), "gzip"), Reply(200, JSON, b"[5]")]
    assert session_for(server).get_json("/x") == [5]
    assert len(server.requests) == 2


def test_a_corrupt_gzip_body_is_a_transport_error(server: LoopbackServer) -> None:
    def send(conn: socket.socket, stop: threading.Event) -> None:
        junk = b"\x1f\x8b\x08\x00not gzip at all"
        headers = (*JSON, ("Content-Encoding", "gzip"), ("Content-Length", str(len(junk))))
        conn.sendall(_head(200, headers) + junk)

    server.script = [Raw(send)]
    with pytest.raises(TransportError):
        session_for(server).get_json("/x")


def test_a_body_already_in_memory_is_still_held_to_the_limit() -> None:
    import requests

    from procore_dc._body import read_body

    response = requests.Response()
    response.status_code = 200
    response._content = b"x" * 100
    with pytest.raises(ResponseTooLargeError):
        read_body(response, limit=10, deadline=float("inf"), method="GET", url="http://h/")
    assert read_body(response, limit=100, deadline=float("inf"), method="GET", url="h") == (
        b"x" * 100
    )


def test_a_lock_timeout_must_be_positive(tmp_path: Path) -> None:
    for bad in (0, -1, "5", True):
        with pytest.raises(ConfigurationError, match="lock_timeout"):
            FileTokenStore(tmp_path / "t.json", lock_timeout=bad)  # type: ignore[arg-type]


def test_retries_spent_on_read_timeouts_say_so(server: LoopbackServer) -> None:
    server.script = [Hang()]
    session = session_for(server, retry=policy(FakeTime(), max_attempts=2), timeout=(5, 0.2))
    with pytest.raises(TransportError, match="read timeout") as caught:
        session.get_json("/x")
    assert "after 2 attempts" in str(caught.value)
    assert len(server.requests) == 2
