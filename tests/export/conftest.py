"""A small sandbox and a client for the incremental-reading and dlt export tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from procore_dc import ProcoreClient, RetryPolicy, ServiceAccountAuth
from procore_dc.testing import FakeProcore, SandboxClock

SIZES = {"projects": 3, "rfis": 150, "submittals": 12, "vendors": 8, "users": 5}


@pytest.fixture
def sandbox() -> Iterator[FakeProcore]:
    # A frozen clock: updated_at moves only when the test advances it.
    with FakeProcore(seed=0, sizes=SIZES, rate_limits=None, clock=SandboxClock(frozen=True)) as sb:
        yield sb


@pytest.fixture
def client(sandbox: FakeProcore) -> Iterator[ProcoreClient]:
    app = sandbox.default_app
    auth = ServiceAccountAuth(app.client_id, app.client_secret, environment=sandbox.environment)
    # Two quick attempts: a dropped connection the test injects fails the call fast.
    retry = RetryPolicy(max_attempts=2, backoff_factor=0.01, jitter=False)
    with ProcoreClient(auth, retry=retry) as built:
        yield built


@pytest.fixture
def company_id(sandbox: FakeProcore) -> int:
    return int(sandbox.data.companies[0]["id"])
