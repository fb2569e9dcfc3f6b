"""ManifestBuilder: a fluent, immutable way to write a manifest in Python."""

from __future__ import annotations

import copy
import difflib
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Optional, Union

from procore_dc.manifest._model import Manifest
from procore_dc.manifest._problems import Problem, join_path, manifest_error
from procore_dc.manifest._schema import SCHEMA_VERSION, SERVICE_ACCOUNT_AUTH, USER_LEVEL_AUTH
from procore_dc.permissions import COMPANY_TOOLS, PROJECT_TOOLS, PermissionLevel, Scope

__all__ = ["ManifestBuilder"]

Level = Union[PermissionLevel, str]


def _plain(level: Any) -> Any:
    return level.value if isinstance(level, PermissionLevel) else level


def _levels(block: Any) -> Any:
    # Non-mappings pass through untouched, so build() reports them with their JSON path.
    if isinstance(block, Mapping):
        return {key: _plain(level) for key, level in block.items()}
    return block


def _closest(word: str, choices: Iterable[str]) -> str:
    names = sorted(choices)
    near = difflib.get_close_matches(word, names, n=3, cutoff=0.5)
    if near:
        return "did you mean " + " or ".join(repr(n) for n in near) + "?"
    return "valid: " + ", ".join(names)


def _checked_permission(scope: Union[Scope, str], tool: str, level: Optional[Level]) -> str:
    scopes = [s.value for s in Scope]
    key = scope.value if isinstance(scope, Scope) else scope
    if key not in scopes:
        raise manifest_error(
            [
                Problem(
                    "$.permissions",
                    f"unknown scope {key!r}: use company or project; {_closest(str(key), scopes)}",
                )
            ]
        )
    tools = COMPANY_TOOLS if key == Scope.COMPANY.value else PROJECT_TOOLS
    path = join_path(join_path("$.permissions", key), str(tool))
    if tool not in tools:
        raise manifest_error(
            [
                Problem(
                    path,
                    f"{tool!r} is not a {key} tool procore-dc knows; {_closest(str(tool), tools)}",
                )
            ]
        )
    if level is not None:
        levels = [lv.value for lv in PermissionLevel]
        if _plain(level) not in levels:
            raise manifest_error(
                [
                    Problem(
                        path, f"{level!r} is not a permission level; {_closest(str(level), levels)}"
                    )
                ]
            )
    return key


class ManifestBuilder:
    """Build a :class:`Manifest` step by step, in the order of the Developer Portal's form.

    Every method returns a new builder; the one you called it on is unchanged, so a base
    builder can be shared. :meth:`build` checks everything at once.

    :param version: the app version, ``X.Y.Z`` (default: ``"0.1.0"``, the first version the
        data connector guide suggests)

    .. code-block:: python

        manifest = (
            ManifestBuilder(version="0.1.0")
            .user_level_auth()
            .service_account(company={"directory": "readonly"},
                             project={"rfi": "standard", "documents": PermissionLevel.READONLY})
            .instructions(url="https://example.com/setup", page_name="Setup guide",
                          notes="Sign up at example.com, then pick your projects.")
            .fullscreen(source_url="https://app.example.com/{{procore.project.id}}")
            .build()
        )
    """

    __slots__ = ("_draft",)

    def __init__(self, version: Optional[str] = "0.1.0") -> None:
        draft: dict[str, Any] = {"schema_version": SCHEMA_VERSION}
        if version is not None:
            draft["version"] = version
        # Explicit and empty: build() says "add a component" instead of inferring one.
        draft["data_connector"] = {"components": []}
        self._draft = draft

    @classmethod
    def from_manifest(cls, manifest: Manifest) -> ManifestBuilder:
        """Start from an existing manifest, e.g. to write its next version.

        .. code-block:: python

            new = ManifestBuilder.from_manifest(old.bump("minor")).service_account(
                project={"rfi": "standard", "submittals": "readonly"}).build()
        """
        return cls._with_draft(manifest.to_dict())

    @classmethod
    def _with_draft(cls, draft: dict[str, Any]) -> ManifestBuilder:
        builder = cls.__new__(cls)
        builder._draft = draft
        return builder

    def _set(self, key: str, value: Any) -> ManifestBuilder:
        # Copy-on-write: the new builder gets its own dict; nested values are never mutated.
        return self._with_draft({**self._draft, key: value})

    def _add_components(self, *names: str) -> ManifestBuilder:
        connector = self._draft.get("data_connector")
        current = list(connector.get("components", [])) if isinstance(connector, dict) else []
        for name in names:
            if name not in current:
                current.append(name)
        order = {USER_LEVEL_AUTH: 0, SERVICE_ACCOUNT_AUTH: 1}
        current.sort(key=lambda name: order.get(name, len(order)))
        return self._set("data_connector", {**(connector or {}), "components": current})

    def with_version(self, version: str) -> ManifestBuilder:
        """Set the app version, ``X.Y.Z``."""
        return self._set("version", version)

    def user_level_auth(self) -> ManifestBuilder:
        """Add the **User Level Authentication** data connector component (Authorization Code)."""
        return self._add_components(USER_LEVEL_AUTH)

    def service_account(
        self,
        company: Optional[Mapping[str, Level]] = None,
        project: Optional[Mapping[str, Level]] = None,
    ) -> ManifestBuilder:
        """Add **Service Account Authentication and User Level Authentication**, with permissions.

        Like the portal's option of that name, this adds both components. The two mappings
        are the Permissions Builder's company and project tabs: tool key to level; a tool left
        out has no access. Calling it again replaces the permissions.

        :param company: company-level tools, e.g. ``{"directory": "readonly"}``
        :param project: project-level tools, e.g. ``{"rfi": PermissionLevel.STANDARD}``

        .. code-block:: python

            builder.service_account(**sandbox.required_permissions())
        """
        permissions: dict[str, Any] = {}
        if company is not None:
            permissions["company"] = _levels(company)
        if project is not None:
            permissions["project"] = _levels(project)
        return self._add_components(USER_LEVEL_AUTH, SERVICE_ACCOUNT_AUTH)._set(
            "permissions", permissions
        )

    def permission(
        self, scope: Union[Scope, str], tool: str, level: Optional[Level]
    ) -> ManifestBuilder:
        """Set one tool's level in the company or project tab; ``None`` removes it.

        Unlike loading JSON (which keeps unknown keys as warnings, for tools newer than
        procore-dc), a call here names a tool on purpose, so a typo raises at once.

        :raises ManifestError: for a scope other than company/project, a tool procore-dc does
            not know in that scope, or an unknown level; the message names the closest valid
            names

        .. code-block:: python

            builder.permission("project", "submittals", "readonly")
        """
        key = _checked_permission(scope, tool, level)
        permissions = self._draft.get("permissions")
        permissions = dict(permissions) if isinstance(permissions, Mapping) else {}
        block = permissions.get(key)
        block = dict(block) if isinstance(block, Mapping) else {}
        if level is None:
            block.pop(tool, None)
        else:
            block[tool] = _plain(level)
        permissions[key] = block
        return self._set("permissions", permissions)

    def instructions(
        self,
        *,
        notes: str,
        url: Optional[str] = None,
        page_name: Optional[str] = None,
    ) -> ManifestBuilder:
        """Set the setup instructions and post-installation notes.

        :param notes: **Post-Installation Notes**: what admins do after installing (required)
        :param url: **Instructions URL**, an https page with setup steps
        :param page_name: **Instructions Page Name**, the link text (required with ``url``)
        """
        instruction: dict[str, Any] = {"notes": notes}
        page = {
            key: value for key, value in (("url", url), ("label", page_name)) if value is not None
        }
        if page:
            instruction["page"] = page
        return self._set("post_installation_instruction", instruction)

    def fullscreen(
        self,
        source_url: str,
        *,
        description: Optional[str] = None,
        user_configuration: Optional[Mapping[str, Any]] = None,
    ) -> ManifestBuilder:
        """Add a fullscreen embedded component.

        :param source_url: the page to embed; ``{{procore.project.id}}`` and the other
            built-ins, or fields declared in ``user_configuration``, are filled in
        :param description: what admins see
        :param user_configuration: ``{"schema": {"type": "object", "properties": {...}}}``
        """
        return self._set("fullscreen", _embedded(source_url, description, user_configuration, None))

    def sidepanel(
        self,
        source_url: str,
        *,
        views: Sequence[str],
        description: Optional[str] = None,
        user_configuration: Optional[Mapping[str, Any]] = None,
    ) -> ManifestBuilder:
        """Add a side panel embedded component shown on ``views``.

        :param views: Procore view keys, e.g. ``["commitments.purchase_orders.detail"]``
        """
        return self._set("sidepanel", _embedded(source_url, description, user_configuration, views))

    def to_dict(self) -> dict[str, Any]:
        """Return a copy of the draft JSON, unchecked."""
        return copy.deepcopy(self._draft)

    def build(self) -> Manifest:
        """Check the draft and return the :class:`Manifest`.

        :raises ManifestError: listing every problem, each with its JSON path and a fix
        """
        return Manifest.from_dict(self._draft)

    def __repr__(self) -> str:
        return f"ManifestBuilder({self._draft!r})"


def _embedded(
    source_url: Any,
    description: Optional[str],
    user_configuration: Optional[Mapping[str, Any]],
    views: Optional[Sequence[str]],
) -> dict[str, Any]:
    component: dict[str, Any] = {"source_url": source_url}
    if description is not None:
        component["description"] = description
    if views is not None:
        component["views"] = list(views) if isinstance(views, (list, tuple)) else views
    if user_configuration is not None:
        component["user_configuration"] = user_configuration
    return component
