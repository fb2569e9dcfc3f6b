"""The scenario behind ``procore-dc demo``: the main job of a data connection app, end to end.

:func:`run_embedded` runs eleven steps against :class:`~procore_dc.testing.FakeProcore`: build
the manifest, install a service-account app with exactly its permissions, sign in, read
companies, projects and RFIs, sync vendors, upload a file in segments, receive a webhook,
export with dlt, and compare the permissions the run needed with the ones the manifest asked
for. :func:`run_live` runs the read-only steps against a real Procore environment.

Everything is printed through a :class:`~procore_dc._commands._demo.printer.DemoPrinter`, so
tests can capture it.
"""

from __future__ import annotations

import random
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from procore_dc._commands._demo.printer import DemoPrinter, format_block
from procore_dc._commands._demo.steps import (
    count_requests,
    export,
    normalised,
    rate_limit_line,
    read_steps,
    sync_vendors,
    webhook,
)
from procore_dc._redact import mask
from procore_dc._version import __version__
from procore_dc.auth import ServiceAccountAuth
from procore_dc.client import ProcoreClient
from procore_dc.exceptions import ConfigurationError
from procore_dc.manifest import Manifest, ManifestBuilder
from procore_dc.resources import (
    CompaniesResource,
    DocumentsResource,
    ProjectsResource,
    RfisResource,
    VendorsResource,
    required_permissions,
)
from procore_dc.resources.webhooks import CompanyHooks, CompanyTriggers

__all__ = [
    "DEMO_CALLS",
    "LIVE_CALLS",
    "USER_AGENT",
    "build_manifest",
    "run_embedded",
    "run_live",
]

#: Every resource call the embedded demo makes; the manifest's permissions are derived from
#: their declared requirements, and the run checks the sandbox agrees.
DEMO_CALLS: tuple[tuple[type[Any], str], ...] = (
    (CompaniesResource, "list"),
    (ProjectsResource, "list"),
    (RfisResource, "list"),
    (VendorsResource, "sync"),
    (VendorsResource, "update"),
    (DocumentsResource, "upload_file"),
    (CompanyHooks, "create"),
    (CompanyTriggers, "create"),
    (RfisResource, "changes"),
    (VendorsResource, "changes"),
)
#: The calls of the read-only steps run against a real environment.
LIVE_CALLS: tuple[tuple[type[Any], str], ...] = (
    (CompaniesResource, "list"),
    (ProjectsResource, "list"),
    (RfisResource, "list"),
)
UPLOAD_BYTES = 6 * 1024 * 1024 + 12_345  # above the 5 MiB single-request limit: segmented
SEGMENT_BYTES = 5 * 1024 * 1024 + 1  # just over v2.1's 5 MiB part minimum: the demo shows two
USER_AGENT = f"procore-dc-demo/{__version__}"


def build_manifest(permissions: Mapping[str, Mapping[str, str]]) -> Manifest:
    """The demo app's manifest, version 0.1.0, a service account with ``permissions``.

    .. code-block:: python

        manifest = build_manifest(required_permissions(DEMO_CALLS))
    """
    return (
        ManifestBuilder(version="0.1.0")
        .service_account(company=permissions.get("company"), project=permissions.get("project"))
        .instructions(
            url="https://example.com/procore-dc-demo/setup",
            page_name="Set up the procore-dc demo",
            notes="Pick the projects to sync in Company Admin > App Management, then start the "
            "sync worker.",
        )
        .build()
    )


def run_embedded(out: DemoPrinter, *, seed: int = 0) -> int:
    """Run the eleven steps against a fresh FakeProcore; return the exit code.

    :param out: where the story goes
    :param seed: the sandbox's data seed (default: ``0``)
    :raises ConfigurationError: when the ``sandbox`` extra (werkzeug) is missing
    """
    try:
        from procore_dc.testing import FakeProcore, RateLimits
    except ImportError as exc:  # pragma: no cover - werkzeug is in the sandbox extra
        raise ConfigurationError(
            f"the demo needs the sandbox extra: pip install 'procore-dc[sandbox]' ({exc})"
        ) from None
    started = time.monotonic()
    out.title(
        f"procore-dc {__version__} demo: a data connection app's main job, against the "
        "embedded sandbox"
    )
    out.title(
        "(set PROCORE_CLIENT_ID, PROCORE_CLIENT_SECRET and PROCORE_ENVIRONMENT=sandbox to "
        "run the read-only steps against your Procore Development Sandbox)"
    )

    out.step(1, "Start FakeProcore, the embedded Procore sandbox on 127.0.0.1")
    # Procore's own limits, so the demo shows the X-Rate-Limit-* headers a real app sees.
    with FakeProcore(seed=seed, rate_limits=RateLimits()) as sandbox:
        out.line(f"api      {sandbox.api_url}")
        out.line(f"login    {sandbox.login_url}")
        out.line(f"storage  {sandbox.storage_url}")
        company_id = int(sandbox.data.companies[0]["id"])

        out.step(2, "Build the app manifest in Python (least privilege, from the calls we make)")
        permissions = required_permissions(DEMO_CALLS)
        manifest = build_manifest(permissions)
        out.block(manifest.to_json())

        out.step(3, "Install a service-account (DMSA) app with those permissions")
        app = sandbox.create_app(name="procore-dc demo", permissions=normalised(permissions))
        project_ids = [int(p["id"]) for p in sandbox.data.projects.of(company_id)]
        permitted = project_ids[: max(1, len(project_ids) // 2)]
        sandbox.install(app, company_id, permitted_projects=permitted)
        out.line(
            f"installed in company {company_id}; {len(permitted)} of {len(project_ids)} "
            "projects permitted"
        )
        out.line(f"client_id {app.client_id[:12]}...  client_secret {mask(app.client_secret)}")

        auth = ServiceAccountAuth(app.client_id, app.client_secret, environment=sandbox.environment)
        with ProcoreClient(auth, company_id=company_id, user_agent=USER_AGENT) as client:
            sent = count_requests(client.session)
            projects = read_steps(out, client, company_id, project_limit=None)
            if not projects:  # pragma: no cover - the install above permits some
                raise ConfigurationError("the sandbox app sees no project")
            company = client.company(company_id)
            project = company.project(projects[0].id)

            out.step(7, "Push vendors through the sync endpoint (batch upsert)")
            vendor_id = sync_vendors(out, company)

            out.step(8, "Upload a file in segments (more than 5 MiB) and file it in Documents")
            with tempfile.TemporaryDirectory(prefix="procore-dc-demo-") as folder:
                path = Path(folder) / "site-survey.bin"
                # Reproducible filler, not a secret.
                path.write_bytes(random.Random(seed).randbytes(UPLOAD_BYTES))  # noqa: S311
                out.line(f"generated {path.name}, {UPLOAD_BYTES / 1024 / 1024:.1f} MiB")
                stored = project.documents.upload_file(
                    path, description="procore-dc demo", segment_size=SEGMENT_BYTES
                )
            segments = -(-UPLOAD_BYTES // SEGMENT_BYTES)
            out.line(
                f"uploaded in {segments} segments of up to {SEGMENT_BYTES // 1024 // 1024} MiB, "
                "each with its SHA-256, straight to storage (no token sent there)"
            )
            out.line(f"created document file {stored.id}: {stored.name}")

            out.step(9, "Register a webhook and receive an event on a loopback receiver")
            received = webhook(out, company, vendor_id)

            out.step(10, "Export RFIs and vendors into a temporary DuckDB file with dlt")
            export(out, client, company_id)

            out.step(11, "Summary")
            logged = sandbox.requests
            by_role = {
                role: sum(1 for r in logged if r.role == role)
                for role in ("api", "login", "storage")
            }
            out.line(
                f"requests   {sent[0]} sent by the client's session (API and storage; the "
                "token request goes through the auth strategy); the sandbox logged "
                f"{by_role['api']} API, {by_role['login']} token and {by_role['storage']} "
                "storage requests"
            )
            out.line(f"rate limit {rate_limit_line(client.session)}")
            needed = sandbox.required_permissions()
            out.line("least-privilege permissions this run needed (from the sandbox's log):")
            for row in format_block(needed):
                out.line(row)
            asked = normalised(manifest.to_dict().get("permissions") or {})
            if normalised(needed) == asked:
                out.line("= exactly the manifest's permissions block: nothing more was asked for")
            else:
                out.line("differs from the manifest's permissions block:")
                for row in format_block(asked):
                    out.line(row)
            out.line(f"webhook    {'received' if received else 'NOT received'}")
            out.line(f"done in {time.monotonic() - started:.1f} s")
    return 0 if received else 1


def run_live(out: DemoPrinter, client: ProcoreClient, company_id: int) -> int:
    """Run the read-only steps against a real environment; return the exit code.

    :param out: where the story goes
    :param client: a service-account client for that environment
    :param company_id: a company where the app is installed
    """
    session = client.session
    environment = session.environment
    started = time.monotonic()
    sent = count_requests(session)
    out.title(
        f"procore-dc {__version__} demo: read-only steps against {environment.name} "
        f"({environment.api_url})"
    )
    out.title(
        "(steps 1-3 and 7-9 create data or need the embedded sandbox: skipped here; "
        "unset PROCORE_CLIENT_ID or pass --embedded to run them)"
    )

    read_steps(out, client, company_id, project_limit=20)

    out.step(11, "Summary")
    out.line(f"requests   {sent[0]} sent to {environment.api_url}")
    out.line(f"rate limit {rate_limit_line(session)}")
    out.line("permissions the read-only steps need (declared by the resource clients):")
    for row in format_block(required_permissions(LIVE_CALLS)):
        out.line(row)
    out.line(f"done in {time.monotonic() - started:.1f} s")
    return 0
