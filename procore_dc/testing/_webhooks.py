"""Webhooks (procore-api.md 3.11): hooks, their deliveries, and the delivery thread.

The management endpoints (hooks, triggers, deliveries) are in :mod:`.api.webhooks`.

Writes through the API emit events; every hook whose scope and triggers match gets the event
POSTed to its ``destination_url`` with its ``destination_headers``, in payload v2, v3 or v4.
Failed deliveries are retried with exponential backoff from 1 s up to 1 h on the sandbox
clock and discarded after 12 h of failures; every attempt keeps its outcome.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import re
import threading
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Optional
from urllib.parse import urlsplit

import attrs
import requests

from procore_dc.environments import is_loopback_host
from procore_dc.testing._ulid import ulid

if TYPE_CHECKING:
    from procore_dc.testing._clock import SandboxClock
    from procore_dc.testing._oauth import SandboxApp

__all__ = ["RESOURCE_NAMES", "Hook", "WebhookDispatcher", "major_version"]

#: The resource names the sandbox emits events for (Procore's names, _webhook_resources.py).
RESOURCE_NAMES = (
    "Projects",
    "Company Users",
    "Company Vendors",
    "RFIs",
    "Submittals",
    "Observation Items",
    "Project Folders",
    "Project Files",
    "Project File Versions",
    "Manpower Logs",
)
DELIVERY_TIMEOUT = 5.0  # Procore gives up 5 s after connecting (procore-api.md 3.11)
MAX_BACKOFF = 3600.0
DISCARD_AFTER = 12 * 3600.0


def _micro_iso(epoch: float) -> str:
    # Webhook timestamps carry microseconds (procore-api.md 2.6).
    return dt.datetime.fromtimestamp(epoch, dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def major_version(version: Any) -> Optional[str]:
    text = str(version or "v2").lower()
    match = re.fullmatch(r"v?([234])(\.0)?", text)
    return f"v{match.group(1)}" if match else None


@attrs.define(eq=False)
class Hook:
    id: int
    api_version: str
    namespace: str
    destination_url: str
    destination_headers: dict[str, str]
    owned_by_company_id: int
    owned_by_project_id: Optional[int]
    owned_by_user_id: Optional[int]
    triggers: dict[int, dict[str, Any]] = attrs.field(factory=dict)
    deliveries: list[dict[str, Any]] = attrs.field(factory=list)

    def view(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "api_version": self.api_version,
            "namespace": self.namespace,
            "destination_url": self.destination_url,
            "destination_headers": dict(self.destination_headers),
            "owned_by_company_id": self.owned_by_company_id,
            "owned_by_project_id": self.owned_by_project_id,
            "owned_by_user_id": self.owned_by_user_id,
        }


@attrs.define(eq=False)
class _Job:
    hook: Hook
    event: dict[str, Any]
    first_at: float
    next_at: float
    attempts: int = 0


class WebhookDispatcher:
    """Hooks of one sandbox and the background thread that delivers their events.

    :param clock: the sandbox clock: events' timestamps, retry backoff and when a delivery
        is due
    """

    def __init__(self, clock: SandboxClock) -> None:
        self._clock = clock
        self.hooks: dict[int, Hook] = {}
        self._ids = itertools.count(1)
        self._event_ids = itertools.count(100_000_001)
        self._delivery_ids = itertools.count(1)
        self._jobs: list[_Job] = []
        self._in_flight = 0
        self._cond = threading.Condition()
        self._thread: Optional[threading.Thread] = None
        self._stopping = False
        self._http = requests.Session()
        self._http.trust_env = False  # deliveries stay on loopback; never via a proxy
        clock.on_advance(self._wake)

    # -- thread ------------------------------------------------------------------------------
    def start(self) -> None:
        with self._cond:
            self._stopping = False
        self._thread = threading.Thread(target=self._run, name="fakeprocore-webhooks", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        if self._thread is not None:
            self._thread.join(timeout=DELIVERY_TIMEOUT + 1)
            self._thread = None

    def _wake(self) -> None:
        with self._cond:
            self._cond.notify_all()

    def _due(self, now: float) -> Optional[_Job]:
        due = [job for job in self._jobs if job.next_at <= now]
        return min(due, key=lambda job: job.next_at) if due else None

    def _run(self) -> None:
        while True:
            with self._cond:
                while True:
                    if self._stopping:
                        return
                    now = self._clock.now()
                    job = self._due(now)
                    if job is not None:
                        self._jobs.remove(job)
                        self._in_flight += 1
                        break
                    wait = 0.5
                    if self._jobs and not self._clock.frozen:
                        wait = min(wait, max(0.001, min(j.next_at for j in self._jobs) - now))
                    self._cond.wait(None if self._clock.frozen else wait)
            try:
                self._attempt(job)
            finally:
                with self._cond:
                    self._in_flight -= 1
                    self._cond.notify_all()

    def flush(self, timeout: float = 5.0) -> bool:
        """Wait until no delivery is due on the sandbox clock or in flight.

        :param timeout: real seconds to wait at most
        :returns: whether everything due was delivered (or rescheduled) in time

        .. code-block:: python

            sandbox.webhooks.flush()
        """
        with self._cond:
            return self._cond.wait_for(
                lambda: self._in_flight == 0 and self._due(self._clock.now()) is None,
                timeout,
            )

    def new_id(self) -> int:
        """A fresh hook or trigger id (one sequence for both, as the sandbox always had)."""
        with self._cond:
            return next(self._ids)

    def deliveries(
        self, hook_id: int, outcomes: Optional[tuple[str, ...]] = None
    ) -> list[dict[str, Any]]:
        """A snapshot of a hook's delivery records, oldest first, optionally only those whose
        ``outcome`` is one of ``outcomes`` (``[]`` for an unknown hook)."""
        with self._cond:
            hook = self.hooks.get(hook_id)
            found = hook.deliveries if hook is not None else []
            return [d for d in found if outcomes is None or d["outcome"] in outcomes]

    # -- events -----------------------------------------------------------------------------
    def emit(
        self,
        *,
        resource_name: str,
        event_type: str,
        resource_id: int,
        company_id: int,
        project_id: Optional[int],
        user_id: Optional[int],
        application: SandboxApp,
    ) -> None:
        """Queue the event for every hook in scope with a matching trigger."""
        now = self._clock.now()
        event = {
            "id": next(self._event_ids),
            "ulid": ulid(now),
            "timestamp": _micro_iso(now),
            "resource_name": resource_name,
            "resource_id": resource_id,
            "event_type": event_type,
            "company_id": company_id,
            "project_id": project_id,
            "user_id": user_id,
            "metadata": {
                "source_user_id": user_id,
                "source_project_id": project_id,
                "source_operation_id": None,
                "source_company_id": company_id,
                # Receivers use this for loop prevention (procore-api.md 3.11).
                "source_application_id": application.client_id,
            },
        }
        with self._cond:
            for hook in self.hooks.values():
                if hook.owned_by_company_id != company_id:
                    continue
                if hook.owned_by_project_id is not None and hook.owned_by_project_id != project_id:
                    continue
                if any(
                    t["resource_name"] == resource_name and t["event_type"] == event_type
                    for t in hook.triggers.values()
                ):
                    self._jobs.append(_Job(hook, event, now, now))
            self._cond.notify_all()

    @staticmethod
    def _payload(hook: Hook, event: Mapping[str, Any]) -> dict[str, Any]:
        """The JSON body for ``hook``'s payload version (procore-api.md 3.11)."""
        if hook.api_version == "v4":
            # v4: ids are strings, event_type -> reason, resource_name -> resource_type. The
            # v4 JSON schema makes every id a required string (DOC plan_your_app/
            # payload_formats.md): an id an event does not have (a company-level event's
            # project) is sent as "" (docs/procore-assumptions.rst).
            def text(value: Any) -> str:
                return "" if value is None else str(value)

            return {
                "id": event["ulid"],
                "timestamp": event["timestamp"],
                "reason": event["event_type"],
                "company_id": text(event["company_id"]),
                "project_id": text(event["project_id"]),
                "user_id": text(event["user_id"]),
                "resource_type": event["resource_name"],
                "resource_id": text(event["resource_id"]),
            }
        body = {
            "id": event["id"],
            "ulid": event["ulid"],
            "timestamp": event["timestamp"],
            "metadata": dict(event["metadata"]),
            "user_id": event["user_id"],
            "company_id": event["company_id"],
            "project_id": event["project_id"],
            "api_version": f"{hook.api_version}.0",
            "event_type": event["event_type"],
            "resource_name": event["resource_name"],
            "resource_id": event["resource_id"],
        }
        if hook.api_version == "v3":
            body["related_resources"] = []
        return body

    def _attempt(self, job: _Job) -> None:
        hook = job.hook
        started = self._clock.now()
        job.attempts += 1
        status: Optional[int] = None
        headers: dict[str, str] = {}
        text = ""
        error: Optional[str] = None
        host = urlsplit(hook.destination_url).hostname or ""
        try:
            if not is_loopback_host(host):  # checked at creation too; never leave loopback
                raise requests.ConnectionError(f"{host} is not a loopback host")
            response = self._http.post(
                hook.destination_url,
                data=json.dumps(self._payload(hook, job.event)),
                headers={"Content-Type": "application/json", **hook.destination_headers},
                timeout=DELIVERY_TIMEOUT,
                allow_redirects=False,
            )
            status, headers, text = response.status_code, dict(response.headers), response.text
        except requests.RequestException as exc:
            error = f"{type(exc).__name__}: {exc}"
        completed = self._clock.now()
        if status is not None and 200 <= status < 300:
            outcome = "ok"
        elif completed - job.first_at >= DISCARD_AFTER:
            outcome = "discarded"
        else:
            outcome = "retried"
            job.next_at = completed + min(MAX_BACKOFF, 2.0 ** (job.attempts - 1))
        record = {
            "id": next(self._delivery_ids),
            "event": {**job.event, "api_version": f"{hook.api_version}.0"},
            "event_id": job.event["id"],
            "outcome": outcome,
            "response_status": status,
            "response_headers": headers,
            "response_body": text[:10_000],
            "response_error": error,
            "started_at": _micro_iso(started),
            "completed_at": _micro_iso(completed),
        }
        with self._cond:
            hook.deliveries.append(record)
            if outcome == "retried":
                self._jobs.append(job)
