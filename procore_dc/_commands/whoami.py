"""``procore-dc whoami``: who the credentials act as (``GET /rest/v1.0/me``)."""

from __future__ import annotations

import argparse
from typing import Any

from procore_dc._commands._connect import (
    add_auth_argument,
    auth_for,
    print_json,
    session_for,
)
from procore_dc._commands._credentials import add_credential_arguments, resolve
from procore_dc.auth import ServiceAccountAuth

EPILOG = """examples:
  procore-dc whoami                      after 'procore-dc login': the signed-in user
  procore-dc whoami --auth service --company 8
                                         the service account, in company 8
  procore-dc whoami --json               the /me answer as JSON
"""


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "whoami",
        help="show the user or service account the credentials act as",
        description="Call GET /rest/v1.0/me and show who the credentials act as.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_credential_arguments(parser)
    add_auth_argument(parser)
    parser.add_argument("--json", action="store_true", help="print the /me answer as JSON")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    credentials = resolve(args)
    auth = auth_for(credentials, args.auth)
    with session_for(credentials, auth) as session:
        me: Any = session.get_json("/rest/v1.0/me")
    if args.json:
        print_json(me)
        return 0
    kind = "service account (DMSA)" if isinstance(auth, ServiceAccountAuth) else "user"
    if not isinstance(me, dict):
        me = {}
    print(f"{me.get('name') or me.get('login') or 'unnamed'} (id {me.get('id')})")
    print(f"  login        {me.get('login')}")
    print(f"  acting as    {kind}")
    print(f"  environment  {auth.environment.name} ({auth.environment.api_url})")
    if credentials.company_id is not None:
        print(f"  company      {credentials.company_id}")
    return 0
