"""``procore-dc demo`` end to end, as the README's first command runs it."""

from __future__ import annotations

import re
from pathlib import Path

from procore_dc.testing import FakeProcore

from .conftest import COMPANY, clean_env, one_error_line, run_cli

STEP_TITLES = {
    1: "Start FakeProcore",
    2: "Build the app manifest",
    3: "Install a service-account (DMSA) app",
    4: "Sign in as the service account",
    5: "List companies and the projects",
    6: "Page through the RFIs",
    7: "Push vendors through the sync endpoint",
    8: "Upload a file in segments",
    9: "Register a webhook and receive an event",
    10: "Export RFIs and vendors into a temporary DuckDB file",
    11: "Summary",
}


def test_demo_runs_all_eleven_steps_on_the_embedded_sandbox(tmp_path: Path) -> None:
    result = run_cli("demo", env=clean_env(tmp_path))
    assert result.returncode == 0, result
    out = result.stdout
    assert result.stderr == ""
    positions = []
    for number, title in STEP_TITLES.items():
        marker = f"[{number}/11] {title}"
        assert marker in out, marker
        positions.append(out.index(marker))
    assert positions == sorted(positions)
    # 2: the manifest is shown; 5: permitted projects only; 6: progress per page
    assert '"schema_version": "4.1"' in out
    assert len(re.findall(r"^\s+project \d+:", out, re.M)) == 2
    assert "page 3: 250 of 250 RFIs" in out
    # 7: per-item errors reported
    assert "2 refused" in out
    assert "name can't be blank" in out
    assert "Entity with this ID not found" in out
    # 8, 9, 10
    assert "uploaded in 2 segments" in out
    assert "received Company Vendors update" in out
    assert "secret verified" in out
    assert "exactly the manifest's permissions block" in out
    # 10: the export, counted by SQL in DuckDB (two permitted projects of 250 RFIs)
    assert "select count(*) from procore.rfis: 500 rows from 2 projects" in out
    assert re.search(r"select count\(\*\) from procore\.vendors: \d+ rows", out)
    assert re.search(r"rate limit \d+ of \d+ requests left", out)
    # No client secret, token or webhook secret in clear: every one shown is masked.
    assert re.search(r"client_secret \*\*\*\*\S{4}$", out, re.M)


def test_demo_with_sandbox_credentials_runs_read_only(
    sandbox: FakeProcore, dmsa_env: dict[str, str]
) -> None:
    dmsa_env["PROCORE_COMPANY_ID"] = str(COMPANY)
    sandbox.clear_requests()
    result = run_cli("demo", env=dmsa_env)
    assert result.returncode == 0, result
    assert "read-only steps against local" in result.stdout
    for number in (4, 5, 6, 11):
        assert f"[{number}/11]" in result.stdout
    for number in (1, 2, 3, 7, 8, 9, 10):
        assert f"[{number}/11]" not in result.stdout
    api = [r for r in sandbox.requests if r.role == "api"]
    assert api
    assert all(r.method == "GET" for r in api)
    assert dmsa_env["PROCORE_CLIENT_SECRET"] not in result.output


def test_demo_refuses_production_credentials(tmp_path: Path) -> None:
    env = clean_env(
        tmp_path, PROCORE_CLIENT_ID="abc", PROCORE_CLIENT_SECRET="production-secret-123"
    )
    line = one_error_line(run_cli("demo", env=env))
    assert "--embedded" in line
    assert "PROCORE_ENVIRONMENT=sandbox" in line
    assert "production-secret-123" not in line
