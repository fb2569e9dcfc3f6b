"""The narrow world a generic handler may touch: the seeded directory, the clock, its records."""

from __future__ import annotations

import json
from typing import Any, Callable, Optional

import attrs

from procore_dc.testing._engine._store import Records

__all__ = ["World"]


def _iso(epoch: float) -> str:
    import datetime as dt

    return dt.datetime.fromtimestamp(epoch, dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


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


@attrs.define
class World:
    """What a handler may read and change, and nothing else.

    :ivar data: the curated records (companies, projects, users, vendors): ids to point at
    :ivar clock: ``clock()`` -> epoch seconds of the sandbox clock
    :ivar records: the generic collections
    :ivar seed: the sandbox seed (generated values derive from it)
    """

    data: Any
    clock: Callable[[], float]
    records: Records
    seed: int

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

    def now(self) -> str:
        """The sandbox time, formatted as Procore formats timestamps."""
        return _iso(self.clock())
