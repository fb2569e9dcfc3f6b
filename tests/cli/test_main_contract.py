"""cli.main's error contract, in process: one line on stderr, exit 1; --debug shows the trace.

The command's ``run`` is replaced by one that fails in a chosen way; everything else (parsing,
dispatch, the error lines) is the real CLI.
"""

from __future__ import annotations

import argparse
import logging

import pytest

from procore_dc import cli
from procore_dc._commands import config
from procore_dc.exceptions import ConfigurationError

TOKEN = "eyJhbGciOiJIUzI1NiJ9.fake-token-value-1234"


def fail_with(monkeypatch: pytest.MonkeyPatch, error: BaseException) -> None:
    def run(args: argparse.Namespace) -> int:
        raise error

    monkeypatch.setattr(config, "run", run)


def test_no_command_prints_the_help_and_succeeds(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main([]) == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: procore-dc")
    assert "procore-dc demo" in out


def test_a_user_error_is_one_line_and_exit_1(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    fail_with(monkeypatch, ConfigurationError("set PROCORE_CLIENT_ID"))
    assert cli.main(["config"]) == 1
    err = capsys.readouterr().err
    assert err == "procore-dc: error: set PROCORE_CLIENT_ID\n"


def test_an_os_error_is_a_user_error_too(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    fail_with(monkeypatch, PermissionError(13, "Permission denied", "/etc/procore"))
    assert cli.main(["config"]) == 1
    assert capsys.readouterr().err == "procore-dc: error: /etc/procore: Permission denied\n"


def test_a_bug_is_one_redacted_line_with_the_way_to_see_more(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    fail_with(monkeypatch, RuntimeError(f"boom access_token={TOKEN}\nsecond line"))
    assert cli.main(["config"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith("procore-dc: internal error: RuntimeError: boom access_token=")
    assert "(run with --debug for the traceback)" in err
    assert TOKEN not in err
    assert "second line" not in err


def test_a_bug_without_a_message_still_names_its_type(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    fail_with(monkeypatch, KeyError())
    assert cli.main(["config"]) == 1
    assert capsys.readouterr().err.startswith("procore-dc: internal error: KeyError:  (run with")


def test_ctrl_c_exits_130(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    fail_with(monkeypatch, KeyboardInterrupt())
    assert cli.main(["config"]) == 130
    assert capsys.readouterr().err == "procore-dc: interrupted\n"


@pytest.mark.parametrize("error", [ConfigurationError("bad"), RuntimeError("bug")])
def test_debug_lets_the_traceback_through(
    monkeypatch: pytest.MonkeyPatch, error: Exception
) -> None:
    fail_with(monkeypatch, error)
    root = logging.getLogger()
    monkeypatch.setattr(root, "handlers", [])  # basicConfig installs one; drop it afterwards
    monkeypatch.setattr(root, "level", root.level)
    with pytest.raises(type(error)) as caught:
        cli.main(["--debug", "config"])
    assert caught.value is error
    assert root.level == logging.DEBUG
