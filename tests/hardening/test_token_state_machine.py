"""A stateful model of token handling, for both strategies, against a live FakeProcore.

Hypothesis drives a ``RuleBasedStateMachine`` through the things that happen to a token in
production: the clock moves, the API is called (by one caller or by several threads at
once), the API answers 401, a refresh fails or its response is lost, the token is revoked.
After every step the invariants are checked from the sandbox's request log:

1. never more than one token request in flight per credential (two strategy objects share
   one token store, as two workers of one app would, and are counted together);
2. no expired token is sent while a valid one is stored (checked in its strong form: the
   API never receives a token that was expired when it arrived);
3. a dead refresh token (spent by a refresh the server processed, or revoked) is never sent
   again.

Every call either returns the ``/me`` body or raises a documented :class:`ProcoreError`; and
when nothing is wrong (no token fault pending and, for user-level auth, a live refresh token
on hand) the call must succeed, so a model that fails everything cannot pass.

The user-level strategy rotates single-use refresh tokens; the service account (DMSA)
fetches a new token with the client-credentials grant instead. Each runs 200 examples under
the CI profile (50 under "dev").
"""

from __future__ import annotations

import threading
from datetime import datetime, timezone
from typing import Any, ClassVar, Optional
from urllib.parse import parse_qsl

import requests
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
)

from procore_dc import (
    AuthStrategy,
    MemoryTokenStore,
    ProcoreError,
    RetryPolicy,
    ServiceAccountAuth,
    Session,
    Token,
    UserLevelAuth,
)
from procore_dc.testing import FakeProcore, Fault, SandboxClock

COMPANY_ID = 8  # the first seeded company, where the default app is installed
REDIRECT = "http://localhost"
ME = "/rest/v1.0/me"
TOKEN_PATH = "/oauth/token"
# Fault kinds after which the sandbox's token handler never ran (nothing was spent).
HANDLER_SKIPPED = frozenset({"status", "reset", "html_error"})


class RecordingStore(MemoryTokenStore):
    """A memory store that remembers every token ever saved, by access token."""

    def __init__(self) -> None:
        super().__init__()
        self.history: dict[str, Token] = {}

    def save(self, token: Token) -> None:
        super().save(token)
        self.history.setdefault(token.access_token, token)


class CountingHTTP(requests.Session):
    """The plain session for token requests; counts requests in flight at the same time."""

    def __init__(self) -> None:
        super().__init__()
        self.trust_env = False
        self._count_lock = threading.Lock()
        self.in_flight = 0
        self.max_in_flight = 0
        self.sent = 0

    def request(self, method: Any, url: Any, *args: Any, **kw: Any) -> Any:  # type: ignore[override]
        with self._count_lock:
            self.in_flight += 1
            self.sent += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            return super().request(method, url, *args, **kw)
        finally:
            with self._count_lock:
                self.in_flight -= 1


def _bearer(record: Any) -> Optional[str]:
    value = record.headers.get("Authorization", "")
    if not value.lower().startswith("bearer "):
        return None
    return str(value[7:].strip())


class TokenMachine(RuleBasedStateMachine):
    """The model; subclasses pick the strategy."""

    kind: ClassVar[str] = "user"

    def __init__(self) -> None:
        super().__init__()
        self.sandbox = FakeProcore(
            seed=0, clock=SandboxClock(frozen=True), rate_limits=None
        ).start()
        self.store = RecordingStore()
        self.http = CountingHTTP()
        # No real sleeps; a POST is never retried anyway, and GET /me only on 5xx we never send.
        retry = RetryPolicy(max_attempts=2, sleep=lambda _s: None, jitter=False)
        # Two strategy objects over one store: two workers sharing one credential.
        self.auths = [self._make_auth(), self._make_auth()]
        self.sessions = [
            Session(auth, company_id=COMPANY_ID, pace=False, retry=retry, timeout=(5, 10))
            for auth in self.auths
        ]
        self.checked = 0  # log records already checked
        self.posts_checked = 0  # token-endpoint requests counted by CountingHTTP so far
        # Refresh tokens the client has spent, seen refused, or revoked itself: never again.
        self.dead: set[str] = set()
        # Refresh tokens revoked behind the client's back: one attempt is how it finds out.
        self.revoked_elsewhere: set[str] = set()
        self.token_faults: list[Fault] = []  # injected token-endpoint failures
        self.api_401s: list[Fault] = []  # injected 401 answers from the API
        # Sessions whose next call may fail after a server-side revocation (see revoke).
        self.may_fail: set[int] = set()
        self.calls = 0

    # -- set-up ---------------------------------------------------------------------------

    def _clock(self) -> datetime:
        return datetime.fromtimestamp(self.sandbox.clock.now(), timezone.utc)

    def _make_auth(self) -> AuthStrategy:
        app = self.sandbox.default_app
        common: dict[str, Any] = {
            "environment": self.sandbox.environment,
            "store": self.store,
            "clock": self._clock,
            "http": self.http,
            "timeout": (5, 10),
        }
        if self.kind == "service":
            return ServiceAccountAuth(app.client_id, app.client_secret, **common)
        return UserLevelAuth(app.client_id, app.client_secret, REDIRECT, **common)

    def teardown(self) -> None:
        for session in self.sessions:
            session.close()
        for auth in self.auths:
            auth.close()
        self.http.close()
        self.sandbox.stop()

    def _sign_in(self) -> None:
        auth = self.auths[0]
        assert isinstance(auth, UserLevelAuth)
        flow = auth.start_authorization()
        with requests.Session() as browser:
            browser.trust_env = False
            answer = browser.get(flow.url, allow_redirects=False, timeout=10)
        assert answer.status_code == 302, answer.text
        auth.complete_authorization(flow, answer.headers["Location"])

    @initialize()
    def start(self) -> None:
        if self.kind == "user":
            self._sign_in()

    # -- helpers --------------------------------------------------------------------------

    def _pending_token_faults(self) -> bool:
        return any(f.hits == 0 for f in self.token_faults)

    def _expect_success(self, which: int) -> bool:
        """Whether nothing stands between a call on session ``which`` and a 200."""
        if self._pending_token_faults() or which in self.may_fail:
            return False
        if self.kind == "service":
            return True
        token = self.store.load()
        return (
            token is not None
            and token.refresh_token is not None
            and token.refresh_token not in self.dead
            and token.refresh_token not in self.revoked_elsewhere
        )

    def _call(self, session: Session) -> Any:
        try:
            return session.get_json(ME)
        except ProcoreError as exc:
            return exc

    def _check_outcome(self, outcome: Any, expected: bool) -> None:
        self.calls += 1
        if isinstance(outcome, ProcoreError):
            assert not expected, f"a call failed though nothing was wrong: {outcome!r}"
            return
        assert isinstance(outcome, dict), f"unexpected outcome {outcome!r}"
        assert "id" in outcome

    def _current_refresh(self) -> Optional[str]:
        token = self.store.load()
        return token.refresh_token if token is not None else None

    # -- rules ----------------------------------------------------------------------------

    @rule(
        seconds=st.sampled_from([1, 120, 4800, 5099, 5100, 5101, 5250, 5399, 5400, 5401, 9000])
        | st.integers(min_value=0, max_value=6000)
    )
    def advance_the_clock(self, seconds: int) -> None:
        self.sandbox.clock.advance(seconds)

    @rule(which=st.integers(min_value=0, max_value=1))
    def call_the_api(self, which: int) -> None:
        expected = self._expect_success(which)
        self._check_outcome(self._call(self.sessions[which]), expected)
        self.may_fail.discard(which)

    @rule(callers=st.integers(min_value=2, max_value=8), slow=st.booleans())
    def concurrent_callers(self, callers: int, slow: bool) -> None:
        if slow:
            # Widen the window in which a second token request could slip through.
            self.sandbox.faults.add("POST", TOKEN_PATH, "delay", seconds=0.02, times=1)
        expected = [self._expect_success(0), self._expect_success(1)]
        barrier = threading.Barrier(callers)
        outcomes: list[tuple[int, Any]] = []
        escaped: list[BaseException] = []

        def work(index: int) -> None:
            try:
                barrier.wait(10)
                outcomes.append((index % 2, self._call(self.sessions[index % 2])))
            except BaseException as exc:  # anything not a ProcoreError fails below
                escaped.append(exc)

        threads = [threading.Thread(target=work, args=(i,)) for i in range(callers)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        assert not any(t.is_alive() for t in threads), "a caller is stuck (deadlock?)"
        assert escaped == [], f"non-SDK exceptions escaped: {escaped!r}"
        assert len(outcomes) == callers
        for which, outcome in outcomes:
            self._check_outcome(outcome, expected[which])
        self.may_fail.clear()

    @rule(which=st.integers(min_value=0, max_value=1))
    def api_answers_401(self, which: int) -> None:
        # The API refuses the token once (as after a server-side expiry or key rotation);
        # the session renews at most once and replays the call. One at a time: two pending
        # 401s would refuse the replay too, which is the documented outcome, not a success.
        if all(fault.hits for fault in self.api_401s):
            self.api_401s.append(
                self.sandbox.faults.add(
                    "GET",
                    ME,
                    "status",
                    status=401,
                    body={"error": "invalid_token", "message": "The access token is invalid"},
                    times=1,
                )
            )
        expected = self._expect_success(which)
        self._check_outcome(self._call(self.sessions[which]), expected)
        self.may_fail.discard(which)

    @rule()
    def revoke_server_side(self) -> None:
        # Procore revokes a token (the user disconnected the app): access and refresh die.
        token = self.store.load()
        if token is None:
            return
        if token.refresh_token is not None:
            self.revoked_elsewhere.add(token.refresh_token)
        self.sandbox.revoke_token(token.access_token)
        # A worker holding an older token in memory learns of the revocation from a 401,
        # is handed the stored token (renewed by its sibling, but revoked too) and fails
        # once: a 401 is answered with at most one renewal and one replay. Its next call
        # renews.
        self.may_fail.update((0, 1))

    @rule(
        how=st.sampled_from(["500", "502-html", "reset", "invalid_grant", "lose_response"]),
    )
    def fail_the_next_refresh(self, how: str) -> None:
        faults = self.sandbox.faults
        if how == "500":
            fault = faults.add("POST", TOKEN_PATH, "status", status=500, times=1)
        elif how == "502-html":
            fault = faults.add("POST", TOKEN_PATH, "html_error", times=1)
        elif how == "reset":
            fault = faults.add("POST", TOKEN_PATH, "reset", times=1)
        elif how == "invalid_grant":
            fault = faults.add(
                "POST",
                TOKEN_PATH,
                "status",
                status=400,
                body={
                    "error": "invalid_grant",
                    "error_description": "The refresh token is invalid",
                },
                times=1,
            )
        else:
            # The server commits the grant (a refresh rotates) and the answer never arrives.
            fault = faults.add(kind="lose_token_response", times=1)
        self.token_faults.append(fault)

    @rule()
    def revoke(self) -> None:
        refresh = self._current_refresh()
        try:
            self.auths[0].revoke()
        except ProcoreError:
            return
        if refresh is not None:
            self.dead.add(refresh)

    @precondition(
        lambda self: (
            self.kind == "user"
            and (self.store.load() is None or self.store.load().refresh_token is None)
        )
    )
    @rule()
    def sign_in_again(self) -> None:
        hits = sum(f.hits for f in self.token_faults)
        try:
            self._sign_in()
        except ProcoreError:
            # Only an injected token-endpoint fault can refuse the code exchange.
            assert sum(f.hits for f in self.token_faults) > hits

    # -- invariants -----------------------------------------------------------------------

    @invariant()
    def the_log_obeys_the_rules(self) -> None:
        records = self.sandbox.requests
        new = records[self.checked :]
        self.checked = len(records)
        token_requests = 0
        for record in new:
            if record.role == "login" and record.method == "POST":
                token_requests += 1
            if record.role == "login" and record.path == TOKEN_PATH:
                form = dict(parse_qsl(record.body.decode("utf-8")))
                if form.get("grant_type") == "refresh_token":
                    value = form.get("refresh_token", "")
                    assert value not in self.dead, "a dead refresh token was sent again"
                    if record.fault not in HANDLER_SKIPPED:
                        self.dead.add(value)  # the server processed it: spent either way
            elif record.role == "api":
                bearer = _bearer(record)
                assert bearer is not None, f"an API call went out without a token: {record!r}"
                token = self.store.history.get(bearer)
                assert token is not None, "an API call carried a token the store never held"
                sent_at = datetime.fromtimestamp(record.time, timezone.utc)
                assert not token.expired(0.0, sent_at), (
                    f"an expired token was sent at {sent_at} (expired {token.expires_at}); "
                    f"stored: {self.store.load()!r}"
                )
        # Every token request went through the counted session: none bypassed the lock.
        counted = self.http.sent - self.posts_checked
        self.posts_checked = self.http.sent
        assert token_requests == counted, (token_requests, counted)
        assert self.http.max_in_flight <= 1, (
            f"{self.http.max_in_flight} token requests were in flight at once"
        )


class UserLevelMachine(TokenMachine):
    kind = "user"


class ServiceAccountMachine(TokenMachine):
    kind = "service"


# Each run is small (about ten steps on one sandbox) so 2 x 200 runs stay well under a minute.
_SETTINGS = settings(
    stateful_step_count=10,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)

TestUserLevelTokens = UserLevelMachine.TestCase
TestUserLevelTokens.settings = _SETTINGS
TestServiceAccountTokens = ServiceAccountMachine.TestCase
TestServiceAccountTokens.settings = _SETTINGS
