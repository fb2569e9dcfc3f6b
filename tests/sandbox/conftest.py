"""Fixtures for the live sandbox tests: plain ``requests`` against a running FakeProcore."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterator
from typing import Any, Optional
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from procore_dc.testing import FakeProcore, SandboxApp, SandboxClock

COMPANY = 8  # the first seeded company (seed 0)
PROJECT = 100001  # its first project


@pytest.fixture
def sandbox() -> Iterator[FakeProcore]:
    """A sandbox on a frozen clock, so windows and expiry move only with clock.advance()."""
    with FakeProcore(seed=0, clock=SandboxClock(frozen=True)) as running:
        yield running


@pytest.fixture
def http() -> Iterator[requests.Session]:
    with requests.Session() as session:
        session.trust_env = False
        yield session


def dmsa_token(sandbox: FakeProcore, app: Optional[SandboxApp] = None) -> str:
    app = app or sandbox.default_app
    response = requests.post(
        f"{sandbox.login_url}/oauth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": app.client_id,
            "client_secret": app.client_secret,
        },
        timeout=5,
    )
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


def headers(token: str, company: Optional[int] = COMPANY) -> dict[str, str]:
    found = {"Authorization": f"Bearer {token}"}
    if company is not None:
        found["Procore-Company-Id"] = str(company)
    return found


def authorize(
    sandbox: FakeProcore,
    app: SandboxApp,
    redirect_uri: str = "http://localhost",
    **extra: str,
) -> str:
    """Run /oauth/authorize as the signed-in user and return the code from the redirect."""
    params = {
        "client_id": app.client_id,
        "response_type": "code",
        "redirect_uri": redirect_uri,
        "state": "s-123",
        **extra,
    }
    response = requests.get(
        f"{sandbox.login_url}/oauth/authorize", params=params, allow_redirects=False, timeout=5
    )
    assert response.status_code == 302, response.text
    query = parse_qs(urlsplit(response.headers["Location"]).query)
    assert query["state"] == ["s-123"]
    return query["code"][0]


def exchange(sandbox: FakeProcore, app: SandboxApp, code: str, **extra: str) -> requests.Response:
    return requests.post(
        f"{sandbox.login_url}/oauth/token",
        data={
            "grant_type": "authorization_code",
            "client_id": app.client_id,
            "client_secret": app.client_secret,
            "code": code,
            "redirect_uri": "http://localhost",
            **extra,
        },
        timeout=5,
    )


def s256(verifier: str) -> str:
    return (
        base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    )


def get(sandbox: FakeProcore, path: str, token: str, **kwargs: Any) -> requests.Response:
    company = kwargs.pop("company", COMPANY)
    kwargs.setdefault("timeout", 5)
    url = f"{sandbox.api_url}{path}"
    return requests.get(url, headers=headers(token, company), **kwargs)  # noqa: S113 - set above
