"""JSON in and out of the manifest model through one cattrs converter.

Structuring is strict: every value must have the JSON type the model says (a number is not
text, a string is not a list), and cattrs' detailed validation collects every such problem
with the path where it happened. Keys the model does not know are not an error: the hook
factory moves them into the part's ``extra`` mapping, so loading is lossless, and the rules
report them as warnings.
"""

from __future__ import annotations

import copy
import functools
import json
import re
from collections.abc import Mapping
from typing import Any, Callable, Optional, TypeVar, Union

import attrs
import cattrs
from cattrs.errors import (
    AttributeValidationNote,
    BaseValidationError,
    ClassValidationError,
    IterableValidationError,
)
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override

from procore_dc.exceptions import ManifestError
from procore_dc.manifest._jsonvalue import check_json_value, thaw
from procore_dc.manifest._legacy import convert_v3, is_legacy
from procore_dc.manifest._parts import (
    DataConnector,
    EmbeddedComponent,
    InstructionsPage,
    ManifestFields,
    Permissions,
    PostInstallationInstruction,
)
from procore_dc.manifest._problems import Problem, join_path, manifest_error
from procore_dc.manifest._schema import SCHEMA_VERSION, SERVICE_ACCOUNT_AUTH, USER_LEVEL_AUTH
from procore_dc.permissions import PermissionLevel

__all__ = ["dump", "load"]

_M = TypeVar("_M", bound=ManifestFields)

# Leaves first: a generated function binds the hooks registered before it.
_PARTS = (
    InstructionsPage,
    PostInstallationInstruction,
    EmbeddedComponent,
    Permissions,
    DataConnector,
)
_JSON_TYPES: dict[type, str] = {
    str: "text in quotes",
    list: "an array [...]",
    dict: "an object {...}",
}


class _ShapeError(ValueError):
    """A value with the wrong shape; ``problems`` carry paths relative to it (``$`` = here)."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(str(p) for p in problems))
        self.problems = problems


def _describe(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, (list, tuple)):
        return "an array"
    if isinstance(value, Mapping):
        return "an object"
    return f"a {type(value).__name__}"


def _wrong_type(value: Any, expected: type) -> _ShapeError:
    return _ShapeError(
        [
            Problem(
                "$", f"expected {_JSON_TYPES[expected]}, got {_describe(value)}: change the value"
            )
        ]
    )


def _structure_str(value: Any, _: Any) -> str:
    if not isinstance(value, str):
        raise _wrong_type(value, str)
    return value


def _structure_str_tuple(value: Any, _: Any) -> tuple[str, ...]:
    if not isinstance(value, (list, tuple)):
        raise _wrong_type(value, list)
    problems = [
        Problem(join_path("$", index), f"expected text in quotes, got {_describe(item)}")
        for index, item in enumerate(value)
        if not isinstance(item, str)
    ]
    if problems:
        raise _ShapeError(problems)
    return tuple(value)


def _structure_level(value: Any, _: Any) -> PermissionLevel:
    choices = "use readonly, standard or admin"
    if isinstance(value, str) and value.lower() == "none":
        raise _ShapeError(
            [Problem("$", '"none" is written by leaving the tool key out: remove it')]
        )
    try:
        return PermissionLevel(value)
    except ValueError:
        raise _ShapeError(
            [Problem("$", f"{_show(value)} is not a permission level: {choices}")]
        ) from None


def _show(value: Any) -> str:
    return repr(value) if isinstance(value, str) else _describe(value)


def _structure_levels(value: Any, _: Any) -> Mapping[str, PermissionLevel]:
    if not isinstance(value, Mapping):
        raise _wrong_type(value, dict)
    result: dict[str, PermissionLevel] = {}
    problems: list[Problem] = []
    for key, level in value.items():
        try:
            result[key] = _structure_level(level, None)
        except _ShapeError as exc:
            problems.extend(_relocate(p, join_path("$", key)) for p in exc.problems)
    if problems:
        raise _ShapeError(problems)
    return result


def _structure_raw(value: Any, _: Any) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise _wrong_type(value, dict)
    problems = check_json_value(value, "$")
    if problems:
        raise _ShapeError(problems)
    return value


def _relocate(problem: Problem, path: str) -> Problem:
    """Re-root a problem whose path starts at ``$`` under ``path``."""
    return attrs.evolve(problem, path=path + problem.path[1:])


def _structure_part_factory(cls: type, converter: cattrs.Converter) -> Callable[[Any, Any], Any]:
    """Structure one model class: unknown keys go to ``extra`` instead of failing."""
    known = {f.name for f in attrs.fields(cls) if f.init and f.name != "extra"}
    generated: Callable[[Any, Any], Any] = make_dict_structure_fn(
        cls, converter, _cattrs_forbid_extra_keys=True
    )

    def structure(value: Any, _: Any) -> Any:
        if not isinstance(value, Mapping):
            raise _wrong_type(value, dict)
        fields = {key: item for key, item in value.items() if key in known}
        fields["extra"] = {key: item for key, item in value.items() if key not in known}
        return generated(fields, cls)

    return structure


def _unstructure_part_factory(cls: type, converter: cattrs.Converter) -> Callable[[Any], Any]:
    """Unstructure one model class: omit unset optionals, then append its ``extra`` keys."""
    overrides = {
        f.name: override(omit_if_default=True)
        for f in attrs.fields(cls)
        if f.default is None or f.name in ("views", "company", "project")
    }
    overrides["extra"] = override(omit=True)
    # Derived fields (the manifest's ``problems``) are not part of the JSON.
    overrides.update({f.name: override(omit=True) for f in attrs.fields(cls) if not f.init})
    generated: Callable[[Any], Any] = make_dict_unstructure_fn(
        cls,
        converter,
        **overrides,  # type: ignore[arg-type]
    )

    def unstructure(instance: Any) -> dict[str, Any]:
        result: dict[str, Any] = generated(instance)
        for key, value in instance.extra.items():
            result.setdefault(key, thaw(value))
        return result

    return unstructure


def _is(alias: Any) -> Callable[[Any], bool]:
    def matches(candidate: Any) -> bool:
        return bool(candidate == alias)

    return matches


@functools.cache
def _converter(manifest_cls: type) -> cattrs.Converter:
    """The converter for the parts and ``manifest_cls``, the class :meth:`Manifest.from_json`
    is called on (passed in, so this module need not import the model that calls it)."""
    converter = cattrs.Converter(detailed_validation=True, forbid_extra_keys=True)
    converter.register_structure_hook(str, _structure_str)
    # Generic aliases are not classes, so they are matched by equality, not singledispatch.
    generic_hooks: list[tuple[Any, Callable[[Any, Any], Any], Callable[[Any], Any]]] = [
        (tuple[str, ...], _structure_str_tuple, list),
        (Mapping[str, PermissionLevel], _structure_levels, dict),
        (Mapping[str, Any], _structure_raw, thaw),
    ]
    for alias, structure, unstructure in generic_hooks:
        converter.register_structure_hook_func(_is(alias), structure)
        converter.register_unstructure_hook_func(_is(alias), unstructure)
    converter.register_structure_hook(PermissionLevel, _structure_level)
    converter.register_unstructure_hook(PermissionLevel, lambda level: level.value)
    for cls in (*_PARTS, manifest_cls):
        converter.register_structure_hook(cls, _structure_part_factory(cls, converter))
    for cls in (*_PARTS, manifest_cls):
        converter.register_unstructure_hook(cls, _unstructure_part_factory(cls, converter))
    return converter


def _problems_from(
    exc: BaseException, path: str, rules: Optional[list[Problem]] = None
) -> list[Problem]:
    """Turn cattrs' detailed validation errors into problems with JSON paths; the problems
    the rules found (the manifest's shape was right) also go into ``rules``."""
    if isinstance(exc, (ClassValidationError, IterableValidationError)):
        problems: list[Problem] = []
        with_notes, without = exc.group_exceptions()
        for inner, note in with_notes:
            key: Union[str, int] = (
                note.name if isinstance(note, AttributeValidationNote) else note.index
            )
            problems.extend(_problems_from(inner, join_path(path, key), rules))
        for inner in without:
            problems.extend(_problems_from(inner, path, rules))
        return problems
    if isinstance(exc, ManifestError):  # the rules, run when Manifest itself was created
        found = [p for p in exc.problems if isinstance(p, Problem)]
        if rules is not None:
            rules.extend(found)
        return found
    if isinstance(exc, _ShapeError):
        return [_relocate(problem, path) for problem in exc.problems]
    if isinstance(exc, KeyError):
        return [Problem(path, "required but missing: add it")]
    return [Problem(path, f"internal error reading this value ({exc!r}): please report it")]


def _infer_components(data: Mapping[str, Any]) -> Optional[list[str]]:
    # Procore's exported v4.1 JSON shows no component key; its Permissions Builder writes
    # `permissions` only for Service Account Authentication, which the portal always pairs
    # with User Level Authentication. Every v4.1 app's credentials serve the user grant.
    if "permissions" in data:
        return [USER_LEVEL_AUTH, SERVICE_ACCOUNT_AUTH]
    return [USER_LEVEL_AUTH]


def load(data: Any, manifest_cls: type[_M]) -> _M:
    """Build a ``manifest_cls`` (a :class:`Manifest`) from parsed JSON, converting legacy v3.

    :raises ManifestError: for any problem; nothing else escapes
    """
    try:
        return _load(data, manifest_cls)
    except ManifestError:
        raise
    except Exception as exc:  # the contract: bad input never surfaces as another exception
        raise ManifestError(
            [Problem("$", f"internal error reading the manifest ({exc!r}): please report it")]
        ) from exc


def _load(data: Any, manifest_cls: type[_M]) -> _M:
    if not isinstance(data, Mapping):
        raise manifest_error(
            [Problem("$", f"expected a JSON object {{...}}, got {_describe(data)}")]
        )
    problems = check_json_value(data, "$")
    if problems:
        raise manifest_error(problems)
    schema = data.get("schema_version")
    if is_legacy(data):
        data = convert_v3(data)
    elif schema is not None and not isinstance(schema, str):
        raise manifest_error(
            [Problem("$.schema_version", f'expected text, got {_describe(schema)}: write "4.1"')]
        )
    elif schema is not None and schema != SCHEMA_VERSION:
        raise manifest_error(
            [
                Problem(
                    "$.schema_version",
                    f"unsupported schema_version {_show(schema)}: procore-dc reads "
                    f'"{SCHEMA_VERSION}" and legacy "3"; write "schema_version": '
                    f'"{SCHEMA_VERSION}"',
                )
            ]
        )
    data = dict(data)
    data.setdefault("schema_version", SCHEMA_VERSION)
    if "data_connector" not in data:
        data["data_connector"] = {"components": _infer_components(data)}
    return _structure_reporting_everything(data, manifest_cls)


# Each round removes the values of the wrong shape; a manifest has few levels of nesting.
_MAX_ROUNDS = 10


def _structure_reporting_everything(data: dict[str, Any], manifest_cls: type[_M]) -> _M:
    """Structure ``data``; on shape errors, set the bad values aside and try again, so the
    rules still run on the rest and one :class:`ManifestError` lists every problem."""
    reported: list[Problem] = []
    current: Any = data
    converter = _converter(manifest_cls)
    for _ in range(_MAX_ROUNDS):
        try:
            manifest = converter.structure(current, manifest_cls)
        except BaseValidationError as exc:
            rules: list[Problem] = []
            found = [p for p in _problems_from(exc, "$", rules) if p not in reported]
            reported += found
            if rules or not found:
                break  # the rules ran on everything that had the right shape: all is known
            current = copy.deepcopy(current) if current is data else current
            if not all(_remove(current, problem.path) for problem in found):
                break  # e.g. a required key is missing: the rules cannot run without it
            continue
        if not reported:
            return manifest
        reported += [p for p in manifest.problems if p not in reported]
        break
    raise manifest_error(reported)


_PATH_PART = re.compile(r'\.([A-Za-z_][A-Za-z0-9_]*)|\[([0-9]+)\]|\[("(?:[^"\\]|\\.)*")\]')


def _remove(data: Any, path: str) -> bool:
    """Delete the value at a JSON path written by :func:`join_path`; False if it is not there."""
    if not path.startswith("$") or path == "$":
        return False
    keys: list[Union[str, int]] = []
    position = 1
    while position < len(path):
        match = _PATH_PART.match(path, position)
        if match is None:
            return False
        name, index, quoted = match.groups()
        keys.append(int(index) if index is not None else (name or json.loads(quoted)))
        position = match.end()
    # Walk down; then delete at the deepest object key (a bad array item takes its whole
    # array with it, so the paths of the problems reported later still match the file).
    containers = [data]
    for key in keys[:-1]:
        try:
            containers.append(containers[-1][key])
        except (KeyError, IndexError, TypeError):
            return False
    for container, key in reversed(list(zip(containers, keys))):
        if isinstance(container, dict) and isinstance(key, str):
            if key not in container:
                return False
            del container[key]
            return True
    return False


def dump(manifest: ManifestFields) -> dict[str, Any]:
    """Return ``manifest`` as plain JSON values, in the output key order."""
    cls = type(manifest)
    result: dict[str, Any] = _converter(cls).unstructure(manifest, cls)
    return result
