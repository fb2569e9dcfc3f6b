"""UserLevelAuth: the authorization code flow, PKCE, rotation and its failure modes."""

from __future__ import annotations

import base64
import hashlib
import json
import os
from collections.abc import Iterator
from typing import Any, Optional
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import requests
from token_fakes import CLIENT_ID, CLIENT_SECRET, ENV, OOB, REDIRECT_URI, FakeClock, FakeOAuth
from urllib3.exceptions import ProtocolError

from procore_dc import (
    AuthorizationFlow,
    ConfigurationError,
    Environment,
    InvalidGrantError,
    MemoryTokenStore,
    OAuthError,
    StateMismatchError,
    Token,
    TransportError,
    UserLevelAuth,
)


class RecordingStore(MemoryTokenStore):
    def __init__(self, events: list[tuple[str, str]]) -> None:
        super().__init__()
        self.events = events

    def save(self, token: Token) -> None:
        super().save(token)
        self.events.append(("save", token.access_token))


@pytest.fixture
def fake() -> FakeOAuth:
    return FakeOAuth()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def make_auth(fake: FakeOAuth, clock: FakeClock, **kw: Any) -> UserLevelAuth:
    kw.setdefault("environment", ENV)
    redirect = kw.pop("redirect_uri", REDIRECT_URI)
    return UserLevelAuth(CLIENT_ID, CLIENT_SECRET, redirect, clock=clock, http=fake.session(), **kw)


@pytest.fixture
def auth(fake: FakeOAuth, clock: FakeClock) -> Iterator[UserLevelAuth]:
    strategy = make_auth(fake, clock)
    yield strategy
    strategy.close()


def sign_in(auth: UserLevelAuth, fake: FakeOAuth) -> Token:
    flow = auth.start_authorization()
    code = fake.issue_code(flow.code_verifier)
    return auth.complete_authorization(flow, callback(flow, code=code, state=flow.state))


def callback(flow: AuthorizationFlow, **params: str) -> str:
    return f"{flow.redirect_uri}?{urlencode(params)}"


def query(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


# -- start_authorization --------------------------------------------------------------------


def test_authorize_url_carries_state_pkce_and_the_exact_redirect_uri(auth: UserLevelAuth) -> None:
    flow = auth.start_authorization()
    assert flow.url.startswith("https://login.example.test/oauth/authorize?")
    q = query(flow.url)
    assert q["response_type"] == ["code"]
    assert q["client_id"] == [CLIENT_ID]
    assert q["redirect_uri"] == [REDIRECT_URI]
    assert q["state"] == [flow.state]
    assert q["code_challenge_method"] == ["S256"]
    assert flow.code_verifier is not None
    digest = hashlib.sha256(flow.code_verifier.encode()).digest()
    assert q["code_challenge"] == [base64.urlsafe_b64encode(digest).decode().rstrip("=")]
    assert "client_secret" not in q
    assert flow.redirect_uri == REDIRECT_URI


def test_state_has_at_least_128_bits_and_is_fresh_each_time(auth: UserLevelAuth) -> None:
    states = {auth.start_authorization().state for _ in range(20)}
    assert len(states) == 20
    for state in states:
        # oauthlib's generator draws from 62 characters: log2(62) = 5.95 bits each.
        assert len(state) * 5.95 >= 128
        assert state.isalnum()


def test_pkce_can_be_turned_off(fake: FakeOAuth, clock: FakeClock) -> None:
    auth = make_auth(fake, clock, pkce=False)
    flow = auth.start_authorization()
    assert flow.code_verifier is None
    assert "code_challenge" not in query(flow.url)
    token = auth.complete_authorization(
        flow, callback(flow, code=fake.issue_code(), state=flow.state)
    )
    assert "code_verifier" not in fake.requests[-1].form
    assert token.refresh_token


def test_extra_parameters_pass_through_but_reserved_ones_are_refused(auth: UserLevelAuth) -> None:
    assert query(auth.start_authorization(prompt="login").url)["prompt"] == ["login"]
    with pytest.raises(ConfigurationError, match="state"):
        auth.start_authorization(state="mine")


def test_flow_round_trips_through_json_and_hides_secrets(auth: UserLevelAuth) -> None:
    flow = auth.start_authorization()
    restored = AuthorizationFlow.from_dict(json.loads(json.dumps(flow.to_dict())))
    assert restored == flow
    assert flow.state not in repr(flow)
    assert flow.code_verifier is not None
    assert flow.code_verifier not in str(flow)
    with pytest.raises(ConfigurationError, match="state"):
        AuthorizationFlow.from_dict({"url": "x", "redirect_uri": "y", "created_at": "z"})
    with pytest.raises(ConfigurationError, match="created_at"):
        AuthorizationFlow.from_dict({**flow.to_dict(), "created_at": "soon"})
    with pytest.raises(ConfigurationError, match="must be a mapping"):
        AuthorizationFlow.from_dict(json.dumps(flow.to_dict()))  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError, match="code_verifier is not a string") as info:
        AuthorizationFlow.from_dict({**flow.to_dict(), "code_verifier": 12345})
    assert flow.state not in str(info.value)


@pytest.mark.parametrize(
    "redirect",
    ["http://app.example.com/callback", "ftp://127.0.0.1/cb", "https://app.example.com/cb#x", ""],
)
def test_unsafe_redirect_uris_are_refused_before_any_socket(redirect: str) -> None:
    with pytest.raises(ConfigurationError):
        UserLevelAuth(CLIENT_ID, CLIENT_SECRET, redirect, environment=ENV)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"client_secret": 12345}, "client_secret must be a string"),
        ({"http": object()}, "http must be a plain requests.Session"),
    ],
)
def test_bad_user_level_arguments_are_configuration_errors(
    kwargs: dict[str, Any], match: str
) -> None:
    options: dict[str, Any] = {"client_secret": CLIENT_SECRET, **kwargs}
    secret = options.pop("client_secret")
    with pytest.raises(ConfigurationError, match=match):
        UserLevelAuth(CLIENT_ID, secret, REDIRECT_URI, environment=ENV, **options)


def test_loopback_environment_works_without_the_insecure_transport_switch(
    clock: FakeClock,
) -> None:
    # FakeOAuth answers at the transport seam for a plain-http loopback environment.
    env = Environment.local("http://127.0.0.1:9")
    fake = FakeOAuth()
    http = requests.Session()
    http.mount("http://127.0.0.1:9", fake)
    seen: list[Optional[str]] = []
    fake.hook = lambda _record: seen.append(os.environ.get("OAUTHLIB_INSECURE_TRANSPORT"))
    auth = UserLevelAuth(
        CLIENT_ID, CLIENT_SECRET, REDIRECT_URI, environment=env, clock=clock, http=http
    )
    flow = auth.start_authorization()
    assert flow.url.startswith("http://127.0.0.1:9/oauth/authorize?")
    code = fake.issue_code(flow.code_verifier)
    token = auth.complete_authorization(flow, callback(flow, code=code, state=flow.state))
    clock.advance(6000)
    assert auth.ensure_valid().access_token != token.access_token
    auth.revoke()
    assert [r.url for r in fake.requests] == [
        "http://127.0.0.1:9/oauth/token",
        "http://127.0.0.1:9/oauth/token",
        "http://127.0.0.1:9/oauth/revoke",
    ]
    assert seen == [None, None, None]
    assert "OAUTHLIB_INSECURE_TRANSPORT" not in os.environ


# -- complete_authorization ------------------------------------------------------------------


def test_code_exchange_sends_code_verifier_and_identical_redirect_uri(
    fake: FakeOAuth, clock: FakeClock
) -> None:
    events: list[tuple[str, str]] = []
    auth = make_auth(fake, clock, store=RecordingStore(events))
    flow = auth.start_authorization()
    code = fake.issue_code(flow.code_verifier)
    token = auth.complete_authorization(flow, callback(flow, code=code, state=flow.state))
    [sent] = fake.requests
    assert sent.form == {
        "grant_type": "authorization_code",
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "code": code,
        "redirect_uri": query(flow.url)["redirect_uri"][0],
        "code_verifier": flow.code_verifier,
    }
    assert "Authorization" not in sent.headers
    assert events == [("save", token.access_token)]
    assert token.expires_at == clock.now + (token.expires_at - token.created_at)  # type: ignore[operator]
    assert token.created_at == clock.now


@pytest.mark.parametrize(
    "params",
    [
        {"code": "c", "state": "forged"},
        {"code": "c"},
        {"code": "c", "state": ""},
    ],
)
def test_a_wrong_or_missing_state_is_refused_without_a_token_request(
    auth: UserLevelAuth, fake: FakeOAuth, params: dict[str, str]
) -> None:
    flow = auth.start_authorization()
    with pytest.raises(StateMismatchError):
        auth.complete_authorization(flow, callback(flow, **params))
    assert fake.requests == []


def test_state_is_compared_with_compare_digest(
    auth: UserLevelAuth, fake: FakeOAuth, monkeypatch: pytest.MonkeyPatch
) -> None:
    import procore_dc.auth._authorization_code as module

    calls: list[tuple[bytes, bytes]] = []
    real = module.hmac.compare_digest

    def spy(a: bytes, b: bytes) -> bool:
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr(module.hmac, "compare_digest", spy)
    sign_in(auth, fake)
    assert len(calls) == 1


def test_a_used_state_is_refused_and_the_memory_is_bounded(
    auth: UserLevelAuth, fake: FakeOAuth, monkeypatch: pytest.MonkeyPatch
) -> None:
    import procore_dc.auth.user_level as module

    monkeypatch.setattr(module, "USED_STATES_KEPT", 2)
    flows = [auth.start_authorization() for _ in range(3)]
    urls = [callback(f, code=fake.issue_code(f.code_verifier), state=f.state) for f in flows]
    auth.complete_authorization(flows[0], urls[0])
    sent = len(fake.requests)
    with pytest.raises(StateMismatchError, match="already used"):
        auth.complete_authorization(flows[0], urls[0])
    assert len(fake.requests) == sent  # refused before any token request
    auth.complete_authorization(flows[1], urls[1])
    auth.complete_authorization(flows[2], urls[2])
    # Only the two newest states are remembered: the oldest went first.
    first = module.hashlib.sha256(flows[0].state.encode()).digest()
    assert len(auth._used_states) == 2
    assert first not in auth._used_states
    with pytest.raises(StateMismatchError, match="already used"):
        auth.complete_authorization(flows[2], urls[2])


def test_a_doubled_state_is_refused(auth: UserLevelAuth, fake: FakeOAuth) -> None:
    flow = auth.start_authorization()
    url = f"{REDIRECT_URI}?code=c&state={flow.state}&state={flow.state}"
    with pytest.raises(OAuthError, match="more than once"):
        auth.complete_authorization(flow, url)
    assert fake.requests == []


def test_an_error_callback_raises_with_the_servers_words(
    auth: UserLevelAuth, fake: FakeOAuth
) -> None:
    flow = auth.start_authorization()
    url = callback(
        flow, error="access_denied", error_description="The user denied access", state=flow.state
    )
    with pytest.raises(OAuthError, match="The user denied access") as info:
        auth.complete_authorization(flow, url)
    assert info.value.error == "access_denied"
    assert fake.requests == []


def test_a_callback_on_another_path_is_refused(auth: UserLevelAuth) -> None:
    flow = auth.start_authorization()
    with pytest.raises(OAuthError, match="path"):
        auth.complete_authorization(
            flow, f"https://app.example.test/other?code=c&state={flow.state}"
        )


def test_a_callback_without_a_code_is_refused_without_a_token_request(
    auth: UserLevelAuth, fake: FakeOAuth
) -> None:
    flow = auth.start_authorization()
    for url in (callback(flow, state=flow.state), callback(flow, code="", state=flow.state)):
        with pytest.raises(OAuthError, match="no authorization code") as info:
            auth.complete_authorization(flow, url)
        assert info.value.error == "invalid_request"
    assert fake.requests == []


def test_a_callback_that_is_not_a_url_string_is_a_configuration_error(
    auth: UserLevelAuth, fake: FakeOAuth
) -> None:
    flow = auth.start_authorization()
    with pytest.raises(ConfigurationError, match="callback's full URL"):
        auth.complete_authorization(flow, {"code": "c", "state": flow.state})  # type: ignore[arg-type]
    assert fake.requests == []


def test_a_refused_code_is_invalid_grant(auth: UserLevelAuth, fake: FakeOAuth) -> None:
    flow = auth.start_authorization()
    with pytest.raises(InvalidGrantError):
        auth.complete_authorization(flow, callback(flow, code="unknown", state=flow.state))
    assert auth.store.load() is None


def test_a_lost_code_exchange_says_sign_in_again(auth: UserLevelAuth, fake: FakeOAuth) -> None:
    flow = auth.start_authorization()
    code = fake.issue_code(flow.code_verifier)
    fake.script.append(requests.exceptions.ReadTimeout("read timed out"))
    with pytest.raises(OAuthError, match="sign in again"):
        auth.complete_authorization(flow, callback(flow, code=code, state=flow.state))


def test_out_of_band_code(fake: FakeOAuth, clock: FakeClock) -> None:
    auth = make_auth(fake, clock, redirect_uri=OOB)
    flow = auth.start_authorization()
    assert query(flow.url)["redirect_uri"] == [OOB]
    with pytest.raises(ConfigurationError, match="complete_authorization_code"):
        auth.complete_authorization(flow, "https://x.test/?code=a")
    code = fake.issue_code(flow.code_verifier)
    token = auth.complete_authorization_code(flow, f"  {code}\n")
    assert fake.requests[-1].form["code"] == code
    assert fake.requests[-1].form["redirect_uri"] == OOB
    assert auth.store.load() == token
    with pytest.raises(ConfigurationError):
        auth.complete_authorization_code(flow, " ")
    with pytest.raises(ConfigurationError, match="AuthorizationFlow"):
        auth.complete_authorization_code(flow.to_dict(), code)  # type: ignore[arg-type]


# -- refresh and rotation --------------------------------------------------------------------


def test_refresh_rotates_and_saves_before_returning(fake: FakeOAuth, clock: FakeClock) -> None:
    events: list[tuple[str, str]] = []
    store = RecordingStore(events)
    auth = make_auth(fake, clock, store=store)
    first = sign_in(auth, fake)
    clock.advance(5400 - 250)  # inside the leeway
    fake.hook = lambda record: events.append(("request", record.form.get("grant_type", "")))
    second = auth.ensure_valid()
    assert events[-2:] == [("request", "refresh_token"), ("save", second.access_token)]
    sent = fake.token_requests("refresh_token")[0].form
    assert sent["refresh_token"] == first.refresh_token
    assert sent["client_id"] == CLIENT_ID
    assert sent["client_secret"] == CLIENT_SECRET
    assert sent["redirect_uri"] == REDIRECT_URI
    assert second.refresh_token != first.refresh_token
    assert store.load() == second


@pytest.mark.parametrize(
    "lost",
    [
        requests.exceptions.ReadTimeout("read timed out"),
        requests.exceptions.ConnectionError(
            ProtocolError("Connection aborted.", ConnectionResetError(104, "reset"))
        ),
    ],
    ids=["read-timeout", "reset-after-send"],
)
def test_unknown_refresh_outcome_means_sign_in_again_and_no_replay(
    auth: UserLevelAuth, fake: FakeOAuth, clock: FakeClock, lost: Exception
) -> None:
    first = sign_in(auth, fake)
    clock.advance(6000)
    fake.script.append(lost)
    with pytest.raises(OAuthError, match="sign in again") as info:
        auth.ensure_valid()
    assert not isinstance(info.value, InvalidGrantError)
    assert info.value.error == "refresh_outcome_unknown"
    stored = auth.store.load()
    assert stored is not None
    assert stored.refresh_token is None  # recorded as spent, not discarded
    assert stored.access_token == first.access_token
    for call in (auth.ensure_valid, auth.refresh):
        with pytest.raises(OAuthError, match="sign in again"):
            call()
    refreshes = fake.token_requests("refresh_token")
    assert [r.form["refresh_token"] for r in refreshes] == [first.refresh_token]
    # A new authorization makes it work again.
    sign_in(auth, fake)
    clock.advance(6000)
    assert auth.ensure_valid().refresh_token


def test_after_invalid_grant_no_further_token_request(
    auth: UserLevelAuth, fake: FakeOAuth, clock: FakeClock
) -> None:
    first = sign_in(auth, fake)
    fake.live_refresh.clear()  # revoked elsewhere
    clock.advance(6000)
    with pytest.raises(InvalidGrantError):
        auth.ensure_valid()
    count = len(fake.requests)
    for _ in range(3):
        with pytest.raises(OAuthError, match="sign in again"):
            auth.ensure_valid()
        with pytest.raises(OAuthError):
            auth.refresh(failed_access_token=first.access_token)
    assert len(fake.requests) == count


def test_a_still_valid_token_is_used_when_it_cannot_be_refreshed(
    auth: UserLevelAuth, fake: FakeOAuth, clock: FakeClock
) -> None:
    first = sign_in(auth, fake)
    fake.live_refresh.clear()
    clock.advance(5400 - 200)  # inside the leeway, still valid
    with pytest.raises(InvalidGrantError):
        auth.ensure_valid()
    count = len(fake.requests)
    assert auth.ensure_valid().access_token == first.access_token  # no request, still usable
    assert len(fake.requests) == count


def test_a_server_error_on_refresh_keeps_the_refresh_token(
    auth: UserLevelAuth, fake: FakeOAuth, clock: FakeClock
) -> None:
    first = sign_in(auth, fake)
    clock.advance(6000)
    fake.script.append((503, {"error": "temporarily_unavailable"}))
    with pytest.raises(OAuthError) as info:
        auth.ensure_valid()
    assert info.value.status_code == 503
    stored = auth.store.load()
    assert stored is not None
    assert stored.refresh_token == first.refresh_token
    assert auth.ensure_valid().refresh_token != first.refresh_token


UNREADABLE_TOKEN_BODIES = [
    "<html>proxy</html>",
    [],
    "null",
    [["access_token", "a"]],
    {"access_token": "a", "token_type": "bearer", "scope": 5},
    {"access_token": "a", "token_type": "bearer", "expires_in": "soon"},
]


@pytest.mark.parametrize("body", UNREADABLE_TOKEN_BODIES)
def test_an_unreadable_refresh_answer_marks_the_token_spent(
    auth: UserLevelAuth, fake: FakeOAuth, clock: FakeClock, body: Any
) -> None:
    sign_in(auth, fake)
    clock.advance(6000)
    fake.script.append((200, body))
    with pytest.raises(OAuthError, match="sign in again"):
        auth.ensure_valid()
    stored = auth.store.load()
    assert stored is not None
    assert stored.refresh_token is None


def test_a_connect_failure_on_refresh_keeps_the_refresh_token(
    auth: UserLevelAuth, fake: FakeOAuth, clock: FakeClock
) -> None:
    first = sign_in(auth, fake)
    clock.advance(6000)
    fake.script.append(requests.exceptions.ConnectTimeout("connect timed out"))
    with pytest.raises(TransportError):
        auth.ensure_valid()
    stored = auth.store.load()
    assert stored is not None
    assert stored.refresh_token == first.refresh_token


def test_a_failing_token_endpoint_leaves_a_still_valid_token_in_use(
    auth: UserLevelAuth, fake: FakeOAuth, clock: FakeClock
) -> None:
    first = sign_in(auth, fake)
    clock.advance(5400 - 200)  # inside the leeway, not expired
    fake.script.append((503, {"error": "temporarily_unavailable"}))
    assert auth.ensure_valid() == first  # the proactive renewal failed; the token still works
    assert len(fake.token_requests("refresh_token")) == 1
    assert auth.ensure_valid() == first  # held for a while: no request per call
    assert len(fake.token_requests("refresh_token")) == 1
    clock.advance(300)  # now expired: a 5xx is an error again
    fake.script.append((500, {"error": "server_error"}))
    with pytest.raises(OAuthError) as info:
        auth.ensure_valid()
    assert info.value.status_code == 500
    stored = auth.store.load()
    assert stored is not None
    assert stored.refresh_token == first.refresh_token  # a 5xx did not spend it


def test_a_refused_proactive_renewal_is_not_hidden(
    auth: UserLevelAuth, fake: FakeOAuth, clock: FakeClock
) -> None:
    sign_in(auth, fake)
    clock.advance(5400 - 200)
    fake.script.append((401, {"error": "invalid_client"}))
    with pytest.raises(OAuthError) as info:
        auth.ensure_valid()
    assert info.value.error == "invalid_client"


def test_not_signed_in_raises_without_a_request(auth: UserLevelAuth, fake: FakeOAuth) -> None:
    with pytest.raises(OAuthError, match="sign in") as info:
        auth.ensure_valid()
    assert info.value.error == "login_required"
    assert fake.requests == []


def test_a_server_that_does_not_rotate_keeps_the_old_refresh_token(
    auth: UserLevelAuth, fake: FakeOAuth, clock: FakeClock
) -> None:
    first = sign_in(auth, fake)
    clock.advance(6000)
    fake.script.append((200, {"access_token": "a-new-access-token-value", "expires_in": 60}))
    assert auth.ensure_valid().refresh_token == first.refresh_token


# -- revoke --------------------------------------------------------------------------------


def test_revoke_then_sign_in_is_required(auth: UserLevelAuth, fake: FakeOAuth) -> None:
    token = sign_in(auth, fake)
    auth.revoke()
    sent = fake.requests[-1]
    assert sent.path == "/oauth/revoke"
    assert sent.form["token"] == token.access_token
    assert sent.form["client_secret"] == CLIENT_SECRET
    assert auth.store.load() is None
    count = len(fake.requests)
    with pytest.raises(OAuthError, match="sign in"):
        auth.ensure_valid()
    assert len(fake.requests) == count


def test_revoke_without_an_answer_keeps_the_token(auth: UserLevelAuth, fake: FakeOAuth) -> None:
    token = sign_in(auth, fake)
    fake.script.append(requests.exceptions.ReadTimeout("read timed out"))
    with pytest.raises(TransportError, match="revoke"):
        auth.revoke()
    assert auth.store.load() == token
    auth.revoke()
    assert auth.store.load() is None


def test_user_tokens_do_not_need_a_company_id(auth: UserLevelAuth) -> None:
    assert auth.requires_company_id is False
    assert CLIENT_SECRET not in repr(auth)
