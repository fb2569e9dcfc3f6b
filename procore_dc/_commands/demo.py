"""``procore-dc demo``: the main job, run against the embedded sandbox."""

from __future__ import annotations

import argparse

from procore_dc._version import __version__
from procore_dc.environments import Environment

EPILOG = """example:
  procore-dc demo
"""


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "demo",
        help="run the end-to-end demo against the embedded Procore sandbox",
        description="Run the main job of a data connection app against the embedded sandbox.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    print(f"procore-dc {__version__}")
    for env in (Environment.PRODUCTION, Environment.SANDBOX, Environment.MONTHLY_SANDBOX):
        print(f"  {env.name:<16} login {env.login_url:<45} api {env.api_url}")
    return 0
