"""The suite runs with sockets limited to loopback (pytest-socket, configured in pyproject.toml).

A test that would reach the internet must fail at ``connect()``, before any packet leaves the
machine. 192.0.2.1 is TEST-NET-1 (RFC 5737): reserved for documentation, never routed.
"""

from __future__ import annotations

import socket

import pytest
import requests
from loopback import LoopbackServer, Reply
from pytest_socket import SocketConnectBlockedError
from session_fakes import FakeAuth, FakeTime, policy

from procore_dc import Environment, Session

TEST_NET = "192.0.2.1"

pytestmark = pytest.mark.filterwarnings("ignore:A test tried to use socket")


def test_the_run_is_configured_to_allow_only_loopback(pytestconfig: pytest.Config) -> None:
    allowed = pytestconfig.getoption("--allow-hosts")
    hosts = set(allowed.split(",") if isinstance(allowed, str) else allowed)
    assert hosts == {"127.0.0.1", "::1", "localhost"}


def test_a_raw_connect_to_a_non_loopback_address_is_blocked() -> None:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        with pytest.raises(SocketConnectBlockedError, match=TEST_NET):
            sock.connect((TEST_NET, 9))
    finally:
        sock.close()


def test_requests_to_a_non_loopback_host_fail_with_the_guard_error() -> None:
    # urllib3 catches OSError only; the guard's RuntimeError reaches the caller unchanged.
    with pytest.raises(SocketConnectBlockedError):
        requests.get(f"http://{TEST_NET}:9/rest/v1.0/me", timeout=1)


def test_a_session_pointed_at_a_non_loopback_api_cannot_send() -> None:
    environment = Environment("offsite", f"https://{TEST_NET}:9", f"https://{TEST_NET}:9")
    time = FakeTime()
    session = Session(FakeAuth(environment), retry=policy(time))
    with pytest.raises(SocketConnectBlockedError, match=TEST_NET):
        session.get_json("/rest/v1.0/me")
    # The guard's error is not a transport failure the retry layer would back off and repeat.
    assert time.sleeps == []
    session.close()


def test_loopback_stays_allowed() -> None:
    with LoopbackServer([Reply(200, (("Content-Type", "application/json"),), b"[]")]) as server:
        assert requests.get(server.url + "/ping", timeout=5).json() == []
        assert [r.target for r in server.requests] == ["/ping"]
