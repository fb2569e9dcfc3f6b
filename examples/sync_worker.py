"""A service-account (DMSA) sync worker: vendors both ways between Procore and your ERP, and
webhooks so that changes made in Procore reach the ERP at once.

Against your Procore Development Sandbox (the webhook URL must be public HTTPS there)::

    export PROCORE_CLIENT_ID=... PROCORE_CLIENT_SECRET=... PROCORE_ENVIRONMENT=sandbox
    export PROCORE_COMPANY_ID=8
    export WEBHOOK_SECRET=$(python -c "import secrets; print(secrets.token_urlsafe())")
    python examples/sync_worker.py --public-url https://acme.example/procore/webhooks --port 8080

Against the embedded sandbox, no account needed::

    python examples/sync_worker.py --sandbox

The ERP here is a JSON file; replace :class:`Erp` with your system's client.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import queue
import secrets
import tempfile
import threading
from collections.abc import Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Optional

from procore_dc import ProcoreClient, ServiceAccountAuth
from procore_dc.client import CompanyScope
from procore_dc.exceptions import (
    ConfigurationError,
    NotFoundError,
    WebhookError,
    WebhookVerificationError,
)
from procore_dc.models import SyncResult, Vendor
from procore_dc.webhooks import Deduplicator, WebhookEvent, parse_event

log = logging.getLogger("sync_worker")

NAMESPACE = "acme-erp-sync"  # one hook per app and company, found again by this name
# Procore sends no delete events for Company Vendors (GET /rest/v1.0/webhooks/resources lists
# each resource's events); a vendor removed in Procore is seen on the next full pull.
VENDOR_EVENTS = ("create", "update")


class Erp:
    """Stand-in for the external system: vendors keyed by the ERP's own id, in a JSON file.

    Each vendor remembers its ``procore_id`` once Procore has it; the ERP id travels to
    Procore as ``origin_id``, which is what makes the sync an upsert.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.lock = threading.Lock()
        self.vendors: dict[str, dict[str, Any]] = (
            json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
        )

    def save(self) -> None:
        temp = self.path.with_suffix(".tmp")
        temp.write_text(json.dumps(self.vendors, indent=2, sort_keys=True), encoding="utf-8")
        os.replace(temp, self.path)

    def by_procore_id(self, procore_id: int) -> Optional[str]:
        for erp_id, vendor in self.vendors.items():
            if vendor.get("procore_id") == procore_id:
                return erp_id
        return None

    def upsert_from_procore(self, vendor: Vendor) -> str:
        """Record a Procore vendor; a vendor Procore created gets an ERP id of its own."""
        with self.lock:
            erp_id = vendor.origin_id or self.by_procore_id(vendor.id) or f"procore-{vendor.id}"
            entry = self.vendors.setdefault(erp_id, {})
            entry.update({"name": vendor.name, "procore_id": vendor.id})
            self.save()
            return erp_id


class VendorSync:
    """Moves vendors between one Procore company and the ERP."""

    def __init__(self, company: CompanyScope, erp: Erp) -> None:
        self.company = company
        self.erp = erp

    def push(self) -> SyncResult[Vendor]:
        """ERP -> Procore in batches through the sync endpoint; refused items are logged."""
        items = [
            {"origin_id": erp_id, "name": vendor.get("name") or ""}
            for erp_id, vendor in sorted(self.erp.vendors.items())
        ]
        result = self.company.vendors.sync(items)
        with self.erp.lock:
            for saved in result.entities:
                if saved.origin_id in self.erp.vendors:
                    self.erp.vendors[saved.origin_id]["procore_id"] = saved.id
            self.erp.save()
        for error in result.errors:
            log.warning("Procore refused vendor %s: %s", error.origin_id, error.messages())
        return result

    def pull(self) -> int:
        """Procore -> ERP: every vendor of the company, page by page."""
        count = 0
        for vendor in self.company.vendors.list():
            self.erp.upsert_from_procore(vendor)
            count += 1
        return count

    def handle(self, event: WebhookEvent) -> None:
        """Apply one webhook event. Events carry ids only: fetch the vendor itself."""
        if event.resource_name != "Company Vendors" or event.resource_id is None:
            return
        if event.event_type == "delete":
            with self.erp.lock:
                erp_id = self.erp.by_procore_id(event.resource_id)
                if erp_id is not None:
                    self.erp.vendors[erp_id]["deleted_in_procore"] = True
                    self.erp.save()
            return
        try:
            vendor = self.company.vendors.get(event.resource_id)
        except NotFoundError:
            return  # deleted since: the delete event follows
        self.erp.upsert_from_procore(vendor)

    def register_webhook(self, url: str, secret: str) -> int:
        """Point the company's hook at ``url`` with the shared secret; return its id.

        Idempotent: an existing hook in :data:`NAMESPACE` is updated, not duplicated.
        """
        headers = {"Authorization": f"Bearer {secret}"}
        hooks = self.company.webhooks.hooks
        existing = hooks.list(namespace=NAMESPACE).to_list()
        if existing:
            hook = hooks.update(existing[0].id, destination_url=url, destination_headers=headers)
        else:
            hook = hooks.create(NAMESPACE, url, headers)
        triggers = self.company.webhooks.triggers(hook.id)
        have = {(t.resource_name, t.event_type) for t in triggers.list()}
        for event_type in VENDOR_EVENTS:
            if ("Company Vendors", event_type) not in have:
                triggers.create("Company Vendors", event_type)
        return hook.id


class WebhookServer:
    """Receives deliveries, answers at once, and applies events on a worker thread.

    Procore waits 5 s at most for an answer, so the handler only verifies, dedupes and queues.
    """

    def __init__(self, sync: VendorSync, secret: str, port: int = 0) -> None:
        self.sync = sync
        self.secret = secret
        self.applied: queue.Queue[WebhookEvent] = queue.Queue()
        self._events: queue.Queue[Optional[WebhookEvent]] = queue.Queue()
        self._seen = Deduplicator()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                try:
                    event = parse_event(body, self.headers, secret=server.secret)
                except WebhookVerificationError:
                    self.send_response(401)
                except WebhookError:
                    self.send_response(400)
                else:
                    if server._seen.is_new(event):
                        server._events.put(event)
                    self.send_response(204)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: object) -> None:
                log.debug(format, *args)

        self.http = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self._threads = [
            threading.Thread(target=self.http.serve_forever, daemon=True),
            threading.Thread(target=self._work, daemon=True),
        ]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.http.server_address[1]}/procore/webhooks"

    def _work(self) -> None:
        while True:
            event = self._events.get()
            if event is None:
                return
            try:
                self.sync.handle(event)
            except Exception:
                log.exception(
                    "could not apply %r; it is redelivered only if Procore retries", event
                )
                self._seen.forget(event)
            else:
                self.applied.put(event)

    def __enter__(self) -> WebhookServer:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.http.shutdown()
        self.http.server_close()
        self._events.put(None)
        for thread in self._threads:
            thread.join(timeout=5)


def run_against_sandbox(erp_path: Path) -> int:
    """The whole loop against FakeProcore: push, pull, then a change made in Procore."""
    from procore_dc.testing import FakeProcore

    with FakeProcore(seed=0) as sandbox:
        app = sandbox.default_app
        company_id = int(sandbox.data.companies[0]["id"])
        auth = ServiceAccountAuth(app.client_id, app.client_secret, environment=sandbox.environment)
        erp = Erp(erp_path)
        erp.vendors.setdefault("ERP-1", {"name": "Northwind Concrete"})
        erp.vendors.setdefault("ERP-2", {"name": ""})  # Procore refuses it: no name
        with ProcoreClient(auth) as client:
            sync = VendorSync(client.company(company_id), erp)
            result = sync.push()
            print(f"push: {len(result.entities)} saved, {len(result.errors)} refused")
            print(f"pull: {sync.pull()} vendors now in the ERP")
            secret = secrets.token_urlsafe(24)
            with WebhookServer(sync, secret) as server:
                sync.register_webhook(server.url, secret)
                procore_id = erp.vendors["ERP-1"]["procore_id"]
                # Someone renames the vendor in Procore...
                sync.company.vendors.update(procore_id, name="Northwind Concrete & Steel")
                event = server.applied.get(timeout=10)
            print(f"webhook: {event.resource_name} {event.event_type} {event.resource_id}")
            print(f"ERP-1 is now {erp.vendors['ERP-1']['name']!r}")
    return 0


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description="Sync vendors between Procore and an ERP.")
    parser.add_argument("--sandbox", action="store_true", help="run against FakeProcore")
    parser.add_argument("--erp", type=Path, help="the ERP's JSON file")
    parser.add_argument("--public-url", help="the HTTPS URL Procore reaches this worker at")
    parser.add_argument("--port", type=int, default=8080, help="the local port to listen on")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s")
    if args.sandbox:
        with tempfile.TemporaryDirectory() as folder:
            return run_against_sandbox(args.erp or Path(folder) / "erp.json")
    try:
        client = ProcoreClient.from_env()  # PROCORE_CLIENT_ID, _SECRET, _ENVIRONMENT, _COMPANY_ID
    except ConfigurationError as exc:
        parser.error(f"{exc}; or pass --sandbox to run against FakeProcore")
    company_id = client.session.company_id
    if company_id is None or not args.public_url:
        parser.error("set PROCORE_COMPANY_ID and pass --public-url")
    sync = VendorSync(client.company(company_id), Erp(args.erp or Path("erp.json")))
    sync.push()
    sync.pull()
    secret = os.environ["WEBHOOK_SECRET"]
    with WebhookServer(sync, secret, port=args.port):
        sync.register_webhook(args.public_url, secret)
        threading.Event().wait()  # until Ctrl-C; run push/pull on a schedule as well
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
