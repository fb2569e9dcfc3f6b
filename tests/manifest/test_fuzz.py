"""Any input gives a Manifest or a ManifestError with paths; nothing else escapes."""

from __future__ import annotations

import copy
import json
import warnings
from typing import Any, Union

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from manifest_examples import V3, V41, valid

from procore_dc.manifest import Manifest, ManifestError, Problem

KEYS = [
    "schema_version",
    "version",
    "data_connector",
    "components",
    "permissions",
    "company",
    "project",
    "post_installation_instruction",
    "notes",
    "page",
    "url",
    "label",
    "fullscreen",
    "sidepanel",
    "source_url",
    "views",
    "user_configuration",
    "schema",
    "properties",
    "required",
    "oauth",
    "iframe",
    "instances",
    "grant_type",
    "type",
    "iframe_src",
    "configuration",
    "app_manifest",
]
# Values that get past the type checks and into the rules.
INTERESTING = [
    "4.1",
    "3",
    "0.1.0",
    "01.0.0",
    "readonly",
    "standard",
    "admin",
    "none",
    "user_level_auth",
    "service_account_auth",
    "client_credentials",
    "authorization_code",
    "fullscreen",
    "sidepanel",
    "https://x.example.com/{{procore.project.id}}",
    "https://x.example.com/{{nope}}",
    "https://[",
    "{{",
    "",
]

leaves = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text(max_size=8)
    | st.sampled_from(INTERESTING)
)
json_values = st.recursive(
    leaves,
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=4), inner, max_size=4)
    ),
    max_leaves=6,
)


def bases() -> list[dict[str, Any]]:
    return [valid(), json.loads(V41), json.loads(V3)]


def _slots(node: Any, found: list[tuple[Any, Any]]) -> list[tuple[Any, Any]]:
    """Every (container, key-or-index) in a JSON tree."""
    if isinstance(node, dict):
        for key, value in node.items():
            found.append((node, key))
            _slots(value, found)
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found.append((node, index))
            _slots(value, found)
    return found


@st.composite
def mutated_manifests(draw: st.DrawFn) -> str:
    document = copy.deepcopy(draw(st.sampled_from(bases())))
    for _ in range(draw(st.integers(1, 2))):
        slots = _slots(document, [])
        if not slots:
            break
        container, key = draw(st.sampled_from(slots))
        operation = draw(st.sampled_from(["replace", "delete", "insert"]))
        if operation == "replace":
            container[key] = draw(json_values)
        elif operation == "delete":
            del container[key]
        elif isinstance(container, dict):
            container[draw(st.sampled_from(KEYS) | st.text(max_size=4))] = draw(json_values)
        else:
            container.append(draw(json_values))
    return json.dumps(document)


inputs = st.one_of(
    mutated_manifests(),
    json_values.map(json.dumps),
    st.dictionaries(st.sampled_from(KEYS), json_values, max_size=6).map(json.dumps),
    st.text(max_size=30),
    st.binary(max_size=30),
    mutated_manifests().map(lambda text: text.encode("utf-8")[:-3]),
)


def check(text: Union[str, bytes]) -> None:
    outcome = _outcome(text)
    if isinstance(outcome, ManifestError):
        problems = outcome.problems
        assert problems, "a ManifestError must list its problems"
        assert all(isinstance(p, Problem) and p.path.startswith("$") for p in problems)
        assert any(p.is_error for p in problems)
        assert not any("internal error" in p.message for p in problems), outcome
        return
    assert isinstance(outcome, Manifest)
    assert all(not p.is_error for p in outcome.problems)
    assert Manifest.from_json(outcome.to_json()) == outcome


@settings(
    max_examples=2000,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
@given(inputs)
def test_any_input_gives_a_manifest_or_a_manifest_error(text: Union[str, bytes]) -> None:
    check(text)


def test_mutations_reach_both_outcomes() -> None:
    # Guard against a fuzz test that only ever sees one kind of input.
    outcomes = set()
    for document in bases():
        outcomes.add(type(_outcome(json.dumps(document))))
        document["permissions"] = {"project": {"rfi": "write"}}
        outcomes.add(type(_outcome(json.dumps(document))))
    assert outcomes == {Manifest, ManifestError}


def _outcome(text: Union[str, bytes]) -> Union[Manifest, ManifestError]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return Manifest.from_json(text)
        except ManifestError as exc:
            return exc
