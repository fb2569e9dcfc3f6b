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
import hmac
import threading
import weakref
from collections import OrderedDict
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Callable, Optional, Union
from urllib.parse import parse_qs, urlsplit

import attrs
import requests

from procore_dc._redact import get_logger, mask
from procore_dc.auth._oauth import (
    DEFAULT_TOKEN_TIMEOUT,
    OutcomeUnknownError,
    check_transport,
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
    from requests_oauthlib import OAuth2Session

__all__ = ["OOB_REDIRECT_URI", "AuthorizationFlow", "UserLevelAuth"]

log = get_logger(__name__)

#: The out-of-band redirect: Procore shows the code on a page for the user to copy.
OOB_REDIRECT_URI = "urn:ietf:wg:oauth:2.0:oob"

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


def _check_redirect_uri(value: object) -> str:
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
        self.redirect_uri = _check_redirect_uri(redirect_uri)
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
        _check_callback_origin(callback_url, flow.redirect_uri)
        params = parse_qs(urlsplit(callback_url).query, keep_blank_values=True)

        def single(name: str) -> Optional[str]:
            values = params.get(name)
            if not values:
                return None
            if len(values) > 1:
                raise OAuthError(
                    f"the callback carries {name} more than once", error="invalid_request"
                )
            return values[0]

        # The state first: without it, an error= callback is anyone's (a forged page can
        # fire one) and its text must not be shown as Procore's answer.
        state = single("state")
        if state is None or not hmac.compare_digest(
            state.encode("utf-8"), flow.state.encode("utf-8")
        ):
            log.warning(
                "ignored a sign-in callback whose state is not this flow's (forged or stale)"
            )
            raise StateMismatchError(
                "the callback's state does not match the one this flow sent (a forged or stale "
                "callback); start the sign-in again",
                error="state_mismatch",
            )
        age = self._now() - flow.created_at
        if age > timedelta(seconds=self.flow_lifetime) or age < timedelta(seconds=-300):
            raise OAuthError(
                f"this sign-in started {age.total_seconds():.0f} s ago, longer than a code "
                f"lives ({self.flow_lifetime:g} s); start the sign-in again",
                error="flow_expired",
            )
        error = single("error")
        if error:
            description = single("error_description") or ""
            raise OAuthError(
                f"Procore refused the sign-in ({error})"
                + (f": {description}" if description else ""),
                error=error,
                error_description=description,
            )
        code = single("code")
        if not code:
            raise OAuthError("the callback carries no authorization code", error="invalid_request")
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

    def oauth2_session(self) -> OAuth2Session:
        """A ``requests_oauthlib.OAuth2Session`` for a web app, holding the signed-in token.

        It starts from the token in the store and refreshes it when it expires, at the
        environment's token endpoint, sending the app's client id and secret. Each rotated
        token is saved to the store before the request that needed it is sent (Procore's
        refresh tokens are single-use). Do not let another strategy refresh the same store
        while it is in use. requests-oauthlib refuses ``http://`` URLs unless
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
            save=self._save_refreshed,
            redirect_uri=self.redirect_uri,
        )

    def _save_refreshed(self, token: Token) -> None:
        """Keep a token an :meth:`oauth2_session` refreshed, as this strategy's own."""
        with self._lock, self.store.lock():
            self.store.save(token)
            self._token = token
            self._hold_until = None
        log.debug("token refreshed by an OAuth2Session; saved, expires at %s", token.expires_at)

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


def _rotated_refresh_token(text: str) -> Optional[str]:
    """The refresh token a 2xx answer carries, when it is one we could send, else ``None``."""
    value = raw_token_fields(text).get("refresh_token")
    if isinstance(value, str) and TOKEN_CHARS.fullmatch(value):
        return value
    return None
