"""The OAuth token: what the token endpoint returned, with its expiry on our clock.

A :class:`Token` never shows its secrets: ``repr`` and ``str`` print only a masked tail of the
access and refresh tokens.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from datetime import datetime, timedelta, timezone
from typing import Any, Optional

import attrs

from procore_dc._redact import mask
from procore_dc.exceptions import ConfigurationError, ResponseFormatError

__all__ = ["DEFAULT_EXPIRES_IN", "MAX_LEEWAY", "Token", "default_leeway"]

#: Lifetime assumed when a token response carries no ``expires_in`` (RFC 6749 makes it
#: optional; Procore always sends it). A wrong guess costs one 401, refresh and replay.
DEFAULT_EXPIRES_IN = 3600
#: The longest lifetime a token answer may claim; a longer ``expires_in`` is cut to this.
MAX_EXPIRES_IN = 365 * 24 * 3600

#: The largest proactive refresh margin, in seconds (RELIABILITY 2.3).
MAX_LEEWAY = 300.0


def _utc(value: datetime) -> datetime:
    if not isinstance(value, datetime):
        raise ConfigurationError(f"expected a datetime, got {type(value).__name__}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ConfigurationError("token times must be timezone-aware datetimes (use UTC)")
    return value.astimezone(timezone.utc)


def _optional_utc(value: Optional[datetime]) -> Optional[datetime]:
    return None if value is None else _utc(value)


def _non_empty(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, str) or not value:
        raise ConfigurationError(f"Token.{attribute.name} must be a non-empty string")


# Printable ASCII without space: what a bearer token can hold and a header can carry.
TOKEN_CHARS = re.compile(r"[\x21-\x7e]+")


def _header_safe(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if isinstance(value, str) and value and not TOKEN_CHARS.fullmatch(value):
        # Never the value: it is a secret, and a CR/LF in it would break the header.
        raise ConfigurationError(
            f"Token.{attribute.name} holds characters a token cannot have (control "
            "characters, spaces or non-ASCII)"
        )


def _optional_str(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is not None and not isinstance(value, str):
        raise ConfigurationError(f"Token.{attribute.name} must be a string or None")


def default_leeway(token: Token, configured: Optional[float] = None) -> float:
    """Return how many seconds before expiry ``token`` should be renewed.

    The default is ``min(300 s, 10 % of the lifetime)``. A configured value replaces it, but
    never beyond half the lifetime, so a short-lived token is not born stale (authlib#716).
    A token without ``created_at`` counts as having the full ``MAX_LEEWAY`` of lifetime
    to spare.

    :param token: the token
    :param configured: a fixed margin in seconds, or ``None`` for the default rule

    .. code-block:: python

        >>> from datetime import datetime, timedelta, timezone
        >>> now = datetime(2026, 1, 1, tzinfo=timezone.utc)
        >>> t = Token("a" * 20, expires_at=now + timedelta(seconds=5400), created_at=now)
        >>> default_leeway(t), default_leeway(t, 60)
        (300.0, 60.0)
    """
    if token.created_at is None:
        return MAX_LEEWAY if configured is None else max(0.0, float(configured))
    lifetime = max(0.0, (token.expires_at - token.created_at).total_seconds())
    if configured is None:
        return min(MAX_LEEWAY, lifetime / 10)
    return min(max(0.0, float(configured)), lifetime / 2)


@attrs.frozen(repr=False)
class Token:
    """An access token and, for users, the refresh token that renews it.

    :param access_token: the bearer token (masked in ``repr``)
    :param token_type: ``"bearer"``
    :param expires_at: when the token stops working (aware, converted to UTC)
    :param refresh_token: the single-use refresh token, user tokens only (masked in ``repr``)
    :param created_at: when we started the request that returned it, by our clock
    :param scope: the granted scope, when the server says

    .. code-block:: python

        from datetime import datetime, timezone

        token = Token.from_response(
            {"access_token": "eyJ...", "token_type": "bearer", "expires_in": 5400},
            received_at=datetime.now(timezone.utc),
        )
        token.expired(leeway=300)  # False for the next 85 minutes
    """

    access_token: str = attrs.field(validator=[_non_empty, _header_safe])
    expires_at: datetime = attrs.field(kw_only=True, converter=_utc)
    token_type: str = attrs.field(default="bearer", kw_only=True, validator=_non_empty)
    refresh_token: Optional[str] = attrs.field(
        default=None, kw_only=True, validator=[_optional_str, _header_safe]
    )
    created_at: Optional[datetime] = attrs.field(
        default=None, kw_only=True, converter=_optional_utc
    )
    scope: Optional[str] = attrs.field(default=None, kw_only=True, validator=_optional_str)

    def __repr__(self) -> str:
        return (
            f"Token(access_token={mask(self.access_token)!r}, token_type={self.token_type!r}, "
            f"expires_at={self.expires_at.isoformat()!r}, "
            f"refresh_token={mask(self.refresh_token)!r}, scope={self.scope!r})"
        )

    __str__ = __repr__

    def expired(self, leeway: float = 0.0, now: Optional[datetime] = None) -> bool:
        """Return whether the token is expired, or will be within ``leeway`` seconds.

        :param leeway: the margin in seconds (default: ``0.0``)
        :param now: the current time (default: the system clock, UTC)

        .. code-block:: python

            if token.expired(leeway=300):
                token = auth.refresh()
        """
        current = datetime.now(timezone.utc) if now is None else _utc(now)
        return current >= self.expires_at - timedelta(seconds=leeway)

    @classmethod
    def from_response(cls, mapping: Mapping[str, Any], received_at: datetime) -> Token:
        """Build a token from a token endpoint's JSON answer.

        The expiry is ``received_at + expires_in``. Pass the time taken *before* the request
        was sent, so that the time the request spent in flight counts against the token.

        :param mapping: the parsed response body
        :param received_at: when the token request started (aware)
        :raises ResponseFormatError: when the body lacks a usable ``access_token`` or
            ``expires_in`` is not a number

        .. code-block:: python

            started = datetime.now(timezone.utc)
            body = http.post(token_url, data=form).json()
            token = Token.from_response(body, received_at=started)
        """
        if not isinstance(mapping, Mapping):
            raise ResponseFormatError("the token response is not a JSON object")
        access = mapping.get("access_token")
        if not isinstance(access, str) or not access:
            raise ResponseFormatError("the token response has no access_token")
        raw_expires = mapping.get("expires_in", DEFAULT_EXPIRES_IN)
        try:
            if isinstance(raw_expires, bool):
                raise TypeError
            expires_in = float(raw_expires)
        except (TypeError, ValueError, OverflowError):
            raise ResponseFormatError("the token response's expires_in is not a number") from None
        if not math.isfinite(expires_in) or expires_in < 0:
            raise ResponseFormatError("the token response's expires_in is not a positive number")
        # A lifetime of centuries overflows a datetime; no server means it.
        expires_in = min(expires_in, MAX_EXPIRES_IN)
        refresh = mapping.get("refresh_token")
        if refresh is not None and not isinstance(refresh, str):
            raise ResponseFormatError("the token response's refresh_token is not a string")
        for name, value in (("access_token", access), ("refresh_token", refresh)):
            if value and not TOKEN_CHARS.fullmatch(value):
                raise ResponseFormatError(
                    f"the token response's {name} holds characters a token cannot have"
                )
        token_type = mapping.get("token_type") or "bearer"
        if not isinstance(token_type, str):
            raise ResponseFormatError("the token response's token_type is not a string")
        scope = mapping.get("scope")
        if isinstance(scope, (list, tuple)):
            scope = " ".join(str(item) for item in scope)
        elif scope is not None and not isinstance(scope, str):
            scope = str(scope)
        started = _utc(received_at)
        return cls(
            access,
            token_type=token_type,
            expires_at=started + timedelta(seconds=expires_in),
            refresh_token=refresh or None,
            created_at=started,
            scope=scope or None,
        )

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict (times as ISO 8601) that :meth:`from_dict` reads back.

        It holds the secrets in clear: keep it where only the app can read it.
        """
        return {
            "access_token": self.access_token,
            "token_type": self.token_type,
            "expires_at": self.expires_at.isoformat(),
            "refresh_token": self.refresh_token,
            "created_at": self.created_at.isoformat() if self.created_at else None,
            "scope": self.scope,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Token:
        """Rebuild a token saved with :meth:`to_dict`.

        :raises ConfigurationError: when a field is missing or has the wrong type (the message
            names the field, never its value)

        .. code-block:: python

            token = Token.from_dict(json.loads(text))
        """
        if not isinstance(data, Mapping):
            raise ConfigurationError("a saved token must be a JSON object")
        unknown = set(data) - {f.name for f in attrs.fields(cls)}
        if unknown:
            raise ConfigurationError(f"a saved token has unknown fields: {sorted(unknown)}")
        return cls(
            data.get("access_token"),  # type: ignore[arg-type]  # the validator reports it
            token_type=data.get("token_type") or "bearer",
            expires_at=_parse_time(data.get("expires_at"), "expires_at"),
            refresh_token=data.get("refresh_token"),
            created_at=(
                _parse_time(data["created_at"], "created_at")
                if data.get("created_at") is not None
                else None
            ),
            scope=data.get("scope"),
        )


def _parse_time(value: object, name: str) -> datetime:
    if not isinstance(value, str):
        raise ConfigurationError(f"a saved token's {name} must be an ISO 8601 string")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise ConfigurationError(f"a saved token's {name} is not an ISO 8601 time") from None
    if parsed.tzinfo is None:
        raise ConfigurationError(f"a saved token's {name} has no time zone")
    return parsed
