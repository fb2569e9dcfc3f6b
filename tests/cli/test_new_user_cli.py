"""Issue 14 items 4 and 8 (CLI parts): login against `procore-dc sandbox` with its defaults,
ready-to-paste export lines, a refused redirect URI reported at once, --debug after the
command, --port range, config defaults, and one-line errors."""

from __future__ import annotations

import argparse
import os
import re
import shlex
import socket
import stat
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from procore_dc import cli
from procore_dc._commands import sandbox as sandbox_command
from procore_dc._commands._credentials import DEFAULT_REDIRECT_URI
from procore_dc.testing import FakeProcore

from .conftest import clean_env, one_error_line, run_cli


def _exports(text: str) -> dict[str, str]:
    found = {}
    for line in text.splitlines():
        match = re.match(r"\s*export (PROCORE_\w+)=(.*)$", line)
        if match:
            found[match.group(1)] = shlex.split(match.group(2))[0]
    return found


def _port_free(port: int) -> bool:
    with socket.socket() as probe:
        # As http.server does: a port in TIME_WAIT from an earlier run is free to use.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def test_sandbox_prints_export_lines_and_writes_an_env_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    env_file = tmp_path / "sandbox.env"
    args = argparse.Namespace(port=0, seed=0, interactive=False, env_file=str(env_file))
    import threading

    stop = threading.Event()
    stop.set()
    assert sandbox_command.run(args, stop) == 0
    printed = _exports(capsys.readouterr().out)
    assert set(printed) == {
        "PROCORE_ENVIRONMENT",
        "PROCORE_LOGIN_URL",
        "PROCORE_CLIENT_ID",
        "PROCORE_CLIENT_SECRET",
        "PROCORE_COMPANY_ID",
    }
    assert printed["PROCORE_COMPANY_ID"] == "8"
    assert _exports(env_file.read_text(encoding="utf-8")) == printed
    assert stat.S_IMODE(env_file.stat().st_mode) == 0o600


def test_the_export_lines_drive_the_other_commands(sandbox: FakeProcore, tmp_path: Path) -> None:
    lines = sandbox_command.export_lines(sandbox, 8)
    env = clean_env(tmp_path / "config", **_exports("\n".join(lines)))
    result = run_cli("whoami", env=env)
    assert result.returncode == 0, result.stderr
    assert "Sandbox Data Connector" in result.stdout


def test_default_app_registers_the_cli_login_redirect() -> None:
    assert DEFAULT_REDIRECT_URI in FakeProcore().default_app.redirect_uris


def test_login_works_against_the_sandbox_with_defaults(
    sandbox: FakeProcore, tmp_path: Path
) -> None:
    if not _port_free(8765):
        pytest.skip("port 8765 (the CLI's default redirect) is in use on this machine")
    env = clean_env(
        tmp_path / "config", **_exports("\n".join(sandbox_command.export_lines(sandbox, 8)))
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "procore_dc", "login", "--no-browser", "--timeout", "30"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stderr is not None
        url = ""
        for _ in range(5):
            match = re.search(r"(http://\S+/oauth/authorize\?\S+)", process.stderr.readline())
            if match:
                url = match.group(1)
                break
        assert url, "login printed no sign-in URL"
        page = requests.get(url, timeout=10)  # the "browser"
        assert page.status_code == 200, page.text
        stdout, stderr = process.communicate(timeout=30)
    finally:
        process.kill()
    assert process.returncode == 0, stderr
    assert "Signed in to local as" in stdout


def test_a_refused_redirect_uri_is_reported_at_once(sandbox: FakeProcore, tmp_path: Path) -> None:
    app = sandbox.create_app(name="No such redirect", redirect_uris=["http://localhost"])
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = clean_env(
        tmp_path / "config",
        PROCORE_CLIENT_ID=app.client_id,
        PROCORE_CLIENT_SECRET=app.client_secret,
        PROCORE_ENVIRONMENT=sandbox.api_url,
        PROCORE_LOGIN_URL=sandbox.login_url,
        PROCORE_REDIRECT_URI=f"http://127.0.0.1:{port}/callback",
    )
    # Without the check this would wait the whole --timeout for a callback that never comes.
    result = run_cli("login", "--no-browser", "--timeout", "600", env=env, timeout=60)
    assert result.returncode == 1, result
    error = result.stderr.strip().splitlines()[-1]
    assert error.startswith("procore-dc: error: the sign-in page at 127.0.0.1:")
    assert f"refused the redirect URI http://127.0.0.1:{port}/callback" in error
    assert "--oob" in error


@pytest.mark.parametrize(
    "argv",
    [["config", "--debug"], ["manifest", "validate", "--debug", "x.json"], ["--debug", "config"]],
)
def test_debug_works_after_the_command(argv: list[str]) -> None:
    assert cli.build_parser().parse_args(argv).debug is True


def test_debug_defaults_off() -> None:
    assert cli.build_parser().parse_args(["config"]).debug is False


def test_out_of_range_port_is_one_clear_line(tmp_path: Path) -> None:
    result = run_cli("sandbox", "--port", "99999", env=clean_env(tmp_path))
    line = one_error_line(result)
    assert line == (
        "procore-dc: error: --port must be between 0 and 65535 (0: a free port), got 99999"
    )


def test_config_shows_the_defaults_it_will_use(tmp_path: Path) -> None:
    result = run_cli("config", env=clean_env(tmp_path, PROCORE_CLIENT_ID="x" * 64))
    assert result.returncode == 0, result.stderr
    rows = {line.split()[0]: line for line in result.stdout.splitlines() if line.startswith("  ")}
    assert "production" in rows["environment"]
    assert "default (--environment / PROCORE_ENVIRONMENT)" in rows["environment"]
    assert DEFAULT_REDIRECT_URI in rows["redirect_uri"]
    # The source column lines up, even after a 64-character client id.
    columns = {re.match(r"^  \S+\s+\S+\s+", line).end() for line in rows.values()}  # type: ignore[union-attr]
    assert len(columns) == 1, result.stdout


def test_manifest_errors_are_one_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text('{"schema_version": "4.1", "version": "1.0"}', encoding="utf-8")
    bump = ["manifest", "bump", str(path), "--part", "minor"]
    for argv in (bump, ["manifest", "diff", str(path), str(path)]):
        line = one_error_line(run_cli(*argv, env=clean_env(tmp_path)))
        assert line.startswith("procore-dc: error: invalid app manifest: error: $.")
    missing = one_error_line(
        run_cli("manifest", "validate", "nosuch.json", env=clean_env(tmp_path))
    )
    assert missing == "procore-dc: error: nosuch.json: No such file or directory"


def test_env_file_is_private(tmp_path: Path) -> None:
    path = tmp_path / "x.env"
    sandbox_command._write_env_file(str(path), ["export A=1"])
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
