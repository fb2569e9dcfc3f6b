"""The narrow world a request handler may touch: the records, the clock, events and uploads.

``FakeProcore`` composes one :class:`World` and hands it (through ``Ctx``) to every handler,
hand-written or generic; a handler never sees the sandbox itself, its listeners, faults,
rate limits, apps or request log.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, Optional

import attrs

from procore_dc.testing._times import iso

if TYPE_CHECKING:
    from procore_dc.testing._clock import SandboxClock
    from procore_dc.testing._data import SandboxData
    from procore_dc.testing._engine._store import Records
    from procore_dc.testing._uploads import UploadStore
    from procore_dc.testing._webhooks import WebhookDispatcher

__all__ = ["World"]

# Generic collections whose records the hand-written tools hold (SandboxData tables).
_CURATED = {
    "rfis": "rfis",
    "submittals": "submittals",
    "observations/items": "observations",
    "files": "files",
    "folders": "folders",
    "manpower_logs": "manpower_logs",
    "users": "users",
    "vendors": "vendors",
}
_PER_COMPANY = ("users", "vendors")


@attrs.define(eq=False)
class World:
    """What a handler may read and change, and nothing else.

    :ivar data: the seeded and changed records of the hand-written tools (companies,
        projects, users, vendors, RFIs ...)
    :ivar clock: the sandbox clock (``clock.now()`` -> epoch seconds)
    :ivar seed: the sandbox seed (generated values derive from it)
    :ivar events: the webhook dispatcher writes emit events to
    :ivar uploads: the uploads and the bytes that back file versions
    :ivar records: the generic engine's collections
    """

    data: SandboxData
    clock: SandboxClock
    seed: int
    events: WebhookDispatcher
    uploads: UploadStore
    records: Records

    def now(self) -> str:
        """The sandbox time, formatted as Procore formats timestamps."""
        return iso(self.clock.now())

    def in_company(self, partition: str, company_id: int) -> bool:
        """Whether a partition key (``c8``, ``p100001/...``) lies in company ``company_id``."""
        scope = partition.split("/", 1)[0]
        if scope.startswith("c"):
            return scope[1:] == str(company_id)
        if not scope[1:].isdigit():
            return False
        project = self.data.projects.get(int(scope[1:]))
        return project is not None and project["company"]["id"] == company_id

    def curated(self, collection: str, record_id: str, company_id: int) -> Optional[Any]:
        """A hand-written tool's record that a generic operation names (``/rfis/{id}/recycle``
        on a seeded RFI): ``(partition, copy)`` when it lies in company ``company_id``."""
        kind = _CURATED.get(collection)
        if kind is None or not record_id.isdigit():
            return None
        found = getattr(self.data, kind).find(int(record_id))
        if found is None:
            return None
        partition, record = found
        scope = f"c{partition.scope_id}" if kind in _PER_COMPANY else f"p{partition.scope_id}"
        if not self.in_company(scope, company_id):
            return None
        return partition, json.loads(json.dumps(record))
