"""A web app that acts for each signed-in Procore user: Authorization Code with state and PKCE,
and one rotating refresh token per user, saved before it is used.

The token logic (:class:`TokenVault`, :class:`ProcoreSignIn`) is plain Python and works with
any web framework. :func:`create_app` wires it into Flask, which is *not* a dependency of
procore-dc: ``pip install flask`` to run the web part::

    export PROCORE_CLIENT_ID=... PROCORE_CLIENT_SECRET=... PROCORE_ENVIRONMENT=sandbox
    export PROCORE_REDIRECT_URI=http://localhost:5000/procore/callback   # registered for the app
    export FLASK_SECRET_KEY=$(python -c "import secrets; print(secrets.token_hex())")
    flask --app examples/flask_user_login.py run
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Optional

from procore_dc import (
    AuthorizationFlow,
    Environment,
    FileTokenStore,
    ProcoreClient,
    Token,
    UserLevelAuth,
)
from procore_dc.exceptions import ConfigurationError, StateMismatchError

if TYPE_CHECKING:
    import flask


class TokenVault:
    """One :class:`~procore_dc.FileTokenStore` per user, in one folder (mode 0600 files).

    Use a database-backed store in production: any object with ``load``, ``save``,
    ``delete`` and ``lock`` is a :class:`~procore_dc.TokenStore`.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def store_for(self, user_key: str) -> FileTokenStore:
        # Hash the key: it becomes a file name, and must not be able to name another path.
        digest = hashlib.sha256(user_key.encode("utf-8")).hexdigest()[:32]
        return FileTokenStore(self.folder / f"{digest}.json")


class ProcoreSignIn:
    """Sign users in to Procore and give each one a client that renews its own token.

    Sign-ins in progress are kept server-side: the PKCE verifier is a secret and does not go
    into a cookie. (Several processes? Keep them in your shared cache instead of a dict.)
    """

    def __init__(
        self,
        client_id: str,
        client_secret: str,
        redirect_uri: str,
        *,
        environment: Environment,
        vault: TokenVault,
    ) -> None:
        self.client_id = client_id
        self._client_secret = client_secret
        self.redirect_uri = redirect_uri
        self.environment = environment
        self.vault = vault
        self._pending: dict[str, dict[str, Any]] = {}
        self._lock = threading.Lock()

    @classmethod
    def from_env(
        cls, vault: TokenVault, environ: Optional[Mapping[str, str]] = None
    ) -> ProcoreSignIn:
        env = os.environ if environ is None else environ
        missing = [
            name
            for name in ("PROCORE_CLIENT_ID", "PROCORE_CLIENT_SECRET", "PROCORE_REDIRECT_URI")
            if not env.get(name)
        ]
        if missing:
            raise ConfigurationError(f"set {', '.join(missing)}")
        return cls(
            env["PROCORE_CLIENT_ID"],
            env["PROCORE_CLIENT_SECRET"],
            env["PROCORE_REDIRECT_URI"],
            environment=Environment.from_name(env.get("PROCORE_ENVIRONMENT") or "production"),
            vault=vault,
        )

    def auth_for(self, user_key: str) -> UserLevelAuth:
        """The user's auth strategy; its token lives in the user's own store."""
        return UserLevelAuth(
            self.client_id,
            self._client_secret,
            self.redirect_uri,
            environment=self.environment,
            store=self.vault.store_for(user_key),
        )

    def begin(self, user_key: str) -> str:
        """Start a sign-in for ``user_key``; return the URL to send the browser to."""
        flow = self.auth_for(user_key).start_authorization()
        with self._lock:
            self._pending[user_key] = flow.to_dict()
        return flow.url

    def finish(self, user_key: str, callback_url: str) -> Token:
        """Complete the sign-in from the callback URL; the token is saved before it returns.

        :raises StateMismatchError: for a callback this user's sign-in did not start
        :raises OAuthError: when the user refused, or Procore refused the code
        """
        with self._lock:
            saved = self._pending.get(user_key)
        if saved is None:
            raise StateMismatchError("no sign-in in progress for this user", error="state_mismatch")
        flow = AuthorizationFlow.from_dict(saved)
        try:
            token = self.auth_for(user_key).complete_authorization(flow, callback_url)
        except StateMismatchError:
            # Not this sign-in's callback (a forged cross-site request): keep the pending
            # flow, so the real callback can still complete it.
            raise
        except Exception:
            self._forget(user_key, saved)
            raise
        self._forget(user_key, saved)
        return token

    def _forget(self, user_key: str, saved: dict[str, Any]) -> None:
        with self._lock:
            if self._pending.get(user_key) is saved:
                del self._pending[user_key]

    def client_for(self, user_key: str) -> ProcoreClient:
        """A client acting as the user. Refreshes rotate the user's refresh token."""
        return ProcoreClient(self.auth_for(user_key), user_agent="acme-web/1.0")

    def signed_in(self, user_key: str) -> bool:
        return self.vault.store_for(user_key).load() is not None

    def sign_out(self, user_key: str) -> None:
        """Revoke the user's token at Procore and delete it."""
        self.auth_for(user_key).revoke()


def create_app(signin: Optional[ProcoreSignIn] = None) -> flask.Flask:
    """The Flask app: ``/``, ``/login``, ``/procore/callback``, ``/me`` and ``/logout``."""
    import secrets

    from flask import Flask, jsonify, redirect, request, session

    app = Flask(__name__)
    app.secret_key = os.environ.get("FLASK_SECRET_KEY") or secrets.token_hex()
    folder = Path(os.environ.get("TOKEN_FOLDER", "procore-tokens"))
    procore = signin or ProcoreSignIn.from_env(TokenVault(folder))

    def user_key() -> str:
        # Your app's own user id goes here; a random id stands in for it.
        if "user" not in session:
            session["user"] = secrets.token_urlsafe(16)
        return str(session["user"])

    @app.get("/")
    def index() -> Any:
        if not procore.signed_in(user_key()):
            return '<a href="/login">Connect your Procore account</a>'
        return (
            '<a href="/me">Who am I in Procore?</a> <form method="post" action="/logout">'
            "<button>Disconnect</button></form>"
        )

    @app.get("/login")
    def login() -> Any:
        return redirect(procore.begin(user_key()))

    @app.get("/procore/callback")
    def callback() -> Any:
        # Behind a proxy request.url names the internal host; this route is the redirect
        # URI by construction, so rebuild it from the registered one (query as received).
        query = request.query_string.decode("latin-1")
        procore.finish(user_key(), f"{procore.redirect_uri}?{query}")
        return redirect("/")

    @app.get("/me")
    def me() -> Any:
        with procore.client_for(user_key()) as client:
            person = client.me()
        return jsonify({"id": person.id, "login": person.login, "name": person.name})

    @app.post("/logout")
    def logout() -> Any:
        procore.sign_out(user_key())
        return redirect("/")

    return app
