"""The operation -> (tool, level) table covers every catalogue operation with a known tool."""

from __future__ import annotations

import pytest

from procore_dc._catalog import load_catalog
from procore_dc.operation_permissions import (
    EXTRA_COMPANY_TOOLS,
    EXTRA_PROJECT_TOOLS,
    TOOL_GROUPS,
    company_tools,
    operation_requirements,
    permission_block,
    project_tools,
    requirement_for,
    requirement_of,
    tool_group,
)
from procore_dc.permissions import COMPANY_TOOLS, PROJECT_TOOLS, PermissionLevel, Scope


def test_every_operation_has_an_entry_and_every_tool_is_catalogued() -> None:
    table = operation_requirements()
    operations = load_catalog()["operations"]
    assert len(table) == len(operations) == 2636
    for key, need in table.items():
        if need is None:
            continue
        tools = company_tools() if need.scope is Scope.COMPANY else project_tools()
        assert need.tool in tools, key
        assert need.level in tools[need.tool].levels, key
    without = sorted(k for k, need in table.items() if need is None)
    assert "GET /rest/v1.0/me" in without
    assert "POST /oauth/token" in without
    assert len(without) < 12


def test_every_tag_group_is_in_the_table() -> None:
    groups = {tool_group(op["tag"]) for op in load_catalog()["operations"]}
    assert groups == set(TOOL_GROUPS)


def test_the_extras_do_not_shadow_the_catalogue() -> None:
    assert not set(EXTRA_COMPANY_TOOLS) & set(COMPANY_TOOLS)
    assert not set(EXTRA_PROJECT_TOOLS) & set(PROJECT_TOOLS)


@pytest.mark.parametrize(
    ("method", "path", "expected"),
    [
        ("GET", "/rest/v1.0/projects/{project_id}/rfis", ("project", "rfi", "readonly")),
        ("PATCH", "/rest/v1.0/projects/{project_id}/rfis/{id}", ("project", "rfi", "standard")),
        ("GET", "/rest/v1.0/budget_line_items/{id}", ("project", "budgeting", "readonly")),
        ("PATCH", "/rest/v1.0/budget_line_items/{id}", ("project", "budgeting", "standard")),
        (
            "GET",
            "/rest/v1.0/companies/{company_id}/currency_configuration",
            ("company", "admin", "admin"),
        ),
        ("GET", "/rest/v1.0/companies/{company_id}/projects", ("company", "home", "readonly")),
        ("GET", "/rest/v1.0/webhooks/hooks", ("company", "webhooks_api", "readonly")),
        ("POST", "/rest/v1.0/companies/{company_id}/users", ("company", "directory", "standard")),
    ],
)
def test_requirements_follow_tag_path_and_method(
    method: str, path: str, expected: tuple[str, str, str]
) -> None:
    need = requirement_for(method, path)
    assert need is not None
    assert (need.scope.value, need.tool, need.level.value) == expected


def test_posts_that_only_fetch_need_read_only() -> None:
    op = {
        "method": "POST",
        "path": "/rest/v1.0/companies/{company_id}/projects/{project_id}/layer_structure",
        "summary": "Get complete layer structure by context type and type ID",
        "tag": "Project Management/Document Markup/context",
        "params": [],
    }
    need = requirement_of(op)
    assert need is not None
    assert need.level is PermissionLevel.READONLY


def test_an_unknown_operation_or_group_is_named() -> None:
    with pytest.raises(ValueError, match="no operation 'GET /nowhere'"):
        requirement_for("get", "/nowhere")
    with pytest.raises(ValueError, match="tool group 'Made Up/Group'"):
        requirement_of({"method": "GET", "path": "/x", "tag": "Made Up/Group/x", "params": []})


def test_a_permission_block_grants_every_tool_within_its_levels() -> None:
    block = permission_block("standard")
    assert set(block["company"]) == set(company_tools())
    assert set(block["project"]) == set(project_tools())
    assert block["project"]["budgeting"] == "standard"
    assert block["company"]["admin"] == block["project"]["admin"] == "admin"
