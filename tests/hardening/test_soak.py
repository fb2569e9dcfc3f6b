"""The CI version of the soak in ``bench/soak.py``: 8 threads x 60 operations.

One ``ProcoreClient`` shared by every thread, against FakeProcore answering 5% of API requests
with 503, resetting 2% of connections, answering 1% with 429 and delaying 1%. The run must end
(a per-test timeout catches a deadlock), every call must either succeed or raise a documented
``ProcoreError`` subclass, and the client's view of every POST must match the sandbox's data
and request log: nothing reported as written is missing, nothing written was reported as
failed, and no POST reached the server twice.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

import procore_dc.exceptions as exceptions_module
from procore_dc import ProcoreError

BENCH = Path(__file__).resolve().parents[2] / "bench" / "soak.py"


def _load_soak() -> ModuleType:
    spec = importlib.util.spec_from_file_location("procore_dc_bench_soak", BENCH)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # attrs resolves the report's annotations through it
    spec.loader.exec_module(module)
    return module


soak = _load_soak()

#: Every exception class procore_dc.exceptions documents.
DOCUMENTED = {
    name
    for name, value in vars(exceptions_module).items()
    if isinstance(value, type) and issubclass(value, ProcoreError)
}


@pytest.mark.timeout(120)
@pytest.mark.parametrize("seed", [0, 1])
def test_soak_ends_with_every_write_accounted_for(seed: int) -> None:
    report = soak.run_soak(8, 60, seed=seed, join_timeout=90)
    summary = "\n".join(report.lines())

    assert report.stuck_threads == 0, summary
    assert report.undocumented == [], summary
    assert set(report.errors) <= DOCUMENTED, summary
    assert report.succeeded + sum(report.errors.values()) == report.operations, summary

    # The faults really happened, and the client retried through them.
    assert report.faults.get("status 503", 0) > 0, summary
    assert report.faults.get("reset", 0) > 0, summary
    assert report.retries > 0, summary
    assert report.retry_waits >= report.retries, summary
    # One service-account token for the whole run: no renewal storms under faults.
    assert report.token_requests == 1, summary

    # Writes: 0 lost, 0 unreported, 0 duplicated.
    assert report.writes > 50, summary
    assert report.writes_accepted > 0, summary
    assert report.lost_writes == 0, summary
    assert report.unreported_writes == 0, summary
    assert report.duplicate_posts == 0, summary
    assert report.duplicate_records == 0, summary
