"""The rate-budget hook: LocalRateBudget's rules, BudgetScope, the session consulting a budget,
and the renewal guard the auth strategies call (the Redis versions are in tests/fleet)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Optional

import pytest
import requests
from loopback import LoopbackServer, Reply
from session_fakes import T0, FakeAuth, FakeTime, policy
from token_fakes import CLIENT_ID, CLIENT_SECRET, ENV, REDIRECT_URI, FakeClock, FakeOAuth

from procore_dc import (
    BudgetScope,
    ConfigurationError,
    Environment,
    InvalidGrantError,
    LocalRateBudget,
    MemoryTokenStore,
    RateBudget,
    RateLimitError,
    ServiceAccountAuth,
    Session,
    Token,
    TransportError,
    UserLevelAuth,
)
from procore_dc.auth.stores import RenewalGuard
from procore_dc.rate_budget import PROBE_TTL, PROBE_WAIT, check_budget

SCOPE = BudgetScope(app="app", owner="dmsa", company_id=8)
JSON = (("Content-Type", "application/json"),)


def headers(limit: int, remaining: int, reset: float) -> dict[str, str]:
    return {
        "X-Rate-Limit-Limit": str(limit),
        "X-Rate-Limit-Remaining": str(remaining),
        "X-Rate-Limit-Reset": str(int(reset)),
    }


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> float:
        return self.now


# -- LocalRateBudget ----------------------------------------------------------------------


def test_before_any_header_one_probe_at_a_time() -> None:
    clock = Clock()
    budget = LocalRateBudget(clock=clock)
    assert budget.take(SCOPE) == 0.0
    assert budget.take(SCOPE) == PROBE_WAIT  # the probe has not answered yet
    clock.now += PROBE_TTL
    assert budget.take(SCOPE) == 0.0  # a lost probe does not block for ever
    budget.observe(SCOPE, {"Content-Type": "application/json"})  # an answer without headers
    assert budget.take(SCOPE) == 0.0  # ... lets the next probe go at once
    budget.observe(BudgetScope("other", "user"), {})  # unknown scope, no headers: nothing


def test_permits_run_out_then_wait_for_reset_plus_margin() -> None:
    clock = Clock()
    budget = LocalRateBudget(clock=clock, margin=0.5)
    budget.observe(SCOPE, headers(25, 3, T0 + 10))
    assert [budget.take(SCOPE) for _ in range(3)] == [0.0, 0.0, 0.0]
    assert budget.take(SCOPE) == pytest.approx(10.5)
    clock.now = T0 + 4
    assert budget.take(SCOPE) == pytest.approx(6.5)


def test_within_a_window_the_budget_only_goes_down() -> None:
    budget = LocalRateBudget(clock=Clock())
    budget.observe(SCOPE, headers(25, 5, T0 + 10))
    budget.take(SCOPE)
    budget.observe(SCOPE, headers(25, 9, T0 + 10))  # an answer that left before our permit
    budget.observe(SCOPE, headers(25, 0, T0 - 5))  # one from a window long over: ignored
    assert [budget.take(SCOPE) for _ in range(5)][-1] > 0  # 4 permits left, not 9
    budget.observe(SCOPE, headers(25, 0, T0 + 10))  # someone else spent them
    assert budget.take(SCOPE) > 0


def test_a_window_rolls_over_at_reset_and_ignores_late_answers() -> None:
    clock = Clock()
    budget = LocalRateBudget(clock=clock, margin=0.0)
    budget.observe(SCOPE, headers(25, 0, T0 + 10))
    assert budget.take(SCOPE) == 10.0
    clock.now = T0 + 10
    assert budget.take(SCOPE) == 0.0  # a fresh window: full again
    budget.observe(SCOPE, headers(25, 0, T0 + 10))  # a late answer from the old window
    assert budget.take(SCOPE) == 0.0
    budget.observe(SCOPE, headers(25, 20, T0 + 20))  # the first answer from the new one
    taken = [budget.take(SCOPE) for _ in range(21)]
    assert taken[:20] == [0.0] * 20
    assert taken[20] == 10.0
    budget.observe(SCOPE, headers(25, 24, T0 + 30))  # a new window we had not rolled into
    assert budget.take(SCOPE) == 0.0


def test_permits_taken_just_before_a_reset_count_against_the_next_window() -> None:
    clock = Clock()
    budget = LocalRateBudget(clock=clock, margin=0.0)
    budget.observe(SCOPE, headers(25, 10, T0 + 10))
    clock.now = T0 + 9.5  # within LATE of the reset: these may reach Procore after it
    assert [budget.take(SCOPE) for _ in range(2)] == [0.0, 0.0]
    clock.now = T0 + 10
    taken = [budget.take(SCOPE) for _ in range(24)]
    assert taken[:23] == [0.0] * 23  # 25 less the 2 that may land in this window
    assert taken[23] == PROBE_WAIT


def test_a_rolled_window_that_runs_dry_waits_for_its_new_reset() -> None:
    clock = Clock()
    budget = LocalRateBudget(clock=clock, margin=0.0)
    budget.observe(SCOPE, headers(2, 0, T0 + 1))
    clock.now = T0 + 1
    assert [budget.take(SCOPE) for _ in range(2)] == [0.0, 0.0]
    assert budget.take(SCOPE) == PROBE_WAIT  # no reset known yet for the new window


def test_every_known_window_must_have_a_permit() -> None:
    clock = Clock()
    budget = LocalRateBudget(clock=clock, margin=0.0)
    budget.observe(SCOPE, headers(25, 10, T0 + 10))
    budget.observe(SCOPE, headers(3600, 1, T0 + 3000))  # the hourly window is nearly spent
    assert budget.take(SCOPE) == 0.0
    assert budget.take(SCOPE) == 3000.0  # the spike window has permits; the hourly has none
    assert repr(budget) == "LocalRateBudget(scopes=1)"


def test_bad_margin_and_budget_types_are_configuration_errors() -> None:
    with pytest.raises(ConfigurationError, match="margin"):
        LocalRateBudget(margin=-1)
    with pytest.raises(ConfigurationError, match="RateBudget"):
        check_budget(object())
    assert check_budget(None) is None
    assert isinstance(LocalRateBudget(), RateBudget)


# -- BudgetScope --------------------------------------------------------------------------


def test_scope_names_and_owners() -> None:
    assert SCOPE.name == "app|dmsa|8"
    assert BudgetScope("app", "user").name == "app|user|-"
    dmsa = ServiceAccountAuth(CLIENT_ID, CLIENT_SECRET, environment=ENV)
    assert BudgetScope.for_request(dmsa, "8") == BudgetScope(CLIENT_ID, "dmsa", 8)
    user = UserLevelAuth(CLIENT_ID, CLIENT_SECRET, REDIRECT_URI, environment=ENV)
    assert BudgetScope.for_request(user, None) == BudgetScope(CLIENT_ID, "user", None)
    assert BudgetScope.for_request(user, "not-a-number").company_id is None

    class KeyedStore(MemoryTokenStore):
        key = "acme:user:42"

    keyed = UserLevelAuth(
        CLIENT_ID, CLIENT_SECRET, REDIRECT_URI, environment=ENV, store=KeyedStore()
    )
    assert BudgetScope.for_request(keyed, " 9 ").owner == "acme:user:42"


# -- the session's hook -------------------------------------------------------------------


class ScriptedBudget:
    """Answers ``take`` from a list of waits and records what it saw."""

    def __init__(self, waits: list[float]) -> None:
        self.waits = waits
        self.taken: list[BudgetScope] = []
        self.seen: list[tuple[BudgetScope, Optional[str]]] = []

    def take(self, scope: BudgetScope) -> float:
        self.taken.append(scope)
        return self.waits.pop(0) if self.waits else 0.0

    def observe(self, scope: BudgetScope, found: Mapping[str, str]) -> None:
        self.seen.append((scope, found.get("X-Rate-Limit-Remaining")))


def make_session(server: LoopbackServer, time: FakeTime, budget: Any) -> Session:
    auth = FakeAuth(Environment.local(server.url), requires_company_id=True)
    return Session(auth, company_id=8, retry=policy(time), rate_budget=budget)


def test_the_session_waits_for_a_permit_then_feeds_the_headers_back() -> None:
    reply = Reply(200, (*JSON, *headers(25, 7, T0 + 10).items()), b"{}")
    with LoopbackServer([reply]) as server:
        time = FakeTime()
        budget = ScriptedBudget([1.5, 0.5])
        seen_at_sleep: list[int] = []
        time.on_sleep = lambda _s: seen_at_sleep.append(len(server.requests))
        session = make_session(server, time, budget)
        session.get_json("/rest/v1.0/companies")
    assert time.sleeps == [1.5, 0.5]  # no jitter on the budget's own pacing
    assert seen_at_sleep == [0, 0]  # nothing was sent before the permit
    assert budget.taken == [BudgetScope("-", "dmsa", 8)] * 3
    assert budget.seen == [(BudgetScope("-", "dmsa", 8), "7")]


def test_a_budget_wait_beyond_max_wait_raises_without_sending() -> None:
    with LoopbackServer([Reply(200, JSON, b"{}")]) as server:
        time = FakeTime()
        session = make_session(server, time, ScriptedBudget([3000.0]))
        with pytest.raises(RateLimitError, match="shared rate budget"):
            session.get_json("/rest/v1.0/companies")
        assert server.requests == []
    assert time.sleeps == []


def test_calls_without_our_token_take_no_permit() -> None:
    with LoopbackServer([Reply(200, JSON, b"{}")]) as server:
        budget = ScriptedBudget([])
        session = make_session(server, FakeTime(), budget)
        session.request("PUT", f"{server.url}/upload", data=b"x", authenticated=False)
    assert budget.taken == []
    assert budget.seen == []


def test_a_session_refuses_a_budget_that_is_not_one() -> None:
    with pytest.raises(ConfigurationError, match="rate_budget"):
        Session(FakeAuth(Environment.local("http://127.0.0.1:1")), rate_budget=object())  # type: ignore[arg-type]


# -- the renewal guard the auth strategies call --------------------------------------------


class GuardedStore(MemoryTokenStore):
    def __init__(self) -> None:
        super().__init__()
        self.events: list[str] = []
        self.refuse = False

    def begin_renewal(self, current: Optional[Token]) -> None:
        self.events.append("begin")
        if self.refuse:
            raise InvalidGrantError(error="invalid_grant")

    def abandon_renewal(self) -> None:
        self.events.append("abandon")


def user_auth(fake: FakeOAuth, clock: FakeClock, store: GuardedStore) -> UserLevelAuth:
    auth = UserLevelAuth(
        CLIENT_ID,
        CLIENT_SECRET,
        REDIRECT_URI,
        environment=ENV,
        store=store,
        clock=clock,
        http=fake.session(),
    )
    flow = auth.start_authorization()
    code = fake.issue_code(flow.code_verifier)
    auth.complete_authorization(flow, f"{REDIRECT_URI}?code={code}&state={flow.state}")
    clock.advance(6000)
    return auth


def test_a_guarded_store_hears_of_each_renewal_and_of_one_that_spent_nothing() -> None:
    fake, clock, store = FakeOAuth(), FakeClock(), GuardedStore()
    assert isinstance(store, RenewalGuard)
    auth = user_auth(fake, clock, store)
    fake.script.append(requests.exceptions.ConnectTimeout("connect timed out"))
    with pytest.raises(TransportError):
        auth.ensure_valid()
    assert store.events == ["begin", "abandon"]  # nothing was spent: the next holder may try
    auth.ensure_valid()
    assert store.events == ["begin", "abandon", "begin"]
    clock.advance(6000)
    fake.script.append((400, {"error": "invalid_grant"}))
    with pytest.raises(InvalidGrantError):
        auth.ensure_valid()
    assert store.events[-1] == "begin"  # spent: the record stays (the store saved it spent)


def test_a_guard_that_refuses_stops_the_token_request() -> None:
    fake, clock, store = FakeOAuth(), FakeClock(), GuardedStore()
    auth = user_auth(fake, clock, store)
    store.refuse = True
    before = len(fake.token_requests())
    with pytest.raises(InvalidGrantError):
        auth.ensure_valid()
    assert len(fake.token_requests()) == before
