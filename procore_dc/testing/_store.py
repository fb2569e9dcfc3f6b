"""The sandbox's lazy record store: tables of partitions whose records are generated on demand.

Every record is a function of ``(seed, kind, partition, index)``: nothing is generated until a
request asks for it, so a project with 100,000 RFIs costs nothing at start-up. Records that the
API creates, updates or deletes live in small override tables on top of the generator.

Ids are arithmetic so a record can be found from its id alone: ``base + partition * stride +
index + 1``. A partition is one company (projects, users, vendors) or one project (RFIs,
submittals, observations, folders, files, manpower logs).
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Iterator, Sequence
from typing import Any, Optional, Union, overload

__all__ = ["Maker", "Partition", "Record", "Table"]

Record = dict[str, Any]
#: Generates the record at ``index`` with id ``rid`` from an rng seeded for that record.
Maker = Callable[[random.Random, int, int], Record]


def _clone(record: Record) -> Record:
    """A JSON-normalised deep copy of a record being stored (tuples become lists, keys
    strings); a JSON round trip is several times faster than deepcopy, which matters when a
    sync creates a thousand records in one request."""
    copied: Record = json.loads(json.dumps(record))
    return copied


_NESTED = (dict, list)


def _copy(value: Any) -> Any:
    """A deep copy of a stored record, which holds only JSON types (:func:`_clone` made it so
    or the maker built it so): about 5 times faster than :func:`_clone`, which matters because
    every read returns a copy the handler may change."""
    if type(value) is dict:
        copied = value.copy()
        for key, item in copied.items():
            if type(item) in _NESTED:
                copied[key] = _copy(item)
        return copied
    return [_copy(item) if type(item) in _NESTED else item for item in value]


#: Generated records a partition keeps, so a listing read again does not generate it again:
#: generating a record (seeding its rng, formatting its dates) costs several times what
#: copying it does. Past this many a partition forgets them all and starts over, so a large
#: partition read once does not stay in memory.
_KEPT_PER_PARTITION = 2048


_PER_COMPANY = frozenset({"companies", "projects", "users", "vendors"})
#: Kinds whose records may be kept once generated. The directory's makers read only their rng
#: and the company captured when the partition was made; the project tools' makers embed live
#: records (a user picked by position, the current folders), so theirs are made on every read.
_KEPT_KINDS = _PER_COMPANY


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
        self._generated: dict[int, Record] = {}
        self._keep = table.kind in _KEPT_KINDS

    # -- ids ------------------------------------------------------------------------------
    def id_for(self, index: int) -> int:
        """The record id at ``index``."""
        return self.table.base + self.number * self.table.stride + index + 1

    def _record_at(self, index: int) -> Record:
        """A copy of the record at ``index``: callers may change it (and :meth:`replace` it)."""
        record = self._overrides.get(index)
        if record is None:
            record = self._generated.get(index)
        if record is None:
            seed = f"{self.table.seed}/{self.table.kind}/{self.number}/{index}"
            rng = random.Random(seed)  # noqa: S311 - seeded test data, not security
            record = self._make(rng, index, self.id_for(index))
            if not self._keep:
                return record
            if len(self._generated) >= _KEPT_PER_PARTITION:
                self._generated.clear()
            self._generated[index] = record
        copied: Record = _copy(record)
        return copied

    def _count(self) -> int:
        return self.size + self._created

    @property
    def made(self) -> int:
        """How many records it ever held: the seeded ones and those created (deleted included),
        so ``made + 1`` numbers the next record the way Procore numbers RFIs."""
        return self._count()

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
