"""A ``requests_oauthlib.OAuth2Session`` for web apps, backed by a procore-dc token store.

Web frameworks and their extensions (Flask-Dance, Authlib's clients, many tutorials) speak
``OAuth2Session``. :meth:`UserLevelAuth.oauth2_session` hands them one that starts from the
token in our store, refreshes at the environment's token endpoint with the app's client id and
secret, and saves every rotated token through the same store *before* the request it renewed
is sent, so a Procore refresh token (single-use) is never lost between the two. The refresh
runs under the store's lock, so sessions sharing a store refresh once between them.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any, Callable, Optional

from procore_dc.auth.tokens import Token

if TYPE_CHECKING:
    from requests_oauthlib import OAuth2Session

__all__ = ["as_oauthlib_token", "make_oauth2_session"]


def as_oauthlib_token(token: Token, now: datetime) -> dict[str, Any]:
    """``token`` as requests-oauthlib keeps it: ``expires_at`` on the wall clock, counted from
    the lifetime left by ``now`` (the auth's clock, which may be a sandbox's)."""
    expires_in = (token.expires_at - now).total_seconds()
    found: dict[str, Any] = {
        "access_token": token.access_token,
        "token_type": "Bearer",
        "expires_in": expires_in,
        "expires_at": time.time() + expires_in,
    }
    if token.refresh_token is not None:
        found["refresh_token"] = token.refresh_token
    if token.scope is not None:
        found["scope"] = token.scope
    return found


def make_oauth2_session(
    client_id: str,
    *,
    token: Token,
    clock: Callable[[], datetime],
    token_url: str,
    refresh_fields: Mapping[str, str],
    renew_once: Callable[[Optional[str], Callable[[Optional[str]], Token]], Token],
    redirect_uri: Optional[str],
) -> OAuth2Session:
    """Build the session.

    :param renew_once: ``renew_once(spent, renew)`` runs under the token store's lock: it
        returns the stored token when another holder has already rotated ``spent`` (the
        refresh token this session holds) and the stored one is fresh; otherwise it calls
        ``renew(newest_refresh_token)`` and saves what it returns, before returning it. So two
        sessions (or a session and the strategy) that find the token expired at once make one
        refresh, not two with the same single-use refresh token.
    """
    # Importing our oauthlib module attaches the secret log filter to requests-oauthlib's
    # loggers, which log tokens and refresh bodies at DEBUG.
    from requests_oauthlib import OAuth2Session

    import procore_dc.auth._oauthlib  # noqa: F401

    # When the refresh request was about to be sent: the new token's lifetime counts from then.
    sent_at = [clock()]

    def note_sent(url: str, headers: dict[str, str], body: str) -> tuple[str, Any, str]:
        sent_at[0] = clock()
        return url, headers, body

    class StoreBackedSession(OAuth2Session):  # type: ignore[misc]
        token: dict[str, Any]  # OAuth2Session's property, which its package does not type

        def refresh_token(
            self, token_url: str, refresh_token: Optional[str] = None, **kwargs: Any
        ) -> dict[str, Any]:
            def renew(newest: Optional[str]) -> Token:
                fields = OAuth2Session.refresh_token(
                    self, token_url, refresh_token=newest or refresh_token, **kwargs
                )
                return Token.from_response(fields, sent_at[0])

            current = renew_once(self.token.get("refresh_token"), renew)
            self.token = as_oauthlib_token(current, clock())
            return self.token

    session = StoreBackedSession(
        client_id,
        token=as_oauthlib_token(token, clock()),
        auto_refresh_url=token_url,
        auto_refresh_kwargs=dict(refresh_fields),
        # The token is saved inside refresh_token, under the store's lock; requests-oauthlib
        # puts the new token on the request it was sending only when an updater is set.
        token_updater=lambda _fields: None,
        redirect_uri=redirect_uri,
    )
    session.register_compliance_hook("refresh_token_request", note_sent)
    return session
