"""The base every model shares, and the small references Procore embeds in other records."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, ClassVar, Optional

import attrs

__all__ = ["CompanyRef", "Model", "NamedRef", "PersonRef"]

_EMPTY: Mapping[str, Any] = MappingProxyType({})


@attrs.frozen(repr=False)
class Model:
    """Base of every procore_dc model: frozen, slotted, with the original JSON kept as ``raw``.

    ``raw`` is the mapping Procore sent, including keys the model has no field for. It takes no
    part in ``==``, hashing or ``repr``. Treat it as read-only; :meth:`to_dict` gives a copy.

    **Equality and hashing.** ``==`` compares every field. ``hash()`` uses the record's
    identity only: its type and ``id`` (``uuid`` for an upload; the type alone for the few
    records without an id, such as a webhook delivery). So models work in sets and as
    dict keys even when they hold JSON objects or lists (``custom_fields``, ``project_type``),
    and equal models always hash alike. Two snapshots of the same record that differ in some
    field (before and after an update) are unequal, so a set keeps both; to keep one per
    record, key a dict by ``.id``.

    .. code-block:: python

        rfi = project.rfis.get(7)
        rfi.raw.get("custom_textfield_3")   # a field the model does not name
        seen = {rfi: "first look"}          # hashable by (Rfi, 7)
        rfi.to_dict()                        # the JSON, as Procore sent it
    """

    raw: Mapping[str, Any] = attrs.field(
        default=_EMPTY, eq=False, repr=False, kw_only=True, hash=False
    )

    #: The fields ``repr`` shows: enough to recognise a record, never a secret.
    _repr_fields: ClassVar[tuple[str, ...]] = ("id",)
    #: The fields that say which record this is: the hash is over these and the type.
    _identity_fields: ClassVar[tuple[str, ...]] = ("id",)

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        # attrs writes a field-wise __hash__ into every frozen subclass, which fails on a
        # field holding a dict or list; put the identity hash back (attrs builds the slotted
        # class, and so calls this, after adding its methods).
        cls.__hash__ = Model.__hash__  # type: ignore[method-assign]

    def __hash__(self) -> int:
        return hash((type(self), *(getattr(self, name, None) for name in self._identity_fields)))

    def __repr__(self) -> str:
        parts = []
        for name in self._repr_fields:
            value = getattr(self, name)
            if value is not None:
                parts.append(f"{name}={value!r}")
        return f"{type(self).__name__}({', '.join(parts)})"

    def to_dict(self) -> dict[str, Any]:
        """The record as wire JSON: what Procore sent (``raw``, unknown keys included), with
        any field changed since (``attrs.evolve``) or set by hand written back in Procore's
        format (ISO 8601 dates and times). A fresh copy: changing it changes nothing here.

        .. code-block:: python

            >>> from procore_dc.models import Rfi, structure
            >>> rfi = structure({"id": 7, "due_date": "2026-03-01", "x_custom": [1]}, Rfi)
            >>> rfi.to_dict()
            {'id': 7, 'due_date': '2026-03-01', 'x_custom': [1]}
        """
        return _to_wire(self)  # type: ignore[no-any-return]


def _to_wire(value: Any) -> Any:
    from procore_dc.models._converter import converter, unstructure

    if isinstance(value, Model):
        out = copy.deepcopy(dict(value.raw))
        try:
            as_sent = converter.structure(value.raw, type(value)) if value.raw else None
        except Exception:  # raw that no longer fits the type (built by hand): trust the fields
            as_sent = None
        for field in attrs.fields(type(value)):
            if field.name == "raw":
                continue
            current = getattr(value, field.name)
            if as_sent is not None and getattr(as_sent, field.name) == current:
                continue  # unchanged: keep exactly what Procore sent (or left out)
            if current is None and field.name not in out:
                continue  # an unset optional field that was never on the wire
            out[field.name] = _to_wire(current)
        return out
    if isinstance(value, (tuple, list)):
        return [_to_wire(item) for item in value]
    if isinstance(value, Mapping):
        return {str(key): _to_wire(item) for key, item in value.items()}
    return unstructure(value)


@attrs.frozen(repr=False)
class PersonRef(Model):
    """A person embedded in another record: ``{"id", "login", "name"}``.

    .. code-block:: python

        rfi.assignee.login
    """

    id: int
    login: Optional[str] = None
    name: Optional[str] = None

    _repr_fields = ("id", "name")


@attrs.frozen(repr=False)
class CompanyRef(Model):
    """A company embedded in another record: ``{"id", "name"}``."""

    id: int
    name: Optional[str] = None

    _repr_fields = ("id", "name")


@attrs.frozen(repr=False)
class NamedRef(Model):
    """Any other embedded record Procore shows as ``{"id", "name", ...}`` (location, cost code,
    trade, vendor, office...). Further keys stay in ``raw``."""

    id: Optional[int] = None
    name: Optional[str] = None

    _repr_fields = ("id", "name")
