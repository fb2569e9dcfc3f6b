"""Checking what a :class:`~procore_dc.session.Session` and its calls are given.

Every check raises :class:`~procore_dc.exceptions.ConfigurationError` naming the argument and an
example of a good value, before anything is sent.
"""

from __future__ import annotations

import platform
from typing import Any, Optional, Union

import requests

from procore_dc._ids import coerce_optional_id
from procore_dc._version import __version__
from procore_dc.environments import Environment
from procore_dc.exceptions import ConfigurationError
from procore_dc.retry import RetryPolicy

#: Seconds, or (connect, read) seconds.
Timeout = Union[float, tuple[float, float]]

COMPANY_HINT = (
    "Service account (DMSA) calls need a Procore company id on every request, /me and "
    "/companies included (the Procore-Company-Id header). Pass company_id= to Session(...) or "
    "to this call, or use session.with_company(id). The id is the number after "
    "app.procore.com/ in the company's Procore address, and Company Admin > App Management "
    "lists the companies where the app is installed"
)

_METHODS = frozenset(("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"))


def check_session(
    auth: Any,
    *,
    retry: Any,
    requests_session: Any,
    user_agent: Any,
    verify: Any,
) -> Environment:
    """Check the ``Session(...)`` arguments that need no conversion; return auth's environment."""
    environment = getattr(auth, "environment", None)
    if not callable(auth) or not isinstance(environment, Environment):
        raise ConfigurationError(
            "auth must be an auth strategy such as ServiceAccountAuth or UserLevelAuth, "
            f"got {type(auth).__name__}"
        )
    if not isinstance(retry, RetryPolicy):
        raise ConfigurationError(f"retry must be a RetryPolicy, got {type(retry).__name__}")
    if requests_session is not None and not isinstance(requests_session, requests.Session):
        raise ConfigurationError("requests_session must be a requests.Session")
    if user_agent is not None and (
        not isinstance(user_agent, str) or not user_agent.strip() or "\n" in user_agent
    ):
        raise ConfigurationError("user_agent must be a one-line string, e.g. 'acme-sync/2.1'")
    if verify is not None and not isinstance(verify, (bool, str)):
        raise ConfigurationError("verify must be True, False or the path of a CA bundle")
    return environment


def user_agent_for(prefix: Optional[str]) -> str:
    """The ``User-Agent``: the app's name and version, if given, before the SDK's."""
    ours = (
        f"procore-dc/{__version__} python/{platform.python_version()} "
        f"requests/{requests.__version__}"
    )
    return f"{prefix} {ours}" if prefix else ours


def check_company_id(value: Any, where: str) -> Optional[int]:
    """A positive company id, or ``None``."""
    return coerce_optional_id(value, where, "company id")


def check_timeout(value: Any, where: str) -> Timeout:
    """Seconds > 0, or a (connect, read) pair of them, as floats."""

    def number(x: Any) -> bool:
        return not isinstance(x, bool) and isinstance(x, (int, float)) and x > 0

    if number(value):
        return float(value)
    if isinstance(value, tuple) and len(value) == 2 and all(number(x) for x in value):
        return (float(value[0]), float(value[1]))
    raise ConfigurationError(
        f"{where} must be seconds > 0 or a (connect, read) pair such as (10, 60), got {value!r}"
    )


def check_positive(value: Any, where: str, example: str) -> Any:
    """A number > 0 (not a bool)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
        raise ConfigurationError(f"{where} must be a number > 0 such as {example}, got {value!r}")
    return value


def check_method(method: Any) -> str:
    """An HTTP method, upper-cased."""
    if method in _METHODS:
        return str(method)
    if not isinstance(method, str) or not method.strip().isalpha():
        raise ConfigurationError(f"method must be an HTTP method such as 'GET', got {method!r}")
    return method.strip().upper()
