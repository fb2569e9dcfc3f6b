"""UserLevelAuth.oauth2_session(): a requests-oauthlib OAuth2Session over our token store,
end to end against FakeProcore: the rotated refresh token is saved before it is used."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
import requests

from procore_dc import FileTokenStore, MemoryTokenStore, OAuthError, Token, UserLevelAuth
from procore_dc.session import Session
from procore_dc.testing import FakeProcore

from .test_auth_concurrency import REDIRECT, sandbox_clock, sign_in, token_posts

COMPANY_ID = 8


@pytest.fixture
def sandbox() -> Iterator[FakeProcore]:
    with FakeProcore(seed=0, rate_limits=None) as fake:
        yield fake


@pytest.fixture(autouse=True)
def loopback_http(monkeypatch: pytest.MonkeyPatch) -> None:
    # requests-oauthlib refuses http:// unless told; the sandbox listens on http://127.0.0.1.
    monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")


class RecordingStore(FileTokenStore):
    """A file store that notes how many API requests the sandbox had seen at each save."""

    def __init__(self, path: Path, sandbox: FakeProcore) -> None:
        super().__init__(path)
        self.sandbox = sandbox
        self.saves: list[tuple[Token, int]] = []

    def save(self, token: Token) -> None:
        api_calls = sum(1 for r in self.sandbox.requests if r.role == "api")
        self.saves.append((token, api_calls))
        super().save(token)


def user_auth(sandbox: FakeProcore, store: Any) -> UserLevelAuth:
    app = sandbox.default_app
    return UserLevelAuth(
        app.client_id,
        app.client_secret,
        REDIRECT,
        environment=sandbox.environment,
        store=store,
        clock=sandbox_clock(sandbox),
    )


def test_an_expired_token_is_refreshed_saved_first_then_used(
    sandbox: FakeProcore, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    store = RecordingStore(tmp_path / "token.json", sandbox)
    auth = user_auth(sandbox, store)
    sign_in(auth)
    first = store.load()
    assert first is not None
    assert first.refresh_token
    sandbox.clock.advance(6000)  # expired for the client and the server alike
    sandbox.clear_requests()
    store.saves.clear()

    session = auth.oauth2_session()
    me = session.get(f"{sandbox.api_url}/rest/v1.0/me", headers={"Procore-Company-Id": "8"})

    assert me.status_code == 200, me.text
    (post,) = token_posts(sandbox)
    assert post["grant_type"] == "refresh_token"
    assert post["refresh_token"] == first.refresh_token
    assert post["client_id"] == sandbox.default_app.client_id
    assert post["client_secret"] == sandbox.default_app.client_secret
    # Saved through our store before the API call that needed it was sent.
    ((saved, api_calls_before_save),) = store.saves
    assert api_calls_before_save == 0
    (api,) = [r for r in sandbox.requests if r.role == "api"]
    assert api.headers["Authorization"] == f"Bearer {saved.access_token}"
    # Rotated: a new refresh token, in the file, in the session, and the old one is dead.
    assert saved.refresh_token
    assert saved.refresh_token != first.refresh_token
    assert FileTokenStore(tmp_path / "token.json").load() == saved
    assert session.token["refresh_token"] == saved.refresh_token
    assert saved.expires_at > sandbox_clock(sandbox)()
    spent = requests.post(
        f"{sandbox.login_url}/oauth/token",
        data={
            "grant_type": "refresh_token",
            "refresh_token": first.refresh_token,
            "client_id": sandbox.default_app.client_id,
            "client_secret": sandbox.default_app.client_secret,
        },
        timeout=5,
    )
    assert spent.json().get("error") == "invalid_grant"
    # The strategy itself goes on with the rotated token, with no token request of its own.
    sandbox.clear_requests()
    assert Session(auth, company_id=COMPANY_ID, pace=False).get_json("/rest/v1.0/me")
    assert token_posts(sandbox) == []
    # No secret in a log line or a repr.
    secrets = [
        first.access_token,
        first.refresh_token,
        saved.access_token,
        saved.refresh_token,
        sandbox.default_app.client_secret,
    ]
    shown = caplog.text + repr(session) + repr(auth)
    assert not [s for s in secrets if s in shown]


def test_a_fresh_token_is_used_as_is(sandbox: FakeProcore, tmp_path: Path) -> None:
    auth = user_auth(sandbox, FileTokenStore(tmp_path / "token.json"))
    sign_in(auth)
    sandbox.clear_requests()
    session = auth.oauth2_session()
    answer = session.get(f"{sandbox.api_url}/rest/v1.0/me", headers={"Procore-Company-Id": "8"})
    assert answer.status_code == 200
    assert token_posts(sandbox) == []


def test_without_a_signed_in_token_it_asks_for_a_sign_in(
    sandbox: FakeProcore, tmp_path: Path
) -> None:
    auth = user_auth(sandbox, FileTokenStore(tmp_path / "token.json"))
    with pytest.raises(OAuthError, match="sign in again") as caught:
        auth.oauth2_session()
    assert caught.value.error == "login_required"


def test_a_public_client_sends_no_secret_and_a_token_keeps_its_scope() -> None:
    auth = UserLevelAuth("public-client", None, REDIRECT, store=MemoryTokenStore())
    now = datetime.now(timezone.utc)
    auth.store.save(Token("a" * 20, expires_at=now + timedelta(hours=1), scope="read"))
    session = auth.oauth2_session()
    assert session.auto_refresh_kwargs == {"client_id": "public-client", "redirect_uri": REDIRECT}
    assert session.auto_refresh_url == auth.environment.token_url
    assert "refresh_token" not in session.token
    assert session.token["scope"] == "read"
    assert 3500 < session.token["expires_in"] <= 3600


def test_sessions_sharing_a_store_refresh_once_between_them(
    sandbox: FakeProcore, tmp_path: Path
) -> None:
    auth = user_auth(sandbox, FileTokenStore(tmp_path / "token.json"))
    sign_in(auth)
    first = auth.store.load()
    assert first is not None
    # (requests-oauthlib times a token on the wall clock, so the sandbox's clock moves first.)
    sandbox.clock.advance(6000)
    sessions = [auth.oauth2_session() for _ in range(4)]  # all hold the same, expired token
    sandbox.clear_requests()
    start = threading.Barrier(len(sessions))
    answers: list[Any] = [None] * len(sessions)

    def call(n: int) -> None:
        start.wait(timeout=5)
        answers[n] = sessions[n].get(
            f"{sandbox.api_url}/rest/v1.0/me", headers={"Procore-Company-Id": "8"}
        )

    threads = [threading.Thread(target=call, args=(n,)) for n in range(len(sessions))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert [a.status_code for a in answers] == [200] * len(sessions)
    # One refresh with the signed-in refresh token; the other sessions took what it saved.
    (post,) = token_posts(sandbox)
    assert post["refresh_token"] == first.refresh_token
    saved = auth.store.load()
    assert saved is not None
    assert saved.refresh_token != first.refresh_token
    assert {s.token["refresh_token"] for s in sessions} == {saved.refresh_token}
    used = {r.headers["Authorization"] for r in sandbox.requests if r.role == "api"}
    assert used == {f"Bearer {saved.access_token}"}


def test_a_session_whose_refresh_token_another_holder_spent_takes_the_stored_one(
    sandbox: FakeProcore, tmp_path: Path
) -> None:
    auth = user_auth(sandbox, FileTokenStore(tmp_path / "token.json"))
    sign_in(auth)
    sandbox.clock.advance(6000)
    session = auth.oauth2_session()  # holds the expired token
    held = session.token["refresh_token"]
    # The strategy refreshes first, through the same store: the session's refresh token is spent.
    assert Session(auth, company_id=COMPANY_ID, pace=False).get_json("/rest/v1.0/me")
    rotated = auth.store.load()
    assert rotated is not None
    assert rotated.refresh_token != held
    sandbox.clear_requests()
    me = session.get(f"{sandbox.api_url}/rest/v1.0/me", headers={"Procore-Company-Id": "8"})
    assert me.status_code == 200, me.text
    assert token_posts(sandbox) == []  # no refresh with the spent token (invalid_grant)
    assert session.token["refresh_token"] == rotated.refresh_token
    # Another session started before the strategy's refresh, once the stored token has expired
    # too, refreshes with the newest refresh token, not the spent one it was started with.
    sandbox.clock.advance(6000)
    late = auth.oauth2_session()
    late.token = {**late.token, "refresh_token": held}  # as if it had started with the first
    sandbox.clear_requests()
    again = late.get(f"{sandbox.api_url}/rest/v1.0/me", headers={"Procore-Company-Id": "8"})
    assert again.status_code == 200, again.text
    (post,) = token_posts(sandbox)
    assert post["refresh_token"] == rotated.refresh_token
