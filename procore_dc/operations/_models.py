"""Typed results for any operation: model classes built from Procore's spec on first use.

Every response schema of ``procore_dc._catalog.load_schemas()`` becomes a frozen, slotted
attrs class deriving from :class:`procore_dc.models.Model`, so it goes through the one cattrs
converter (and its fast path) like the curated models: dates and datetimes parsed, decimal
strings as ``Decimal``, enums as ``str`` (the allowed values in the class
docstring), nested objects as nested models, arrays as tuples, ``.raw`` kept, ``to_dict()``.
Every field is optional (Procore's response models mark none required, and send nulls freely).
A class is built once per schema model and cached.

**Field names.** A wire name that is not a Python identifier, or is a keyword, or would hide
a :class:`~procore_dc.models.Model` attribute, is *mangled*, deterministically: every run of
characters other than letters, digits and ``_`` becomes one ``_``, as does a run of ``_``;
leading and trailing ``_`` are dropped; a name starting with a digit gets ``field_`` in
front; a keyword, ``self``, ``raw`` or ``to_dict`` gets ``_`` appended; a name taken by
another field gets ``_2``, ``_3``... So ``from`` -> ``from_``, ``fr-CA`` -> ``fr_CA``,
``x-amz-content-sha256`` -> ``x_amz_content_sha256``. ``raw`` keeps the original keys, and
``to_dict()`` writes them. The spec's name *patterns* (``custom_field_%{definition_id}``)
are not fields: Procore sends ``custom_field_123``, which ``raw`` keeps.

Operations without a response schema answer a :class:`Record`.
"""

from __future__ import annotations

import keyword
import re
import threading
from collections.abc import Iterator, Mapping
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Optional, Union

import attrs
import cattrs

from procore_dc.models import Model
from procore_dc.models._converter import register_hooks

__all__ = ["Record", "mangle", "model_for", "response_model"]

_SCALARS: Mapping[str, Any] = {
    "string": str,
    "integer": int,
    "number": float,
    "boolean": bool,
    "date": date,
    "date-time": datetime,
}
# ``self`` would clash with ``__init__``'s own first argument.
_RESERVED = frozenset({"raw", "to_dict", "self"})
_NOT_NAME = re.compile(r"[^0-9A-Za-z_]+")
_UNDERSCORES = re.compile(r"__+")
_TEMPLATE = re.compile(r"%\{\w+\}")
_lock = threading.RLock()
_built: dict[str, type[Model]] = {}
_building: set[str] = set()


@attrs.frozen(repr=False)
class Record(Model):
    """An answer the spec gives no shape: its JSON keys by attribute or by key, and ``.raw``.

    .. code-block:: python

        >>> from procore_dc.models import structure
        >>> record = structure({"id": 3, "status": "open"}, Record)
        >>> record.status, record["id"], record.get("missing"), "status" in record
        ('open', 3, None, True)
        >>> record.to_dict()
        {'id': 3, 'status': 'open'}
    """

    def __getattr__(self, name: str) -> Any:
        raw = object.__getattribute__(self, "raw")
        if name in raw:
            return raw[name]
        raise AttributeError(f"this record has no field {name!r}; it has {sorted(raw)}")

    def __getitem__(self, key: str) -> Any:
        return self.raw[key]

    def __contains__(self, key: object) -> bool:
        return key in self.raw

    def __iter__(self) -> Iterator[str]:
        return iter(self.raw)

    def __len__(self) -> int:
        return len(self.raw)

    def get(self, key: str, default: Any = None) -> Any:
        """The value of ``key``, or ``default``."""
        return self.raw.get(key, default)

    def keys(self) -> Any:
        """The JSON keys."""
        return self.raw.keys()

    def __repr__(self) -> str:
        shown = {k: self.raw[k] for k in ("id", "name", "title") if k in self.raw}
        return f"Record({', '.join(f'{k}={v!r}' for k, v in shown.items())})"

    def __dir__(self) -> list[str]:
        return sorted(set(super().__dir__()) | {k for k in self.raw if k.isidentifier()})


def mangle(name: str, taken: frozenset[str] = frozenset()) -> str:
    """The Python attribute name of a wire field name (see the module docstring).

    .. code-block:: python

        >>> mangle("from"), mangle("fr-CA"), mangle("x-amz-content-sha256"), mangle("2d")
        ('from_', 'fr_CA', 'x_amz_content_sha256', 'field_2d')
    """
    if name.isidentifier() and not name.startswith("_"):
        out = name
    else:
        out = _UNDERSCORES.sub("_", _NOT_NAME.sub("_", name)).strip("_") or "field"
        if out[0].isdigit():
            out = "field_" + out
    if keyword.iskeyword(out) or out in _RESERVED:
        out += "_"
    base, count = out, 1
    while out in taken:
        count += 1
        out = f"{base}_{count}"
    return out


def _structure_decimal(value: Any, _: Any = None) -> Decimal:
    if isinstance(value, Decimal):
        return value
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise TypeError(f"expected a decimal string, got {type(value).__name__}")
    try:
        return Decimal(str(value))
    except InvalidOperation:
        raise ValueError(f"{value!r} is not a decimal number") from None


def _decimal_hooks(conv: cattrs.Converter) -> None:
    conv.register_structure_hook(Decimal, _structure_decimal)
    conv.register_unstructure_hook(Decimal, str)


register_hooks(_decimal_hooks)


def _schemas() -> Mapping[str, Any]:
    from procore_dc._catalog import load_schemas

    models: Mapping[str, Any] = load_schemas()["models"]
    return models


def _field_type(node: Mapping[str, Any]) -> Any:
    kind = node.get("type", "any")
    if node.get("format") == "decimal":
        return Optional[Decimal]
    if node.get("format") == "binary" or node.get("one_of"):
        return Any
    if kind in _SCALARS:
        return Optional[_SCALARS[kind]]
    if kind == "object":
        ref = node.get("ref")
        model = model_for(ref) if ref else None
        return Optional[model] if model is not None else Optional[Mapping[str, Any]]
    if kind == "array":
        items = node.get("items")
        if items is None:
            items = {"type": node.get("items_type") or "any", "ref": node.get("items_ref")}
        return Optional[tuple[_item_type(items), ...]]  # type: ignore[misc]
    return Any


def _item_type(node: Mapping[str, Any]) -> Any:
    """An array item's type: as a field's, without the ``Optional`` (Procore's arrays hold no
    nulls), so each item goes straight to its hook."""
    inner = _field_type(node)
    args = [arg for arg in getattr(inner, "__args__", ()) if arg is not type(None)]
    return args[0] if getattr(inner, "__origin__", None) is Union and len(args) == 1 else inner


def _enum_text(node: Mapping[str, Any]) -> str:
    allowed = [e for e in node.get("enum") or () if e is not None]
    if not allowed or str(allowed[0]).startswith("Any value"):
        return ""
    return " one of " + ", ".join(repr(e) for e in allowed)


def _class_name(ref: str) -> str:
    name = _NOT_NAME.sub("", ref)
    return name if name and not name[0].isdigit() else f"Model{name}"


def model_for(ref: str) -> Optional[type[Model]]:
    """The model class of a spec model (``"RestV10ProjectsProjectIdRfisPost201Response"``),
    built on first use; ``None`` for a model the spec does not describe field by field
    (alternatives, free maps) or one being built higher up a cycle.

    .. code-block:: python

        >>> cls = model_for("RestV10ProjectsProjectIdRfisPost201Response")
        >>> from procore_dc.models import structure
        >>> structure({"id": 7, "due_date": "2026-03-01"}, cls).due_date
        datetime.date(2026, 3, 1)
    """
    with _lock:
        found = _built.get(ref)
        if found is not None:
            return found
        spec = _schemas().get(ref)
        if spec is None or "fields" not in spec or ref in _building:
            # A model inside its own definition (a folder's folders) stays a JSON mapping.
            return None
        _building.add(ref)
        try:
            cls = _make_class(ref, spec["fields"])
        finally:
            _building.discard(ref)
        _built[ref] = cls
        return cls


def _make_class(ref: str, fields: Mapping[str, Any]) -> type[Model]:
    taken: set[str] = set()
    members: dict[str, Any] = {}
    renamed: dict[str, str] = {}
    doc_lines = []
    for wire, node in fields.items():
        if _TEMPLATE.search(wire):
            continue  # a name pattern (``custom_field_%{id}``), never a key: see raw
        name = mangle(wire, frozenset(taken))
        taken.add(name)
        if name != wire:
            renamed[wire] = name
        type_ = _field_type(node)
        members[name] = attrs.field(default=None, type=type_)
        label = node.get("type", "any") if node.get("format") != "decimal" else "decimal"
        doc_lines.append(
            f"- ``{name}``"
            + (f" (wire ``{wire}``)" if name != wire else "")
            + f": {label}{_enum_text(node)}"
        )
    shown = tuple(n for n in ("id", "name", "title") if n in members)
    body = {
        "__doc__": f"Procore's ``{ref}``, built from its spec.\n\nFields:\n\n"
        + "\n".join(doc_lines),
        "_repr_fields": shown,
        "_identity_fields": ("id",) if "id" in members else (),
        "__module__": __name__,
    }
    cls: type[Model] = attrs.make_class(
        _class_name(ref),
        members,
        bases=(Model,),
        class_body=body,
        frozen=True,
        slots=True,
        repr=False,
        eq=True,
    )
    if renamed:
        _register_renaming(cls, renamed)
    return cls


def _register_renaming(cls: type[Model], renamed: Mapping[str, str]) -> None:
    """A class with mangled names reads the wire keys under their Python names, then keeps the
    original mapping as ``raw``."""

    def hooks(conv: cattrs.Converter) -> None:
        inner = conv.get_structure_hook(cls)

        def structure_renamed(data: Any, _: Any) -> Any:
            if not isinstance(data, Mapping):
                return inner(data, cls)
            instance = inner({renamed.get(k, k): v for k, v in data.items()}, cls)
            object.__setattr__(instance, "raw", data)
            return instance

        conv.register_structure_hook(cls, structure_renamed)

    register_hooks(hooks)


def response_model(shape: Optional[Mapping[str, Any]]) -> tuple[Optional[type[Model]], bool]:
    """The model of an operation's answer and whether the answer is a JSON array of them.

    ``(None, ...)`` when the answer's items have no field-by-field schema (see
    :class:`Record`).
    """
    if shape is None or shape.get("response") is None:
        return None, False
    node = shape["response"]
    if node.get("type") == "array":
        ref = node.get("items_ref")
        return (model_for(ref) if ref else None), True
    ref = node.get("ref")
    return (model_for(ref) if node.get("type") == "object" and ref else None), False
