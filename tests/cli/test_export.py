"""``procore-dc export`` end to end: a subprocess against FakeProcore, into a DuckDB file."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from procore_dc import ConfigurationError
from procore_dc._commands.export import destination_for
from procore_dc.testing import FakeProcore

from .conftest import COMPANY, one_error_line, run_cli


def _count(path: Path, table: str) -> int:
    with duckdb.connect(str(path), read_only=True) as con:
        found = con.execute(f"select count(distinct id) from procore.{table}").fetchone()  # noqa: S608 - fixed names
    assert found is not None
    return int(found[0])


def test_export_loads_then_reads_only_changes_then_refreshes(
    sandbox: FakeProcore, dmsa_env: dict[str, str], tmp_path: Path
) -> None:
    target = tmp_path / "warehouse.duckdb"
    args = (
        "export",
        "--company",
        str(COMPANY),
        "--tools",
        "rfis,vendors",
        "--to",
        f"duckdb:{target}",
        "--pipelines-dir",
        str(tmp_path / "pipelines"),
    )
    first = run_cli(*args, env=dmsa_env)
    assert first.returncode == 0, first
    projects = [p["id"] for p in sandbox.data.projects.of(COMPANY)]
    rfis = sum(len(sandbox.data.rfis.of(p)) for p in projects)
    assert _count(target, "rfis") == rfis
    assert f"rfis: {rfis} rows loaded" in first.stdout
    assert "since the beginning" in first.stdout
    assert "rfis: " in first.stderr  # the per-tool progress line
    assert "requests:" in first.stdout

    second = run_cli(*args, env=dmsa_env)
    assert second.returncode == 0, second
    assert "since the beginning" not in second.stdout
    assert f"rfis: {len(projects)} requests" not in second.stdout
    assert f"in {len(projects)} requests" in second.stderr  # one window a project
    assert _count(target, "rfis") == rfis

    again = run_cli(*args, "--full-refresh", env=dmsa_env)
    assert again.returncode == 0, again
    assert "since the beginning" in again.stdout
    assert _count(target, "rfis") == rfis


def test_export_names_bad_input(dmsa_env: dict[str, str], tmp_path: Path) -> None:
    base = ("export", "--company", str(COMPANY), "--pipelines-dir", str(tmp_path))
    line = one_error_line(run_cli(*base, "--tools", "rfi", env=dmsa_env))
    assert "unknown tool 'rfi'" in line
    with pytest.raises(ConfigurationError, match="must differ"):
        destination_for(f"duckdb:{tmp_path}/procore.duckdb", "procore")
    with pytest.raises(ConfigurationError, match="needs a file path"):
        destination_for("duckdb:", "procore")
    with pytest.raises(ConfigurationError, match="dlt destination name"):
        destination_for("postgres:x", "procore")
    assert destination_for("postgres", "procore") == "postgres"
