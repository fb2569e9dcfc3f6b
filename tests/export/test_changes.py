"""Incremental reading (procore_dc._changes) against a running FakeProcore."""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

import pytest

from procore_dc import ConfigurationError, ProcoreClient
from procore_dc._changes import Progress, fan_out, list_operation, progress_callback, read_changes
from procore_dc.models import parse_datetime
from procore_dc.testing import FakeProcore

RFIS = "GET /rest/v1.0/projects/{project_id}/rfis"
UTC = dt.timezone.utc


def _rfi_requests(sandbox: FakeProcore) -> list[Any]:
    return [r for r in sandbox.requests if r.method == "GET" and r.path.endswith("/rfis")]


def _seeded(sandbox: FakeProcore, project_id: int) -> list[dict[str, Any]]:
    return list(sandbox.data.rfis.of(project_id))


def test_a_first_read_gets_every_record_and_the_high_water_mark(
    sandbox: FakeProcore, client: ProcoreClient, company_id: int
) -> None:
    changed = client.company(company_id).project(100001).rfis.changes(since=None)
    rfis = list(changed)
    seeded = _seeded(sandbox, 100001)
    assert sorted(r.id for r in rfis) == sorted(r["id"] for r in seeded)
    assert changed.full_read
    assert changed.notice is None
    assert changed.checkpoint == max(parse_datetime(r["updated_at"]) for r in seeded)
    assert changed.requests == 2  # 150 records, 100 a page
    assert "filters[updated_at]" not in _rfi_requests(sandbox)[0].query


def test_a_later_read_asks_only_for_what_changed_since_the_checkpoint(
    sandbox: FakeProcore, client: ProcoreClient, company_id: int
) -> None:
    project = client.company(company_id).project(100001)
    first = project.rfis.changes(since=None)
    list(first)
    sandbox.clock.advance(3600)
    edited = [r["id"] for r in _seeded(sandbox, 100001)[:3]]
    for rfi_id in edited:
        project.rfis.update(rfi_id, subject=f"edited {rfi_id}")
    sandbox.clear_requests()

    again = project.rfis.changes(since=first.checkpoint)
    rfis = list(again)

    # The overlap re-reads what was stamped in the last five minutes before the checkpoint.
    assert first.checkpoint is not None
    margin = first.checkpoint - dt.timedelta(minutes=5)
    expected = set(edited) | {
        r["id"] for r in _seeded(sandbox, 100001) if parse_datetime(r["updated_at"]) >= margin
    }
    assert {r.id for r in rfis} == expected
    assert {r.subject for r in rfis if r.id in edited} == {f"edited {i}" for i in edited}
    assert again.checkpoint == dt.datetime.fromtimestamp(sandbox.clock.now(), UTC).replace(
        microsecond=0
    )
    (request,) = _rfi_requests(sandbox)
    low, _, high = request.query["filters[updated_at]"][0].partition("...")
    assert parse_datetime(low) == margin
    assert parse_datetime(high) > again.checkpoint


def test_windows_split_the_range_and_a_record_on_an_edge_comes_once(
    sandbox: FakeProcore, client: ProcoreClient, company_id: int
) -> None:
    seeded = _seeded(sandbox, 100002)
    stamps = sorted(parse_datetime(r["updated_at"]) for r in seeded)
    edge = stamps[len(stamps) // 2]
    since = edge - dt.timedelta(days=10)
    until = edge + dt.timedelta(days=10)
    changed = (
        client.company(company_id)
        .project(100002)
        .changes(
            RFIS, since=since, until=until, window=dt.timedelta(days=10), overlap=dt.timedelta(0)
        )
    )
    rows = list(changed)
    ids = [r["id"] for r in rows]
    assert len(ids) == len(set(ids))
    assert sorted(ids) == sorted(
        r["id"] for r in seeded if since <= parse_datetime(r["updated_at"]) <= until
    )
    ranges = [r.query["filters[updated_at]"][0] for r in _rfi_requests(sandbox)]
    assert len(ranges) == 2
    assert ranges[0].split("...")[1] == ranges[1].split("...")[0]
    # The record stamped on the edge was in both answers, and is yielded once.
    assert sum(1 for s in stamps if s == edge) >= 1
    assert ids.count(next(r["id"] for r in seeded if parse_datetime(r["updated_at"]) == edge)) == 1


def test_a_list_without_the_filter_is_read_in_full_and_says_so(
    sandbox: FakeProcore, client: ProcoreClient, company_id: int
) -> None:
    project = client.company(company_id).project(100001)
    changed = project.changes(
        "GET /rest/v1.0/projects/{project_id}/manpower_logs",
        since="2025-06-01T00:00:00Z",
        params={"start_date": "2020-01-01", "end_date": "2030-01-01"},
    )
    rows = list(changed)
    assert changed.full_read
    assert changed.notice is not None
    assert "no filters[updated_at]" in changed.notice
    assert len(rows) == len(sandbox.data.manpower_logs.of(100001))


def test_company_lists_read_incrementally(
    sandbox: FakeProcore, client: ProcoreClient, company_id: int
) -> None:
    company = client.company(company_id)
    vendors = list(company.vendors.changes(since=None))
    assert len(vendors) == len(sandbox.data.vendors.of(company_id))
    sandbox.clock.advance(60)
    company.vendors.update(vendors[0].id, name="Renamed vendor")
    since = dt.datetime.fromtimestamp(sandbox.clock.now() - 30, UTC)
    changed = company.changes("GET /rest/v1.0/vendors", since=since, overlap=dt.timedelta(0))
    assert [v["name"] for v in changed] == ["Renamed vendor"]
    users = company.users.changes(since=None)
    assert len(list(users)) == len(sandbox.data.users.of(company_id))


def test_fan_out_reads_every_project_and_reports_403_and_404_without_stopping(
    sandbox: FakeProcore, client: ProcoreClient, company_id: int
) -> None:
    sandbox.install(sandbox.default_app, company_id, permitted_projects=[100001, 100003])
    events: list[Progress] = []
    lock = threading.Lock()

    def record(event: Progress) -> None:
        with lock:
            events.append(event)

    company = client.company(company_id)
    run = company.project_changes(
        RFIS,
        since=None,
        project_ids=[100001, 100002, 100003, 999999],
        max_workers=3,
        progress=record,
    )
    pairs = list(run)
    expected = {(pid, r["id"]) for pid in (100001, 100003) for r in _seeded(sandbox, pid)}
    assert {(pid, item["id"]) for pid, item in pairs} == expected
    assert len(pairs) == len(expected)
    assert sorted(run.failures) == [100002, 999999]
    assert {type(e).__name__ for e in run.failures.values()} <= {
        "PermissionDeniedError",
        "NotFoundError",
    }
    assert set(run.checkpoints) >= {100001, 100003}
    assert run.checkpoint == min(run.checkpoints[p] for p in (100001, 100003))  # type: ignore[type-var]
    done = {e.project_id for e in events if e.done}
    assert done == {100001, 100002, 100003, 999999}
    # Default projects: the ones the company lists to this service account.
    assert {pid for pid, _ in company.project_changes(RFIS, since=None)} == {100001, 100003}


def test_fan_out_takes_per_project_checkpoints(
    sandbox: FakeProcore, client: ProcoreClient, company_id: int
) -> None:
    company = client.company(company_id)
    far = dt.datetime(2030, 1, 1, tzinfo=UTC)
    run = company.project_changes(
        RFIS, since={100001: far, 100002: far}, project_ids=[100001, 100002, 100003]
    )
    assert {pid for pid, _ in run} == {100003}  # the others have nothing after 2030


def test_an_error_other_than_403_or_404_stops_the_run(
    sandbox: FakeProcore, client: ProcoreClient, company_id: int
) -> None:
    sandbox.faults.add("GET", "/rest/v1.0/projects/100002/rfis", "status", status=400)
    run = client.company(company_id).project_changes(RFIS, since=None, max_workers=2)
    with pytest.raises(Exception, match="400"):
        list(run)


def test_stopping_early_ends_the_workers(client: ProcoreClient, company_id: int) -> None:
    # A buffer of one item: the workers block on a full queue until the consumer leaves.
    run = fan_out(
        [100001, 100002, 100003],
        lambda pid: client.company(company_id).project(pid).changes(RFIS, since=None),
        max_workers=3,
        buffer=1,
    )
    iterator = iter(run)
    next(iterator)
    iterator.close()  # type: ignore[attr-defined]
    assert not [t for t in threading.enumerate() if t.name.startswith("procore-dc-changes")]


def test_bad_input_is_named(client: ProcoreClient, company_id: int) -> None:
    company = client.company(company_id)
    with pytest.raises(ConfigurationError, match="no GET"):
        list_operation("GET /rest/v1.0/nowhere")
    with pytest.raises(ConfigurationError, match="GET operation"):
        list_operation("POST /rest/v1.0/projects/{project_id}/rfis")
    with pytest.raises(ConfigurationError, match="project_changes"):
        company.changes(RFIS, since=None)
    with pytest.raises(ConfigurationError, match=r"company\.changes"):
        company.project_changes("GET /rest/v1.0/vendors", since=None)
    with pytest.raises(ConfigurationError, match="needs project_id"):
        read_changes(client.session, RFIS, since=None)
    with pytest.raises(ConfigurationError, match="since must be"):
        company.project(100001).rfis.changes(since="yesterday")
    with pytest.raises(ConfigurationError, match="before since"):
        company.project(100001).rfis.changes(since="2026-01-02", until="2026-01-01")
    with pytest.raises(ConfigurationError, match="'GET /path'"):
        list_operation(42)  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError, match="since must be a datetime"):
        company.project(100001).rfis.changes(since=20260101)  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError, match="overlap"):
        company.project(100001).rfis.changes(since=None, overlap=-dt.timedelta(seconds=1))
    assert "Changes('GET /rest/v1.0/projects/{project_id}/rfis'" in repr(
        company.project(100001).rfis.changes(since=None)
    )
    with pytest.raises(ConfigurationError, match="window"):
        company.project(100001).rfis.changes(since=None, window=dt.timedelta(0))
    with pytest.raises(ConfigurationError, match="max_workers"):
        fan_out([1], lambda pid: read_changes(client.session, RFIS, since=None), max_workers=0)
    with pytest.raises(ConfigurationError, match="progress"):
        progress_callback("yes", "x")  # type: ignore[arg-type]
    once = company.project(100001).rfis.changes(since=None)
    list(once)
    with pytest.raises(ConfigurationError, match="runs once"):
        list(once)


def test_progress_true_draws_a_tqdm_bar_when_tqdm_is_installed(
    monkeypatch: pytest.MonkeyPatch, client: ProcoreClient, company_id: int
) -> None:
    import sys
    import types

    counted: list[int] = []

    class FakeBar:  # stands in for tqdm's bar: the test checks what the callback feeds it
        def __init__(self, **kwargs: Any) -> None:
            pass

        def update(self, n: int) -> None:
            counted.append(n)

    module = types.ModuleType("tqdm.auto")
    module.tqdm = FakeBar  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "tqdm.auto", module)
    list(client.company(company_id).project(100001).rfis.changes(since=None, progress=True))
    assert sum(counted) == 150
    monkeypatch.setitem(sys.modules, "tqdm.auto", None)  # not installed: no bar, no error
    assert progress_callback(True, "x") is None
