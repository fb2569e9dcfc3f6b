"""The route table of every catalogue operation, and what each one does by its method and path.

Built once per process from the shipped catalogue and spec shapes. Matching walks a tree of
path segments (literal segments before ``{param}`` ones, with backtracking): 2,636 werkzeug
rules would take far longer to compile than the 200 ms the whole start-up may take.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any, Optional

import attrs

from procore_dc._catalog import load_catalog, load_schemas
from procore_dc.operation_permissions import requirement_of
from procore_dc.permissions import Requirement

__all__ = ["Operation", "RouteTable", "route_table"]

#: What an operation does, read from its method and path shape.
KINDS = ("list", "show", "create", "update", "delete", "sync", "action", "single", "set")

# Path segments that name a scope, not a collection: their value is the partition.
_SCOPES = {"companies": "company_id", "projects": "project_id", "project": "project_id"}
_VERSIONED = ("rest",)


def _is_param(segment: str) -> bool:
    return segment.startswith("{") and segment.endswith("}")


@attrs.frozen
class Operation:
    """One catalogue operation, ready to serve.

    :ivar key: ``"METHOD path"`` as the catalogue spells it
    :ivar kind: one of :data:`KINDS` (``single``: a GET of one unnamed record such as a
        settings object; ``set``: a PATCH/PUT of one)
    :ivar collection: the literal segments naming the records it acts on
    :ivar id_param: the path parameter naming the record, if any
    :ivar scope_params: path parameters naming the company or project
    :ivar parent_params: other path parameters (parents), part of the partition
    """

    key: str
    method: str
    path: str
    tag: str
    kind: str
    collection: tuple[str, ...]
    id_param: Optional[str]
    scope_params: Mapping[str, str]
    parent_params: tuple[str, ...]
    required_query: tuple[str, ...]
    integer_params: frozenset[str]
    body_required: tuple[str, ...]
    body_fields: tuple[str, ...]
    request: Optional[Mapping[str, Any]]
    response: Optional[Mapping[str, Any]]
    status: int
    requirement: Optional[Requirement]
    spec: bool

    @property
    def collection_name(self) -> str:
        """The collection as one string, e.g. ``"rfis/replies"``."""
        return "/".join(self.collection)


def _classify(
    method: str, segments: list[str], schema: Optional[Mapping[str, Any]], lists: set[str]
) -> tuple[str, Optional[str], list[str]]:
    """(kind, id parameter, literal segments of the collection)."""
    last = segments[-1]
    trailing_param = _is_param(last)
    id_param = last[1:-1] if trailing_param else None
    base = segments[:-1] if trailing_param else segments
    literals = [s for s in base if not _is_param(s)]
    if not trailing_param and last == "sync":
        return "sync", None, literals[:-1]
    if method == "GET":
        if trailing_param:
            return "show", id_param, literals
        if schema is not None and schema.get("response") is not None:
            return ("list" if schema.get("response_is_list") else "single"), None, literals
        return ("list" if last.endswith("s") else "single"), None, literals
    if trailing_param:
        kind = {"DELETE": "delete", "PATCH": "update", "PUT": "update"}.get(method, "action")
        return kind, id_param, literals
    # A literal last segment: a create on a collection, or an action on a record or collection.
    # ``.../{id}/close`` acts on a record; ``/companies/{company_id}/concierge`` does not: a
    # parameter that names the company or project is a scope, not a record.
    after_param = (
        len(segments) >= 2
        and _is_param(segments[-2])
        and not (len(segments) >= 3 and segments[-3] in _SCOPES)
    )
    joined = "/".join(literals)
    if method == "POST" and (joined in lists or (not after_param and last.endswith("s"))):
        return "create", None, literals
    if method in ("PATCH", "PUT") and not after_param:
        return "set", None, literals
    if after_param:
        # ``.../{id}/close``: an action on the record named by the parameter before it.
        record_param = segments[-2][1:-1]
        return "action", record_param, literals[:-1]
    return "action", None, literals[:-1] or literals


def _build_operation(
    op: Mapping[str, Any], schema: Optional[Mapping[str, Any]], lists: set[str]
) -> Operation:
    method = str(op["method"]).upper()
    path = str(op["path"])
    segments = [s for s in path.split("/") if s]
    tail = segments[2:] if segments and segments[0] in _VERSIONED else segments
    kind, id_param, literals = _classify(method, tail, schema, lists)
    scope_params: dict[str, str] = {}
    for index, segment in enumerate(tail[:-1]):
        nxt = tail[index + 1]
        if segment in _SCOPES and _is_param(nxt) and _SCOPES[segment] not in scope_params:
            scope_params[_SCOPES[segment]] = nxt[1:-1]
    if id_param is not None and id_param in scope_params.values():
        # ``/companies/{c}/projects/{id}``, ``/projects/{id}/logo``: the record is the project
        # (or company) the path names, the one record of its own partition.
        if tail[-1] == f"{{{id_param}}}":
            kind = {"show": "single", "update": "set"}.get(kind, "action")
        id_param = None
    scoping = {f"{{{name}}}" for name in scope_params.values()}
    dropped = {tail[i] for i in range(len(tail) - 1) if tail[i + 1] in scoping}
    collection = tuple(s for s in literals if s not in dropped) or tuple(literals) or (tail[0],)
    named = set(scope_params.values()) | ({id_param} if id_param else set())
    parents = tuple(s[1:-1] for s in tail if _is_param(s) and s[1:-1] not in named)
    params = op.get("params") or ()
    body = op.get("body") or {}
    status = int((schema or {}).get("status") or _default_status(kind, method))
    return Operation(
        key=f"{method} {path}",
        method=method,
        path=path,
        tag=str(op.get("tag") or ""),
        kind=kind,
        collection=collection,
        id_param=id_param,
        scope_params=scope_params,
        parent_params=parents,
        required_query=tuple(
            p["name"] for p in params if p.get("in") == "query" and p.get("required")
        ),
        integer_params=frozenset(
            p["name"] for p in params if p.get("in") == "path" and p.get("type") == "integer"
        ),
        body_required=tuple(body.get("required_fields") or ()),
        body_fields=tuple(body.get("fields") or ()),
        request=(schema or {}).get("request_body"),
        response=(schema or {}).get("response"),
        status=status,
        requirement=requirement_of(op),
        spec=schema is not None,
    )


def _default_status(kind: str, method: str) -> int:
    if kind == "create":
        return 201
    if kind == "delete":
        return 204
    return 200


class _Node:
    __slots__ = ("literal", "ops", "param")

    def __init__(self) -> None:
        self.literal: dict[str, _Node] = {}
        self.param: Optional[_Node] = None
        self.ops: dict[str, int] = {}


class RouteTable:
    """Every catalogue operation, matched by method and path; each compiled on first use.

    .. code-block:: python

        op, args = route_table().match("GET", "/rest/v1.0/projects/1/budget_line_items")
    """

    def __init__(self, catalogue: list[Mapping[str, Any]]) -> None:
        self._catalogue = catalogue
        self._compiled: dict[int, Operation] = {}
        self._lists: Optional[set[str]] = None
        self._root = _Node()
        self._keys: dict[str, int] = {}
        for index, op in enumerate(catalogue):
            self._keys[f"{op['method']} {op['path']}"] = index
            if not op["path"].startswith("/rest/"):
                continue  # OAuth's own endpoints live on the login host, never the API host
            node = self._root
            for segment in op["path"].split("/"):
                if not segment:
                    continue
                if segment[0] == "{":
                    if node.param is None:
                        node.param = _Node()
                    node = node.param
                else:
                    child = node.literal.get(segment)
                    if child is None:
                        child = node.literal[segment] = _Node()
                    node = child
            node.ops[op["method"]] = index

    def __len__(self) -> int:
        return len(self._catalogue)

    def operation(self, index: int) -> Operation:
        """The compiled operation at catalogue position ``index`` (the spec shapes load on
        the first call)."""
        found = self._compiled.get(index)
        if found is None:
            if self._lists is None:
                self._lists = {
                    _list_key(op)
                    for op in self._catalogue
                    if op["method"] == "GET" and not op["path"].endswith("}")
                }
            op = self._catalogue[index]
            shapes = load_schemas()["operations"]
            found = _build_operation(op, shapes.get(f"{op['method']} {op['path']}"), self._lists)
            self._compiled[index] = found
        return found

    def get(self, key: str) -> Optional[Operation]:
        """The operation ``"METHOD path"`` (as the catalogue spells it), or ``None``."""
        index = self._keys.get(key)
        return None if index is None else self.operation(index)

    def operations(self) -> list[Operation]:
        """Every operation, compiled (in catalogue order)."""
        return [self.operation(index) for index in range(len(self._catalogue))]

    def match(self, method: str, path: str) -> Optional[tuple[Operation, dict[str, str]]]:
        """The operation serving ``method path`` and its path arguments, or ``None``."""
        segments = [s for s in path.split("/") if s]
        found = self._walk(self._root, segments, 0, method.upper(), [])
        if found is None:
            return None
        op = self.operation(found[0])
        names = [s[1:-1] for s in op.path.split("/") if _is_param(s)]
        return op, dict(zip(names, found[1]))

    def _walk(
        self, node: _Node, segments: list[str], index: int, method: str, values: list[str]
    ) -> Optional[tuple[int, list[str]]]:
        if index == len(segments):
            position = node.ops.get(method)
            return None if position is None else (position, values)
        child = node.literal.get(segments[index])
        if child is not None:
            found = self._walk(child, segments, index + 1, method, values)
            if found is not None:
                return found
        if node.param is not None:
            return self._walk(node.param, segments, index + 1, method, [*values, segments[index]])
        return None


_TABLE: Optional[RouteTable] = None
_LOCK = threading.Lock()


def route_table() -> RouteTable:
    """The process-wide route table, built on first use from the shipped catalogue."""
    global _TABLE
    with _LOCK:
        if _TABLE is None:
            _TABLE = RouteTable(load_catalog()["operations"])
        return _TABLE


def _list_key(op: Mapping[str, Any]) -> str:
    segments = [s for s in str(op["path"]).split("/") if s]
    tail = segments[2:] if segments and segments[0] in _VERSIONED else segments
    return "/".join(s for s in tail if not _is_param(s))
