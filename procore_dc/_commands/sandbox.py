"""``procore-dc sandbox``: run FakeProcore standalone until Ctrl-C."""

from __future__ import annotations

import argparse
import threading
from typing import Optional

from procore_dc.exceptions import ConfigurationError

EPILOG = """example:
  procore-dc sandbox --port 8080 --seed 0
"""


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "sandbox",
        help="run the fake Procore sandbox on 127.0.0.1",
        description="Run FakeProcore (login host, API host, upload storage) on 127.0.0.1 and "
        "print its URLs and the credentials of a ready-made installed service account app.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--port", type=int, default=0, help="API port (default: a free port)")
    parser.add_argument("--seed", type=int, default=0, help="data seed (default: 0)")
    parser.add_argument(
        "--interactive",
        action="store_true",
        help="serve a clickable sign-in page on /oauth/authorize",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, stop: Optional[threading.Event] = None) -> int:
    try:
        from procore_dc.testing import FakeProcore
    except ImportError as exc:
        raise ConfigurationError(
            f"the sandbox needs the sandbox extra: pip install 'procore-dc[sandbox]' ({exc})"
        ) from None
    if not 0 <= args.port <= 65535:
        raise ConfigurationError(
            f"--port must be between 0 and 65535 (0: a free port), got {args.port}"
        )
    sandbox = FakeProcore(seed=args.seed, port=args.port, interactive=args.interactive)
    with sandbox:
        app = sandbox.default_app
        company = sandbox.data.companies[0]["id"] if len(sandbox.data.companies) else None
        # Fake credentials of a local sandbox: printing them is the point of this command.
        print(f"FakeProcore (seed {args.seed}) is running. Ctrl-C stops it.")
        print(f"  api_url       {sandbox.api_url}")
        print(f"  login_url     {sandbox.login_url}")
        print(f"  storage_url   {sandbox.storage_url}")
        print(f"  client_id     {app.client_id}")
        print(f"  client_secret {app.client_secret}")
        print(f"  company_id    {company}  (DMSA app installed, every project permitted)")
        print(f"  redirect_uris {', '.join(app.redirect_uris)}", flush=True)
        (stop or threading.Event()).wait()
    return 0
