"""The retry matrix of issue 4: methods x faults, each cell asserting attempts, error and sleep.

Every fault is real: a loopback socket that refuses, resets after reading the request, never
answers, or answers with the scripted status and headers. Sleep and clock are injected, with
jitter pinned at 0.25 s, so the total sleep of each cell is exact and nothing really sleeps.

With the default policy (4 attempts, backoff factor 0.5, urllib3's schedule 0, 1, 2 s) the
backoff of three retries is 0.25 + 1.25 + 2.25 = 3.75 s.
"""

from __future__ import annotations

import logging
from email.utils import formatdate
from typing import Any, Optional

import pytest
import requests
from loopback import Action, Hang, LoopbackServer, Reply, Reset, Truncate, closed_port
from session_fakes import T0, FakeAuth, FakeTime, policy

from procore_dc import (
    Environment,
    RateLimitError,
    ResponseFormatError,
    ServerError,
    Session,
    TransportError,
)
from procore_dc.session import response_json

IDEMPOTENT = ("GET", "PUT", "DELETE")
NON_IDEMPOTENT = ("POST", "PATCH")
BACKOFF = 0.25 + 1.25 + 2.25

HTML_502 = b"<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>"

# fault -> (script or None for "refused", idempotent expectation, non-idempotent expectation)
# expectation = (attempts, exception type or None, total sleep)
Expect = tuple[int, Optional[type[BaseException]], float]
FAULTS: dict[str, tuple[Optional[list[Action]], Expect, Expect]] = {
    "refused": (None, (4, TransportError, BACKOFF), (4, TransportError, BACKOFF)),
    "reset after send": ([Reset()], (4, TransportError, BACKOFF), (1, TransportError, 0.0)),
    "read timeout": ([Hang()], (4, TransportError, BACKOFF), (1, TransportError, 0.0)),
    "429 Retry-After seconds": (
        [Reply(429, (("Retry-After", "2"),), b'{"message": "slow down"}')],
        (4, RateLimitError, 3 * 2.25),
        (1, RateLimitError, 0.0),
    ),
    # The date is 3 s after T0: the first wait is 3 s, later ones find it passed (0 + jitter).
    "429 Retry-After HTTP date": (
        [Reply(429, (("Retry-After", formatdate(T0 + 3, usegmt=True)),))],
        (4, RateLimitError, 3.25 + 0.25 + 0.25),
        (1, RateLimitError, 0.0),
    ),
    "429 X-Rate-Limit-Reset only": (
        [
            Reply(
                429,
                (
                    ("X-Rate-Limit-Limit", "25"),
                    ("X-Rate-Limit-Remaining", "0"),
                    ("X-Rate-Limit-Reset", str(int(T0 + 5))),
                ),
            )
        ],
        (4, RateLimitError, 5.25 + 0.25 + 0.25),
        (1, RateLimitError, 0.0),
    ),
    "429 no hint": ([Reply(429)], (4, RateLimitError, BACKOFF), (1, RateLimitError, 0.0)),
    "502 HTML": (
        [Reply(502, (("Content-Type", "text/html"),), HTML_502)],
        (4, ServerError, BACKOFF),
        (1, ServerError, 0.0),
    ),
    "503 Retry-After": (
        [Reply(503, (("Retry-After", "1"),))],
        (4, ServerError, 3 * 1.25),
        (1, ServerError, 0.0),
    ),
    "500": ([Reply(500, (), b'{"error": "boom"}')], (1, ServerError, 0.0), (1, ServerError, 0.0)),
    "malformed JSON 200": (
        [Reply(200, (("Content-Type", "application/json"),), b'{"id": 1,')],
        (1, ResponseFormatError, 0.0),
        (1, ResponseFormatError, 0.0),
    ),
    "truncated body": ([Truncate()], (4, TransportError, BACKOFF), (1, TransportError, 0.0)),
}

CELLS = [
    pytest.param(method, fault, id=f"{method}-{fault}")
    for fault in FAULTS
    for method in IDEMPOTENT + NON_IDEMPOTENT
]


def call(session: Session, method: str) -> Any:
    body = {"rfi": {"subject": "Door"}} if method in ("PUT", "POST", "PATCH") else None
    return response_json(session.request(method, "/rest/v1.0/things", json=body))


def attempt_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        r.getMessage()
        for r in caplog.records
        if r.name == "procore_dc.session" and "(attempt " in r.getMessage()
    ]


@pytest.mark.parametrize(("method", "fault"), CELLS)
def test_retry_matrix_cell(method: str, fault: str, caplog: pytest.LogCaptureFixture) -> None:
    script, idempotent, non_idempotent = FAULTS[fault]
    attempts, error, slept = idempotent if method in IDEMPOTENT else non_idempotent
    time = FakeTime()
    caplog.set_level(logging.DEBUG, logger="procore_dc")

    def run(api_url: str) -> Optional[BaseException]:
        session = Session(
            FakeAuth(Environment.local(api_url)),
            company_id=8,
            retry=policy(time),
            timeout=(2.0, 0.05),
        )
        with session:
            try:
                call(session, method)
            except Exception as exc:
                return exc
        return None

    if script is None:
        raised = run(f"http://127.0.0.1:{closed_port()}")
    else:
        with LoopbackServer(script) as server:
            raised = run(server.url)
        assert len(server.requests) == attempts
        assert all(r.method == method for r in server.requests)

    assert error is not None
    assert isinstance(raised, error), raised
    assert time.slept == pytest.approx(slept)
    lines = attempt_lines(caplog)
    assert len(lines) == attempts, lines
    assert [f"(attempt {n}" in line for n, line in enumerate(lines, 1)] == [True] * attempts
    if isinstance(raised, TransportError):
        assert isinstance(raised.__cause__, requests.RequestException)
        plural = "s" if attempts > 1 else ""
        assert f"after {attempts} attempt{plural}" in str(raised)
    if isinstance(raised, RateLimitError):
        assert raised.status_code == 429


def test_server_error_html_message_names_the_proxy_page() -> None:
    time = FakeTime()
    with LoopbackServer([Reply(502, (("Content-Type", "text/html"),), HTML_502)]) as server:
        session = Session(FakeAuth(Environment.local(server.url)), retry=policy(time))
        with pytest.raises(ServerError) as caught:
            session.get_json("/rest/v1.0/me")
    assert caught.value.status_code == 502
    assert "502 Bad Gateway" in str(caught.value)
