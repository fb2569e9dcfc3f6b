"""``procore-dc api get PATH``: call any Procore GET endpoint and print the raw JSON.

``procore-dc api call OP key=value ...``: call any of Procore's operations by id or
``"METHOD /path"``, checked against the spec before sending, and print JSON lines.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, Optional

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
  procore-dc api call "GET /rest/v1.0/punch_items" filters[status]=open --company 8 --project 42
  procore-dc api call "POST /rest/v1.0/punch_items" --body item.json --company 8 --project 42
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
    _register_call(verbs)


def _register_call(verbs: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    call = verbs.add_parser(
        "call",
        help="call any Procore operation, checked against its spec, and print JSON lines",
        description="Call an operation named by its id or 'METHOD /path' (see 'procore-dc ops "
        "search'). KEY=VALUE sets a path or query parameter; a VALUE that is JSON (7, true, "
        "[1,2]) is sent as that, else as text; a repeated KEY makes a list. --company and "
        "--project fill the ids. Prints one JSON object per line (a list's first page, or "
        "every page with --all).",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    call.add_argument("operation", metavar="OP", help="an operation id or 'METHOD /path'")
    call.add_argument("params", nargs="*", metavar="KEY=VALUE", help="parameters")
    call.add_argument("--body", metavar="FILE", help="the JSON body, from a file ('-': stdin)")
    call.add_argument("--project", type=int, metavar="ID", help="the project id")
    call.add_argument("--version", default=None, help="another version of OP, e.g. v1.1")
    call.add_argument("--all", action="store_true", help="every page of a list")
    call.add_argument(
        "--no-check", action="store_true", help="send even when the spec check refuses the call"
    )
    add_credential_arguments(call)
    add_auth_argument(call)
    call.set_defaults(handler=run_call)


def _call_params(pairs: list[str]) -> dict[str, Any]:
    def parsed(text: str) -> Any:
        try:
            return json.loads(text)
        except ValueError:
            return text

    return _grouped([(key, parsed(text)) for key, text in _params(pairs)])


def _read_body(name: Optional[str]) -> Any:
    if name is None:
        return None
    text = sys.stdin.read() if name == "-" else Path(name).read_text(encoding="utf-8")
    try:
        return json.loads(text)
    except ValueError as exc:
        raise ConfigurationError(f"--body {name} is not JSON: {exc}") from None


def _plain(item: Any) -> Any:
    to_dict = getattr(item, "to_dict", None)
    return to_dict() if callable(to_dict) else item


def run_call(args: argparse.Namespace) -> int:
    from procore_dc.client import ProcoreClient
    from procore_dc.pagination import PageIterator

    params = _call_params(args.params)
    body = _read_body(args.body)
    credentials = resolve(args)
    auth = auth_for(credentials, args.auth)
    with session_for(credentials, auth) as session:
        client = ProcoreClient(session)
        if args.project is not None:
            params["project_id"] = args.project
        result = client.call(
            args.operation, body=body, version=args.version, strict=not args.no_check, **params
        )
        if isinstance(result, PageIterator):
            pages = result.pages()
            for page in pages if args.all else [next(iter(pages))]:
                for item in page.items:
                    sys.stdout.write(json.dumps(_plain(item), ensure_ascii=False) + "\n")
        elif isinstance(result, bytes):
            sys.stdout.buffer.write(result)
        elif isinstance(result, (list, tuple)):
            for item in result:
                sys.stdout.write(json.dumps(_plain(item), ensure_ascii=False) + "\n")
        elif result is not None:
            sys.stdout.write(json.dumps(_plain(result), ensure_ascii=False) + "\n")
        sys.stdout.flush()
    return 0


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
        grouped = _grouped(params)
        pages: PageIterator[Any] = PageIterator(
            session, args.path, params=grouped, per_page=args.per_page
        )
        return _stream(pages)


def _grouped(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    grouped: dict[str, Any] = {}
    for key, value in pairs:
        # A repeated key (filters[ids][]=1 --param filters[ids][]=2) keeps every value.
        if key in grouped:
            previous = grouped[key]
            grouped[key] = [*previous, value] if isinstance(previous, list) else [previous, value]
        else:
            grouped[key] = value
    return grouped


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
