"""Ids as users have them: one check for every id the SDK takes.

Procore ids are positive integers. Users hold them as ``int``, as ``numpy.int64`` (out of a
DataFrame), as other integral types, or as digit strings (out of a config file, a URL or a CSV).
Every entry point (``ProcoreClient``, the scopes, the resources, ``Session`` and the CLI) calls
:func:`coerce_id`, so they all accept and refuse the same things.
"""

from __future__ import annotations

import operator
from typing import Any, Optional
from urllib.parse import quote

from procore_dc.exceptions import ConfigurationError

__all__ = ["TEXT_ID_FIELDS", "coerce_id", "coerce_optional_id", "path_id"]

#: ``*_id`` fields that are the caller's own text, not Procore ids (an ERP's key, say).
TEXT_ID_FIELDS = frozenset({"origin_id"})

_ACCEPTED = "(an int, a numpy or other integral number, or a digit string)"


def coerce_id(value: Any, name: str = "id", what: str = "id") -> int:
    """Return ``value`` as a positive ``int``, or raise naming ``name`` and the value's type.

    Accepts ``int``, any :class:`numbers.Integral` or ``operator.index``-able value (such as
    ``numpy.int64``) and digit strings (surrounding spaces ignored). Refuses booleans, floats
    (even ``1.0``: a float id has usually lost precision somewhere), other text and values
    below 1.

    :param name: the parameter, named in the error
    :param what: what kind of id, named in the error
    :raises ConfigurationError: for anything else

    .. code-block:: python

        >>> coerce_id("100001", "project_id")
        100001
        >>> coerce_id(" 8 ", "company_id")
        8
        >>> coerce_id(1.5, "rfi_id")  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        procore_dc.exceptions.ConfigurationError: rfi_id must be a positive integer id ...float 1.5
    """
    number: Optional[int] = None
    if isinstance(value, str):
        text = value.strip()
        if text.isascii() and text.isdigit():
            number = int(text)
    elif not isinstance(value, bool) and not _is_bool_like(value):
        try:
            number = operator.index(value)
        except TypeError:
            number = None
    if number is None or number <= 0:
        raise ConfigurationError(
            f"{name} must be a positive integer {what} {_ACCEPTED}, got {type(value).__name__} "
            f"{value!r}"
        )
    return number


def coerce_optional_id(value: Any, name: str = "id", what: str = "id") -> Optional[int]:
    """:func:`coerce_id`, letting ``None`` (an unset optional id) through."""
    return None if value is None else coerce_id(value, name, what)


def _is_bool_like(value: Any) -> bool:
    # numpy.bool_ is not a bool subclass; it has no __index__ in numpy 2, but did in 1.x.
    return type(value).__name__ in ("bool_", "bool") and type(value).__module__ == "numpy"


def path_id(value: Any, name: str = "id") -> str:
    """Check an id for a path and quote it: a positive integer, never text that could escape.

    Takes what :func:`coerce_id` takes (``numpy.int64``, digit strings...).

    :raises ConfigurationError: when the id is not a positive integer
    """
    return quote(str(coerce_id(value, name)), safe="")
