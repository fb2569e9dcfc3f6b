"""The Authorization Code flow's pieces that need no strategy: the redirect URI check, the
flow an app keeps between redirect and callback, and the reading of the callback URL."""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any, Optional
from urllib.parse import parse_qs, urlsplit

import attrs

from procore_dc._redact import get_logger, mask
from procore_dc.auth._oauth import check_transport
from procore_dc.exceptions import ConfigurationError, OAuthError, StateMismatchError

__all__ = [
    "OOB_REDIRECT_URI",
    "AuthorizationFlow",
    "check_callback",
    "check_redirect_uri",
]

log = get_logger("procore_dc.auth.user_level")

#: The out-of-band redirect: Procore shows the code on a page for the user to copy.
OOB_REDIRECT_URI = "urn:ietf:wg:oauth:2.0:oob"


def check_redirect_uri(value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ConfigurationError("redirect_uri must be the URL registered for the app")
    if value == OOB_REDIRECT_URI:
        return value
    check_transport(value, "redirect_uri")
    if urlsplit(value).fragment:
        raise ConfigurationError(f"redirect_uri {value!r} must not have a #fragment")
    return value


@attrs.frozen(repr=False)
class AuthorizationFlow:
    """One sign-in in progress: what the app keeps between the redirect and the callback.

    Keep it server-side (e.g. in the web framework's session): ``code_verifier`` is a secret.

    :param url: where to send the user's browser
    :param state: the CSRF token the callback must echo
    :param code_verifier: the PKCE verifier, or ``None`` without PKCE
    :param redirect_uri: the redirect URI sent, byte for byte, in both legs of the flow
    :param created_at: when the flow started

    .. code-block:: python

        flow = auth.start_authorization()
        request.session["procore_flow"] = flow.to_dict()
        # ... later, in the callback view:
        flow = AuthorizationFlow.from_dict(request.session.pop("procore_flow"))
        token = auth.complete_authorization(flow, request.url)
    """

    url: str
    state: str
    code_verifier: Optional[str]
    redirect_uri: str
    created_at: datetime

    def __repr__(self) -> str:
        return (
            f"AuthorizationFlow(state={mask(self.state)!r}, "
            f"code_verifier={mask(self.code_verifier)!r}, redirect_uri={self.redirect_uri!r}, "
            f"created_at={self.created_at.isoformat()!r})"
        )

    __str__ = __repr__

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict that :meth:`from_dict` reads back."""
        return {
            "url": self.url,
            "state": self.state,
            "code_verifier": self.code_verifier,
            "redirect_uri": self.redirect_uri,
            "created_at": self.created_at.isoformat(),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> AuthorizationFlow:
        """Rebuild a flow saved with :meth:`to_dict`.

        :raises ConfigurationError: naming a missing or malformed field
        """
        if not isinstance(data, Mapping):
            raise ConfigurationError("a saved authorization flow must be a mapping")
        for name in ("url", "state", "redirect_uri", "created_at"):
            if not isinstance(data.get(name), str) or not data[name]:
                raise ConfigurationError(f"a saved authorization flow lacks {name}")
        verifier = data.get("code_verifier")
        if verifier is not None and not isinstance(verifier, str):
            raise ConfigurationError("a saved authorization flow's code_verifier is not a string")
        try:
            created = datetime.fromisoformat(data["created_at"])
        except ValueError:
            raise ConfigurationError(
                "a saved authorization flow's created_at is not an ISO 8601 time"
            ) from None
        return cls(
            url=data["url"],
            state=data["state"],
            code_verifier=verifier,
            redirect_uri=data["redirect_uri"],
            created_at=created,
        )


def check_callback(
    flow: AuthorizationFlow, callback_url: str, *, now: datetime, lifetime: float
) -> tuple[str, str]:
    """Read the callback of ``flow``: its origin, its ``state`` (first, in constant time), the
    flow's age, Procore's ``error=`` and the code. Return ``(state, code)``.

    :raises StateMismatchError: when the state is missing or differs
    :raises OAuthError: for a foreign origin, an old flow, an ``error=`` or no code
    """
    _check_callback_origin(callback_url, flow.redirect_uri)
    params = parse_qs(urlsplit(callback_url).query, keep_blank_values=True)

    def single(name: str) -> Optional[str]:
        values = params.get(name)
        if not values:
            return None
        if len(values) > 1:
            raise OAuthError(f"the callback carries {name} more than once", error="invalid_request")
        return values[0]

    # The state first: without it, an error= callback is anyone's (a forged page can
    # fire one) and its text must not be shown as Procore's answer.
    state = single("state")
    if state is None or not hmac.compare_digest(state.encode("utf-8"), flow.state.encode("utf-8")):
        log.warning("ignored a sign-in callback whose state is not this flow's (forged or stale)")
        raise StateMismatchError(
            "the callback's state does not match the one this flow sent (a forged or stale "
            "callback); start the sign-in again",
            error="state_mismatch",
        )
    age = now - flow.created_at
    if age > timedelta(seconds=lifetime) or age < timedelta(seconds=-300):
        raise OAuthError(
            f"this sign-in started {age.total_seconds():.0f} s ago, longer than a code "
            f"lives ({lifetime:g} s); start the sign-in again",
            error="flow_expired",
        )
    error = single("error")
    if error:
        description = single("error_description") or ""
        raise OAuthError(
            f"Procore refused the sign-in ({error})" + (f": {description}" if description else ""),
            error=error,
            error_description=description,
        )
    code = single("code")
    if not code:
        raise OAuthError("the callback carries no authorization code", error="invalid_request")
    return state, code


def _origin_of(url: str) -> tuple[str, str, Optional[int], str]:
    parts = urlsplit(url)
    port = parts.port or {"http": 80, "https": 443}.get(parts.scheme)
    host = (parts.hostname or "").lower()
    return parts.scheme.lower(), host, port, parts.path.rstrip("/") or "/"


def _check_callback_origin(callback_url: str, redirect_uri: str) -> None:
    """Refuse a callback whose scheme, host, port or path is not the redirect URI's."""
    try:
        parts = urlsplit(callback_url)
        got = _origin_of(callback_url)
    except ValueError:
        got = None
    if got is None or parts.username is not None or parts.password is not None:
        raise OAuthError(
            "the callback URL is not a URL this flow's redirect URI could produce",
            error="redirect_uri_mismatch",
        )
    want = _origin_of(redirect_uri)
    if got != want:
        which = [n for n, a, b in zip(("scheme", "host", "port", "path"), got, want) if a != b]
        raise OAuthError(
            f"the callback's {' and '.join(which)} differ from the redirect URI's "
            f"{redirect_uri}; it is not this flow's callback",
            error="redirect_uri_mismatch",
        )
