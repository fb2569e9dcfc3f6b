"""``procore-dc token``: fetch a service-account (DMSA) token and show when it expires."""

from __future__ import annotations

import argparse
from datetime import datetime, timezone

from procore_dc._commands._connect import (
    describe_expiry,
    print_json,
    service_account,
    show_token,
)
from procore_dc._commands._credentials import add_credential_arguments, resolve

EPILOG = """examples:
  PROCORE_CLIENT_ID=... PROCORE_CLIENT_SECRET=... procore-dc token --environment sandbox
  procore-dc token --json                   {"access_token": "****wxyz", "expires_at": ...}
  procore-dc token --show-secret --json     the token in full, e.g. for curl
"""


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "token",
        help="fetch a service-account (DMSA) token and show its expiry",
        description="Run the Client Credentials grant of the app's Developer Managed Service "
        "Account and show the token's expiry. The token is masked unless --show-secret.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_credential_arguments(parser, company=False)
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    parser.add_argument("--show-secret", action="store_true", help="print the token in full")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    credentials = resolve(args)
    auth = service_account(credentials)
    try:
        token = auth.ensure_valid()
    finally:
        auth.close()
    now = datetime.now(timezone.utc)
    shown = show_token(token.access_token, args.show_secret)
    if args.json:
        print_json(
            {
                "environment": auth.environment.name,
                "client_id": auth.client_id,
                "token_type": token.token_type,
                "access_token": shown,
                "expires_at": token.expires_at.isoformat(),
                "expires_in": int((token.expires_at - now).total_seconds()),
            }
        )
        return 0
    print(f"Service account token for {auth.environment.name} (client id {auth.client_id})")
    print(f"  token    {shown}")
    print(f"  expires  {describe_expiry(token, now)}")
    return 0
