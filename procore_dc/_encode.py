"""Procore's wire conventions for values, filters, sorting and wrapped bodies, in one place.

The curated resources and the operation engine send what users give them through these
functions, so a datetime, a ``numpy.int64`` id, a ``(start, end)`` range or a set of ids is
encoded the same way whichever way a call is made (procore-api.md 2.6).
"""

from __future__ import annotations

import datetime as _dt
import numbers
from collections.abc import Mapping, Sequence
from typing import Any, Optional, Union

from procore_dc._ids import TEXT_ID_FIELDS, coerce_id
from procore_dc.exceptions import ConfigurationError
from procore_dc.models import format_datetime

__all__ = [
    "body",
    "encode_attribute_sort",
    "encode_filters",
    "encode_sort",
    "wire_value",
]


def wire_value(value: Any) -> Any:
    """Turn a Python value into what Procore expects in a JSON body or a query."""
    if isinstance(value, _dt.datetime):
        return format_datetime(value)
    if isinstance(value, _dt.date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): wire_value(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [wire_value(v) for v in value]
    if type(value) is not bool and isinstance(value, numbers.Integral):
        return int(value)  # numpy.int64 out of a DataFrame: json cannot encode it
    return value


def _wire_fields(fields: Any, what: str) -> dict[str, Any]:
    if not isinstance(fields, Mapping):
        raise ConfigurationError(f"each {what} must be a mapping, got {type(fields).__name__}")
    return {str(k): wire_value(v) for k, v in fields.items()}


def body(wrapper: str, typed: Mapping[str, Any], extra: Mapping[str, Any]) -> dict[str, Any]:
    """Build Procore's wrapped body, e.g. ``{"rfi": {...}}``, leaving out unset typed fields."""
    fields = {
        k: v if k in TEXT_ID_FIELDS or not k.endswith("_id") else coerce_id(v, k)
        for k, v in typed.items()
        if v is not None
    }
    fields.update(extra)
    return {wrapper: _wire_fields(fields, "field set")}


def _filter_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, _dt.datetime):
        return format_datetime(value)
    if isinstance(value, _dt.date):
        return value.isoformat()
    return str(value)


def encode_filters(filters: Optional[Mapping[str, Any]], key: str = "filters") -> dict[str, Any]:
    """Encode Procore's filter syntax as query parameters (procore-api.md 2.6).

    - ``{"status": "open"}`` -> ``filters[status]=open``
    - lists (and sets) -> ``filters[id][]=1&filters[id][]=2``
    - a ``(start, end)`` tuple of dates or datetimes -> ``filters[created_at]=a...b``, in
      ISO 8601 UTC

    :param filters: attribute -> value
    :param key: the parameter name (``filter`` for webhook deliveries)
    :raises ConfigurationError: for a ``None`` value or a nested mapping

    .. code-block:: python

        >>> encode_filters({"status": "open", "id": [1, 2]})
        {'filters[status]': 'open', 'filters[id][]': ['1', '2']}
    """
    params: dict[str, Any] = {}
    for name, value in (filters or {}).items():
        if value is None or isinstance(value, Mapping):
            raise ConfigurationError(
                f"filter {name!r} needs a value, a list or a (start, end) range, got {value!r}"
            )
        if (
            isinstance(value, tuple)
            and len(value) == 2
            and all(isinstance(v, _dt.date) for v in value)
        ):
            start, end = value
            params[f"{key}[{name}]"] = f"{_filter_value(start)}...{_filter_value(end)}"
        elif isinstance(value, (list, tuple, set, frozenset)):
            items = sorted(value, key=str) if isinstance(value, (set, frozenset)) else value
            params[f"{key}[{name}][]"] = [_filter_value(v) for v in items]
        else:
            params[f"{key}[{name}]"] = _filter_value(value)
    return params


def encode_sort(sort: Union[str, Sequence[str], None]) -> Optional[str]:
    """``sort=a,-b``: one field or several; a ``-`` prefix sorts descending."""
    if sort is None:
        return None
    if isinstance(sort, str):
        return sort
    return ",".join(sort)


def encode_attribute_sort(sort: Union[str, Sequence[str], None]) -> dict[str, str]:
    """``sort[attribute]`` and ``sort[direction]``, for the lists that spell sorting so.

    Procore's catalogue gives some lists (RFIs) these two parameters instead of ``sort``;
    they take one attribute, ``-`` in front for descending, as :func:`encode_sort` does.

    :raises ConfigurationError: for more than one attribute

    .. code-block:: python

        >>> encode_attribute_sort("-created_at")
        {'sort[attribute]': 'created_at', 'sort[direction]': 'desc'}
    """
    if sort is None:
        return {}
    fields = [sort] if isinstance(sort, str) else list(sort)
    if len(fields) != 1 or not fields[0].lstrip("-"):
        raise ConfigurationError(
            f"this list sorts by one attribute (sort[attribute]), got {sort!r}; "
            "pass one field name, with '-' in front for descending"
        )
    field = fields[0]
    return {
        "sort[attribute]": field.lstrip("-"),
        "sort[direction]": "desc" if field.startswith("-") else "asc",
    }
