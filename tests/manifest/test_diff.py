"""Manifest.diff: what changed, whether admins re-approve, and the suggested bump."""

from __future__ import annotations

import json

from procore_dc.manifest import Manifest, ManifestBuilder, PermissionLevel


def builder() -> ManifestBuilder:
    return ManifestBuilder(version="0.1.0").instructions(
        url="https://example.com/setup", page_name="Setup guide", notes="Sign up first."
    )


OLD = builder().service_account(
    company={"directory": "readonly"}, project={"rfi": "standard", "documents": "standard"}
)


def test_added_permission_requires_reapproval_and_suggests_minor() -> None:
    old = OLD.build()
    new = OLD.with_version("0.2.0").permission("project", "submittals", "readonly").build()

    change = Manifest.diff(old, new)

    assert [(c.scope, c.tool, c.old, c.new) for c in change.permissions_added] == [
        ("project", "submittals", None, PermissionLevel.READONLY)
    ]
    assert change.requires_reapproval
    assert change.suggested_bump == "minor"
    assert "**Admins must approve this update:**" in change.release_notes()
    assert "- Added: project Submittals (`submittals`): readonly" in change.release_notes()


def test_raised_permission_requires_reapproval() -> None:
    change = Manifest.diff(OLD.build(), OLD.permission("project", "rfi", "admin").build())
    assert [c.tool for c in change.permissions_raised] == ["rfi"]
    assert change.requires_reapproval
    assert change.suggested_bump == "minor"


def test_lowered_and_removed_permissions_need_no_reapproval() -> None:
    new = OLD.permission("project", "documents", "readonly").permission(
        "company", "directory", None
    )
    change = Manifest.diff(OLD.build(), new.build())

    assert [c.tool for c in change.permissions_lowered] == ["documents"]
    assert [c.tool for c in change.permissions_removed] == ["directory"]
    assert not change.requires_reapproval
    assert change.suggested_bump == "minor"
    notes = change.release_notes()
    assert "- Lowered: project Documents (`documents`): standard → readonly" in notes
    assert "- Removed: company Directory (`directory`)" in notes


def test_removed_component_suggests_major() -> None:
    old = OLD.fullscreen("https://app.example.com/{{procore.project.id}}").build()
    new = builder().user_level_auth().with_version("1.0.0").build()

    change = Manifest.diff(old, new)

    assert change.components_removed == ("service_account_auth", "fullscreen")
    assert change.suggested_bump == "major"
    assert not change.requires_reapproval
    assert "- Removed: Service Account Authentication" in change.release_notes()


def test_added_service_account_requires_reapproval() -> None:
    old = builder().user_level_auth().build()
    change = Manifest.diff(old, OLD.build())
    assert change.components_added == ("service_account_auth",)
    assert change.requires_reapproval


def test_instruction_and_embedded_changes_suggest_patch() -> None:
    old = OLD.fullscreen("https://app.example.com/a").build()
    new = (
        OLD.instructions(url="https://example.com/v2", page_name="Setup guide", notes="Sign up.")
        .fullscreen("https://app.example.com/b")
        .build()
    )
    change = Manifest.diff(old, new)

    assert change.instructions_changed == ("notes", "url")
    assert change.components_changed == ("fullscreen",)
    assert change.suggested_bump == "patch"
    assert not change.requires_reapproval


def test_unknown_top_level_changes_are_listed() -> None:
    data = OLD.build().to_dict()
    data["marketplace"] = {"listing": "new"}
    change = Manifest.diff(OLD.build(), Manifest.from_dict(data))
    assert change.other_changed == ("marketplace",)
    assert change.suggested_bump == "patch"


def test_no_change_suggests_nothing() -> None:
    change = Manifest.diff(OLD.build(), OLD.build().bump("patch"))
    assert change.suggested_bump is None
    assert not change.changed
    assert "No changes besides the version." in change.release_notes()
    assert change.release_notes().startswith("## 0.1.1\n")


def test_to_dict_is_json() -> None:
    change = Manifest.diff(OLD.build(), OLD.permission("project", "rfi", "admin").build())
    data = json.loads(json.dumps(change.to_dict()))
    assert data["permissions"]["raised"] == [
        {"scope": "project", "tool": "rfi", "old": "standard", "new": "admin"}
    ]
    assert data["requires_reapproval"] is True
    assert data["suggested_bump"] == "minor"
