"""``procore-dc config``: show the settings the other commands would use, and where from."""

from __future__ import annotations

import argparse

from procore_dc._commands._connect import print_json, show_token
from procore_dc._commands._credentials import (
    CONFIG_SECTION,
    DEFAULT_REDIRECT_URI,
    SETTINGS,
    add_credential_arguments,
    resolve,
    user_token_path,
)

EPILOG = f"""examples:
  procore-dc config                 each setting, its value (secrets masked) and its source
  procore-dc config --json

The config file is INI, e.g. ~/.config/procore-dc/config.ini:
  [{CONFIG_SECTION}]
  client_id = abc123
  environment = sandbox
  company_id = 8
Flags win over environment variables, which win over the file. A setting none of them
gives shows the default the commands use, with source "default".
"""

#: What the commands use for a setting that nothing gives.
DEFAULTS = {"environment": "production", "redirect_uri": DEFAULT_REDIRECT_URI}


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "config",
        help="show the credentials and settings in force, and where each comes from",
        description="Resolve every setting (flag, then environment variable, then the config "
        "file) and show its value and source. Secrets are masked unless --show-secret.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_credential_arguments(parser, redirect=True)
    parser.add_argument("--json", action="store_true", help="print the settings as JSON")
    parser.add_argument("--show-secret", action="store_true", help="print secrets in full")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    credentials = resolve(args)
    rows = []
    for setting in SETTINGS:
        attribute = "environment_name" if setting.name == "environment" else setting.name
        value = getattr(credentials, attribute)
        if value is not None and setting.secret:
            value = show_token(str(value), args.show_secret)
        rows.append(
            {
                "setting": setting.name,
                "value": value,
                "source": credentials.sources.get(setting.name),
                "flag": setting.flag,
                "env": setting.env,
            }
        )
    token_file = user_token_path(credentials)
    if args.json:
        print_json(
            {
                "config_file": str(credentials.config_path),
                "user_token_file": str(token_file),
                "signed_in": token_file.exists(),
                "settings": rows,
            }
        )
        return 0
    print(f"config file  {credentials.config_path}")
    print(f"user token   {token_file} ({'present' if token_file.exists() else 'none'})")
    shown = []
    for row in rows:
        value, source = row["value"], row["source"]
        if value is None and row["setting"] in DEFAULTS:
            value, source = DEFAULTS[row["setting"]], f"default ({row['flag']} / {row['env']})"
        shown.append(
            (
                "-" if value is None else str(value),
                source or f"unset ({row['flag']} / {row['env']})",
            )
        )
    width = max(len(value) for value, _ in shown)
    for row, (value, source) in zip(rows, shown):
        print(f"  {row['setting']:<14} {value:<{width}}  {source}")
    return 0
