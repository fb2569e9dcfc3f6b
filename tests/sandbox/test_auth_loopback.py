"""sign_in_with_browser against FakeProcore: the test plays the browser."""

from __future__ import annotations

import queue
import socket
import threading
from typing import Any

import pytest
import requests

from procore_dc import ConfigurationError, StateMismatchError, UserLevelAuth
from procore_dc.auth.loopback import sign_in_with_browser
from procore_dc.testing import FakeProcore


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def run_sign_in(auth: UserLevelAuth) -> tuple[threading.Thread, dict[str, Any], queue.Queue[str]]:
    urls: queue.Queue[str] = queue.Queue()
    result: dict[str, Any] = {}

    def target() -> None:
        try:
            result["token"] = sign_in_with_browser(
                auth, open_browser=False, timeout=30, announce=urls.put
            )
        except Exception as exc:  # asserted by the caller
            result["error"] = exc

    thread = threading.Thread(target=target)
    thread.start()
    return thread, result, urls


def test_sign_in_with_browser_completes_the_flow() -> None:
    redirect = f"http://127.0.0.1:{free_port()}/callback"
    with FakeProcore(seed=0, rate_limits=None) as sandbox:
        app = sandbox.create_app(redirect_uris=[redirect])
        auth = UserLevelAuth(
            app.client_id, app.client_secret, redirect, environment=sandbox.environment
        )
        thread, result, urls = run_sign_in(auth)
        url = urls.get(timeout=10)
        requests.get(f"{redirect.rsplit('/', 1)[0]}/favicon.ico", timeout=10)  # ignored: 404
        page = requests.get(url, timeout=10)  # authorize -> redirect -> our receiver
        thread.join(30)
        assert page.status_code == 200
        assert "Signed in" in page.text
        assert "error" not in result
        assert auth.store.load() == result["token"]


def test_a_forged_callback_fails_the_sign_in() -> None:
    redirect = f"http://127.0.0.1:{free_port()}/callback"
    with FakeProcore(seed=0, rate_limits=None) as sandbox:
        app = sandbox.create_app(redirect_uris=[redirect])
        auth = UserLevelAuth(
            app.client_id, app.client_secret, redirect, environment=sandbox.environment
        )
        thread, result, urls = run_sign_in(auth)
        urls.get(timeout=10)
        page = requests.get(f"{redirect}?code=stolen&state=forged", timeout=10)
        thread.join(30)
        assert "failed" in page.text
        assert isinstance(result["error"], StateMismatchError)
        assert auth.store.load() is None


def test_a_non_loopback_redirect_is_refused() -> None:
    auth = UserLevelAuth("id", "secret", "https://app.example.com/callback")
    with pytest.raises(ConfigurationError, match="loopback"):
        sign_in_with_browser(auth, open_browser=False)
