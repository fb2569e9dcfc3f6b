"""The one interface every auth strategy offers to the ``Session``.

:class:`AuthStrategy` is a ``requests`` auth callable: it puts ``Authorization: Bearer`` on
requests to the environment's API host, and nowhere else. Behind it sits single-flight token
renewal:

1. *check*: a token in memory that is fresh (outside the leeway) is used at once;
2. *lock*: otherwise the strategy takes its thread lock, then the store's lock, which other
   processes sharing a :class:`~procore_dc.auth.stores.FileTokenStore` also take;
3. *re-read*: it loads the store, because another thread or process may have renewed already;
4. *re-check*: only if that token is not fresh either does it ask the token endpoint, then
   saves the new token **before** returning or using it.

While one thread renews a token that is inside the leeway but not yet expired, other threads
keep using the old one instead of queueing.
"""

from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone
from typing import Callable, ClassVar, Optional, Union

import requests
import requests.auth

from procore_dc._redact import get_logger
from procore_dc.auth._oauth import (
    DEFAULT_TOKEN_TIMEOUT,
    OutcomeUnknownError,
    oauthlib_url,
    post_form,
)
from procore_dc.auth.stores import MemoryTokenStore, RenewalGuard, TokenStore
from procore_dc.auth.tokens import Token, default_leeway
from procore_dc.environments import Environment
from procore_dc.exceptions import ConfigurationError, OAuthError, TransportError

__all__ = ["AuthStrategy", "Clock"]

log = get_logger(__name__)

#: A callable returning the current time as an aware datetime; injectable for tests.
Clock = Callable[[], datetime]

#: After a proactive renewal fails to connect while the token still works, wait this long
#: before trying again, so an unreachable login host does not slow every API call.
PROACTIVE_RETRY_DELAY = timedelta(seconds=30)


def _utcnow() -> datetime:
    return datetime.now(timezone.utc)


def _transient(exc: Exception) -> bool:
    """Whether a failed renewal left the credential intact: nothing sent, or a 5xx answer."""
    if isinstance(exc, TransportError):
        return True
    status = getattr(exc, "status_code", None)
    return isinstance(status, int) and 500 <= status <= 599


class AuthStrategy(requests.auth.AuthBase):
    """Base class of :class:`ServiceAccountAuth` and :class:`UserLevelAuth`.

    Subclasses implement ``_renew`` (get a new token) and, when renewal can become impossible,
    ``_can_renew``. Everything else, the single-flight locking, the leeway, saving before use
    and the host check, lives here.

    :param client_id: the app's OAuth client id
    :param client_secret: the app's client secret (never shown in ``repr``)
    :param environment: where the token and API endpoints are
    :param store: where the token is kept (default: a new :class:`MemoryTokenStore`)
    :param leeway: seconds before expiry at which a token is renewed (default: ``None``, meaning
        ``min(300 s, 10 % of the token's lifetime)``); a fixed value is capped at half the
        lifetime
    :param clock: returns the current aware time (default: the system clock, UTC)
    :param http: the plain ``requests.Session`` for token requests (default: a private one);
        never an authorized session
    :param timeout: (connect, read) seconds for token requests (default: ``(10, 30)``)

    .. code-block:: python

        session = requests.Session()
        response = session.get("https://api.procore.com/rest/v1.0/me", auth=auth)
    """

    #: Whether every API call needs a ``Procore-Company-Id`` header (DMSA tokens do).
    requires_company_id: ClassVar[bool] = False

    environment: Environment
    store: TokenStore
    # (token, leeway, the instant it stops being fresh): worked out once per token.
    _fresh_memo: Optional[tuple[Token, Optional[float], datetime]] = None

    def __init__(
        self,
        client_id: str,
        client_secret: Optional[str],
        *,
        environment: Environment = Environment.PRODUCTION,
        store: Optional[TokenStore] = None,
        leeway: Optional[float] = None,
        clock: Optional[Callable[[], datetime]] = None,
        http: Optional[requests.Session] = None,
        timeout: Union[float, tuple[float, float]] = DEFAULT_TOKEN_TIMEOUT,
    ) -> None:
        if not isinstance(client_id, str) or not client_id.strip():
            raise ConfigurationError("client_id must be a non-empty string")
        if client_secret is not None and not isinstance(client_secret, str):
            raise ConfigurationError("client_secret must be a string")
        if not isinstance(environment, Environment):
            raise ConfigurationError(
                "environment must be an Environment, e.g. Environment.SANDBOX or "
                "Environment.from_name('sandbox')"
            )
        if store is not None and not isinstance(store, TokenStore):
            raise ConfigurationError(
                f"store must implement TokenStore (load/save/delete/lock), got "
                f"{type(store).__name__}"
            )
        if leeway is not None and (not isinstance(leeway, (int, float)) or leeway < 0):
            raise ConfigurationError("leeway must be a number of seconds >= 0, or None")
        if http is not None and not isinstance(http, requests.Session):
            raise ConfigurationError("http must be a plain requests.Session")
        self.client_id = client_id.strip()
        self._client_secret = client_secret
        self.environment = environment
        self.store = store if store is not None else MemoryTokenStore()
        self.leeway = leeway
        self.timeout = timeout
        self._clock: Clock = clock or _utcnow
        self._http = http
        self._own_http: Optional[requests.Session] = None
        self._lock = threading.RLock()
        self._token: Optional[Token] = None
        self._hold_until: Optional[datetime] = None

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(client_id={self.client_id!r}, "
            f"environment={self.environment.name!r}, store={self.store!r})"
        )

    # -- what subclasses provide ---------------------------------------------------------

    def _renew(self, http: requests.Session, current: Optional[Token]) -> Token:
        """Get a new token from the token endpoint (called with both locks held)."""
        raise NotImplementedError

    def _can_renew(self, current: Optional[Token]) -> bool:
        """Whether :meth:`_renew` could succeed without a new sign-in."""
        return True

    # -- the interface ---------------------------------------------------------------------

    def ensure_valid(self, http: Optional[requests.Session] = None) -> Token:
        """Return a token that stays valid beyond the leeway, renewing it if needed.

        Single-flight: however many threads and processes call it at once, one token request
        is made, and the others use its result.

        :param http: a plain ``requests.Session`` for the token request (default: the
            strategy's own)
        :raises OAuthError: when the token endpoint refuses, or the user must sign in again;
            a 5xx answer raises only when no valid token is left
        :raises TransportError: when the token endpoint cannot be reached and no valid token
            is left

        .. code-block:: python

            token = auth.ensure_valid()
            print(token.expires_at)
        """
        now = self._now()
        token = self._token
        if token is not None and self._fresh(token, now):
            return token
        if token is not None and not token.expired(0.0, now):
            # Still valid: if someone else is renewing it, don't queue behind them.
            if not self._lock.acquire(blocking=False):
                return token
        else:
            self._lock.acquire()
        try:
            return self._ensure_locked(http)
        finally:
            self._lock.release()

    def refresh(
        self,
        http: Optional[requests.Session] = None,
        *,
        failed_access_token: Optional[str] = None,
    ) -> Token:
        """Renew the token now, e.g. after the API answered 401.

        When ``failed_access_token`` is given and the store already holds a different token
        that has not expired, another thread or process renewed it since that request was
        sent: that token is returned without a token request.

        :param http: a plain ``requests.Session`` for the token request
        :param failed_access_token: the access token the 401 answered
        :raises OAuthError: when the token endpoint refuses, or the user must sign in again
        :raises TransportError: when the token endpoint cannot be reached

        .. code-block:: python

            token = auth.refresh(failed_access_token=old.access_token)
        """
        with self._lock, self.store.lock():
            stored = self.store.load()
            if (
                failed_access_token is not None
                and stored is not None
                and stored.access_token != failed_access_token
                and not stored.expired(0.0, self._now())
            ):
                self._token = stored
                return stored
            return self._renew_and_save(http, stored)

    def revoke(self, http: Optional[requests.Session] = None) -> None:
        """Revoke the current token at Procore and delete it from the store.

        Procore revokes the access token and its refresh token together. The local token is
        deleted only after Procore confirmed, so a failed call can be repeated.

        :param http: a plain ``requests.Session`` for the revoke request
        :raises OAuthError: when the revoke endpoint answers with an error
        :raises TransportError: when it cannot be reached or does not answer

        .. code-block:: python

            auth.revoke()  # the user disconnected the app
        """
        with self._lock, self.store.lock():
            token = self.store.load() or self._token
            if token is not None:
                from procore_dc.auth._oauthlib import WebApplicationClient

                client = WebApplicationClient(self.client_id)
                url = self.environment.revoke_url
                _, _, body = client.prepare_token_revocation_request(
                    oauthlib_url(url),
                    token.access_token,
                    client_id=self.client_id,
                    client_secret=self._client_secret,
                )
                try:
                    post_form(self._plain(http), url, body, timeout=self.timeout, what="revoke")
                except OutcomeUnknownError as exc:
                    raise TransportError(
                        "revoke: no answer from the revoke endpoint; call revoke() again",
                        method="POST",
                        url=url,
                    ) from exc
            self.store.delete()
            self._token = None
            log.debug("revoked the token and deleted it from %r", self.store)

    def close(self) -> None:
        """Close the strategy's own token-request session (not one passed as ``http``)."""
        if self._own_http is not None:
            self._own_http.close()
            self._own_http = None

    def __call__(self, r: requests.PreparedRequest) -> requests.PreparedRequest:
        """Add ``Authorization: Bearer <token>`` when the environment owns ``r``'s URL.

        That is the API host and Procore's file hosts (:meth:`Environment.owns`); any other
        host, scheme or port (presigned storage, a redirect target) gets nothing.
        """
        url = r.url or ""
        # The API's own URLs, as requests prepares them, without parsing them again.
        if url.startswith(self.environment.api_url + "/") or self.environment.owns(url):
            token = self.ensure_valid()
            r.headers["Authorization"] = f"Bearer {token.access_token}"
        return r

    # -- machinery -----------------------------------------------------------------------

    def _now(self) -> datetime:
        value = self._clock()
        if not isinstance(value, datetime) or value.tzinfo is None:
            raise ConfigurationError("the clock must return timezone-aware datetimes")
        return value

    def _fresh(self, token: Token, now: datetime) -> bool:
        memo = self._fresh_memo
        if memo is None or memo[0] is not token or memo[1] != self.leeway:
            leeway = timedelta(seconds=default_leeway(token, self.leeway))
            memo = self._fresh_memo = (token, self.leeway, token.expires_at - leeway)
        return now < memo[2]

    def _plain(self, http: Optional[requests.Session]) -> requests.Session:
        if http is not None:
            return http
        if self._http is not None:
            return self._http
        if self._own_http is None:
            self._own_http = requests.Session()
        return self._own_http

    def _ensure_locked(self, http: Optional[requests.Session]) -> Token:
        now = self._now()
        token = self._token
        if token is not None and self._fresh(token, now):
            return token  # another thread of this process renewed it while we waited
        with self.store.lock():
            stored = self.store.load()
            now = self._now()
            if stored is not None and self._fresh(stored, now):
                self._token = stored  # another process renewed it
                return stored
            usable = stored is not None and not stored.expired(0.0, now)
            held = self._hold_until is not None and now < self._hold_until
            if usable and (held or not self._can_renew(stored)):
                self._token = stored
                assert stored is not None
                return stored
            try:
                return self._renew_and_save(http, stored)
            except (TransportError, OAuthError) as exc:
                if not _transient(exc) or stored is None or stored.expired(0.0, self._now()):
                    raise
                # The token endpoint is unreachable or failing, and the old token still
                # works: use it, and try again later.
                log.warning(
                    "could not renew the token (%s); using the current token until it "
                    "expires at %s",
                    type(exc).__name__,
                    stored.expires_at.isoformat(),
                )
                self._hold_until = now + PROACTIVE_RETRY_DELAY
                self._token = stored
                return stored

    def _renew_and_save(self, http: Optional[requests.Session], current: Optional[Token]) -> Token:
        guard = self.store if isinstance(self.store, RenewalGuard) else None
        if guard is not None:
            guard.begin_renewal(current)
        try:
            token = self._renew(self._plain(http), current)
        except (TransportError, OAuthError) as exc:
            if guard is not None and _transient(exc):
                guard.abandon_renewal()  # nothing was spent: the next holder may try again
            raise
        # Persist before anyone can use it: a rotated refresh token exists nowhere else.
        self.store.save(token)
        self._token = token
        self._hold_until = None
        log.debug(
            "%s: new token saved, expires at %s",
            type(self).__name__,
            token.expires_at.isoformat(),
        )
        return token
