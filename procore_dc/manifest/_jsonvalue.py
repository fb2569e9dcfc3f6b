"""Reading manifest JSON text strictly, and holding raw JSON values immutably.

Parts of a manifest that procore-dc does not model (unknown keys, a component's
``user_configuration`` schema, Procore's ``app_manifest`` block) are kept as raw JSON. They
are stored frozen (mappings become read-only proxies, arrays become tuples), so a
:class:`~procore_dc.manifest.Manifest` really is immutable, and are thawed back to plain
``dict``/``list`` on the way out.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, Union

from procore_dc.manifest._problems import Problem, join_path, manifest_error

__all__ = ["MAX_DEPTH", "check_json_value", "freeze", "parse_text", "thaw"]

#: Deeper nesting than this is refused: no manifest needs it, and it would exhaust the stack.
MAX_DEPTH = 64

_EMPTY: Mapping[str, Any] = MappingProxyType({})


def parse_text(text: Union[str, bytes, bytearray]) -> Any:
    """Parse manifest JSON text (or UTF-8 bytes) into plain Python values.

    :raises ManifestError: for anything that is not one strict JSON document: invalid UTF-8,
        a syntax error, ``NaN``/``Infinity``, or a key repeated in one object
    """
    if isinstance(text, (bytes, bytearray)):
        try:
            text = bytes(text).decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise manifest_error(
                [Problem("$", f"not UTF-8 text (byte {exc.start}): save the file as UTF-8")]
            ) from None
    if not isinstance(text, str):
        raise manifest_error(
            [
                Problem(
                    "$",
                    f"expected JSON text (str or bytes), got {type(text).__name__}: "
                    "use Manifest.from_dict() for a mapping",
                )
            ]
        )
    duplicates: list[str] = []

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for key, value in items:
            if key in result:
                duplicates.append(key)
            result[key] = value
        return result

    def constant(name: str) -> Any:
        raise ValueError(f"{name} is not valid JSON")

    try:
        value = json.loads(text, object_pairs_hook=pairs, parse_constant=constant)
    except json.JSONDecodeError as exc:
        raise manifest_error(
            [
                Problem(
                    "$",
                    f"not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}: "
                    "fix the syntax (a JSON linter shows where)",
                )
            ]
        ) from None
    except (ValueError, RecursionError) as exc:
        # NaN/Infinity, integers too long to convert, or nesting deeper than the parser allows.
        detail = "nested too deeply" if isinstance(exc, RecursionError) else str(exc)
        raise manifest_error([Problem("$", f"not valid JSON: {detail}")]) from None
    if duplicates:
        names = ", ".join(sorted({json.dumps(k) for k in duplicates}))
        raise manifest_error(
            [Problem("$", f"a key appears twice in one object ({names}): keep one of each")]
        )
    broken = _lone_surrogates(value)
    if broken:
        raise manifest_error(
            [
                Problem(
                    path,
                    "holds a lone surrogate (an escape such as \\ud800 without its pair), "
                    "which is not Unicode text: remove it or write the whole character",
                )
                for path in broken[:10]
            ]
        )
    return value


def _has_surrogate(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _lone_surrogates(value: Any) -> list[str]:
    """The paths of strings (keys included) that cannot be written back as UTF-8."""
    found: list[str] = []
    pending: list[tuple[Any, str]] = [(value, "$")]
    while pending:
        current, path = pending.pop()
        if isinstance(current, str):
            if _has_surrogate(current):
                found.append(path)
        elif isinstance(current, dict):
            for key, item in current.items():
                child = join_path(path, key if not _has_surrogate(key) else "?")
                if _has_surrogate(key):
                    found.append(child)
                pending.append((item, child))
        elif isinstance(current, list):
            pending.extend((item, join_path(path, i)) for i, item in enumerate(current))
    return sorted(found)


def check_json_value(value: Any, path: str, depth: int = 0) -> list[Problem]:
    """Return problems if ``value`` is not plain JSON (str keys, finite numbers, no cycles)."""
    if depth > MAX_DEPTH:
        return [Problem(path, f"nested more than {MAX_DEPTH} levels deep: flatten it")]
    if value is None or isinstance(value, (str, bool, int)):
        return []
    if isinstance(value, float):
        if math.isfinite(value):
            return []
        return [Problem(path, f"{value} is not a JSON number: use a finite number")]
    if isinstance(value, Mapping):
        problems: list[Problem] = []
        for key, item in value.items():
            if not isinstance(key, str):
                problems.append(Problem(path, f"key {key!r} is not a string: JSON keys are text"))
                continue
            problems.extend(check_json_value(item, join_path(path, key), depth + 1))
        return problems
    if isinstance(value, (list, tuple)):
        problems = []
        for index, item in enumerate(value):
            problems.extend(check_json_value(item, join_path(path, index), depth + 1))
        return problems
    return [
        Problem(
            path,
            f"a {type(value).__name__} is not a JSON value: use text, numbers, "
            "true/false, null, arrays or objects",
        )
    ]


def freeze(value: Any) -> Any:
    """Return an immutable copy of a JSON value (checked with :func:`check_json_value`)."""
    if isinstance(value, Mapping):
        return MappingProxyType({key: freeze(item) for key, item in value.items()})
    if isinstance(value, (list, tuple)):
        return tuple(freeze(item) for item in value)
    return value


def freeze_mapping(value: Any) -> Mapping[str, Any]:
    """Freeze a JSON object; ``None`` becomes an empty mapping (attrs converter)."""
    if value is None:
        return _EMPTY
    frozen = freeze(value)
    return frozen if isinstance(frozen, Mapping) else value


def thaw(value: Any) -> Any:
    """Return a plain ``dict``/``list`` copy of a frozen JSON value, for :mod:`json`."""
    if isinstance(value, Mapping):
        return {key: thaw(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [thaw(item) for item in value]
    return value
