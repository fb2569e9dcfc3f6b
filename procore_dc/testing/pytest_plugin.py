"""pytest fixtures for procore-dc users, registered through the ``pytest11`` entry point.

``fake_procore`` gives each test its own running :class:`~procore_dc.testing.FakeProcore`;
``fake_procore_session`` shares one across the session. The sandbox is imported inside the
fixtures, so installing procore-dc without the ``sandbox`` extra (werkzeug) leaves pytest
working.

Neither sandbox rate-limits unless asked: mark a test
``@pytest.mark.procore_rate_limits(spike=5)`` (the arguments of
:class:`~procore_dc.testing.RateLimits`; no arguments for Procore's own limits) to have its
``fake_procore`` enforce them.

.. code-block:: python

    def test_lists_projects(fake_procore):
        env = fake_procore.environment
        ...

    @pytest.mark.procore_rate_limits(spike=5, spike_window=10)
    def test_backs_off(fake_procore):
        ...
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Optional

import pytest

if TYPE_CHECKING:
    from procore_dc.testing._sandbox import FakeProcore

__all__ = ["fake_procore", "fake_procore_session"]

MARKER = "procore_rate_limits"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{MARKER}(**limits): the fake_procore sandbox enforces RateLimits(**limits) "
        "(no arguments: Procore's own 3600/hour and 25 per 10 s)",
    )


def _make(request: Optional[pytest.FixtureRequest] = None) -> FakeProcore:
    try:
        from procore_dc.testing import FakeProcore, RateLimits
    except ImportError as exc:  # pragma: no cover - only without the extra
        pytest.skip(f"FakeProcore needs the sandbox extra (pip install procore-dc[sandbox]): {exc}")
    marker = request.node.get_closest_marker(MARKER) if request is not None else None
    if marker is None:
        return FakeProcore(seed=0)
    if marker.args:
        raise pytest.UsageError(
            f"@pytest.mark.{MARKER} takes keyword arguments of RateLimits, e.g. spike=5"
        )
    return FakeProcore(seed=0, rate_limits=RateLimits(**marker.kwargs))


@pytest.fixture
def fake_procore(request: pytest.FixtureRequest) -> Iterator[FakeProcore]:
    """A running FakeProcore (seed 0) for one test; stopped afterwards. No rate limits
    unless the test is marked ``@pytest.mark.procore_rate_limits(...)``."""
    with _make(request) as sandbox:
        yield sandbox


@pytest.fixture(scope="session")
def fake_procore_session() -> Iterator[FakeProcore]:
    """One running FakeProcore (seed 0) shared by the whole session, without rate limits
    (set ``fake_procore_session.rate_limits`` for a while if a test needs them)."""
    with _make() as sandbox:
        yield sandbox
