"""The login host: apps, authorization codes, tokens, and the ``/oauth/*`` endpoints.

Behaviour follows procore-api.md section 1: 10-minute single-use codes bound to client,
redirect URI and PKCE challenge (1.2, 1.3); rotating single-use refresh tokens that die on first
use even when the response is lost (1.4); no refresh token for client credentials (1.5); revoke
always answers 200 and kills both tokens (1.2).
"""

from __future__ import annotations

import base64
import html
import json
import secrets
import threading
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Callable, Optional
from urllib.parse import urlencode, urlsplit

import attrs
from oauthlib.oauth2.rfc6749.grant_types.authorization_code import (
    code_challenge_method_plain,
    code_challenge_method_s256,
)
from werkzeug.wrappers import Request, Response

from procore_dc.testing._apps import (
    ALL,
    OOB_REDIRECT_URI,
    PermittedProjects,
    SandboxApp,
    TokenRecord,
)

if TYPE_CHECKING:
    from procore_dc.testing._clock import SandboxClock
    from procore_dc.testing._data import SandboxData

__all__ = [
    "ALL",
    "OOB_REDIRECT_URI",
    "OAuthState",
    "PermittedProjects",
    "SandboxApp",
    "TokenRecord",
]

CODE_LIFETIME = 600  # seconds; procore-api.md 1.2 "10-minute expiry"
INVALID_GRANT = (
    "The provided authorization grant is invalid, expired, revoked, does not match the "
    "redirection URI used in the authorization request, or was issued to another client."
)


@attrs.define(eq=False)
class _Code:
    app: SandboxApp
    redirect_uri: str
    user_id: int
    expires_at: float
    challenge: Optional[str]
    challenge_method: Optional[str]
    used: bool = False


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _jwt_like(claims: Mapping[str, Any]) -> str:
    # Procore's access tokens are JWTs (ES512 in the docs' example header, procore-api.md 1.3);
    # ours has the same three-part shape with a random signature nobody verifies.
    header = _b64(json.dumps({"typ": "JWT", "alg": "ES512"}).encode())
    body = _b64(json.dumps(dict(claims), separators=(",", ":")).encode())
    return f"{header}.{body}.{_b64(secrets.token_bytes(66))}"


def oauth_error(error: str, description: str, status: int = 400) -> Response:
    """An RFC 6749 section 5.2 error response."""
    response = Response(
        json.dumps({"error": error, "error_description": description}),
        status=status,
        mimetype="application/json",
    )
    response.headers["Cache-Control"] = "no-store"
    if status == 401:
        response.headers["WWW-Authenticate"] = f'Basic realm="Procore", error="{error}"'
    return response


class OAuthState:
    """Apps, codes and tokens of one sandbox, and the login host's endpoints.

    :param clock: the sandbox clock (token and code expiry)
    :param data: the seeded records (which users exist, for sign-in)
    :param signed_in: who ``/oauth/authorize`` approves as, asked on each request
    :param interactive: whether ``/oauth/authorize`` shows a sign-in page, asked on each request
    :param expires_in: access token lifetime in seconds
    """

    def __init__(
        self,
        clock: SandboxClock,
        data: SandboxData,
        signed_in: Callable[[], Optional[int]],
        interactive: Callable[[], bool],
        expires_in: int,
    ) -> None:
        self._clock = clock
        self._data = data
        self._signed_in = signed_in
        self._interactive = interactive
        self.expires_in = expires_in
        self.apps: dict[str, SandboxApp] = {}
        self._codes: dict[str, _Code] = {}
        self._access: dict[str, TokenRecord] = {}
        self._refresh: dict[str, TokenRecord] = {}
        self.lock = threading.Lock()

    # -- apps and tokens ----------------------------------------------------------------
    def create_app(
        self,
        name: str,
        redirect_uris: Sequence[str],
        permissions: Mapping[str, Mapping[str, str]],
    ) -> SandboxApp:
        app = SandboxApp(
            client_id=secrets.token_hex(32),
            client_secret=secrets.token_hex(32),
            name=name,
            redirect_uris=tuple(redirect_uris),
            permissions={scope: dict(tools) for scope, tools in permissions.items()},
        )
        with self.lock:
            self.apps[app.client_id] = app
        return app

    def issue(
        self, app: SandboxApp, kind: str, user_id: Optional[int], code: Optional[str] = None
    ) -> TokenRecord:
        """Create and store a token; user tokens get a refresh token."""
        now = self._clock.now()
        claims = {
            "ajti": secrets.token_hex(8),
            "aud": "procore",
            "iat": int(now),
            "exp": int(now) + self.expires_in,
            "sub": str(user_id) if user_id is not None else f"app:{app.name}",
            "uid": app.client_id[:16],
        }
        record = TokenRecord(
            access_token=_jwt_like(claims),
            app=app,
            kind=kind,
            user_id=user_id,
            created_at=now,
            expires_at=now + self.expires_in,
            refresh_token=secrets.token_hex(32) if kind == "user" else None,
            code=code,
        )
        with self.lock:
            self._access[record.access_token] = record
            if record.refresh_token:
                self._refresh[record.refresh_token] = record
        return record

    def token_response(self, record: TokenRecord) -> dict[str, Any]:
        """The JSON body of a successful token response (procore-api.md 1.3)."""
        body: dict[str, Any] = {
            "access_token": record.access_token,
            "token_type": "bearer",
            "expires_in": self.expires_in,
        }
        if record.refresh_token:
            body["refresh_token"] = record.refresh_token
        body["created_at"] = int(record.created_at)
        return body

    def lookup(self, access_token: str) -> tuple[Optional[TokenRecord], str]:
        """The live token for a bearer value, or ``None`` with why it is not usable."""
        with self.lock:
            record = self._access.get(access_token)
        if record is None or record.revoked:
            return None, "The access token is invalid"
        if record.expires_at <= self._clock.now():
            # The 401 text Procore's docs quote for an expired token (procore-api.md 1.4).
            return None, (
                "Your access token has expired, please use your refresh token to obtain a "
                "fresh token"
            )
        return record, ""

    def find(self, token: str) -> Optional[TokenRecord]:
        """The token record an access or a refresh token belongs to (live or not)."""
        with self.lock:
            return self._access.get(token) or self._refresh.get(token)

    def revoke_record(self, record: TokenRecord) -> None:
        with self.lock:
            record.revoked = True
            record.refresh_used = True

    # -- endpoints ------------------------------------------------------------------------
    def authorize(self, request: Request) -> Response:
        """``GET /oauth/authorize`` (and the sign-in form's ``POST``)."""
        params = request.values
        client_id = params.get("client_id", "")
        redirect_uri = params.get("redirect_uri", "")
        app = self.apps.get(client_id)
        # Problems with the client or redirect URI must not redirect (RFC 6749 4.1.2.1).
        if app is None:
            return _page("Authorization error", "invalid_client: unknown client_id", 400)
        if not redirect_uri or redirect_uri not in app.redirect_uris:
            return _page(
                "Authorization error",
                "invalid_redirect_uri: the redirect URI is not registered for this app",
                400,
            )
        state = params.get("state")
        if params.get("response_type") != "code":
            return _redirect_error(redirect_uri, "unsupported_response_type", state)
        method = params.get("code_challenge_method")
        challenge = params.get("code_challenge")
        if challenge and (method or "plain") not in ("S256", "plain"):
            return _redirect_error(redirect_uri, "invalid_request", state)
        user_id = self._signed_in()
        if request.method == "POST":
            if params.get("decision") != "allow":
                return _redirect_error(redirect_uri, "access_denied", state)
            try:
                user_id = int(params.get("user_id", ""))
            except ValueError:
                return _page("Authorization error", "invalid_request: pick a user", 400)
        elif self._interactive():
            return self._sign_in_page(request, app)
        if user_id is None or user_id not in self._data.user_permissions:
            return _page("Authorization error", "no signed-in user; call sign_in_as()", 400)
        code = secrets.token_hex(32)
        with self.lock:
            self._codes[code] = _Code(
                app=app,
                redirect_uri=redirect_uri,
                user_id=user_id,
                expires_at=self._clock.now() + CODE_LIFETIME,
                challenge=challenge,
                challenge_method=(method or "plain") if challenge else None,
            )
        if redirect_uri == OOB_REDIRECT_URI:
            # Out-of-band: Procore shows the code on its own page (procore-api.md 1.3).
            return _page(
                "Authorization code",
                f'Copy this code into your application: <code id="code">{code}</code>',
                200,
            )
        query = {"code": code}
        if state is not None:
            query["state"] = state
        return _redirect(redirect_uri, query)

    def _sign_in_page(self, request: Request, app: SandboxApp) -> Response:
        hidden = "".join(
            f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">'
            for k, v in request.args.items()
        )
        options = []
        for uid in sorted(self._data.user_permissions)[:50]:
            user = self._data.users.get(uid)
            if user is not None:
                selected = " selected" if uid == self._signed_in() else ""
                label = html.escape(f"{user['name']} <{user['email_address']}>")
                options.append(f'<option value="{uid}"{selected}>{label}</option>')
        body = (
            f"<p><b>{html.escape(app.name)}</b> would like to access your Procore account.</p>"
            f'<form method="post" action="/oauth/authorize">{hidden}'
            f'<select name="user_id">{"".join(options)}</select> '
            '<button name="decision" value="allow">Allow</button> '
            '<button name="decision" value="deny">Deny</button></form>'
        )
        return _page("Sign in to the Procore sandbox", body, 200)

    def token(self, request: Request) -> Response:
        """``POST /oauth/token``: form, multipart or JSON bodies; credentials in body or Basic."""
        params: dict[str, str] = {}
        if request.mimetype == "application/json":
            try:
                loaded = json.loads(request.get_data(as_text=True) or "{}")
            except ValueError:
                return oauth_error("invalid_request", "The request body is not valid JSON.")
            if not isinstance(loaded, dict):
                return oauth_error("invalid_request", "The request body must be a JSON object.")
            params = {k: str(v) for k, v in loaded.items() if v is not None}
        else:
            params = dict(request.form.items())
        basic = request.authorization
        if basic is not None and basic.type == "basic":
            params.setdefault("client_id", basic.username or "")
            params.setdefault("client_secret", basic.password or "")
        grant = params.get("grant_type")
        if not grant:
            return oauth_error("invalid_request", "The request is missing grant_type.")
        app = self.apps.get(params.get("client_id", ""))
        if app is None or not secrets.compare_digest(
            app.client_secret.encode(), params.get("client_secret", "").encode()
        ):
            return oauth_error(
                "invalid_client",
                "Client authentication failed due to unknown client, no client authentication "
                "included, or unsupported authentication method.",
                401,
            )
        if grant == "client_credentials":
            return self._ok(self.issue(app, "dmsa", None))
        if grant == "authorization_code":
            return self._grant_code(app, params)
        if grant == "refresh_token":
            return self._grant_refresh(app, params)
        return oauth_error(
            "unsupported_grant_type",
            "The authorization grant type is not supported by the authorization server.",
        )

    def _ok(self, record: TokenRecord) -> Response:
        response = Response(
            json.dumps(self.token_response(record)), status=200, mimetype="application/json"
        )
        response.headers["Cache-Control"] = "no-store"
        response.headers["Pragma"] = "no-cache"
        return response

    def _grant_code(self, app: SandboxApp, params: Mapping[str, str]) -> Response:
        code_value = params.get("code", "")
        with self.lock:
            code = self._codes.get(code_value)
            reused = code is not None and code.used
            if code is not None:
                code.used = True
        if code is None or code.app is not app:
            return oauth_error("invalid_grant", INVALID_GRANT)
        if reused:
            # A replayed code revokes what it issued (RFC 6749 section 4.1.2).
            with self.lock:
                for record in self._access.values():
                    if record.code == code_value:
                        record.revoked = True
                        record.refresh_used = True
            return oauth_error("invalid_grant", INVALID_GRANT)
        if code.expires_at <= self._clock.now():
            return oauth_error("invalid_grant", INVALID_GRANT)
        if params.get("redirect_uri") != code.redirect_uri:
            return oauth_error("invalid_grant", INVALID_GRANT)
        if code.challenge is not None:
            # Procore's PKCE support is unconfirmed (procore-api.md 1.3); DESIGN.md: the
            # sandbox enforces it whenever a challenge was sent.
            verifier = params.get("code_verifier")
            check = (
                code_challenge_method_s256
                if code.challenge_method == "S256"
                else code_challenge_method_plain
            )
            if not verifier or not check(verifier, code.challenge):
                return oauth_error("invalid_grant", "The code verifier does not match.")
        return self._ok(self.issue(app, "user", code.user_id, code=code_value))

    def _grant_refresh(self, app: SandboxApp, params: Mapping[str, str]) -> Response:
        value = params.get("refresh_token", "")
        with self.lock:
            old = self._refresh.get(value)
            usable = old is not None and old.app is app and not old.refresh_used
            if usable and old is not None:
                # Rotation is committed here, before the response is written: a response lost
                # in transit still kills the old refresh token (procore-api.md 1.4).
                old.refresh_used = True
        if not usable or old is None:
            return oauth_error("invalid_grant", "The refresh token is invalid")
        # redirect_uri is accepted with or without (DESIGN.md, procore-api.md 1.4).
        return self._ok(self.issue(app, "user", old.user_id))

    def revoke(self, request: Request) -> Response:
        """``POST /oauth/revoke``: always 200; kills the access token and its refresh token."""
        params = dict(request.form.items())
        if request.mimetype == "application/json":
            try:
                loaded = json.loads(request.get_data(as_text=True) or "{}")
                params = {k: str(v) for k, v in loaded.items()} if isinstance(loaded, dict) else {}
            except ValueError:
                params = {}
        record = self.find(params.get("token", ""))
        client_id = params.get("client_id")
        if record is not None and (client_id is None or client_id == record.app.client_id):
            self.revoke_record(record)
        return Response("{}", status=200, mimetype="application/json")

    def token_info(self, request: Request) -> Response:
        """``GET /oauth/token/info`` (procore-api.md 1.2)."""
        auth = request.headers.get("Authorization", "")
        record, why = self.lookup(auth[7:].strip() if auth.lower().startswith("bearer ") else "")
        if record is None:
            return oauth_error("invalid_token", why, 401)
        body: dict[str, Any] = {
            "resource_owner_id": record.user_id,
            "scopes": [],
            "expires_in_seconds": max(0, int(record.expires_at - self._clock.now())),
            "application": {"uid": record.app.client_id},
            "created_at": int(record.created_at),
        }
        return Response(json.dumps(body), status=200, mimetype="application/json")


def _page(title: str, body: str, status: int) -> Response:
    text = (
        f"<!doctype html><html><head><title>{html.escape(title)}</title></head>"
        f"<body><h1>{html.escape(title)}</h1><p>{body}</p></body></html>"
    )
    return Response(text, status=status, mimetype="text/html")


def _redirect(uri: str, query: Mapping[str, str]) -> Response:
    separator = "&" if urlsplit(uri).query else "?"
    response = Response("", status=302)
    response.headers["Location"] = f"{uri}{separator}{urlencode(query)}"
    return response


def _redirect_error(uri: str, error: str, state: Optional[str]) -> Response:
    query = {"error": error}
    if state is not None:
        query["state"] = state
    return _redirect(uri, query)
