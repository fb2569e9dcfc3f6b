"""Procore records to Arrow tables typed from dlt column hints, for :mod:`procore_dc.dlt`.

dlt writes an Arrow table straight to a Parquet file and loads it as it is; a list of dicts
goes through dlt's per-row normaliser (type coercion, flattening, a row id each), which cost
more than reading the records from Procore did. So the source builds one table per batch of
records here, column by column, with the types the operation's response schema gives:

- ``bigint``, ``double``, ``bool``, ``text``: Arrow's own conversion of the JSON values;
- ``timestamp`` and ``date``: Procore's ISO 8601 text cast by Arrow (UTC, microseconds, as
  dlt stores timestamps in DuckDB);
- ``json`` (nested objects and arrays): the JSON text, which is how dlt itself hands a JSON
  column to a destination from Arrow.

A field the schema does not name is added with the type Arrow infers (nested values as JSON
text). A batch whose values do not fit their declared types (Procore sending text where its
spec says integer) returns ``None``: the caller then yields those rows as dicts, and dlt's
normaliser stores them as it would have (variant columns), slower but exact.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Optional

import pyarrow as pa
from dlt.common.json import json

__all__ = ["ARROW_TYPES", "arrow_table"]

#: dlt data type -> the Arrow type of its column.
ARROW_TYPES: Mapping[str, Any] = {
    "bigint": pa.int64(),
    "double": pa.float64(),
    "bool": pa.bool_(),
    "text": pa.string(),
    "json": pa.string(),
    "timestamp": pa.timestamp("us", tz="UTC"),
    "date": pa.date32(),
}

_CAST_FROM_TEXT = frozenset({"timestamp", "date"})


def _json_text(values: Sequence[Any]) -> list[Optional[str]]:
    return [None if v is None else json.dumps(v) for v in values]


def _column(values: list[Any], data_type: Optional[str]) -> tuple[Any, bool]:
    """The Arrow array of one column, and whether its values went in as JSON text."""
    if data_type == "json" or (
        data_type is None and any(isinstance(v, (dict, list)) for v in values)
    ):
        return pa.array(_json_text(values), pa.string()), True
    if data_type is None:
        return pa.array(values), False
    if data_type in _CAST_FROM_TEXT:
        return pa.array(values, pa.string()).cast(ARROW_TYPES[data_type]), False
    return pa.array(values, ARROW_TYPES[data_type]), False


def arrow_table(
    rows: Sequence[Mapping[str, Any]], columns: Mapping[str, Mapping[str, Any]]
) -> Optional[tuple[Any, list[str]]]:
    """One Arrow table of ``rows`` typed by dlt column hints, and the columns the hints do not
    name that hold JSON text (nested values); ``None`` when a value does not fit its type.

    .. code-block:: python

        >>> table, nested = arrow_table(
        ...     [{"id": 1, "updated_at": "2025-01-06T08:00:00Z", "assignee": {"id": 7}}],
        ...     {"id": {"data_type": "bigint"}, "updated_at": {"data_type": "timestamp"}},
        ... )
        >>> [str(t) for t in table.schema.types]
        ['int64', 'timestamp[us, tz=UTC]', 'string']
        >>> table.column("assignee").to_pylist(), nested
        (['{"id":7}'], ['assignee'])
    """
    names: dict[str, None] = {}
    for row in rows:
        names.update(dict.fromkeys(row))
    arrays = []
    nested = []
    try:
        for name in names:
            hint = columns.get(name)
            data_type = hint.get("data_type") if hint else None
            array, as_json = _column([row.get(name) for row in rows], data_type)
            arrays.append(array)
            if as_json and data_type is None:
                nested.append(name)
    except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError):
        return None
    # dlt reads a column's nullability from the Arrow field: say what the hints say, or dlt
    # warns of a mismatch on every table.
    fields = [
        pa.field(name, array.type, nullable=(columns.get(name) or {}).get("nullable", True))
        for name, array in zip(names, arrays)
    ]
    return pa.Table.from_arrays(arrays, schema=pa.schema(fields)), nested
