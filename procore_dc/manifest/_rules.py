"""The manifest rules. Each problem names its JSON path and says how to fix it.

Blocking problems are errors; the others are warnings kept in ``Manifest.problems``.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping
from typing import Any, Optional
from urllib.parse import urlsplit

import attrs

from procore_dc.manifest._parts import (
    DataConnector,
    EmbeddedComponent,
    ManifestFields,
    Permissions,
    PostInstallationInstruction,
)
from procore_dc.manifest._problems import WARNING, Problem, join_path
from procore_dc.manifest._schema import (
    SCHEMA_VERSION,
    SERVICE_ACCOUNT_AUTH,
    USER_LEVEL_AUTH,
    parse_version,
)
from procore_dc.permissions import COMPANY_TOOLS, PROJECT_TOOLS, PermissionLevel, Scope, Tool

__all__ = ["BUILT_IN_VARIABLES", "check"]

#: The ``{{var}}`` names Procore fills in for every embedded component.
BUILT_IN_VARIABLES = (
    "procore.company.id",
    "procore.company.name",
    "procore.project.id",
    "procore.project.name",
)
_VARIABLE = re.compile(r"\{\{(.*?)\}\}")
_KNOWN_COMPONENTS = (USER_LEVEL_AUTH, SERVICE_ACCOUNT_AUTH)
_PARTS: Mapping[str, Optional[type]] = {
    "data_connector": DataConnector,
    "permissions": Permissions,
    "post_installation_instruction": PostInstallationInstruction,
    "fullscreen": EmbeddedComponent,
    "sidepanel": EmbeddedComponent,
}


def check(manifest: ManifestFields) -> list[Problem]:
    """Return every problem of ``manifest``, errors and warnings, in document order."""
    problems = _types(manifest)
    if problems:  # built by hand with wrong types: the other rules cannot read it
        return problems
    problems += _schema_and_version(manifest)
    problems += _components(manifest)
    problems += _permissions(manifest)
    problems += _instructions(manifest.post_installation_instruction)
    for kind in ("fullscreen", "sidepanel"):
        component = getattr(manifest, kind)
        if component is not None:
            problems += _embedded(kind, component)
    problems += _unknown_keys(manifest)
    return problems


def _types(manifest: ManifestFields) -> list[Problem]:
    problems = []
    for name, cls in _PARTS.items():
        value = getattr(manifest, name)
        if value is not None and cls is not None and not isinstance(value, cls):
            problems.append(
                Problem(
                    f"$.{name}",
                    f"expected a {cls.__name__}, got {type(value).__name__}: build manifests "
                    "with ManifestBuilder or Manifest.from_dict()",
                )
            )
    version: object = manifest.version
    if version is not None and not isinstance(version, str):
        problems.append(Problem("$.version", "expected text like 0.1.0"))
    return problems


def _schema_and_version(manifest: ManifestFields) -> list[Problem]:
    problems = []
    if manifest.schema_version != SCHEMA_VERSION:
        problems.append(
            Problem("$.schema_version", f'write "{SCHEMA_VERSION}", the format procore-dc reads')
        )
    if manifest.version is None:
        problems.append(
            Problem(
                "$.version",
                'no version: add "version": "0.1.0" (the Developer Portal asks for one at '
                "Create Version)",
                WARNING,
            )
        )
    elif parse_version(manifest.version) is None:
        problems.append(
            Problem(
                "$.version",
                f"{manifest.version!r} is not a semantic version X.Y.Z without leading zeros: "
                "write it like 0.1.0",
            )
        )
    return problems


def _components(manifest: ManifestFields) -> list[Problem]:
    path = "$.data_connector.components"
    components = manifest.components
    problems = []
    if not components:
        problems.append(
            Problem(
                path,
                'no data connector component: add "user_level_auth" (User Level '
                'Authentication), and "service_account_auth" too for a service account',
            )
        )
    seen: set[str] = set()
    for index, name in enumerate(components):
        if name not in _KNOWN_COMPONENTS:
            problems.append(
                Problem(
                    join_path(path, index),
                    f'unknown component {name!r}: use "user_level_auth" or "service_account_auth"',
                )
            )
        elif name in seen:
            problems.append(
                Problem(join_path(path, index), f"{name!r} is listed twice: remove one")
            )
        seen.add(name)
    if SERVICE_ACCOUNT_AUTH in seen and USER_LEVEL_AUTH not in seen:
        problems.append(
            Problem(
                path,
                "Service Account Authentication needs User Level Authentication alongside it, "
                'as the Developer Portal requires: add "user_level_auth"',
            )
        )
    has_permissions = manifest.permissions is not None and bool(manifest.permissions)
    if has_permissions and SERVICE_ACCOUNT_AUTH not in seen:
        problems.append(
            Problem(
                "$.permissions",
                "tool permissions apply only to a service account: add "
                '"service_account_auth" to $.data_connector.components, or remove the block '
                "(user-level auth acts with each user's own permissions)",
            )
        )
    if SERVICE_ACCOUNT_AUTH in seen and not has_permissions:
        problems.append(
            Problem(
                "$.permissions",
                "the service account has no tool permissions, so it can only list companies: "
                "add the tools it uses (sandbox.required_permissions() lists them)",
                WARNING,
            )
        )
    return problems


def _permissions(manifest: ManifestFields) -> list[Problem]:
    if manifest.permissions is None:
        return []
    problems = []
    for scope, catalogue in ((Scope.COMPANY, COMPANY_TOOLS), (Scope.PROJECT, PROJECT_TOOLS)):
        block: Mapping[str, PermissionLevel] = getattr(manifest.permissions, scope.value)
        for key, level in block.items():
            path = join_path(f"$.permissions.{scope.value}", key)
            tool = catalogue.get(key)
            if scope is Scope.COMPANY and key == "portfolio":
                problems.append(
                    Problem(
                        path,
                        "'portfolio' is not Procore's key for the Portfolio tool: the "
                        "Permissions Builder exports it as 'home'; rename the key to home "
                        "(kept as is for now)",
                        WARNING,
                    )
                )
            elif tool is None:
                problems.append(_unknown_tool(scope, key, path, catalogue))
            elif level not in tool.levels:
                problems.append(Problem(path, _level_hint(tool, level)))
            if scope is Scope.COMPANY and key == "directory" and level is PermissionLevel.ADMIN:
                problems.append(
                    Problem(
                        path,
                        "admin on the company Directory lets the service account manage users "
                        "and permissions; Procore's DMSA guidance says to avoid it: use "
                        "standard or readonly",
                        WARNING,
                    )
                )
    return problems


def _unknown_tool(scope: Scope, key: str, path: str, catalogue: Mapping[str, Tool]) -> Problem:
    close = difflib.get_close_matches(key, list(catalogue), n=1)
    hint = f"did you mean {close[0]!r}? " if close else ""
    return Problem(
        path,
        f"{key!r} is not a {scope.value} tool procore-dc knows: kept as is; {hint}"
        "check the key in the Permissions Builder",
        WARNING,
    )


def _level_hint(tool: Tool, level: PermissionLevel) -> str:
    allowed = " or ".join(level.value for level in tool.levels)
    return (
        f"the {tool.scope.value} {tool.label} tool does not offer {level.value}: use {allowed}, "
        "or leave the key out for none"
    )


def _blank(text: Optional[str]) -> bool:
    return text is None or not text.strip()


def _instructions(instruction: Optional[PostInstallationInstruction]) -> list[Problem]:
    root = "$.post_installation_instruction"
    problems = []
    if instruction is None or _blank(instruction.notes):
        problems.append(
            Problem(
                f"{root}.notes",
                "post-installation notes are required for a data connection app: tell admins "
                "what to do after installing (sign up, connect an account, pick projects)",
            )
        )
    page = instruction.page if instruction is not None else None
    if page is None:
        return problems
    if page.url is not None and not _is_https(page.url):
        problems.append(
            Problem(
                f"{root}.page.url",
                f"{page.url!r} is not an https URL: admins open it from Procore; use https://",
            )
        )
    if page.url is not None and _blank(page.label):
        problems.append(
            Problem(
                f"{root}.page.label",
                "an Instructions Page Name is required with an Instructions URL: set the link "
                'text, e.g. "Setup guide"',
            )
        )
    if page.url is None and not _blank(page.label):
        problems.append(
            Problem(
                f"{root}.page.url",
                "an Instructions Page Name without an Instructions URL links nowhere: add the "
                "URL or remove the label",
            )
        )
    return problems


def _is_https(url: str) -> bool:
    try:
        parts = urlsplit(url)
    except ValueError:  # e.g. an unbalanced "[" in the host
        return False
    return parts.scheme == "https" and bool(parts.hostname)


def _embedded(kind: str, component: EmbeddedComponent) -> list[Problem]:
    root = f"$.{kind}"
    problems, declared = _user_configuration(root, component.user_configuration)
    url_path = f"{root}.source_url"
    for match in _VARIABLE.finditer(component.source_url):
        name = match.group(1).strip()
        if name in BUILT_IN_VARIABLES or name in declared:
            continue
        problems.append(
            Problem(
                url_path,
                f"{{{{{name}}}}} is neither a built-in ({', '.join(BUILT_IN_VARIABLES)}) nor "
                f"declared: add it to {root}.user_configuration.schema.properties, or fix the "
                "spelling",
            )
        )
    if "{{" in _VARIABLE.sub("", component.source_url):
        problems.append(Problem(url_path, 'a "{{" is never closed: write {{name}}'))
    if not component.source_url.lower().startswith("https://"):
        problems.append(
            Problem(
                url_path,
                "Procore's pages are https, and browsers block an http page inside them: use "
                "https://",
                WARNING,
            )
        )
    if kind == "fullscreen" and component.views is not None:
        problems.append(
            Problem(f"{root}.views", "views apply to the side panel only: remove it", WARNING)
        )
    if kind == "sidepanel" and not component.views:
        problems.append(
            Problem(
                f"{root}.views",
                "a side panel shows only on the views listed: add view keys such as "
                '"commitments.purchase_orders.detail"',
                WARNING,
            )
        )
    return problems


def _user_configuration(
    root: str, configuration: Optional[Mapping[str, Any]]
) -> tuple[list[Problem], set[str]]:
    if configuration is None:
        return [], set()
    path = f"{root}.user_configuration.schema"
    schema = configuration.get("schema")
    if not isinstance(schema, Mapping):
        return [
            Problem(
                path,
                'expected an object: {"type": "object", "properties": {...}} describing the '
                "fields admins fill in",
            )
        ], set()
    problems = []
    properties = schema.get("properties", {})
    if not isinstance(properties, Mapping):
        problems.append(
            Problem(f"{path}.properties", "expected an object: field name to its description")
        )
        properties = {}
    required = schema.get("required", ())
    if not isinstance(required, (list, tuple)):
        problems.append(Problem(f"{path}.required", "expected an array of field names"))
        required = ()
    for index, name in enumerate(required):
        if not isinstance(name, str):
            problems.append(
                Problem(join_path(f"{path}.required", index), "expected a field name in quotes")
            )
        elif name not in properties:
            problems.append(
                Problem(
                    join_path(f"{path}.required", index),
                    f"{name!r} is required but not described: add it to {path}.properties",
                )
            )
    return problems, set(properties)


def _unknown_keys(manifest: ManifestFields) -> list[Problem]:
    problems = _extra_problems("$", manifest.extra, _known_keys(type(manifest)))
    for name in _PARTS:
        part = getattr(manifest, name)
        if part is not None:
            problems += _extra_problems(f"$.{name}", part.extra, _known_keys(type(part)))
    instruction = manifest.post_installation_instruction
    if instruction is not None and instruction.page is not None:
        page = instruction.page
        problems += _extra_problems(
            "$.post_installation_instruction.page", page.extra, _known_keys(type(page))
        )
    return problems


def _known_keys(cls: type) -> list[str]:
    return [f.name for f in attrs.fields(cls) if f.init and f.name != "extra"]


def _extra_problems(path: str, extra: Mapping[str, Any], known: Iterable[str]) -> list[Problem]:
    problems = []
    for key in extra:
        close = difflib.get_close_matches(key, list(known), n=1)
        hint = f"did you mean {close[0]!r}? " if close else ""
        problems.append(
            Problem(
                join_path(path, key),
                f"{key!r} is not a key procore-dc knows: kept as is; {hint}check the spelling",
                WARNING,
            )
        )
    return problems
