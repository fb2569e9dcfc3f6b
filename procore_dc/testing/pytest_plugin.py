"""pytest fixtures for procore-dc users, registered through the ``pytest11`` entry point.

``fake_procore`` gives each test its own running :class:`~procore_dc.testing.FakeProcore`;
``fake_procore_session`` shares one across the session. The sandbox is imported inside the
fixtures, so installing procore-dc without the ``sandbox`` extra (werkzeug) leaves pytest
working.

.. code-block:: python

    def test_lists_projects(fake_procore):
        env = fake_procore.environment
        ...
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from procore_dc.testing._sandbox import FakeProcore

__all__ = ["fake_procore", "fake_procore_session"]


def _make() -> FakeProcore:
    try:
        from procore_dc.testing import FakeProcore
    except ImportError as exc:  # pragma: no cover - only without the extra
        pytest.skip(f"FakeProcore needs the sandbox extra (pip install procore-dc[sandbox]): {exc}")
    return FakeProcore(seed=0)


@pytest.fixture
def fake_procore() -> Iterator[FakeProcore]:
    """A running FakeProcore (seed 0) for one test; stopped afterwards."""
    with _make() as sandbox:
        yield sandbox


@pytest.fixture(scope="session")
def fake_procore_session() -> Iterator[FakeProcore]:
    """One running FakeProcore (seed 0) shared by the whole session."""
    with _make() as sandbox:
        yield sandbox
