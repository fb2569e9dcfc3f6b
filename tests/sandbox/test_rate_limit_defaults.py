"""Issue 14 item 2: the sandbox never slows your tests silently.

FakeProcore and the ``fake_procore`` fixtures enforce no rate limit unless asked; when the
session does wait for one, it says so at INFO (with the wait and the header) and
``Session.rate_limit`` records it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from procore_dc import RetryPolicy, ServiceAccountAuth, Session
from procore_dc.testing import FakeProcore, RateLimits

from .conftest import COMPANY, dmsa_token, get


def _me_statuses(sandbox: FakeProcore, times: int) -> list[int]:
    token = dmsa_token(sandbox)
    return [get(sandbox, "/rest/v1.0/me", token).status_code for _ in range(times)]


def test_fake_procore_fixture_has_no_rate_limit(fake_procore: FakeProcore) -> None:
    assert fake_procore.rate_limits is None
    # Procore's own spike window is 25 per 10 s: 30 quick calls would meet a 429.
    assert _me_statuses(fake_procore, 30) == [200] * 30


def test_fake_procore_default_is_no_rate_limit() -> None:
    assert FakeProcore().rate_limits is None


@pytest.mark.procore_rate_limits(spike=3, spike_window=60)
def test_marker_asks_for_rate_limits(fake_procore: FakeProcore) -> None:
    assert fake_procore.rate_limits == RateLimits(spike=3, spike_window=60)
    assert _me_statuses(fake_procore, 4) == [200, 200, 200, 429]


@pytest.mark.procore_rate_limits
def test_bare_marker_asks_for_procores_own_limits(fake_procore: FakeProcore) -> None:
    assert fake_procore.rate_limits == RateLimits()


@pytest.fixture
def session(sandbox: FakeProcore) -> Iterator[Session]:
    app = sandbox.default_app
    auth = ServiceAccountAuth(app.client_id, app.client_secret, environment=sandbox.environment)
    retry = RetryPolicy(clock=sandbox.clock.now, sleep=sandbox.clock.advance, random=lambda: 0.0)
    with Session(auth, company_id=COMPANY, retry=retry) as running:
        yield running


def test_pacing_pause_is_logged_at_info_and_recorded(
    sandbox: FakeProcore, session: Session, caplog: pytest.LogCaptureFixture
) -> None:
    sandbox.rate_limits = RateLimits(spike=2, spike_window=10)
    assert session.rate_limit.pauses == 0
    with caplog.at_level(logging.INFO, logger="procore_dc"):
        for _ in range(3):
            session.get_json("/rest/v1.0/me")
    infos = [r.getMessage() for r in caplog.records if r.levelno == logging.INFO]
    assert len(infos) == 1, infos
    assert "waiting" in infos[0]
    assert "X-Rate-Limit-Remaining: 0" in infos[0]
    assert session.rate_limit.pauses == 1
    pause = session.rate_limit.last_pause
    assert pause is not None
    assert 0 < pause.seconds <= 11
    assert "X-Rate-Limit-Reset" in pause.cause
    assert "pauses=1" in repr(session.rate_limit)


def test_429_pause_is_logged_at_info_and_recorded(
    sandbox: FakeProcore, session: Session, caplog: pytest.LogCaptureFixture
) -> None:
    sandbox.rate_limits = RateLimits(spike=1, spike_window=10)
    session.pace = False
    with caplog.at_level(logging.INFO, logger="procore_dc"):
        session.get_json("/rest/v1.0/me")
        session.get_json("/rest/v1.0/me")  # 429, waited out, replayed
    infos = [r.getMessage() for r in caplog.records if r.levelno == logging.INFO]
    assert len(infos) == 1, infos
    assert "429" in infos[0]
    assert "Retry-After: " in infos[0]
    assert "/rest/v1.0/me" in infos[0]
    pause = session.rate_limit.last_pause
    assert session.rate_limit.pauses == 1
    assert pause is not None
    assert pause.cause.startswith("Retry-After: ")


def test_429_without_retry_after_names_the_reset_header(
    sandbox: FakeProcore, session: Session
) -> None:
    sandbox.rate_limits = RateLimits(spike=1, spike_window=10, retry_after=False)
    session.pace = False
    session.get_json("/rest/v1.0/me")
    session.get_json("/rest/v1.0/me")
    pause = session.rate_limit.last_pause
    assert pause is not None
    assert pause.cause.startswith("X-Rate-Limit-Reset: ")
