"""token, whoami, api get and config against FakeProcore: output, --json, exit codes, secrets."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest
import requests

from procore_dc.testing import FakeProcore

from .conftest import COMPANY, PROJECT, clean_env, one_error_line, run_cli, run_many


def test_token_shows_expiry_and_masks_the_token(dmsa_env: dict[str, str]) -> None:
    result = run_cli("token", env=dmsa_env)
    assert result.returncode == 0, result
    assert "expires" in result.stdout
    assert "min)" in result.stdout
    token_line = next(line for line in result.stdout.splitlines() if "token  " in line)
    assert token_line.split()[-1].startswith("****")
    assert len(token_line.split()[-1]) == 8
    assert dmsa_env["PROCORE_CLIENT_SECRET"] not in result.output


def test_token_json_and_show_secret(sandbox: FakeProcore, dmsa_env: dict[str, str]) -> None:
    masked_run, shown = run_many(
        ["token", "--json"], ["token", "--json", "--show-secret"], env=dmsa_env
    )
    masked = json.loads(masked_run.stdout)
    assert masked["access_token"].startswith("****")
    assert len(masked["access_token"]) == 8
    assert 0 < masked["expires_in"] <= 5400
    datetime.fromisoformat(masked["expires_at"])

    token = json.loads(shown.stdout)["access_token"]
    assert len(token) > 20
    # The printed token is the real one: the API accepts it.
    me = requests.get(
        f"{sandbox.api_url}/rest/v1.0/me",
        headers={"Authorization": f"Bearer {token}", "Procore-Company-Id": str(COMPANY)},
        timeout=10,
    )
    assert me.status_code == 200
    assert dmsa_env["PROCORE_CLIENT_SECRET"] not in shown.output


def test_missing_secret_is_one_line_naming_flag_and_variable(
    dmsa_env: dict[str, str],
) -> None:
    del dmsa_env["PROCORE_CLIENT_SECRET"]
    line = one_error_line(run_cli("token", env=dmsa_env))
    assert "--client-secret" in line
    assert "PROCORE_CLIENT_SECRET" in line


def test_nothing_configured_names_every_missing_setting(tmp_path: Path) -> None:
    line = one_error_line(run_cli("token", env=clean_env(tmp_path)))
    for name in ("--client-id", "PROCORE_CLIENT_ID", "--client-secret", "PROCORE_CLIENT_SECRET"):
        assert name in line


def test_debug_shows_the_traceback(dmsa_env: dict[str, str]) -> None:
    del dmsa_env["PROCORE_CLIENT_SECRET"]
    result = run_cli("--debug", "token", env=dmsa_env)
    assert result.returncode == 1
    assert "Traceback" in result.stderr
    assert "ConfigurationError" in result.stderr


def test_whoami_needs_a_company_for_a_service_account(dmsa_env: dict[str, str]) -> None:
    line = one_error_line(run_cli("whoami", env=dmsa_env))
    assert "--company" in line
    assert "PROCORE_COMPANY_ID" in line


def test_whoami_human_and_json(dmsa_env: dict[str, str]) -> None:
    dmsa_env["PROCORE_COMPANY_ID"] = str(COMPANY)
    human, as_json = run_many(["whoami"], ["whoami", "--json"], env=dmsa_env)
    assert human.returncode == 0, human
    assert "service account (DMSA)" in human.stdout
    data = json.loads(as_json.stdout)
    assert data["login"].endswith("serviceaccount.procore.example")
    assert str(data["id"]) in human.stdout


def test_user_auth_without_login_is_one_line(dmsa_env: dict[str, str]) -> None:
    line = one_error_line(run_cli("whoami", "--auth", "user", env=dmsa_env))
    assert "procore-dc login" in line


def test_api_get_prints_raw_json(dmsa_env: dict[str, str]) -> None:
    result = run_cli("api", "get", "/rest/v1.0/companies", "--company", str(COMPANY), env=dmsa_env)
    assert result.returncode == 0, result
    companies = json.loads(result.stdout)
    assert [c["id"] for c in companies] == [COMPANY]


def test_api_get_params(dmsa_env: dict[str, str]) -> None:
    result = run_cli(
        "api",
        "get",
        f"/rest/v1.0/projects/{PROJECT}/rfis",
        "--company",
        str(COMPANY),
        "--param",
        "per_page=7",
        "--param",
        "page=2",
        env=dmsa_env,
    )
    rfis = json.loads(result.stdout)
    assert len(rfis) == 7


def test_api_get_all_streams_json_lines_without_progress_off_a_terminal(
    dmsa_env: dict[str, str],
) -> None:
    result = run_cli(
        "api",
        "get",
        f"/rest/v1.0/projects/{PROJECT}/rfis",
        "--all",
        "--company",
        str(COMPANY),
        env=dmsa_env,
    )
    assert result.returncode == 0, result
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(rows) == 250
    assert len({row["id"] for row in rows}) == 250
    assert result.stderr == ""  # stderr is a pipe here: no progress line


def test_api_errors_are_one_line(dmsa_env: dict[str, str]) -> None:
    missing, bad, company, relative = run_many(
        ["api", "get", "/rest/v1.0/projects/1", "--company", str(COMPANY)],
        ["api", "get", "/rest/v1.0/me", "--param", "oops", "--company", "8"],
        ["api", "get", "/rest/v1.0/me", "--company", "x"],
        ["api", "get", "rest/v1.0/me", "--company", "8"],
        env=dmsa_env,
    )
    assert "404" in one_error_line(missing)
    assert "KEY=VALUE" in one_error_line(bad)
    assert "positive integer" in one_error_line(company)
    assert "must start with /" in one_error_line(relative)


def test_flags_beat_environment_beat_config_file(sandbox: FakeProcore, config_home: Path) -> None:
    folder = config_home / "procore-dc"
    folder.mkdir(parents=True)
    (folder / "config.ini").write_text(
        "[procore]\n"
        "client_id = from-file\n"
        "client_secret = file-secret-value-123\n"
        "environment = sandbox\n"
        "company_id = 3\n",
        encoding="utf-8",
    )
    env = clean_env(config_home, PROCORE_ENVIRONMENT="monthly-sandbox", PROCORE_COMPANY_ID="5")
    result = run_cli("config", "--json", "--company", "7", env=env)
    assert result.returncode == 0, result
    data = json.loads(result.stdout)
    settings = {row["setting"]: row for row in data["settings"]}
    assert (settings["client_id"]["value"], settings["client_id"]["source"]) == (
        "from-file",
        str(folder / "config.ini"),
    )
    assert settings["environment"]["value"] == "monthly-sandbox"
    assert settings["environment"]["source"] == "environment"
    assert (settings["company_id"]["value"], settings["company_id"]["source"]) == (7, "flag")
    assert settings["client_secret"]["value"] == "****-123"
    assert "file-secret-value-123" not in result.output

    shown = run_cli("config", "--show-secret", env=env)
    assert "file-secret-value-123" in shown.stdout


def test_a_broken_config_file_is_one_line(config_home: Path) -> None:
    folder = config_home / "procore-dc"
    folder.mkdir(parents=True)
    (folder / "config.ini").write_text("[procore]\nclient_ide = typo\n", encoding="utf-8")
    line = one_error_line(run_cli("token", env=clean_env(config_home)))
    assert "client_ide" in line
    assert "config.ini" in line


def test_api_get_all_shows_progress_when_stderr_is_a_terminal(dmsa_env: dict[str, str]) -> None:
    pty = pytest.importorskip("pty")
    controller, terminal = pty.openpty()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "procore_dc",
            "api",
            "get",
            f"/rest/v1.0/projects/{PROJECT}/rfis",
            "--all",
            "--company",
            str(COMPANY),
        ],
        env=dmsa_env,
        stdout=subprocess.PIPE,
        stderr=terminal,
        text=True,
    )
    os.close(terminal)
    stdout, _ = process.communicate(timeout=60)
    progress = b""
    while True:
        try:
            chunk = os.read(controller, 4096)
        except OSError:  # EIO: the terminal's other end closed
            break
        if not chunk:
            break
        progress += chunk
    os.close(controller)
    assert process.returncode == 0
    assert len(stdout.splitlines()) == 250  # stdout stays pure JSON lines
    text = progress.decode()
    assert "\rpage 1: 100 of 250 items" in text
    assert "\rpage 3: 250 of 250 items" in text
