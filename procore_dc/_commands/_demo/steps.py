"""The demo's steps, each printing what it does: the read steps shared by the embedded and live
runs, and the steps only the embedded sandbox allows (sync, webhook, export)."""

from __future__ import annotations

import os
import secrets
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Optional

import requests

from procore_dc._commands._demo.printer import DemoPrinter
from procore_dc._redact import mask
from procore_dc.client import CompanyScope, ProcoreClient
from procore_dc.exceptions import ConfigurationError, PermissionDeniedError
from procore_dc.models import Project
from procore_dc.pagination import PageIterator
from procore_dc.session import Session
from procore_dc.testing import WebhookSink
from procore_dc.webhooks import WebhookEvent, parse_event

__all__ = [
    "count_requests",
    "export",
    "normalised",
    "rate_limit_line",
    "read_steps",
    "sync_vendors",
    "webhook",
]

WEBHOOK_TIMEOUT = 10.0


def read_steps(
    out: DemoPrinter, client: ProcoreClient, company_id: int, *, project_limit: Optional[int]
) -> list[Project]:
    """Steps 4 to 6, the same on the embedded sandbox and a real environment: sign in, list
    companies and the permitted projects, page through the first project's RFIs."""
    out.step(4, "Sign in as the service account (OAuth Client Credentials)")
    token = client.session.auth.ensure_valid()
    me = client.me()
    out.line(f"token {mask(token.access_token)}, expires {token.expires_at:%H:%M:%S} UTC")
    out.line(f"acting as {me.name or me.login} (id {me.id})")

    out.step(5, "List companies and the projects the app is permitted to see")
    company = client.company(company_id)
    for listed in client.companies.list():
        out.line(f"company {listed.id}: {listed.name}")
    projects = company.projects.list(limit=project_limit).to_list()
    for project in projects:
        out.line(f"project {project.id}: {project.name}")

    if not projects:
        out.step(6, "Page through the RFIs of a project")
        out.line("the app sees no project in this company: skipped")
        return projects
    out.step(6, f"Page through the RFIs of project {projects[0].id}")
    try:
        count, pages = _page_through(
            out, company.project(projects[0].id).rfis.list(per_page=100), "RFIs"
        )
    except PermissionDeniedError as exc:
        out.line(f"skipped: the app may not read RFIs here ({exc})")
    else:
        out.line(f"read {count} RFIs in {pages} pages")
    return projects


def normalised(block: Mapping[str, Mapping[str, Any]]) -> dict[str, dict[str, str]]:
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


def rate_limit_line(session: Session) -> str:
    state = session.rate_limit
    if state.limit is None or state.remaining is None:
        return "no X-Rate-Limit headers seen"
    reset = f", window resets at {state.reset_at:%H:%M:%S} UTC" if state.reset_at else ""
    used = 100 * (state.limit - state.remaining) / state.limit if state.limit else 0.0
    return f"{state.remaining} of {state.limit} requests left ({used:.0f}% used){reset}"


def count_requests(session: Session) -> list[int]:
    counter = [0]

    def hook(response: requests.Response, *args: Any, **kwargs: Any) -> requests.Response:
        counter[0] += 1
        return response

    session.requests_session.hooks["response"].append(hook)
    return counter


def export(out: DemoPrinter, client: ProcoreClient, company_id: int) -> None:
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


def sync_vendors(out: DemoPrinter, company: CompanyScope) -> int:
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


def webhook(out: DemoPrinter, company: CompanyScope, vendor_id: int) -> Optional[WebhookEvent]:
    """Step 9: register a hook with a shared secret, change a vendor, receive the event."""
    secret = secrets.token_urlsafe(24)
    with WebhookSink(secret) as sink:
        hook = company.webhooks.hooks.create(
            "procore-dc-demo",
            sink.url,
            {"Authorization": f"Bearer {secret}"},
        )
        trigger = company.webhooks.triggers(hook.id).create("Company Vendors", "update")
        out.line(f"hook {hook.id} -> {sink.url} (shared secret {mask(secret)})")
        out.line(f"trigger {trigger.id}: {trigger.resource_name} {trigger.event_type}")
        company.vendors.update(vendor_id, name="Northwind Concrete & Steel")
        out.line(f"updated vendor {vendor_id}; waiting for the delivery...")
        try:
            delivery = sink.next(WEBHOOK_TIMEOUT)
        except TimeoutError:
            out.line(f"no event arrived within {WEBHOOK_TIMEOUT:g} s")
            return None
    # What an app's receiver does with a delivery: check the secret again and parse it.
    event = parse_event(delivery.body, delivery.headers, secret=secret)
    out.line(
        f"received {event.resource_name} {event.event_type} for id {event.resource_id} "
        f"(event {event.ulid or event.id}, secret verified, payload {event.api_version})"
    )
    return event
