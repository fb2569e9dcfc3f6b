"""Which tool, at which level, each of Procore's 2,636 operations needs: pure data and functions.

Procore files every operation of its REST API under a tag such as ``"Construction
Financials/Budget/Budget Line Items"``; the second part names the *tool group*, and the tool
group names the Permissions Builder tool (:data:`TOOL_GROUPS`). Whether the company or the
project tool applies follows from the path: an operation that names a project (a
``{project_id}`` path segment, ``/projects/{id}/...``, or a required ``project_id`` query
parameter or body field) needs the project tool; the others need the company tool. Reads
(``GET``, and the ``POST`` searches whose summary says they fetch) need read-only, other writes
standard, and everything in the Admin tool needs admin (it offers no other level).

The tools Procore's catalogue needs beyond :mod:`procore_dc.permissions` are added here
(:data:`EXTRA_COMPANY_TOOLS`, :data:`EXTRA_PROJECT_TOOLS`); :func:`company_tools` and
:func:`project_tools` give the union. The sandbox enforces this table and records it in its
request log; the SDK reads the same table. The catalogue is loaded on first use.

.. code-block:: python

    >>> from procore_dc.operation_permissions import requirement_for
    >>> need = requirement_for("GET", "/rest/v1.0/budget_line_items/{id}")
    >>> (need.scope.value, need.tool, need.level.value)
    ('project', 'budgeting', 'readonly')
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any, Optional

from procore_dc.permissions import (
    COMPANY_TOOLS,
    PROJECT_TOOLS,
    PermissionLevel,
    Requirement,
    Scope,
    Tool,
)

__all__ = [
    "EXTRA_COMPANY_TOOLS",
    "EXTRA_PROJECT_TOOLS",
    "OVERRIDES",
    "TOOL_GROUPS",
    "company_tools",
    "operation_requirements",
    "permission_block",
    "names_project",
    "project_tools",
    "requirement_for",
    "requirement_of",
    "tool_group",
]

_ADMIN_ONLY = (PermissionLevel.ADMIN,)


def _tools(scope: Scope, rows: list[tuple[str, str]]) -> Mapping[str, Tool]:
    return {key: Tool(key, label, scope) for key, label in rows}


#: Company tools Procore's catalogue needs that :mod:`procore_dc.permissions` does not list.
EXTRA_COMPANY_TOOLS: Mapping[str, Tool] = _tools(
    Scope.COMPANY,
    [
        ("action_plans", "Action Plans"),
        ("bid_board", "Bid Board"),
        ("estimating", "Estimating"),
        ("incidents", "Incidents"),
        ("observations", "Observations"),
        ("payments", "Payments"),
        ("reports", "Reports"),
        ("resource_planning", "Resource Planning"),
    ],
)

#: Project tools Procore's catalogue needs that :mod:`procore_dc.permissions` does not list.
EXTRA_PROJECT_TOOLS: Mapping[str, Tool] = {
    **_tools(
        Scope.PROJECT,
        [
            ("action_plans", "Action Plans"),
            ("bidding", "Bidding"),
            ("direct_costs", "Direct Costs"),
            ("equipment", "Equipment"),
            ("estimating", "Estimating"),
            ("home", "Project Home"),
            ("invoicing", "Invoicing"),
            ("models", "Models"),
            ("reports", "Reports"),
            ("resource_planning", "Resource Planning"),
        ],
    ),
    # The project Admin tool, like the company one, offers only None or Admin.
    "admin": Tool("admin", "Admin", Scope.PROJECT, _ADMIN_ONLY),
}

#: Tool group (the second part of an operation's tag) -> (project tool, company tool).
#: ``None`` means the group needs no tool (OAuth itself). A company-level operation of a
#: project-only tool is configured in the company Admin tool.
TOOL_GROUPS: Mapping[str, tuple[Optional[str], Optional[str]]] = {
    "Company Admin/Company Settings": ("admin", "admin"),
    "Company Admin/Custom - Configurable Tools": ("admin", "admin"),
    "Company Admin/Project-Level Configuration": ("admin", "admin"),
    "Company Admin/Users & Permissions": ("admin", "permissions"),
    "Construction Financials/Budget": ("budgeting", "admin"),
    "Construction Financials/Change Events": ("change_events", "admin"),
    "Construction Financials/Change Orders": ("change_orders", "admin"),
    "Construction Financials/Commitments": ("commitments", "admin"),
    "Construction Financials/Contracts": ("commitments", "admin"),
    "Construction Financials/Currency Configurations": ("admin", "admin"),
    "Construction Financials/Direct Costs": ("direct_costs", "admin"),
    "Construction Financials/Invoices": ("invoicing", "admin"),
    "Construction Financials/Payments": ("invoicing", "payments"),
    "Construction Financials/Prime Contracts": ("prime_contracts", "admin"),
    "Construction Financials/Tax": ("admin", "admin"),
    "Construction Financials/Units of Measure": ("admin", "admin"),
    "Construction Financials/Work Breakdown Structure": ("admin", "admin"),
    "Core/Directory": ("directory", "directory"),
    "Core/Documents": ("documents", "documents"),
    "Core/Equipment": ("equipment", "equipment"),
    "Core/File Access & Storage": ("documents", "documents"),
    "Core/Portfolio": ("home", "home"),
    "Core/Project": ("home", "home"),
    "Core/Tasks": ("tasks", "admin"),
    "Core/Telematics": ("equipment", "equipment"),
    "Core/Workflows": ("admin", "admin"),
    "Platform - Developer Tools/App Marketplace": ("admin", "app_management"),
    "Platform - Developer Tools/Authentication": (None, None),
    "Platform - Developer Tools/Platform Services": (None, None),
    "Platform - Developer Tools/Webhooks": ("webhooks_api", "webhooks_api"),
    "Preconstruction/BIM": ("models", "admin"),
    "Preconstruction/Bid Board": ("bidding", "bid_board"),
    "Preconstruction/Bid Management": ("bidding", "bid_board"),
    "Preconstruction/Cost Catalog": ("estimating", "cost_catalog"),
    "Preconstruction/Estimating": ("estimating", "estimating"),
    "Procore Helix/Reports": ("reports", "reports"),
    "Project Management/Action Plans": ("action_plans", "action_plans"),
    "Project Management/Coordination Issues": ("coordination_issues", "admin"),
    "Project Management/Daily Log": ("daily_log", "admin"),
    "Project Management/Document Markup": ("drawings", "documents"),
    "Project Management/Drawings": ("drawings", "admin"),
    "Project Management/Emails": ("emails", "admin"),
    "Project Management/Field Productivity": ("timesheets", "timesheets"),
    "Project Management/Forms": ("forms", "admin"),
    "Project Management/Incidents": ("incidents", "incidents"),
    "Project Management/Inspections": ("inspections", "inspections"),
    "Project Management/Meetings": ("meetings", "admin"),
    "Project Management/Observations": ("observations", "observations"),
    "Project Management/Photos": ("photos", "admin"),
    "Project Management/Punch List": ("punch_list", "admin"),
    "Project Management/RFI": ("rfi", "admin"),
    "Project Management/Schedule (Legacy)": ("schedule", "schedule"),
    "Project Management/Scheduling": ("schedule", "schedule"),
    "Project Management/Specifications": ("specifications", "admin"),
    "Project Management/Submittals": ("submittals", "admin"),
    "Resource Management/Resource Planning": ("resource_planning", "resource_planning"),
}

#: Operations whose tool differs from their group's: ``None`` needs no tool (who am I, where
#: am I installed, which webhook API versions exist); a pair is (scope, tool). The list of
#: webhook resources is scoped like the hooks (company or project) and stays the webhooks tool's.
OVERRIDES: Mapping[str, Optional[tuple[Scope, str]]] = {
    "GET /rest/v1.0/companies": None,
    "GET /rest/v1.0/webhooks/resources/api_versions": None,
    # Listing a company's projects is the company Home (Portfolio) tool's, as the other
    # project-list endpoints are.
    "GET /rest/v1.0/companies/{company_id}/projects": (Scope.COMPANY, "home"),
}

# POST operations that only fetch (Procore offers some searches as POST): read-only.
_READ_VERBS = ("get ", "list ", "search ", "fetch ", "show ", "retrieve ", "query ")


@functools.cache
def company_tools() -> Mapping[str, Tool]:
    """Every company tool: ``procore_dc.permissions.COMPANY_TOOLS`` plus the extras."""
    return {**COMPANY_TOOLS, **EXTRA_COMPANY_TOOLS}


@functools.cache
def project_tools() -> Mapping[str, Tool]:
    """Every project tool: ``procore_dc.permissions.PROJECT_TOOLS`` plus the extras."""
    return {**PROJECT_TOOLS, **EXTRA_PROJECT_TOOLS}


def tool_group(tag: str) -> str:
    """The tool group of a catalogue tag: its first two parts.

    .. code-block:: python

        >>> tool_group("Construction Financials/Budget/Budget Line Items")
        'Construction Financials/Budget'
    """
    return "/".join(tag.split("/")[:2])


def names_project(operation: Mapping[str, Any]) -> bool:
    """Whether a catalogue operation acts inside one project (so needs the project tool)."""
    path = str(operation["path"])
    if "{project_id}" in path or "/projects/{" in path:
        return True
    required = {p["name"] for p in operation.get("params") or () if p.get("required")}
    if "project_id" in required:
        # ``company_id`` and ``project_id`` both "required" means either one (webhooks): the
        # company form is the general one.
        return "company_id" not in required
    body = operation.get("body") or {}
    return "project_id" in (body.get("required_fields") or ())


def _level(operation: Mapping[str, Any], tool: Tool) -> PermissionLevel:
    if tool.levels == _ADMIN_ONLY:
        return PermissionLevel.ADMIN
    method = str(operation["method"]).upper()
    summary = str(operation.get("summary") or "").lower()
    if method == "GET" or (method == "POST" and summary.startswith(_READ_VERBS)):
        return PermissionLevel.READONLY
    return PermissionLevel.STANDARD


def requirement_of(operation: Mapping[str, Any]) -> Optional[Requirement]:
    """The requirement of one catalogue operation (a mapping with method, path, tag, params).

    ``None`` for OAuth's own endpoints, which need no tool.

    :raises ValueError: for a tag whose tool group the table does not know
    """
    key = f"{operation['method']} {operation['path']}"
    if key in OVERRIDES:
        override = OVERRIDES[key]
        if override is None:
            return None
        scope, tool = override
        tools = company_tools() if scope is Scope.COMPANY else project_tools()
        return Requirement(scope, tool, _level(operation, tools[tool]))
    group = tool_group(str(operation["tag"]))
    if group not in TOOL_GROUPS:
        raise ValueError(f"no tool is known for Procore's tool group {group!r}")
    project_tool, company_tool = TOOL_GROUPS[group]
    if names_project(operation):
        scope, tool_key, tools = Scope.PROJECT, project_tool, project_tools()
    else:
        scope, tool_key, tools = Scope.COMPANY, company_tool, company_tools()
    if tool_key is None:
        return None
    return Requirement(scope, tool_key, _level(operation, tools[tool_key]))


@functools.lru_cache(maxsize=1)
def operation_requirements() -> Mapping[str, Optional[Requirement]]:
    """``"METHOD path"`` -> :class:`~procore_dc.permissions.Requirement` for all 2,636 operations.

    Built from the shipped catalogue on first call, then cached.

    .. code-block:: python

        >>> table = operation_requirements()
        >>> len(table)
        2636
        >>> table["PATCH /rest/v1.0/projects/{project_id}/rfis/{id}"].level.value
        'standard'
    """
    from procore_dc._catalog import load_catalog

    return {
        f"{op['method']} {op['path']}": requirement_of(op) for op in load_catalog()["operations"]
    }


def requirement_for(method: str, path: str) -> Optional[Requirement]:
    """The requirement of the operation ``METHOD path`` (path as the catalogue spells it).

    :raises ValueError: when the catalogue has no such operation
    """
    key = f"{method.upper()} {path}"
    table = operation_requirements()
    if key not in table:
        raise ValueError(f"Procore's catalogue has no operation {key!r}")
    return table[key]


def permission_block(level: str = "standard") -> dict[str, dict[str, str]]:
    """A manifest permission block granting ``level`` on every tool (admin-only tools: admin).

    Handy for a sandbox app that may call any operation:

    .. code-block:: python

        >>> block = permission_block("readonly")
        >>> block["project"]["budgeting"], block["company"]["admin"]
        ('readonly', 'admin')
    """
    wanted = PermissionLevel(level)

    def grant(tool: Tool) -> str:
        return (wanted if wanted in tool.levels else tool.levels[-1]).value

    return {
        "company": {key: grant(tool) for key, tool in company_tools().items()},
        "project": {key: grant(tool) for key, tool in project_tools().items()},
    }
