"""The credential resolution order and the config folder, in-process."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from procore_dc._commands._credentials import config_dir, resolve, user_token_path
from procore_dc.environments import Environment
from procore_dc.exceptions import ConfigurationError


def _args(**flags: object) -> argparse.Namespace:
    return argparse.Namespace(**flags)


def test_config_dir_follows_xdg_and_ignores_a_relative_value(tmp_path: Path) -> None:
    assert config_dir({"XDG_CONFIG_HOME": str(tmp_path)}) == tmp_path / "procore-dc"
    assert config_dir({"XDG_CONFIG_HOME": "relative"}) == Path.home() / ".config" / "procore-dc"
    assert config_dir({}) == Path.home() / ".config" / "procore-dc"


def test_order_is_flag_then_environment_then_file(tmp_path: Path) -> None:
    folder = tmp_path / "procore-dc"
    folder.mkdir()
    (folder / "config.ini").write_text(
        "[procore]\nclient_id = file-id\nenvironment = sandbox\ncompany_id = 3\n",
        encoding="utf-8",
    )
    environ = {"XDG_CONFIG_HOME": str(tmp_path), "PROCORE_ENVIRONMENT": "monthly-sandbox"}
    found = resolve(_args(company_id="7"), environ)
    assert found.client_id == "file-id"
    assert found.environment is Environment.MONTHLY_SANDBOX
    assert found.company_id == 7
    assert found.sources["company_id"] == "flag"
    assert found.sources["environment"] == "environment"
    assert found.sources["client_id"] == str(folder / "config.ini")


def test_login_url_only_with_a_url_environment(tmp_path: Path) -> None:
    environ = {
        "XDG_CONFIG_HOME": str(tmp_path),
        "PROCORE_ENVIRONMENT": "http://127.0.0.1:8080",
        "PROCORE_LOGIN_URL": "http://127.0.0.1:8081",
    }
    environment = resolve(_args(), environ).environment
    assert environment.api_url == "http://127.0.0.1:8080"
    assert environment.token_url == "http://127.0.0.1:8081/oauth/token"
    with pytest.raises(ConfigurationError, match="applies only to an environment given as a URL"):
        resolve(_args(environment="sandbox"), environ)


def test_bad_values_are_configuration_errors(tmp_path: Path) -> None:
    environ = {"XDG_CONFIG_HOME": str(tmp_path)}
    with pytest.raises(ConfigurationError, match="company id from flag must be a positive"):
        resolve(_args(company_id="0"), environ)
    with pytest.raises(ConfigurationError, match="unknown Procore environment"):
        resolve(_args(environment="staging"), environ)


def test_user_token_files_differ_by_environment_and_client(tmp_path: Path) -> None:
    environ = {"XDG_CONFIG_HOME": str(tmp_path)}
    paths = {
        user_token_path(resolve(_args(client_id=cid, environment=env), environ))
        for cid in ("a", "b")
        for env in ("sandbox", "production")
    }
    assert len(paths) == 4
    assert all(path.parent == tmp_path / "procore-dc" / "tokens" for path in paths)
