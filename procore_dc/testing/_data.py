"""The sandbox's records: a deterministic, seeded and lazy generator plus the changes made to it.

Every record is a function of ``(seed, kind, partition, index)``: nothing is generated until a
request asks for it, so a project with 100,000 RFIs costs nothing at start-up. Records that the
API creates, updates or deletes live in small override tables on top of the generator.

Ids are arithmetic so a record can be found from its id alone: ``base + partition * stride +
index + 1``. A partition is one company (projects, users, vendors) or one project (RFIs,
submittals, observations, folders, files, manpower logs). Field sets follow procore-api.md
section 3, field for field.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, Optional, Union, overload

from procore_dc.operation_permissions import company_tools, project_tools
from procore_dc.testing._files import PLACEHOLDER_FILES, PLACEHOLDER_STORAGE, file_version
from procore_dc.testing._times import iso, iso_date

__all__ = [
    "DEFAULT_SIZES",
    "Partition",
    "SandboxData",
    "Table",
    "iso",
    "iso_date",
]

Record = dict[str, Any]


def _clone(record: Record) -> Record:
    """A deep copy of a JSON record; a JSON round trip is several times faster than deepcopy,
    which matters when a sync creates a thousand records in one request."""
    copied: Record = json.loads(json.dumps(record))
    return copied


_PER_COMPANY = frozenset({"companies", "projects", "users", "vendors"})

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

# Seeded timestamps are anchored to a fixed day so that the same seed always gives the same
# records (cassettes recorded twice do not differ). Manpower logs are the exception: Procore
# returns only today's logs without date parameters (procore-api.md 2.6), so they are spread
# over the 30 days up to the sandbox's first day.
_EPOCH = dt.datetime(2025, 1, 6, 8, 0, 0, tzinfo=dt.timezone.utc)

_FIRST = ["Ava", "Ben", "Chloe", "Dan", "Ella", "Finn", "Grace", "Hugo", "Isla", "Jack", "Kai"]
_LAST = ["Adams", "Baker", "Clark", "Diaz", "Evans", "Fox", "Garcia", "Hill", "Ito", "Jones"]
_CITIES = [
    ("Austin", "TX", "78701"),
    ("Denver", "CO", "80202"),
    ("Seattle", "WA", "98101"),
    ("Boston", "MA", "02108"),
    ("Phoenix", "AZ", "85004"),
]
_TRADES = ["Concrete", "Electrical", "Plumbing", "Drywall", "Steel", "HVAC", "Roofing"]
_WORDS = ["north", "wing", "level", "curtain", "wall", "slab", "duct", "stair", "core", "roof"]
_STAGES = ["Course of Construction", "Pre-Construction", "Bidding", "Warranty", "Closeout"]
RFI_STATUSES = ("draft", "open", "closed")
OBSERVATION_STATUSES = ("initiated", "ready_for_review", "not_accepted", "closed")
OBSERVATION_PRIORITIES = ("Low", "Medium", "High", "Urgent")
SUBMITTAL_STATUSES = ("Draft", "Open", "Closed", "Approved")
MANPOWER_STATUSES = ("pending", "approved")


def _stamp(rng: random.Random, days: int = 300) -> float:
    return _EPOCH.timestamp() + rng.randrange(days * 86400)


def _person(user: Mapping[str, Any]) -> Record:
    # Person refs embedded in other resources are {id, login, name} (procore-api.md 3.4).
    return {"id": user["id"], "login": user["email_address"], "name": user["name"]}


class Partition(Sequence[Record]):
    """The records of one kind in one company or project, generated on demand.

    Index ``i`` is the ``i``-th record ever (seeded first, then created ones); deleted records
    keep their index but are skipped.
    """

    def __init__(
        self,
        table: Table,
        number: int,
        scope_id: int,
        size: int,
        make: Callable[[random.Random, int, int], Record],
    ) -> None:
        self.table = table
        self.number = number
        self.scope_id = scope_id
        self.size = size
        self._make = make
        self._created = 0
        self._overrides: dict[int, Record] = {}
        self._deleted: set[int] = set()

    # -- ids ------------------------------------------------------------------------------
    def id_for(self, index: int) -> int:
        """The record id at ``index``."""
        return self.table.base + self.number * self.table.stride + index + 1

    def _record_at(self, index: int) -> Record:
        override = self._overrides.get(index)
        if override is not None:
            return _clone(override)
        seed = f"{self.table.seed}/{self.table.kind}/{self.number}/{index}"
        rng = random.Random(seed)  # noqa: S311 - seeded test data, not security
        return self._make(rng, index, self.id_for(index))

    def _count(self) -> int:
        return self.size + self._created

    def live_indexes(self) -> Iterator[int]:
        """The indexes of the records that are not deleted, in id order."""
        if not self._deleted:
            yield from range(self._count())
            return
        for index in range(self._count()):
            if index not in self._deleted:
                yield index

    def __len__(self) -> int:
        return self._count() - len(self._deleted)

    @overload
    def __getitem__(self, position: int) -> Record: ...

    @overload
    def __getitem__(self, position: slice) -> list[Record]: ...

    def __getitem__(self, position: Union[int, slice]) -> Union[Record, list[Record]]:
        if isinstance(position, slice):
            start, stop, step = position.indices(len(self))
            return [self[i] for i in range(start, stop, step)]
        if position < 0:
            position += len(self)
        if not 0 <= position < len(self):
            raise IndexError(position)
        return self._record_at(self._index_of_position(position))

    def _index_of_position(self, position: int) -> int:
        if not self._deleted:
            return position
        # Deletions are few; skip over them arithmetically instead of generating records.
        index = position
        for gone in sorted(self._deleted):
            if gone <= index:
                index += 1
        return index

    def slice(self, offset: int, limit: int) -> list[Record]:
        """Up to ``limit`` records from ``offset``; generates only those."""
        end = min(len(self), offset + limit)
        return [self._record_at(self._index_of_position(p)) for p in range(offset, end)]

    def __iter__(self) -> Iterator[Record]:
        for index in self.live_indexes():
            yield self._record_at(index)

    def index_of(self, record_id: int) -> Optional[int]:
        """The index for ``record_id`` when it is in this partition and not deleted."""
        index = record_id - self.table.base - self.number * self.table.stride - 1
        if 0 <= index < self._count() and index not in self._deleted:
            return index
        return None

    def get(self, record_id: int) -> Optional[Record]:
        """The record with ``record_id``, or ``None``."""
        index = self.index_of(record_id)
        return None if index is None else self._record_at(index)

    # -- changes --------------------------------------------------------------------------
    def create(self, build: Callable[[int], Record]) -> Record:
        """Add a record; ``build(new_id)`` returns its fields."""
        index = self._count()
        if index >= self.table.stride:
            scope = "company" if self.table.kind in _PER_COMPANY else "project"
            raise OverflowError(
                f"FakeProcore holds at most {self.table.stride} {self.table.kind} per {scope}"
            )
        record = build(self.id_for(index))
        self._created += 1
        self._overrides[index] = _clone(record)
        return record

    def replace(self, record: Record) -> None:
        """Store ``record`` (found by its ``id``) as the new version."""
        index = self.index_of(int(record["id"]))
        if index is None:
            raise KeyError(record["id"])
        self._overrides[index] = _clone(record)

    def delete(self, record_id: int) -> bool:
        """Delete a record; ``False`` when there was none."""
        index = self.index_of(record_id)
        if index is None:
            return False
        self._deleted.add(index)
        self._overrides.pop(index, None)
        return True


class Table(Sequence[Record]):
    """All partitions of one kind; a read-only sequence over every live record."""

    def __init__(self, seed: int, kind: str, base: int, stride: int) -> None:
        self.seed = seed
        self.kind = kind
        self.base = base
        self.stride = stride
        self.partitions: dict[int, Partition] = {}  # by scope id (company or project id)
        self._by_number: dict[int, Partition] = {}

    def add_partition(self, partition: Partition) -> Partition:
        self.partitions[partition.scope_id] = partition
        self._by_number[partition.number] = partition
        return partition

    def of(self, scope_id: int) -> Partition:
        """The partition of the company or project ``scope_id``."""
        return self.partitions[scope_id]

    def find(self, record_id: int) -> Optional[tuple[Partition, Record]]:
        """The partition and record for ``record_id``, or ``None``."""
        number = (record_id - self.base - 1) // self.stride
        partition = self._by_number.get(number)
        if partition is None:
            return None
        record = partition.get(record_id)
        return None if record is None else (partition, record)

    def get(self, record_id: int) -> Optional[Record]:
        """The record with ``record_id`` wherever it lives, or ``None``."""
        found = self.find(record_id)
        return None if found is None else found[1]

    def __len__(self) -> int:
        return sum(len(p) for p in self.partitions.values())

    @overload
    def __getitem__(self, position: int) -> Record: ...

    @overload
    def __getitem__(self, position: slice) -> list[Record]: ...

    def __getitem__(self, position: Union[int, slice]) -> Union[Record, list[Record]]:
        if isinstance(position, slice):
            return list(self)[position]
        if position < 0:
            position += len(self)
        for partition in self.partitions.values():
            if position < len(partition):
                return partition[position]
            position -= len(partition)
        raise IndexError(position)

    def __iter__(self) -> Iterator[Record]:
        for partition in list(self.partitions.values()):
            yield from partition


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
            Partition(self.companies, 0, 0, self.sizes["companies"], self._make_company)
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
            Partition(self.users, number, cid, self.sizes["users"], self._make_user(company))
        )
        self.vendors.add_partition(
            Partition(self.vendors, number, cid, self.sizes["vendors"], self._make_vendor(company))
        )
        for index in range(len(users)):
            uid = users.id_for(index)
            self.user_companies.setdefault(uid, set()).add(cid)
            self.user_permissions[uid] = self._seeded_user_permissions(index)
        projects = self.projects.add_partition(
            Partition(
                self.projects, number, cid, self.sizes["projects"], self._make_project(company)
            )
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
        ctx = (company, project)
        seeded = not project.get("_created")
        project.pop("_created", None)

        def size(kind: str) -> int:
            return self.sizes[kind] if seeded else 0

        for table, make, kind in (
            (self.rfis, self._make_rfi, "rfis"),
            (self.submittals, self._make_submittal, "submittals"),
            (self.observations, self._make_observation, "observations"),
            (self.files, self._make_file, "files"),
            (self.manpower_logs, self._make_manpower_log, "manpower_logs"),
        ):
            table.add_partition(Partition(table, number, pid, size(kind), make(*ctx)))
        # Folder index 0 is the project's root folder ("Documents"); it always exists.
        self.folders.add_partition(
            Partition(self.folders, number, pid, size("folders") + 1, self._make_folder(*ctx))
        )

    def _company_user(self, company_id: int, rng: random.Random) -> Record:
        """A seeded user of ``company_id`` picked with ``rng`` (for embedded person refs)."""
        users = self.users.of(company_id)
        if users.size == 0:
            return {"id": 0, "email_address": "nobody@example.com", "name": "Nobody"}
        return users[rng.randrange(users.size)]

    # -- generators -------------------------------------------------------------------------
    def _make_company(self, rng: random.Random, index: int, rid: int) -> Record:
        word = _TRADES[index % len(_TRADES)]
        return {
            "id": rid,
            "name": f"{word} Builders {index + 1}",
            "is_active": True,
            "logo_url": None,
            "pcn_business_experience": rng.random() < 0.5,
            "my_company": index == 0,
        }

    def _make_project(self, company: Record) -> Callable[[random.Random, int, int], Record]:
        def make(rng: random.Random, index: int, rid: int) -> Record:
            city, state, zip_code = _CITIES[rng.randrange(len(_CITIES))]
            created = _stamp(rng)
            name = f"{city} {rng.choice(['Tower', 'Clinic', 'School', 'Depot'])} {index + 1}"
            stage = rng.choice(_STAGES)
            return {
                "id": rid,
                "name": name,
                "display_name": f"{1000 + index}: {name}",
                "project_number": str(1000 + index),
                "address": f"{rng.randrange(1, 999)} Main St",
                "city": city,
                "state_code": state,
                "country_code": "US",
                "zip": zip_code,
                "county": None,
                "time_zone": "US/Central",
                "latitude": round(rng.uniform(25, 48), 6),
                "longitude": round(rng.uniform(-122, -71), 6),
                "stage": stage,
                "project_stage": {"id": _STAGES.index(stage) + 1, "name": stage},
                "project_template": None,
                "phone": f"555-01{rng.randrange(10, 99)}",
                "created_at": iso(created),
                "updated_at": iso(created + 86400),
                "active": index % 5 != 4,
                "is_demo": False,
                "parent_job_id": None,
                "origin_id": None,
                "origin_data": None,
                "origin_code": None,
                "owners_project_id": None,
                "total_value": float(rng.randrange(1, 500) * 100_000),
                "estimated_value": None,
                "store_number": None,
                "accounting_project_number": None,
                "designated_market_area": None,
                "project_region_id": None,
                "project_bid_type_id": None,
                "project_owner_type_id": None,
                "photo_id": None,
                "start_date": iso_date(created + 30 * 86400),
                "completion_date": iso_date(created + 400 * 86400),
                "fax": None,
                "company": {"id": company["id"], "name": company["name"]},
                "custom_fields": {},
            }

        return make

    def _make_user(self, company: Record) -> Callable[[random.Random, int, int], Record]:
        domain = company["name"].lower().replace(" ", "") + ".example.com"

        def make(rng: random.Random, index: int, rid: int) -> Record:
            first = _FIRST[(index + rng.randrange(3)) % len(_FIRST)]
            last = _LAST[rng.randrange(len(_LAST))]
            city, state, zip_code = _CITIES[rng.randrange(len(_CITIES))]
            created = _stamp(rng)
            return {
                "id": rid,
                "first_name": first,
                "last_name": last,
                "name": f"{first} {last}",
                "initials": f"{first[0]}{last[0]}",
                "email_address": f"{first.lower()}.{last.lower()}.{index}@{domain}",
                "job_title": rng.choice(["Project Manager", "Superintendent", "Engineer"]),
                "address": None,
                "city": city,
                "state_code": state,
                "zip": zip_code,
                "country_code": "US",
                "business_phone": f"555-02{index % 100:02d}",
                "business_phone_extension": None,
                "mobile_phone": None,
                "fax_number": None,
                "avatar": None,
                "business_id": None,
                "contact_id": rid + 5_000_000,
                "employee_id": f"E{index + 1:04d}",
                "email_signature": None,
                "is_active": True,
                "is_employee": True,
                "erp_integrated_accountant": False,
                "last_login_at": iso(created + 86400 * 30),
                "welcome_email_sent_at": iso(created),
                "notes": None,
                "origin_id": None,
                "origin_data": None,
                "work_classification_id": None,
                "permission_template": None,
                "company_permission_template": None,
                "vendor": {"id": company["id"], "name": company["name"]},
                "created_at": iso(created),
                "updated_at": iso(created + 3600),
            }

        return make

    def _make_vendor(self, company: Record) -> Callable[[random.Random, int, int], Record]:
        def make(rng: random.Random, index: int, rid: int) -> Record:
            trade = _TRADES[rng.randrange(len(_TRADES))]
            city, state, zip_code = _CITIES[rng.randrange(len(_CITIES))]
            name = f"{_LAST[index % len(_LAST)]} {trade} Co"
            created = _stamp(rng)
            return {
                "id": rid,
                "name": name,
                "abbreviated_name": name[:8],
                "legal_name": f"{name} LLC",
                "trade_name": trade,
                "address": f"{rng.randrange(1, 999)} Industrial Way",
                "city": city,
                "state_code": state,
                "zip": zip_code,
                "country_code": "US",
                "business_phone": f"555-03{index % 100:02d}",
                "mobile_phone": None,
                "fax_number": None,
                "email_address": f"office{index}@{trade.lower()}.example.com",
                "website": None,
                "business_id": None,
                "license_number": f"L-{rng.randrange(10000, 99999)}",
                "labor_union": None,
                "is_active": True,
                "is_connected": False,
                "authorized_bidder": rng.random() < 0.5,
                "prequalified": rng.random() < 0.5,
                "union_member": False,
                "non_union_prevailing_wage": False,
                "synced_to_erp": False,
                "company_vendor": True,
                "contact_count": rng.randrange(1, 6),
                "children_count": 0,
                "company": company["name"],
                "logo": None,
                "notes": None,
                "origin_id": None,
                "origin_code": None,
                "origin_data": None,
                "primary_contact": None,
                "vendor_group": None,
                "parent": None,
                "bidding": {},
                "bidding_distribution": [],
                "business_register": None,
                "attachments": [],
                "project_ids": [],
                "standard_cost_codes": [],
                "trades": [{"id": _TRADES.index(trade) + 1, "name": trade}],
                "created_at": iso(created),
                "updated_at": iso(created + 7200),
            }

        return make

    def _make_rfi(
        self, company: Record, project: Record
    ) -> Callable[[random.Random, int, int], Record]:
        def make(rng: random.Random, index: int, rid: int) -> Record:
            created = _stamp(rng)
            status = RFI_STATUSES[rng.randrange(3)]
            assignee = _person(self._company_user(company["id"], rng))
            creator = _person(self._company_user(company["id"], rng))
            subject = " ".join(rng.choice(_WORDS) for _ in range(3)).capitalize()
            return {
                "id": rid,
                "number": str(index + 1),
                "full_number": f"RFI-{index + 1}",
                "prefix": "RFI",
                "subject": f"{subject} clarification",
                "status": status,
                "translated_status": status.capitalize(),
                "private": False,
                "reference": None,
                "due_date": iso_date(created + 14 * 86400),
                "initiated_at": iso(created),
                "time_resolved": iso(created + 5 * 86400) if status == "closed" else None,
                "created_at": iso(created),
                "updated_at": iso(created + rng.randrange(1, 20) * 3600),
                "deleted": False,
                "deleted_at": None,
                "link": f"https://sandbox.procore.com/{project['id']}/project/rfi/show/{rid}",
                "location_id": None,
                "location": None,
                "questions": [
                    {"id": rid * 10 + 1, "body": f"Please confirm {subject}.", "errors": []}
                ],
                "assignee": assignee,
                "assignees": [assignee],
                "created_by": creator,
                "ball_in_court": assignee,
                "ball_in_courts": [assignee],
                "received_from": creator,
                "rfi_manager": creator,
                "responsible_contractor": None,
                "cost_code": None,
                "cost_impact": {"status": "n_a", "value": None},
                "schedule_impact": {"status": "n_a", "value": None},
                "project_stage": project.get("project_stage"),
                "sub_job": None,
                "custom_fields": {},
                "accepted": status == "closed",
                "draft": status == "draft",
                "ball_in_court_role": "Assignee",
                "distribution_list": [],
                "drawing_ids": [],
                "drawing_number": None,
                "specification_section": None,
                "custom_textfield_1": None,
                "custom_textfield_2": None,
            }

        return make

    def _make_submittal(
        self, company: Record, project: Record
    ) -> Callable[[random.Random, int, int], Record]:
        def make(rng: random.Random, index: int, rid: int) -> Record:
            created = _stamp(rng)
            status = SUBMITTAL_STATUSES[rng.randrange(len(SUBMITTAL_STATUSES))]
            creator = _person(self._company_user(company["id"], rng))
            return {
                "id": rid,
                "number": str(index + 1),
                "formatted_number": f"{index + 1:03d}",
                "revision": "0",
                "title": f"{rng.choice(_TRADES)} shop drawings {index + 1}",
                "description": None,
                "status": {
                    "id": SUBMITTAL_STATUSES.index(status) + 1,
                    "name": status,
                    "status": status,
                },
                "type": {"id": 1, "name": "Shop Drawing"},
                "private": False,
                "current_revision": True,
                "due_date": iso_date(created + 21 * 86400),
                "issue_date": iso_date(created),
                "received_date": None,
                "submit_by": iso_date(created + 7 * 86400),
                "distributed_at": None,
                "created_at": iso(created),
                "updated_at": iso(created + 3600),
                "created_by": creator,
                "received_from": creator,
                "submittal_manager": creator,
                "approvers": [],
                "ball_in_court": [],
                "distribution_members": [],
                "responsible_contractor": None,
                "specification_section": None,
                "submittal_package": None,
                "last_distributed_submittal": None,
                "associated_attachments": [],
                "drawing_ids": [],
                "linked_drawing_ids": [],
                "location_id": None,
                "cost_code_id": None,
                "sub_job_id": None,
                "custom_fields": {},
            }

        return make

    def _make_observation(
        self, company: Record, project: Record
    ) -> Callable[[random.Random, int, int], Record]:
        def make(rng: random.Random, index: int, rid: int) -> Record:
            created = _stamp(rng)
            status = OBSERVATION_STATUSES[rng.randrange(len(OBSERVATION_STATUSES))]
            name = f"{rng.choice(_WORDS).capitalize()} {rng.choice(['guardrail', 'debris'])}"
            return {
                "id": rid,
                "number": str(index + 1),
                "name": name,
                "description": f"{name} observed on site.",
                "description_rich_text": f"<p>{name} observed on site.</p>",
                "status": status,
                "priority": rng.choice(OBSERVATION_PRIORITIES),
                "personal": False,
                "date_notified": iso_date(created),
                "due_date": iso_date(created + 7 * 86400),
                "closed_at": iso(created + 86400) if status == "closed" else None,
                "created_at": iso(created),
                "updated_at": iso(created + 1800),
                "deleted_at": None,
                "origin": None,
                "assignee": _person(self._company_user(company["id"], rng)),
                "created_by": _person(self._company_user(company["id"], rng)),
                "location": None,
                "specification_section": None,
                "trade": {"id": 1, "name": rng.choice(_TRADES)},
                "type": {"id": 1, "name": "Safety", "category": "safety"},
                "custom_fields": {},
            }

        return make

    def _make_folder(
        self, company: Record, project: Record
    ) -> Callable[[random.Random, int, int], Record]:
        def make(rng: random.Random, index: int, rid: int) -> Record:
            root_id = rid - index
            name = "" if index == 0 else f"{rng.choice(_TRADES)} {index}"
            return {
                "id": rid,
                "name": name,
                "parent_id": None if index == 0 else root_id,
                "private": False,
                "updated_at": iso(_stamp(rng)),
                "is_tracked": False,
                "tracked_folder": None,
                "name_with_path": name,
                "folders": [],
                "files": [],
                "read_only": False,
                "is_deleted": False,
                "is_recycle_bin": False,
                "has_children": False,
                "has_children_files": False,
                "has_children_folders": False,
                "custom_fields": {},
            }

        return make

    def _make_file(
        self, company: Record, project: Record
    ) -> Callable[[random.Random, int, int], Record]:
        def make(rng: random.Random, index: int, rid: int) -> Record:
            folders = self.folders.of(project["id"])
            subfolders = folders.size - 1
            parent = folders.id_for(1 + index % subfolders) if subfolders else folders.id_for(0)
            created = _stamp(rng)
            name = f"{rng.choice(_WORDS)}-{index + 1}.pdf"
            creator = _person(self._company_user(company["id"], rng))
            versions = [
                self.file_version(rid, n, name, rng.randrange(10_000, 900_000), created, creator)
                for n in range(1, 1 + rng.randrange(1, 3))
            ]
            return {
                "id": rid,
                "name": name,
                "parent_id": parent,
                "size": versions[-1]["size"],
                "description": None,
                "created_at": iso(created),
                "updated_at": iso(created + 60),
                "checked_out_until": None,
                "checked_out_by": None,
                "name_with_path": name,
                "private": False,
                "is_tracked": False,
                "file_type": "pdf",
                "file_versions": versions,
                "legacy_id": None,
                "is_deleted": False,
                "custom_fields": {},
            }

        return make

    def _make_manpower_log(
        self, company: Record, project: Record
    ) -> Callable[[random.Random, int, int], Record]:
        def make(rng: random.Random, index: int, rid: int) -> Record:
            day = self._today_epoch - dt.timedelta(days=index % 30)
            workers = rng.randrange(1, 12)
            hours = rng.choice([4, 8, 10])
            return {
                "id": rid,
                "date": day.strftime("%Y-%m-%d"),
                "datetime": day.replace(hour=12).strftime("%Y-%m-%dT%H:%M:%SZ"),
                "num_workers": workers,
                # Decimal-looking fields are strings in Procore (procore-api.md 3.10).
                "num_hours": f"{hours:.1f}",
                "man_hours": f"{workers * hours:.1f}",
                "notes": f"{rng.choice(_TRADES)} crew",
                "position": index,
                "status": MANPOWER_STATUSES[rng.randrange(2)],
                "created_at": iso(day.timestamp() + 15 * 3600),
                "updated_at": iso(day.timestamp() + 16 * 3600),
                "deleted_at": None,
                "vendor": None,
                "user": None,
                "contact": None,
                "cost_code": None,
                "created_by": _person(self._company_user(company["id"], rng)),
                "location": None,
                "attachments": [],
                "trade": None,
                "custom_fields": {},
                "permissions": {"can_update": True, "can_delete": True},
            }

        return make
