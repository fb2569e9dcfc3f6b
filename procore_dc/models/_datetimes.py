"""ISO 8601 as Procore writes it: parse timestamps and dates, write UTC with a ``Z``.

The models' converter and the resource clients (filters on timestamps) both use these.
"""

from __future__ import annotations

import sys
from datetime import date, datetime, timedelta, timezone
from typing import Callable, Union

__all__ = ["format_datetime", "parse_date", "parse_datetime"]

_UTC = timezone.utc


def _parse_datetime_compat(text: str) -> datetime:
    """Parse ISO 8601 on Python < 3.11, whose ``fromisoformat`` refuses ``Z`` and odd fractions."""
    value = text.strip()
    if value[-1:] in ("Z", "z"):
        value = value[:-1] + "+00:00"
    # Split off the offset so the fraction can be padded or cut to exactly six digits.
    offset = ""
    cut = max(value.rfind("+"), value.rfind("-"))
    if cut > 10 and "T" in value[:cut].upper():
        value, offset = value[:cut], value[cut:]
    dot = value.find(".")
    if dot == -1:
        dot = value.find(",")
    if dot != -1:
        fraction = value[dot + 1 :]
        value = value[:dot] + "." + (fraction + "000000")[:6]
    return datetime.fromisoformat(value + offset)


if sys.version_info >= (3, 11):  # pragma: no cover - which branch runs depends on the Python
    _fromisoformat: Callable[[str], datetime] = datetime.fromisoformat
else:  # pragma: no cover - Python 3.9 and 3.10 only (3.11 parses every ISO 8601 form)
    _fromisoformat = _parse_datetime_compat


def parse_datetime(value: Union[str, datetime]) -> datetime:
    """Parse a Procore timestamp into an aware datetime (UTC when it carries no offset).

    :param value: an ISO 8601 string such as ``2025-02-06T23:34:12.246562Z``, or a datetime
    :raises ValueError: when the text is not ISO 8601

    .. code-block:: python

        >>> parse_datetime("2025-02-06T23:34:12.246562Z").tzinfo
        datetime.timezone.utc
    """
    if isinstance(value, datetime):
        result = value
    elif isinstance(value, str):
        try:
            result = _fromisoformat(value)
        except (ValueError, IndexError):
            result = _parse_datetime_compat(value)
    else:
        raise TypeError(f"expected an ISO 8601 string, got {type(value).__name__}")
    if result.tzinfo is None:
        return result.replace(tzinfo=_UTC)
    return result


def parse_date(value: Union[str, date]) -> date:
    """Parse a Procore date (``YYYY-MM-DD``); a full timestamp is cut to its date.

    :raises ValueError: when the text is not an ISO 8601 date or timestamp

    .. code-block:: python

        >>> parse_date("2026-03-01")
        datetime.date(2026, 3, 1)
    """
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if not isinstance(value, str):
        raise TypeError(f"expected an ISO 8601 date string, got {type(value).__name__}")
    if len(value) == 10:
        return date.fromisoformat(value)
    return parse_datetime(value).date()


def format_datetime(value: datetime) -> str:
    """Write a datetime as ISO 8601 UTC with a ``Z``, the form Procore expects in bodies.

    A naive datetime is taken as UTC.

    .. code-block:: python

        >>> format_datetime(datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone.utc))
        '2026-01-02T03:04:05Z'
    """
    if value.tzinfo is None:
        value = value.replace(tzinfo=_UTC)
    elif value.utcoffset() != timedelta(0):
        value = value.astimezone(_UTC)
    return value.isoformat().replace("+00:00", "Z")
