"""Careless deployments are warned (issue #12 item 8, audit 1.3 and 2.6).

A token file others can read, a token folder others can write and a ``config.ini`` holding the
client secret with mode 0666 each draw one WARNING naming the file and the ``chmod`` that
fixes it; ``--strict`` (``strict=True``) refuses them instead.
"""

from __future__ import annotations

import logging
import os
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from procore_dc import ConfigurationError, FileTokenStore, Token

from .conftest import clean_env, run_cli


def saved_token(path: Path, mode: int) -> FileTokenStore:
    store = FileTokenStore(path)
    store.save(Token("tok-abc", expires_at=datetime.now(timezone.utc) + timedelta(hours=1)))
    os.chmod(path, mode)
    return store


def test_a_world_readable_token_file_is_warned_once(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "tokens" / "token.json"
    store = saved_token(path, 0o644)
    with caplog.at_level(logging.WARNING, logger="procore_dc"):
        assert store.load() is not None
        assert store.load() is not None
    warnings = [r for r in caplog.records if "chmod 600" in r.getMessage()]
    assert len(warnings) == 1
    assert str(path) in warnings[0].getMessage()
    with pytest.raises(ConfigurationError, match="chmod 600"):
        FileTokenStore(path, strict=True).load()


def test_a_world_writable_token_folder_is_warned(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    folder = tmp_path / "shared"
    path = folder / "token.json"
    store = saved_token(path, 0o600)
    os.chmod(folder, 0o777)  # noqa: S103 - the careless deployment under test
    try:
        with caplog.at_level(logging.WARNING, logger="procore_dc"):
            store.load()
        assert f"chmod 700 {folder}" in caplog.text
    finally:
        os.chmod(folder, 0o700)


def test_a_private_token_file_draws_no_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    store = saved_token(tmp_path / "own" / "token.json", 0o600)
    with caplog.at_level(logging.WARNING, logger="procore_dc"):
        store.load()
    assert "chmod" not in caplog.text


def test_a_config_ini_with_a_secret_readable_by_others_is_warned_or_refused(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "procore-dc"
    folder.mkdir(mode=0o700)
    config = folder / "config.ini"
    config.write_text(
        "[procore]\nclient_id = cid\nclient_secret = sec-0123456789\nenvironment = sandbox\n",
        encoding="utf-8",
    )
    os.chmod(config, 0o666)  # noqa: S103 - the careless deployment under test
    env = clean_env(tmp_path)
    warned = run_cli("config", env=env)
    assert warned.returncode == 0
    assert f"chmod 600 {config}" in warned.stderr
    assert "sec-0123456789" not in warned.output
    refused = run_cli("--strict", "config", env=env)
    assert refused.returncode == 1
    assert f"chmod 600 {config}" in refused.stderr
    os.chmod(config, 0o600)
    assert "chmod" not in run_cli("--strict", "config", env=env).stderr
