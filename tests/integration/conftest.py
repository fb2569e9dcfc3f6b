"""Cassette fixture for the integration tests: record against FakeProcore, replay offline.

Use the ``procore_cassette`` fixture in a test class; its cassette is
``tests/cassettes/<TestClass>.<test_name>.json`` (override with
``@pytest.mark.cassette_name("Other.name")``)::

    class TestProjects:
        def test_list(self, procore_cassette):
            session = procore_cassette.session()          # ServiceAccountAuth + company id
            projects = session.get_json(
                "/rest/v1.0/projects", params={"company_id": procore_cassette.company_id}
            )
            assert projects

        def test_after_a_fault(self, procore_cassette):
            if procore_cassette.sandbox is not None:      # only while recording
                procore_cassette.sandbox.faults.add("GET", "/rest/v1.0/me", "status",
                                                    status=503, times=1)
            assert procore_cassette.session().get_json("/rest/v1.0/me")

Modes:

- **replay** (default, what CI runs): ``record_mode="none"``; no server, no network. The base
  URLs, client id, company id and project id come from the cassette's ``procore_dc`` block.
- **record against FakeProcore**: ``PROCORE_DC_RECORD=1 python -m pytest tests/integration``
  starts a fresh ``FakeProcore(seed=0)`` per test (``procore_cassette.sandbox``) and rewrites
  the cassettes.
- **record against a real Procore sandbox**: the same command with ``PROCORE_CLIENT_ID``,
  ``PROCORE_CLIENT_SECRET``, ``PROCORE_COMPANY_ID`` (and optionally ``PROCORE_PROJECT_ID``,
  ``PROCORE_ENVIRONMENT``, default ``sandbox``) set; ``procore_cassette.sandbox`` is ``None``.

Values a test computes while recording and needs again on replay go through
``procore_cassette.value("name", lambda: ...)``.

Guards: a cassette test that replays nothing, or leaves recorded interactions unplayed,
fails; a recording that captured nothing fails; and the run fails when ``tests/cassettes``
holds a cassette whose test no longer exists.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from procore_cassettes import IntegrationCassette

from procore_dc.testing.cassettes import RECORD_ENV, record_target

HERE = Path(__file__).resolve().parent
CASSETTE_DIR = HERE.parent / "cassettes"

_used: set[str] = set()
_call_passed = pytest.StashKey[bool]()


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "cassette_name(name): the cassette file name, without .json")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()  # type: ignore[attr-defined]
    if report.when == "call":
        item.stash[_call_passed] = report.passed


def cassette_name(node: pytest.Item) -> str:
    """``<TestClass>.<test_name>`` (the module name for a function outside a class)."""
    marker = node.get_closest_marker("cassette_name")
    if marker is not None:
        return str(marker.args[0])
    owner = node.cls.__name__ if getattr(node, "cls", None) else node.module.__name__  # type: ignore[attr-defined]
    owner = owner.rsplit(".", 1)[-1]
    test = re.sub(r"[^A-Za-z0-9_.\[\]-]+", "_", node.name)
    return f"{owner}.{test}"


@pytest.fixture
def procore_cassette(request: pytest.FixtureRequest) -> Iterator[IntegrationCassette]:
    """Record (``PROCORE_DC_RECORD=1``) or replay this test's cassette; see the module doc."""
    path = CASSETTE_DIR / f"{cassette_name(request.node)}.json"
    _used.add(path.name)
    run = IntegrationCassette(path)
    with run:
        yield run
    if not request.node.stash.get(_call_passed, False):
        if run.recording and path.exists():
            path.unlink()  # never leave a half-recorded cassette behind
        return
    if run.recording:
        if run.interactions == 0:
            path.unlink(missing_ok=True)
            pytest.fail(f"{path.name}: the test recorded no HTTP interaction")
        return
    if run.play_count == 0:
        pytest.fail(f"{path.name}: the cassette test replayed nothing")
    if not run.all_played:
        pytest.fail(
            f"{path.name}: {run.interactions - run.play_count} recorded interactions were not "
            f"replayed; the test changed - re-record with {RECORD_ENV}=1"
        )


def _tests_in_source() -> set[str]:
    """Every ``<Class>.<test>`` and ``<module>.<test>`` defined under tests/integration."""
    names: set[str] = set()
    for source in HERE.rglob("test_*.py"):
        tree = ast.parse(source.read_text(encoding="utf-8"))
        for node in tree.body:
            if isinstance(node, ast.ClassDef):
                for member in node.body:
                    if isinstance(member, ast.FunctionDef) and member.name.startswith("test"):
                        names.add(f"{node.name}.{member.name}")
            elif isinstance(node, ast.FunctionDef) and node.name.startswith("test"):
                names.add(f"{source.stem}.{node.name}")
    return names


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Fail the run when a cassette file belongs to no test (renamed or deleted tests)."""
    if record_target() is not None or not CASSETTE_DIR.is_dir():
        return
    defined = _tests_in_source()
    unused = []
    for path in sorted(CASSETTE_DIR.glob("*.json")):
        if path.name in _used:
            continue
        test = path.name[: -len(".json")].split("[", 1)[0]
        if test in defined:
            continue  # its test exists but was not selected in this run
        unused.append(path.name)
    if unused:
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        message = "unused cassettes (no test records them; delete them): " + ", ".join(unused)
        if reporter is not None:
            reporter.write_line(message, red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
