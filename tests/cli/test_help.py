"""Every command has --help with an example, and the top-level help lists them all."""

from __future__ import annotations

from pathlib import Path

from procore_dc._commands import COMMAND_MODULES

from .conftest import clean_env, run_cli, run_many

COMMANDS = [
    ["demo"],
    ["login"],
    ["token"],
    ["whoami"],
    ["api"],
    ["api", "get"],
    ["api", "call"],
    ["ops"],
    ["ops", "search"],
    ["ops", "show"],
    ["export"],
    ["config"],
    ["manifest"],
    ["sandbox"],
]


def test_every_registered_command_is_checked() -> None:
    registered = {name.rsplit(".", 1)[1] for name in COMMAND_MODULES}
    assert registered == {words[0] for words in COMMANDS}


def test_every_help_has_an_example(tmp_path: Path) -> None:
    results = run_many(*([*words, "--help"] for words in COMMANDS), env=clean_env(tmp_path))
    for words, result in zip(COMMANDS, results):
        name = " ".join(words)
        assert result.returncode == 0, (name, result)
        assert result.stdout.startswith(f"usage: procore-dc {name}"), name
        assert "example" in result.stdout.lower(), name
        assert f"procore-dc {words[0]}" in result.stdout.split("example", 1)[1], name
        assert result.stderr == "", name
        if words[0] in ("whoami", "token", "demo") or words in (["api", "get"], ["api", "call"]):
            for variable in ("PROCORE_CLIENT_ID", "PROCORE_CLIENT_SECRET", "PROCORE_ENVIRONMENT"):
                assert variable in result.stdout, (name, variable)


def test_top_level_help_lists_commands_and_credentials(tmp_path: Path) -> None:
    result = run_cli("--help", env=clean_env(tmp_path))
    assert result.returncode == 0
    for words in COMMANDS:
        assert f"    {words[0]} " in result.stdout
    assert "PROCORE_" in result.stdout
    assert "config.ini" in result.stdout
