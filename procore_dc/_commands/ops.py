"""``procore-dc ops search WORDS`` and ``procore-dc ops show OP``: find and read any operation.

Both read the operation table shipped in the package: no credentials, no network.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Mapping
from typing import Any, Optional

import attrs

from procore_dc._commands._connect import print_json
from procore_dc.operations import Operation, load_operations

EPILOG = """examples:
  procore-dc ops search budget line items
  procore-dc ops search punch items --limit 3 --json
  procore-dc ops show "GET /rest/v1.0/punch_items"
  procore-dc ops show RestV10ProjectsProjectIdRfisGet
  procore-dc ops show "GET /rest/v1.0/projects/42/rfis"     concrete ids work too
"""


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    ops = subparsers.add_parser(
        "ops",
        help="search Procore's 2,636 operations and show one",
        description="Search the operations of Procore's REST API and show one: its "
        "parameters, body, response fields, permission and an example.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    verbs = ops.add_subparsers(dest="verb", metavar="VERB", required=True)
    search = verbs.add_parser(
        "search",
        help="the operations best matching some words",
        description="Rank the operations by the words (summary, path, tool group, id).",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    search.add_argument("words", nargs="+", metavar="WORD")
    search.add_argument("--limit", type=int, default=10, metavar="N", help="(default: 10)")
    search.add_argument("--json", action="store_true", help="one JSON object per line")
    search.set_defaults(handler=run_search)
    show = verbs.add_parser(
        "show",
        help="one operation: parameters, body, response fields, permission, example",
        description="Show one operation, named by its id or 'METHOD /path'.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    show.add_argument("operation", metavar="OP", help="an operation id or 'METHOD /path'")
    show.add_argument("--version", default=None, help="another version, e.g. v1.1")
    show.add_argument("--json", action="store_true", help="print it as JSON")
    show.set_defaults(handler=run_show)


def run_search(args: argparse.Namespace) -> int:
    matches = load_operations().search(" ".join(args.words), limit=args.limit)
    for match in matches:
        if args.json:
            row = attrs.asdict(match)
            print(json.dumps(row, ensure_ascii=False))
        else:
            print(f"{match.method:<6} {match.path}  {match.summary} [{match.group}]")
    return 0


def _response_fields(op: Operation) -> tuple[Optional[str], dict[str, str]]:
    """The response model's name and its fields (name -> type), from the spec shapes."""
    if op.shape is None:
        return None, {}
    from procore_dc._catalog import load_schemas

    schemas = load_schemas()
    response = schemas["operations"][op.shape].get("response") or {}
    ref = response.get("items_ref") or response.get("ref")
    model: Mapping[str, Any] = schemas["models"].get(ref) or {} if ref else {}
    fields = {
        name: str(spec.get("type") or "any") + (" (enum)" if spec.get("enum") else "")
        for name, spec in (model.get("fields") or {}).items()
    }
    return ref, fields


def describe(op: Operation) -> dict[str, Any]:
    """Everything ``ops show`` prints about an operation, as data."""
    from procore_dc.operations._facades import docstring
    from procore_dc.operations._naming import method_for

    table = load_operations()
    facade = method_for(op)
    need = op.requirement
    model, fields = _response_fields(op)
    example = ""
    if facade is not None:
        example = docstring(facade).split(".. code-block:: python\n\n", 1)[1]
        example = "\n".join(line[4:] for line in example.splitlines())
        if op.key != facade.default:
            example += f'\n# this version: add version="{op.version}"'
    scope = {"project": " --project 42", "company": " --company 8"}.get(op.scope or "", "")
    if op.key != (facade.default if facade is not None else op.key):
        scope += f" --version {op.version}"
    ids = " ".join(f"{name}=7" for name in op.path_parameters if name not in _SCOPE_IDS)
    return {
        "id": op.id,
        "operation": op.key,
        "summary": op.summary,
        "group": op.group,
        "versions": [str(o.version) for o in table.versions_of(op)],
        "facade": facade.dotted if facade is not None else None,
        "permission": None
        if need is None
        else {"scope": str(need.scope), "tool": need.tool, "level": str(need.level)},
        "pages": op.paging == "link",
        "parameters": [
            {
                "name": p.name,
                "in": p.location,
                "type": p.type,
                "required": p.required,
                **({"enum": list(p.enum)} if p.enum else {}),
            }
            for p in op.parameters
        ],
        "body": [{"name": f.name, "required": f.required} for f in op.body_fields],
        "response": {"model": model, "fields": fields} if model else None,
        "example": example,
        "cli": f'procore-dc api call "{op.key}" {ids}{scope}'.replace("  ", " ").strip(),
    }


_SCOPE_IDS = frozenset({"company_id", "project_id"})


def run_show(args: argparse.Namespace) -> int:
    op = load_operations().get(args.operation, version=args.version)
    info = describe(op)
    if args.json:
        print_json(info)
        return 0
    need = info["permission"]
    lines = [
        f"{info['operation']}  ({info['id']})",
        f"  {info['summary']}",
        f"  tool group: {info['group']}",
        f"  versions:   {', '.join(info['versions'])}",
        f"  facade:     {info['facade']}()",
        "  permission: "
        + (f"{need['scope']} tool {need['tool']}, {need['level']}" if need else "none"),
        f"  pages:      {'yes (Link header)' if info['pages'] else 'no'}",
        "parameters:" if info["parameters"] else "parameters: none",
    ]
    for p in info["parameters"]:
        flags = ", required" if p["required"] else ""
        enum = f", one of {p['enum']}" if "enum" in p else ""
        lines.append(f"  {p['name']}  ({p['in']}, {p['type']}{flags}{enum})")
    if info["body"]:
        lines.append("body fields:")
        lines += [
            f"  {f['name']}" + ("  (required)" if f["required"] else "") for f in info["body"]
        ]
    response = info["response"]
    if response:
        lines.append(f"response: {response['model']}")
        lines += [f"  {name}: {kind}" for name, kind in response["fields"].items()]
    else:
        lines.append("response: no shape in Procore's spec (a Record)")
    lines.append("example:")
    lines += [f"  {line}" for line in info["example"].splitlines()]
    lines.append(f"  {info['cli']}")
    print("\n".join(lines))
    return 0
