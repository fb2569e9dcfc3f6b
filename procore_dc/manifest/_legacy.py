"""Convert a legacy v3.x manifest to schema 4.1.

v4.1 removed ``components.oauth.instances`` (one credential pair now serves every grant; the
portal calls the choice "data connector components") and ``components.iframe.instances``
(embedded components became the top-level ``fullscreen`` and ``sidepanel``), procore-api.md
4.1-4.2. The conversion:

- ``grant_type: "authorization_code"`` becomes the ``user_level_auth`` component;
  ``"client_credentials"`` becomes ``service_account_auth`` *and* ``user_level_auth``, the
  pair the portal requires. The system-generated ``uid``/``uuid`` of OAuth instances are
  dropped: v4.1 has one credential pair per app.
- each iframe instance becomes ``fullscreen`` or ``sidepanel`` by its ``type``; ``iframe_src``
  becomes ``source_url`` and ``configuration`` becomes ``user_configuration``; every other
  key (``uuid``, ``description``, ``views``, ``name``, ``required``...) is kept.
- other keys under ``components`` stay under ``components`` (reported as unknown).
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Mapping
from typing import Any

from procore_dc.manifest._problems import Problem, join_path, manifest_error

__all__ = ["convert_v3", "is_legacy"]

_LEGACY_SCHEMA = re.compile(r"3(\.[0-9x]+)*")
_GRANTS = {
    "authorization_code": ("user_level_auth",),
    "client_credentials": ("user_level_auth", "service_account_auth"),
}


def is_legacy(data: Mapping[str, Any]) -> bool:
    """Whether ``data`` is a v3.x manifest: ``schema_version`` 3.x, or none and ``components``."""
    schema = data.get("schema_version")
    if schema is None:
        return "components" in data
    return isinstance(schema, str) and _LEGACY_SCHEMA.fullmatch(schema) is not None


def _instances(block: Any, path: str, problems: list[Problem]) -> list[tuple[str, Any]]:
    if not isinstance(block, Mapping):
        problems.append(Problem(path, "expected an object with an instances array"))
        return []
    items = block.get("instances", [])
    items_path = join_path(path, "instances")
    if not isinstance(items, list):
        problems.append(Problem(items_path, "expected an array of instances"))
        return []
    result = []
    for index, item in enumerate(items):
        item_path = join_path(items_path, index)
        if isinstance(item, Mapping):
            result.append((item_path, item))
        else:
            problems.append(Problem(item_path, "expected an object"))
    return result


def convert_v3(data: Mapping[str, Any]) -> dict[str, Any]:
    """Return the v4.1 form of a v3.x manifest and warn that it was converted.

    :raises ManifestError: with v3 paths, for shapes the conversion cannot read
    """
    problems: list[Problem] = []
    result = {key: value for key, value in data.items() if key != "components"}
    result["schema_version"] = "4.1"
    components = data.get("components", {})
    if not isinstance(components, Mapping):
        raise manifest_error([Problem("$.components", "expected an object {...}")])
    chosen: list[str] = []
    for path, instance in _instances(components.get("oauth", {}), "$.components.oauth", problems):
        grant = instance.get("grant_type")
        if isinstance(grant, str) and grant in _GRANTS:
            chosen.extend(c for c in _GRANTS[grant] if c not in chosen)
        else:
            problems.append(
                Problem(
                    join_path(path, "grant_type"),
                    'expected "authorization_code" or "client_credentials"',
                )
            )
    for path, instance in _instances(components.get("iframe", {}), "$.components.iframe", problems):
        kind = instance.get("type")
        if kind not in ("fullscreen", "sidepanel"):
            problems.append(
                Problem(join_path(path, "type"), 'expected "fullscreen" or "sidepanel"')
            )
            continue
        if kind in result:
            problems.append(
                Problem(path, f"a second {kind} component: schema 4.1 has one; remove one")
            )
            continue
        embedded = {k: v for k, v in instance.items() if k not in ("type", "iframe_src")}
        if "iframe_src" in instance:
            embedded["source_url"] = instance["iframe_src"]
        if "configuration" in embedded:
            embedded["user_configuration"] = embedded.pop("configuration")
        result[kind] = embedded
    if problems:
        raise manifest_error(problems)
    if chosen:
        result["data_connector"] = {
            "components": [c for c in ("user_level_auth", "service_account_auth") if c in chosen]
        }
    rest = {key: value for key, value in components.items() if key not in ("oauth", "iframe")}
    if rest:
        result["components"] = rest
    warnings.warn(
        "legacy v3 app manifest converted to schema 4.1: components.oauth.instances became "
        "data_connector.components and components.iframe.instances became fullscreen/sidepanel; "
        "save manifest.to_json() to keep the 4.1 form",
        UserWarning,
        stacklevel=5,
    )
    return result
