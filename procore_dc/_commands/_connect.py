"""Build the auth strategy and session a command needs from resolved credentials, and print.

Kept apart from the commands so that ``token``, ``whoami`` and ``api`` choose auth the same
way: ``--auth user`` uses the token ``procore-dc login`` saved, ``--auth service`` the
service account (DMSA), and ``auto`` (the default) the saved user token when there is one.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime, timezone
from typing import Any, Optional, TextIO

from procore_dc._commands._credentials import (
    DEFAULT_REDIRECT_URI,
    Credentials,
    user_token_path,
)
from procore_dc._redact import mask
from procore_dc.auth import (
    AuthStrategy,
    FileTokenStore,
    ServiceAccountAuth,
    Token,
    UserLevelAuth,
)
from procore_dc.exceptions import ConfigurationError
from procore_dc.session import Session

__all__ = [
    "add_auth_argument",
    "auth_for",
    "describe_expiry",
    "print_json",
    "service_account",
    "session_for",
    "show_token",
    "user_auth",
]

USER_AGENT = "procore-dc-cli"


def add_auth_argument(parser: argparse.ArgumentParser) -> None:
    """Add ``--auth {auto,user,service}``."""
    parser.add_argument(
        "--auth",
        choices=("auto", "user", "service"),
        default="auto",
        help="user: the token 'procore-dc login' saved; service: the service account (DMSA); "
        "auto: the saved user token if there is one, else the service account (default)",
    )


def service_account(credentials: Credentials) -> ServiceAccountAuth:
    """The DMSA strategy; tokens stay in memory (a CLI run is short)."""
    credentials.require("client_id", "client_secret")
    assert credentials.client_id is not None
    assert credentials.client_secret is not None
    return ServiceAccountAuth(
        credentials.client_id,
        credentials.client_secret,
        environment=credentials.environment,
    )


def user_auth(credentials: Credentials, redirect_uri: Optional[str] = None) -> UserLevelAuth:
    """The user-level strategy, with its token in the config folder's token file."""
    credentials.require("client_id")
    assert credentials.client_id is not None
    return UserLevelAuth(
        credentials.client_id,
        credentials.client_secret,
        redirect_uri or credentials.redirect_uri or DEFAULT_REDIRECT_URI,
        environment=credentials.environment,
        store=FileTokenStore(user_token_path(credentials), strict=credentials.strict),
    )


def auth_for(credentials: Credentials, mode: str) -> AuthStrategy:
    """Choose the strategy for ``--auth mode``.

    :raises ConfigurationError: when ``user`` is asked for and nobody signed in
    """
    if mode in ("auto", "user"):
        credentials.require("client_id")
        path = user_token_path(credentials)
        if path.exists():
            return user_auth(credentials)
        if mode == "user":
            raise ConfigurationError(
                f"no user is signed in to {credentials.environment.name} with this client id "
                f"(no {path}); run 'procore-dc login' first"
            )
    return service_account(credentials)


def session_for(credentials: Credentials, auth: AuthStrategy) -> Session:
    """A session with the company id; service accounts must have one.

    :raises ConfigurationError: naming ``--company`` and ``PROCORE_COMPANY_ID`` when a service
        account has no company id
    """
    if auth.requires_company_id:
        credentials.require("company_id")
    return Session(auth, company_id=credentials.company_id, user_agent=USER_AGENT)


def describe_expiry(token: Token, now: Optional[datetime] = None) -> str:
    """``2026-11-28T15:46:21+00:00 (in 89 min)``."""
    current = now or datetime.now(timezone.utc)
    seconds = (token.expires_at - current).total_seconds()
    if seconds <= 0:
        when = "expired"
    elif seconds < 120:
        when = f"in {int(seconds)} s"
    else:
        when = f"in {int(seconds // 60)} min"
    return f"{token.expires_at.replace(microsecond=0).isoformat()} ({when})"


def show_token(value: Optional[str], show_secret: bool) -> Optional[str]:
    """The secret itself with ``--show-secret``, else its masked tail."""
    if value is None:
        return None
    return value if show_secret else mask(value)


def print_json(data: Any, *, stream: Optional[TextIO] = None, indent: Optional[int] = 2) -> None:
    """Write ``data`` as JSON (non-ASCII kept) and a newline."""
    out = stream or sys.stdout
    out.write(json.dumps(data, indent=indent, ensure_ascii=False, sort_keys=False))
    out.write("\n")
