"""``procore-dc ops search/show`` and ``procore-dc api call`` against FakeProcore."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from procore_dc.cli import main
from tests.cli.conftest import COMPANY, PROJECT, one_error_line, run_cli, run_many

SCOPE = ("--company", str(COMPANY), "--project", str(PROJECT))


def _ops(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    # ops reads only the shipped table: run in this process, no subprocess needed.
    code = main(["ops", *args])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_ops_search_ranks_operations(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _ops(capsys, "search", "budget", "line", "items", "--limit", "3", "--json")
    assert code == 0
    rows = [json.loads(line) for line in out.splitlines()]
    assert len(rows) == 3
    assert all("budget_line_items" in row["path"] for row in rows)
    assert rows[0]["score"] >= rows[-1]["score"]
    text = _ops(capsys, "search", "punch", "items")[1]
    assert "/punch_items" in text.splitlines()[0]


def test_ops_show_gives_parameters_body_response_permission_and_example(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, text, _ = _ops(capsys, "show", "POST /rest/v1.0/punch_items")
    assert code == 0
    assert "facade:     project.punch_items.create()" in text
    assert "permission: project tool punch_list, standard" in text
    assert "punch_item  (required)" in text
    assert "run_configurable_validations  (query, boolean)" in text
    assert 'project.punch_items.create(body={"punch_item": {...}})' in text
    assert '# this version: add version="v1.0"' in text
    shown = _ops(capsys, "show", f"GET /rest/v1.0/projects/{PROJECT}/rfis", "--json")[1]
    data = json.loads(shown)
    assert data["operation"] == "GET /rest/v1.0/projects/{project_id}/rfis"
    assert data["pages"] is True
    assert "subject" in data["response"]["fields"]
    assert data["cli"] == (
        'procore-dc api call "GET /rest/v1.0/projects/{project_id}/rfis" --project 42'
    )


def test_ops_show_unknown_names_close_ones(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _ops(capsys, "show", "GET /rest/v1.0/punch_itemz")
    assert (code, out) == (1, "")
    assert err.startswith("procore-dc: error: Procore's catalogue has no operation")
    assert "close matches" in err


def test_api_call_prints_json_lines(dmsa_env: dict[str, str]) -> None:
    items = "GET /rest/v1.0/punch_items"
    first, every = run_many(
        ["api", "call", items, "per_page=2", *SCOPE],
        ["api", "call", items, "per_page=2", "--all", *SCOPE],
        env=dmsa_env,
    )
    assert first.returncode == 0, first
    assert len(first.stdout.splitlines()) == 2  # the first page only
    rows = [json.loads(line) for line in every.stdout.splitlines()]
    assert len(rows) == 3
    one = run_cli("api", "call", f"{items}/{{id}}", f"id={rows[0]['id']}", *SCOPE, env=dmsa_env)
    assert json.loads(one.stdout)["id"] == rows[0]["id"]


def test_api_call_sends_a_body_file_and_refuses_a_bad_call_in_one_line(
    dmsa_env: dict[str, str], tmp_path: Path
) -> None:
    good, empty, broken = tmp_path / "a.json", tmp_path / "b.json", tmp_path / "c.json"
    good.write_text(json.dumps({"punch_item": {"name": "From the CLI"}}))
    empty.write_text('{"punch_item": {}}')
    broken.write_text("{not json")
    create = ["api", "call", "POST /rest/v1.0/punch_items", *SCOPE, "--body"]
    made, refused, unreadable, malformed = run_many(
        [*create, str(good)],
        [*create, str(empty)],
        [*create, str(broken)],
        ["api", "call", "GET /rest/v1.0/punch_items", "oops", *SCOPE],
        env=dmsa_env,
    )
    assert made.returncode == 0, made
    assert json.loads(made.stdout)["name"] == "From the CLI"
    assert "body.punch_item.name" in one_error_line(refused)
    assert "is not JSON" in one_error_line(unreadable)
    assert "KEY=VALUE" in one_error_line(malformed)
