from __future__ import annotations

import pytest

from procore_dc import ConfigurationError, Environment


@pytest.mark.parametrize(
    ("name", "login", "api"),
    [
        ("production", "https://login.procore.com", "https://api.procore.com"),
        ("sandbox", "https://login-sandbox.procore.com", "https://sandbox.procore.com"),
        (
            "monthly-sandbox",
            "https://login-sandbox-monthly.procore.com",
            "https://api-monthly.procore.com",
        ),
        ("  Production ", "https://login.procore.com", "https://api.procore.com"),
    ],
)
def test_named_environments(name: str, login: str, api: str) -> None:
    env = Environment.from_name(name)
    assert (env.login_url, env.api_url) == (login, api)


def test_known_url_gives_the_named_environment() -> None:
    assert Environment.from_name("https://sandbox.procore.com/") is Environment.SANDBOX


def test_other_url_gives_local() -> None:
    env = Environment.from_name("http://127.0.0.1:8765")
    assert env.name == "local"
    assert env.api_url == env.login_url == "http://127.0.0.1:8765"
    assert env.api_host == "127.0.0.1:8765"
    assert env.token_url == "http://127.0.0.1:8765/oauth/token"


def test_local_with_separate_login() -> None:
    env = Environment.local("http://localhost:9000/", login_url="http://[::1]:9001")
    assert env.api_url == "http://localhost:9000"
    assert env.login_host == "[::1]:9001"


@pytest.mark.parametrize(
    "url",
    [
        "http://api.procore.com",
        "http://10.0.0.5:8080",
        "http://127.0.0.1.example.com",
        "ftp://127.0.0.1",
        "https://",
        "https://user:pw@api.procore.com",
        "https://api.procore.com:notaport",
    ],
)
def test_unsafe_or_bad_urls_are_refused(url: str) -> None:
    with pytest.raises(ConfigurationError) as info:
        Environment.from_name(url)
    assert url.split("://")[0] in str(info.value) or "URL" in str(info.value)


def test_plain_http_message_says_why() -> None:
    with pytest.raises(ConfigurationError, match="clear text"):
        Environment.local("http://procore.example.com")


def test_https_anywhere_is_fine() -> None:
    env = Environment.from_name("https://procore.example.com:8443")
    assert env.api_host == "procore.example.com:8443"


def test_unknown_name() -> None:
    with pytest.raises(ConfigurationError, match="unknown Procore environment"):
        Environment.from_name("staging")


def test_environment_is_frozen() -> None:
    with pytest.raises(AttributeError):
        Environment.PRODUCTION.api_url = "https://evil.example"  # type: ignore[misc]


def test_file_hosts_owns_and_federal() -> None:
    """Issue #11 items 1 and 15: the token goes to the API host and Procore's file hosts only."""
    local = Environment.local(
        "http://127.0.0.1:5000", "http://127.0.0.1:5001", ["http://127.0.0.1:5002/"]
    )
    assert local.file_hosts == ("http://127.0.0.1:5002",)
    assert local.owns("http://127.0.0.1:5002/api/v5/files/1")
    assert not local.owns("http://127.0.0.1:5003/api/v5/files/1")
    assert not local.owns("not a url")
    assert not local.owns("http://[::1/broken")
    env = Environment("x", "https://login.example", "https://api.example", "https://*.example")
    assert env.owns("https://files.example/a")
    assert not env.owns("https://example/a")  # a wildcard names hosts under the domain
    assert not env.owns("https://files.example:8443/a")
    with pytest.raises(ConfigurationError, match="file_hosts"):
        Environment("x", "https://login.example", "https://api.example", 5)  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError, match="file host"):
        Environment("x", "https://login.example", "https://api.example", ("http://files.example",))
    assert Environment.from_name("federal") is Environment.FEDERAL
    assert Environment.FEDERAL.owns("https://storage.procoregov.com/api/v5/files/1")


@pytest.mark.parametrize(
    ("url", "api", "owned"),
    [
        ("https://api.procore.com/rest/v1.0/me", True, True),
        ("https://API.procore.com:443/rest/v1.0/me", True, True),
        ("HTTPS://Api.Procore.Com/rest/v1.0/me", True, True),
        ("https://api.procore.com:8443/rest/v1.0/me", False, False),
        ("http://api.procore.com/rest/v1.0/me", True, False),  # the host, not the scheme
        ("http://api.procore.com:443/rest/v1.0/me", False, False),  # 443 is not http's default
        ("https://user@api.procore.com/rest/v1.0/me", True, True),  # userinfo is not the host
        ("https://api.procore.com.evil.example/x", False, False),
        ("https://storage.procore.com/api/v5/files/1", False, True),
        ("https://api.procore.com:99999/x", False, False),  # a bad port: no host at all
        ("/rest/v1.0/me", False, False),
    ],
)
def test_one_normalisation_answers_is_api_and_owns(url: str, api: bool, owned: bool) -> None:
    assert Environment.PRODUCTION.is_api(url) is api
    assert Environment.PRODUCTION.owns(url) is owned


@pytest.mark.parametrize(
    ("url", "api"),
    [
        ("http://[::1]:8080/x", True),
        ("http://[0:0:0:0:0:0:0:1]:8080/x", False),  # the same address, another spelling
        ("http://[::1]/x", False),
        ("http://[::1]:8081/x", False),
    ],
)
def test_ipv6_api_hosts_keep_their_brackets_and_port(url: str, api: bool) -> None:
    env = Environment.local("http://[::1]:8080")
    assert env.api_host == "[::1]:8080"
    assert env.is_api(url) is api
    assert env.owns(url) is api
