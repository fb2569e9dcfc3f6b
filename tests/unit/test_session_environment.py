"""What a Session reads from the environment, and when: once, not on every call (issue 19).

End-to-end proxy behaviour (a real forward proxy, NO_PROXY, the token's reach) is in
tests/proxy; these tests cover the CA-bundle variables, precedence, ``.netrc``, redirects and
the request preparation that skips ``requests.Session.prepare_request``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from loopback import LoopbackServer, Reply
from session_fakes import FakeAuth, FakeTime, policy

import procore_dc
import procore_dc.session as session_module
from procore_dc import ConfigurationError, Environment, Session
from procore_dc._environ import EnvironmentSession, SendSettings

JSON = (("Content-Type", "application/json"),)
OK = Reply(200, JSON, b'{"ok": true}')
ENV_NAMES = (
    "REQUESTS_CA_BUNDLE",
    "CURL_CA_BUNDLE",
    "http_proxy",
    "https_proxy",
    "all_proxy",
    "no_proxy",
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "ALL_PROXY",
    "NO_PROXY",
    "NETRC",
)


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ENV_NAMES:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def server() -> Iterator[LoopbackServer]:
    with LoopbackServer([OK]) as srv:
        yield srv


def make(server: LoopbackServer, **kwargs: Any) -> Session:
    return Session(FakeAuth(Environment.local(server.url)), retry=policy(FakeTime()), **kwargs)


def sent_with(session: Session) -> list[dict[str, Any]]:
    """Record the keyword arguments each call hands to ``requests.Session.send``."""
    seen: list[dict[str, Any]] = []
    real = session.requests_session.send

    def send(request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        seen.append(kwargs)
        return real(request, **kwargs)

    session.requests_session.send = send  # type: ignore[method-assign]
    return seen


def test_the_ca_bundle_variables_are_read_when_the_session_is_built(
    server: LoopbackServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CURL_CA_BUNDLE", "/etc/curl-bundle.pem")
    session = make(server)
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/etc/requests-bundle.pem")
    seen = sent_with(session)
    session.get_json("/rest/v1.0/me")
    assert seen[0]["verify"] == "/etc/curl-bundle.pem"  # read once, at construction
    newer = make(server)
    seen = sent_with(newer)
    newer.get_json("/rest/v1.0/me")
    assert seen[0]["verify"] == "/etc/requests-bundle.pem"  # REQUESTS_CA_BUNDLE comes first


def test_explicit_verify_and_trust_env_false_win_over_the_environment(
    server: LoopbackServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/etc/requests-bundle.pem")
    mine = requests.Session()
    mine.verify = False
    cases = [
        (make(server, verify="/my/bundle.pem"), "/my/bundle.pem"),
        (make(server, trust_env=False), True),
        (make(server, requests_session=mine), False),
    ]
    for session, expected in cases:
        seen = sent_with(session)
        session.get_json("/rest/v1.0/me")
        assert seen[0]["verify"] == expected
        assert seen[0]["stream"] is True


def test_trust_env_follows_a_requests_session_passed_in(server: LoopbackServer) -> None:
    mine = requests.Session()
    mine.trust_env = False
    assert make(server, requests_session=mine).trust_env is False
    assert make(server, requests_session=requests.Session()).trust_env is True
    assert make(server).trust_env is True
    assert make(server).requests_session.trust_env is False  # requests never reads it itself


def test_proxies_per_target_with_requests_meaning(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://corp-proxy:3128")
    monkeypatch.setenv("HTTP_PROXY", "http://plain-proxy:3128")
    monkeypatch.setenv("NO_PROXY", "internal.example,127.0.0.1")
    settings = SendSettings(requests.Session(), trust_env=True, proxies={}, verify=None)
    api = settings.proxies_for("https://api.procore.com/rest/v1.0/me")
    assert api["https"] == "http://corp-proxy:3128"
    assert api["http"] == "http://plain-proxy:3128"
    assert settings.proxies_for("https://internal.example/x") == {}
    assert settings.proxies_for("http://127.0.0.1:8000/rest") == {}
    # Cached per target as first seen: a later change is not read by this Session.
    monkeypatch.setenv("NO_PROXY", "api.procore.com")
    assert settings.proxies_for("https://API.procore.com/other?x=1#f") == api
    fresh = SendSettings(requests.Session(), trust_env=True, proxies={}, verify=None)
    assert fresh.proxies_for("https://api.procore.com/rest/v1.0/me") == {}


def test_explicit_proxies_win_key_by_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://env-proxy:3128")
    monkeypatch.setenv("HTTP_PROXY", "http://env-plain:3128")
    http = requests.Session()
    http.proxies = {"http": "http://session-proxy:1"}
    settings = SendSettings(http, trust_env=True, proxies={"https": "http://mine:2"}, verify=None)
    assert settings.proxies_for("https://api.procore.com/") == {
        "https": "http://mine:2",
        "http": "http://session-proxy:1",
    }
    # An explicit "no_proxy" key is honoured as requests honours it.
    bypass = SendSettings(
        requests.Session(), trust_env=True, proxies={"no_proxy": "api.procore.com"}, verify=None
    )
    assert bypass.proxies_for("https://api.procore.com/") == {"no_proxy": "api.procore.com"}
    ignored = SendSettings(requests.Session(), trust_env=False, proxies={}, verify=None)
    assert ignored.proxies_for("https://api.procore.com/") == {}


def test_the_target_cache_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://corp-proxy:3128")
    monkeypatch.setattr("procore_dc._environ.MAX_TARGETS", 2)
    settings = SendSettings(requests.Session(), trust_env=True, proxies={}, verify=None)
    for n in range(5):
        url = f"https://bucket{n}.s3.amazonaws.com/key"
        assert settings.proxies_for(url)["https"] == "http://corp-proxy:3128"
    assert len(settings._by_target) == 2


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"proxies": ["http://proxy"]}, "proxies must map"),
        ({"proxies": {"https": 3128}}, "proxies must map"),
        ({"verify": 1.5}, "verify must be"),
    ],
)
def test_bad_proxies_or_verify_are_refused(
    server: LoopbackServer, kwargs: dict[str, Any], message: str
) -> None:
    with pytest.raises(ConfigurationError, match=message):
        make(server, **kwargs)


def test_netrc_is_never_consulted_not_even_on_a_redirect(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with LoopbackServer([OK]) as target:
        moved = Reply(302, (("Location", f"{target.url}/elsewhere"),), b"")
        with LoopbackServer([moved]) as first:
            netrc = tmp_path / "netrc"
            netrc.write_text("machine 127.0.0.1 login someone password netrc-secret\n")
            netrc.chmod(0o600)
            monkeypatch.setenv("NETRC", str(netrc))
            session = make(first)
            response = session.request("GET", f"{first.url}/file", authenticated=False)
            assert response.json() == {"ok": True}
            assert first.requests[0].header("Authorization") is None
            assert target.requests[0].header("Authorization") is None
            # Plain requests with trust_env on would have sent the .netrc password.
            requests.get(f"{first.url}/file", timeout=5)
            assert target.requests[1].header("Authorization") is not None


def test_a_redirect_takes_the_proxies_of_its_new_target() -> None:
    http = EnvironmentSession()
    prepared = requests.Request("GET", "http://storage.example/key").prepare()
    assert http.rebuild_proxies(prepared, {"http": "http://kept:1"}) == {"http": "http://kept:1"}
    http.settings = SendSettings(
        http, trust_env=False, proxies={"http": "http://mine:2"}, verify=None
    )
    assert http.rebuild_proxies(prepared, {}) == {"http": "http://mine:2"}


def test_a_customised_requests_session_is_prepared_by_requests(server: LoopbackServer) -> None:
    seen: list[int] = []
    mine = requests.Session()
    mine.params = {"from_session": "1"}
    mine.hooks["response"].append(lambda r, **_: seen.append(r.status_code))
    session = make(server, requests_session=mine)
    session.get_json("/rest/v1.0/me", params={"page": 2})
    assert server.requests[0].target == "/rest/v1.0/me?from_session=1&page=2"
    assert seen == [200]


def test_session_headers_and_cookies_are_merged_as_requests_merges_them(
    server: LoopbackServer,
) -> None:
    session = make(server)
    http = session.requests_session
    http.headers["Accept-Encoding"] = None  # type: ignore[assignment]
    http.headers["X-Team"] = "data"
    http.cookies.set("lb", "7")
    session.get_json("/rest/v1.0/me")
    sent = server.requests[0]
    # The session's "gzip, deflate" is removed; http.client then says "identity" itself.
    assert sent.header("Accept-Encoding") == "identity"
    assert sent.header("X-Team") == "data"
    assert sent.header("Cookie") == "lb=7"
    assert sent.header("Accept") == "application/json"  # ours wins over the session's


def test_header_blocks_beyond_the_cache_are_built_per_call(
    server: LoopbackServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(session_module, "_MAX_COMPANY_HEADERS", 1)
    session = make(server)
    for company in (8, 9, 9):
        session.get_json("/rest/v1.0/me", company_id=company)
    assert [r.header("Procore-Company-Id") for r in server.requests] == ["8", "9", "9"]


def test_lazy_public_names_are_listed_and_loaded_on_use() -> None:
    names = dir(procore_dc)
    assert {"ProcoreClient", "PageIterator", "Session"} <= set(names)
    assert procore_dc.ProcoreClient.__name__ == "ProcoreClient"
    with pytest.raises(AttributeError, match="no attribute 'Nope'"):
        procore_dc.Nope  # noqa: B018
