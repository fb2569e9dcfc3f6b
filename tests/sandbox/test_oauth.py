"""Every grant of the login host, and every way each one fails (procore-api.md section 1)."""

from __future__ import annotations

import json

import pytest
import requests

from procore_dc.testing import OOB_REDIRECT_URI, FakeProcore

from .conftest import authorize, dmsa_token, exchange, get, headers, s256


def test_client_credentials_gives_a_jwt_like_token_without_refresh(sandbox: FakeProcore) -> None:
    app = sandbox.default_app
    body = requests.post(
        f"{sandbox.login_url}/oauth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": app.client_id,
            "client_secret": app.client_secret,
        },
        timeout=5,
    ).json()
    assert set(body) == {"access_token", "token_type", "expires_in", "created_at"}
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 5400
    assert body["access_token"].startswith("eyJ")
    assert body["access_token"].count(".") == 2


@pytest.mark.parametrize("encoding", ["json", "multipart", "basic"])
def test_token_endpoint_accepts_json_multipart_and_basic(
    sandbox: FakeProcore, encoding: str
) -> None:
    app = sandbox.default_app
    url = f"{sandbox.login_url}/oauth/token"
    creds = {"client_id": app.client_id, "client_secret": app.client_secret}
    if encoding == "json":
        response = requests.post(url, json={"grant_type": "client_credentials", **creds}, timeout=5)
    elif encoding == "multipart":
        fields = {k: (None, v) for k, v in {"grant_type": "client_credentials", **creds}.items()}
        response = requests.post(url, files=fields, timeout=5)
    else:
        response = requests.post(
            url,
            data={"grant_type": "client_credentials"},
            auth=(app.client_id, app.client_secret),
            timeout=5,
        )
    assert response.status_code == 200, response.text


def test_wrong_secret_is_invalid_client(sandbox: FakeProcore) -> None:
    response = requests.post(
        f"{sandbox.login_url}/oauth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": sandbox.default_app.client_id,
            "client_secret": "nope",
        },
        timeout=5,
    )
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"
    assert "error_description" in response.json()


def test_unknown_grant_type(sandbox: FakeProcore) -> None:
    app = sandbox.default_app
    response = requests.post(
        f"{sandbox.login_url}/oauth/token",
        data={
            "grant_type": "password",
            "client_id": app.client_id,
            "client_secret": app.client_secret,
        },
        timeout=5,
    )
    assert response.status_code == 400
    assert response.json()["error"] == "unsupported_grant_type"


def test_authorization_code_round_trip_and_refresh_rotation(sandbox: FakeProcore) -> None:
    app = sandbox.create_app(redirect_uris=["http://localhost"])
    sandbox.install(app, 8)
    code = authorize(sandbox, app)
    first = exchange(sandbox, app, code).json()
    assert first["refresh_token"]
    assert first["expires_in"] == 5400
    me = get(sandbox, "/rest/v1.0/me", first["access_token"], company=None)
    assert me.status_code == 200
    assert me.json()["id"] == sandbox.default_user_id

    def refresh(token: str) -> requests.Response:
        return requests.post(
            f"{sandbox.login_url}/oauth/token",
            data={
                "grant_type": "refresh_token",
                "client_id": app.client_id,
                "client_secret": app.client_secret,
                "refresh_token": token,
            },
            timeout=5,
        )

    second = refresh(first["refresh_token"])
    assert second.status_code == 200
    assert second.json()["refresh_token"] != first["refresh_token"]
    reused = refresh(first["refresh_token"])
    assert reused.status_code == 400
    assert reused.json() == {
        "error": "invalid_grant",
        "error_description": "The refresh token is invalid",
    }


def test_reused_code_is_rejected_and_revokes_its_tokens(sandbox: FakeProcore) -> None:
    app = sandbox.default_app
    code = authorize(sandbox, app)
    token = exchange(sandbox, app, code).json()["access_token"]
    again = exchange(sandbox, app, code)
    assert again.status_code == 400
    assert again.json()["error"] == "invalid_grant"
    assert get(sandbox, "/rest/v1.0/me", token, company=None).status_code == 401


def test_expired_code(sandbox: FakeProcore) -> None:
    code = authorize(sandbox, sandbox.default_app)
    sandbox.clock.advance(601)
    response = exchange(sandbox, sandbox.default_app, code)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"


def test_code_within_ten_minutes_is_fine(sandbox: FakeProcore) -> None:
    code = authorize(sandbox, sandbox.default_app)
    sandbox.clock.advance(599)
    assert exchange(sandbox, sandbox.default_app, code).status_code == 200


def test_redirect_uri_mismatch_at_exchange(sandbox: FakeProcore) -> None:
    app = sandbox.create_app(redirect_uris=["http://localhost", "http://127.0.0.1:8765/callback"])
    code = authorize(sandbox, app, redirect_uri="http://127.0.0.1:8765/callback")
    response = exchange(sandbox, app, code)  # sends http://localhost
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"


def test_unregistered_redirect_uri_is_not_redirected_to(sandbox: FakeProcore) -> None:
    app = sandbox.create_app(redirect_uris=["http://127.0.0.1:8765/callback"])
    response = requests.get(
        f"{sandbox.login_url}/oauth/authorize",
        params={
            "client_id": app.client_id,
            "response_type": "code",
            "redirect_uri": "http://127.0.0.1:8765/callback/",
        },
        allow_redirects=False,
        timeout=5,
    )
    assert response.status_code == 400
    assert "Location" not in response.headers


def test_wrong_response_type_redirects_with_error(sandbox: FakeProcore) -> None:
    app = sandbox.default_app
    response = requests.get(
        f"{sandbox.login_url}/oauth/authorize",
        params={
            "client_id": app.client_id,
            "response_type": "token",
            "redirect_uri": "http://localhost",
            "state": "x",
        },
        allow_redirects=False,
        timeout=5,
    )
    assert response.status_code == 302
    assert "error=unsupported_response_type" in response.headers["Location"]
    assert "state=x" in response.headers["Location"]


@pytest.mark.parametrize("method", ["S256", "plain"])
def test_pkce_match_and_mismatch(sandbox: FakeProcore, method: str) -> None:
    app = sandbox.default_app
    verifier = "v" * 50
    challenge = s256(verifier) if method == "S256" else verifier
    code = authorize(sandbox, app, code_challenge=challenge, code_challenge_method=method)
    bad = exchange(sandbox, app, code, code_verifier="w" * 50)
    assert bad.status_code == 400
    assert bad.json()["error"] == "invalid_grant"
    code = authorize(sandbox, app, code_challenge=challenge, code_challenge_method=method)
    assert exchange(sandbox, app, code).status_code == 400  # verifier missing
    code = authorize(sandbox, app, code_challenge=challenge, code_challenge_method=method)
    assert exchange(sandbox, app, code, code_verifier=verifier).status_code == 200


def test_oob_shows_the_code_on_a_page(sandbox: FakeProcore) -> None:
    app = sandbox.default_app
    response = requests.get(
        f"{sandbox.login_url}/oauth/authorize",
        params={
            "client_id": app.client_id,
            "response_type": "code",
            "redirect_uri": OOB_REDIRECT_URI,
        },
        allow_redirects=False,
        timeout=5,
    )
    assert response.status_code == 200
    code = response.text.split('<code id="code">')[1].split("</code>")[0]
    exchanged = requests.post(
        f"{sandbox.login_url}/oauth/token",
        data={
            "grant_type": "authorization_code",
            "client_id": app.client_id,
            "client_secret": app.client_secret,
            "code": code,
            "redirect_uri": OOB_REDIRECT_URI,
        },
        timeout=5,
    )
    assert exchanged.status_code == 200


def test_interactive_sign_in_page_posts_back_a_code() -> None:
    with FakeProcore(interactive=True) as sandbox:
        app = sandbox.default_app
        page = requests.get(
            f"{sandbox.login_url}/oauth/authorize",
            params={
                "client_id": app.client_id,
                "response_type": "code",
                "redirect_uri": "http://localhost",
                "state": "z",
            },
            timeout=5,
        )
        assert page.status_code == 200
        assert "<form" in page.text
        user = sandbox.data.users[1]["id"]
        decided = requests.post(
            f"{sandbox.login_url}/oauth/authorize",
            data={
                "client_id": app.client_id,
                "response_type": "code",
                "redirect_uri": "http://localhost",
                "state": "z",
                "user_id": str(user),
                "decision": "allow",
            },
            allow_redirects=False,
            timeout=5,
        )
        assert decided.status_code == 302
        assert "state=z" in decided.headers["Location"]


def test_sign_in_as_chooses_the_resource_owner(sandbox: FakeProcore) -> None:
    other = sandbox.data.users.of(9)[3]["id"]
    sandbox.sign_in_as(other)
    token = exchange(sandbox, sandbox.default_app, authorize(sandbox, sandbox.default_app)).json()
    info = requests.get(
        f"{sandbox.login_url}/oauth/token/info",
        headers=headers(token["access_token"], None),
        timeout=5,
    ).json()
    assert info["resource_owner_id"] == other
    assert info["application"] == {"uid": sandbox.default_app.client_id}
    assert info["expires_in_seconds"] == 5400
    assert info["scopes"] == []


def test_revoke_kills_both_tokens_and_always_answers_200(sandbox: FakeProcore) -> None:
    app = sandbox.default_app
    token = exchange(sandbox, app, authorize(sandbox, app)).json()
    url = f"{sandbox.login_url}/oauth/revoke"
    creds = {"client_id": app.client_id, "client_secret": app.client_secret}
    assert (
        requests.post(url, data={"token": token["access_token"], **creds}, timeout=5).status_code
        == 200
    )
    assert requests.post(url, data={"token": "unknown", **creds}, timeout=5).status_code == 200
    assert get(sandbox, "/rest/v1.0/me", token["access_token"], company=None).status_code == 401
    refreshed = requests.post(
        f"{sandbox.login_url}/oauth/token",
        data={"grant_type": "refresh_token", "refresh_token": token["refresh_token"], **creds},
        timeout=5,
    )
    assert refreshed.status_code == 400


def test_expired_and_unknown_tokens_get_401(sandbox: FakeProcore) -> None:
    token = dmsa_token(sandbox)
    assert get(sandbox, "/rest/v1.0/me", token).status_code == 200
    sandbox.clock.advance(5400)
    expired = get(sandbox, "/rest/v1.0/me", token)
    assert expired.status_code == 401
    assert "expired" in expired.json()["message"]
    assert get(sandbox, "/rest/v1.0/me", "eyJunknown").status_code == 401
    missing = requests.get(f"{sandbox.api_url}/rest/v1.0/me", timeout=5)
    assert missing.status_code == 401


def test_expires_in_is_configurable() -> None:
    with FakeProcore(expires_in=60) as sandbox:
        token = sandbox.issue_token(user_id=None)
        assert token["expires_in"] == 60
        assert "refresh_token" not in token
        assert "refresh_token" in sandbox.issue_token()


def test_login_and_api_hosts_are_distinct(sandbox: FakeProcore) -> None:
    assert sandbox.login_url != sandbox.api_url != sandbox.storage_url
    env = sandbox.environment
    assert env.api_url == sandbox.api_url
    assert env.login_url == sandbox.login_url
    # The token endpoint answers on both hosts (issue #11 item 14); the API does not.
    assert requests.post(f"{sandbox.api_url}/oauth/token", timeout=5).status_code == 400
    assert json.loads(requests.get(f"{sandbox.login_url}/rest/v1.0/me", timeout=5).text)
