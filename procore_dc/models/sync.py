"""The result of a sync (batch upsert) call (procore-api.md 2.3)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Generic, Optional, TypeVar

import attrs
import cattrs

from procore_dc.models._converter import register_hooks

__all__ = ["SyncError", "SyncResult"]

T = TypeVar("T")


def _messages(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, (list, tuple)):
        return tuple(str(item) for item in value)
    return (str(value),)


def _with_field(field: str, text: str) -> str:
    # "name can't be blank" reads as one phrase; "id Entity with this ID not found" does not.
    if field == "base":
        return text
    return f"{field}: {text}" if text[:1].isupper() else f"{field} {text}"


@attrs.frozen
class SyncError:
    """One item a sync call refused: the input that failed and Procore's field messages.

    :ivar input: the item as Procore echoed it (without the ``errors`` key)
    :ivar errors: field name -> messages, e.g. ``{"id": ("Entity with this ID not found",)}``

    .. code-block:: python

        for error in result.errors:
            print(error.input.get("origin_id"), error.messages())
    """

    input: Mapping[str, Any] = attrs.field(repr=False)
    errors: Mapping[str, tuple[str, ...]] = attrs.field(factory=dict)

    @property
    def id(self) -> Optional[int]:
        """The failed item's ``id``, when it had one."""
        value = self.input.get("id")
        return value if isinstance(value, int) and not isinstance(value, bool) else None

    @property
    def origin_id(self) -> Optional[str]:
        """The failed item's ``origin_id``, when it had one."""
        value = self.input.get("origin_id")
        return None if value is None else str(value)

    def messages(self) -> list[str]:
        """Every message with its field: ``"name can't be blank"`` for Procore's short
        messages, ``"id: Entity with this ID not found"`` for a whole sentence."""
        return [_with_field(field, text) for field, texts in self.errors.items() for text in texts]

    @classmethod
    def from_json(cls, entry: Mapping[str, Any]) -> SyncError:
        """Build from one entry of a sync response's ``errors`` array.

        :raises TypeError: when the entry is not a JSON object
        """
        if not isinstance(entry, Mapping):
            raise TypeError(f"expected a JSON object, got {type(entry).__name__}")
        raw_errors = entry.get("errors")
        errors: dict[str, tuple[str, ...]] = {}
        if isinstance(raw_errors, Mapping):
            errors = {str(key): _messages(value) for key, value in raw_errors.items()}
        elif raw_errors is not None:
            errors = {"base": _messages(raw_errors)}
        return cls({k: v for k, v in entry.items() if k != "errors"}, errors)

    def to_json(self) -> dict[str, Any]:
        """The wire form: the input with an ``errors`` object, as Procore sends it."""
        return {**self.input, "errors": {k: list(v) for k, v in self.errors.items()}}


@attrs.frozen
class SyncResult(Generic[T]):
    """What a sync call did: the records it created or updated, and the items it refused.

    Procore answers 200 even when every item failed; check ``errors``.

    .. code-block:: python

        result = company.projects.sync([{"origin_id": "erp-1", "name": "Tower"}])
        print(len(result.entities), "saved;", len(result.errors), "refused")
    """

    entities: tuple[T, ...] = ()
    errors: tuple[SyncError, ...] = ()

    @property
    def ok(self) -> bool:
        """True when no item was refused."""
        return not self.errors

    def __add__(self, other: SyncResult[T]) -> SyncResult[T]:
        """Combine the results of two batches."""
        return SyncResult(self.entities + other.entities, self.errors + other.errors)


# Resolve the string annotations now: cattrs on Python 3.9 cannot resolve them itself for a
# parametrised generic such as SyncResult[Vendor].
attrs.resolve_types(SyncResult)


def _register(conv: cattrs.Converter) -> None:
    conv.register_structure_hook(SyncError, lambda value, _: SyncError.from_json(value))
    conv.register_unstructure_hook(SyncError, SyncError.to_json)


register_hooks(_register)
