"""The scenario behind ``procore-dc demo``: the main job of a data connection app, end to end.

:func:`run_embedded` runs ten steps against :class:`~procore_dc.testing.FakeProcore`: build
the manifest, install a service-account app with exactly its permissions, sign in, read
companies, projects and RFIs, sync vendors, upload a file in segments, receive a webhook, and
compare the permissions the run needed with the ones the manifest asked for.
:func:`run_live` runs the read-only steps against a real Procore environment.

Everything is printed through a :class:`DemoPrinter`, so tests can capture it.
"""

from __future__ import annotations

import os
import queue
import random
import secrets
import sys
import tempfile
import threading
import time
from collections.abc import Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Optional, TextIO

import requests

from procore_dc._redact import get_logger, mask
from procore_dc._version import __version__
from procore_dc.auth import ServiceAccountAuth
from procore_dc.client import CompanyScope, ProcoreClient
from procore_dc.exceptions import (
    ConfigurationError,
    PermissionDeniedError,
    WebhookError,
    WebhookVerificationError,
)
from procore_dc.manifest import Manifest, ManifestBuilder
from procore_dc.pagination import PageIterator
from procore_dc.resources import (
    CompaniesResource,
    DocumentsResource,
    ProjectsResource,
    RfisResource,
    VendorsResource,
    required_permissions,
)
from procore_dc.resources.webhooks import CompanyHooks, CompanyTriggers
from procore_dc.session import Session
from procore_dc.webhooks import Deduplicator, WebhookEvent, parse_event

__all__ = [
    "DEMO_CALLS",
    "LIVE_CALLS",
    "DemoPrinter",
    "WebhookReceiver",
    "build_manifest",
    "run_embedded",
    "run_live",
]

log = get_logger(__name__)

STEPS = 11
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
WEBHOOK_TIMEOUT = 10.0
USER_AGENT = f"procore-dc-demo/{__version__}"


class DemoPrinter:
    """Numbered steps, indented details and a progress line on one output stream.

    :param stream: where to write (default: ``sys.stdout``)
    :param progress_in_place: rewrite the progress line with ``\\r`` (default: when the
        stream is a terminal); otherwise each progress update is its own line
    """

    def __init__(
        self, stream: Optional[TextIO] = None, *, progress_in_place: Optional[bool] = None
    ) -> None:
        self.stream = stream or sys.stdout
        self.in_place = (
            _isatty(self.stream) if progress_in_place is None else bool(progress_in_place)
        )
        self._open_progress = False

    def title(self, text: str) -> None:
        self._write(f"{text}\n")

    def step(self, number: int, text: str) -> None:
        self._write(f"\n[{number}/{STEPS}] {text}\n")

    def line(self, text: str = "") -> None:
        self._write(f"       {text}\n" if text else "\n")

    def block(self, text: str) -> None:
        for row in text.splitlines():
            self.line(row)

    def progress(self, text: str) -> None:
        if self.in_place:
            self.stream.write(f"\r       {text}\x1b[K")
            self.stream.flush()
            self._open_progress = True
        else:
            self.line(text)

    def _write(self, text: str) -> None:
        if self._open_progress:
            self.stream.write("\n")
            self._open_progress = False
        self.stream.write(text)
        self.stream.flush()


def _isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


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


class WebhookReceiver:
    """A loopback HTTP endpoint for webhook deliveries, built on
    :func:`procore_dc.webhooks.parse_event`.

    It answers 401 to a wrong or missing shared secret, 400 to a body that is no event, and
    204 to an event, which it queues once (redeliveries are dropped).

    :param secret: the shared secret the hook sends in its ``Authorization`` header

    .. code-block:: python

        with WebhookReceiver(secret) as receiver:
            hooks.create("acme", receiver.url, {"Authorization": f"Bearer {secret}"})
            event = receiver.next_event(timeout=10)
    """

    def __init__(self, secret: str) -> None:
        self.secret = secret
        self.events: queue.Queue[WebhookEvent] = queue.Queue()
        self.rejected = 0
        self._seen = Deduplicator()
        receiver = self

        class _Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                try:
                    event = parse_event(body, self.headers, secret=receiver.secret)
                except WebhookVerificationError:
                    receiver.rejected += 1
                    status = 401
                except WebhookError:
                    receiver.rejected += 1
                    status = 400
                else:
                    if receiver._seen.is_new(event):
                        receiver.events.put(event)
                    status = 204
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: object) -> None:
                log.debug("webhook receiver: " + format, *args)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="procore-dc-webhooks", daemon=True
        )

    @property
    def url(self) -> str:
        """Where Procore should POST events."""
        return f"http://127.0.0.1:{self._server.server_address[1]}/procore/webhooks"

    def __enter__(self) -> WebhookReceiver:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def next_event(self, timeout: float) -> Optional[WebhookEvent]:
        """The next new event, or ``None`` when none arrives within ``timeout`` seconds."""
        try:
            return self.events.get(timeout=timeout)
        except queue.Empty:
            return None


def _format_block(block: Mapping[str, Mapping[str, str]]) -> list[str]:
    rows = []
    for scope in ("company", "project"):
        tools = block.get(scope) or {}
        text = ", ".join(f"{tool}: {level}" for tool, level in sorted(tools.items())) or "-"
        rows.append(f"  {scope:<8} {text}")
    return rows


def _normalised(block: Mapping[str, Mapping[str, Any]]) -> dict[str, dict[str, str]]:
    return {
        scope: {tool: str(level) for tool, level in (block.get(scope) or {}).items()}
        for scope in ("company", "project")
    }


def _page_through(out: DemoPrinter, pages: PageIterator[Any], what: str) -> tuple[int, int]:
    count = 0
    number = 0
    for page in pages.pages():
        number += 1
        count += len(page.items)
        total = f" of {page.total}" if page.total is not None else ""
        out.progress(f"page {page.number}: {count}{total} {what}")
    return count, number


def _rate_limit_line(session: Session) -> str:
    state = session.rate_limit
    if state.limit is None or state.remaining is None:
        return "no X-Rate-Limit headers seen"
    reset = f", window resets at {state.reset_at:%H:%M:%S} UTC" if state.reset_at else ""
    used = 100 * (state.limit - state.remaining) / state.limit if state.limit else 0.0
    return f"{state.remaining} of {state.limit} requests left ({used:.0f}% used){reset}"


def _count_requests(session: Session) -> list[int]:
    counter = [0]

    def hook(response: requests.Response, *args: Any, **kwargs: Any) -> requests.Response:
        counter[0] += 1
        return response

    session.requests_session.hooks["response"].append(hook)
    return counter


def run_embedded(out: DemoPrinter, *, seed: int = 0) -> int:
    """Run the ten steps against a fresh FakeProcore; return the exit code.

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
        app = sandbox.create_app(name="procore-dc demo", permissions=_normalised(permissions))
        project_ids = [int(p["id"]) for p in sandbox.data.projects.of(company_id)]
        permitted = project_ids[: max(1, len(project_ids) // 2)]
        sandbox.install(app, company_id, permitted_projects=permitted)
        out.line(
            f"installed in company {company_id}; {len(permitted)} of {len(project_ids)} "
            "projects permitted"
        )
        out.line(f"client_id {app.client_id[:12]}...  client_secret {mask(app.client_secret)}")

        out.step(4, "Sign in as the service account (OAuth Client Credentials)")
        auth = ServiceAccountAuth(app.client_id, app.client_secret, environment=sandbox.environment)
        with ProcoreClient(auth, company_id=company_id, user_agent=USER_AGENT) as client:
            sent = _count_requests(client.session)
            token = auth.ensure_valid()
            me = client.me()
            out.line(f"token {mask(token.access_token)}, expires {token.expires_at:%H:%M:%S} UTC")
            out.line(f"acting as {me.name or me.login} (id {me.id})")

            out.step(5, "List companies and the projects the app is permitted to see")
            company = client.company(company_id)
            for listed in client.companies.list():
                out.line(f"company {listed.id}: {listed.name}")
            projects = company.projects.list().to_list()
            for listed_project in projects:
                out.line(f"project {listed_project.id}: {listed_project.name}")
            if not projects:  # pragma: no cover - the install above permits some
                raise ConfigurationError("the sandbox app sees no project")

            project = company.project(projects[0].id)
            out.step(6, f"Page through the RFIs of project {projects[0].id}")
            count, pages = _page_through(out, project.rfis.list(per_page=100), "RFIs")
            out.line(f"read {count} RFIs in {pages} pages")

            out.step(7, "Push vendors through the sync endpoint (batch upsert)")
            vendor_id = _sync_vendors(out, company)

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
            received = _webhook(out, company, vendor_id)

            out.step(10, "Export RFIs and vendors into a temporary DuckDB file with dlt")
            _export(out, client, company_id)

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
            out.line(f"rate limit {_rate_limit_line(client.session)}")
            needed = sandbox.required_permissions()
            out.line("least-privilege permissions this run needed (from the sandbox's log):")
            for row in _format_block(needed):
                out.line(row)
            asked = _normalised(manifest.to_dict().get("permissions") or {})
            if _normalised(needed) == asked:
                out.line("= exactly the manifest's permissions block: nothing more was asked for")
            else:
                out.line("differs from the manifest's permissions block:")
                for row in _format_block(asked):
                    out.line(row)
            out.line(f"webhook    {'received' if received else 'NOT received'}")
            out.line(f"done in {time.monotonic() - started:.1f} s")
    return 0 if received else 1


def _export(out: DemoPrinter, client: ProcoreClient, company_id: int) -> None:
    try:
        import dlt
        import duckdb

        from procore_dc.dlt import procore_source
    except ImportError:
        out.line("skipped: needs the export extra (pip install 'procore-dc[export]')")
        return
    # dlt warns about columns that held only nulls; the demo shows the counts instead.
    os.environ.setdefault("RUNTIME__LOG_LEVEL", "ERROR")
    with tempfile.TemporaryDirectory(prefix="procore-dc-demo-") as folder:
        database = Path(folder) / "warehouse.duckdb"
        pipeline = dlt.pipeline(
            pipeline_name="procore_dc_demo",
            destination=dlt.destinations.duckdb(str(database)),
            pipelines_dir=str(Path(folder) / "pipelines"),
            dataset_name="procore",
        )
        pipeline.run(procore_source(client, company_id, tools=["rfis", "vendors"]))
        out.line(f"loaded {database.name}: merged on id, incremental on updated_at")
        with duckdb.connect(str(database), read_only=True) as con:
            counted = con.execute(
                "select 'rfis', count(*), count(distinct project_id) from procore.rfis "
                "union all select 'vendors', count(*), null from procore.vendors"
            ).fetchall()
        for table, rows, projects in counted:
            where = f" from {projects} projects" if projects else ""
            out.line(f"select count(*) from procore.{table}: {rows} rows{where}")  # noqa: S608 - printed, not run


def _sync_vendors(out: DemoPrinter, company: CompanyScope) -> int:
    existing = company.vendors.list(limit=1).to_list()
    items: list[dict[str, Any]] = [
        {"origin_id": "erp-vendor-1001", "name": "Northwind Concrete"},
        {"origin_id": "erp-vendor-1002", "name": "Contoso Electrical"},
        {"origin_id": "erp-vendor-1003", "name": ""},  # refused: a vendor needs a name
        {"id": 999_999_999, "name": "Ghost Supplies"},  # refused: no such vendor
    ]
    if existing:
        items.append({"id": existing[0].id, "origin_id": "erp-vendor-0001"})
    result = company.vendors.sync(items)
    out.line(
        f"sent {len(items)} vendors: {len(result.entities)} saved, {len(result.errors)} refused"
    )
    for vendor in result.entities:
        out.line(f"  saved    {vendor.id}: {vendor.name} (origin_id {vendor.origin_id})")
    for error in result.errors:
        which = error.origin_id or error.id
        out.line(f"  refused  {which}: {'; '.join(error.messages())}")
    if not result.entities:  # pragma: no cover - two valid items above
        raise ConfigurationError("the vendor sync saved nothing")
    return int(result.entities[0].id)


def _webhook(out: DemoPrinter, company: CompanyScope, vendor_id: int) -> Optional[WebhookEvent]:
    secret = secrets.token_urlsafe(24)
    with WebhookReceiver(secret) as receiver:
        hook = company.webhooks.hooks.create(
            "procore-dc-demo",
            receiver.url,
            {"Authorization": f"Bearer {secret}"},
        )
        trigger = company.webhooks.triggers(hook.id).create("Company Vendors", "update")
        out.line(f"hook {hook.id} -> {receiver.url} (shared secret {mask(secret)})")
        out.line(f"trigger {trigger.id}: {trigger.resource_name} {trigger.event_type}")
        company.vendors.update(vendor_id, name="Northwind Concrete & Steel")
        out.line(f"updated vendor {vendor_id}; waiting for the delivery...")
        event = receiver.next_event(WEBHOOK_TIMEOUT)
    if event is None:
        out.line(f"no event arrived within {WEBHOOK_TIMEOUT:g} s")
        return None
    out.line(
        f"received {event.resource_name} {event.event_type} for id {event.resource_id} "
        f"(event {event.ulid or event.id}, secret verified, payload {event.api_version})"
    )
    return event


def run_live(out: DemoPrinter, client: ProcoreClient, company_id: int) -> int:
    """Run the read-only steps against a real environment; return the exit code.

    :param out: where the story goes
    :param client: a service-account client for that environment
    :param company_id: a company where the app is installed
    """
    session = client.session
    environment = session.environment
    started = time.monotonic()
    sent = _count_requests(session)
    out.title(
        f"procore-dc {__version__} demo: read-only steps against {environment.name} "
        f"({environment.api_url})"
    )
    out.title(
        "(steps 1-3 and 7-9 create data or need the embedded sandbox: skipped here; "
        "unset PROCORE_CLIENT_ID or pass --embedded to run them)"
    )

    out.step(4, "Sign in as the service account (OAuth Client Credentials)")
    token = session.auth.ensure_valid()
    me = client.me()
    out.line(f"token {mask(token.access_token)}, expires {token.expires_at:%H:%M:%S} UTC")
    out.line(f"acting as {me.name or me.login} (id {me.id})")

    out.step(5, "List companies and the projects the app is permitted to see")
    company = client.company(company_id)
    for listed in client.companies.list():
        out.line(f"company {listed.id}: {listed.name}")
    projects = company.projects.list(limit=20).to_list()
    for project in projects:
        out.line(f"project {project.id}: {project.name}")

    out.step(6, "Page through a project's RFIs")
    if not projects:
        out.line("the app sees no project in this company: skipped")
    else:
        try:
            count, pages = _page_through(
                out, company.project(projects[0].id).rfis.list(per_page=100), "RFIs"
            )
            out.line(f"read {count} RFIs of project {projects[0].id} in {pages} pages")
        except PermissionDeniedError as exc:
            out.line(f"skipped: the app may not read RFIs here ({exc})")

    out.step(11, "Summary")
    out.line(f"requests   {sent[0]} sent to {environment.api_url}")
    out.line(f"rate limit {_rate_limit_line(session)}")
    out.line("permissions the read-only steps need (declared by the resource clients):")
    for row in _format_block(required_permissions(LIVE_CALLS)):
        out.line(row)
    out.line(f"done in {time.monotonic() - started:.1f} s")
    return 0
