"""Check a call against Procore's spec before it is sent.

Unknown parameters (with the closest valid names), missing required path, query and body
fields at any depth, wrong JSON types and values outside an enum are collected, each under its
field path (``query.per_page``, ``body.punch_item.name``), into one
:class:`~procore_dc.exceptions.RequestValidationError`. Body fields the spec does not name are
let through: Procore adds fields faster than its spec.
"""

from __future__ import annotations

import datetime as _dt
import difflib
import numbers
from collections.abc import Mapping
from decimal import Decimal
from typing import Any, Optional

from procore_dc.operations._spec import Operation

__all__ = ["body_problems", "parameter_problems"]

_EITHER = {"company_id": "project_id", "project_id": "company_id"}

# Checking stops this deep: Procore's bodies are a few levels at most.
_MAX_DEPTH = 12


def _is_integer(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, numbers.Integral):
        return True
    return isinstance(value, str) and value.isdigit()


def _is_number(value: Any) -> bool:
    return not isinstance(value, bool) and isinstance(value, (numbers.Real, Decimal))


_PARAM_TYPES = {
    "integer": (_is_integer, "an integer"),
    "boolean": (lambda v: isinstance(v, bool) or v in ("true", "false"), "true or false"),
    # One value where a list is expected is sent as a list of one.
    "array": (lambda v: not isinstance(v, (Mapping, bytes)), "a list"),
    # A query object goes as ``name[key]=value``; a string is taken as already encoded.
    "object": (lambda v: isinstance(v, (Mapping, str)), "a mapping"),
    "string": (
        lambda v: not isinstance(v, (Mapping, list, tuple, set, frozenset, bytes)),
        "a string",
    ),
}


def parameter_problems(op: Operation, given: Mapping[str, Any]) -> dict[str, str]:
    """What is wrong with the path, query and header parameters of a call to ``op``.

    :param given: wire name -> value, ids from the scope already filled in
    """
    problems: dict[str, str] = {}
    known = {p.name: p for p in op.parameters}
    for name, value in given.items():
        param = known.get(name)
        if param is None:
            near = difflib.get_close_matches(name, list(known), n=3, cutoff=0.6)
            hint = f"; did you mean {', '.join(repr(n) for n in near)}?" if near else ""
            valid = f"; it takes {', '.join(sorted(known))}" if not near and known else ""
            problems[name] = f"unknown parameter of {op.key}{hint}{valid}"
            continue
        where = f"{param.location}.{name}"
        if value is None:
            if param.required:
                problems[where] = "required, got None"
            continue
        check = _PARAM_TYPES.get(param.type)
        if check is not None and not check[0](value):
            problems[where] = f"must be {check[1]}, got {type(value).__name__} {value!r:.40}"
        elif param.enum and value not in param.enum:
            problems[where] = f"{value!r} is not one of {list(param.enum)}"
    required = {p.name for p in op.parameters if p.required}
    for param in op.parameters:
        if param.required and param.name not in given:
            other = _EITHER.get(param.name)
            if other in required and given.get(other) is not None:
                continue  # both ids "required" means either one (webhooks)
            problems[f"{param.location}.{param.name}"] = "required"
    return problems


def body_problems(op: Operation, body: Any, shape: Optional[Mapping[str, Any]]) -> dict[str, str]:
    """What is wrong with the JSON body of a call to ``op``, by field path."""
    node = (shape or {}).get("request_body")
    if node is not None:
        if body is None:
            return {"body": "required"} if node.get("required") else {}
        problems: dict[str, str] = {}
        # A PATCH changes what it names: Procore's spec gives many update bodies the create
        # body's required fields, which a partial update leaves out. Only the body's own
        # required keys (the wrapper, scope ids) stay required.
        _check(body, {**node, "required": True}, "body", problems, 0, partial=op.method == "PATCH")
        return problems
    required = [f.name for f in op.body_fields if f.required]
    if body is None:
        return {"body": f"required (with {', '.join(required)})"} if required else {}
    if required and not isinstance(body, Mapping):
        return {"body": f"must be an object, got {type(body).__name__}"}
    return {f"body.{name}": "required" for name in required if name not in body}


def _models() -> Mapping[str, Any]:
    from procore_dc._catalog import load_schemas

    models: Mapping[str, Any] = load_schemas()["models"]
    return models


def _fields(ref: Optional[str]) -> Optional[Mapping[str, Any]]:
    model = _models().get(ref or "")
    if model is None or "fields" not in model:
        return None  # alternatives (see _check_alternatives) or an unknown model
    fields: Mapping[str, Any] = model["fields"]
    return fields


def _type_ok(value: Any, node: Mapping[str, Any]) -> Optional[str]:
    kind = node.get("type", "any")
    if node.get("format") == "decimal":
        ok = _is_number(value) or (isinstance(value, str) and _decimal_text(value))
        return None if ok else "a decimal number (or its string)"
    if node.get("format") == "binary":
        return None
    if kind == "string":
        return None if isinstance(value, str) else "a string"
    if kind == "integer":
        return None if _is_integer(value) and not isinstance(value, str) else "an integer"
    if kind == "number":
        return None if _is_number(value) else "a number"
    if kind == "boolean":
        return None if isinstance(value, bool) else "true or false"
    if kind == "date":
        ok = isinstance(value, _dt.date) and not isinstance(value, _dt.datetime)
        return None if ok or _iso(value, _dt.date) else "a date (YYYY-MM-DD)"
    if kind == "date-time":
        ok = isinstance(value, _dt.datetime) or _iso(value, _dt.datetime)
        return None if ok else "an ISO 8601 date-time"
    if kind == "array":
        return None if isinstance(value, (list, tuple)) else "a list"
    if kind == "object":
        return None if isinstance(value, Mapping) else "an object"
    return None


def _decimal_text(text: str) -> bool:
    try:
        Decimal(text)
    except ArithmeticError:
        return False
    return True


def _iso(value: Any, kind: type) -> bool:
    if not isinstance(value, str):
        return False
    try:
        if kind is _dt.date:
            _dt.date.fromisoformat(value)
        else:
            _dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


def _enum(node: Mapping[str, Any]) -> Optional[list[Any]]:
    allowed = node.get("enum")
    if not allowed or str(allowed[0]).startswith("Any value"):
        return None  # a rule written as prose ("Any value present in the Company list ...")
    return list(allowed)


def _check(
    value: Any,
    node: Mapping[str, Any],
    where: str,
    out: dict[str, str],
    depth: int,
    *,
    partial: bool = False,
) -> None:
    if value is None:
        allowed = _enum(node)
        if node.get("required") and not node.get("nullable") and not (allowed and None in allowed):
            out[where] = "required, got None"
        return
    wrong = _type_ok(value, node)
    if wrong is not None:
        out[where] = f"must be {wrong}, got {type(value).__name__} {value!r:.40}"
        return
    allowed = _enum(node)
    kind = node.get("type")
    if allowed is not None and kind != "array" and value not in allowed:
        out[where] = f"{value!r} is not one of {[a for a in allowed if a is not None]}"
        return
    if depth >= _MAX_DEPTH:
        return
    if kind == "array":
        item = node.get("items") or {
            "type": node.get("items_type") or "any",
            "ref": node.get("items_ref"),
            "enum": node.get("enum"),
        }
        for index, element in enumerate(value):
            _check(
                element,
                {**item, "required": False},
                f"{where}[{index}]",
                out,
                depth + 1,
                partial=partial,
            )
    elif kind == "object":
        fields = node.get("fields") or _fields(node.get("ref"))
        if not fields:
            _check_alternatives(value, node, where, out, depth, partial=partial)
            return
        for name, field in fields.items():
            if name in value:
                _check(value[name], field, f"{where}.{name}", out, depth + 1, partial=partial)
            elif field.get("required") and not (partial and where != "body"):
                out[f"{where}.{name}"] = "required"


def _check_alternatives(
    value: Any,
    node: Mapping[str, Any],
    where: str,
    out: dict[str, str],
    depth: int,
    *,
    partial: bool = False,
) -> None:
    """A value of a "one of" model fits when it fits one alternative; otherwise the problems
    of the alternative it comes closest to are reported."""
    model = _models().get(node.get("ref") or "") or {}
    closest: Optional[dict[str, str]] = None
    for alternative in model.get("one_of") or model.get("any_of") or ():
        found: dict[str, str] = {}
        _check(value, {**alternative, "required": True}, where, found, depth + 1, partial=partial)
        if not found:
            return
        if closest is None or len(found) < len(closest):
            closest = found
    out.update(closest or {})
