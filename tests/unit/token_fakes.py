"""A fake OAuth server and API at the transport seam, for the auth unit and contract tests.

``FakeOAuth`` is a ``requests`` adapter: mount it on a plain ``requests.Session`` and pass that
session as the strategy's ``http``. It behaves like Procore's token endpoint (single-use,
rotating refresh tokens; client credentials; code exchange; revoke), records every request,
and can be told to fail the next requests with a script of exceptions or responses.
"""

from __future__ import annotations

import itertools
import json
import threading
from collections import deque
from collections.abc import Mapping
from datetime import datetime, timedelta, timezone
from typing import Any, Callable, Optional, Union
from urllib.parse import parse_qsl, urlsplit

import requests
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict

from procore_dc import Environment

ENV = Environment(
    name="test", login_url="https://login.example.test", api_url="https://api.example.test"
)
CLIENT_ID = "test-client-id"
CLIENT_SECRET = "test-client-secret-0123456789"
REDIRECT_URI = "https://app.example.test/callback"
OOB = "urn:ietf:wg:oauth:2.0:oob"

Scripted = Union[BaseException, tuple[int, Any], Callable[[requests.PreparedRequest], Any]]


class FakeClock:
    """An injectable clock: ``clock()`` returns the current aware time; ``advance(s)``."""

    def __init__(self, start: Optional[datetime] = None) -> None:
        self.now = start or datetime(2026, 1, 1, 12, 0, tzinfo=timezone.utc)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


class Recorded:
    def __init__(self, request: requests.PreparedRequest) -> None:
        self.method = request.method or ""
        self.url = request.url or ""
        self.path = urlsplit(self.url).path
        self.headers = dict(request.headers)
        body = request.body or b""
        text = body.decode() if isinstance(body, bytes) else str(body)
        self.form = dict(parse_qsl(text, keep_blank_values=True))


def make_response(request: requests.PreparedRequest, status: int, body: Any) -> requests.Response:
    response = requests.Response()
    response.status_code = status
    response.request = request
    response.url = request.url or ""
    text = body if isinstance(body, str) else json.dumps(body)
    response._content = text.encode()
    response.headers = CaseInsensitiveDict({"Content-Type": "application/json"})
    response.encoding = "utf-8"
    response.reason = "OK" if status < 400 else "Error"
    return response


class FakeOAuth(BaseAdapter):
    """A token endpoint + API on ``ENV``'s hosts, reached only through this adapter."""

    def __init__(self, expires_in: int = 5400) -> None:
        super().__init__()
        self.expires_in = expires_in
        self.requests: list[Recorded] = []
        self.script: deque[Scripted] = deque()  # for the next requests of any kind
        self.api_script: deque[Scripted] = deque()  # for the next API (/rest) requests
        self.lock = threading.Lock()
        self.counter = itertools.count(1)
        self.live_access: set[str] = set()
        self.live_refresh: set[str] = set()
        self.codes: dict[str, Optional[str]] = {}  # code -> PKCE verifier expected
        self.hook: Optional[Callable[[Recorded], None]] = None
        self.client_secret = CLIENT_SECRET
        self.access_prefix = "access"
        self.refresh_prefix = "refresh"

    # -- helpers for tests -------------------------------------------------------------------
    def session(self) -> requests.Session:
        http = requests.Session()
        http.mount("https://login.example.test/", self)
        http.mount("https://api.example.test/", self)  # the Session keeps an exact mount
        return http

    def token_requests(self, grant: Optional[str] = None) -> list[Recorded]:
        return [
            r
            for r in self.requests
            if r.path == "/oauth/token" and (grant is None or r.form.get("grant_type") == grant)
        ]

    def issue_code(self, verifier: Optional[str] = None) -> str:
        code = f"code-{next(self.counter)}"
        self.codes[code] = verifier
        return code

    def kill_all_access(self) -> None:
        self.live_access.clear()

    # -- the adapter ---------------------------------------------------------------------
    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        record = Recorded(request)
        with self.lock:
            self.requests.append(record)
            if record.path.startswith("/rest") and self.api_script:
                step: Optional[Scripted] = self.api_script.popleft()
            else:
                step = self.script.popleft() if self.script else None
        if self.hook is not None:
            self.hook(record)
        if isinstance(step, BaseException):
            raise step
        if isinstance(step, tuple):
            return make_response(request, step[0], step[1])
        if callable(step):
            return step(request)  # type: ignore[no-any-return]
        return self.answer(request, record)

    def close(self) -> None:
        pass

    def answer(self, request: requests.PreparedRequest, record: Recorded) -> requests.Response:
        if record.path == "/oauth/token":
            status, body = self._token(record.form)
        elif record.path == "/oauth/revoke":
            with self.lock:
                self.live_access.discard(record.form.get("token", ""))
            status, body = 200, {}
        else:
            auth = record.headers.get("Authorization", "")
            token = auth[7:] if auth.startswith("Bearer ") else ""
            with self.lock:
                ok = token in self.live_access
            status, body = (200, {"ok": True}) if ok else (401, {"error": "invalid_token"})
        return make_response(request, status, body)

    def _new_token(self, with_refresh: bool) -> dict[str, Any]:
        n = next(self.counter)
        body: dict[str, Any] = {
            "access_token": f"{self.access_prefix}-xxxxxxxxxxxxxxxx-{n}",
            "token_type": "bearer",
            "expires_in": self.expires_in,
            "created_at": 1767268800,
        }
        self.live_access.add(body["access_token"])
        if with_refresh:
            body["refresh_token"] = f"{self.refresh_prefix}-yyyyyyyyyyyyyyyy-{n}"
            self.live_refresh.add(body["refresh_token"])
        return body

    def _token(self, form: Mapping[str, str]) -> tuple[int, Any]:
        if form.get("client_id") != CLIENT_ID or form.get("client_secret") != self.client_secret:
            return 401, {"error": "invalid_client", "error_description": "bad client"}
        grant = form.get("grant_type")
        with self.lock:
            if grant == "client_credentials":
                return 200, self._new_token(False)
            if grant == "authorization_code":
                code = form.get("code", "")
                redirect = form.get("redirect_uri")
                if code not in self.codes or redirect not in (REDIRECT_URI, OOB):
                    return 400, {"error": "invalid_grant", "error_description": "bad code"}
                verifier = self.codes.pop(code)
                if verifier is not None and form.get("code_verifier") != verifier:
                    return 400, {"error": "invalid_grant", "error_description": "bad verifier"}
                return 200, self._new_token(True)
            if grant == "refresh_token":
                value = form.get("refresh_token", "")
                if value not in self.live_refresh:
                    return 400, {
                        "error": "invalid_grant",
                        "error_description": "The refresh token is invalid",
                    }
                self.live_refresh.discard(value)  # single-use: rotation
                return 200, self._new_token(True)
        return 400, {"error": "unsupported_grant_type"}
