"""Facade names: deterministic, complete (every operation once), and the stub up to date."""

from __future__ import annotations

import gzip
import re
from collections import Counter

import pytest

from procore_dc.operations import load_operations
from procore_dc.operations._facades import class_name, signature_of
from procore_dc.operations._generate import STUB, render_stub
from procore_dc.operations._naming import (
    CURATED,
    INDEX,
    OVERRIDES,
    facade_methods,
    render_index,
    shipped_methods,
)


def _where(dotted: str) -> tuple[str, ...]:
    found = [m.operations for m in facade_methods() if m.dotted == dotted]
    assert found, dotted
    return found[0]


def test_every_operation_is_reached_by_exactly_one_method_and_version() -> None:
    methods = facade_methods()
    reached = Counter(key for method in methods for key in method.operations)
    assert set(reached) == {op.key for op in load_operations()}
    assert set(reached.values()) == {1}
    for method in methods:
        assert len(method.versions()) == len(method.operations), method.dotted


def test_snapshot_of_the_naming() -> None:
    # A change here is a change of public names: update deliberately, with a CHANGELOG line.
    methods = facade_methods()
    assert len(methods) == 2480
    assert Counter(m.scope for m in methods) == {"project": 1689, "company": 744, "client": 47}
    assert len({(m.scope, m.chain) for m in methods}) == 945
    assert len({(m.scope, m.chain[:1]) for m in methods}) == 370
    order = [(("client", "company", "project").index(m.scope), m.chain, m.name) for m in methods]
    assert order == sorted(order)
    assert methods == facade_methods.__wrapped__()  # the same names on a second run


@pytest.mark.parametrize(
    ("dotted", "first_key"),
    [
        ("project.punch_items.list", "GET /rest/v1.0/punch_items"),
        ("project.punch_items.get", "GET /rest/v1.0/punch_items/{id}"),
        ("project.punch_items.create", "POST /rest/v1.0/punch_items"),
        ("project.punch_items.update", "PATCH /rest/v1.0/punch_items/{id}"),
        ("project.punch_items.delete", "DELETE /rest/v1.0/punch_items/{id}"),
        ("project.punch_items.send_all_unsent", "POST /rest/v1.0/punch_items/send_all_unsent"),
        ("client.vendors.sync", "PATCH /rest/v1.0/vendors/sync"),
        ("project.checklist.lists.list", "GET /rest/v1.0/projects/{project_id}/checklist/lists"),
        ("project.checklist.lists.list_flat", "GET /rest/v1.0/checklist/lists"),
        ("project.rfis.get_pdf", "GET /rest/v1.0/projects/{project_id}/rfis/{id}.pdf"),
        ("project.rfis.update_all", "PATCH /rest/v1.0/projects/{project_id}/rfis"),
        ("project.projects.delete_logo", "DELETE /rest/v1.0/projects/{id}/logo"),
        ("client.oauth.token.create", "POST /oauth/token"),
        ("project.punch_items.comments", "POST /rest/v1.0/punch_items/{id}/comments"),
        ("project.rfis.replies.list", "GET /rest/v1.0/projects/{project_id}/rfis/{rfi_id}/replies"),
    ],
)
def test_names_follow_the_path_rules(dotted: str, first_key: str) -> None:
    assert _where(dotted)[0] == first_key


def test_versions_of_one_path_are_one_method_newest_by_default() -> None:
    method = next(m for m in facade_methods() if m.dotted == "company.projects.list")
    assert method.versions() == {
        "v1.0": "GET /rest/v1.0/projects",
        "v1.1": "GET /rest/v1.1/projects",
    }
    assert method.default == "GET /rest/v1.1/projects"


def test_every_override_is_needed_and_lands_where_it_says() -> None:
    table = load_operations()
    for key, dotted in OVERRIDES.items():
        op = table.get(key)
        method = next(m for m in facade_methods() if key in m.operations)
        assert method.dotted == f"{op.scope}.{dotted}"


def test_names_are_python_names_and_classes_are_unique() -> None:
    methods = facade_methods()
    for method in methods:
        for part in (*method.chain, method.name):
            assert part.isidentifier(), method.dotted
            assert not part.startswith("_"), method.dotted
        assert method.chain[-1:] != ("permissions",)
    nodes = {(m.scope, m.chain[:depth]) for m in methods for depth in range(len(m.chain) + 1)}
    names = Counter(class_name(*node) for node in nodes)
    assert max(names.values()) == 1


def test_signatures_take_the_ids_the_scope_does_not_fill() -> None:
    by_name = {m.dotted: m for m in facade_methods()}
    assert signature_of(by_name["project.punch_items.get"]).positional == ("id",)
    assert signature_of(by_name["project.rfis.list"]).positional == ()
    nested = signature_of(by_name["project.rfis.replies.list"])
    assert nested.positional == ("rfi_id",)
    assert nested.pages
    listed = {k.name for k in signature_of(by_name["project.punch_items.list"]).keywords}
    assert {"filters", "per_page", "limit"} <= listed
    assert "project_id" not in listed


def test_the_checked_in_stub_and_index_are_fresh() -> None:
    regenerate = "run: python -m procore_dc.operations._generate"
    assert STUB.read_text(encoding="utf-8") == render_stub(), regenerate
    # Compared unzipped: gzip's header names the OS, which Python 3.13 writes differently.
    shipped = gzip.decompress(STUB.with_name(INDEX).read_bytes())
    assert shipped == gzip.decompress(render_index()), regenerate
    assert shipped_methods() == facade_methods()


def test_the_stub_leaves_curated_names_to_the_scopes() -> None:
    text = render_stub()
    for scope in ("client", "company", "project"):
        block = text.split(f"\nclass {scope.title()}Facades:")[1].split("\nclass ")[0]
        declared = set(re.findall(r"def (\w+)\(", block)) - {"ops"}
        assert declared, scope
        assert not declared & CURATED[scope], scope
