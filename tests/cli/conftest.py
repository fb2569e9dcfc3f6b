"""Run ``procore-dc`` as a subprocess, against a FakeProcore in this process."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Optional

import attrs
import pytest

from procore_dc.testing import FakeProcore

COMPANY = 8  # the first seeded company (seed 0)
PROJECT = 100001  # its first project


@attrs.frozen
class Result:
    returncode: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


def clean_env(config_home: Path, **extra: str) -> dict[str, str]:
    """The parent's environment without any PROCORE_* setting, with its own config folder."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PROCORE_")}
    env.pop("CI", None)
    env["XDG_CONFIG_HOME"] = str(config_home)
    # Never let a proxy setting route loopback calls elsewhere.
    env["NO_PROXY"] = env["no_proxy"] = "127.0.0.1,localhost"
    env.update(extra)
    return env


def run_cli(
    *args: str, env: Mapping[str, str], stdin: Optional[str] = None, timeout: float = 60
) -> Result:
    completed = subprocess.run(
        [sys.executable, "-m", "procore_dc", *args],
        env=dict(env),
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    return Result(completed.returncode, completed.stdout, completed.stderr)


def run_many(*calls: Sequence[str], env: Mapping[str, str], timeout: float = 60) -> list[Result]:
    """Run several independent commands at once (each still its own process), in order."""
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "procore_dc", *args],
            env=dict(env),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for args in calls
    ]
    results = []
    for process in processes:
        try:
            stdout, stderr = process.communicate(timeout=timeout)
        finally:
            process.kill()
        results.append(Result(process.returncode, stdout, stderr))
    return results


@pytest.fixture(scope="module")
def sandbox() -> Iterator[FakeProcore]:
    # No rate limits: many short CLI runs in a row must not wait for the 10 s spike window.
    with FakeProcore(seed=0, rate_limits=None) as running:
        yield running


@pytest.fixture
def config_home(tmp_path: Path) -> Path:
    return tmp_path / "config"


@pytest.fixture
def dmsa_env(sandbox: FakeProcore, config_home: Path) -> dict[str, str]:
    """Service-account credentials of the sandbox's default app, pointing at the sandbox."""
    app = sandbox.default_app
    return clean_env(
        config_home,
        PROCORE_CLIENT_ID=app.client_id,
        PROCORE_CLIENT_SECRET=app.client_secret,
        PROCORE_ENVIRONMENT=sandbox.api_url,
        PROCORE_LOGIN_URL=sandbox.login_url,
    )


def one_error_line(result: Result) -> str:
    """Assert the run failed with exactly one line on stderr and nothing on stdout."""
    assert result.returncode == 1, result
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("procore-dc: error: ")
    assert "Traceback" not in result.stderr
    return lines[0]
