"""The manifest's constants and version syntax: the leaf every other manifest module reads."""

from __future__ import annotations

import re
from collections.abc import Mapping
from types import MappingProxyType
from typing import Optional

__all__ = [
    "BUMP_PARTS",
    "COMPONENT_LABELS",
    "SCHEMA_VERSION",
    "SERVICE_ACCOUNT_AUTH",
    "USER_LEVEL_AUTH",
    "parse_version",
]

#: The manifest format procore-dc writes.
SCHEMA_VERSION = "4.1"
#: The data connector component "User Level Authentication" (Authorization Code).
USER_LEVEL_AUTH = "user_level_auth"
#: The data connector component "Service Account Authentication" (DMSA, Client Credentials).
SERVICE_ACCOUNT_AUTH = "service_account_auth"
#: Component keys and the names the Developer Portal shows for them, in output order.
COMPONENT_LABELS: Mapping[str, str] = MappingProxyType(
    {
        USER_LEVEL_AUTH: "User Level Authentication",
        SERVICE_ACCOUNT_AUTH: "Service Account Authentication",
        "fullscreen": "Fullscreen embedded component",
        "sidepanel": "Side panel embedded component",
    }
)
#: The parts of a version :meth:`Manifest.bump` can move.
BUMP_PARTS = ("major", "minor", "patch")

# Semantic version X.Y.Z without leading zeros; ASCII digits only (\d would take any script).
_VERSION = re.compile(r"(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)")


def parse_version(text: str) -> Optional[tuple[int, int, int]]:
    """Return ``(major, minor, patch)`` for ``X.Y.Z`` text, or ``None`` if it is not one."""
    match = _VERSION.fullmatch(text) if isinstance(text, str) else None
    if match is None:
        return None
    major, minor, patch = (int(part) for part in match.groups())
    return major, minor, patch
