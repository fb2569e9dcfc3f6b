"""Each fault kind, seen from a plain requests client."""

from __future__ import annotations

import http.client
import json
import socket

import pytest
import requests
import urllib3

from procore_dc.testing import FakeProcore

from .conftest import COMPANY, dmsa_token, get, headers

PATH = "/rest/v1.0/projects"


def test_status_fault_with_headers_and_times(sandbox: FakeProcore) -> None:
    token = dmsa_token(sandbox)
    sandbox.faults.add(
        "GET", "/rest/v1.0/projects*", "status", status=503, headers={"Retry-After": "7"}, times=1
    )
    first = get(sandbox, PATH, token, params={"company_id": COMPANY})
    assert first.status_code == 503
    assert first.headers["Retry-After"] == "7"
    assert get(sandbox, PATH, token, params={"company_id": COMPANY}).status_code == 200
    assert sandbox.requests[-2].fault == "status"


def test_delay_fault_waits_before_answering(sandbox: FakeProcore) -> None:
    token = dmsa_token(sandbox)
    sandbox.faults.add("GET", PATH, "delay", seconds=0.3, times=1)
    with pytest.raises(requests.Timeout):
        get(sandbox, PATH, token, params={"company_id": COMPANY}, timeout=0.05)


def _raw(sandbox: FakeProcore, token: str) -> socket.socket:
    _host, port = sandbox.api_url.rsplit(":", 1)
    sock = socket.create_connection(("127.0.0.1", int(port)), timeout=5)
    request = (
        f"GET {PATH}?company_id={COMPANY} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        f"Authorization: Bearer {token}\r\nProcore-Company-Id: {COMPANY}\r\n\r\n"
    )
    sock.sendall(request.encode())
    return sock


def test_reset_drops_the_connection_without_a_byte(sandbox: FakeProcore) -> None:
    token = dmsa_token(sandbox)
    sandbox.faults.add("GET", PATH, "reset", times=1)
    sock = _raw(sandbox, token)
    # An RST, not a clean close (which would return b""), and not a byte of a response.
    with pytest.raises(ConnectionResetError):
        sock.recv(1024)
    sock.close()
    assert sandbox.requests[-1].status is None


def test_reset_fault_is_a_connection_error_for_requests(sandbox: FakeProcore) -> None:
    token = dmsa_token(sandbox)
    sandbox.faults.add("POST", "/rest/v1.0/projects/*/rfis", "reset", times=1)
    with pytest.raises(requests.ConnectionError):
        requests.post(
            f"{sandbox.api_url}/rest/v1.0/projects/100001/rfis",
            json={"rfi": {"subject": "s", "question": {"body": "q"}, "rfi_manager_id": 1000001}},
            headers=headers(token),
            timeout=5,
        )
    # "reset" drops the request before it is acted on: no RFI was created.
    assert len(sandbox.data.rfis.of(100001)) == 250


def test_reset_after_read_acts_then_drops(sandbox: FakeProcore) -> None:
    token = dmsa_token(sandbox)
    sandbox.faults.add("POST", "/rest/v1.0/projects/*/rfis", "reset_after_read", times=1)
    with pytest.raises(requests.ConnectionError):
        requests.post(
            f"{sandbox.api_url}/rest/v1.0/projects/100001/rfis",
            json={"rfi": {"subject": "s", "question": {"body": "q"}, "rfi_manager_id": 1000001}},
            headers=headers(token),
            timeout=5,
        )
    assert len(sandbox.data.rfis.of(100001)) == 251


def test_truncate_sends_fewer_bytes_than_content_length(sandbox: FakeProcore) -> None:
    token = dmsa_token(sandbox)
    sandbox.faults.add("GET", PATH, "truncate", times=1)
    sock = _raw(sandbox, token)
    response = http.client.HTTPResponse(sock)
    response.begin()
    length = int(response.getheader("Content-Length"))
    with pytest.raises(http.client.IncompleteRead) as caught:
        response.read()
    assert 0 < len(caught.value.partial) < length
    sock.close()
    if urllib3.__version__.startswith("1."):
        return  # urllib3 1.26 (Python 3.9 here) hands a short body back without complaint
    sandbox.faults.add("GET", PATH, "truncate", times=1)
    with pytest.raises(requests.exceptions.ChunkedEncodingError):
        get(sandbox, PATH, token, params={"company_id": COMPANY})


def test_malformed_json(sandbox: FakeProcore) -> None:
    token = dmsa_token(sandbox)
    sandbox.faults.add("GET", PATH, "malformed_json", times=1)
    response = get(sandbox, PATH, token, params={"company_id": COMPANY})
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/json")
    with pytest.raises(json.JSONDecodeError):
        json.loads(response.text)


def test_html_error_is_a_proxy_502(sandbox: FakeProcore) -> None:
    token = dmsa_token(sandbox)
    sandbox.faults.add("*", "/rest/*", "html_error", times=1)
    response = get(sandbox, PATH, token, params={"company_id": COMPANY})
    assert response.status_code == 502
    assert response.headers["Content-Type"].startswith("text/html")
    assert "<html>" in response.text


def test_lose_token_response_commits_the_rotation(sandbox: FakeProcore) -> None:
    app = sandbox.default_app
    token = sandbox.issue_token()
    sandbox.faults.add(kind="lose_token_response", times=1)
    data = {
        "grant_type": "refresh_token",
        "client_id": app.client_id,
        "client_secret": app.client_secret,
        "refresh_token": token["refresh_token"],
    }
    url = f"{sandbox.login_url}/oauth/token"
    with pytest.raises(requests.ConnectionError):
        requests.post(url, data=data, timeout=5)
    retried = requests.post(url, data=data, timeout=5)
    assert retried.status_code == 400
    assert retried.json()["error"] == "invalid_grant"


def test_probability_uses_the_seeded_rng() -> None:
    def run() -> list[int]:
        with FakeProcore(seed=3, rate_limits=None) as sandbox:
            token = sandbox.issue_token(user_id=None)["access_token"]
            sandbox.faults.add("GET", "/rest/v1.0/me", "status", status=500, probability=0.5)
            return [get(sandbox, "/rest/v1.0/me", token).status_code for _ in range(12)]

    first = run()
    assert first == run()
    assert set(first) == {200, 500}


def test_bad_fault_arguments_are_rejected(sandbox: FakeProcore) -> None:
    with pytest.raises(ValueError, match="unknown fault kind"):
        sandbox.faults.add(kind="explode")
    with pytest.raises(ValueError, match="status="):
        sandbox.faults.add(kind="status")
