"""procore_dc.dlt against FakeProcore with real dlt and DuckDB: the issue's "must show" runs."""

from __future__ import annotations

import datetime as dt
import json
import logging
from pathlib import Path
from typing import Any, Optional

import dlt
import duckdb
import pytest
from dlt.pipeline.exceptions import PipelineStepFailed

from procore_dc import ConfigurationError, ProcoreClient, TransportError
from procore_dc.dlt import ExportReport, columns_for, procore_source, resolve_tool
from procore_dc.models import parse_datetime
from procore_dc.testing import FakeProcore

PROJECTS = (100001, 100002, 100003)


def _pipeline(tmp_path: Path, name: str = "procore") -> Any:
    # dlt keeps its state under pipelines_dir: a tmp path, never ~/.dlt.
    return dlt.pipeline(
        pipeline_name=name,
        destination=dlt.destinations.duckdb(str(tmp_path / f"{name}-warehouse.duckdb")),
        pipelines_dir=str(tmp_path / "pipelines"),
        dataset_name="procore",
    )


def _rows(tmp_path: Path, name: str, table: str) -> list[tuple[Any, ...]]:
    with duckdb.connect(str(tmp_path / f"{name}-warehouse.duckdb"), read_only=True) as con:
        return con.execute(
            f"select id, project_id, subject, updated_at from procore.{table} order by id"  # noqa: S608 - the test's own table names
        ).fetchall()


def _count(tmp_path: Path, name: str, table: str) -> tuple[int, int]:
    with duckdb.connect(str(tmp_path / f"{name}-warehouse.duckdb"), read_only=True) as con:
        query = f"select count(*), count(distinct id) from procore.{table}"  # noqa: S608 - the test's own table names
        found = con.execute(query).fetchone()
    assert found is not None
    return int(found[0]), int(found[1])


def _column_types(con: Any, table: str) -> dict[str, str]:
    query = (
        "select column_name, data_type from information_schema.columns "
        "where table_schema = 'procore' and table_name = ?"
    )
    return dict(con.execute(query, [table]).fetchall())


def _list_requests(sandbox: FakeProcore, suffix: str) -> int:
    return sum(1 for r in sandbox.requests if r.method == "GET" and r.path.endswith(suffix))


def _change_and_create(sandbox: FakeProcore, client: ProcoreClient, company_id: int) -> set[int]:
    sandbox.clock.advance(6 * 3600)
    company = client.company(company_id)
    changed: set[int] = set()
    for n in range(50):
        pid = PROJECTS[n % 3]
        rfi = sandbox.data.rfis.of(pid)[n * 2]
        company.project(pid).rfis.update(rfi["id"], subject=f"changed {n}")
        changed.add(rfi["id"])
    user = sandbox.data.users.of(company_id)[0]["id"]
    for n in range(10):
        company.project(PROJECTS[n % 3]).rfis.create(
            f"new {n}", question="Which hinge?", assignee_ids=[user], rfi_manager_id=user
        )
    return changed


def test_first_run_loads_every_record_then_a_rerun_fetches_only_what_changed(
    sandbox: FakeProcore, client: ProcoreClient, company_id: int, tmp_path: Path
) -> None:
    pipeline = _pipeline(tmp_path)
    report = ExportReport()
    pipeline.run(
        procore_source(client, company_id, tools=["rfis", "submittals", "vendors"], report=report)
    )
    total = sum(len(sandbox.data.rfis.of(p)) for p in PROJECTS)
    assert _count(tmp_path, "procore", "rfis") == (total, total)
    submittals = sum(len(sandbox.data.submittals.of(p)) for p in PROJECTS)
    assert _count(tmp_path, "procore", "submittals") == (submittals, submittals)
    vendors = len(sandbox.data.vendors.of(company_id))
    assert _count(tmp_path, "procore", "vendors") == (vendors, vendors)
    full_read = _list_requests(sandbox, "/rfis")
    assert full_read == report.tools["rfis"].requests == 6  # 150 a project, 100 a page
    assert report.tools["rfis"].since is None

    changed = _change_and_create(sandbox, client, company_id)
    sandbox.clear_requests()
    report = ExportReport()
    pipeline.run(procore_source(client, company_id, tools=["rfis"], report=report))

    incremental = _list_requests(sandbox, "/rfis")
    assert incremental == 3 < full_read  # one page a project: only the changed window
    assert all(
        "filters[updated_at]" in r.query for r in sandbox.requests if r.path.endswith("/rfis")
    )
    rows = _rows(tmp_path, "procore", "rfis")
    assert _count(tmp_path, "procore", "rfis") == (total + 10, total + 10)
    subjects = {row[0]: row[2] for row in rows}
    assert {subjects[i] for i in changed} == {f"changed {n}" for n in range(50)}
    assert sorted(s for s in subjects.values() if s.startswith("new ")) == [
        f"new {n}" for n in range(10)
    ]
    assert {row[1] for row in rows} == set(PROJECTS)
    assert report.tools["rfis"].since is not None
    # dlt's state moved: a third run with nothing new reads one small window a project.
    sandbox.clear_requests()
    pipeline.run(procore_source(client, company_id, tools=["rfis"]))
    assert _list_requests(sandbox, "/rfis") == 3
    assert _count(tmp_path, "procore", "rfis") == (total + 10, total + 10)


def test_a_run_killed_halfway_then_rerun_equals_an_uninterrupted_run(
    sandbox: FakeProcore, client: ProcoreClient, company_id: int, tmp_path: Path
) -> None:
    broken = _pipeline(tmp_path, "broken")
    broken.run(procore_source(client, company_id, tools=["rfis"], max_workers=1))
    _change_and_create(sandbox, client, company_id)

    # The second project drops every connection: the run fails after the first project's pages.
    fault = sandbox.faults.add("GET", "/rest/v1.0/projects/100002/rfis", "reset")
    with pytest.raises(PipelineStepFailed) as failed:
        broken.run(procore_source(client, company_id, tools=["rfis"], max_workers=1))
    causes = []
    cause: Optional[BaseException] = failed.value
    while cause is not None:
        causes.append(cause)
        cause = cause.__cause__ or cause.__context__
    assert any(isinstance(c, TransportError) for c in causes)
    assert any(r.fault == "reset" for r in sandbox.requests)
    sandbox.faults.remove(fault)

    broken.run(procore_source(client, company_id, tools=["rfis"], max_workers=1))
    # What an uninterrupted run loads: every record as the sandbox holds it now, once. (The
    # sandbox itself is the reference, which also saves two more pipeline runs.)
    expected = sorted(
        (r["id"], p, r["subject"], parse_datetime(r["updated_at"]))
        for p in PROJECTS
        for r in sandbox.data.rfis.of(p)
    )
    assert _rows(tmp_path, "broken", "rfis") == expected
    assert _count(tmp_path, "broken", "rfis") == (len(expected), len(expected))


def test_tools_are_named_or_given_as_catalogue_operations() -> None:
    assert resolve_tool("GET /rest/v1.1/projects/{project_id}/submittals")[0] == "submittals"
    assert columns_for(resolve_tool("vendors")[1])["is_active"]["data_type"] == "bool"
    with pytest.raises(ConfigurationError, match="unknown tool"):
        resolve_tool("rfi")
    with pytest.raises(ConfigurationError, match="once"):
        procore_source(None, 8, tools=["rfis", "rfis"])  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError, match="at least one"):
        procore_source(None, 8, tools=[])  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError, match="batch_rows must be"):
        procore_source(None, 8, tools=["rfis"], batch_rows=0)  # type: ignore[arg-type]


def test_a_resource_iterates_outside_a_pipeline_run(
    sandbox: FakeProcore, client: ProcoreClient, company_id: int, tmp_path: Path
) -> None:
    # Outside a run dlt keeps resource state (our cursors) in the last pipeline made: a new one.
    _pipeline(tmp_path, "fresh")
    source = procore_source(client, company_id, tools=["rfis"], project_ids=PROJECTS[:1])
    tables = list(source.resources["rfis"])
    assert sum(t.num_rows for t in tables) == len(sandbox.data.rfis.of(PROJECTS[0]))
    assert "_dlt_load_id" not in tables[0].column_names  # no load package, no load id


def test_a_forbidden_project_is_reported_and_the_others_load(
    sandbox: FakeProcore, client: ProcoreClient, company_id: int, tmp_path: Path
) -> None:
    sandbox.install(sandbox.default_app, company_id, permitted_projects=[100001, 100003])
    report = ExportReport()
    pipeline = _pipeline(tmp_path)
    pipeline.run(
        procore_source(client, company_id, tools=["rfis"], project_ids=PROJECTS, report=report)
    )
    assert sorted(report.tools["rfis"].failures) == [100002]
    expected = len(sandbox.data.rfis.of(100001)) + len(sandbox.data.rfis.of(100003))
    assert _count(tmp_path, "procore", "rfis") == (expected, expected)

    # Permitted later: its first read starts at the beginning, not at the others' cursor,
    # while the others read only their changed window.
    sandbox.permit(sandbox.default_app, company_id, 100002)
    sandbox.clock.advance(3600)
    sandbox.clear_requests()
    report = ExportReport()
    pipeline.run(
        procore_source(client, company_id, tools=["rfis"], project_ids=PROJECTS, report=report)
    )
    total = sum(len(sandbox.data.rfis.of(p)) for p in PROJECTS)
    assert _count(tmp_path, "procore", "rfis") == (total, total)
    assert report.tools["rfis"].failures == {}
    assert report.tools["rfis"].since is None  # one project was read from the beginning
    reads = [r for r in sandbox.requests if r.path.endswith("/rfis")]
    assert sorted(r.path.split("/")[4] for r in reads) == ["100001", "100002", "100002", "100003"]
    assert [("filters[updated_at]" in r.query) for r in reads if "100002" in r.path] == [False] * 2


def test_initial_since_starts_the_first_run_later_and_columns_are_typed(
    sandbox: FakeProcore, client: ProcoreClient, company_id: int, tmp_path: Path
) -> None:
    since = dt.datetime(2025, 9, 1, tzinfo=dt.timezone.utc)
    pipeline = _pipeline(tmp_path)
    pipeline.run(procore_source(client, company_id, tools=["rfis"], initial_since=since))
    expected = sum(
        1
        for p in PROJECTS
        for r in sandbox.data.rfis.of(p)
        if parse_datetime(r["updated_at"]) >= since - dt.timedelta(minutes=5)
    )
    assert 0 < expected < 450
    assert _count(tmp_path, "procore", "rfis") == (expected, expected)

    # Columns are typed from the response schema; nested objects are JSON columns.
    with duckdb.connect(str(tmp_path / "procore-warehouse.duckdb"), read_only=True) as con:
        types = _column_types(con, "rfis")
        tables = {
            row[0]
            for row in con.execute(
                "select table_name from information_schema.tables where table_schema = 'procore'"
            ).fetchall()
        }
    assert types["id"] == "BIGINT"
    assert types["updated_at"].startswith("TIMESTAMP")
    assert types["due_date"] == "DATE"
    assert types["private"] == "BOOLEAN"
    assert types["assignee"] == "JSON"
    assert types["questions"] == "JSON"
    assert types["project_id"] == "BIGINT"
    assert not [t for t in tables if t.startswith("rfis__")]  # no child tables


class _Heard(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def test_a_record_arrow_cannot_type_loads_through_dlts_normaliser(
    sandbox: FakeProcore, client: ProcoreClient, company_id: int, tmp_path: Path
) -> None:
    # Procore sending text where its spec says boolean, and a nested field the spec lacks.
    rfis = sandbox.data.rfis.of(PROJECTS[0])
    odd = {**rfis[0], "private": "sometimes", "extra_tags": [{"name": "hinge"}]}
    rfis.replace(odd)
    pipeline = _pipeline(tmp_path)
    report = ExportReport()
    heard = _Heard()
    logging.getLogger("dlt").addHandler(heard)
    try:
        pipeline.run(
            procore_source(
                client,
                company_id,
                tools=["rfis"],
                project_ids=PROJECTS[:2],
                batch_rows=100,
                report=report,
            )
        )
    finally:
        logging.getLogger("dlt").removeHandler(heard)
    # JSON columns arrive as Arrow text on purpose: dlt's per-batch warning about it is dropped.
    assert heard.messages  # dlt's logger is heard (its warning about empty columns)
    assert not [m for m in heard.messages if "merging arrow schema" in m]
    total = len(sandbox.data.rfis.of(PROJECTS[0])) + len(sandbox.data.rfis.of(PROJECTS[1]))
    assert (
        _count(tmp_path, "procore", "rfis") == (total, total) == (report.tools["rfis"].items,) * 2
    )
    with duckdb.connect(str(tmp_path / "procore-warehouse.duckdb"), read_only=True) as con:
        types = _column_types(con, "rfis")
        found = con.execute(
            "select private, private__v_text, extra_tags from procore.rfis where id = ?",
            [odd["id"]],
        ).fetchone()
        load_ids = con.execute(
            "select count(distinct _dlt_load_id), count(distinct _dlt_id) from procore.rfis"
        ).fetchone()
    # dlt's own handling of a value that does not fit: a variant column beside the typed one.
    assert found is not None
    assert found[:2] == (None, "sometimes")
    assert json.loads(found[2]) == [{"name": "hinge"}]
    assert types["extra_tags"] == "JSON"
    assert types["_dlt_load_id"] == types["_dlt_id"] == "VARCHAR"
    assert load_ids == (1, total)  # the same bookkeeping columns dlt's normaliser adds
