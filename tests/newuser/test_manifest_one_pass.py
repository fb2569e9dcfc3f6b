"""Issue 14 item 5 (and findings F5, F8, F9, F10, F12): manifest validation lists every
problem in one pass; ManifestBuilder.permission() refuses unknown names at once; the manifest
commands keep file modes, keep conversion notes and flag a version going backwards."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import Any

import pytest

from procore_dc import cli
from procore_dc.exceptions import ManifestError
from procore_dc.manifest import Manifest, ManifestBuilder

#: The walk-through's wrong.json: one shape error hid four more errors and two warnings.
WRONG: dict[str, Any] = {
    "schema_version": "4.1",
    "version": "1.0",
    "data_connector": {"components": ["user_level_auth", "service_account_auth"]},
    "permissions": {
        "company": {"portfolio": "readwrite", "dirctory": "readonly"},
        "projekt": {"rfi": "standard"},
    },
    "post_installation_instruction": {"page": {"url": "http://example.com/setup"}},
}


def builder(version: str) -> ManifestBuilder:
    return (
        ManifestBuilder(version=version)
        .service_account()
        .instructions(notes="Connect your account.")
    )


def test_a_shape_error_does_not_hide_the_other_problems() -> None:
    with pytest.raises(ManifestError) as caught:
        Manifest.from_json(json.dumps(WRONG))
    found = {(p.severity, p.path) for p in caught.value.problems}
    assert found == {
        ("error", "$.permissions.company.portfolio"),  # the shape error
        ("error", "$.version"),
        ("error", "$.post_installation_instruction.notes"),
        ("error", "$.post_installation_instruction.page.url"),
        ("error", "$.post_installation_instruction.page.label"),
        ("warning", "$.permissions.company.dirctory"),
        ("warning", "$.permissions.projekt"),
    }


def test_shape_errors_in_several_places_are_all_reported() -> None:
    data = json.loads(json.dumps(WRONG))
    data["permissions"]["project"] = {"rfi": 3}
    data["post_installation_instruction"]["notes"] = ["not", "text"]
    data["data_connector"]["components"] = ["user_level_auth", 7]
    with pytest.raises(ManifestError) as caught:
        Manifest.from_json(json.dumps(data))
    paths = {p.path for p in caught.value.problems if p.is_error}
    assert {
        "$.permissions.company.portfolio",
        "$.permissions.project.rfi",
        "$.post_installation_instruction.notes",
        "$.data_connector.components[1]",
    } <= paths


def test_validate_command_reports_all_of_them(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "wrong.json"
    path.write_text(json.dumps(WRONG), encoding="utf-8")
    assert cli.main(["manifest", "validate", str(path)]) == 1
    assert f"{path}: invalid (5 error(s), 2 warning(s))" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("call", "path", "suggestion"),
    [
        (("portfolio", "rfi", "standard"), "$.permissions", "use company or project"),
        (("project", "rfis", "standard"), "$.permissions.project.rfis", "did you mean 'rfi'"),
        (("company", "dirctory", "readonly"), "$.permissions.company.dirctory", "'directory'"),
        (("project", "rfi", "readwrite"), "$.permissions.project.rfi", "admin, readonly"),
    ],
)
def test_builder_permission_refuses_unknown_names_at_once(
    call: tuple[str, str, str], path: str, suggestion: str
) -> None:
    start = builder("1.0.0")
    with pytest.raises(ManifestError) as caught:
        start.permission(*call)
    (problem,) = caught.value.problems
    assert problem.path == path
    assert suggestion in problem.message
    # Known names still work, and None removes a tool.
    added = start.permission("project", "rfi", "standard").permission("project", "forms", "admin")
    removed = json.loads(added.permission("project", "forms", None).build().to_json())
    assert removed["permissions"]["project"] == {"rfi": "standard"}


def test_bump_in_place_keeps_the_mode_and_says_what_it_did(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "manifest.json"
    path.write_text(builder("0.1.0").build().to_json(), encoding="utf-8")
    os.chmod(path, 0o644)
    assert cli.main(["manifest", "bump", str(path), "--part", "minor", "--in-place"]) == 0
    assert stat.S_IMODE(path.stat().st_mode) == 0o644
    assert capsys.readouterr().out == f"{path}: 0.1.0 -> 0.2.0\n"
    assert json.loads(path.read_text())["version"] == "0.2.0"


def test_bump_of_a_legacy_file_says_it_converted_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import sys

    sys.path.insert(0, str(Path(__file__).parents[1] / "manifest"))
    from manifest_examples import V3

    path = tmp_path / "v3.json"
    data = json.loads(V3)
    data["version"] = "1.2.3"
    path.write_text(json.dumps(data), encoding="utf-8")
    assert cli.main(["manifest", "bump", str(path), "--part", "patch", "--in-place"]) == 0
    captured = capsys.readouterr()
    assert "note:" in captured.err
    assert "4.1" in captured.err or "schema" in captured.err


def test_validate_of_an_invalid_legacy_file_keeps_its_notes_and_version(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import sys

    sys.path.insert(0, str(Path(__file__).parents[1] / "manifest"))
    from manifest_examples import V3

    data = json.loads(V3)
    data["version"] = "2.0.0"
    data["post_installation_instruction"]["page"]["url"] = "http://example.com/setup"
    path = tmp_path / "v3.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    assert cli.main(["manifest", "validate", "--json", str(path)]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["valid"] is False
    assert report["version"] == "2.0.0"
    assert report["notes"], report


def test_diff_flags_a_downgrade_and_a_bump_smaller_than_suggested(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = builder("0.2.0").service_account(project={"rfi": "standard", "forms": "readonly"})
    old = tmp_path / "old.json"
    old.write_text(base.build().to_json(), encoding="utf-8")
    downgrade = tmp_path / "downgrade.json"
    downgrade.write_text(base.with_version("0.1.0").build().to_json(), encoding="utf-8")
    assert cli.main(["manifest", "diff", str(old), str(downgrade)]) == 0
    assert "warning: the version goes backwards (0.2.0 -> 0.1.0)" in capsys.readouterr().out
    smaller = tmp_path / "smaller.json"
    change = base.with_version("0.2.1").permission("project", "forms", None)
    smaller.write_text(change.build().to_json(), encoding="utf-8")
    assert cli.main(["manifest", "diff", str(old), str(smaller)]) == 0
    out = capsys.readouterr().out
    assert "warning: the version bump (patch) is smaller than the suggested minor" in out
    assert cli.main(["manifest", "diff", "--json", str(old), str(smaller)]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["version_bump"] == "patch"
    assert report["bump_too_small"] is True
