"""The README's quick start and CI run the same commands; the package ships its type marker."""

from __future__ import annotations

import configparser
import re
from pathlib import Path

import procore_dc

ROOT = Path(__file__).resolve().parents[2]


def test_ci_runs_the_readme_test_command() -> None:
    ci = (ROOT / ".ci" / "run").read_text()
    match = re.search(r'^TEST_COMMAND="(.+)"$', ci, re.MULTILINE)
    assert match, "TEST_COMMAND not found in .ci/run"
    readme = (ROOT / "README.md").read_text()
    assert match.group(1) in readme


def test_readme_quick_start_runs_the_demo() -> None:
    readme = (ROOT / "README.md").read_text()
    quick = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    commands = re.findall(r"```console\n\s*(.+?)\n\s*```", quick, re.DOTALL)
    assert len(commands) == 2
    assert "procore-dc demo" in commands[0]
    # The demo's export step (dlt into DuckDB) runs only with the export extra installed.
    assert "sandbox,export]" in commands[0]
    assert "pytest" in commands[1]


def test_package_ships_py_typed() -> None:
    assert (Path(procore_dc.__file__).parent / "py.typed").exists()
    assert "py.typed" in (ROOT / "setup.cfg").read_text()


def test_public_names_are_exported() -> None:
    for name in procore_dc.__all__:
        assert hasattr(procore_dc, name), name


def test_ci_enforces_the_coverage_gate_the_network_guard_and_the_secret_scan() -> None:
    ci = (ROOT / ".ci" / "run").read_text()
    assert re.search(r"^OVERALL_MINIMUM=95$", ci, re.MULTILINE)
    assert re.search(r"^CORE_MINIMUM=100$", ci, re.MULTILINE)
    core = re.search(r'^CORE_MODULES="(.+)"$', ci, re.MULTILINE)
    assert core is not None
    assert set(core.group(1).split(",")) == {
        "procore_dc/auth/*",
        "procore_dc/retry.py",
        "procore_dc/rate_limit.py",
        "procore_dc/session.py",
        "procore_dc/pagination.py",
        "procore_dc/_http.py",
        "procore_dc/_attempts.py",
        "procore_dc/_urllib3_retry.py",
        "procore_dc/_session_options.py",
        "procore_dc/_pacing.py",
        "procore_dc/_prepare.py",
        "procore_dc/_settings.py",
    }
    assert '--fail-under="$OVERALL_MINIMUM"' in ci
    assert '--include="$CORE_MODULES" --fail-under="$CORE_MINIMUM"' in ci
    # Lint, types, docs and the secret scan: CI runs tox's environments, whose commands live
    # only in tox.ini.
    assert 'tox -q --workdir "$work/tox" -e lint,type,docs' in ci
    tox = configparser.ConfigParser(interpolation=None)
    tox.read(ROOT / "tox.ini")
    commands = {env: tox[f"testenv:{env}"]["commands"] for env in ("lint", "type", "docs")}
    assert "python .ci/secret_scan.py {toxinidir}" in commands["lint"]
    assert "ruff format --check" in commands["lint"]
    assert "mypy --strict procore_dc" in commands["type"]
    assert "sphinx-build -q -n -W --keep-going -b html" in commands["docs"]
    assert "-b doctest" in commands["docs"]
    for command in ("ruff check", "mypy --strict", "sphinx-build", "secret_scan"):
        assert command not in ci, f"{command} is tox's to run, not .ci/run's"
    pyproject = (ROOT / "pyproject.toml").read_text()
    assert "--allow-hosts=127.0.0.1,::1,localhost" in pyproject
    assert 'patch = ["subprocess"]' in pyproject
