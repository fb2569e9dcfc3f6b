"""``procore-dc api get PATH``: call any Procore GET endpoint and print the raw JSON."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from procore_dc._commands._connect import (
    add_auth_argument,
    auth_for,
    print_json,
    session_for,
)
from procore_dc._commands._credentials import add_credential_arguments, resolve
from procore_dc.exceptions import ConfigurationError
from procore_dc.pagination import PageIterator

EPILOG = """examples:
  procore-dc api get /rest/v1.0/companies --company 8
  procore-dc api get /rest/v1.0/projects --param company_id=8 --param per_page=10
  procore-dc api get /rest/v1.0/projects/42/rfis --company 8 --all > rfis.jsonl
      every page, one JSON object per line; a progress line on stderr when it is a terminal
"""


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    api = subparsers.add_parser(
        "api",
        help="call a Procore REST endpoint and print the raw JSON",
        description="Call a Procore REST endpoint with the configured credentials.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    verbs = api.add_subparsers(dest="verb", metavar="VERB", required=True)
    get = verbs.add_parser(
        "get",
        help="GET a path and print its JSON",
        description="GET a path (e.g. /rest/v1.0/me) and print the JSON answer; with --all, "
        "follow the pagination and print every item as one JSON line.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    get.add_argument("path", metavar="PATH", help="the API path, e.g. /rest/v1.0/companies")
    get.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a query parameter; repeat for more (e.g. --param filters[status]=open)",
    )
    get.add_argument(
        "--all",
        action="store_true",
        help="fetch every page and stream the items as JSON lines",
    )
    get.add_argument(
        "--per-page",
        type=int,
        default=100,
        metavar="N",
        help="items per page with --all (default: 100)",
    )
    add_credential_arguments(get)
    add_auth_argument(get)
    get.set_defaults(handler=run)


def _params(pairs: list[str]) -> list[tuple[str, str]]:
    params = []
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise ConfigurationError(f"--param takes KEY=VALUE, got {pair!r}")
        params.append((key.strip(), value))
    return params


def run(args: argparse.Namespace) -> int:
    params = _params(args.param)
    if not args.path.startswith("/"):
        raise ConfigurationError(f"PATH must start with /, e.g. /rest/v1.0/me; got {args.path!r}")
    credentials = resolve(args)
    auth = auth_for(credentials, args.auth)
    with session_for(credentials, auth) as session:
        if not args.all:
            print_json(session.get_json(args.path, params=params or None))
            return 0
        grouped: dict[str, Any] = {}
        for key, value in params:
            # A repeated key (filters[ids][]=1 --param filters[ids][]=2) keeps every value.
            if key in grouped:
                previous = grouped[key]
                grouped[key] = (
                    [*previous, value] if isinstance(previous, list) else [previous, value]
                )
            else:
                grouped[key] = value
        pages: PageIterator[Any] = PageIterator(
            session, args.path, params=grouped, per_page=args.per_page
        )
        return _stream(pages)


def _stream(pages: Any) -> int:
    progress = sys.stderr.isatty()
    count = 0
    for page in pages.pages():
        for item in page.items:
            sys.stdout.write(json.dumps(item, ensure_ascii=False) + "\n")
        count += len(page.items)
        sys.stdout.flush()
        if progress:
            of = f" of {page.total}" if page.total is not None else ""
            sys.stderr.write(f"\rpage {page.number}: {count}{of} items")
            sys.stderr.flush()
    if progress:
        sys.stderr.write("\n")
    return 0
