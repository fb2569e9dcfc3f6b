"""Every rule: its problem names the JSON path, its severity, and says how to fix it."""

from __future__ import annotations

import copy
import json
from typing import Any, Callable

import attrs
import pytest
from manifest_examples import valid

from procore_dc.manifest import (
    DataConnector,
    Manifest,
    ManifestBuilder,
    ManifestError,
    PermissionLevel,
    Problem,
)


def edit(change: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    data = copy.deepcopy(valid())
    change(data)
    return data


def test_the_base_manifest_is_clean() -> None:
    assert Manifest.from_dict(valid()).problems == ()


ERRORS = [
    # (description, change, path, words the message must contain)
    ("leading zero", lambda d: d.update(version="01.2.3"), "$.version", "like 0.1.0"),
    ("two parts", lambda d: d.update(version="1.0"), "$.version", "X.Y.Z"),
    (
        "no component",
        lambda d: d.update(data_connector={"components": []}, permissions={}),
        "$.data_connector.components",
        'add "user_level_auth"',
    ),
    (
        "unknown component",
        lambda d: d["data_connector"]["components"].append("magic"),
        "$.data_connector.components[2]",
        '"service_account_auth"',
    ),
    (
        "component twice",
        lambda d: d["data_connector"]["components"].append("user_level_auth"),
        "$.data_connector.components[2]",
        "remove one",
    ),
    (
        "service account alone",
        lambda d: d["data_connector"].update(components=["service_account_auth"]),
        "$.data_connector.components",
        'alongside it, as the Developer Portal requires: add "user_level_auth"',
    ),
    (
        "permissions without a service account",
        lambda d: d["data_connector"].update(components=["user_level_auth"]),
        "$.permissions",
        'add "service_account_auth"',
    ),
    (
        "unknown level",
        lambda d: d["permissions"]["project"].update(rfi="write"),
        "$.permissions.project.rfi",
        "use readonly, standard or admin",
    ),
    (
        "none spelled out",
        lambda d: d["permissions"]["project"].update(rfi="none"),
        "$.permissions.project.rfi",
        "leaving the tool key out",
    ),
    (
        "level the tool does not offer",
        lambda d: d["permissions"]["company"].update(admin="readonly"),
        "$.permissions.company.admin",
        "use admin, or leave the key out",
    ),
    (
        "no notes",
        lambda d: d["post_installation_instruction"].pop("notes"),
        "$.post_installation_instruction.notes",
        "required for a data connection app",
    ),
    (
        "blank notes",
        lambda d: d["post_installation_instruction"].update(notes="  "),
        "$.post_installation_instruction.notes",
        "tell admins what to do",
    ),
    (
        "no instructions at all",
        lambda d: d.pop("post_installation_instruction"),
        "$.post_installation_instruction.notes",
        "required",
    ),
    (
        "http instructions",
        lambda d: d["post_installation_instruction"]["page"].update(url="http://example.com/"),
        "$.post_installation_instruction.page.url",
        "use https://",
    ),
    (
        "instructions URL without a page name",
        lambda d: d["post_installation_instruction"]["page"].pop("label"),
        "$.post_installation_instruction.page.label",
        "Instructions Page Name is required",
    ),
    (
        "page name without a URL",
        lambda d: d["post_installation_instruction"]["page"].pop("url"),
        "$.post_installation_instruction.page.url",
        "add the URL or remove the label",
    ),
    (
        "undeclared variable",
        lambda d: d["fullscreen"].update(source_url="https://x.example.com/{{acount}}"),
        "$.fullscreen.source_url",
        "add it to $.fullscreen.user_configuration.schema.properties",
    ),
    (
        "unclosed variable",
        lambda d: d["fullscreen"].update(source_url="https://x.example.com/{{account"),
        "$.fullscreen.source_url",
        "never closed",
    ),
    (
        "required field not described",
        lambda d: d["fullscreen"]["user_configuration"]["schema"]["required"].append("region"),
        "$.fullscreen.user_configuration.schema.required[1]",
        "add it to $.fullscreen.user_configuration.schema.properties",
    ),
    (
        "configuration without a schema",
        lambda d: d["fullscreen"].update(user_configuration={"fields": {}}),
        "$.fullscreen.user_configuration.schema",
        "expected an object",
    ),
    (
        "unsupported schema version",
        lambda d: d.update(schema_version="5"),
        "$.schema_version",
        'write "schema_version": "4.1"',
    ),
    (
        "number where text belongs",
        lambda d: d.update(version=1),
        "$.version",
        "expected text in quotes, got a number",
    ),
    (
        "text where an object belongs",
        lambda d: d.update(permissions="all"),
        "$.permissions",
        "expected an object",
    ),
    (
        "text where an array belongs",
        lambda d: d["data_connector"].update(components="user_level_auth"),
        "$.data_connector.components",
        "expected an array",
    ),
    (
        "source_url missing",
        lambda d: d["fullscreen"].pop("source_url"),
        "$.fullscreen.source_url",
        "required but missing",
    ),
]


@pytest.mark.parametrize(
    ("change", "path", "words"),
    [pytest.param(c, p, w, id=name) for name, c, p, w in ERRORS],
)
def test_each_error_names_its_path_and_a_fix(
    change: Callable[[dict[str, Any]], None], path: str, words: str
) -> None:
    with pytest.raises(ManifestError) as caught:
        Manifest.from_dict(edit(change))

    errors = [p for p in caught.value.problems if p.is_error]
    assert path in [p.path for p in errors]
    message = next(p.message for p in errors if p.path == path)
    assert words in message
    assert path in str(caught.value)


WARNINGS = [
    ("no version", lambda d: d.pop("version"), "$.version", 'add "version": "0.1.0"'),
    (
        "unknown tool",
        lambda d: d["permissions"]["project"].update(rfis="readonly"),
        "$.permissions.project.rfis",
        "kept as is; did you mean 'rfi'?",
    ),
    (
        "admin on company directory",
        lambda d: d["permissions"]["company"].update(directory="admin"),
        "$.permissions.company.directory",
        "Procore's DMSA guidance says to avoid it",
    ),
    (
        "service account without permissions",
        lambda d: d.pop("permissions"),
        "$.permissions",
        "sandbox.required_permissions()",
    ),
    (
        "unknown top-level key",
        lambda d: d.update(marketplace={"listing": 1}),
        "$.marketplace",
        "kept as is",
    ),
    (
        "misspelt nested key",
        lambda d: d["post_installation_instruction"].update(note="x"),
        "$.post_installation_instruction.note",
        "did you mean 'notes'?",
    ),
    (
        "side panel without views",
        lambda d: d.update(sidepanel={"source_url": "https://x.example.com/"}),
        "$.sidepanel.views",
        "add view keys",
    ),
    (
        "views on a fullscreen component",
        lambda d: d["fullscreen"].update(views=["project.home"]),
        "$.fullscreen.views",
        "side panel only",
    ),
    (
        "http embedded page",
        lambda d: d["fullscreen"].update(source_url="http://x.example.com/{{account}}"),
        "$.fullscreen.source_url",
        "use https://",
    ),
]


@pytest.mark.parametrize(
    ("change", "path", "words"),
    [pytest.param(c, p, w, id=name) for name, c, p, w in WARNINGS],
)
def test_each_warning_keeps_the_manifest_and_names_its_path(
    change: Callable[[dict[str, Any]], None], path: str, words: str
) -> None:
    manifest = Manifest.from_dict(edit(change))

    assert [p.path for p in manifest.problems] == [path]
    assert manifest.problems[0].severity == "warning"
    assert words in manifest.problems[0].message


def test_unknown_tool_and_unknown_keys_are_kept_through_a_round_trip() -> None:
    data = edit(lambda d: d["permissions"]["project"].update(punchlist="standard"))
    data["marketplace"] = {"listing": [1, {"deep": None}]}
    data["fullscreen"]["future_option"] = True

    written = json.loads(Manifest.from_dict(data).to_json())

    assert written["permissions"]["project"]["punchlist"] == "standard"
    assert written["marketplace"] == {"listing": [1, {"deep": None}]}
    assert written["fullscreen"]["future_option"] is True


def test_built_in_and_declared_variables_pass() -> None:
    url = "https://{{account}}.example.com/{{procore.company.id}}/{{ procore.project.name }}"
    manifest = Manifest.from_dict(edit(lambda d: d["fullscreen"].update(source_url=url)))
    assert manifest.problems == ()


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("{", "not valid JSON"),
        ('{"a": NaN}', "NaN is not valid JSON"),
        (
            '{"version": "0.1.0", "version": "0.2.0"}',
            'a key appears twice in one object ("version")',
        ),
        (b"\xff\xfe{}", "not UTF-8"),
        ("[" * 100_000, "not valid JSON"),
        ("[]", "expected a JSON object"),
    ],
)
def test_text_that_is_not_one_strict_json_object_is_refused(text: str | bytes, words: str) -> None:
    with pytest.raises(ManifestError) as caught:
        Manifest.from_json(text)
    assert caught.value.problems[0].path == "$"
    assert words in caught.value.problems[0].message


def test_problem_text_is_path_then_message() -> None:
    problem = Problem("$.permissions.project.rfi", "use readonly")
    assert str(problem) == "$.permissions.project.rfi: use readonly"
    assert problem.severity == "error"


def test_keys_that_are_not_identifiers_are_quoted_in_paths() -> None:
    data = edit(lambda d: d["permissions"]["project"].update({"my tool": "write"}))
    with pytest.raises(ManifestError) as caught:
        Manifest.from_dict(data)
    assert [p.path for p in caught.value.problems] == ['$.permissions.project["my tool"]']


def test_round_trip_is_equal_and_output_deterministic() -> None:
    one = Manifest.from_dict(valid())
    reordered = valid()
    reordered["permissions"]["project"] = {"submittals": "readonly", "rfi": "standard"}
    reordered["permissions"]["company"] = {"home": "readonly", "directory": "readonly"}
    two = Manifest.from_dict(reordered)
    again = valid()
    again["permissions"] = {
        "project": {"rfi": "standard", "submittals": "readonly"},
        "company": {"directory": "readonly", "home": "readonly"},
    }

    assert Manifest.from_json(one.to_json()) == one
    assert Manifest.from_json(one.to_json(indent=None)) == one
    assert two.to_json() == Manifest.from_dict(again).to_json()
    assert list(json.loads(one.to_json())) == [
        "schema_version",
        "version",
        "data_connector",
        "permissions",
        "post_installation_instruction",
        "fullscreen",
    ]


def test_manifest_is_immutable() -> None:
    manifest = Manifest.from_dict(edit(lambda d: d.update(marketplace={"a": [1]})))
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        manifest.version = "9.9.9"  # type: ignore[misc]
    with pytest.raises(TypeError):
        manifest.extra["marketplace"]["a"] = 2  # type: ignore[index]
    with pytest.raises(TypeError):
        manifest.permissions.project["rfi"] = PermissionLevel.ADMIN  # type: ignore[index, union-attr]


def test_hand_built_manifest_with_wrong_types_is_a_manifest_error() -> None:
    with pytest.raises(ManifestError) as caught:
        Manifest(version="0.1.0", data_connector="user_level_auth")  # type: ignore[arg-type]
    assert caught.value.problems[0].path == "$.data_connector"
    with pytest.raises(ManifestError):
        Manifest(version="0.1.0", data_connector=DataConnector(("user_level_auth",)))


class TestBump:
    def manifest(self, version: str = "0.1.3") -> Manifest:
        return Manifest.from_dict(edit(lambda d: d.update(version=version)))

    @pytest.mark.parametrize(
        ("part", "expected"),
        [("patch", "0.1.4"), ("minor", "0.2.0"), ("major", "1.0.0"), ("0.10.0", "0.10.0")],
    )
    def test_bump_moves_forward(self, part: str, expected: str) -> None:
        bumped = self.manifest().bump(part)
        assert bumped.version == expected
        assert attrs.evolve(bumped, version="0.1.3") == self.manifest()

    @pytest.mark.parametrize("part", ["0.1.3", "0.1.2", "0.0.9"])
    def test_bump_never_moves_back_or_stays(self, part: str) -> None:
        with pytest.raises(ManifestError, match="versions only move forward"):
            self.manifest().bump(part)

    def test_bump_rejects_unknown_parts(self) -> None:
        with pytest.raises(ManifestError, match="use major, minor, patch"):
            self.manifest().bump("build")

    def test_bump_needs_a_version(self) -> None:
        manifest = Manifest.from_dict(edit(lambda d: d.pop("version")))
        with pytest.raises(ManifestError) as caught:
            manifest.bump("patch")
        assert caught.value.problems[0].path == "$.version"


class TestBuilder:
    def base(self) -> ManifestBuilder:
        return ManifestBuilder(version="0.1.0").instructions(
            url="https://example.com/setup", page_name="Setup guide", notes="Sign up first."
        )

    def test_contract_example_builds(self) -> None:
        manifest = (
            self.base()
            .user_level_auth()
            .service_account(
                company={"directory": "readonly"},
                project={"rfi": "standard", "documents": PermissionLevel.READONLY},
            )
            .fullscreen(
                source_url="https://app.example.com/{{procore.project.id}}", description="..."
            )
            .build()
        )
        assert manifest.to_dict()["permissions"] == {
            "company": {"directory": "readonly"},
            "project": {"documents": "readonly", "rfi": "standard"},
        }
        assert manifest.problems == ()

    def test_methods_return_copies(self) -> None:
        base = self.base()
        with_user = base.user_level_auth()
        with_service = with_user.service_account(project={"rfi": "readonly"})

        assert base.to_dict()["data_connector"] == {"components": []}
        assert with_user.build().components == ("user_level_auth",)
        assert with_service.build().components == ("user_level_auth", "service_account_auth")
        assert with_user.build().permissions is None

    def test_service_account_adds_the_portal_pair(self) -> None:
        manifest = self.base().service_account(project={"rfi": "readonly"}).build()
        assert manifest.components == ("user_level_auth", "service_account_auth")

    def test_permission_sets_and_removes_one_tool(self) -> None:
        builder = self.base().service_account(project={"rfi": "readonly"})
        manifest = (
            builder.permission("project", "submittals", "standard")
            .permission("project", "rfi", None)
            .build()
        )
        assert manifest.to_dict()["permissions"] == {"project": {"submittals": "standard"}}

    def test_bad_arguments_are_manifest_errors_with_paths(self) -> None:
        builder = self.base().service_account(
            company=["directory"],  # type: ignore[arg-type]
            project={"rfi": "write", "submittals": object()},  # type: ignore[dict-item]
        )
        with pytest.raises(ManifestError) as caught:
            builder.build()
        paths = {p.path for p in caught.value.problems}
        assert "$.permissions.project.submittals" in paths

    def test_builder_needs_a_component(self) -> None:
        with pytest.raises(ManifestError) as caught:
            self.base().build()
        assert [p.path for p in caught.value.problems] == ["$.data_connector.components"]

    def test_from_manifest_edits_a_copy(self) -> None:
        old = self.base().service_account(project={"rfi": "readonly"}).build()
        new = ManifestBuilder.from_manifest(old.bump("minor")).permission(
            "project", "rfi", "standard"
        )
        assert new.build().permissions.project["rfi"] is PermissionLevel.STANDARD  # type: ignore[union-attr]
        assert old.permissions.project["rfi"] is PermissionLevel.READONLY  # type: ignore[union-attr]

    def test_sidepanel(self) -> None:
        manifest = (
            self.base()
            .user_level_auth()
            .sidepanel("https://x.example.com/{{procore.project.id}}", views=["project.home"])
            .build()
        )
        assert manifest.sidepanel is not None
        assert manifest.sidepanel.views == ("project.home",)


def test_item_9_portfolio_key_loads_with_a_warning_naming_home() -> None:
    """Issue #11 item 9: Procore's Permissions Builder exports Portfolio as ``home``."""
    data = valid()
    data["permissions"]["company"] = {"portfolio": "readonly"}
    loaded = Manifest.from_dict(data)
    (warning,) = [p for p in loaded.problems if "portfolio" in p.path]
    assert not warning.is_error
    assert "rename the key to home" in warning.message
    data["permissions"]["company"] = {"home": "readonly"}
    assert not [p for p in Manifest.from_dict(data).problems if "home" in p.path]
