"""Structure hooks for JSON primitives: what JSON may carry for each Python type."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any, Callable, Optional

from procore_dc.models._datetimes import _UTC, _fromisoformat, parse_date, parse_datetime

# cattrs' default for str/bool is ``str(value)``/``bool(value)``, which would turn a nested
# object into "{'id': 1}" or the string "false" into True without complaint. These accept what
# JSON can carry for the type and raise TypeError otherwise, so a wrong shape is reported.


def _structure_str(value: Any, _: Any = None) -> str:
    if type(value) is str:
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    raise TypeError(f"expected a string, got {type(value).__name__}")


def _structure_int(value: Any, _: Any = None) -> int:
    if type(value) is int:
        return value
    if isinstance(value, str):
        return int(value)  # IDs arrive as strings in a few payloads (webhooks v4, REST v2)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    raise TypeError(f"expected an integer, got {type(value).__name__}")


def _structure_float(value: Any, _: Any = None) -> float:
    if type(value) is float:
        return value
    if isinstance(value, (int, str)) and not isinstance(value, bool):
        return float(value)
    raise TypeError(f"expected a number, got {type(value).__name__}")


def _structure_bool(value: Any, _: Any = None) -> bool:
    if isinstance(value, bool):
        return value
    if value in ("true", "false"):
        return bool(value == "true")
    raise TypeError(f"expected a boolean, got {type(value).__name__}")


def _structure_datetime(value: Any, _: Any = None) -> datetime:
    return parse_datetime(value)


def _structure_date(value: Any, _: Any = None) -> date:
    return parse_date(value)


def _structure_mapping(value: Any, _: Any = None) -> Mapping[str, Any]:
    # Opaque JSON objects (custom_fields, metadata, ...) are kept as they came: copying them
    # would cost time and gain nothing, since the model never looks inside.
    if isinstance(value, Mapping):
        return value
    raise TypeError(f"expected a JSON object, got {type(value).__name__}")


# The hot path: a direct hook per Optional[...] of a primitive, one call instead of cattrs'
# generic Optional dispatch (two calls and a tuple unpacking per field).
def _optional_str(value: Any, _: Any = None) -> Optional[str]:
    if value is None or type(value) is str:
        return value
    return _structure_str(value)


def _optional_int(value: Any, _: Any = None) -> Optional[int]:
    if value is None or type(value) is int:
        return value
    return _structure_int(value)


def _optional_bool(value: Any, _: Any = None) -> Optional[bool]:
    if value is None or value is True or value is False:
        return value
    return _structure_bool(value)


def _optional_float(value: Any, _: Any = None) -> Optional[float]:
    if value is None or type(value) is float:
        return value
    return _structure_float(value)


def _optional_datetime(value: Any, _: Any = None) -> Optional[datetime]:
    if value is None:
        return None
    if type(value) is str:
        try:
            result = _fromisoformat(value)
        except ValueError:
            return parse_datetime(value)
        if result.tzinfo is None:
            return result.replace(tzinfo=_UTC)
        return result
    return parse_datetime(value)


def _optional_date(value: Any, _: Any = None) -> Optional[date]:
    if value is None:
        return None
    return parse_date(value)


_OPTIONAL_PRIMITIVES: Mapping[Any, Callable[[Any, Any], Any]] = {
    str: _optional_str,
    int: _optional_int,
    bool: _optional_bool,
    float: _optional_float,
    datetime: _optional_datetime,
    date: _optional_date,
}


def _not_an_object(value: Any) -> TypeError:
    return TypeError(f"expected a JSON object, got {type(value).__name__}")
