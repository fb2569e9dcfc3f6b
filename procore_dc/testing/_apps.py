"""What the sandbox's Developer Portal holds: apps, their installations, and issued tokens."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Optional

import attrs

from procore_dc.operation_permissions import company_tools, project_tools
from procore_dc.permissions import PermissionLevel

__all__ = [
    "ALL",
    "OOB_REDIRECT_URI",
    "PermittedProjects",
    "SandboxApp",
    "TokenRecord",
    "checked_permissions",
]

OOB_REDIRECT_URI = "urn:ietf:wg:oauth:2.0:oob"


class _AllProjects:
    """Every project of the company, future ones included (``FakeProcore.install(..., ALL)``)."""

    def __repr__(self) -> str:
        return "ALL"


#: ``install(app, company_id, permitted_projects=ALL)``: every project, including projects
#: created later. Procore itself never does this ("Future projects requiring DMSA access must
#: also be manually added", DOC plan_your_app/developer_managed_service_accounts.md).
ALL = _AllProjects()


@attrs.frozen
class PermittedProjects:
    """The projects of one installation a DMSA may act in: an explicit list.

    ``below`` covers the projects that existed when the app was installed (project ids grow
    per company, so those are the company's ids below it) without listing them one by one;
    ``ids`` holds the projects named at install or added with ``FakeProcore.permit``.
    """

    below: int = 0
    ids: frozenset[int] = frozenset()

    def __contains__(self, project_id: object) -> bool:
        return isinstance(project_id, int) and (project_id < self.below or project_id in self.ids)

    def adding(self, project_id: int) -> PermittedProjects:
        return attrs.evolve(self, ids=self.ids | {project_id})


@attrs.define(eq=False)
class SandboxApp:
    """An app registered in the sandbox's Developer Portal.

    :ivar client_id: the OAuth client id
    :ivar client_secret: the OAuth client secret (hidden from ``repr``)
    :ivar name: the app's name
    :ivar redirect_uris: the registered redirect URIs, matched exactly
    :ivar permissions: ``{"company": {tool: level}, "project": {tool: level}}``, the manifest
        permissions a service account (DMSA) acts within
    :ivar installations: company id -> the permitted projects (``None``: every project,
        future ones included)
    """

    client_id: str
    client_secret: str = attrs.field(repr=False)
    name: str
    redirect_uris: tuple[str, ...]
    permissions: dict[str, dict[str, str]]
    installations: dict[int, Optional[PermittedProjects]] = attrs.field(factory=dict)


@attrs.define(eq=False)
class TokenRecord:
    """One issued access token (and its refresh token, for user tokens)."""

    access_token: str = attrs.field(repr=False)
    app: SandboxApp
    kind: str  # "dmsa" (client credentials) or "user" (authorization code)
    user_id: Optional[int]
    created_at: float
    expires_at: float
    refresh_token: Optional[str] = attrs.field(default=None, repr=False)
    revoked: bool = False
    refresh_used: bool = False
    code: Optional[str] = attrs.field(default=None, repr=False)

    @property
    def holder(self) -> tuple[str, int]:
        """Who the rate limits count against: the app (DMSA) or the user."""
        if self.kind == "dmsa" or self.user_id is None:
            return ("app", id(self.app))
        return ("user", self.user_id)


def checked_permissions(
    permissions: Mapping[str, Mapping[str, str]],
) -> dict[str, dict[str, str]]:
    """A manifest permission block with every scope, tool and level checked against the
    catalogue, levels normalised.

    :raises ValueError: for an unknown scope, tool or level
    """
    checked: dict[str, dict[str, str]] = {"company": {}, "project": {}}
    for scope, tools in permissions.items():
        catalogue = {"company": company_tools(), "project": project_tools()}.get(scope)
        if catalogue is None:
            raise ValueError(f"unknown permission scope {scope!r}; use company or project")
        for tool, level in tools.items():
            if tool not in catalogue:
                fix = "; the Portfolio tool's key is 'home'" if tool == "portfolio" else ""
                raise ValueError(f"unknown {scope} tool {tool!r}{fix}")
            try:
                checked[scope][tool] = PermissionLevel(str(level)).value
            except ValueError:
                raise ValueError(
                    f"unknown level {level!r} for {scope} tool {tool!r}; "
                    "use readonly, standard or admin"
                ) from None
    return checked
