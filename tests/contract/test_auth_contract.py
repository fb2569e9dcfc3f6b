"""One AuthStrategy contract, written once and run for both strategies.

Each subclass says how to build its strategy and how to get the first token; every test
here must hold for both. API calls go through the real ``Session`` over a fake transport.
"""

from __future__ import annotations

import logging
import string
import threading
from collections.abc import Callable
from typing import Any, ClassVar

import pytest
import requests
from hypothesis import given, settings
from hypothesis import strategies as st
from token_fakes import CLIENT_ID, CLIENT_SECRET, ENV, REDIRECT_URI, FakeClock, FakeOAuth

from procore_dc import (
    AuthenticationError,
    AuthStrategy,
    MemoryTokenStore,
    OAuthError,
    ServiceAccountAuth,
    Token,
    TokenStore,
    UserLevelAuth,
)
from procore_dc.retry import RetryPolicy
from procore_dc.session import Session

SAFE = string.ascii_letters + string.digits


class RecordingStore(MemoryTokenStore):
    """A memory store that logs each save into a shared event list."""

    def __init__(self, events: list[tuple[str, str]]) -> None:
        super().__init__()
        self.events = events

    def save(self, token: Token) -> None:
        super().save(token)
        self.events.append(("save", token.access_token))


class AuthStrategyContract:
    renew_grant: ClassVar[str]

    def make_auth(
        self, fake: FakeOAuth, clock: FakeClock, store: TokenStore, secret: str = CLIENT_SECRET
    ) -> AuthStrategy:
        raise NotImplementedError

    def prime(self, auth: AuthStrategy, fake: FakeOAuth) -> Token:
        raise NotImplementedError

    # -- helpers ---------------------------------------------------------------------------

    def setup(self, store: Any = None) -> tuple[AuthStrategy, FakeOAuth, FakeClock, Session]:
        fake, clock = FakeOAuth(), FakeClock()
        auth = self.make_auth(fake, clock, store if store is not None else MemoryTokenStore())
        session = Session(
            auth,
            company_id=1,
            requests_session=fake.session(),
            retry=RetryPolicy(max_attempts=1),
            pace=False,
        )
        return auth, fake, clock, session

    def api_calls(self, fake: FakeOAuth) -> list[str]:
        return [
            r.headers.get("Authorization", "") for r in fake.requests if r.path.startswith("/rest")
        ]

    def renewals(self, fake: FakeOAuth) -> int:
        return len(fake.token_requests(self.renew_grant))

    # -- the contract ----------------------------------------------------------------------

    def test_header_is_set_for_the_api_host_only(self) -> None:
        auth, fake, _, session = self.setup()
        token = self.prime(auth, fake)
        assert session.get_json("/rest/v1.0/me") == {"ok": True}
        assert self.api_calls(fake) == [f"Bearer {token.access_token}"]
        storage = auth(requests.Request("POST", "https://s3.amazonaws.com/pro-core.com").prepare())
        assert "Authorization" not in storage.headers
        redirect = auth(requests.Request("GET", "https://login.example.test/x").prepare())
        assert "Authorization" not in redirect.headers

    def test_proactive_refresh_inside_the_leeway(self) -> None:
        auth, fake, clock, _ = self.setup()
        first = self.prime(auth, fake)
        before = self.renewals(fake)
        clock.advance(5400 - 301)  # just outside the 300 s leeway
        assert auth.ensure_valid() == first
        assert self.renewals(fake) == before
        clock.advance(2)  # inside it: renewed before Procore would refuse it
        second = auth.ensure_valid()
        assert second.access_token != first.access_token
        assert self.renewals(fake) == before + 1
        assert auth.ensure_valid() == second
        assert self.renewals(fake) == before + 1

    def test_a_401_gives_exactly_one_refresh_and_one_replay(self) -> None:
        auth, fake, _, session = self.setup()
        first = self.prime(auth, fake)
        before = self.renewals(fake)
        fake.kill_all_access()  # Procore dropped the token early
        assert session.get_json("/rest/v1.0/me") == {"ok": True}
        calls = self.api_calls(fake)
        assert len(calls) == 2
        assert calls[0] == f"Bearer {first.access_token}"
        assert calls[1] == f"Bearer {auth.ensure_valid().access_token}" != calls[0]
        assert self.renewals(fake) == before + 1

    def test_a_second_401_is_not_refreshed_again(self) -> None:
        auth, fake, _, session = self.setup()
        self.prime(auth, fake)
        before = self.renewals(fake)
        fake.api_script.extend([(401, {"error": "invalid_token"})] * 5)
        with pytest.raises(AuthenticationError):
            session.get_json("/rest/v1.0/me")
        assert len(self.api_calls(fake)) == 2
        assert self.renewals(fake) == before + 1

    def test_callers_do_not_queue_behind_a_renewal_while_the_token_is_valid(self) -> None:
        auth, fake, clock, _ = self.setup()
        first = self.prime(auth, fake)
        clock.advance(5400 - 299)  # inside the leeway: renew, but the token still works
        entered, release = threading.Event(), threading.Event()

        def slow_token_endpoint(record: Any) -> None:
            if record.path == "/oauth/token":
                entered.set()
                release.wait(10)

        fake.hook = slow_token_endpoint
        renewed: list[Token] = []
        renewer = threading.Thread(target=lambda: renewed.append(auth.ensure_valid()))
        renewer.start()
        try:
            assert entered.wait(10)
            # The renewal holds the lock; this caller gets the still-valid token at once.
            assert auth.ensure_valid() == first
        finally:
            release.set()
            renewer.join(10)
        assert renewed[0].access_token != first.access_token
        assert auth.ensure_valid() == renewed[0]

    def test_a_per_call_http_session_carries_the_token_request(self) -> None:
        auth, fake, clock, _ = self.setup()
        self.prime(auth, fake)
        clock.advance(5400)  # expired
        seen: list[str] = []
        http = fake.session()
        http.hooks["response"].append(lambda r, *a, **k: seen.append(r.url))
        before = self.renewals(fake)
        auth.ensure_valid(http=http)
        assert seen == ["https://login.example.test/oauth/token"]
        assert self.renewals(fake) == before + 1

    @pytest.mark.parametrize(
        "url",
        ["https://api.example.test:port/rest", "https://[api.example.test/rest", "relative/path"],
    )
    def test_a_malformed_url_never_gets_the_token(self, url: str) -> None:
        auth, fake, _, _ = self.setup()
        self.prime(auth, fake)
        prepared = requests.PreparedRequest()
        prepared.prepare_headers({})
        prepared.url = url  # set directly: requests would refuse to prepare these
        assert "Authorization" not in auth(prepared).headers

    def test_refresh_for_a_stale_401_reuses_the_newer_token(self) -> None:
        auth, fake, _, _ = self.setup()
        old = self.prime(auth, fake)
        newer = auth.refresh(failed_access_token=old.access_token)
        count = len(fake.requests)
        assert auth.refresh(failed_access_token=old.access_token) == newer
        assert len(fake.requests) == count

    def test_save_happens_before_the_first_use_of_every_token(self) -> None:
        events: list[tuple[str, str]] = []
        auth, fake, clock, session = self.setup(RecordingStore(events))

        def on_request(record: Any) -> None:
            header = record.headers.get("Authorization", "")
            if record.path.startswith("/rest") and header.startswith("Bearer "):
                events.append(("use", header[7:]))

        fake.hook = on_request
        self.prime(auth, fake)
        session.get_json("/rest/v1.0/me")
        clock.advance(5400 - 100)  # proactive renewal
        session.get_json("/rest/v1.0/me")
        fake.kill_all_access()  # reactive renewal
        session.get_json("/rest/v1.0/me")
        used = [value for kind, value in events if kind == "use"]
        assert len(set(used)) == 3
        for value in set(used):
            assert events.index(("save", value)) < events.index(("use", value)), events

    def test_revoke(self) -> None:
        auth, fake, _, _ = self.setup()
        token = self.prime(auth, fake)
        auth.revoke()
        sent = fake.requests[-1]
        assert sent.path == "/oauth/revoke"
        assert sent.form["token"] == token.access_token
        assert sent.form["client_id"] == CLIENT_ID
        assert auth.store.load() is None
        assert token.access_token not in fake.live_access

    def test_no_secret_in_repr_str_errors_or_debug_logs(self) -> None:
        # Hypothesis runs inside the method: one executor per contract subclass.
        @settings(max_examples=25, deadline=None)
        # Each secret carries a marker no ordinary output contains, then 12+ drawn characters:
        # a bare drawn secret can shrink to text such as "MemoryTokenS" or "000000000000"
        # that a repr shows legitimately, which made this test fail at random.
        @given(
            secret=st.text(SAFE + "-._~", min_size=12, max_size=40).map(marked("csecret")),
            access=st.text(SAFE, min_size=12, max_size=40).map(marked("atoken")),
            refresh=st.text(SAFE, min_size=12, max_size=40).map(marked("rtoken")),
        )
        def check(secret: str, access: str, refresh: str) -> None:
            self.check_no_secret(secret, access, refresh)

        check()

    def check_no_secret(self, secret: str, access: str, refresh: str) -> None:
        records: list[logging.LogRecord] = []

        class Collect(logging.Handler):
            def emit(self, record: logging.LogRecord) -> None:
                records.append(record)

        handler = Collect(level=logging.DEBUG)
        root = logging.getLogger()
        old_level = root.level
        root.addHandler(handler)
        root.setLevel(logging.DEBUG)
        texts: list[str] = []
        try:
            fake, clock = FakeOAuth(), FakeClock()
            fake.client_secret = secret
            fake.access_prefix = access
            fake.refresh_prefix = refresh
            auth = self.make_auth(fake, clock, MemoryTokenStore(), secret=secret)
            session = Session(
                auth,
                company_id=1,
                requests_session=fake.session(),
                pace=False,
                retry=RetryPolicy(max_attempts=1),
            )
            token = self.prime(auth, fake)
            session.get_json("/rest/v1.0/me")
            clock.advance(5400 - 10)
            session.get_json("/rest/v1.0/me")
            fake.kill_all_access()
            session.get_json("/rest/v1.0/me")
            texts += [repr(auth), str(auth), repr(token), str(token), repr(auth.store)]
            # Error paths: refused credentials, a lost answer, a refused token.
            fake.script.append((401, {"error": "invalid_client", "error_description": "no"}))
            fake.script.append(requests.exceptions.ReadTimeout("read timed out"))
            fake.api_script.extend([(401, {"error": "invalid_token"})] * 3)
            for action in (auth.refresh, auth.refresh, lambda: session.get_json("/rest/x")):
                try:
                    action()
                except Exception as exc:  # every failure must be a clean message
                    texts += [str(exc), repr(exc)]
            auth.revoke()
        finally:
            root.removeHandler(handler)
            root.setLevel(old_level)
        texts += [record.getMessage() for record in records]
        assert records  # the DEBUG lines were captured and checked
        for text in texts:
            assert secret not in text
            assert access not in text
            assert refresh not in text


def marked(kind: str) -> Callable[[str], str]:
    """Prefix a drawn secret with a marker such as ``Zq9csecretX-`` that never occurs alone."""
    return lambda drawn: f"Zq9{kind}X-{drawn}"


class TestServiceAccountContract(AuthStrategyContract):
    renew_grant = "client_credentials"

    def make_auth(
        self, fake: FakeOAuth, clock: FakeClock, store: TokenStore, secret: str = CLIENT_SECRET
    ) -> AuthStrategy:
        return ServiceAccountAuth(
            CLIENT_ID, secret, environment=ENV, store=store, clock=clock, http=fake.session()
        )

    def prime(self, auth: AuthStrategy, fake: FakeOAuth) -> Token:
        return auth.ensure_valid()


class TestUserLevelContract(AuthStrategyContract):
    renew_grant = "refresh_token"

    def make_auth(
        self, fake: FakeOAuth, clock: FakeClock, store: TokenStore, secret: str = CLIENT_SECRET
    ) -> AuthStrategy:
        return UserLevelAuth(
            CLIENT_ID,
            secret,
            REDIRECT_URI,
            environment=ENV,
            store=store,
            clock=clock,
            http=fake.session(),
        )

    def prime(self, auth: AuthStrategy, fake: FakeOAuth) -> Token:
        assert isinstance(auth, UserLevelAuth)
        flow = auth.start_authorization()
        code = fake.issue_code(flow.code_verifier)
        return auth.complete_authorization(
            flow, f"{flow.redirect_uri}?code={code}&state={flow.state}"
        )


def test_the_contract_covers_both_strategies() -> None:
    subclasses = {c.__name__ for c in AuthStrategyContract.__subclasses__()}
    assert subclasses == {"TestServiceAccountContract", "TestUserLevelContract"}
    assert issubclass(ServiceAccountAuth, AuthStrategy)
    assert issubclass(UserLevelAuth, AuthStrategy)
    assert OAuthError is not None
