"""The one reader of PROCORE_* variables: trimming, parsing and the environment rule."""

from __future__ import annotations

import pytest

from procore_dc import ConfigurationError, Environment, ProcoreClient, ServiceAccountAuth
from procore_dc import _settings as settings


def test_blank_and_unset_read_as_none_and_text_is_trimmed() -> None:
    environ = {"PROCORE_CLIENT_ID": "  abc  ", "PROCORE_LOGIN_URL": "   "}
    assert settings.text("client_id", environ) == "abc"
    assert settings.text("login_url", environ) is None
    assert settings.text("client_secret", environ) is None
    assert settings.read("company_id", environ) is None


def test_ids_are_parsed_and_a_bad_one_names_its_variable() -> None:
    assert settings.read("company_id", {"PROCORE_COMPANY_ID": " 8 "}) == 8
    with pytest.raises(ConfigurationError, match=r"PROCORE_PROJECT_ID .*project id.*'x'"):
        settings.read("project_id", {"PROCORE_PROJECT_ID": "x"})


def test_the_environment_rule_is_the_same_for_every_reader() -> None:
    assert settings.environment({}) is Environment.PRODUCTION
    assert settings.environment({}, default="sandbox") is Environment.SANDBOX
    local = {
        "PROCORE_ENVIRONMENT": "http://127.0.0.1:8080",
        "PROCORE_LOGIN_URL": "http://127.0.0.1:8081",
        "PROCORE_CLIENT_ID": "id",
        "PROCORE_CLIENT_SECRET": "secret",
        "PROCORE_COMPANY_ID": "9",
    }
    expected = Environment.local("http://127.0.0.1:8080", login_url="http://127.0.0.1:8081")
    assert settings.environment(local) == expected
    assert ServiceAccountAuth.from_env(local).environment == expected
    client = ProcoreClient.from_env(local)
    assert client.session.environment == expected
    assert client.session.company_id == 9
    with pytest.raises(ConfigurationError, match="unknown Procore environment 'moon'"):
        settings.environment({"PROCORE_ENVIRONMENT": "moon"})
