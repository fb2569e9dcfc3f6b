"""``procore-dc sandbox``: run FakeProcore standalone until Ctrl-C."""

from __future__ import annotations

import argparse
import os
import shlex
import sys
import threading
from typing import TYPE_CHECKING, Optional

from procore_dc.exceptions import ConfigurationError

if TYPE_CHECKING:
    from procore_dc.testing import FakeProcore

EPILOG = """examples:
  procore-dc sandbox --port 8080 --seed 0
  procore-dc sandbox --env-file sandbox.env &   then: . ./sandbox.env; procore-dc whoami
  procore-dc login                              signs in against it with the defaults

It prints ready-to-paste export lines that point every other command at it.
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
    parser.add_argument(
        "--env-file",
        metavar="PATH",
        help="also write the export lines to PATH (mode 0600), to source from another shell",
    )
    parser.set_defaults(handler=run)


def export_lines(sandbox: FakeProcore, company: Optional[int]) -> list[str]:
    """The ``export`` lines that point procore-dc's commands at a running sandbox."""
    app = sandbox.default_app
    values = {
        "PROCORE_ENVIRONMENT": sandbox.api_url,
        "PROCORE_LOGIN_URL": sandbox.login_url,
        "PROCORE_CLIENT_ID": app.client_id,
        "PROCORE_CLIENT_SECRET": app.client_secret,
    }
    if company is not None:
        values["PROCORE_COMPANY_ID"] = str(company)
    return [f"export {name}={shlex.quote(value)}" for name, value in values.items()]


def _write_env_file(path: str, lines: list[str]) -> None:
    # Fake credentials, but a habit worth keeping: only the owner can read the file.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as stream:
        stream.write("\n".join(lines) + "\n")


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
        print(f"  files_url     {sandbox.files_url}  (file links: bearer token, then storage)")
        print(f"  client_id     {app.client_id}")
        print(f"  client_secret {app.client_secret}")
        print(f"  company_id    {company}  (DMSA app installed, its projects permitted)")
        print(f"  redirect_uris {', '.join(app.redirect_uris)}")
        lines = export_lines(sandbox, company)
        print("Point the other commands at it (paste into your shell):")
        for line in lines:
            print(f"  {line}")
        env_file = getattr(args, "env_file", None)
        if env_file:
            _write_env_file(env_file, lines)
            print(f"(also written to {env_file}: . {env_file})")
        sys.stdout.flush()
        (stop or threading.Event()).wait()
    return 0
