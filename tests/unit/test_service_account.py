"""ServiceAccountAuth against a fake token endpoint at the transport seam (no sockets)."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from datetime import timedelta

import pytest
import requests
from token_fakes import CLIENT_ID, CLIENT_SECRET, ENV, FakeClock, FakeOAuth

from procore_dc import (
    ConfigurationError,
    Environment,
    MemoryTokenStore,
    OAuthError,
    ServiceAccountAuth,
    Token,
    TransportError,
)


@pytest.fixture
def fake() -> FakeOAuth:
    return FakeOAuth()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def auth(fake: FakeOAuth, clock: FakeClock) -> Iterator[ServiceAccountAuth]:
    strategy = ServiceAccountAuth(
        CLIENT_ID, CLIENT_SECRET, environment=ENV, clock=clock, http=fake.session()
    )
    yield strategy
    strategy.close()


def test_client_credentials_go_in_the_form_body_not_basic(
    auth: ServiceAccountAuth, fake: FakeOAuth
) -> None:
    token = auth.ensure_valid()
    [sent] = fake.requests
    assert sent.method == "POST"
    assert sent.url == "https://login.example.test/oauth/token"
    assert sent.form == {
        "grant_type": "client_credentials",
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
    }
    assert "Authorization" not in sent.headers
    assert sent.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert token.refresh_token is None
    assert auth.store.load() == token
    assert auth.requires_company_id is True


def test_expiry_re_fetches_and_never_uses_a_refresh_grant(
    auth: ServiceAccountAuth, fake: FakeOAuth, clock: FakeClock
) -> None:
    first = auth.ensure_valid()
    assert auth.ensure_valid() is first
    clock.advance(5400 - 299)  # inside the 300 s leeway
    second = auth.ensure_valid()
    assert second.access_token != first.access_token
    assert [r.form["grant_type"] for r in fake.requests] == ["client_credentials"] * 2


def test_refresh_after_401_returns_a_sibling_token_without_a_request(
    auth: ServiceAccountAuth, fake: FakeOAuth
) -> None:
    old = auth.ensure_valid()
    newer = auth.refresh()  # some other thread's renewal
    assert len(fake.requests) == 2
    again = auth.refresh(failed_access_token=old.access_token)
    assert again == newer
    assert len(fake.requests) == 2
    third = auth.refresh(failed_access_token=newer.access_token)
    assert third.access_token != newer.access_token
    assert len(fake.requests) == 3


def test_bad_credentials_raise_oauth_error_without_the_secret(fake: FakeOAuth) -> None:
    auth = ServiceAccountAuth(
        CLIENT_ID, "wrong-secret-value-1234", environment=ENV, http=fake.session()
    )
    with pytest.raises(OAuthError) as info:
        auth.ensure_valid()
    assert info.value.error == "invalid_client"
    assert info.value.status_code == 401
    assert "wrong-secret-value-1234" not in str(info.value)
    assert "wrong-secret-value-1234" not in repr(auth)


def test_read_timeout_is_a_transport_error_for_client_credentials(
    auth: ServiceAccountAuth, fake: FakeOAuth
) -> None:
    fake.script.append(requests.exceptions.ReadTimeout("read timed out"))
    with pytest.raises(TransportError, match="try again"):
        auth.ensure_valid()
    assert auth.ensure_valid().access_token  # asking again is safe


def test_unreachable_endpoint_keeps_a_still_valid_token_and_backs_off(
    auth: ServiceAccountAuth, fake: FakeOAuth, clock: FakeClock
) -> None:
    first = auth.ensure_valid()
    clock.advance(5400 - 100)  # inside the leeway, not expired
    fake.script.append(requests.exceptions.ConnectTimeout("connect timed out"))
    assert auth.ensure_valid() is first
    assert len(fake.requests) == 2
    clock.advance(10)  # within the 30 s hold-off: no new attempt
    assert auth.ensure_valid() is first
    assert len(fake.requests) == 2
    clock.advance(30)
    assert auth.ensure_valid().access_token != first.access_token
    assert len(fake.requests) == 3


def test_unreachable_endpoint_without_a_token_raises_transport_error() -> None:
    with socket.socket() as sock:  # a port that refuses connections
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = Environment.local(f"http://127.0.0.1:{port}")
    auth = ServiceAccountAuth(CLIENT_ID, CLIENT_SECRET, environment=env, timeout=(2, 2))
    with pytest.raises(TransportError, match="could not connect") as info:
        auth.ensure_valid()
    assert CLIENT_SECRET not in str(info.value)
    assert "OAUTHLIB_INSECURE_TRANSPORT" not in os.environ
    auth.close()


def test_header_only_for_the_api_origin(auth: ServiceAccountAuth, fake: FakeOAuth) -> None:
    def prepared(url: str) -> requests.PreparedRequest:
        return auth(requests.Request("GET", url).prepare())

    token = auth.ensure_valid()
    good = prepared("https://api.example.test/rest/v1.0/me")
    assert good.headers["Authorization"] == f"Bearer {token.access_token}"
    assert prepared("https://API.example.test:443/x").headers["Authorization"]
    for url in (
        "http://api.example.test/rest/v1.0/me",  # plain http to the API host
        "https://api.example.test:8443/x",  # another port
        "https://login.example.test/oauth/token/info",
        "https://s3.amazonaws.com/pro-core.com",
        "https://api.example.test.evil.com/x",
    ):
        assert "Authorization" not in prepared(url).headers, url


def test_from_env_reads_the_three_variables(fake: FakeOAuth) -> None:
    auth = ServiceAccountAuth.from_env(
        {
            "PROCORE_CLIENT_ID": CLIENT_ID,
            "PROCORE_CLIENT_SECRET": CLIENT_SECRET,
            "PROCORE_ENVIRONMENT": "sandbox",
        },
        http=fake.session(),
    )
    assert auth.environment is Environment.SANDBOX
    assert auth.client_id == CLIENT_ID
    local = ServiceAccountAuth.from_env(
        {
            "PROCORE_CLIENT_ID": CLIENT_ID,
            "PROCORE_CLIENT_SECRET": CLIENT_SECRET,
            "PROCORE_ENVIRONMENT": "http://127.0.0.1:8080",
        }
    )
    assert local.environment.api_url == "http://127.0.0.1:8080"
    default = ServiceAccountAuth.from_env(
        {"PROCORE_CLIENT_ID": CLIENT_ID, "PROCORE_CLIENT_SECRET": CLIENT_SECRET}
    )
    assert default.environment is Environment.PRODUCTION


def test_from_env_login_url_overrides_the_login_host() -> None:
    auth = ServiceAccountAuth.from_env(
        {
            "PROCORE_CLIENT_ID": CLIENT_ID,
            "PROCORE_CLIENT_SECRET": CLIENT_SECRET,
            "PROCORE_ENVIRONMENT": "http://127.0.0.1:8080",
            "PROCORE_LOGIN_URL": "http://127.0.0.1:8081/",
        }
    )
    assert auth.environment.api_url == "http://127.0.0.1:8080"
    assert auth.environment.token_url == "http://127.0.0.1:8081/oauth/token"
    with pytest.raises(ConfigurationError, match="plain http"):
        ServiceAccountAuth.from_env(
            {
                "PROCORE_CLIENT_ID": CLIENT_ID,
                "PROCORE_CLIENT_SECRET": CLIENT_SECRET,
                "PROCORE_ENVIRONMENT": "sandbox",
                "PROCORE_LOGIN_URL": "http://login.example.com",
            }
        )


def test_from_env_names_what_is_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PROCORE_CLIENT_ID", raising=False)
    monkeypatch.setenv("PROCORE_CLIENT_SECRET", CLIENT_SECRET)
    with pytest.raises(ConfigurationError, match="PROCORE_CLIENT_ID") as info:
        ServiceAccountAuth.from_env()
    assert CLIENT_SECRET not in str(info.value)
    with pytest.raises(ConfigurationError, match="PROCORE_CLIENT_ID and PROCORE_CLIENT_SECRET"):
        ServiceAccountAuth.from_env({})
    with pytest.raises(ConfigurationError, match="plain http"):
        ServiceAccountAuth.from_env(
            {
                "PROCORE_CLIENT_ID": CLIENT_ID,
                "PROCORE_CLIENT_SECRET": CLIENT_SECRET,
                "PROCORE_ENVIRONMENT": "http://procore.example.com",
            }
        )


@pytest.mark.parametrize(
    ("args", "kwargs", "match"),
    [
        (("", CLIENT_SECRET), {}, "client_id"),
        ((CLIENT_ID, ""), {}, "client_secret"),
        ((CLIENT_ID, CLIENT_SECRET), {"environment": "sandbox"}, "Environment"),
        ((CLIENT_ID, CLIENT_SECRET), {"store": {}}, "TokenStore"),
        ((CLIENT_ID, CLIENT_SECRET), {"leeway": -1}, "leeway"),
        ((CLIENT_ID, CLIENT_SECRET), {"http": object()}, "plain requests.Session"),
    ],
)
def test_bad_arguments_are_configuration_errors(
    args: tuple[str, str], kwargs: dict[str, object], match: str
) -> None:
    with pytest.raises(ConfigurationError, match=match):
        ServiceAccountAuth(*args, **kwargs)  # type: ignore[arg-type]


def test_repr_hides_the_secret_and_tokens(auth: ServiceAccountAuth) -> None:
    token = auth.ensure_valid()
    text = repr(auth)
    assert CLIENT_SECRET not in text
    assert token.access_token not in text
    assert "ServiceAccountAuth(client_id='test-client-id'" in text


def test_a_naive_clock_is_refused(fake: FakeOAuth) -> None:
    from datetime import datetime

    auth = ServiceAccountAuth(
        CLIENT_ID, CLIENT_SECRET, environment=ENV, clock=datetime.now, http=fake.session()
    )
    with pytest.raises(ConfigurationError, match="timezone-aware"):
        auth.ensure_valid()


def test_revoke_posts_the_token_and_empties_the_store(fake: FakeOAuth) -> None:
    store = MemoryTokenStore()
    auth = ServiceAccountAuth(
        CLIENT_ID, CLIENT_SECRET, environment=ENV, store=store, http=fake.session()
    )
    token = auth.ensure_valid()
    auth.revoke()
    sent = fake.requests[-1]
    assert sent.path == "/oauth/revoke"
    assert sent.form["token"] == token.access_token
    assert sent.form["client_id"] == CLIENT_ID
    assert sent.form["client_secret"] == CLIENT_SECRET
    assert store.load() is None
    assert auth.ensure_valid().access_token != token.access_token  # a DMSA just fetches anew


@pytest.mark.parametrize(
    "body",
    [
        [],
        "null",
        [["access_token", "a"]],
        {"access_token": "a", "token_type": "bearer", "scope": 5},
    ],
)
def test_an_unreadable_token_answer_is_an_oauth_error(fake: FakeOAuth, body: object) -> None:
    # oauthlib assumes a JSON object; anything else must surface as our error, not its crash.
    auth = ServiceAccountAuth(
        CLIENT_ID, CLIENT_SECRET, environment=ENV, clock=FakeClock(), http=fake.session()
    )
    fake.script.append((200, body))
    with pytest.raises(OAuthError) as caught:
        auth.ensure_valid()
    assert caught.value.error == "invalid_response"
    assert CLIENT_SECRET not in str(caught.value)
    assert auth.store.load() is None
    assert auth.ensure_valid().access_token.startswith("access-")  # the next answer is fine


@pytest.mark.parametrize(
    ("step", "error", "match"),
    [
        # Refused before a byte left (urllib3 1.26 shape): nothing sent, safe to retry.
        (
            requests.exceptions.ConnectionError(ConnectionRefusedError(111, "refused")),
            TransportError,
            "could not connect",
        ),
        # An answer arrived but could not be decoded: the outcome is unknown.
        (requests.exceptions.ContentDecodingError("bad gzip"), TransportError, "no answer"),
        ((302, {}), OAuthError, "redirected"),
    ],
)
def test_token_endpoint_failures_are_typed(
    auth: ServiceAccountAuth, fake: FakeOAuth, step: object, error: type, match: str
) -> None:
    fake.script.append(step)  # type: ignore[arg-type]
    with pytest.raises(error, match=match) as info:
        auth.ensure_valid()
    assert CLIENT_SECRET not in str(info.value)
    assert auth.store.load() is None
    assert auth.ensure_valid().access_token  # the next attempt works


def test_a_redirecting_token_endpoint_is_not_followed(
    auth: ServiceAccountAuth, fake: FakeOAuth
) -> None:
    fake.script.append((307, {}))
    with pytest.raises(OAuthError) as info:
        auth.ensure_valid()
    assert info.value.error == "unexpected_redirect"
    assert info.value.status_code == 307
    assert len(fake.requests) == 1  # the form (with the secret) went nowhere else


def test_an_ipv6_loopback_api_gets_the_header_on_its_own_port_only() -> None:
    env = Environment.local("http://[::1]:8080")
    store = MemoryTokenStore()
    now = FakeClock()
    store.save(Token("ipv6-token-zzzzzzzzzzzz", expires_at=now() + timedelta(hours=1)))
    auth = ServiceAccountAuth(CLIENT_ID, CLIENT_SECRET, environment=env, store=store, clock=now)

    def header(url: str) -> object:
        return auth(requests.Request("GET", url).prepare()).headers.get("Authorization")

    assert header("http://[::1]:8080/rest/v1.0/me") == "Bearer ipv6-token-zzzzzzzzzzzz"
    assert header("http://[::1]:8081/rest/v1.0/me") is None
    assert header("http://127.0.0.1:8080/rest/v1.0/me") is None
