"""login (loopback browser flow and --oob), then whoami as that user, then --logout."""

from __future__ import annotations

import json
import os
import re
import socket
import stat
import subprocess
import sys
from pathlib import Path
from typing import IO

import requests

from procore_dc.testing import FakeProcore, SandboxApp

from .conftest import clean_env, one_error_line, run_cli


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _user_env(sandbox: FakeProcore, app: SandboxApp, config_home: Path) -> dict[str, str]:
    return clean_env(
        config_home,
        PROCORE_CLIENT_ID=app.client_id,
        PROCORE_CLIENT_SECRET=app.client_secret,
        PROCORE_ENVIRONMENT=sandbox.api_url,
        PROCORE_LOGIN_URL=sandbox.login_url,
    )


def _read_url(stream: IO[str]) -> str:
    for _ in range(5):
        line = stream.readline()
        match = re.search(r"(http://\S+/oauth/authorize\?\S+)", line)
        if match:
            return match.group(1)
    raise AssertionError("login printed no sign-in URL")


def _start(args: list[str], env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "procore_dc", *args],
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_loopback_login_then_whoami_then_logout(sandbox: FakeProcore, config_home: Path) -> None:
    redirect = f"http://127.0.0.1:{_free_port()}/callback"
    app = sandbox.create_app(name="CLI login", redirect_uris=[redirect])
    env = _user_env(sandbox, app, config_home)
    env["PROCORE_REDIRECT_URI"] = redirect
    process = _start(["login", "--no-browser", "--timeout", "20"], env)
    try:
        assert process.stderr is not None
        url = _read_url(process.stderr)
        # The "browser": FakeProcore approves at once and redirects to the CLI's receiver.
        page = requests.get(url, timeout=10)
        assert page.status_code == 200
        assert "Signed in" in page.text
        stdout, stderr = process.communicate(timeout=20)
    finally:
        process.kill()
    assert process.returncode == 0, stderr
    assert "Signed in to local as" in stdout
    token_files = list((config_home / "procore-dc" / "tokens").glob("user-local-*.json"))
    assert len(token_files) == 1
    assert stat.S_IMODE(os.stat(token_files[0]).st_mode) == 0o600
    saved = json.loads(token_files[0].read_text(encoding="utf-8"))
    for secret in (saved["access_token"], saved["refresh_token"], app.client_secret):
        assert secret not in stdout + stderr

    who = run_cli("whoami", "--json", env=env)
    assert who.returncode == 0, who
    assert json.loads(who.stdout)["id"] == sandbox.signed_in_user
    human = run_cli("whoami", env=env)
    assert "acting as    user" in human.stdout

    out = run_cli("login", "--logout", env=env)
    assert out.returncode == 0
    assert "revoked" in out.stdout
    assert not token_files[0].exists()
    line = one_error_line(run_cli("whoami", "--auth", "user", env=env))
    assert "procore-dc login" in line


def test_oob_login_reads_the_pasted_code(sandbox: FakeProcore, config_home: Path) -> None:
    app = sandbox.create_app(name="CLI oob")
    env = _user_env(sandbox, app, config_home)
    process = _start(["login", "--oob", "--json"], env)
    try:
        assert process.stderr is not None
        url = _read_url(process.stderr)
        page = requests.get(url, timeout=10)
        code = re.search(r'<code id="code">([^<]+)</code>', page.text)
        assert code is not None, page.text
        stdout, stderr = process.communicate(code.group(1) + "\n", timeout=20)
    finally:
        process.kill()
    assert process.returncode == 0, stderr
    data = json.loads(stdout)
    assert data["me"]["id"] == sandbox.signed_in_user
    assert data["access_token"].startswith("****")
    assert Path(data["token_file"]).exists()
    assert app.client_secret not in stdout + stderr


def test_oob_login_with_a_wrong_code_is_one_line(sandbox: FakeProcore, config_home: Path) -> None:
    app = sandbox.create_app(name="CLI oob wrong")
    env = _user_env(sandbox, app, config_home)
    result = run_cli("login", "--oob", env=env, stdin="not-a-real-code\n")
    assert result.returncode == 1
    last = result.stderr.splitlines()[-1]
    assert last.startswith("procore-dc: error: ")
    assert "Traceback" not in result.stderr
