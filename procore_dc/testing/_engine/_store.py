"""The generic engine's records: one store per collection and partition, seeded lazily.

A partition is the company or project a request names plus the values of its parent path
parameters (``rfis/replies`` of RFI 7 in project 42). Its seeded records are only ids until an
operation answers them: their fields are generated from the operation's response schema and the
record's key, so they cost nothing until read. Records created, updated and deleted through any
operation on the collection live here, so every operation on it sees them.
"""

from __future__ import annotations

import itertools
import threading
import zlib
from collections.abc import Iterator
from typing import Any, Optional

__all__ = ["Records", "Partition", "SEED_RECORDS"]

Record = dict[str, Any]
#: Records seeded in every partition of every generic collection.
SEED_RECORDS = 3
_SINGLE = "_single"


class Partition:
    """The records of one collection in one partition, in creation order."""

    def __init__(
        self,
        collection: str,
        key: str,
        seed_ids: list[int],
        index: dict[tuple[str, str], Partition],
    ) -> None:
        self.collection = collection
        self.key = key
        self._index = index
        self._records: dict[str, Record] = {}
        #: Shaped answers by record id, then model: dropped when the record changes.
        self.shaped: dict[str, dict[str, Any]] = {}
        for rid in seed_ids:
            self.put({"id": rid})

    def __len__(self) -> int:
        return len(self._records)

    def __iter__(self) -> Iterator[Record]:
        return iter(list(self._records.values()))

    def ids(self) -> list[Any]:
        """The ids of the records, oldest first."""
        return [record["id"] for record in self._records.values()]

    def get(self, record_id: str) -> Optional[Record]:
        return self._records.get(str(record_id))

    def put(self, record: Record) -> Record:
        rid = str(record["id"])
        self._records[rid] = record
        self._index[(self.collection, rid)] = self
        self.forget(rid)
        return record

    def delete(self, record_id: str) -> Optional[Record]:
        self.forget(str(record_id))
        self._index.pop((self.collection, str(record_id)), None)
        return self._records.pop(str(record_id), None)

    def single(self) -> Record:
        """The partition's one unnamed record (settings and the like), made on first use."""
        record = self._records.get(_SINGLE)
        if record is None:
            record = self._records[_SINGLE] = {"id": zlib.crc32(self.key.encode()) % 100_000}
        return record

    def forget(self, record_id: str) -> None:
        self.shaped.pop(record_id, None)


class Records:
    """Every generic collection's partitions, created on first touch.

    :param seed: the sandbox seed; seeded ids derive from it
    """

    def __init__(self, seed: int, per_partition: int = SEED_RECORDS) -> None:
        self.seed = seed
        self.per_partition = per_partition
        self._partitions: dict[tuple[str, str], Partition] = {}
        self._holders: dict[tuple[str, str], Partition] = {}
        # Created records get ids above every seeded one, unique across collections.
        self._ids = itertools.count(900_000_001)
        self._lock = threading.Lock()

    def partition(self, collection: str, key: str) -> Partition:
        found = self._partitions.get((collection, key))
        if found is None:
            with self._lock:
                found = self._partitions.get((collection, key))
                if found is None:
                    ids = self.seed_ids(collection, key)
                    found = Partition(collection, key, ids, self._holders)
                    self._partitions[(collection, key)] = found
        return found

    def seed_ids(self, collection: str, key: str) -> list[int]:
        """The ids seeded in a partition: a function of the seed, collection and partition."""
        base = 100_000 + zlib.crc32(f"{self.seed}|{collection}|{key}".encode()) % 8_990_000
        return [base * 10 + index + 1 for index in range(self.per_partition)]

    def holder(self, collection: str, record_id: str) -> Optional[Partition]:
        """The partition holding record ``record_id`` of a collection, if any."""
        return self._holders.get((collection, record_id))

    def new_id(self) -> int:
        return next(self._ids)
