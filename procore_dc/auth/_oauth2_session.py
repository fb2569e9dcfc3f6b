"""A ``requests_oauthlib.OAuth2Session`` for web apps, backed by a procore-dc token store.

Web frameworks and their extensions (Flask-Dance, Authlib's clients, many tutorials) speak
``OAuth2Session``. :meth:`UserLevelAuth.oauth2_session` hands them one that starts from the
token in our store, refreshes at the environment's token endpoint with the app's client id and
secret, and saves every rotated token through the same store *before* the request it renewed
is sent, so a Procore refresh token (single-use) is never lost between the two.
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
    save: Callable[[Token], None],
    redirect_uri: Optional[str],
) -> OAuth2Session:
    """Build the session; ``save`` receives each token requests-oauthlib refreshes, before
    requests-oauthlib sends the request that needed it."""
    # Importing our oauthlib module attaches the secret log filter to requests-oauthlib's
    # loggers, which log tokens and refresh bodies at DEBUG.
    from requests_oauthlib import OAuth2Session

    import procore_dc.auth._oauthlib  # noqa: F401

    # When the refresh request was about to be sent: the new token's lifetime counts from then.
    sent_at = [clock()]

    def note_sent(url: str, headers: dict[str, str], body: str) -> tuple[str, Any, str]:
        sent_at[0] = clock()
        return url, headers, body

    def update(fields: Mapping[str, Any]) -> None:
        save(Token.from_response(fields, sent_at[0]))

    session = OAuth2Session(
        client_id,
        token=as_oauthlib_token(token, clock()),
        auto_refresh_url=token_url,
        auto_refresh_kwargs=dict(refresh_fields),
        token_updater=update,
        redirect_uri=redirect_uri,
    )
    session.register_compliance_hook("refresh_token_request", note_sent)
    return session
