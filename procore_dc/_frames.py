"""``PageIterator.to_dataframe()``: records to a pandas DataFrame whose columns mean something.

- Columns are the fields Procore sent: a model field that was never in a response is left out
  (a column of ``None`` would read as "Procore returned null"); ``all_fields=True`` keeps
  every model field.
- An empty result still has the model's columns, so ``frame["status"]`` works on it.
- Date fields become ``datetime64`` columns (midnight, no time zone); datetimes stay aware
  (UTC), as pandas infers them.
"""

from __future__ import annotations

import datetime as _dt
import typing
from collections.abc import Mapping, Sequence
from typing import Any, Optional

import attrs

from procore_dc.exceptions import ConfigurationError

__all__ = ["to_dataframe"]


def to_dataframe(
    items: Sequence[Any], model: Optional[type] = None, all_fields: bool = False
) -> Any:
    """Build the DataFrame of ``items`` (models, attrs instances or mappings).

    :param model: the items' model class, which gives an empty result its columns
    :param all_fields: one column per model field, sent or not
    :raises ConfigurationError: when pandas cannot be imported
    """
    try:
        import pandas  # type: ignore[import-untyped, import-not-found, unused-ignore]
    except ImportError:
        raise ConfigurationError(
            "to_dataframe() needs pandas, which is not installed: pip install pandas"
        ) from None
    model = model if model is not None else _model_of(items)
    rows = [_row(item) for item in items]
    if model is None:
        return pandas.DataFrame.from_records(rows)
    fields = [f.name for f in attrs.fields(model) if f.repr is not False]
    if items and not all_fields:
        sent = set().union(*(_sent_keys(item) for item in items))
        fields = [name for name in fields if name in sent]
    frame = pandas.DataFrame.from_records(rows, columns=fields)
    for name in _date_fields(model):
        if name in frame.columns:
            frame[name] = pandas.to_datetime(frame[name])
    return frame


def _model_of(items: Sequence[Any]) -> Optional[type]:
    kinds = {type(item) for item in items}
    if len(kinds) == 1:
        (kind,) = kinds
        if attrs.has(kind):
            return kind
    return None


def _row(item: Any) -> Any:
    if isinstance(item, Mapping):
        return dict(item)
    if attrs.has(type(item)):
        return attrs.asdict(item, recurse=True, filter=lambda a, _v: a.repr is not False)
    return item


def _sent_keys(item: Any) -> set[str]:
    raw = getattr(item, "raw", None)
    if isinstance(raw, Mapping) and raw:
        return set(raw)
    if isinstance(item, Mapping):
        return set(item)
    # Built by hand: the fields that were set.
    return {f.name for f in attrs.fields(type(item)) if getattr(item, f.name) is not None}


def _date_fields(model: type) -> list[str]:
    hints = typing.get_type_hints(model)
    found = []
    for field in attrs.fields(model):
        kinds = typing.get_args(hints.get(field.name)) or (hints.get(field.name),)
        if _dt.date in kinds:  # datetime.datetime is a different type, and stays as it is
            found.append(field.name)
    return found
