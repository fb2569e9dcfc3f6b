"""The knobs a test turns on FakeProcore: its clock, its fault list and its rate limiter."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from procore_dc import ConfigurationError
from procore_dc.testing import FakeProcore, RateLimits, SandboxClock

from .conftest import dmsa_token, headers


def test_the_clock_freezes_advances_and_runs_again() -> None:
    clock = SandboxClock(start=1_000.0, frozen=True)
    assert clock.frozen
    assert clock.now() == clock.now() == 1_000.0
    assert clock.advance(90) == 1_090.0
    clock.unfreeze()
    assert not clock.frozen
    assert clock.now() >= 1_090.0  # it runs on from the time it showed, never back
    clock.unfreeze()  # already running: nothing changes
    assert not clock.frozen
    clock.freeze()
    stopped = clock.now()
    assert stopped >= 1_090.0
    assert clock.now() == stopped
    assert clock.advance(10) == stopped + 10
    with pytest.raises(ValueError, match="cannot go back"):
        clock.advance(-1)
    assert clock.now() == stopped + 10


def test_a_running_clock_advances_by_an_offset() -> None:
    clock = SandboxClock(start=5_000.0)
    woken: list[float] = []
    clock.on_advance(lambda: woken.append(clock.now()))
    moved = clock.advance(3_600)
    assert moved >= 8_600.0
    assert woken
    assert woken[0] >= moved


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"kind": "delay"}, "needs seconds="),
        ({"kind": "delay", "seconds": -1}, "needs seconds="),
        ({"kind": "status", "status": 503, "times": 0}, "times must be at least 1"),
        ({"kind": "status", "status": 503, "probability": 1.5}, "between 0 and 1"),
    ],
)
def test_bad_faults_are_refused(kwargs: dict[str, Any], match: str) -> None:
    sandbox = FakeProcore(seed=0)  # not started: faults are plain data
    with pytest.raises(ValueError, match=match):
        sandbox.faults.add("GET", "/rest/v1.0/me", **kwargs)
    assert len(sandbox.faults) == 0


def test_faults_can_be_removed_and_cleared(sandbox: FakeProcore) -> None:
    token = dmsa_token(sandbox)
    me = f"{sandbox.api_url}/rest/v1.0/me"
    first = sandbox.faults.add("GET", "/rest/v1.0/me", "status", status=500)
    sandbox.faults.add("GET", "/rest/v1.0/me", "status", status=502)
    assert len(sandbox.faults) == 2
    assert requests.get(me, headers=headers(token), timeout=10).status_code == 500
    sandbox.faults.remove(first)
    sandbox.faults.remove(first)  # removing twice is harmless
    assert len(sandbox.faults) == 1
    assert requests.get(me, headers=headers(token), timeout=10).status_code == 502
    sandbox.faults.clear()
    assert len(sandbox.faults) == 0
    assert requests.get(me, headers=headers(token), timeout=10).status_code == 200


@pytest.mark.parametrize("name", ["hourly", "spike", "spike_window", "hourly_window"])
def test_rate_limits_must_be_positive(name: str) -> None:
    with pytest.raises(ValueError, match=f"RateLimits.{name} must be positive"):
        RateLimits(**{name: 0})


def test_resetting_the_limiter_gives_a_fresh_window(sandbox: FakeProcore) -> None:
    sandbox.rate_limits = RateLimits(hourly=100, spike=2)
    token = dmsa_token(sandbox)
    me = f"{sandbox.api_url}/rest/v1.0/me"
    statuses = [requests.get(me, headers=headers(token), timeout=10).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]  # the frozen clock never lets the window roll
    sandbox.limiter.reset()
    again = requests.get(me, headers=headers(token), timeout=10)
    assert again.status_code == 200
    assert again.headers["X-Rate-Limit-Remaining"] == "1"


@pytest.mark.parametrize(
    ("permissions", "match"),
    [
        ({"portfolio": {"rfi": "standard"}}, "unknown permission scope 'portfolio'"),
        ({"project": {"teleport": "standard"}}, "unknown project tool 'teleport'"),
        ({"project": {"rfi": "owner"}}, "unknown level 'owner' for project tool 'rfi'"),
    ],
)
def test_apps_with_unknown_permissions_are_refused(permissions: Any, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        FakeProcore(seed=0).create_app(permissions=permissions)


def test_installing_checks_the_company_and_its_projects(sandbox: FakeProcore) -> None:
    app = sandbox.create_app(name="Narrow", redirect_uris="http://localhost")
    assert tuple(app.redirect_uris) == ("http://localhost",)  # one URI given as a string
    with pytest.raises(ValueError, match="no company 424242"):
        sandbox.install(app, 424242)
    with pytest.raises(ValueError, match="project 1 is not in company 8"):
        sandbox.install(app, 8, permitted_projects=[1])
    sandbox.install(app, 8)
    token = dmsa_token(sandbox, app)
    me = f"{sandbox.api_url}/rest/v1.0/projects"
    listed = requests.get(me, params={"company_id": 8}, headers=headers(token), timeout=10)
    assert listed.status_code == 200
    sandbox.uninstall(app, 8)
    sandbox.uninstall(app, 8)  # twice is harmless
    gone = requests.get(me, params={"company_id": 8}, headers=headers(token), timeout=10)
    assert gone.status_code == 403
    assert "App is not connected to this company" in gone.text


def test_unknown_users_and_a_stopped_sandbox_are_reported(sandbox: FakeProcore) -> None:
    with pytest.raises(ValueError, match="no user 7 in this sandbox"):
        sandbox.sign_in_as(7)
    with pytest.raises(ValueError, match="no user 7 in this sandbox"):
        sandbox.issue_token(user_id=7)
    with pytest.raises(ConfigurationError, match="already running"):
        sandbox.start()
    idle = FakeProcore(seed=0)
    with pytest.raises(ConfigurationError, match="not running"):
        _ = idle.api_url


def test_repr_says_where_it_runs() -> None:
    from procore_dc.testing import FakeProcore

    sandbox = FakeProcore(seed=3)
    assert repr(sandbox) == "FakeProcore(seed=3, running=False)"
    with sandbox:
        assert repr(sandbox) == f"FakeProcore(seed=3, api_url={sandbox.api_url!r})"
