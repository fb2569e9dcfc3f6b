"""Write the app manifest from Python: least privilege, derived from the calls the app makes.

Run it in a release script; it needs no network::

    python examples/build_manifest.py manifest.json          # write version 0.1.0
    python examples/build_manifest.py manifest.json --bump minor

The permissions block is not typed by hand: every resource method declares the tool and level
it needs, and :func:`procore_dc.resources.required_permissions` adds them up. Paste the JSON
into the Developer Portal's Configuration Builder, or compare it with the saved version
(``procore-dc manifest diff``) before you create a new version.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Optional

from procore_dc.exceptions import ManifestError
from procore_dc.manifest import Manifest, ManifestBuilder
from procore_dc.resources import (
    DocumentsResource,
    ProjectsResource,
    RfisResource,
    VendorsResource,
    required_permissions,
)
from procore_dc.resources.webhooks import CompanyHooks, CompanyTriggers

#: What the app's sync worker calls. Add a call here when the worker starts making it.
APP_CALLS = (
    (ProjectsResource, "list"),
    (RfisResource, "list"),
    (VendorsResource, "list"),
    (VendorsResource, "sync"),
    (DocumentsResource, "upload_file"),
    (CompanyHooks, "create"),
    (CompanyTriggers, "create"),
)


def build(version: str = "0.1.0") -> Manifest:
    """The manifest of this app at ``version``."""
    permissions = required_permissions(APP_CALLS)
    return (
        ManifestBuilder(version=version)
        .service_account(company=permissions["company"], project=permissions["project"])
        .instructions(
            url="https://acme.example/procore/setup",
            page_name="Connect Acme ERP to Procore",
            notes="Sign in to Acme ERP, open Settings > Procore and choose the projects to sync.",
        )
        .build()
    )


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("output", type=Path, help="where to write the manifest JSON")
    parser.add_argument("--bump", choices=("major", "minor", "patch"), help="bump the version")
    args = parser.parse_args(argv)
    version = "0.1.0"
    if args.bump and args.output.exists():
        try:
            saved = Manifest.from_json(args.output.read_text(encoding="utf-8"))
        except ManifestError as exc:
            print(f"error: {args.output} is not a valid manifest: {exc}", file=sys.stderr)
            return 1
        version = str(saved.bump(args.bump).version)
    manifest = build(version)
    for problem in manifest.problems:  # warnings only: errors raise in build()
        print(f"warning: {problem}", file=sys.stderr)
    args.output.write_text(manifest.to_json() + "\n", encoding="utf-8")
    print(f"wrote {args.output} (version {version})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
