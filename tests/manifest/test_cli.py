"""`procore-dc manifest ...` as a user runs it: a subprocess, exit codes, output."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from manifest_examples import V3, valid


def run(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "procore_dc", "manifest", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.fixture
def manifest_file(tmp_path: Path) -> Path:
    path = tmp_path / "manifest.json"
    path.write_text(json.dumps(valid()), encoding="utf-8")
    return path


def test_new_prints_a_valid_manifest_and_validate_accepts_it(tmp_path: Path) -> None:
    result = run("new", "--service-account")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["data_connector"]["components"] == ["user_level_auth", "service_account_auth"]
    assert data["version"] == "0.1.0"

    path = tmp_path / "new.json"
    path.write_text(result.stdout, encoding="utf-8")
    checked = run("validate", str(path))
    assert checked.returncode == 0, checked.stdout
    assert "valid (0 warning(s))" in checked.stdout


def test_new_without_service_account_has_no_permissions() -> None:
    data = json.loads(run("new").stdout)
    assert "permissions" not in data
    assert data["data_connector"]["components"] == ["user_level_auth"]


def test_validate_lists_errors_and_exits_1(tmp_path: Path) -> None:
    bad = valid()
    bad["version"] = "1.0"
    bad["post_installation_instruction"]["page"]["url"] = "http://example.com"
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(bad), encoding="utf-8")

    result = run("validate", str(path))

    assert result.returncode == 1
    assert "error: $.version: '1.0' is not a semantic version" in result.stdout
    assert "error: $.post_installation_instruction.page.url:" in result.stdout
    assert "invalid (2 error(s), 0 warning(s))" in result.stdout


def test_validate_shows_warnings_and_exits_0() -> None:
    data = valid()
    data["permissions"]["company"]["directory"] = "admin"
    result = run("validate", "-", stdin=json.dumps(data))
    assert result.returncode == 0
    assert "warning: $.permissions.company.directory:" in result.stdout


def test_validate_json_output() -> None:
    result = run("validate", "-", "--json", stdin="{not json")
    assert result.returncode == 1
    data = json.loads(result.stdout)
    assert data["valid"] is False
    assert data["problems"][0]["path"] == "$"


def test_validate_reports_a_legacy_conversion() -> None:
    result = run("validate", "-", stdin=V3)
    assert result.returncode == 0
    assert "note: legacy v3 app manifest converted to schema 4.1" in result.stdout


def test_validate_missing_file_is_one_line_and_exit_1(tmp_path: Path) -> None:
    result = run("validate", str(tmp_path / "missing.json"))
    assert result.returncode == 1
    assert result.stderr.startswith("procore-dc: error:")
    assert "Traceback" not in result.stderr


def test_diff_human_and_json(manifest_file: Path, tmp_path: Path) -> None:
    newer = valid()
    newer["version"] = "0.2.0"
    newer["permissions"]["project"]["submittals"] = "readonly"
    new_file = tmp_path / "new.json"
    new_file.write_text(json.dumps(newer), encoding="utf-8")

    human = run("diff", str(manifest_file), str(new_file))
    assert human.returncode == 0, human.stderr
    assert "- Added: project Submittals (`submittals`): readonly" in human.stdout
    assert "suggested bump: minor" in human.stdout
    assert "admins must re-approve: yes" in human.stdout

    as_json = run("diff", str(manifest_file), str(new_file), "--json")
    data = json.loads(as_json.stdout)
    assert data["suggested_bump"] == "minor"
    assert data["requires_reapproval"] is True
    assert data["permissions"]["added"][0]["tool"] == "submittals"


def test_bump_prints_and_in_place_rewrites(manifest_file: Path) -> None:
    printed = run("bump", str(manifest_file), "--part", "minor")
    assert printed.returncode == 0, printed.stderr
    assert json.loads(printed.stdout)["version"] == "0.2.0"
    assert json.loads(manifest_file.read_text())["version"] == "0.1.0"

    rewritten = run("bump", str(manifest_file), "--part", "major", "--in-place")
    assert rewritten.returncode == 0, rewritten.stderr
    assert rewritten.stdout == f"{manifest_file}: 0.1.0 -> 1.0.0\n"
    assert json.loads(manifest_file.read_text())["version"] == "1.0.0"
    assert list(manifest_file.parent.iterdir()) == [manifest_file]  # no temporary left


def test_bump_of_an_invalid_manifest_fails_cleanly(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text('{"version": "1.0"}', encoding="utf-8")
    result = run("bump", str(path), "--part", "patch")
    assert result.returncode == 1
    assert "$.version" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("command", ["new", "validate", "diff", "bump"])
def test_every_subcommand_has_help_with_an_example(command: str) -> None:
    result = run(command, "--help")
    assert result.returncode == 0
    assert "example:" in result.stdout
    assert f"procore-dc manifest {command}" in result.stdout


# -- issue #12 item 9: the CLI writes files safely -------------------------------------------


def test_bump_in_place_writes_through_a_symlink_and_keeps_the_mode(tmp_path: Path) -> None:
    real = tmp_path / "real" / "manifest.json"
    real.parent.mkdir()
    real.write_text(json.dumps(valid()), encoding="utf-8")
    real.chmod(0o644)
    link = tmp_path / "manifest.json"
    link.symlink_to(real)
    result = run("bump", str(link), "--part", "minor", "--in-place")
    assert result.returncode == 0, result.stderr
    assert link.is_symlink()  # the link is still a link ...
    assert json.loads(real.read_text())["version"] == "0.2.0"  # ... and its target was bumped
    assert real.stat().st_mode & 0o777 == 0o644
    assert sorted(p.name for p in real.parent.iterdir()) == ["manifest.json"]


@pytest.mark.parametrize(
    ("raw", "where"),
    [
        ('"notes": "bad \\ud800 surrogate"', "$.notes"),
        ('"notes": "ok", "\\udfff": 1', "$"),
    ],
)
def test_a_lone_surrogate_is_one_clear_error_in_validate_and_bump(
    tmp_path: Path, raw: str, where: str
) -> None:
    text = json.dumps(valid())
    path = tmp_path / "manifest.json"
    path.write_text(text[:-1] + ", " + raw + "}", encoding="utf-8")
    for args in (("validate", str(path)), ("bump", str(path), "--part", "patch", "--in-place")):
        result = run(*args)
        assert result.returncode == 1, args
        assert "lone surrogate" in result.stdout + result.stderr
        assert where in result.stdout + result.stderr
        assert "internal error" not in result.stderr
        assert "Traceback" not in result.stderr
