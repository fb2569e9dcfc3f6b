"""Sign a user in from a script, the CLI or a notebook: a one-shot loopback receiver.

:func:`sign_in_with_browser` listens on the port of a loopback redirect URI such as
``http://localhost:8765/callback``, sends the user's browser to Procore, waits for the
redirect, completes the flow and returns the token (already saved in the strategy's store).
"""

from __future__ import annotations

import socket
import sys
import threading
import webbrowser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable, Optional
from urllib.parse import urlsplit

from procore_dc._redact import get_logger, redact_url
from procore_dc.auth.tokens import Token
from procore_dc.auth.user_level import OOB_REDIRECT_URI, UserLevelAuth
from procore_dc.environments import is_loopback_host
from procore_dc.exceptions import (
    ConfigurationError,
    OAuthError,
    ProcoreError,
    StateMismatchError,
)

__all__ = ["sign_in_with_browser"]

#: Seconds one connection to the receiver may stay idle. Browsers open speculative
#: (preconnect) sockets and leave them idle; each is served by its own thread and dropped
#: after this, so none can hold up the real callback or the overall timeout.
CONNECTION_TIMEOUT = 5.0

log = get_logger(__name__)

_DONE = (
    b"<!doctype html><title>procore-dc</title><p>Signed in to Procore. You can close this tab.</p>"
)
_FAILED = (
    b"<!doctype html><title>procore-dc</title><p>Sign-in failed; see the terminal for details.</p>"
)


def _default_announce(url: str) -> None:
    print(f"Open this URL to sign in to Procore:\n  {url}", file=sys.stderr, flush=True)


def sign_in_with_browser(
    auth: UserLevelAuth,
    *,
    open_browser: bool = True,
    timeout: float = 300,
    announce: Optional[Callable[[str], None]] = None,
) -> Token:
    """Run the whole Authorization Code flow through the user's browser.

    The receiver binds only to the loopback address of ``auth.redirect_uri`` and answers
    exactly one callback on its path; other requests (a favicon) get 404. Each connection gets
    its own thread and an idle timeout, so a browser's idle preconnect cannot block it. A
    callback without this flow's ``state`` (a forged ``?error=...`` from another page) is
    answered 400, logged at WARNING and ignored: the wait goes on for the real one.

    :param auth: a :class:`~procore_dc.auth.UserLevelAuth` whose redirect URI is ``http://localhost:<port>/...``
        or ``http://127.0.0.1:<port>/...``, registered for the app
    :param open_browser: open the URL in the default browser (default: ``True``); the URL is
        announced either way
    :param timeout: seconds to wait for the callback (default: ``300``)
    :param announce: called with the authorize URL (default: print it to stderr)
    :raises ConfigurationError: when the redirect URI is not a loopback http URL, or its port
        is busy
    :raises OAuthError: when no callback arrives in time, or the sign-in fails
    :raises StateMismatchError: when the callback's state is wrong

    .. code-block:: python

        auth = UserLevelAuth(client_id, client_secret, "http://localhost:8765/callback",
                             store=FileTokenStore("~/.config/procore-dc/token.json"))
        token = sign_in_with_browser(auth)
    """
    if not isinstance(auth, UserLevelAuth):
        raise ConfigurationError("sign_in_with_browser() needs a UserLevelAuth")
    redirect = auth.redirect_uri
    parts = urlsplit(redirect) if redirect != OOB_REDIRECT_URI else None
    if parts is None or parts.scheme != "http" or not is_loopback_host(parts.hostname or ""):
        raise ConfigurationError(
            f"sign_in_with_browser() needs a loopback redirect URI such as "
            f"http://localhost:8765/callback; {redirect!r} is not one"
        )
    host = parts.hostname or "localhost"
    bind_host = "127.0.0.1" if host == "localhost" else host.strip("[]")
    port = parts.port or 80
    path = parts.path.rstrip("/") or "/"
    outcome: dict[str, object] = {}
    done = threading.Event()
    flow = auth.start_authorization()

    finish = threading.Lock()  # one callback completes the flow, even with parallel requests

    class _Receiver(BaseHTTPRequestHandler):
        timeout = CONNECTION_TIMEOUT

        def do_GET(self) -> None:
            target = urlsplit(self.path)
            if (target.path.rstrip("/") or "/") != path or done.is_set():
                self.send_error(404)
                return
            callback = f"{redirect.split('?', 1)[0]}?{target.query}"
            with finish:
                if done.is_set():  # pragma: no cover - a second callback racing the first
                    self.send_error(404)
                    return
                try:
                    outcome["token"] = auth.complete_authorization(flow, callback)
                    body = _DONE
                except StateMismatchError as exc:
                    if exc.error == "state_reused":
                        raise  # pragma: no cover - done is set once a state is used
                    self.send_error(400, "not this sign-in's callback")
                    return
                except ProcoreError as exc:
                    outcome["error"] = exc
                    body = _FAILED
                done.set()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            # The query carries the code: never let http.server print it.
            log.debug("loopback receiver: %s", redact_url(self.path))

    class _Server(ThreadingHTTPServer):
        address_family = socket.AF_INET6 if ":" in bind_host else socket.AF_INET
        daemon_threads = True
        block_on_close = False  # an idle preconnect must not hold up the return

    try:
        server = _Server((bind_host, port), _Receiver)
    except OSError as exc:
        raise ConfigurationError(
            f"cannot listen on {bind_host}:{port} for the sign-in callback: {exc.strerror}"
        ) from None
    # The receiver serves from its own thread while this one waits for the callback, so the
    # sign-in returns as soon as the callback has been handled (a loop of timed
    # handle_request calls noticed it only at its next wake-up, up to a second later).
    serving = threading.Thread(
        target=server.serve_forever,
        kwargs={"poll_interval": 0.05},
        name="procore-dc sign-in receiver",
        daemon=True,
    )
    serving.start()
    try:
        (announce or _default_announce)(flow.url)
        if open_browser:
            webbrowser.open(flow.url)
        if not done.wait(timeout):
            raise OAuthError(
                f"no sign-in callback arrived within {timeout:g} s; run the sign-in again",
                error="timeout",
            )
    finally:
        server.shutdown()
        server.server_close()
    error = outcome.get("error")
    if isinstance(error, ProcoreError):
        raise error
    token = outcome["token"]
    assert isinstance(token, Token)
    return token
