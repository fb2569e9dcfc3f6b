"""User-level auth: the OAuth Authorization Code grant, with state, PKCE and rotating refresh
tokens.

Procore refresh tokens are single-use, and a refresh spends the old one even when its answer
is lost. So:

- the new token is saved to the store *before* it is returned or used;
- a refresh whose outcome is unknown (read timeout, connection reset after sending) raises
  :class:`OAuthError` telling the user to sign in again, and the spent refresh token is never
  sent again;
- after ``invalid_grant`` no token request is made until a new authorization completes.

Both facts are recorded in the store (the token is saved without its refresh token), so
other processes sharing a :class:`FileTokenStore` stop too.
"""

from __future__ import annotations

import hashlib
import threading
import weakref
from collections import OrderedDict
from datetime import datetime
from typing import TYPE_CHECKING, Any, Callable, Optional, Union

import attrs
import requests

from procore_dc._redact import get_logger
from procore_dc.auth._authorization_code import (
    OOB_REDIRECT_URI,
    AuthorizationFlow,
    check_callback,
    check_redirect_uri,
)
from procore_dc.auth._oauth import (
    DEFAULT_TOKEN_TIMEOUT,
    OutcomeUnknownError,
    oauthlib_url,
    parse_token_body,
    post_form,
    raw_token_fields,
    restore_url,
)
from procore_dc.auth.base import AuthStrategy
from procore_dc.auth.stores import FileTokenStore, TokenStore
from procore_dc.auth.tokens import TOKEN_CHARS, Token
from procore_dc.environments import Environment
from procore_dc.exceptions import (
    ConfigurationError,
    InvalidGrantError,
    OAuthError,
    ResponseFormatError,
    StateMismatchError,
)

if TYPE_CHECKING:
    import requests_oauthlib

__all__ = ["OOB_REDIRECT_URI", "AuthorizationFlow", "UserLevelAuth"]

log = get_logger(__name__)

# 43 characters from a 62-character alphabet: about 256 bits.
_STATE_LENGTH = 43
_VERIFIER_LENGTH = 64
_RESERVED = frozenset(
    {
        "client_id",
        "redirect_uri",
        "state",
        "response_type",
        "code_challenge",
        "code_challenge_method",
    }
)

#: How many used states a strategy remembers to refuse a replayed callback; the oldest go first.
USED_STATES_KEPT = 4096
#: How long a sign-in may take from start_authorization to the callback: Procore's codes live
#: 10 minutes, so an older flow can only be a replay.
DEFAULT_FLOW_LIFETIME = 600.0

# Used states, shared by every UserLevelAuth on the same store (a FileTokenStore by its path),
# so a replayed callback that reaches another instance is refused too.
_USED_BY_STORE: weakref.WeakKeyDictionary[Any, OrderedDict[bytes, None]] = (
    weakref.WeakKeyDictionary()
)
_USED_BY_PATH: dict[str, OrderedDict[bytes, None]] = {}
_USED_LOCK = threading.Lock()


def _used_states_for(store: Any) -> OrderedDict[bytes, None]:
    with _USED_LOCK:
        if isinstance(store, FileTokenStore):
            return _USED_BY_PATH.setdefault(str(store.path.resolve()), OrderedDict())
        try:
            return _USED_BY_STORE.setdefault(store, OrderedDict())
        except TypeError:  # pragma: no cover - a store class with __slots__ and no weakref
            return OrderedDict()


_SIGN_IN_AGAIN = "the user must sign in again (start_authorization / sign_in_with_browser)"


class UserLevelAuth(AuthStrategy):
    """Authorize as a signed-in Procore user (Authorization Code grant).

    :param client_id: the app's client id
    :param client_secret: the app's client secret (``None`` for a public client)
    :param redirect_uri: the registered redirect URI: https, http to a loopback host, or
        :data:`OOB_REDIRECT_URI`
    :param environment: the Procore environment (default: ``Environment.PRODUCTION``)
    :param store: where the token is kept (default: memory)
    :param pkce: send a PKCE S256 challenge (default: ``True``). Procore does not document
        PKCE; servers ignore parameters they do not know, so it is on by default.
    :param leeway: seconds before expiry to refresh (default: ``None``,
        ``min(300 s, 10 % of the lifetime)``)
    :param clock: returns the current aware time (default: the system clock)
    :param http: a plain ``requests.Session`` for token requests (default: a private one)
    :param timeout: (connect, read) seconds for token requests (default: ``(10, 30)``)
    :raises ConfigurationError: for an unsafe redirect URI or environment

    .. code-block:: python

        auth = UserLevelAuth("client-id", "client-secret", "https://app.example.com/callback",
                             store=FileTokenStore("~/.config/procore-dc/token.json"))
        flow = auth.start_authorization()
        # send the browser to flow.url; then, in the callback handler:
        token = auth.complete_authorization(flow, callback_url)
    """

    requires_company_id = False

    def __init__(
        self,
        client_id: str,
        client_secret: Optional[str],
        redirect_uri: str,
        *,
        environment: Environment = Environment.PRODUCTION,
        store: Optional[TokenStore] = None,
        pkce: bool = True,
        leeway: Optional[float] = None,
        clock: Optional[Callable[[], datetime]] = None,
        http: Optional[requests.Session] = None,
        timeout: Union[float, tuple[float, float]] = DEFAULT_TOKEN_TIMEOUT,
        flow_lifetime: float = DEFAULT_FLOW_LIFETIME,
    ) -> None:
        self.redirect_uri = check_redirect_uri(redirect_uri)
        self.pkce = bool(pkce)
        if (
            isinstance(flow_lifetime, bool)
            or not isinstance(flow_lifetime, (int, float))
            or not flow_lifetime > 0
        ):
            raise ConfigurationError(f"flow_lifetime must be seconds > 0, got {flow_lifetime!r}")
        self.flow_lifetime = float(flow_lifetime)
        """Seconds a flow stays usable after :meth:`start_authorization` (default: 600)."""
        super().__init__(
            client_id,
            client_secret,
            environment=environment,
            store=store,
            leeway=leeway,
            clock=clock,
            http=http,
            timeout=timeout,
        )
        # Digests of states already used, so a replayed callback (a reload, or an attacker
        # holding a leaked URL) never reaches the token endpoint, where reusing the code
        # would make Procore revoke the tokens it just issued. Shared through the store.
        self._used_states = _used_states_for(self.store)

    def start_authorization(self, **extra: str) -> AuthorizationFlow:
        """Begin a sign-in: a fresh ``state`` (about 256 bits), a PKCE verifier and the URL.

        :param extra: further query parameters for the authorize URL (not the ones the flow
            sets itself, such as ``state``)
        :raises ConfigurationError: when ``extra`` tries to set a parameter the flow owns

        .. code-block:: python

            flow = auth.start_authorization()
            webbrowser.open(flow.url)
        """
        clash = sorted(_RESERVED & set(extra))
        if clash:
            raise ConfigurationError(f"start_authorization() sets {clash} itself")
        from procore_dc.auth._oauthlib import WebApplicationClient, generate_token

        client = WebApplicationClient(self.client_id)
        state = generate_token(_STATE_LENGTH)
        pkce: dict[str, str] = {}
        verifier: Optional[str] = None
        if self.pkce:
            verifier = client.create_code_verifier(_VERIFIER_LENGTH)
            pkce = {
                "code_challenge": client.create_code_challenge(verifier, "S256"),
                "code_challenge_method": "S256",
            }
        authorize = self.environment.authorize_url
        url = client.prepare_request_uri(
            oauthlib_url(authorize),
            redirect_uri=self.redirect_uri,
            state=state,
            **pkce,
            **extra,
        )
        return AuthorizationFlow(
            url=restore_url(url, authorize),
            state=state,
            code_verifier=verifier,
            redirect_uri=self.redirect_uri,
            created_at=self._now(),
        )

    def complete_authorization(
        self,
        flow: AuthorizationFlow,
        /,
        callback_url: str,
        *,
        http: Optional[requests.Session] = None,
    ) -> Token:
        """Finish a sign-in from the URL Procore redirected the browser to.

        The ``state`` is compared in constant time; the code is exchanged with the flow's
        redirect URI and PKCE verifier; the token is saved to the store before it is returned.

        :param flow: the flow from :meth:`start_authorization`
        :param callback_url: the full callback URL, query string included
        :param http: a plain ``requests.Session`` for the token request
        :raises OAuthError: when the callback carries ``error=`` (with the server's words) or
            no code, or the token endpoint refuses the code
        :raises StateMismatchError: when the state is missing or differs

        .. code-block:: python

            token = auth.complete_authorization(flow, "https://app.example.com/callback?code=...&state=...")
        """
        flow = self._check_flow(flow)
        if flow.redirect_uri == OOB_REDIRECT_URI:
            raise ConfigurationError(
                "this flow uses the out-of-band redirect: use complete_authorization_code()"
            )
        if not isinstance(callback_url, str):
            raise ConfigurationError("callback_url must be the callback's full URL")
        if flow.redirect_uri != self.redirect_uri:
            raise OAuthError(
                "the flow's redirect URI is not this strategy's; it is not this app's flow",
                error="redirect_uri_mismatch",
            )
        state, code = check_callback(
            flow, callback_url, now=self._now(), lifetime=self.flow_lifetime
        )
        self._consume_state(state)
        return self._exchange(flow, code, http)

    def complete_authorization_code(
        self,
        flow: AuthorizationFlow,
        /,
        code: str,
        *,
        http: Optional[requests.Session] = None,
    ) -> Token:
        """Finish a sign-in with a code the user pasted (out-of-band redirect).

        :param flow: the flow from :meth:`start_authorization`
        :param code: the authorization code Procore showed
        :param http: a plain ``requests.Session`` for the token request
        :raises OAuthError: when the token endpoint refuses the code

        .. code-block:: python

            auth = UserLevelAuth(client_id, client_secret, OOB_REDIRECT_URI)
            flow = auth.start_authorization()
            print("Open", flow.url)
            token = auth.complete_authorization_code(flow, input("Code: "))
        """
        flow = self._check_flow(flow)
        if not isinstance(code, str) or not code.strip():
            raise ConfigurationError("the authorization code is empty")
        return self._exchange(flow, code.strip(), http)

    def oauth2_session(self) -> requests_oauthlib.OAuth2Session:
        """A ``requests_oauthlib.OAuth2Session`` for a web app, holding the signed-in token.

        It starts from the token in the store and refreshes it when it expires, at the
        environment's token endpoint, sending the app's client id and secret. Each rotated
        token is saved to the store before the request that needed it is sent (Procore's
        refresh tokens are single-use), and the refresh runs under the store's lock: sessions
        and strategies sharing the store refresh once between them, the others take the
        token it saved. requests-oauthlib refuses ``http://`` URLs unless
        ``OAUTHLIB_INSECURE_TRANSPORT`` is set (for a loopback sandbox only).

        :raises OAuthError: when the store holds no token (``login_required``)

        .. code-block:: python

            session = auth.oauth2_session()
            me = session.get(f"{auth.environment.api_url}/rest/v1.0/me").json()
        """
        from procore_dc.auth._oauth2_session import make_oauth2_session

        token = self.store.load()
        if token is None:
            raise OAuthError(
                f"no token in {self.store!r}: {_SIGN_IN_AGAIN}", error="login_required"
            )
        refresh_fields = {"client_id": self.client_id, "redirect_uri": self.redirect_uri}
        if self._client_secret is not None:
            refresh_fields["client_secret"] = self._client_secret
        return make_oauth2_session(
            self.client_id,
            token=token,
            clock=self._now,
            token_url=self.environment.token_url,
            refresh_fields=refresh_fields,
            renew_once=self._renew_for_session,
            redirect_uri=self.redirect_uri,
        )

    def _renew_for_session(
        self, spent: Optional[str], renew: Callable[[Optional[str]], Token]
    ) -> Token:
        """Renew for an :meth:`oauth2_session` once, under this strategy's and the store's
        locks: the stored token when another holder already rotated ``spent`` and it is
        fresh, otherwise ``renew(the newest refresh token)``, saved before it is returned."""
        with self._lock, self.store.lock():
            stored = self.store.load()
            newest = spent
            if stored is not None and stored.refresh_token != spent:
                if self._fresh(stored, self._now()):
                    self._token = stored
                    return stored
                newest = stored.refresh_token
            token = renew(newest)
            self.store.save(token)
            self._token = token
            self._hold_until = None
        log.debug("token refreshed by an OAuth2Session; saved, expires at %s", token.expires_at)
        return token

    # -- machinery -------------------------------------------------------------------------

    def _consume_state(self, state: str) -> None:
        """Mark ``state`` used, or refuse it when it was used before (in this process)."""
        digest = hashlib.sha256(state.encode("utf-8")).digest()
        with self._lock:
            if digest in self._used_states:
                raise StateMismatchError(
                    "this callback's state was already used: a replayed callback (a reload "
                    "or a forged request); start the sign-in again",
                    error="state_reused",
                )
            self._used_states[digest] = None
            while len(self._used_states) > USED_STATES_KEPT:
                self._used_states.popitem(last=False)
        if isinstance(self.store, FileTokenStore) and not self.store.claim_once(digest.hex()):
            # Another process sharing the token file completed this callback already.
            raise StateMismatchError(
                "this callback's state was already used by another process: a replayed "
                "callback; start the sign-in again",
                error="state_reused",
            )

    def _check_flow(self, flow: object) -> AuthorizationFlow:
        if not isinstance(flow, AuthorizationFlow):
            raise ConfigurationError(
                "flow must be the AuthorizationFlow from start_authorization() (use "
                "AuthorizationFlow.from_dict() to restore a saved one)"
            )
        return flow

    def _exchange(
        self, flow: AuthorizationFlow, code: str, http: Optional[requests.Session]
    ) -> Token:
        from procore_dc.auth._oauthlib import WebApplicationClient

        client = WebApplicationClient(self.client_id)
        body = client.prepare_request_body(
            code=code,
            redirect_uri=flow.redirect_uri,
            include_client_id=True,
            client_secret=self._client_secret,
            code_verifier=flow.code_verifier,
        )
        url = self.environment.token_url
        with self._lock, self.store.lock():
            started = self._now()
            try:
                response = post_form(
                    self._plain(http), url, body, timeout=self.timeout, what="code exchange"
                )
            except OutcomeUnknownError as exc:
                raise OAuthError(
                    "the code exchange was sent but its answer was lost; the code is "
                    f"single-use, so {_SIGN_IN_AGAIN}",
                    error="outcome_unknown",
                ) from exc
            token = Token.from_response(parse_token_body(client, response), started)
            self.store.save(token)
            self._token = token
            self._hold_until = None
            log.debug("signed in; token saved, expires at %s", token.expires_at.isoformat())
            return token

    def _can_renew(self, current: Optional[Token]) -> bool:
        return current is not None and current.refresh_token is not None

    def _renew(self, http: requests.Session, current: Optional[Token]) -> Token:
        if current is None:
            raise OAuthError(
                f"no token in {self.store!r}: {_SIGN_IN_AGAIN}", error="login_required"
            )
        if current.refresh_token is None:
            raise OAuthError(
                f"the refresh token was spent or refused earlier: {_SIGN_IN_AGAIN}",
                error="login_required",
            )
        from procore_dc.auth._oauthlib import WebApplicationClient

        client = WebApplicationClient(self.client_id)
        body = client.prepare_refresh_body(
            refresh_token=current.refresh_token,
            client_id=self.client_id,
            client_secret=self._client_secret,
            # Procore's own refresh example sends it; it is the same string as in both legs.
            redirect_uri=self.redirect_uri,
        )
        url = self.environment.token_url
        started = self._now()
        try:
            response = post_form(http, url, body, timeout=self.timeout, what="token refresh")
        except OutcomeUnknownError as exc:
            self._mark_spent(current)
            raise OAuthError(
                "the token refresh was sent but its answer was lost; Procore refresh tokens "
                f"are single-use, so this one is spent and {_SIGN_IN_AGAIN}",
                error="refresh_outcome_unknown",
            ) from exc
        except InvalidGrantError:
            self._mark_spent(current)
            raise
        try:
            token = Token.from_response(parse_token_body(client, response), started)
        except (OAuthError, ResponseFormatError) as exc:
            # The server answered 2xx, so it rotated the refresh token: the old one is spent,
            # and the new one, when the answer holds a usable one, is the only one left.
            self._mark_spent(current, _rotated_refresh_token(response.text))
            raise OAuthError(
                f"the token refresh's answer could not be read; {_SIGN_IN_AGAIN}",
                error="invalid_response",
            ) from exc
        if token.refresh_token is None:
            # The server did not rotate: the old refresh token stays valid.
            token = attrs.evolve(token, refresh_token=current.refresh_token)
        return token

    def _mark_spent(self, current: Token, rotated: Optional[str] = None) -> None:
        """Record that the refresh token must never be sent again (keeping a rotated one)."""
        spent = attrs.evolve(current, refresh_token=rotated)
        self.store.save(spent)
        self._token = spent
        if rotated is None:
            log.warning("the refresh token is spent; %s", _SIGN_IN_AGAIN)
        else:
            log.warning("the token answer was unusable; its new refresh token was saved")


def _rotated_refresh_token(text: str) -> Optional[str]:
    """The refresh token a 2xx answer carries, when it is one we could send, else ``None``."""
    value = raw_token_fields(text).get("refresh_token")
    if isinstance(value, str) and TOKEN_CHARS.fullmatch(value):
        return value
    return None
