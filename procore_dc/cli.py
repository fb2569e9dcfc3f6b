"""The ``procore-dc`` command line.

Every error is one line on stderr and exit code 1; ``--debug`` shows the traceback.

.. code-block:: console

    $ procore-dc --help
    $ procore-dc demo
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Sequence
from typing import Optional

from procore_dc._commands import COMMAND_MODULES
from procore_dc._redact import redact_text
from procore_dc._version import __version__
from procore_dc.exceptions import ProcoreError

__all__ = ["build_parser", "main"]

EPILOG = """examples:
  procore-dc demo                 run the end-to-end demo against the embedded sandbox
  procore-dc demo --help          what the demo does
  procore-dc token                fetch a service-account token (PROCORE_CLIENT_ID/_SECRET)
  procore-dc login --oob          sign a user in by pasting the code Procore shows
  procore-dc api get /rest/v1.0/companies --company 8
  procore-dc COMMAND --help       each command's options and examples

Credentials come from flags, then PROCORE_* environment variables, then
$XDG_CONFIG_HOME/procore-dc/config.ini ('procore-dc config --help').
Errors are one line on stderr and exit 1; --debug (anywhere) shows tracebacks.
"""


def build_parser() -> argparse.ArgumentParser:
    """Build the argument parser with every sub-command registered."""
    parser = argparse.ArgumentParser(
        prog="procore-dc",
        description="Tools for building Procore data connection applications.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"procore-dc {__version__}")
    parser.add_argument(
        "--debug", action="store_true", help="show tracebacks and DEBUG logs (secrets redacted)"
    )
    parser.add_argument(
        "--strict",
        action="store_true",
        help="refuse a token file or config.ini that other users can read (default: warn)",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(subparsers)
    _add_debug_to_commands(parser)
    return parser


def _add_debug_to_commands(parser: argparse.ArgumentParser) -> None:
    # --debug also after COMMAND (``procore-dc whoami --debug``); SUPPRESS leaves the top-level
    # value alone when a command does not repeat it.
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for command in action.choices.values():
                command.add_argument(
                    "--debug",
                    action="store_true",
                    default=argparse.SUPPRESS,
                    help=argparse.SUPPRESS,
                )
                _add_debug_to_commands(command)


def _one_line(exc: BaseException) -> str:
    """The error as the one line the docs promise: a multi-line message joined with "; "."""
    if isinstance(exc, OSError) and exc.strerror and exc.filename is not None:
        return f"{exc.filename}: {exc.strerror}"
    text = ""
    for line in (line.strip() for line in str(exc).splitlines()):
        if line:
            text += line if not text else (" " if text.endswith(":") else "; ") + line
    return text


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Run ``procore-dc`` with ``argv`` (default: ``sys.argv[1:]``) and return the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.debug:
        logging.basicConfig(level=logging.DEBUG, format="%(levelname)s %(name)s: %(message)s")
    else:
        # Warnings (a secret file others can read) reach the user as one line each.
        logging.basicConfig(level=logging.WARNING, format="procore-dc: warning: %(message)s")
    handler = getattr(args, "handler", None)
    if handler is None:
        parser.print_help()
        return 0
    try:
        return int(handler(args))
    except KeyboardInterrupt:
        print("procore-dc: interrupted", file=sys.stderr)
        return 130
    except (ProcoreError, OSError) as exc:
        if args.debug:
            raise
        print(f"procore-dc: error: {_one_line(exc)}", file=sys.stderr)
        return 1
    except Exception as exc:
        # A bug, not a user error: still one line, with the way to see more.
        if args.debug:
            raise
        detail = redact_text(str(exc).splitlines()[0] if str(exc) else "")
        print(
            f"procore-dc: internal error: {type(exc).__name__}: {detail} "
            "(run with --debug for the traceback)",
            file=sys.stderr,
        )
        return 1
