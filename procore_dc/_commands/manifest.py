"""``procore-dc manifest``: write, validate, diff and bump app manifests."""

from __future__ import annotations

import argparse
import json
import os
import stat
import sys
import tempfile
import warnings
from pathlib import Path
from typing import Optional

from procore_dc.manifest import Manifest, ManifestBuilder, ManifestError, Problem

EPILOG = """examples:
  procore-dc manifest new --service-account > manifest.json
  procore-dc manifest validate manifest.json
  procore-dc manifest diff old.json manifest.json
  procore-dc manifest bump manifest.json --part minor --in-place
"""


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "manifest",
        help="write, validate, diff and bump Procore app manifests",
        description="Work with Procore app manifest JSON (schema 4.1; legacy 3.x is converted).",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.set_defaults(handler=lambda args: _help(parser))
    commands = parser.add_subparsers(dest="manifest_command", metavar="SUBCOMMAND")

    new = _add(
        commands,
        "new",
        "print a starting manifest",
        "Print a valid starting manifest (version 0.1.0) to edit.",
        "procore-dc manifest new --service-account > manifest.json",
    )
    new.add_argument(
        "--service-account",
        action="store_true",
        help="add Service Account Authentication with a starting permission to edit",
    )
    new.set_defaults(handler=run_new)

    validate = _add(
        commands,
        "validate",
        "check a manifest; exit 1 when it has errors",
        "Check a manifest. Errors exit 1; warnings are shown and exit 0.",
        "procore-dc manifest validate manifest.json\n  cat manifest.json | procore-dc manifest "
        "validate -",
    )
    validate.add_argument("file", metavar="FILE", help="the manifest JSON, or - for stdin")
    validate.add_argument("--json", action="store_true", help="print the result as JSON")
    validate.set_defaults(handler=run_validate)

    diff = _add(
        commands,
        "diff",
        "show what changed between two manifests",
        "Show permission, component and instruction changes, whether admins must re-approve, "
        "and the suggested version bump.",
        "procore-dc manifest diff released.json manifest.json --json",
    )
    diff.add_argument("old", metavar="OLD", help="the manifest installed today")
    diff.add_argument("new", metavar="NEW", help="the manifest to promote")
    diff.add_argument("--json", action="store_true", help="print the diff as JSON")
    diff.set_defaults(handler=run_diff)

    bump = _add(
        commands,
        "bump",
        "raise a manifest's version",
        "Print the manifest with its version raised, or rewrite the file with --in-place.",
        "procore-dc manifest bump manifest.json --part minor --in-place",
    )
    bump.add_argument("file", metavar="FILE", help="the manifest JSON, or - for stdin")
    bump.add_argument(
        "--part", choices=("patch", "minor", "major"), required=True, help="what to raise"
    )
    bump.add_argument("--in-place", action="store_true", help="rewrite FILE instead of printing")
    bump.set_defaults(handler=run_bump)


def _add(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
    name: str,
    summary: str,
    description: str,
    example: str,
) -> argparse.ArgumentParser:
    return commands.add_parser(
        name,
        help=summary,
        description=description,
        epilog=f"example:\n  {example}\n",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )


def _help(parser: argparse.ArgumentParser) -> int:
    parser.print_help()
    return 0


def _read(name: str) -> bytes:
    if name == "-":
        return sys.stdin.buffer.read()
    return Path(name).read_bytes()


def _load(name: str, notes: Optional[list[str]] = None) -> Manifest:
    """Load a manifest, collecting conversion notes into ``notes`` instead of emitting
    warnings (kept even when the manifest turns out invalid)."""
    return _parse(_read(name), notes)


def _parse(data: bytes, notes: Optional[list[str]] = None) -> Manifest:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            return Manifest.from_json(data)
        finally:
            if notes is not None:
                notes.extend(str(w.message) for w in caught)


def _declared_version(data: bytes) -> Optional[str]:
    """The ``version`` a file declares, read leniently (for reporting an invalid file)."""
    try:
        document = json.loads(data)
    except ValueError:
        return None
    version = document.get("version") if isinstance(document, dict) else None
    return version if isinstance(version, str) else None


def _print_notes(notes: list[str]) -> None:
    for note in notes:
        print(f"note: {note}", file=sys.stderr)


def run_new(args: argparse.Namespace) -> int:
    builder = ManifestBuilder(version="0.1.0").user_level_auth()
    if args.service_account:
        builder = builder.service_account(company={"home": "readonly"})
    manifest = builder.instructions(
        url="https://example.com/setup",
        page_name="Setup guide",
        notes="Replace with what admins do after installing: sign up, connect an account.",
    ).build()
    print(manifest.to_json())
    return 0


def run_validate(args: argparse.Namespace) -> int:
    notes: list[str] = []
    data = _read(args.file)
    try:
        manifest = _parse(data, notes)
    except ManifestError as exc:
        problems = [p for p in exc.problems if isinstance(p, Problem)]
        _report(args, problems, notes, valid=False, version=_declared_version(data))
        return 1
    _report(args, list(manifest.problems), notes, valid=True, version=manifest.version)
    return 0


def _report(
    args: argparse.Namespace,
    problems: list[Problem],
    notes: list[str],
    *,
    valid: bool,
    version: object = None,
) -> None:
    if args.json:
        result = {
            "valid": valid,
            "version": version,
            "problems": [p.to_dict() for p in problems],
            "notes": notes,
        }
        print(json.dumps(result, indent=2, ensure_ascii=False))
        return
    for note in notes:
        print(f"note: {note}")
    for problem in problems:
        print(f"{problem.severity}: {problem}")
    errors = sum(p.is_error for p in problems)
    warnings_count = len(problems) - errors
    if valid:
        print(f"{args.file}: valid ({warnings_count} warning(s))")
    else:
        print(f"{args.file}: invalid ({errors} error(s), {warnings_count} warning(s))")


def run_diff(args: argparse.Namespace) -> int:
    notes: list[str] = []
    old = _load(args.old, notes)
    new = _load(args.new, notes)
    _print_notes(notes)
    change = Manifest.diff(old, new)
    if args.json:
        print(json.dumps(change.to_dict(), indent=2, ensure_ascii=False))
        return 0
    print(change.release_notes(), end="")
    print()
    print(f"suggested bump: {change.suggested_bump or 'none (nothing changed)'}")
    print(f"admins must re-approve: {'yes' if change.requires_reapproval else 'no'}")
    if change.version_bump == "downgrade":
        print(
            f"warning: the version goes backwards ({change.old_version} -> "
            f"{change.new_version}); Procore expects each release to be higher"
        )
    elif change.bump_too_small:
        print(
            f"warning: the version bump ({change.version_bump}) is smaller than the "
            f"suggested {change.suggested_bump}"
        )
    return 0


def run_bump(args: argparse.Namespace) -> int:
    notes: list[str] = []
    manifest = _load(args.file, notes)
    _print_notes(notes)
    bumped = manifest.bump(args.part)
    text = bumped.to_json() + "\n"
    if not args.in_place:
        print(text, end="")
        return 0
    if args.file == "-":
        raise ManifestError([Problem("$", "--in-place needs a FILE, not - (stdin)")])
    _write_atomically(Path(args.file), text)
    print(f"{args.file}: {manifest.version} -> {bumped.version}")
    return 0


def _write_atomically(path: Path, text: str) -> None:
    # A crash mid-write must not leave half a manifest: write a sibling, then rename over.
    # Through a symlink, the real file is replaced (not the link), and it keeps its mode.
    path = Path(os.path.realpath(path))
    mode = stat.S_IMODE(os.stat(path).st_mode)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(handle, mode)
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        # mkstemp makes the file 0600; the manifest keeps the mode it had.
        os.chmod(temporary, stat.S_IMODE(path.stat().st_mode))
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
