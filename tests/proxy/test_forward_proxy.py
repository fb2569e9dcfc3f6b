"""The SDK through a forward proxy on loopback, configured the way users do it.

The proxy (``_forward_proxy.py``) records each request it forwards, headers included, so the
tests check what it saw: the login host's token request, the API calls with their bearer
token, and nothing with a token for any other host.
"""

from __future__ import annotations

import http.server
import json
import threading
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from procore_dc import ServiceAccountAuth, Session
from procore_dc.testing import FakeProcore

from ._forward_proxy import ForwardProxy

PROXY_VARIABLES = ("http_proxy", "https_proxy", "all_proxy", "no_proxy")


@pytest.fixture(scope="module")
def forward_proxy() -> Iterator[ForwardProxy]:
    running = ForwardProxy()
    yield running
    running.close()


@pytest.fixture
def proxy(forward_proxy: ForwardProxy, monkeypatch: pytest.MonkeyPatch) -> ForwardProxy:
    """The proxy with an empty log, and no proxy variables in the environment yet."""
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.upper(), raising=False)
    forward_proxy.seen.clear()
    return forward_proxy


@pytest.fixture(scope="module")
def sandbox() -> Iterator[FakeProcore]:
    with FakeProcore(seed=0, rate_limits=None) as running:
        yield running


@pytest.fixture(scope="module")
def elsewhere() -> Iterator[str]:
    """A loopback server that is no Procore host (a storage URL, say)."""

    class Ok(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Ok)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


def _host(url: str) -> str:
    return url.split("://", 1)[1]


def _auth(sandbox: FakeProcore) -> ServiceAccountAuth:
    app = sandbox.default_app
    return ServiceAccountAuth(app.client_id, app.client_secret, environment=sandbox.environment)


def test_login_and_api_calls_go_through_the_proxy_and_the_token_only_to_the_api(
    proxy: ForwardProxy,
    sandbox: FakeProcore,
    elsewhere: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HTTP_PROXY", proxy.url)
    auth = _auth(sandbox)
    with Session(auth, company_id=8) as session:
        me = session.get_json("/rest/v1.0/me")
        assert me["id"]
        assert session.request("GET", f"{elsewhere}/upload", authenticated=False).text == "ok"
    token = auth.ensure_valid().access_token
    seen = proxy.seen
    by_target = {(entry["target"], entry["method"], entry["path"]) for entry in seen}
    assert (_host(sandbox.login_url), "POST", "/oauth/token") in by_target
    assert (_host(sandbox.api_url), "GET", "/rest/v1.0/me") in by_target
    assert (_host(elsewhere), "GET", "/upload") in by_target
    for entry in seen:
        carries_token = token in json.dumps(entry["headers"])
        assert carries_token == (entry["target"] == _host(sandbox.api_url)), entry
    api = next(e for e in seen if e["path"] == "/rest/v1.0/me")
    assert api["headers"]["Authorization"] == f"Bearer {token}"
    assert api["headers"]["Procore-Company-Id"] == "8"


def test_no_proxy_for_loopback_goes_direct(
    proxy: ForwardProxy, sandbox: FakeProcore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HTTP_PROXY", proxy.url)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    with Session(_auth(sandbox), company_id=8) as session:
        assert session.get_json("/rest/v1.0/me")["id"]
    assert proxy.seen == []


def test_the_environment_is_read_when_a_session_first_sends_to_a_host(
    proxy: ForwardProxy, sandbox: FakeProcore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HTTP_PROXY", proxy.url)
    auth = _auth(sandbox)
    auth.ensure_valid()
    first = Session(auth, company_id=8)
    first.get_json("/rest/v1.0/me")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    first.get_json("/rest/v1.0/me")  # the API host's proxies were resolved on the first call
    Session(auth, company_id=8).get_json("/rest/v1.0/me")  # a new Session reads NO_PROXY
    api_calls = [e for e in proxy.seen if e["path"] == "/rest/v1.0/me"]
    assert len(api_calls) == 2


def test_explicit_proxies_win_and_trust_env_false_ignores_the_environment(
    proxy: ForwardProxy, sandbox: FakeProcore, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A proxy variable pointing at a closed port: any request that read it would fail.
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")
    plain = requests.Session()
    plain.trust_env = False
    app = sandbox.default_app
    auth = ServiceAccountAuth(
        app.client_id, app.client_secret, environment=sandbox.environment, http=plain
    )
    with Session(auth, company_id=8, trust_env=False) as direct:
        assert direct.get_json("/rest/v1.0/me")["id"]
    assert proxy.seen == []
    with Session(auth, company_id=8, proxies={"http": proxy.url}) as explicit:
        assert explicit.get_json("/rest/v1.0/me")["id"]
    assert [e["path"] for e in proxy.seen] == ["/rest/v1.0/me"]
    plain.close()
