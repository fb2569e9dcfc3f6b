"""Problems found in a manifest, and the JSON paths that locate them."""

from __future__ import annotations

import json
import re
from typing import Literal, Union

import attrs

from procore_dc.exceptions import ManifestError

__all__ = ["ERROR", "WARNING", "Problem", "Severity", "join_path", "manifest_error"]

Severity = Literal["error", "warning"]

#: A problem that blocks: the manifest is not built or loaded.
ERROR: Severity = "error"
#: A problem that does not block: kept in :attr:`Manifest.problems`.
WARNING: Severity = "warning"

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


@attrs.frozen
class Problem:
    """One problem in a manifest: where it is, what is wrong and how to fix it.

    :ivar path: a JSON path such as ``$.permissions.project.rfi``
    :ivar message: what is wrong, then how to fix it
    :ivar severity: ``"error"`` (blocks) or ``"warning"`` (does not)

    .. code-block:: python

        >>> str(Problem("$.version", "'1.0' is not X.Y.Z: write it like 1.0.0"))
        "$.version: '1.0' is not X.Y.Z: write it like 1.0.0"
    """

    path: str
    message: str
    severity: Severity = ERROR

    @property
    def is_error(self) -> bool:
        """Whether this problem blocks building or loading the manifest."""
        return self.severity == ERROR

    def to_dict(self) -> dict[str, str]:
        """Return ``{"path": ..., "message": ..., "severity": ...}`` for JSON output."""
        return {"path": self.path, "message": self.message, "severity": self.severity}

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


def join_path(path: str, key: Union[str, int]) -> str:
    """Append an object key or an array index to a JSON path.

    Keys that are not identifiers are quoted the JSON way, so every path stays readable and
    unambiguous: ``$.permissions.project["my tool"]``.
    """
    if isinstance(key, int):
        return f"{path}[{key}]"
    if _IDENTIFIER.fullmatch(key):
        return f"{path}.{key}"
    return f"{path}[{json.dumps(key)}]"


def manifest_error(problems: list[Problem]) -> ManifestError:
    """Build the :class:`ManifestError` for ``problems``: errors first, one line each."""
    ordered = sorted(problems, key=lambda problem: problem.severity != ERROR)
    lines = [f"{problem.severity}: {problem}" for problem in ordered]
    return ManifestError(ordered, "invalid app manifest:\n  " + "\n  ".join(lines))
