"""The table of every Procore operation: look-up by id or ``"METHOD /path"``, search, versions."""

from __future__ import annotations

import difflib
import functools
import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, Optional, Union

import attrs

from procore_dc.exceptions import ConfigurationError
from procore_dc.operation_permissions import tool_group
from procore_dc.operations._index import load_index
from procore_dc.operations._spec import Operation, build_operation

__all__ = ["Match", "OperationTable", "load_operations"]

_WORD = re.compile(r"[a-z0-9]+")
_VERSION_SEGMENT = re.compile(r"^/rest/v\d+(?:\.\d+)?/")
_VERSION_PREFIX = re.compile(r"^/rest/(v\d+(?:\.\d+)?)/")
_ID_SEGMENT = re.compile(r"^(\d+|[0-9a-f]{8}-[0-9a-f-]{27})$")


@attrs.frozen
class Match:
    """One search result: enough to pick an operation.

    .. code-block:: python

        best = client.operations.search("punch items")[0]
        print(best.method, best.path, best.summary, best.group)
    """

    id: str
    method: str
    path: str
    summary: str
    group: str
    score: float

    @property
    def key(self) -> str:
        """``"METHOD path"``: what :meth:`OperationTable.get` and ``call()`` take."""
        return f"{self.method} {self.path}"


def _version_key(version: Optional[str]) -> tuple[int, ...]:
    if not version:
        return (0,)
    return tuple(int(part) for part in version[1:].split("."))


def _words(text: str) -> list[str]:
    return _WORD.findall(text.lower().replace("_", " "))


def _stem(word: str) -> str:
    # Plural and singular match ("items" finds "item"): a cheap stemmer is enough to rank.
    for suffix in ("ies", "es", "s"):
        if word.endswith(suffix) and len(word) > len(suffix) + 2:
            return word[: -len(suffix)] + ("y" if suffix == "ies" else "")
    return word


class OperationTable:
    """Every operation of Procore's REST API, loaded from the shipped catalogue on first use.

    Look up an operation by its catalogue id, by ``"METHOD /path"`` (the path as the
    catalogue spells it, or with concrete ids such as ``/rest/v1.0/projects/42/rfis``), search
    it by words, and find its other versions.

    .. code-block:: python

        >>> from procore_dc.operations import load_operations
        >>> table = load_operations()
        >>> len(table)
        2636
        >>> table.get("RestV10ProjectsProjectIdRfisGet").path
        '/rest/v1.0/projects/{project_id}/rfis'
        >>> table.search("list rfis", limit=1)[0].key
        'GET /rest/v1.0/projects/{project_id}/rfis'
    """

    def __init__(self, rows: Sequence[Mapping[str, Any]], answers: Mapping[str, int]) -> None:
        # Operations are built from their catalogue rows on first look-up, so loading the
        # table costs one pass over the rows.
        self._rows = {f"{row['method']} {row['path']}": row for row in rows}
        self._ids = {str(row["operation_id"]): key for key, row in self._rows.items()}
        self._answers = answers
        self._built: dict[str, Operation] = {}
        self._versions: Optional[dict[tuple[str, str], list[str]]] = None
        self._index: Optional[list[tuple[str, frozenset[str], frozenset[str]]]] = None
        self._templates: Optional[list[tuple[re.Pattern[str], str]]] = None

    def __len__(self) -> int:
        return len(self._rows)

    def __iter__(self) -> Iterator[Operation]:
        return (self._operation(key) for key in self._rows)

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and self.find(key) is not None

    def __repr__(self) -> str:
        return f"OperationTable({len(self)} operations)"

    def _operation(self, key: str) -> Operation:
        found = self._built.get(key)
        if found is None:
            found = build_operation(self._rows[key], self._answers.get(key))
            self._built[key] = found
        return found

    def find(self, key: str) -> Optional[Operation]:
        """Like :meth:`get`, but ``None`` for an unknown operation."""
        key = key.strip()
        known = self._ids.get(key) or (key if key in self._rows else None)
        if known is None:
            method, _, path = key.partition(" ")
            method, path = method.upper(), path.strip().split("?")[0]
            known = f"{method} {path}"
            if known not in self._rows:
                known = self._by_concrete_path(method, path) if path else None
        return self._operation(known) if known is not None else None

    def get(self, key: Union[str, Operation], *, version: Optional[str] = None) -> Operation:
        """The operation with this catalogue id or ``"METHOD /path"``.

        :param key: a catalogue id (``"RestV10ProjectsProjectIdRfisGet"``), ``"METHOD path"``
            (``"GET /rest/v1.0/projects/{project_id}/rfis"``, or with concrete ids:
            ``"GET /rest/v1.0/projects/42/rfis"``), or an :class:`Operation`
        :param version: another version of the same operation (``"v1.1"``)
        :raises ConfigurationError: for an unknown operation or version, naming close ones

        .. code-block:: python

            >>> from procore_dc.operations import load_operations
            >>> load_operations().get("GET /rest/v1.0/projects", version="v1.1").path
            '/rest/v1.1/projects'
        """
        op = key if isinstance(key, Operation) else self.find(key)
        if op is None:
            near = difflib.get_close_matches(str(key), list(self._rows), n=3, cutoff=0.8)
            near = near or [m.key for m in self.search(str(key), limit=3)]
            hint = f"; close matches: {', '.join(near)}" if near else ""
            raise ConfigurationError(f"Procore's catalogue has no operation {key!r}{hint}")
        if version is None or version == op.version:
            return op
        for other in self.versions_of(op):
            if other.version == version:
                return other
        have = ", ".join(str(o.version) for o in self.versions_of(op))
        raise ConfigurationError(f"{op.key} has no version {version!r}; it has {have}")

    def versions_of(self, op: Union[str, Operation]) -> list[Operation]:
        """Every version of an operation (same method, same path after the version), oldest
        first.

        .. code-block:: python

            >>> from procore_dc.operations import load_operations
            >>> [o.version for o in load_operations().versions_of("GET /rest/v1.0/projects")]
            ['v1.0', 'v1.1']
        """
        found = self.get(op)
        return [self._operation(key) for key in self._version_groups()[_unversioned(found.key)]]

    def newest(self, op: Union[str, Operation]) -> Operation:
        """The newest version of an operation (the default of the generated facades).

        .. code-block:: python

            >>> from procore_dc.operations import load_operations
            >>> load_operations().newest("GET /rest/v1.0/projects").version
            'v1.1'
        """
        return self.versions_of(op)[-1]

    def search(self, words: str, limit: int = 10) -> list[Match]:
        """The operations best matching ``words``, best first.

        Every word is looked for in the summary, the path, the tool group and the id
        (singular and plural alike); an operation matching more of the words ranks higher,
        then one whose summary holds them and little else, then a read, a collection, the
        newer version and the shorter path.

        .. code-block:: python

            >>> from procore_dc.operations import load_operations
            >>> best = load_operations().search("budget line items", limit=1)[0]
            >>> "budget_line_items" in best.path
            True
        """
        wanted = [_stem(w) for w in _words(words)]
        if not wanted or limit < 1:
            return []
        scored = []
        for key, summary, rest in self._search_index():
            hits = sum(1 for w in wanted if w in summary or w in rest)
            if not hits:
                continue
            in_summary = sum(1 for w in wanted if w in summary)
            # Between equals, a read before a write and a collection before one item.
            score = hits * 10 + in_summary * 3 - (len(summary) - in_summary) * 0.5
            score += key.startswith("GET ") * 0.5
            score += (not key.endswith("}")) * 0.2
            score += sum(_version_key(_version_of(key))) * 0.01 - len(key) * 0.001
            scored.append((score, key))
        scored.sort(key=lambda pair: (-pair[0], pair[1]))
        matches = []
        for score, key in scored[:limit]:
            row = self._rows[key]
            matches.append(
                Match(
                    str(row["operation_id"]),
                    str(row["method"]),
                    str(row["path"]),
                    str(row.get("summary") or ""),
                    tool_group(str(row.get("tag") or "")),
                    round(score, 3),
                )
            )
        return matches

    # -- indexes, built on first use ------------------------------------------------------

    def _version_groups(self) -> dict[tuple[str, str], list[str]]:
        if self._versions is None:
            groups: dict[tuple[str, str], list[str]] = {}
            for key in self._rows:
                groups.setdefault(_unversioned(key), []).append(key)
            for keys in groups.values():
                keys.sort(key=lambda k: _version_key(_version_of(k)))
            self._versions = groups
        return self._versions

    def _search_index(self) -> list[tuple[str, frozenset[str], frozenset[str]]]:
        if self._index is None:
            self._index = [
                (
                    key,
                    frozenset(_stem(w) for w in _words(str(row.get("summary") or ""))),
                    frozenset(_stem(w) for w in _words(f"{row['path']} {row.get('tag') or ''}")),
                )
                for key, row in self._rows.items()
            ]
        return self._index

    def _by_concrete_path(self, method: str, path: str) -> Optional[str]:
        if self._templates is None:
            self._templates = [
                (
                    re.compile(
                        "^" + re.sub(r"\\\{\w+\\\}", "([^/]+)", re.escape(k.split(" ", 1)[1])) + "$"
                    ),
                    k,
                )
                for k in sorted(self._rows, key=lambda k: k.count("{"))
            ]
        for pattern, key in self._templates:
            if key.startswith(method + " "):
                matched = pattern.match(path)
                if matched and all(_ID_SEGMENT.match(g) for g in matched.groups()):
                    return key
        return None


def _unversioned(key: str) -> tuple[str, str]:
    method, _, path = key.partition(" ")
    return method, _VERSION_SEGMENT.sub("/rest/", path)


def _version_of(key: str) -> Optional[str]:
    found = _VERSION_PREFIX.match(key.partition(" ")[2])
    return found.group(1) if found else None


@functools.lru_cache(maxsize=1)
def load_operations() -> OperationTable:
    """The table of every operation, built from the shipped catalogue once, on first use.

    .. code-block:: python

        >>> from procore_dc.operations import load_operations
        >>> load_operations().get("GET /rest/v1.0/me").summary
        'Show User Info'
    """
    from procore_dc._catalog import load_catalog

    return OperationTable(load_catalog()["operations"], load_index())
