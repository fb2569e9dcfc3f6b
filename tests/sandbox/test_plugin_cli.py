"""The pytest plugin's fixtures and the ``procore-dc sandbox`` command."""

from __future__ import annotations

import argparse
import subprocess
import sys
import threading

import pytest
import requests

from procore_dc._commands import sandbox as sandbox_command
from procore_dc.testing import FakeProcore


def test_fake_procore_fixture_is_running(fake_procore: FakeProcore) -> None:
    assert fake_procore.running
    assert requests.get(f"{fake_procore.api_url}/rest/v1.0/me", timeout=5).status_code == 401


def test_session_fixture_is_shared(fake_procore_session: FakeProcore) -> None:
    assert fake_procore_session.running


def test_plugin_imports_without_werkzeug() -> None:
    code = (
        "import sys; sys.modules['werkzeug'] = None\n"
        "import procore_dc.testing.pytest_plugin as p\n"
        "assert 'procore_dc.testing._sandbox' not in sys.modules\n"
        "print(p.fake_procore.__name__)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr


def test_sandbox_command_prints_urls_and_credentials(capsys: pytest.CaptureFixture[str]) -> None:
    stop = threading.Event()
    result: list[int] = []
    args = argparse.Namespace(port=0, seed=0, interactive=False)
    worker = threading.Thread(target=lambda: result.append(sandbox_command.run(args, stop)))
    worker.start()
    try:
        for _ in range(200):
            if "redirect_uris" in capsys.readouterr().out:
                break
            stop.wait(0.01)
    finally:
        stop.set()
        worker.join(timeout=5)
    assert result == [0]


def test_sandbox_command_output(capsys: pytest.CaptureFixture[str]) -> None:
    stop = threading.Event()
    stop.set()
    assert sandbox_command.run(argparse.Namespace(port=0, seed=0, interactive=False), stop) == 0
    out = capsys.readouterr().out
    for label in (
        "api_url",
        "login_url",
        "storage_url",
        "files_url",
        "client_id",
        "client_secret",
        "company_id",
    ):
        assert label in out
    assert "http://127.0.0.1:" in out
