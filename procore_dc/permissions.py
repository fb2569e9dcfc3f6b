"""Procore tool permissions: the levels and the catalogue of company and project tools.

Pure data, shared by the resource clients (which declare what each verb needs), the manifest
builder (which validates permission blocks) and the fake sandbox (which enforces them).

Procore's Permissions Builder offers None, Read-Only, Standard and Admin per tool
(procore-api.md 4.1). "None" is written by leaving the key out. Tool keys seen in Procore's
own manifests are marked ``seen``; the others follow the same spelling for the builder's tool
labels and are our best reading of them (procore-api.md section 7, point 7).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from typing import Optional

import attrs

__all__ = [
    "COMPANY_TOOLS",
    "PROJECT_TOOLS",
    "PermissionLevel",
    "Requirement",
    "Scope",
    "Tool",
    "find_tool",
]


class PermissionLevel(str, enum.Enum):
    """A tool permission level, ordered ``READONLY < STANDARD < ADMIN``.

    .. code-block:: python

        >>> PermissionLevel("standard").covers(PermissionLevel.READONLY)
        True
    """

    READONLY = "readonly"
    STANDARD = "standard"
    ADMIN = "admin"

    @property
    def rank(self) -> int:
        """1, 2 or 3: compare levels with it."""
        return _RANKS[self]

    def covers(self, needed: PermissionLevel) -> bool:
        """Return whether holding this level allows what ``needed`` allows."""
        return self.rank >= PermissionLevel(needed).rank

    def __str__(self) -> str:
        return self.value


_RANKS = {PermissionLevel.READONLY: 1, PermissionLevel.STANDARD: 2, PermissionLevel.ADMIN: 3}


class Scope(str, enum.Enum):
    """Where a tool lives: the company level or the project level of the Permissions Builder."""

    COMPANY = "company"
    PROJECT = "project"

    def __str__(self) -> str:
        return self.value


_ALL = (PermissionLevel.READONLY, PermissionLevel.STANDARD, PermissionLevel.ADMIN)


@attrs.frozen
class Tool:
    """One Procore tool in the Permissions Builder.

    :ivar key: the JSON key in the manifest's ``permissions`` block
    :ivar label: the name Procore shows
    :ivar scope: company or project
    :ivar levels: the levels the builder offers for it (besides None)
    :ivar seen: whether the key appears in Procore's own published manifests
    """

    key: str
    label: str
    scope: Scope
    levels: tuple[PermissionLevel, ...] = _ALL
    seen: bool = False


@attrs.frozen
class Requirement:
    """What one call needs: a tool at a level, in the company or a project.

    .. code-block:: python

        RFI_READ = Requirement(Scope.PROJECT, "rfi", PermissionLevel.READONLY)
    """

    scope: Scope
    tool: str
    level: PermissionLevel


def _catalogue(scope: Scope, rows: list[tuple[str, str, bool]]) -> Mapping[str, Tool]:
    return {key: Tool(key, label, scope, seen=seen) for key, label, seen in rows}


COMPANY_TOOLS: Mapping[str, Tool] = {
    **_catalogue(
        Scope.COMPANY,
        [
            ("app_management", "App Management", False),
            ("calendar", "Calendar", False),
            ("checklists", "Checklists", False),
            ("concierge", "Concierge", False),
            ("cost_catalog", "Cost Catalog", False),
            ("directory", "Directory", False),
            ("documents", "Documents", True),
            ("equipment", "Equipment", False),
            # Procore's Permissions Builder labels it Portfolio and exports it as "home"
            # (IMG dmsa-perms-builder.png and dmsa-injected-perms.png; the tool lives at
            # /company/home/list). There is no "portfolio" key.
            ("home", "Portfolio", True),
            ("inspections", "Inspections", False),
            ("permissions", "Permissions", False),
            ("planroom", "Planroom", False),
            ("schedule", "Schedule", True),
            ("timecard", "Timecard", True),
            ("timesheets", "Timesheets", True),
            ("webhooks_api", "Webhooks API", False),
        ],
    ),
    # The company Admin tool offers only None or Admin in the builder.
    "admin": Tool("admin", "Admin", Scope.COMPANY, (PermissionLevel.ADMIN,)),
}

PROJECT_TOOLS: Mapping[str, Tool] = _catalogue(
    Scope.PROJECT,
    [
        ("budgeting", "Budget", True),
        ("change_events", "Change Events", False),
        ("change_orders", "Change Orders", False),
        ("commitments", "Commitments", True),
        ("coordination_issues", "Coordination Issues", True),
        ("daily_log", "Daily Log", True),
        ("directory", "Directory", True),
        ("documents", "Documents", False),
        ("drawings", "Drawings", False),
        ("emails", "Emails", False),
        ("forms", "Forms", False),
        ("incidents", "Incidents", False),
        ("inspections", "Inspections", False),
        ("meetings", "Meetings", False),
        ("observations", "Observations", False),
        ("photos", "Photos", False),
        ("prime_contracts", "Prime Contracts", False),
        ("punch_list", "Punch List", False),
        ("rfi", "RFIs", False),
        ("schedule", "Schedule", False),
        ("specifications", "Specifications", False),
        ("submittals", "Submittals", False),
        ("tasks", "Tasks", False),
        ("timesheets", "Timesheets", False),
        ("webhooks_api", "Webhooks API", False),
    ],
)


def find_tool(scope: Scope | str, key: str) -> Optional[Tool]:
    """Look up a tool by scope and key; ``None`` when the catalogue does not know it.

    .. code-block:: python

        >>> find_tool("project", "rfi").label
        'RFIs'
    """
    table = COMPANY_TOOLS if Scope(scope) is Scope.COMPANY else PROJECT_TOOLS
    return table.get(key)
