"""The examples of procore-api.md section 4 load; the legacy one converts to 4.1."""

from __future__ import annotations

import json
import warnings

import pytest
from manifest_examples import V3, V41

from procore_dc.manifest import (
    SERVICE_ACCOUNT_AUTH,
    USER_LEVEL_AUTH,
    Manifest,
    ManifestError,
    PermissionLevel,
)


def test_v41_example_loads_with_every_part() -> None:
    manifest = Manifest.from_json(V41)

    assert manifest.components == (USER_LEVEL_AUTH, SERVICE_ACCOUNT_AUTH)
    assert manifest.permissions is not None
    assert manifest.permissions.company["timecard"] is PermissionLevel.STANDARD
    assert manifest.permissions.project["coordination_issues"] is PermissionLevel.READONLY
    assert manifest.fullscreen is not None
    assert manifest.fullscreen.uuid == "9a4c7942-1b7e-4d7a-9a57-2f3c1d8e6b10"
    assert manifest.sidepanel is not None
    assert manifest.sidepanel.views == (
        "commitments.purchase_orders.detail",
        "commitments.purchase_orders.edit",
    )
    instruction = manifest.post_installation_instruction
    assert instruction is not None
    assert instruction.page is not None
    assert instruction.page.label == "Our Support Site"
    # Procore's JSON has no version: a warning, not an error.
    assert [p.path for p in manifest.problems] == ["$.version"]


def test_v41_example_keeps_every_key_through_a_round_trip() -> None:
    original = json.loads(V41)
    written = json.loads(Manifest.from_json(V41).to_json())

    def keys(value: object, path: str = "$") -> set[str]:
        found = set()
        if isinstance(value, dict):
            for key, item in value.items():
                found.add(f"{path}.{key}")
                found |= keys(item, f"{path}.{key}")
        return found

    assert keys(original) <= keys(written)
    # The only key added is procore-dc's explicit component list (module docs).
    assert keys(written) - keys(original) == {"$.data_connector", "$.data_connector.components"}
    for key, value in original.items():
        assert written[key] == value


def test_v3_example_converts_to_41_with_a_warning() -> None:
    with pytest.warns(UserWarning, match=r"legacy v3 app manifest converted to schema 4\.1"):
        manifest = Manifest.from_json(V3)

    assert manifest.schema_version == "4.1"
    # client_credentials becomes the portal's pair of components.
    assert manifest.components == (USER_LEVEL_AUTH, SERVICE_ACCOUNT_AUTH)
    assert manifest.fullscreen is not None
    assert manifest.fullscreen.source_url.startswith("https://{{subdomain}}.domain.com/")
    assert manifest.fullscreen.user_configuration is not None
    assert "myCustomField" in manifest.fullscreen.user_configuration["schema"]["properties"]
    assert manifest.fullscreen.extra == {"name": "My embedded app", "required": True}
    assert manifest.app_manifest == {"id": "3c86a740-6f2a-4a8e-b7e5-0d8a3f1c2b44"}

    written = json.loads(manifest.to_json())
    assert written["schema_version"] == "4.1"
    assert "components" not in written
    assert "iframe_src" not in written["fullscreen"]
    assert written["fullscreen"]["user_configuration"]["schema"]["required"] == ["myCustomField"]
    # The converted form loads as 4.1 without another conversion warning.
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert Manifest.from_json(manifest.to_json()) == manifest


def test_v3_authorization_code_only_becomes_user_level_auth() -> None:
    legacy = {
        "schema_version": "3",
        "post_installation_instruction": {"notes": "Sign in."},
        "components": {"oauth": {"instances": [{"grant_type": "authorization_code"}]}},
    }
    with pytest.warns(UserWarning, match="converted to schema 4.1"):
        manifest = Manifest.from_dict(legacy)
    assert manifest.components == (USER_LEVEL_AUTH,)


def test_v3_with_an_unknown_grant_names_the_v3_path() -> None:
    legacy = {"schema_version": "3", "components": {"oauth": {"instances": [{"grant_type": "x"}]}}}
    with pytest.raises(ManifestError) as caught:
        Manifest.from_dict(legacy)
    assert [p.path for p in caught.value.problems] == ["$.components.oauth.instances[0].grant_type"]
