"""OAuth security, end to end against FakeProcore and listeners of our own on 127.0.0.1.

- ``state``: at least 128 bits, single-use, compared in constant time; missing, mismatched and
  replayed states are rejected before the code is exchanged.
- PKCE: always S256, with a verifier of 43 to 128 characters that matches the challenge.
- The redirect URI is sent byte-identical in the authorize and token requests.
- Plain http to a non-loopback host is refused before any socket opens.
- Neither importing the SDK nor a full sign-in sets ``OAUTHLIB_INSECURE_TRANSPORT``.
- No ``Authorization`` header reaches another host: a cross-host redirect, an https->http
  downgrade, a port change, an absolute foreign URL and an upload storage URL each deliver 0
  Authorization headers to a listener of ours.
- Token files are 0600 (their folder 0700) from the moment they exist.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
import math
import os
import socket
import ssl
import stat
import string
import subprocess
import sys
import textwrap
import threading
from collections.abc import Iterator
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Callable, Optional
from urllib.parse import parse_qs, parse_qsl, urlencode, urlsplit

import pytest
import requests

from procore_dc import (
    AuthorizationFlow,
    ConfigurationError,
    Environment,
    FileTokenStore,
    OAuthError,
    ProcoreClient,
    ServiceAccountAuth,
    Session,
    StateMismatchError,
    UserLevelAuth,
)
from procore_dc.models import FileVersion
from procore_dc.pagination import PageIterator
from procore_dc.testing import FakeProcore, SandboxApp, SandboxClock

COMPANY_ID = 8
PROJECT_ID = 100001
ME = "/rest/v1.0/me"
# A redirect URI with a path, a query, an escaped slash and a trailing slash: anything a
# client could re-encode, re-order or normalise on the way.
REDIRECT = "http://127.0.0.1:53682/callback/procore/?tenant=a%2Fb&mode=x+y"
# The characters oauthlib's generate_token draws from (letters and digits).
STATE_ALPHABET = frozenset(string.ascii_letters + string.digits)
UNRESERVED = frozenset(string.ascii_letters + string.digits + "-._~")


# -- fixtures and helpers --------------------------------------------------------------------


@pytest.fixture
def sandbox() -> Iterator[FakeProcore]:
    with FakeProcore(seed=0, clock=SandboxClock(frozen=True), rate_limits=None) as running:
        yield running


@pytest.fixture
def app(sandbox: FakeProcore) -> SandboxApp:
    created = sandbox.create_app("Security test app", redirect_uris=(REDIRECT,))
    sandbox.install(created, COMPANY_ID)
    return created


def clock_of(sandbox: FakeProcore) -> Callable[[], datetime]:
    return lambda: datetime.fromtimestamp(sandbox.clock.now(), timezone.utc)


def user_auth(sandbox: FakeProcore, app: SandboxApp, **kw: Any) -> UserLevelAuth:
    return UserLevelAuth(
        app.client_id,
        app.client_secret,
        REDIRECT,
        environment=sandbox.environment,
        clock=clock_of(sandbox),
        **kw,
    )


def browse(url: str) -> str:
    """Play the browser: follow /oauth/authorize and return the callback URL it redirects to."""
    with requests.Session() as browser:
        browser.trust_env = False
        answer = browser.get(url, allow_redirects=False, timeout=10)
    assert answer.status_code == 302, answer.text
    return str(answer.headers["Location"])


def with_query(callback: str, **changes: Optional[str]) -> str:
    """``callback`` with query parameters replaced (``None`` removes one)."""
    parts = urlsplit(callback)
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    for key, value in changes.items():
        if value is None:
            query.pop(key, None)
        else:
            query[key] = value
    return parts._replace(query=urlencode(query)).geturl()


def token_posts(sandbox: FakeProcore) -> list[dict[str, str]]:
    return [
        dict(parse_qsl(r.body.decode("utf-8"), keep_blank_values=True))
        for r in sandbox.requests
        if r.role == "login" and r.method == "POST" and r.path == "/oauth/token"
    ]


class Recorder:
    """A loopback HTTP listener of our own that records every request's headers."""

    def __init__(self, *, tls: Optional[ssl.SSLContext] = None, redirect_to: str = "") -> None:
        self.requests: list[tuple[str, str, dict[str, str]]] = []
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                if length:
                    self.rfile.read(length)
                recorder.requests.append((self.command, self.path, dict(self.headers.items())))
                if redirect_to:
                    self.send_response(302)
                    self.send_header("Location", redirect_to + self.path)
                    body = b""
                else:
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("ETag", '"etag-1"')
                    body = b'{"ok": true}'
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = do_PUT = do_PATCH = _answer  # noqa: N815

            def log_message(self, format: str, *args: Any) -> None:
                """Quiet."""

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        if tls is not None:
            self.server.socket = tls.wrap_socket(self.server.socket, server_side=True)
        self.port = self.server.server_address[1]
        scheme = "https" if tls is not None else "http"
        self.url = f"{scheme}://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()

    def authorization_headers(self) -> int:
        return sum(
            1
            for _, _, headers in self.requests
            if any(k.lower() == "authorization" for k in headers)
        )

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def foreign() -> Iterator[Recorder]:
    recorder = Recorder()
    yield recorder
    recorder.close()


@pytest.fixture
def dmsa_client(sandbox: FakeProcore) -> Iterator[ProcoreClient]:
    app = sandbox.default_app
    auth = ServiceAccountAuth(app.client_id, app.client_secret, environment=sandbox.environment)
    with ProcoreClient(auth, company_id=COMPANY_ID) as client:
        client.session.requests_session.trust_env = False
        yield client


def api_bearer_count(sandbox: FakeProcore) -> int:
    return sum(1 for r in sandbox.requests if r.role == "api" and r.headers.get("Authorization"))


# -- state ------------------------------------------------------------------------------------


def test_state_has_at_least_128_bits_and_never_repeats(
    sandbox: FakeProcore, app: SandboxApp
) -> None:
    auth = user_auth(sandbox, app)
    states = [auth.start_authorization().state for _ in range(2000)]
    for state in states:
        assert set(state) <= STATE_ALPHABET
        assert len(state) * math.log2(len(STATE_ALPHABET)) >= 128
    assert len(set(states)) == len(states)
    # The state in the URL is the one the flow keeps.
    flow = auth.start_authorization()
    assert parse_qs(urlsplit(flow.url).query)["state"] == [flow.state]


def test_state_is_compared_in_constant_time(
    sandbox: FakeProcore, app: SandboxApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[tuple[bytes, bytes]] = []
    real = hmac.compare_digest

    def counting(a: Any, b: Any) -> bool:
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr(hmac, "compare_digest", counting)
    auth = user_auth(sandbox, app)
    flow = auth.start_authorization()
    callback = browse(flow.url)

    def state_checks() -> list[tuple[bytes, bytes]]:
        # (The sandbox's own PKCE check also uses compare_digest; only count the state's.)
        return [call for call in calls if flow.state.encode() in call]

    # Change the last character to one it is not (a random state ends in "x" one time in 64).
    forged = flow.state[:-1] + ("y" if flow.state.endswith("x") else "x")
    with pytest.raises(StateMismatchError):
        auth.complete_authorization(flow, with_query(callback, state=forged))
    assert state_checks() == [(forged.encode(), flow.state.encode())]

    auth.complete_authorization(flow, callback)
    assert len(state_checks()) == 2
    assert state_checks()[1] == (flow.state.encode(), flow.state.encode())


@pytest.mark.parametrize(
    "state",
    [None, "", "x", "wrong-state-of-a-plausible-length-aaaaaaaaaaaaa"],
    ids=["missing", "empty", "short", "mismatched"],
)
def test_missing_or_mismatched_state_is_rejected_before_the_exchange(
    sandbox: FakeProcore, app: SandboxApp, state: Optional[str]
) -> None:
    auth = user_auth(sandbox, app)
    flow = auth.start_authorization()
    callback = browse(flow.url)
    with pytest.raises(StateMismatchError):
        auth.complete_authorization(flow, with_query(callback, state=state))
    assert token_posts(sandbox) == []
    assert auth.store.load() is None


def test_a_state_from_another_flow_is_rejected(sandbox: FakeProcore, app: SandboxApp) -> None:
    auth = user_auth(sandbox, app)
    mine, theirs = auth.start_authorization(), auth.start_authorization()
    with pytest.raises(StateMismatchError):
        auth.complete_authorization(mine, browse(theirs.url))
    assert token_posts(sandbox) == []


def test_a_duplicated_state_parameter_is_rejected(sandbox: FakeProcore, app: SandboxApp) -> None:
    auth = user_auth(sandbox, app)
    flow = auth.start_authorization()
    callback = browse(flow.url) + "&" + urlencode({"state": "attacker"})
    with pytest.raises(OAuthError):
        auth.complete_authorization(flow, callback)
    assert token_posts(sandbox) == []


def test_a_replayed_callback_is_refused(sandbox: FakeProcore, app: SandboxApp) -> None:
    auth = user_auth(sandbox, app)
    flow = auth.start_authorization()
    callback = browse(flow.url)
    token = auth.complete_authorization(flow, callback)
    with pytest.raises(OAuthError):
        auth.complete_authorization(flow, callback)
    with pytest.raises(OAuthError):  # restored from the web session, as apps do
        auth.complete_authorization(AuthorizationFlow.from_dict(flow.to_dict()), callback)
    assert auth.store.load() == token


@pytest.mark.parametrize("pkce", [True, False], ids=["pkce", "no-pkce"])
def test_a_state_is_single_use(sandbox: FakeProcore, app: SandboxApp, pkce: bool) -> None:
    auth = user_auth(sandbox, app, pkce=pkce)
    flow = auth.start_authorization()
    callback = browse(flow.url)
    auth.complete_authorization(flow, callback)
    posts = len(token_posts(sandbox))
    # The same callback again (a reload, or an attacker replaying it).
    with pytest.raises(StateMismatchError):
        auth.complete_authorization(flow, callback)
    # Someone who saw the state gets a code of their own and replays the state with it.
    other = auth.start_authorization()
    with pytest.raises(StateMismatchError):
        auth.complete_authorization(flow, with_query(browse(other.url), state=flow.state))
    assert len(token_posts(sandbox)) == posts
    # The signed-in user's token still works.
    with Session(auth) as session:
        session.requests_session.trust_env = False
        assert session.get_json(ME)["id"]


# -- PKCE and the redirect URI -----------------------------------------------------------------


def s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def test_pkce_is_always_s256_with_a_43_to_128_character_verifier(
    sandbox: FakeProcore, app: SandboxApp
) -> None:
    auth = user_auth(sandbox, app)
    for _ in range(200):
        flow = auth.start_authorization()
        query = parse_qs(urlsplit(flow.url).query)
        assert flow.code_verifier is not None
        assert 43 <= len(flow.code_verifier) <= 128
        assert set(flow.code_verifier) <= UNRESERVED
        assert query["code_challenge_method"] == ["S256"]
        assert query["code_challenge"] == [s256(flow.code_verifier)]
    # Nobody can ask for "plain" through the extra parameters.
    with pytest.raises(ConfigurationError):
        auth.start_authorization(code_challenge_method="plain")
    # The token request carries the verifier, and the sandbox checked it against S256.
    flow = auth.start_authorization()
    auth.complete_authorization(flow, browse(flow.url))
    (post,) = token_posts(sandbox)
    assert post["code_verifier"] == flow.code_verifier


def test_the_redirect_uri_is_byte_identical_in_both_legs(
    sandbox: FakeProcore, app: SandboxApp
) -> None:
    auth = user_auth(sandbox, app)
    flow = auth.start_authorization()
    assert flow.redirect_uri == REDIRECT
    auth.complete_authorization(flow, browse(flow.url))
    auth.refresh()  # the refresh sends it too

    (authorize,) = [r for r in sandbox.requests if r.path == "/oauth/authorize"]
    assert authorize.query["redirect_uri"] == [REDIRECT]
    posts = token_posts(sandbox)
    assert [p["grant_type"] for p in posts] == ["authorization_code", "refresh_token"]
    for post in posts:
        assert post["redirect_uri"] == REDIRECT
    # And on the wire: the same percent-encoded bytes in every request.
    raw = {raw_param(urlsplit(flow.url).query, "redirect_uri")}
    raw |= {
        raw_param(r.body.decode("ascii"), "redirect_uri")
        for r in sandbox.requests
        if r.role == "login" and r.path == "/oauth/token"
    }
    assert len(raw) == 1, raw


def raw_param(query: str, name: str) -> str:
    """The still-encoded value of ``name`` in an urlencoded string."""
    (value,) = [part.partition("=")[2] for part in query.split("&") if part.startswith(name + "=")]
    return value


def test_a_callback_on_another_path_is_rejected(sandbox: FakeProcore, app: SandboxApp) -> None:
    auth = user_auth(sandbox, app)
    flow = auth.start_authorization()
    callback = urlsplit(browse(flow.url))
    elsewhere = callback._replace(path="/somewhere/else").geturl()
    with pytest.raises(OAuthError):
        auth.complete_authorization(flow, elsewhere)
    assert token_posts(sandbox) == []


# -- https only -------------------------------------------------------------------------------


@pytest.fixture
def no_sockets(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Fail the test if anything tries to open a connection."""
    attempts: list[Any] = []

    def refuse(self: socket.socket, address: Any) -> None:
        attempts.append(address)
        raise AssertionError(f"a socket was opened to {address!r}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    return attempts


INSECURE = [
    "http://api.procore.example",
    "http://10.0.0.5:8080",
    "http://127.0.0.1.example.com",
    "http://localhost.example.com",
    "ftp://api.procore.com",
]


@pytest.mark.parametrize("url", INSECURE)
def test_insecure_urls_are_refused_before_any_socket_opens(url: str, no_sockets: list[Any]) -> None:
    with pytest.raises(ConfigurationError):
        Environment.local(url)
    with pytest.raises(ConfigurationError):
        Environment.local("https://api.procore.com", login_url=url)
    with pytest.raises(ConfigurationError):
        Environment.from_name(url)
    with pytest.raises(ConfigurationError):
        Environment(name="custom", login_url=url, api_url=url)
    with pytest.raises(ConfigurationError):
        UserLevelAuth("client-id", "secret", url + "/callback")
    # A client on a safe environment refuses to send its token there.
    auth = ServiceAccountAuth("client-id", "secret", environment=Environment.PRODUCTION)
    with Session(auth, company_id=COMPANY_ID) as session, pytest.raises(ConfigurationError):
        session.request("GET", url + "/rest/v1.0/me")
    assert no_sockets == []


# -- OAUTHLIB_INSECURE_TRANSPORT --------------------------------------------------------------


_IMPORT_EVERYTHING = textwrap.dedent(
    """
    import importlib, os, pkgutil, sys
    assert "OAUTHLIB_INSECURE_TRANSPORT" not in os.environ
    import procore_dc
    for module in pkgutil.walk_packages(procore_dc.__path__, "procore_dc."):
        if module.name != "procore_dc.__main__":
            importlib.import_module(module.name)
    from oauthlib.oauth2.rfc6749.utils import is_secure_transport
    print(repr(os.environ.get("OAUTHLIB_INSECURE_TRANSPORT")), is_secure_transport("http://x.io"))
    """
)

_FULL_SIGN_IN = textwrap.dedent(
    """
    import os
    import requests
    from procore_dc import ProcoreClient, ServiceAccountAuth, UserLevelAuth
    from procore_dc.testing import FakeProcore
    from oauthlib.oauth2.rfc6749.utils import is_secure_transport

    with FakeProcore(seed=0, rate_limits=None) as sandbox:
        app = sandbox.default_app
        auth = UserLevelAuth(app.client_id, app.client_secret, "http://localhost",
                             environment=sandbox.environment)
        flow = auth.start_authorization()
        answer = requests.get(flow.url, allow_redirects=False, timeout=10)
        auth.complete_authorization(flow, answer.headers["Location"])
        with ProcoreClient(auth) as client:
            assert client.me().id
        auth.refresh()
        auth.revoke()
        dmsa = ServiceAccountAuth(app.client_id, app.client_secret,
                                  environment=sandbox.environment)
        with ProcoreClient(dmsa, company_id=8) as client:
            assert client.me().id
    print(repr(os.environ.get("OAUTHLIB_INSECURE_TRANSPORT")), is_secure_transport("http://x.io"))
    """
)


@pytest.mark.parametrize("script", [_IMPORT_EVERYTHING, _FULL_SIGN_IN], ids=["import", "sign-in"])
def test_the_sdk_never_sets_oauthlib_insecure_transport(script: str) -> None:
    env = {k: v for k, v in os.environ.items() if k != "OAUTHLIB_INSECURE_TRANSPORT"}
    env.pop("HTTP_PROXY", None)
    env.pop("http_proxy", None)
    done = subprocess.run(
        [sys.executable, "-c", script],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "None False"


# -- no Authorization header for another host ---------------------------------------------------


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
@pytest.mark.parametrize("target", ["cross-host", "port-change"])
def test_a_redirect_off_the_api_host_carries_no_authorization(
    sandbox: FakeProcore,
    dmsa_client: ProcoreClient,
    foreign: Recorder,
    status: int,
    target: str,
) -> None:
    host = "localhost" if target == "cross-host" else "127.0.0.1"
    location = f"http://{host}:{foreign.port}/landing"
    sandbox.faults.add("GET", ME, "status", status=status, headers={"Location": location}, times=1)
    assert dmsa_client.session.get_json(ME) == {"ok": True}
    assert len(foreign.requests) == 1
    assert foreign.authorization_headers() == 0
    assert api_bearer_count(sandbox) == 1  # the token did go to the API host


@pytest.fixture(scope="module")
def tls_context(tmp_path_factory: pytest.TempPathFactory) -> tuple[ssl.SSLContext, Path]:
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    made = subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
            "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
            "-keyout", str(key), "-out", str(cert),
        ],
        capture_output=True,
        check=False,
    )  # fmt: skip
    if made.returncode != 0:  # pragma: no cover - depends on the machine
        pytest.skip(f"openssl cannot make a test certificate: {made.stderr!r}")
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    return context, cert


def test_an_https_to_http_downgrade_carries_no_authorization(
    sandbox: FakeProcore, foreign: Recorder, tls_context: tuple[ssl.SSLContext, Path]
) -> None:
    # The API host is served over TLS on 127.0.0.1 and redirects to plain http on 127.0.0.1.
    context, cert = tls_context
    api = Recorder(tls=context, redirect_to=foreign.url)
    try:
        env = Environment.local(api.url, login_url=sandbox.login_url)
        app = sandbox.default_app
        auth = ServiceAccountAuth(app.client_id, app.client_secret, environment=env)
        http = requests.Session()
        http.trust_env = False
        http.verify = str(cert)
        with Session(auth, company_id=COMPANY_ID, requests_session=http) as session:
            assert session.get_json("/rest/v1.0/me") == {"ok": True}
        http.close()
    finally:
        api.close()
    assert api.authorization_headers() == 1  # the API host got the token over TLS
    assert [path for _, path, _ in foreign.requests] == ["/rest/v1.0/me"]
    assert foreign.authorization_headers() == 0


def test_an_absolute_foreign_url_carries_no_authorization(
    sandbox: FakeProcore, dmsa_client: ProcoreClient, foreign: Recorder
) -> None:
    session = dmsa_client.session
    # Authenticated: refused outright.
    with pytest.raises(ConfigurationError):
        session.request("GET", f"{foreign.url}/file.pdf")
    with pytest.raises(ConfigurationError):
        session.request("GET", f"{sandbox.api_url.replace('127.0.0.1', 'localhost')}{ME}")
    # Unauthenticated: sent, without the token.
    session.request("GET", f"{foreign.url}/file.pdf", authenticated=False).close()
    # A download link pointing at another host (as Procore's file URLs do).
    out = io.BytesIO()
    project = dmsa_client.company(COMPANY_ID).project(PROJECT_ID)
    project.documents.download(FileVersion(id=1, url=f"{foreign.url}/download/1"), to=out)
    assert out.getvalue() == b'{"ok": true}'
    # The strategy itself, used as a plain requests auth, adds nothing for another host.
    with requests.Session() as plain:
        plain.trust_env = False
        plain.get(f"{foreign.url}/direct", auth=session.auth, timeout=10).close()
    # A pagination "next" link naming another host is followed on the API host instead.
    rfis = f"/rest/v1.0/projects/{PROJECT_ID}/rfis"
    first = session.request("GET", rfis, params={"per_page": 1})
    first.close()
    sandbox.faults.add(
        "GET",
        rfis,
        "status",
        status=200,
        headers={"Link": f'<{foreign.url}{rfis}?page=2&per_page=1>; rel="next"', "Total": "2"},
        body=first.text,
        times=1,
    )
    assert len(PageIterator(session, rfis, per_page=1, limit=2).to_list()) == 2
    assert [path for _, path, _ in foreign.requests] == ["/file.pdf", "/download/1", "/direct"]
    assert foreign.authorization_headers() == 0


def test_an_upload_storage_url_carries_no_authorization(
    sandbox: FakeProcore, dmsa_client: ProcoreClient, foreign: Recorder
) -> None:
    project = dmsa_client.company(COMPANY_ID).project(PROJECT_ID)
    # A real upload: the sandbox's own storage listener gets no token.
    project.documents.uploads.upload(io.BytesIO(b"plan v1"), filename="plan.pdf")
    storage = [r for r in sandbox.requests if r.role == "storage"]
    assert storage
    assert all("Authorization" not in r.headers for r in storage)
    # An upload slot pointing at our listener.
    sandbox.faults.add(
        "POST",
        f"/rest/v1.1/projects/{PROJECT_ID}/uploads",
        "status",
        status=201,
        body={
            "uuid": "01EJCD78RY2DR3B51N6E9T2C0R",
            "url": f"{foreign.url}/bucket",
            "fields": {"key": "uploads/01EJ", "policy": "p", "x-amz-signature": "s"},
            "status": "ready",
        },
        times=1,
    )
    project.documents.uploads.upload(io.BytesIO(b"plan v2"), filename="plan.pdf", version="v1.1")
    assert [(m, p) for m, p, _ in foreign.requests] == [("POST", "/bucket")]
    assert foreign.authorization_headers() == 0


# -- token files ------------------------------------------------------------------------------


@pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")
def test_token_files_are_0600_from_creation(
    sandbox: FakeProcore, app: SandboxApp, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "config" / "procore-dc"
    path = folder / "token.json"
    seen: list[tuple[str, str, int]] = []  # (event, name, mode)
    real_open, real_replace, real_makedirs = os.open, os.replace, os.makedirs

    def mode(target: Any) -> int:
        return stat.S_IMODE(os.stat(target).st_mode)

    def watched_open(file: Any, flags: int, *args: Any, **kwargs: Any) -> int:
        existed = os.path.exists(file)
        fd = real_open(file, flags, *args, **kwargs)
        if str(file).startswith(str(tmp_path)) and not existed and flags & os.O_CREAT:
            # The file exists from this instant: its mode must already be private.
            seen.append(("create", Path(file).name, stat.S_IMODE(os.fstat(fd).st_mode)))
        return fd

    def watched_replace(src: Any, dst: Any, *args: Any, **kwargs: Any) -> None:
        if str(dst).startswith(str(tmp_path)):
            seen.append(("replace-from", Path(src).name, mode(src)))
        real_replace(src, dst, *args, **kwargs)
        if str(dst).startswith(str(tmp_path)):
            seen.append(("replace-to", Path(dst).name, mode(dst)))

    def watched_makedirs(name: Any, *args: Any, **kwargs: Any) -> None:
        existed = os.path.exists(name)
        real_makedirs(name, *args, **kwargs)
        if not existed and str(name).startswith(str(tmp_path)):
            seen.append(("mkdir", Path(name).name, mode(name)))

    def no_chmod(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("a token file was chmod-ed after creation")

    monkeypatch.setattr(os, "open", watched_open)
    monkeypatch.setattr(os, "replace", watched_replace)
    monkeypatch.setattr(os, "makedirs", watched_makedirs)
    monkeypatch.setattr(os, "chmod", no_chmod)
    monkeypatch.setattr(os, "fchmod", no_chmod)
    # A permissive umask: a private mode must come from the SDK, not from the environment.
    old_umask = os.umask(0)
    try:
        auth = user_auth(sandbox, app, store=FileTokenStore(path))
        flow = auth.start_authorization()
        auth.complete_authorization(flow, browse(flow.url))
        auth.refresh()
    finally:
        os.umask(old_umask)

    creates = [entry for entry in seen if entry[0] == "create"]
    assert {name.split(".")[-1] for _, name, _ in creates} >= {"tmp", "lock"}
    assert all(m == 0o600 for _, _, m in creates), seen
    replaced = [entry for entry in seen if entry[0].startswith("replace")]
    assert len(replaced) == 6, seen  # the used-states record, the token, the refreshed token
    assert all(m == 0o600 for _, _, m in replaced), seen
    assert ("mkdir", "procore-dc", 0o700) in seen, seen
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert stat.S_IMODE(path.with_name("token.json.lock").stat().st_mode) == 0o600
    assert sorted(p.name for p in folder.iterdir()) == [
        "token.json",
        "token.json.lock",
        "token.json.used",
    ]
    assert stat.S_IMODE(path.with_name("token.json.used").stat().st_mode) == 0o600
