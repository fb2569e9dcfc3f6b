"""Procore's spec shapes at work: validate a request body, generate and shape a response.

A *node* is one field schema of ``procore_dc/_catalog/schemas.json.gz`` (its ``format`` key
explains the notation): ``type`` (string, integer, number, boolean, date, date-time, object,
array, any), ``ref`` to a model, ``items_type``/``items_ref``/``items`` for arrays,
``values_type``/``values_ref``/``values`` for maps, ``enum``, ``nullable``, ``format``
(``decimal``: a number sent as a JSON string; ``binary``: file bytes).

Generated values are a pure function of a key and the field path, so one record shows the same
values through every operation, whatever model that operation answers with.
"""

from __future__ import annotations

import datetime as dt
import re
import zlib
from collections.abc import Mapping
from typing import Any, Callable, Optional

from procore_dc.testing._engine import _seed

__all__ = ["Shapes", "Problem"]

Node = Mapping[str, Any]
Problem = tuple[str, str]  # (field path, message)

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")
_INTEGER = re.compile(r"^-?\d+$")
MAX_DEPTH = 4  # nested models deeper than this are answered empty (Procore nests 2-3 deep)


def _hash(key: str) -> int:
    return zlib.crc32(key.encode("utf-8"))


def _is_datetime(text: str) -> bool:
    try:
        dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return False
    return "T" in text or " " in text


class Shapes:
    """The spec's models, with validation, generation and shaping over them.

    :param models: the ``models`` mapping of the spec shapes
    :param hint: ``hint(field_name, key)`` -> a realistic value or ``None`` (ids of existing
        companies, projects, users, vendors); consulted before the generic generator
    """

    def __init__(
        self, models: Mapping[str, Any], hint: Callable[[str, str, str], Any] = _seed.no_hint
    ) -> None:
        self.models = models
        self.hint = hint

    # -- structure ------------------------------------------------------------------------
    def fields(self, ref: Optional[str]) -> Optional[Mapping[str, Node]]:
        """The fields of model ``ref`` (the first alternative of a one_of/any_of model)."""
        seen = 0
        while ref is not None and seen < 5:
            model = self.models.get(ref)
            if model is None:
                return None
            if "fields" in model:
                found: Mapping[str, Node] = model["fields"]
                return found
            alternatives = model.get("one_of") or model.get("any_of") or ()
            ref = next((a.get("ref") for a in alternatives if a.get("ref")), None)
            seen += 1
        return None

    @staticmethod
    def item(node: Node) -> Node:
        """The schema of an array's items (``enum`` on an array lists item values)."""
        if "items" in node:
            inner: Node = node["items"]
            return inner
        item: dict[str, Any] = {"type": node.get("items_type") or "any"}
        if node.get("items_ref"):
            item["ref"] = node["items_ref"]
        if node.get("items_format"):
            item["format"] = node["items_format"]
        if node.get("enum"):
            item["enum"] = node["enum"]
        return item

    @staticmethod
    def value(node: Node) -> Optional[Node]:
        """The schema of a map's values, ``None`` when the object is not a map."""
        if "values" in node:
            inner: Node = node["values"]
            return inner
        if node.get("values_type") or node.get("values_ref"):
            return {"type": node.get("values_type") or "object", "ref": node.get("values_ref")}
        return None

    # -- validation -----------------------------------------------------------------------
    def validate(
        self, value: Any, node: Node, path: str = "", *, partial: bool = False
    ) -> list[Problem]:
        """Every problem of ``value`` against ``node``: missing required fields at any depth,
        wrong types, values outside the enum. Field paths read ``rfi.question.body``.

        ``partial`` (a PATCH): below the body's own keys (``path`` is ``""`` at the top), a
        missing required field is no problem.
        """
        problems: list[Problem] = []
        self._check(value, node, path, problems, 0, partial)
        return problems

    def _check(
        self, value: Any, node: Node, path: str, out: list[Problem], depth: int, partial: bool
    ) -> None:
        if value is None:
            if not node.get("nullable") and node.get("required"):
                out.append((path, "can't be blank"))
            return
        kind = node.get("type", "any")
        if not self._type_ok(value, node, lenient=True):
            out.append((path, f"must be {_article(kind, node)}"))
            return
        enum = _enum(node)
        if enum and kind != "array" and value not in enum and str(value) not in map(str, enum):
            out.append((path, "is not included in the list"))
            return
        if depth > MAX_DEPTH * 2:
            return
        if kind == "array":
            inner = self.item(node)
            for index, element in enumerate(value):
                self._check(element, inner, f"{path}[{index}]", out, depth + 1, partial)
        elif kind == "object" and isinstance(value, dict):
            values = self.value(node)
            if values is not None:
                for key, element in value.items():
                    self._check(element, values, _join(path, key), out, depth + 1, partial)
                return
            fields = self.fields(node.get("ref")) if node.get("ref") else node.get("fields")
            for name, field in (fields or {}).items():
                if name in value:
                    self._check(value[name], field, _join(path, name), out, depth + 1, partial)
                elif field.get("required") and not (partial and path):
                    out.append((_join(path, name), "can't be blank"))

    def _type_ok(self, value: Any, node: Node, *, lenient: bool) -> bool:
        """Whether ``value`` has the node's JSON type. ``lenient`` accepts what Rails coerces
        on input (numeric strings for numbers, numbers for strings)."""
        kind = node.get("type", "any")
        if kind == "any":
            return True
        if isinstance(value, bool):
            return kind == "boolean" or (lenient and kind == "string")
        if kind == "boolean":
            return lenient and value in ("true", "false")
        if node.get("format") == "decimal":
            if isinstance(value, str):
                return bool(_NUMBER.match(value.strip()))
            return lenient and isinstance(value, (int, float))
        if kind == "integer":
            if isinstance(value, int):
                return True
            return lenient and isinstance(value, str) and bool(_INTEGER.match(value.strip()))
        if kind == "number":
            if isinstance(value, (int, float)):
                return True
            return lenient and isinstance(value, str) and bool(_NUMBER.match(value.strip()))
        if kind == "string":
            return isinstance(value, str) or (lenient and isinstance(value, (int, float)))
        if kind == "date":
            return isinstance(value, str) and bool(_DATE.match(value))
        if kind == "date-time":
            if not isinstance(value, str):
                return False
            return _is_datetime(value) or (lenient and bool(_DATE.match(value)))
        if kind == "array":
            return isinstance(value, list)
        if kind == "object":
            return isinstance(value, dict)
        return True  # pragma: no cover - the spec has no other type (its stats list none)

    # -- generation -----------------------------------------------------------------------
    def generate(self, node: Node, key: str, name: str = "", depth: int = 0) -> Any:
        """A realistic value of ``node`` for field ``name``: a function of ``key`` alone."""
        kind = node.get("type", "any")
        hinted = self.hint(name, kind, key)
        if hinted is not None and self._type_ok(hinted, node, lenient=False):
            return hinted
        number = _hash(key)
        enum = [e for e in _enum(node) or () if e is not None]
        if enum and kind != "array":
            return enum[number % len(enum)]
        if kind == "array":
            if depth >= MAX_DEPTH:
                return []
            inner = self.item(node)
            return [self.generate(inner, f"{key}[0]", _singular(name), depth + 1)]
        if kind == "object":
            values = self.value(node)
            if values is not None:
                return {}
            if depth >= MAX_DEPTH:
                return {}
            fields = self.fields(node.get("ref")) if node.get("ref") else node.get("fields")
            return self.shape({}, fields or {}, key, depth + 1)
        if node.get("format") == "binary":
            return f"{name or 'file'}.pdf"
        return _seed.scalar(kind, node.get("format"), name, number)

    def shape(
        self, record: Mapping[str, Any], fields: Mapping[str, Node], key: str, depth: int = 0
    ) -> dict[str, Any]:
        """``record`` as the model ``fields`` states it: every field, each of the right type.

        Stored values of the right type are kept (what a client wrote, it reads back); the
        others are generated from ``key``. Fields the model does not list are left out.
        """
        out: dict[str, Any] = {}
        for name, node in fields.items():
            sub = f"{key}.{name}"
            if name in record:
                value = record[name]
                if value is None and node.get("nullable"):
                    out[name] = None
                    continue
                if value is not None and self._type_ok(value, node, lenient=False):
                    out[name] = self._reshape(value, node, sub, depth)
                    continue
                if name == "id" and node.get("type") == "string" and value is not None:
                    out[name] = str(value)
                    continue
            out[name] = self.generate(node, sub, name, depth)
        return out

    def _reshape(self, value: Any, node: Node, key: str, depth: int) -> Any:
        kind = node.get("type")
        if kind == "object" and node.get("ref") and depth < MAX_DEPTH:
            fields = self.fields(node["ref"])
            if fields is not None:
                return self.shape(value, fields, key, depth + 1)
        if kind == "array" and depth < MAX_DEPTH:
            inner = self.item(node)
            if not all(self._type_ok(v, inner, lenient=False) for v in value):
                return [self.generate(inner, f"{key}[0]", "", depth + 1)]
            if inner.get("type") == "object" and inner.get("ref"):
                return [
                    self._reshape(v, inner, f"{key}[{i}]", depth + 1) for i, v in enumerate(value)
                ]
        return value

    def answer(self, record: Mapping[str, Any], node: Optional[Node], key: str) -> Any:
        """The JSON a response schema ``node`` states, built around ``record``."""
        if node is None:
            return dict(record)
        kind = node.get("type")
        if kind == "object" and node.get("ref"):
            fields = self.fields(node["ref"])
            if fields is not None:
                return self.shape(record, fields, key)
        return self.generate(node, key)


def _enum(node: Node) -> Optional[list[Any]]:
    """The node's enum; ``None`` where the spec wrote a rule as prose ("Any value present in
    the Company list of Units of Measure"), which names no value."""
    enum = node.get("enum")
    if enum and len(enum) == 1 and isinstance(enum[0], str) and enum[0].startswith("Any value"):
        return None
    return list(enum) if enum else None


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def _singular(name: str) -> str:
    return name[:-1] if name.endswith("s") else name


def _article(kind: str, node: Node) -> str:
    if node.get("format") == "decimal":
        return "a decimal number"
    return {
        "string": "a string",
        "integer": "an integer",
        "number": "a number",
        "boolean": "true or false",
        "date": "a date (YYYY-MM-DD)",
        "date-time": "a date-time (ISO 8601)",
        "array": "an array",
        "object": "an object",
    }.get(kind, kind)
