"""What importing a part of procore-dc loads (#15 item 7, #19 item 4): counted in modules, not
timed, so the test cannot flake; bench/hot_path.py prints the milliseconds."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

HEAVY = ("requests", "urllib3", "oauthlib", "requests_oauthlib", "cattrs", "werkzeug")


def loaded_after(statement: str) -> set[str]:
    code = f"import json, sys; {statement}; print(json.dumps(sorted(sys.modules)))"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    return set(json.loads(out))


@pytest.mark.parametrize("statement", ["import procore_dc", "import procore_dc.testing"])
def test_importing_a_package_loads_no_http_or_oauth_library(statement: str) -> None:
    assert loaded_after(statement).isdisjoint(HEAVY)


def test_a_first_call_loads_requests_but_not_oauthlib() -> None:
    loaded = loaded_after("from procore_dc import ServiceAccountAuth, Session")
    assert {"requests", "procore_dc.session", "procore_dc.auth"} <= loaded
    assert loaded.isdisjoint({"oauthlib", "requests_oauthlib", "werkzeug"})


def test_the_client_loads_the_facade_names_but_not_the_operation_engine() -> None:
    """The scopes' facade bases come with the client; the engine and the spec check come with
    the first call() or facade call."""
    loaded = loaded_after("from procore_dc import ProcoreClient")
    assert "procore_dc.operations._facades" in loaded
    assert loaded.isdisjoint(
        {"procore_dc.operations._engine", "procore_dc.operations._check", "procore_dc._catalog"}
    )
