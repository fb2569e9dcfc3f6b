"""Generated facades at run time: ``project.punch_items.list()`` for every operation.

Each scope (:class:`~procore_dc.client.ProcoreClient`,
:class:`~procore_dc.client.CompanyScope`, :class:`~procore_dc.client.ProjectScope`) derives
from a :class:`ScopeFacades` class, so every attribute chain of
:mod:`procore_dc.operations._naming` hangs from it: ``scope.<chain>`` when the scope has no
curated tool of that name, and always ``scope.ops.<chain>`` (``project.ops.rfis`` is the
generated RFI facade; ``project.rfis`` stays the curated one). Nothing is built at import: the
names are computed on the first facade attribute, and a node's class (its methods, their
docstrings and signatures) when it is first reached. Each method is one
:func:`~procore_dc.operations.call_operation`, so it is checked, sent and typed like
``scope.call(...)``; bound methods work with
:func:`~procore_dc.resources.required_permissions`.

Types come from the checked-in stub ``_generated.pyi`` (see
:mod:`procore_dc.operations._generate`).
"""

from __future__ import annotations

import difflib
import functools
import inspect
import json
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar, Optional

import attrs

from procore_dc.exceptions import ConfigurationError
from procore_dc.operations._naming import CURATED, FacadeMethod, shipped_methods
from procore_dc.operations._spec import Operation
from procore_dc.operations._table import load_operations

__all__ = ["FacadeNode", "ScopeFacades", "Signature", "class_name", "signature_of", "tree_of"]

_PYTHON_TYPES = {
    "integer": "int",
    "number": "float",
    "string": "str",
    "boolean": "bool",
    "array": "Sequence[Any]",
    "object": "Mapping[str, Any]",
}
_EXAMPLE_VALUES = {"integer": "7", "number": "1.5", "boolean": "True", "array": "[7]"}


@attrs.frozen
class Keyword:
    """One keyword argument of a facade method: its name, Python type and whether required."""

    name: str
    type: str
    required: bool = False


@attrs.frozen
class Signature:
    """What a facade method takes, from its default (newest) operation and the others.

    :ivar positional: path ids the scope does not fill, in path order
    :ivar keywords: query and header parameters that are Python names (``filters`` for
        ``filters[...]``), from every version
    :ivar extra: whether some parameter is not a Python name (``sort[attribute]``), so the
        method takes ``**params``
    :ivar body: ``"required"``, ``"optional"`` or ``None`` (no body)
    :ivar pages: whether the default operation is a Link-paged list
    """

    positional: tuple[str, ...]
    keywords: tuple[Keyword, ...]
    extra: bool
    body: Optional[str]
    pages: bool


def _filled(scope: str, op: Operation) -> set[str]:
    """The path parameters the scope fills."""
    if scope == "project":
        return {"company_id", "project_id"} | ({"id"} if "/projects/{id}" in op.path else set())
    if scope == "company":
        return {"company_id"} | ({"id"} if "/companies/{id}" in op.path else set())
    return set()


def positional_of(scope: str, op: Operation) -> tuple[str, ...]:
    """The path ids a facade method of ``scope`` takes positionally for ``op``."""
    filled = _filled(scope, op)
    return tuple(name for name in op.path_parameters if name not in filled)


@functools.cache
def signature_of(method: FacadeMethod) -> Signature:
    """The :class:`Signature` of a facade method (shared by the runtime and the stubs)."""
    table = load_operations()
    ops = [table.get(key) for key in method.operations]
    default = ops[-1]
    keywords: dict[str, Keyword] = {}
    extra = False
    scope_ids = _filled(method.scope, default)
    for op in reversed(ops):
        for param in op.parameters:
            if param.location == "path" or param.name in scope_ids:
                continue
            if param.name.startswith("filters["):
                keywords.setdefault("filters", Keyword("filters", "Mapping[str, Any]"))
            elif param.name.isidentifier() and not param.name.startswith("_"):
                required = param.required and op is default
                kind = _PYTHON_TYPES.get(param.type, "Any")
                keywords.setdefault(param.name, Keyword(param.name, kind, required))
            else:
                extra = True
    if default.paging == "link":
        keywords.setdefault("limit", Keyword("limit", "int"))
        keywords.setdefault("prefetch", Keyword("prefetch", "int"))
    takes_body = any(op.body_fields or op.method in ("POST", "PUT", "PATCH") for op in ops)
    body = None
    if takes_body:
        body = "required" if _required_body(method.scope, default) else "optional"
    ordered = sorted(keywords.values(), key=lambda k: (not k.required, k.name))
    return Signature(
        positional_of(method.scope, default),
        tuple(ordered),
        extra,
        body,
        default.paging == "link",
    )


def _required_body(scope: str, op: Operation) -> list[str]:
    """The required top-level body fields the caller gives (the scope fills its ids)."""
    filled = _filled(scope, op)
    return [f.name for f in op.body_fields if f.required and f.name not in filled]


def class_name(scope: str, chain: tuple[str, ...]) -> str:
    """The facade class of a node: ``ProjectPunchItems`` for ``project.punch_items``."""
    words = [scope, *chain] if chain else [scope, "ops"]
    return "".join(part.title().replace("_", "") for part in words)


def _example(method: FacadeMethod, sig: Signature, op: Operation) -> str:
    args = ["7"] * len(sig.positional)
    for keyword in sig.keywords:
        if keyword.required:
            param = op.parameter(keyword.name)
            kind = param.type if param is not None else "string"
            value = _EXAMPLE_VALUES.get(kind, '"..."')
            if param is not None and param.enum:
                value = repr(param.enum[0])
            args.append(f"{keyword.name}={value}")
    if sig.body == "required":
        fields = dict.fromkeys(_required_body(method.scope, op), "...")
        args.append(f"body={json.dumps(fields)}".replace('"..."', "{...}"))
    call = f"{method.dotted}({', '.join(args)})"
    if sig.pages:
        return f"for item in {call}:\n    print(item)"
    return f"result = {call}"


def docstring(method: FacadeMethod) -> str:
    """The docstring of a facade method: operation, parameters, body, permission, example."""
    table = load_operations()
    op = table.get(method.default)
    sig = signature_of(method)
    lines = [op.summary or f"{op.method} {op.path}", "", f":calls: ``{op.key}``"]
    versions = method.versions()
    if len(versions) > 1:
        others = ", ".join(f'``version="{v}"``' for v in versions if v != op.version)
        lines.append(f":versions: {op.version} (default); {others}")
    need = op.requirement
    if need is None:
        lines.append(":permission: no tool permission")
    else:
        lines.append(f":permission: {need.scope} tool ``{need.tool}``, level ``{need.level}``")
    for name in sig.positional:
        lines.append(f":param {name}: path id")
    for keyword in sig.keywords:
        param = op.parameter(keyword.name)
        where = "page iterator option"
        if keyword.name == "filters":
            where = "query filters, e.g. {'status': 'open'}"
        if param is not None:
            where = f"{param.location}, {param.type}" + (", required" if param.required else "")
            if param.enum:
                where += f", one of {list(param.enum)}"
        lines.append(f":param {keyword.name}: {where}")
    if sig.body is not None:
        fields = ", ".join(
            f"``{f.name}``" + (" (required)" if f.required else "") for f in op.body_fields
        )
        lines.append(f":param body: the JSON body{': ' + fields if fields else ''}")
    lines.append(':param version: another version (``"v1.0"``); default the newest')
    lines.append(":param strict: ``False`` sends a call the spec check refuses")
    if sig.pages:
        lines.append(":returns: a lazy PageIterator of the items")
    lines += ["", ".. code-block:: python", ""]
    lines += ["    " + line for line in _example(method, sig, op).splitlines()]
    return "\n".join(lines) + "\n"


def _runtime_signature(sig: Signature) -> inspect.Signature:
    kind = inspect.Parameter
    params = [kind("self", kind.POSITIONAL_ONLY)]
    params += [kind(name, kind.POSITIONAL_ONLY) for name in sig.positional]
    params += [
        kind(k.name, kind.KEYWORD_ONLY, default=kind.empty if k.required else None)
        for k in sig.keywords
    ]
    if sig.body is not None:
        default = kind.empty if sig.body == "required" else None
        params.append(kind("body", kind.KEYWORD_ONLY, default=default))
    params.append(kind("version", kind.KEYWORD_ONLY, default=None))
    params.append(kind("strict", kind.KEYWORD_ONLY, default=True))
    if sig.extra:
        params.append(kind("params", kind.VAR_KEYWORD))
    return inspect.Signature(params)


def _make_method(method: FacadeMethod) -> Any:
    def facade_method(
        self: FacadeNode,
        *ids: Any,
        body: Any = None,
        version: Optional[str] = None,
        strict: bool = True,
        **params: Any,
    ) -> Any:
        return self._send(method, ids, params, body=body, version=version, strict=strict)

    facade_method.__name__ = method.name
    facade_method.__qualname__ = f"{class_name(method.scope, method.chain)}.{method.name}"
    facade_method.__doc__ = docstring(method)
    facade_method.__signature__ = _runtime_signature(signature_of(method))  # type: ignore[attr-defined]
    facade_method.__procore_operation__ = method.default  # type: ignore[attr-defined]
    return facade_method


Tree = Mapping[tuple[str, tuple[str, ...]], tuple[list[str], list[FacadeMethod]]]


@functools.lru_cache(maxsize=1)
def _tree() -> Tree:
    return tree_of(shipped_methods())


def tree_of(methods: Sequence[FacadeMethod]) -> Tree:
    """(scope, chain) -> (child names, methods), for every node."""
    nodes: dict[tuple[str, tuple[str, ...]], tuple[list[str], list[FacadeMethod]]] = {}
    for method in methods:
        nodes.setdefault((method.scope, method.chain), ([], []))[1].append(method)
        for depth in range(len(method.chain)):
            children = nodes.setdefault((method.scope, method.chain[:depth]), ([], []))[0]
            if method.chain[depth] not in children:
                children.append(method.chain[depth])
    return nodes


def _child(scope: str, chain: tuple[str, ...]) -> property:
    def get(self: FacadeNode) -> FacadeNode:
        return _node_class(scope, chain)(self._owner)

    get.__doc__ = f"``{'.'.join((scope, *chain))}``: {_summary(scope, chain)}"
    return property(get)


def _summary(scope: str, chain: tuple[str, ...]) -> str:
    children, methods = _tree()[(scope, chain)]
    names = [f"{m.name}()" for m in methods] + [f".{c}" for c in children]
    return ", ".join(names)


@functools.cache
def _node_class(scope: str, chain: tuple[str, ...]) -> type[FacadeNode]:
    children, methods = _tree()[(scope, chain)]
    table = load_operations()
    namespace: dict[str, Any] = {
        "__doc__": f"Generated facade ``{'.'.join((scope, *chain))}``: {_summary(scope, chain)}",
        "__module__": __name__,
        "_path": (scope, *chain),
        "permissions": {m.name: table.get(m.default).requirement for m in methods},
    }
    for name in children:
        namespace[name] = _child(scope, (*chain, name))
    for method in methods:
        namespace[method.name] = _make_method(method)
    return type(class_name(scope, chain), (FacadeNode,), namespace)


class FacadeNode:
    """One node of the generated facade tree (``project.punch_items``): methods for its
    operations and attributes for its nested collections.

    .. code-block:: python

        items = project.punch_items.list(filters={"status": "open"})
        help(project.punch_items.create)     # the operation, parameters, permission, example
    """

    _path: ClassVar[tuple[str, ...]] = ()
    permissions: ClassVar[Mapping[str, Any]] = {}

    def __init__(self, owner: ScopeFacades) -> None:
        self._owner = owner

    if not TYPE_CHECKING:  # type checkers see only the stub's names, so a typo is an error

        def __getattr__(self, name: str) -> Any:
            if name.startswith("_"):
                raise AttributeError(name)
            known = [n for n in dir(type(self)) if not n.startswith("_") and n != "permissions"]
            near = difflib.get_close_matches(name, known, n=3, cutoff=0.6)
            hint = f"; did you mean {', '.join(near)}?" if near else f"; it has {', '.join(known)}"
            raise AttributeError(f"{'.'.join(self._path)} has no {name!r}{hint}")

    def __repr__(self) -> str:
        return f"<facade {'.'.join(self._path)}: {_summary(self._path[0], self._path[1:])}>"

    def _send(
        self,
        method: FacadeMethod,
        ids: tuple[Any, ...],
        params: dict[str, Any],
        *,
        body: Any,
        version: Optional[str],
        strict: bool,
    ) -> Any:
        from procore_dc.operations._engine import call_operation

        key = method.default
        if version is not None:
            versions = method.versions()
            if version not in versions:
                raise ConfigurationError(
                    f"{method.dotted} has no version {version!r}; it has {', '.join(versions)}"
                )
            key = versions[version]
        op = load_operations().get(key)
        names = positional_of(method.scope, op)
        if len(ids) != len(names):
            wanted = ", ".join(names) or "no ids"
            raise ConfigurationError(
                f"{method.dotted}() takes {wanted} ({len(names)} positional), got {len(ids)}"
            )
        for name, value in zip(names, ids):
            if name in params:
                raise ConfigurationError(f"{method.dotted}() got {name} twice")
            params[name] = value
        return call_operation(
            self._owner.session,
            op,
            self._owner._facade_ids(),
            params,
            body=body,
            strict=strict,
        )


def _top_names(scope: str) -> list[str]:
    return _tree()[(scope, ())][0]


class ScopeFacades:
    """The generated facades of a scope, as attributes (``project.punch_items``) and under
    ``ops`` (``project.ops.rfis``, the generated facade of a tool with a curated one)."""

    _facade_scope: ClassVar[str] = "client"
    session: Any

    def _facade_ids(self) -> dict[str, Any]:
        company = getattr(self, "company_id", None)
        if company is None:
            company = self.session.company_id
        return {"company_id": company, "project_id": getattr(self, "project_id", None)}

    @property
    def ops(self) -> FacadeNode:
        """Every generated facade of this scope, curated tools' names included.

        .. code-block:: python

            project.ops.rfis.list()        # the generated facade; project.rfis is curated
        """
        return _node_class(self._facade_scope, ())(self)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_") or name in CURATED[self._facade_scope]:
            raise AttributeError(name)
        if name in _top_names(self._facade_scope):
            return getattr(self.ops, name)
        near = difflib.get_close_matches(name, _top_names(self._facade_scope), n=3, cutoff=0.7)
        hint = f"; did you mean {', '.join(near)}?" if near else ""
        raise AttributeError(f"{type(self).__name__} has no attribute {name!r}{hint}")

    def __dir__(self) -> list[str]:
        curated = CURATED[self._facade_scope]
        generated = [n for n in _top_names(self._facade_scope) if n not in curated]
        return sorted(set(super().__dir__()) | set(generated))
