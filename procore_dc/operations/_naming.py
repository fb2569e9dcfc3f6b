"""Deterministic facade names for every operation: ``project.punch_items.list()`` and kin.

Every operation of :func:`~procore_dc.operations.load_operations` gets one place in a tree per
scope (``client``, ``company``, ``project``: the scope whose ids fill its path), made from its
path alone:

1. Drop the version (``/rest/v1.0/``) and the scope's own prefix (``companies/{company_id}/``,
   ``projects/{project_id}/``, both, or none: the *form* of the path).
2. The literal segments left are the attribute chain (``checklist/lists/{id}`` ->
   ``checklist.lists``); ``-`` and ``.`` become ``_``; a Python keyword, or ``permissions``
   (a facade node's own attribute), gets ``_`` appended.
3. The method name comes from the HTTP method and the last segment:

   ============================  ==========================================================
   path ends in                  method
   ============================  ==========================================================
   an id, ``GET``                ``get``
   an id, ``PATCH``/``PUT``      ``update`` / ``replace``
   an id, ``DELETE``             ``delete``
   an id, ``POST``               ``create`` (a child made under that id)
   a collection, ``GET``         ``list``
   a collection, ``POST``        ``create``
   a collection, other methods   ``update``/``replace``/``delete``; ``update_all``...
                                 when an id-ending path of the chain takes the same name
   ``sync`` and other actions    the action's snake_case name (``send_all_unsent``)
   ``{id}.pdf``                  ``get_pdf``
   ============================  ==========================================================

   A literal last segment is a *collection* when some path continues it (with an id or
   more segments), or ``GET``\\ s it; otherwise it is an *action* on the chain before it.
4. Several versions of one path are one method: the newest is the default, ``version=``
   picks another. Several paths that land on one name are told apart, in this order: an
   action reached by several HTTP methods becomes ``<verb>_<action>`` (``delete_logo``,
   ``create_logo``); an action on the collection rather than one item gets ``_all``; then
   the form of the path with the newest version (ties: the longer prefix) keeps the name and
   each other form gets a suffix (``_flat`` for no prefix, ``_in_project``, ``_in_company``,
   ``_in_company_project``). What is still ambiguous after that is named in
   :data:`OVERRIDES`, a small table a test keeps complete.

The names are checked in as stubs (``_generated.pyi``) and as a small index the facades read
at run time (``facades.json.gz``); ``python -m procore_dc.operations._generate`` rewrites
both and a test fails when either is stale.

.. code-block:: python

    >>> from procore_dc.operations._naming import facade_methods
    >>> found = [m for m in facade_methods() if m.dotted == "project.punch_items.list"]
    >>> found[0].default
    'GET /rest/v1.0/punch_items'
"""

from __future__ import annotations

import functools
import gzip
import json
import keyword
import re
from collections import defaultdict
from collections.abc import Mapping, Sequence
from importlib import resources
from typing import Optional

import attrs

from procore_dc.operations._index import load_index
from procore_dc.operations._spec import Operation
from procore_dc.operations._table import load_operations

__all__ = [
    "CURATED",
    "FacadeMethod",
    "INDEX",
    "OVERRIDES",
    "SCOPES",
    "facade_methods",
    "method_for",
    "render_index",
    "scope_of",
    "shipped_methods",
]

#: The names as shipped, so a first facade attribute costs a small read, not a naming pass
#: over every operation; :func:`render_index` writes it, a test keeps it fresh.
INDEX = "facades.json.gz"

#: The three scopes facades hang from, in order.
SCOPES = ("client", "company", "project")

#: Attribute names the scopes already use for curated tools and their own methods: the
#: generated facade of the same name is reached through ``scope.ops`` instead.
CURATED: Mapping[str, frozenset[str]] = {
    "client": frozenset(
        {"call", "close", "companies", "company", "from_env", "me", "operations", "ops"}
        | {"paginate", "project", "session"}
    ),
    "company": frozenset(
        {"call", "changes", "company_id", "ops", "project", "project_changes", "projects"}
        | {"session", "users", "vendors", "webhooks"}
    ),
    "project": frozenset(
        {"call", "changes", "company_id", "documents", "manpower_logs", "observations", "ops"}
        | {"project_id", "rfis", "session", "submittals", "webhooks"}
    ),
}

#: ``"METHOD path"`` -> ``"chain.method"`` for the paths rules 1-4 leave on one name.
OVERRIDES: Mapping[str, str] = {
    # Beside GET .../direct_costs/{direct_cost_id}/line_items: every direct cost's items.
    "GET /rest/v1.0/projects/{project_id}/direct_costs/line_items": (
        "direct_costs.line_items.list_all"
    ),
}

_VERSION = re.compile(r"^/rest/v\d+(?:\.\d+)?/")
_PREFIXES = (
    (("companies", "{company_id}", "projects", "{project_id}"), "in_company_project"),
    (("companies", "{company_id}"), "in_company"),
    (("projects", "{project_id}"), "in_project"),
)
_VERBS = {"GET": "get", "POST": "create", "PATCH": "update", "PUT": "replace", "DELETE": "delete"}
_FORM_RANK = {"flat": 0, "in_project": 1, "in_company": 1, "in_company_project": 2}


@attrs.frozen
class FacadeMethod:
    """One generated facade method: where it hangs and which operations it sends.

    :ivar scope: ``"client"``, ``"company"`` or ``"project"``
    :ivar chain: the attribute chain below the scope (``("checklist", "lists")``)
    :ivar name: the method name (``"list"``)
    :ivar operations: ``"METHOD path"`` of every version, oldest first
    """

    scope: str
    chain: tuple[str, ...]
    name: str
    operations: tuple[str, ...]

    @property
    def default(self) -> str:
        """The operation sent without ``version=``: the newest."""
        return self.operations[-1]

    @property
    def dotted(self) -> str:
        """``"project.punch_items.list"``."""
        return ".".join((self.scope, *self.chain, self.name))

    def versions(self) -> dict[str, str]:
        """Version (``"v1.0"``) -> ``"METHOD path"``."""
        table = load_operations()
        return {str(table.get(key).version): key for key in self.operations}


def scope_of(op: Operation) -> str:
    """The facade scope of an operation: the scope whose ids its path needs."""
    return op.scope or "client"


#: Names a facade node uses itself (``permissions`` feeds ``required_permissions``).
_NODE_NAMES = frozenset({"permissions"})


def _name(segment: str) -> str:
    name = segment.replace("-", "_").replace(".", "_")
    return name + "_" if keyword.iskeyword(name) or name in _NODE_NAMES else name


def _split(op: Operation) -> tuple[str, list[str]]:
    segments = _VERSION.sub("", op.path).strip("/").split("/")
    if op.version is None:  # OAuth's own endpoints: /oauth/token ...
        segments = op.path.strip("/").split("/")
    for prefix, form in _PREFIXES:
        if tuple(segments[: len(prefix)]) == prefix:
            return form, segments[len(prefix) :]
    return "flat", segments


@attrs.frozen
class _Draft:
    key: str
    scope: str
    form: str
    chain: tuple[str, ...]
    name: str
    kind: str  # "item", "collection" or "action"
    on_item: bool
    version: tuple[int, ...]


def _is_param(segment: str) -> bool:
    return segment.startswith("{")


def _collections(ops: Sequence[Operation]) -> set[tuple[str, tuple[str, ...]]]:
    found = set()
    for op in ops:
        _, segments = _split(op)
        chain: list[str] = []
        for segment in segments:
            if _is_param(segment) or chain:
                # continued by an id, or by more segments (``oauth/token/info``)
                found.add((scope_of(op), tuple(chain)))
            if not _is_param(segment):
                chain.append(_name(segment))
        if op.method == "GET" and segments and not _is_param(segments[-1]):
            found.add((scope_of(op), tuple(chain)))
    return found


def _draft(op: Operation, collections: set[tuple[str, tuple[str, ...]]]) -> _Draft:
    scope = scope_of(op)
    form, segments = _split(op)
    chain = tuple(_name(s) for s in segments if not _is_param(s))
    last = segments[-1] if segments else ""
    version = tuple(int(p) for p in (op.version or "v0")[1:].split("."))
    verb = _VERBS[op.method]
    if _is_param(last):
        name = verb
        if "." in last:  # {id}.pdf
            name = f"{verb}_{_name(last.rsplit('.', 1)[1])}"
        return _Draft(op.key, scope, form, chain, name, "item", True, version)
    if op.method == "GET" or (scope, chain) in collections or len(chain) <= 1:
        name = "list" if op.method == "GET" else verb
        if op.method == "GET" and load_index().get(op.key) == 1 and op.paging is None:
            name = "get"  # one object, not a list: a singleton
        return _Draft(op.key, scope, form, chain, name, "collection", False, version)
    on_item = len(segments) > 1 and _is_param(segments[-2])
    return _Draft(op.key, scope, form, chain[:-1], chain[-1], "action", on_item, version)


def _resolve(drafts: list[_Draft]) -> list[_Draft]:
    """Tell apart drafts that landed on one (scope, chain, name) (rule 4), until none do or
    nothing changes (a renamed draft may meet another)."""
    for _ in range(4):
        resolved = _resolve_once(drafts)
        if resolved == drafts:
            break
        drafts = resolved
    return drafts


def _resolve_once(drafts: list[_Draft]) -> list[_Draft]:
    by_place: dict[tuple[str, tuple[str, ...], str], list[_Draft]] = defaultdict(list)
    for draft in drafts:
        by_place[(draft.scope, draft.chain, draft.name)].append(draft)
    out: list[_Draft] = []
    for group in by_place.values():
        if len({d.version for d in group}) == len(group) and len({d.form for d in group}) == 1:
            out.extend(group)
            continue
        methods = {d.key.split(" ")[0] for d in group}
        if len(methods) > 1 and all(d.kind == "action" for d in group):
            group = [attrs.evolve(d, name=f"{_VERBS[d.key.split(' ')[0]]}_{d.name}") for d in group]
        elif {d.on_item for d in group} == {True, False} and all(d.kind == "action" for d in group):
            group = [d if d.on_item else attrs.evolve(d, name=f"{d.name}_all") for d in group]
        elif {d.kind for d in group} == {"item", "collection"}:
            group = [d if d.kind == "item" else _on_collection(d) for d in group]
        else:
            group = _by_form(group)
        out.extend(group)
    return out


def _on_collection(draft: _Draft) -> _Draft:
    # A singleton GET read as ``get`` meets the item's ``get``: it is a list after all.
    name = "list" if draft.key.startswith("GET ") else f"{draft.name}_all"
    return attrs.evolve(draft, name=name)


def _by_form(group: list[_Draft]) -> list[_Draft]:
    forms: dict[str, list[_Draft]] = defaultdict(list)
    for draft in group:
        forms[draft.form].append(draft)
    winner = max(forms, key=lambda f: (max(d.version for d in forms[f]), _FORM_RANK[f], f))
    return [d if d.form == winner else attrs.evolve(d, name=f"{d.name}_{d.form}") for d in group]


@functools.lru_cache(maxsize=1)
def facade_methods() -> tuple[FacadeMethod, ...]:
    """Every facade method of every scope, sorted by :attr:`FacadeMethod.dotted`.

    :raises ConfigurationError: when two operations of one version land on one name (a new
        catalogue needs an :data:`OVERRIDES` entry)
    """
    from procore_dc.exceptions import ConfigurationError

    ops = list(load_operations())
    collections = _collections(ops)
    drafts = []
    for op in ops:
        draft = _draft(op, collections)
        override = OVERRIDES.get(op.key)
        if override is not None:
            *chain, name = override.split(".")
            draft = attrs.evolve(draft, chain=tuple(chain), name=name, form="override")
        drafts.append(draft)
    fixed = [d for d in drafts if d.form == "override"]
    resolved = _resolve([d for d in drafts if d.form != "override"]) + fixed
    places: dict[tuple[str, tuple[str, ...], str], list[_Draft]] = defaultdict(list)
    for draft in resolved:
        places[(draft.scope, draft.chain, draft.name)].append(draft)
    methods = []
    for (scope, chain_, name), group in places.items():
        group.sort(key=lambda d: d.version)
        if len({d.version for d in group}) != len(group):
            keys = ", ".join(d.key for d in group)
            raise ConfigurationError(f"{scope}.{'.'.join(chain_)}.{name} is ambiguous: {keys}")
        methods.append(FacadeMethod(scope, chain_, name, tuple(d.key for d in group)))
    methods.sort(key=lambda m: (SCOPES.index(m.scope), m.chain, m.name))
    _check_tree(methods)
    return tuple(methods)


def _check_tree(methods: Sequence[FacadeMethod]) -> None:
    from procore_dc.exceptions import ConfigurationError

    children: dict[tuple[str, tuple[str, ...]], set[str]] = defaultdict(set)
    for method in methods:
        for depth in range(len(method.chain)):
            children[(method.scope, method.chain[:depth])].add(method.chain[depth])
    for method in methods:
        if method.name in children.get((method.scope, method.chain), ()):
            raise ConfigurationError(f"{method.dotted} is also a nested collection")
        if method.name.startswith("_"):
            raise ConfigurationError(f"{method.dotted}: a facade name cannot start with _")


def render_index() -> bytes:
    """The bytes of :data:`INDEX`: ``[scope, chain, name, [operation keys]]`` per method."""
    rows = [[m.scope, list(m.chain), m.name, list(m.operations)] for m in facade_methods()]
    return gzip.compress(json.dumps(rows, separators=(",", ":")).encode(), mtime=0)


@functools.lru_cache(maxsize=1)
def shipped_methods() -> tuple[FacadeMethod, ...]:
    """:func:`facade_methods` as shipped in :data:`INDEX` (what the facades use at run time)."""
    data = resources.files(__package__ or "procore_dc.operations").joinpath(INDEX).read_bytes()
    rows = json.loads(gzip.decompress(data))
    return tuple(FacadeMethod(s, tuple(c), n, tuple(k)) for s, c, n, k in rows)


@functools.lru_cache(maxsize=1)
def _by_operation() -> Mapping[str, FacadeMethod]:
    return {key: method for method in shipped_methods() for key in method.operations}


def method_for(op: Operation) -> Optional[FacadeMethod]:
    """The facade method that sends ``op`` (``None`` never happens for a catalogue operation).

    .. code-block:: python

        >>> from procore_dc.operations import load_operations
        >>> op = load_operations().get("GET /rest/v1.0/projects/{project_id}/rfis")
        >>> method_for(op).dotted
        'project.rfis.list'
    """
    return _by_operation().get(op.key)
