"""Parse the response headers Procore uses for rate limits and retries.

Pure functions over strings: they never raise on hostile input, they return ``None`` for a
value they cannot read, because a bad header must never hide the response behind it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import Any, Optional, TypeVar

import attrs

__all__ = [
    "RateLimitHeaders",
    "get",
    "get_int",
    "parse_rate_limit_headers",
    "parse_retry_after",
]

V = TypeVar("V")

# A header value longer than this is not a number or a date we would honour.
_MAX_HEADER_LENGTH = 64
# Reset times past this (year 9999) cannot become datetimes.
_MAX_EPOCH = 253402300799


@attrs.frozen
class RateLimitHeaders:
    """The three ``X-Rate-Limit-*`` values of one response, each ``None`` when absent or bad."""

    limit: Optional[int] = None
    remaining: Optional[int] = None
    reset_at: Optional[datetime] = None


def get(headers: Mapping[Any, V], name: str) -> Optional[V]:
    """The value of header ``name`` in any mapping, the name matched case-insensitively.

    Plain dicts (urllib3's, a webhook framework's, a test's) are case-sensitive; requests'
    ``CaseInsensitiveDict`` is not, so the exact name is tried first, without a scan.

    .. code-block:: python

        >>> get({"retry-after": "7"}, "Retry-After")
        '7'
    """
    value = headers.get(name)
    if value is None:
        lowered = name.lower()
        for key, candidate in headers.items():
            if isinstance(key, str) and key.lower() == lowered:
                return candidate
    return value


def get_int(headers: Mapping[str, str], name: str) -> Optional[int]:
    """Header ``name`` as a non-negative integer of at most 18 digits, or ``None``.

    .. code-block:: python

        >>> get_int({"Total": " 250 "}, "total")
        250
    """
    value = get(headers, name)
    if value is None:
        return None
    text = str(value).strip()
    if not text.isascii() or not text.isdigit() or len(text) > 18:
        return None
    return int(text)


def _get(headers: Mapping[str, str], name: str) -> Optional[str]:
    value = get(headers, name)
    if value is None:
        return None
    value = str(value).strip()
    if not value or len(value) > _MAX_HEADER_LENGTH:
        return None
    return value


def _non_negative_int(text: Optional[str]) -> Optional[int]:
    if text is None or not text.isascii() or not text.isdigit():
        return None
    return int(text)


def _epoch_to_datetime(text: Optional[str]) -> Optional[datetime]:
    if text is None:
        return None
    try:
        seconds = float(text)
    except ValueError:
        return None
    if not math.isfinite(seconds) or seconds < 0 or seconds > _MAX_EPOCH:
        return None
    return datetime.fromtimestamp(seconds, tz=timezone.utc)


def parse_rate_limit_headers(headers: Mapping[str, str]) -> RateLimitHeaders:
    """Read ``X-Rate-Limit-Limit``, ``-Remaining`` and ``-Reset`` (Unix seconds).

    :param headers: response headers (any mapping; names are matched case-insensitively)
    :return: the parsed values; unreadable ones are ``None``

    .. code-block:: python

        >>> parse_rate_limit_headers({"X-Rate-Limit-Remaining": "24"}).remaining
        24
    """
    return RateLimitHeaders(
        limit=_non_negative_int(_get(headers, "X-Rate-Limit-Limit")),
        remaining=_non_negative_int(_get(headers, "X-Rate-Limit-Remaining")),
        reset_at=_epoch_to_datetime(_get(headers, "X-Rate-Limit-Reset")),
    )


def parse_retry_after(value: Optional[str], now: datetime) -> Optional[float]:
    """Turn a ``Retry-After`` value (delta seconds or an HTTP date) into seconds from ``now``.

    A date in the past gives ``0.0``; anything unreadable gives ``None``.

    :param value: the raw header value
    :param now: an aware datetime to measure an HTTP date against

    .. code-block:: python

        >>> from datetime import datetime, timezone
        >>> parse_retry_after("7", datetime.now(timezone.utc))
        7.0
    """
    if value is None:
        return None
    text = str(value).strip()
    if not text or len(text) > _MAX_HEADER_LENGTH:
        return None
    if text.isascii() and text.isdigit():
        return float(int(text))
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - now).total_seconds())
