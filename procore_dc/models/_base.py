"""The base every model shares, and the small references Procore embeds in other records."""

from __future__ import annotations

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
    part in ``==``, hashing or ``repr``. Treat it as read-only.

    .. code-block:: python

        rfi = project.rfis.get(7)
        rfi.raw.get("custom_textfield_3")   # a field the model does not name
    """

    raw: Mapping[str, Any] = attrs.field(
        default=_EMPTY, eq=False, repr=False, kw_only=True, hash=False
    )

    #: The fields ``repr`` shows: enough to recognise a record, never a secret.
    _repr_fields: ClassVar[tuple[str, ...]] = ("id",)

    def __repr__(self) -> str:
        parts = []
        for name in self._repr_fields:
            value = getattr(self, name)
            if value is not None:
                parts.append(f"{name}={value!r}")
        return f"{type(self).__name__}({', '.join(parts)})"


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
