"""``procore-dc demo``: the main job, run against the embedded sandbox (or, read-only, a real
Procore sandbox when credentials are set). The scenario lives in
:mod:`procore_dc._commands._demo`."""

from __future__ import annotations

import argparse

from procore_dc._commands._connect import service_account
from procore_dc._commands._credentials import Credentials, add_credential_arguments, resolve
from procore_dc.exceptions import ConfigurationError

EPILOG = """examples:
  procore-dc demo
      the eleven steps against FakeProcore, on 127.0.0.1: no account, no network
  PROCORE_CLIENT_ID=... PROCORE_CLIENT_SECRET=... PROCORE_ENVIRONMENT=sandbox \\
  PROCORE_COMPANY_ID=... procore-dc demo
      the read-only steps against your Procore Development Sandbox
  procore-dc demo --embedded
      the embedded sandbox even when credentials are set

The eleven steps: start FakeProcore; build the manifest; install a service-account app with
its permissions; sign in; list companies and permitted projects; page through RFIs; sync
vendors and report per-item errors; upload a file in segments; receive a webhook; export
RFIs and vendors into a temporary DuckDB file with dlt (with the export extra); summary
of requests, rate-limit headroom and the least-privilege permissions the run needed.
"""


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "demo",
        help="run the end-to-end demo against the embedded Procore sandbox",
        description="Run the main job of a data connection app against the embedded sandbox "
        "(FakeProcore). With a client id and secret for a non-production environment, run "
        "its read-only steps against that environment instead.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--embedded",
        action="store_true",
        help="always use the embedded sandbox, even when credentials are set",
    )
    parser.add_argument(
        "--seed", type=int, default=0, help="the embedded sandbox's data seed (default: 0)"
    )
    add_credential_arguments(parser)
    parser.set_defaults(handler=run)


def live_target(credentials: Credentials) -> bool:
    """Whether the demo should run against a real environment: a client id and secret are
    set. Production is refused: the demo is for sandboxes.

    :raises ConfigurationError: for credentials of the production environment
    """
    if not (credentials.client_id and credentials.client_secret):
        return False
    if credentials.environment.name == "production":
        raise ConfigurationError(
            "the demo runs against a sandbox only, but the credentials are for production: "
            "set PROCORE_ENVIRONMENT=sandbox (or --environment sandbox), or pass --embedded"
        )
    return True


def run(args: argparse.Namespace) -> int:
    from procore_dc._commands import _demo

    out = _demo.DemoPrinter()
    if args.embedded:
        return _demo.run_embedded(out, seed=args.seed)
    credentials = resolve(args)
    if not live_target(credentials):
        return _demo.run_embedded(out, seed=args.seed)
    from procore_dc.client import ProcoreClient

    auth = service_account(credentials)
    credentials.require("company_id")
    assert credentials.company_id is not None
    with ProcoreClient(
        auth, company_id=credentials.company_id, user_agent=_demo.USER_AGENT
    ) as client:
        return _demo.run_live(out, client, credentials.company_id)
