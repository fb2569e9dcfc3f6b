"""Issue 14 item 7: OAuth errors name the environment and the login host; invalid_client
suggests the sandbox/production mix-up; a 404 names the host that answered; from_env checks
PROCORE_LOGIN_URL for URL environments."""

from __future__ import annotations

import re

import pytest

from procore_dc import (
    ConfigurationError,
    NotFoundError,
    OAuthError,
    ProcoreClient,
    ServiceAccountAuth,
)
from procore_dc.auth._oauth import environment_of
from procore_dc.environments import Environment
from procore_dc.testing import FakeProcore


def _host(url: str) -> str:
    return url.split("://", 1)[1]


def test_invalid_client_names_the_host_environment_and_mix_up(fake_procore: FakeProcore) -> None:
    app = fake_procore.default_app
    auth = ServiceAccountAuth(app.client_id, "not-the-secret", environment=fake_procore.environment)
    with pytest.raises(OAuthError) as caught:
        auth.ensure_valid()
    message = str(caught.value)
    assert message.startswith(
        f"client credentials grant at {_host(fake_procore.login_url)} "
        "(a local or custom environment) refused: invalid_client: "
    )
    assert "sandbox and production apps have different credentials" in message
    assert caught.value.error == "invalid_client"
    assert "not-the-secret" not in message


def test_a_login_host_without_oauth_says_so(fake_procore: FakeProcore) -> None:
    app = fake_procore.default_app
    # The API host answers /oauth/token too (as Procore's does); the storage host does not.
    wrong = Environment.local(fake_procore.storage_url)
    auth = ServiceAccountAuth(app.client_id, app.client_secret, environment=wrong)
    with pytest.raises(OAuthError) as caught:
        auth.ensure_valid()
    message = str(caught.value)
    host = _host(fake_procore.storage_url)
    assert f"at {host} (a local or custom environment) refused: http_404" in message
    assert f"{host} has no OAuth token endpoint" in message
    assert "PROCORE_LOGIN_URL" in message


@pytest.mark.parametrize(
    ("url", "name"),
    [
        ("https://login.procore.com/oauth/token", "the production environment"),
        ("https://login-sandbox.procore.com/oauth/token", "the sandbox environment"),
        ("http://127.0.0.1:5/oauth/token", "a local or custom environment"),
    ],
)
def test_environment_is_named_from_the_login_host(url: str, name: str) -> None:
    assert environment_of(url) == name


def test_a_404_names_the_host_that_answered(fake_procore: FakeProcore) -> None:
    app = fake_procore.default_app
    # The API URL pointed at the login host by mistake: every path is 404 there.
    mixed = Environment.local(fake_procore.login_url, fake_procore.login_url)
    auth = ServiceAccountAuth(app.client_id, app.client_secret, environment=mixed)
    with ProcoreClient(auth, company_id=8) as client, pytest.raises(NotFoundError) as caught:
        client.me()
    host = _host(fake_procore.login_url)
    assert f"and that {host}, which answered, is your environment's API host" in str(caught.value)


def test_from_env_requires_the_login_url_for_a_url_environment(fake_procore: FakeProcore) -> None:
    app = fake_procore.default_app
    env = {
        "PROCORE_CLIENT_ID": app.client_id,
        "PROCORE_CLIENT_SECRET": app.client_secret,
        "PROCORE_ENVIRONMENT": fake_procore.api_url,
        "PROCORE_COMPANY_ID": "8",
    }
    with pytest.raises(ConfigurationError, match=r"set PROCORE_LOGIN_URL to its login \(OAuth\)"):
        ProcoreClient.from_env(env)
    with ProcoreClient.from_env({**env, "PROCORE_LOGIN_URL": fake_procore.login_url}) as client:
        assert client.me().id
    named = ProcoreClient.from_env({**env, "PROCORE_ENVIRONMENT": "sandbox"})
    assert named.session.environment is Environment.SANDBOX
    assert ProcoreClient.from_env.__doc__ is not None
    assert "PROCORE_LOGIN_URL" in ProcoreClient.from_env.__doc__


def test_the_authentication_guide_lists_the_login_url() -> None:
    from pathlib import Path

    guide = (Path(__file__).parents[2] / "docs" / "authentication.rst").read_text()
    section = guide[guide.index("from_env") :]
    assert re.search(r"PROCORE_LOGIN_URL", section)


def test_a_company_without_the_app_gets_the_one_relevant_hint(fake_procore: FakeProcore) -> None:
    from procore_dc import PermissionDeniedError

    app = fake_procore.default_app
    auth = ServiceAccountAuth(
        app.client_id, app.client_secret, environment=fake_procore.environment
    )
    with ProcoreClient(auth) as client, pytest.raises(PermissionDeniedError) as caught:
        client.company(9).projects.list().total  # noqa: B018 - the app is installed in 8 only
    message = str(caught.value)
    assert "installed the app (Company Admin > App Management)" in message
    assert "manifest lacks" not in message
