"""The narrow world a generic handler may touch: the seeded directory, the clock, its records."""

from __future__ import annotations

from typing import Any, Callable

import attrs

from procore_dc.testing._engine._store import Records

__all__ = ["World"]


def _iso(epoch: float) -> str:
    import datetime as dt

    return dt.datetime.fromtimestamp(epoch, dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


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

    def now(self) -> str:
        """The sandbox time, formatted as Procore formats timestamps."""
        return _iso(self.clock())
