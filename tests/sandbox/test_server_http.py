"""The sandbox's HTTP/1.1 request parsing, over raw sockets: what a client sends is what the
handlers see, and a malformed header block gets the status http.server would send."""

from __future__ import annotations

import socket

import pytest

from procore_dc.testing import FakeProcore

from .conftest import COMPANY, dmsa_token

PATH = "/rest/v1.0/projects"


def _exchange(sandbox: FakeProcore, head: str, *, body: bytes = b"") -> bytes:
    """Send one request and read until the server closes or a whole response has come."""
    _host, port = sandbox.api_url.rsplit(":", 1)
    with socket.create_connection(("127.0.0.1", int(port)), timeout=5) as sock:
        sock.sendall(head.encode("latin-1") + body)
        received = b""
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                return received
            received += chunk
            header_end = received.find(b"\r\n\r\n")
            if header_end >= 0:
                length = 0
                for line in received[:header_end].split(b"\r\n")[1:]:
                    name, _, value = line.partition(b":")
                    if name.strip().lower() == b"content-length":
                        length = int(value)
                if len(received) >= header_end + 4 + length:
                    return received


def _status(response: bytes) -> int:
    return int(response.split(b" ", 2)[1])


def _request(
    token: str, *extra: str, line: str = f"GET {PATH}?company_id={COMPANY} HTTP/1.1"
) -> str:
    headers = [
        "Host: 127.0.0.1",
        f"Authorization: Bearer {token}",
        f"Procore-Company-Id: {COMPANY}",
        *extra,
    ]
    return line + "\r\n" + "".join(f"{h}\r\n" for h in headers) + "\r\n"


def test_headers_reach_the_handlers_as_sent(sandbox: FakeProcore) -> None:
    token = dmsa_token(sandbox)
    response = _exchange(sandbox, _request(token, "X-Trace:  a:b  ", "X-Dup: 1", "X-Dup: 2"))
    assert _status(response) == 200
    record = sandbox.requests[-1]
    assert record.headers["X-Trace"] == "a:b"  # outer blanks go, a colon in the value stays
    assert record.headers.getlist("X-Dup") == ["1, 2"]  # joined, as a WSGI environ holds them
    assert b"Connection: close" not in response  # HTTP/1.1 keeps the connection open


@pytest.mark.parametrize(
    "bad",
    ["X-Folded: one", "No colon here", " Leading-Space: x", "Trailing-Space : x"],
    ids=["obs-fold", "no-colon", "leading-space", "space-before-colon"],
)
def test_a_malformed_header_line_is_a_400_that_closes(sandbox: FakeProcore, bad: str) -> None:
    token = dmsa_token(sandbox)
    head = _request(token, bad)
    if bad.startswith("X-Folded"):
        head = _request(token, "X-Folded: one", "\ttwo")
    before = len(sandbox.requests)
    response = _exchange(sandbox, head)
    assert _status(response) == 400
    assert b"Connection: close" in response
    assert len(sandbox.requests) == before  # never reached the handlers


def test_too_many_or_too_long_headers_are_a_431(sandbox: FakeProcore) -> None:
    token = dmsa_token(sandbox)
    many = [f"X-N{i}: {i}" for i in range(101)]
    assert _status(_exchange(sandbox, _request(token, *many))) == 431
    assert _status(_exchange(sandbox, _request(token, "X-Long: " + "a" * 70_000))) == 431
    fine = [f"X-N{i}: {i}" for i in range(90)]
    assert _status(_exchange(sandbox, _request(token, *fine))) == 200


def test_connection_close_is_honoured(sandbox: FakeProcore) -> None:
    token = dmsa_token(sandbox)
    response = _exchange(sandbox, _request(token, "Connection: close"))
    assert _status(response) == 200
    assert b"Connection: close" in response


def test_expect_100_continue_gets_an_interim_response(sandbox: FakeProcore) -> None:
    token = dmsa_token(sandbox)
    body = b'{"name": "x"}'
    head = _request(
        token,
        "Expect: 100-continue",
        "Content-Type: application/json",
        f"Content-Length: {len(body)}",
        line=f"POST /rest/v1.0/webhooks/hooks?company_id={COMPANY} HTTP/1.1",
    )
    response = _exchange(sandbox, head, body=body)
    assert response.startswith(b"HTTP/1.1 100 Continue\r\n")


def test_other_request_lines_go_through_http_server(sandbox: FakeProcore) -> None:
    token = dmsa_token(sandbox)
    old = _exchange(sandbox, _request(token, line=f"GET {PATH}?company_id={COMPANY} HTTP/1.0"))
    assert _status(old) == 200
    assert b"Connection: close" in old  # HTTP/1.0 without keep-alive closes
    # http.server answers these before it knows the version, so without a status line.
    assert b"Error code: 505" in _exchange(sandbox, _request(token, line="GET / HTTP/2.0"))
    assert b"Error code: 400" in _exchange(sandbox, _request(token, line="GET / HTTP/x"))


def test_any_header_block_parses_or_is_refused_with_a_status() -> None:
    # Seeded random blocks of header-ish bytes: the reader returns headers or raises what
    # parse_request turns into a 400 or a 431, never anything else.
    import http.client
    import io
    import random

    from procore_dc.testing._server import _read_headers

    rng = random.Random(19)
    alphabet = b"ab:-\t \r\n\x00\xff:"
    outcomes = set()
    for _ in range(3000):
        block = bytes(rng.choice(alphabet) for _ in range(rng.randrange(0, 60)))
        try:
            headers = _read_headers(io.BytesIO(block))
        except ValueError:
            outcomes.add("400")
        except http.client.HTTPException:
            outcomes.add("431")
        else:
            outcomes.add("ok")
            assert all(":" not in name and name == name.strip() for name in headers)
    assert outcomes == {"ok", "400"}  # (60 bytes hold too few lines for a 431)
