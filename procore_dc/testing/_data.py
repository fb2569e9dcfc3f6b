"""The seeded records of a sandbox: its companies, their directories and projects, each
project's tool records, and who may do what.

The records live in the lazy store (:mod:`._store`); their makers are :mod:`._seed_directory`
and :mod:`._seed_tools`; file versions' links and bytes are :mod:`._files`.
"""

from __future__ import annotations

import datetime as dt
import random
import threading
from collections.abc import Mapping
from typing import Optional

from procore_dc.operation_permissions import company_tools, project_tools
from procore_dc.testing._files import PLACEHOLDER_FILES, PLACEHOLDER_STORAGE, file_version
from procore_dc.testing._seed import person_ref
from procore_dc.testing._seed_directory import make_company, project_maker, user_maker, vendor_maker
from procore_dc.testing._seed_tools import (
    ProjectSeed,
    file_maker,
    folder_maker,
    manpower_log_maker,
    observation_maker,
    rfi_maker,
    submittal_maker,
)
from procore_dc.testing._store import Partition, Record, Table
from procore_dc.testing._times import iso_date

__all__ = ["DEFAULT_SIZES", "SandboxData"]

#: Default sizes: companies, and per company (projects, users, vendors) or per project.
DEFAULT_SIZES: Mapping[str, int] = {
    "companies": 3,
    "projects": 4,
    "users": 12,
    "vendors": 8,
    "rfis": 250,
    "submittals": 30,
    "observations": 20,
    "folders": 4,
    "files": 9,
    "manpower_logs": 40,
}


def _all_tools(level: str) -> dict[str, dict[str, str]]:
    return {
        "company": {key: level for key in company_tools() if key != "admin" or level == "admin"},
        "project": {key: level for key in project_tools() if key != "admin" or level == "admin"},
    }


class SandboxData:
    """The seeded records of a sandbox, as the dicts Procore returns.

    ``companies``, ``projects``, ``users``, ``vendors``, ``rfis``, ``submittals``,
    ``observations``, ``folders``, ``files`` and ``manpower_logs`` are ``Table``
    sequences; ``table.of(scope_id)`` gives one company's or project's records.

    :param seed: the generator seed
    :param sizes: overrides of ``DEFAULT_SIZES``
    :param today: epoch seconds of the sandbox's first day (anchors manpower log dates)
    """

    def __init__(self, seed: int, sizes: Optional[Mapping[str, int]], today: float) -> None:
        unknown = set(sizes or ()) - set(DEFAULT_SIZES)
        if unknown:
            raise ValueError(
                f"unknown sandbox size keys {sorted(unknown)}; use {sorted(DEFAULT_SIZES)}"
            )
        self.seed = seed
        #: The storage host that file version URLs name (the sandbox sets it when it starts).
        self.storage_url = PLACEHOLDER_STORAGE
        #: The file host that file version links name (set when the sandbox starts).
        self.files_url = PLACEHOLDER_FILES
        self.sizes = {**DEFAULT_SIZES, **(sizes or {})}
        for key, value in self.sizes.items():
            if not isinstance(value, int) or value < 0:
                raise ValueError(f"sandbox size {key}={value!r} must be an int >= 0")
        self.lock = threading.RLock()
        self.today = iso_date(today)
        self._today_epoch = dt.datetime.strptime(self.today, "%Y-%m-%d").replace(
            tzinfo=dt.timezone.utc
        )
        self.companies = Table(seed, "companies", 7, 1_000)
        # Room for a full sync batch (1,000 items) of new projects and more in every company.
        self.projects = Table(seed, "projects", 100_000, 10_000)
        self.users = Table(seed, "users", 1_000_000, 10_000)
        self.vendors = Table(seed, "vendors", 2_000_000, 10_000)
        self.rfis = Table(seed, "rfis", 10_000_000, 1_000_000)
        self.submittals = Table(seed, "submittals", 20_000_000, 1_000_000)
        self.observations = Table(seed, "observations", 30_000_000, 1_000_000)
        self.folders = Table(seed, "folders", 40_000_000, 1_000_000)
        self.files = Table(seed, "files", 50_000_000, 1_000_000)
        self.manpower_logs = Table(seed, "manpower_logs", 60_000_000, 1_000_000)
        #: user id -> {"company": {...}, "project": {...}} tool levels (not part of any record)
        self.user_permissions: dict[int, dict[str, dict[str, str]]] = {}
        #: user id -> ids of the companies whose directory lists them
        self.user_companies: dict[int, set[int]] = {}
        self._project_count = 0
        company_part = self.companies.add_partition(
            Partition(self.companies, 0, 0, self.sizes["companies"], make_company)
        )
        for company in company_part:
            self._add_company_partitions(company)
        # The first user of the first company also works in every other company (user ids are
        # global across companies, procore-api.md 2.2), so /companies lists several for them.
        if len(company_part) and self.sizes["users"]:
            first = self.users.of(company_part[0]["id"])[0]["id"]
            self.user_companies[first] = {c["id"] for c in company_part}

    # -- structure --------------------------------------------------------------------------
    def _add_company_partitions(self, company: Record) -> None:
        cid = company["id"]
        number = cid - self.companies.base - 1
        users = self.users.add_partition(
            Partition(self.users, number, cid, self.sizes["users"], user_maker(company))
        )
        self.vendors.add_partition(
            Partition(self.vendors, number, cid, self.sizes["vendors"], vendor_maker(company))
        )
        for index in range(len(users)):
            uid = users.id_for(index)
            self.user_companies.setdefault(uid, set()).add(cid)
            self.user_permissions[uid] = self._seeded_user_permissions(index)
        projects = self.projects.add_partition(
            Partition(self.projects, number, cid, self.sizes["projects"], project_maker(company))
        )
        for project in projects:
            self.add_project_partitions(project)

    @staticmethod
    def _seeded_user_permissions(index: int) -> dict[str, dict[str, str]]:
        # A spread of roles so user-token tests can meet each level: admin, standard,
        # read-only, then field staff who can write RFIs only.
        if index == 0:
            return _all_tools("admin")
        if index == 1:
            return _all_tools("standard")
        if index == 2:
            return _all_tools("readonly")
        perms = _all_tools("readonly")
        perms["project"]["rfi"] = "standard"
        return perms

    def file_version(
        self, file_id: int, number: int, name: str, size: int, created: float, creator: Record
    ) -> Record:
        """A file version record whose ``url`` points at this sandbox's file host."""
        return file_version(
            file_id,
            number,
            name,
            size,
            created,
            creator,
            storage=self.files_url,
            seed=self.seed,
        )

    def add_project_partitions(self, project: Record) -> None:
        """Create the empty-or-seeded partitions of a (seeded or new) project."""
        pid = project["id"]
        number = self._project_count
        self._project_count += 1
        company = self.companies.get(project["company"]["id"])
        assert company is not None
        at = ProjectSeed(
            company=company,
            project=project,
            person=lambda rng: person_ref(self._company_user(company["id"], rng)),
            folders=lambda: self.folders.of(pid),
            file_version=self.file_version,
            today=self._today_epoch,
        )
        seeded = not project.get("_created")
        project.pop("_created", None)

        def size(kind: str) -> int:
            return self.sizes[kind] if seeded else 0

        for table, make, kind in (
            (self.rfis, rfi_maker, "rfis"),
            (self.submittals, submittal_maker, "submittals"),
            (self.observations, observation_maker, "observations"),
            (self.files, file_maker, "files"),
            (self.manpower_logs, manpower_log_maker, "manpower_logs"),
        ):
            table.add_partition(Partition(table, number, pid, size(kind), make(at)))
        # Folder index 0 is the project's root folder ("Documents"); it always exists.
        self.folders.add_partition(
            Partition(self.folders, number, pid, size("folders") + 1, folder_maker(at))
        )

    def _company_user(self, company_id: int, rng: random.Random) -> Record:
        """A seeded user of ``company_id`` picked with ``rng`` (for embedded person refs)."""
        users = self.users.of(company_id)
        if users.size == 0:
            return {"id": 0, "email_address": "nobody@example.com", "name": "Nobody"}
        return users[rng.randrange(users.size)]
