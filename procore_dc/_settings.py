"""The ``PROCORE_*`` environment variables: one table, one reader.

``ServiceAccountAuth.from_env``, ``ProcoreClient.from_env``, the CLI's credentials (which add
flags and a config file on top) and the cassette recorder all read them here, so a variable
means the same thing, and is trimmed and parsed the same way, wherever it is read.

.. code-block:: python

    >>> read("company_id", {"PROCORE_COMPANY_ID": " 8 "})
    8
    >>> text("login_url", {"PROCORE_LOGIN_URL": "  "}) is None
    True
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any, Callable, Optional

import attrs

from procore_dc._ids import coerce_id
from procore_dc.environments import Environment

__all__ = ["SETTINGS", "Setting", "environment", "read", "text"]


@attrs.frozen
class Setting:
    """One ``PROCORE_*`` variable: its name here, the variable, and how its text is read.

    ``parse(text, variable)`` turns the trimmed, non-empty text into the value, raising
    :class:`~procore_dc.exceptions.ConfigurationError` that names ``variable`` when it cannot.
    """

    name: str
    env: str
    parse: Callable[[str, str], Any] = attrs.field(default=lambda value, _env: value, eq=False)


def _id(what: str) -> Callable[[str, str], int]:
    def parse(value: str, variable: str) -> int:
        return coerce_id(value, variable, what)

    return parse


#: Every ``PROCORE_*`` setting, by name.
SETTINGS: Mapping[str, Setting] = {
    setting.name: setting
    for setting in (
        Setting("client_id", "PROCORE_CLIENT_ID"),
        Setting("client_secret", "PROCORE_CLIENT_SECRET"),
        Setting("environment", "PROCORE_ENVIRONMENT"),
        Setting("login_url", "PROCORE_LOGIN_URL"),
        Setting("company_id", "PROCORE_COMPANY_ID", _id("company id")),
        Setting("project_id", "PROCORE_PROJECT_ID", _id("project id")),
        Setting("redirect_uri", "PROCORE_REDIRECT_URI"),
    )
}


def text(name: str, environ: Optional[Mapping[str, str]] = None) -> Optional[str]:
    """The trimmed text of setting ``name``; ``None`` when unset or blank.

    :param environ: the variables to read (default: ``os.environ``)
    """
    source = os.environ if environ is None else environ
    value = source.get(SETTINGS[name].env, "").strip()
    return value or None


def read(name: str, environ: Optional[Mapping[str, str]] = None) -> Any:
    """Setting ``name`` parsed by its table entry; ``None`` when unset or blank.

    :raises ConfigurationError: naming the variable, for a value it cannot parse
    """
    value = text(name, environ)
    return None if value is None else SETTINGS[name].parse(value, SETTINGS[name].env)


def environment(
    environ: Optional[Mapping[str, str]] = None, *, default: str = "production"
) -> Environment:
    """``PROCORE_ENVIRONMENT`` (a name or an API URL; ``default`` when unset), its login URL
    replaced by ``PROCORE_LOGIN_URL`` when that is set.

    :raises ConfigurationError: for an unknown environment name or an unsafe URL
    """
    named = Environment.from_name(text("environment", environ) or default)
    login_url = text("login_url", environ)
    if login_url is None:
        return named
    return Environment.local(named.api_url, login_url=login_url)
