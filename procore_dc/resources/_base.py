"""What every resource client shares: permission declarations, filters, bodies, structuring.

Each verb declares the tool permission it needs with :func:`requires`. The declarations are
collected per class into ``permissions`` (verb -> :class:`~procore_dc.permissions.Requirement`),
which is how :func:`required_permissions` derives a least-privilege manifest block.
"""

from __future__ import annotations

import datetime as _dt
import functools
from collections.abc import Iterable, Iterator, Mapping, Sequence
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Callable, ClassVar, Optional, Protocol, TypeVar, Union, cast

import attrs

from procore_dc._changes import Changes, read_changes
from procore_dc._encode import _wire_fields
from procore_dc._encode import body as body
from procore_dc._encode import encode_attribute_sort as encode_attribute_sort
from procore_dc._encode import encode_filters as encode_filters
from procore_dc._encode import encode_sort as encode_sort
from procore_dc._encode import wire_value as wire_value
from procore_dc._http import response_json
from procore_dc._ids import coerce_optional_id
from procore_dc._ids import path_id as path_id
from procore_dc.exceptions import ConfigurationError, ResponseFormatError
from procore_dc.models import SyncResult, structure
from procore_dc.pagination import CursorPageIterator, PageIterator
from procore_dc.permissions import PermissionLevel, Requirement, Scope

if TYPE_CHECKING:
    from requests import Response

    from procore_dc.operations import Operation
    from procore_dc.session import Session

__all__ = [
    "SYNC_BATCH_SIZE",
    "Permissions",
    "ResourceClient",
    "changes_verb",
    "ListVerb",
    "encode_filters",
    "list_verb",
    "operation",
    "required_permissions",
    "requires",
]

T = TypeVar("T")
F = TypeVar("F", bound=Callable[..., Any])

#: Procore's sync endpoints take at most this many items per call (procore-api.md 2.3).
SYNC_BATCH_SIZE = 1000

READ = PermissionLevel.READONLY
WRITE = PermissionLevel.STANDARD


def operation(key: str) -> Callable[[F], F]:
    """Bind a verb to the Procore operation it sends, by ``"METHOD /path"``.

    The verb's method, path, paging and permission come from that row of the operation table
    (``procore_dc.operations.load_operations()``), read on first use; its docstring gets a
    ``:calls:`` line naming the operation.

    .. code-block:: python

        class RfisResource(ResourceClient):
            scope = Scope.PROJECT

            @operation("GET /rest/v1.0/projects/{project_id}/rfis")
            def list(self, ...): ...
    """

    def mark(func: F) -> F:
        func.__procore_operation__ = key  # type: ignore[attr-defined]
        if func.__doc__:
            # The docs name the call from the same row the verb sends, so they cannot drift.
            lines = func.__doc__.splitlines()[1:]
            indent = min((len(x) - len(x.lstrip()) for x in lines if x.strip()), default=0)
            func.__doc__ = f"{func.__doc__.rstrip()}\n\n{' ' * indent}:calls: ``{key}``\n"
        return func

    return mark


def requires(tool: str, level: PermissionLevel, scope: Optional[Scope] = None) -> Callable[[F], F]:
    """Declare the tool permission of a verb that is no catalogue operation.

    The curated verbs use :func:`operation` instead, which takes the tool and level from
    Procore's catalogue.

    :param tool: the tool key, e.g. ``"rfi"``
    :param level: the least level that allows the call
    :param scope: company or project (default: the resource class's ``scope``)

    .. code-block:: python

        class ReportsResource(ResourceClient):
            @requires("reports", PermissionLevel.READONLY)
            def run(self, ...): ...
    """

    def mark(func: F) -> F:
        func.__procore_requirement__ = (tool, PermissionLevel(level), scope)  # type: ignore[attr-defined]
        return func

    return mark


#: Body fields that sit beside the wrapper (``{"company_id": 8, "project": {...}}``).
_BESIDE_WRAPPER = ("company_id", "project_id", "attachments")
_NO_IDS: Mapping[str, str] = MappingProxyType({})


def _operation(key: str) -> Operation:
    # Imported here: the engine imports this module's encoders.
    from procore_dc.operations import load_operations

    return load_operations().get(key)


class Permissions(Mapping[str, Optional[Requirement]]):
    """Verb -> :class:`~procore_dc.permissions.Requirement` of a resource class, read lazily.

    A verb bound to an operation needs its operation's tool and level (``None``: no tool),
    in the scope the resource lives in: a curated resource serves one company or one project,
    so that is where its tools must be granted.

    .. code-block:: python

        >>> from procore_dc.resources import RfisResource
        >>> RfisResource.permissions["create"].tool, RfisResource.permissions.operation("get")
        ('rfi', 'GET /rest/v1.0/projects/{project_id}/rfis/{id}')
    """

    def __init__(self, declared: Mapping[str, Any], scope: Scope) -> None:
        self._declared = dict(declared)
        self._scope = scope

    def at(self, scope: Scope) -> Permissions:
        """The same verbs, granted in ``scope``."""
        return Permissions(self._declared, scope)

    def __getitem__(self, verb: str) -> Optional[Requirement]:
        declared = self._declared[verb]
        if isinstance(declared, str):
            found = _operation(declared).requirement
            return None if found is None else attrs.evolve(found, scope=self._scope)
        tool, level, scope = declared
        return Requirement(scope or self._scope, tool, level)

    def __iter__(self) -> Iterator[str]:
        return iter(self._declared)

    def __len__(self) -> int:
        return len(self._declared)

    def operation(self, verb: str) -> Optional[str]:
        """The ``"METHOD /path"`` a verb sends, ``None`` for a verb declared with
        :func:`requires`."""
        declared = self._declared.get(verb)
        return declared if isinstance(declared, str) else None


class ResourceClient:
    """Base of the resource clients: a session view plus the ids the paths need.

    :ivar permissions: verb -> :class:`~procore_dc.permissions.Requirement` (``None`` when
        the verb needs no tool), from each verb's :func:`operation` (or :func:`requires`)
    """

    #: Where the resource's tool lives; verbs without their own scope use it.
    scope: ClassVar[Scope] = Scope.COMPANY
    permissions: ClassVar[Permissions] = Permissions({}, Scope.COMPANY)

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        found: dict[str, Any] = {}
        for klass in reversed(cls.__mro__):
            for name, member in vars(klass).items():
                if hasattr(member, "__procore_operation__"):
                    found[name] = member.__procore_operation__
                elif hasattr(member, "__procore_requirement__"):
                    found[name] = member.__procore_requirement__
        cls.permissions = Permissions(found, cls.scope)

    def __init__(
        self,
        session: Session,
        *,
        company_id: Optional[int] = None,
        project_id: Optional[int] = None,
    ) -> None:
        self._session = session
        self.company_id = coerce_optional_id(company_id, "company_id")
        self.project_id = coerce_optional_id(project_id, "project_id")

    def __repr__(self) -> str:
        where = []
        if self.company_id is not None:
            where.append(f"company_id={self.company_id}")
        if self.project_id is not None:
            where.append(f"project_id={self.project_id}")
        return f"{type(self).__name__}({', '.join(where)})"

    def _requirement(self, verb: str) -> Optional[Requirement]:
        """What this client's ``verb`` needs (a client serving either scope overrides it)."""
        return type(self).permissions[verb]

    # -- helpers for the verbs --------------------------------------------------------------

    def _target(self, key: str, ids: Mapping[str, str]) -> tuple[Operation, str, dict[str, Any]]:
        """The operation ``key``, its path with the ids filled in, and the query naming this
        client's scope when the path does not (``?company_id=8``, ``?project_id=42``)."""
        op = _operation(key)
        scope_ids = {"company_id": self.company_id, "project_id": self.project_id}
        values = {
            name: ids[name] if name in ids else path_id(scope_ids.get(name), name)
            for name in op.path_parameters
        }
        inner = "project_id" if self.project_id is not None else "company_id"
        named = scope_ids[inner]
        query = {inner: named} if named is not None and inner not in values else {}
        return op, op.path.format(**values), query

    def _list(
        self,
        key: str,
        model: type[T],
        params: Optional[Mapping[str, Any]] = None,
        *,
        ids: Mapping[str, str] = _NO_IDS,
        per_page: int = 100,
        limit: Optional[int] = None,
        prefetch: int = 1,
        paging: Optional[str] = None,
    ) -> PageIterator[T]:
        """A lazy list of ``model``: Link-paged or, where the operation takes ``page_start``,
        cursor-paged (``paging`` overrides the table where Procore pages a list it does not
        mark)."""
        op, path, query = self._target(key, ids)
        params = {**query, **{k: v for k, v in (params or {}).items() if v is not None}}
        if paging is None:
            paging = "cursor" if op.parameter("page_start") else op.paging
        if paging not in ("link", "cursor"):
            raise ConfigurationError(f"{op.key} is not a paged list")
        return self._pages(path, model, params, per_page, limit, prefetch, paging == "cursor")

    def _pages(
        self,
        path: str,
        model: type[T],
        params: Mapping[str, Any],
        per_page: int,
        limit: Optional[int],
        prefetch: int,
        cursor: bool,
    ) -> PageIterator[T]:
        # The one place a resource builds a page iterator.
        def build(item: Mapping[str, Any]) -> T:
            return structure(item, model, url=path)

        params = {k: v for k, v in (params or {}).items() if v is not None}
        # The deliveries endpoint pages by page_start (the last id seen) and page_size, and
        # sends no Link or Total header; every other list follows Link and Total.
        kind = CursorPageIterator if cursor else PageIterator
        iterator: PageIterator[T] = kind(
            self._session,
            path,
            params=params,
            per_page=per_page,
            structure=build,
            limit=limit,
            prefetch=prefetch,
        )
        iterator.model = model
        return iterator

    def _send(
        self,
        key: str,
        *,
        ids: Mapping[str, str] = _NO_IDS,
        params: Optional[Mapping[str, Any]] = None,
        json: Any = None,
    ) -> Response:
        op, path, query = self._target(key, ids)
        params = {**query, **(params or {})}
        return self._session.request(op.method, path, params=params or None, json=json)

    def _call(
        self,
        key: str,
        model: type[T],
        *,
        ids: Mapping[str, str] = _NO_IDS,
        params: Optional[Mapping[str, Any]] = None,
        json: Any = None,
    ) -> T:
        """Send operation ``key`` and structure its answer as ``model``."""
        response = self._send(key, ids=ids, params=params, json=json)
        return structure(response_json(response), model, url=response.url)

    def _write(
        self,
        key: str,
        model: type[T],
        typed: Mapping[str, Any],
        extra: Mapping[str, Any],
        *,
        ids: Mapping[str, str] = _NO_IDS,
        with_scope: bool = False,
    ) -> T:
        """Send operation ``key`` with its wrapped body (see :meth:`_wrapped`), answer as
        ``model``."""
        payload = self._wrapped(key, typed, extra, with_scope=with_scope)
        return self._call(key, model, ids=ids, json=payload)

    def _delete(self, key: str, **ids: str) -> None:
        self._send(key, ids=ids).close()

    def _wrapped(
        self,
        key: str,
        typed: Mapping[str, Any],
        extra: Mapping[str, Any],
        *,
        with_scope: bool = False,
    ) -> dict[str, Any]:
        """Operation ``key``'s wrapped body (``{"rfi": {...}}``), the wrapper being the body
        field the table names; ``with_scope`` adds the scope ids the table requires beside it
        (``{"company_id": 8, "project": {...}}``)."""
        op = _operation(key)
        required = [f.name for f in op.body_fields if f.required]
        candidates = [n for n in required if n not in _BESIDE_WRAPPER] or [
            f.name for f in op.body_fields if f.name not in _BESIDE_WRAPPER
        ]
        if len(candidates) != 1:
            raise ConfigurationError(f"{op.key} has no single wrapper field: {candidates}")
        payload = body(candidates[0], typed, extra)
        if not with_scope:
            return payload
        ids = {"company_id": self.company_id, "project_id": self.project_id}
        return {**{n: ids[n] for n in required if n in ids}, **payload}

    def _sync(
        self,
        key: str,
        model: type[T],
        items: Iterable[Mapping[str, Any]],
        batch_size: int = SYNC_BATCH_SIZE,
    ) -> SyncResult[T]:
        if not 1 <= batch_size <= SYNC_BATCH_SIZE:
            raise ConfigurationError(f"batch_size must be between 1 and {SYNC_BATCH_SIZE}")
        result: SyncResult[T] = SyncResult()
        for batch in _batches(items, batch_size):
            updates = [_wire_fields(item, "sync item") for item in batch]
            response = self._send(key, json={"updates": updates})
            payload = response_json(response)
            if not isinstance(payload, Mapping):
                raise ResponseFormatError(
                    "a sync response must be a JSON object with entities and errors",
                    status_code=response.status_code,
                    url=response.url,
                )
            result = result + structure(payload, SyncResult[model], url=response.url)  # type: ignore[valid-type]
        return result


def changes_verb(key: str, model: type[Any]) -> Callable[..., Changes[Any]]:
    """Build a resource's ``changes`` verb: its list operation ``key`` read incrementally (see
    :func:`procore_dc._changes.read_changes`), items structured as ``model``."""
    path = key.partition(" ")[2]

    def changes(
        self: ResourceClient, *, since: Union[_dt.datetime, str, None], **options: Any
    ) -> Changes[Any]:
        def build(item: Mapping[str, Any]) -> Any:
            return structure(item, model, url=path)

        ids = {"company_id": self.company_id, "project_id": self.project_id}
        return read_changes(self._session, key, since=since, ids=ids, structure=build, **options)

    changes.__doc__ = f"""The {model.__name__} records changed since a checkpoint, lazily.

        Reads ``{key}`` with ``filters[updated_at]=since-overlap...until``; iterate the
        result once, then store its ``checkpoint`` and pass it as ``since`` next time.

        :param since: the last checkpoint; ``None`` reads every record
        :param until: the end of the range (default: now)
        :param window: split the range into windows this wide (default: one)
        :param overlap: how far before ``since`` to start (default: five minutes)
        :param progress: ``True`` for a tqdm bar (when installed) or a callback taking a
            :class:`~procore_dc._changes.Progress`
        :returns: a :class:`~procore_dc._changes.Changes`

        .. code-block:: python

            changed = resource.changes(since=checkpoint)
            for record in changed:
                store(record)
            checkpoint = changed.checkpoint
        """
    return operation(key)(changes)


def _batches(items: Iterable[Mapping[str, Any]], size: int) -> Iterator[list[Mapping[str, Any]]]:
    batch: list[Mapping[str, Any]] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


class ListVerb(Protocol[T]):
    """The signature of a curated ``list`` verb (see :func:`list_verb`).

    .. code-block:: python

        rfis: PageIterator[Rfi] = project.rfis.list(filters={"status": "open"}, limit=10)
    """

    def __call__(
        self,
        *,
        filters: Optional[Mapping[str, Any]] = None,
        sort: Union[str, Sequence[str], None] = None,
        per_page: int = 100,
        limit: Optional[int] = None,
        prefetch: int = 1,
    ) -> PageIterator[T]: ...


def list_verb(
    key: str,
    model: type[T],
    what: str,
    example: str,
    *,
    encode: Callable[[Union[str, Sequence[str], None]], Any] = encode_sort,
) -> ListVerb[T]:
    """Build a resource's ``list`` verb: operation ``key`` read lazily, filtered and sorted,
    items structured as ``model``.

    :param what: what is listed (``"the project's RFIs"``), for the docstring
    :param example: the docstring's example call
    :param encode: how ``sort=`` is sent: ``encode_sort`` (``sort=a,-b``) or
        ``encode_attribute_sort`` for the lists that take ``sort[attribute]``
    """

    def list(
        self: ResourceClient,
        *,
        filters: Optional[Mapping[str, Any]] = None,
        sort: Union[str, Sequence[str], None] = None,
        per_page: int = 100,
        limit: Optional[int] = None,
        prefetch: int = 1,
    ) -> PageIterator[T]:
        params = encode_filters(filters)
        encoded = encode(sort)
        params.update(encoded if isinstance(encoded, Mapping) else {"sort": encoded})
        return self._list(key, model, params, per_page=per_page, limit=limit, prefetch=prefetch)

    one = encode is encode_attribute_sort
    list.__doc__ = f"""List {what}, lazily.

        :param filters: attribute -> value, a list of values or a ``(start, end)`` range (see
            :func:`~procore_dc.resources._base.encode_filters`)
        :param sort: {"one field" if one else "a field, or several"}, ``-`` in front for
            descending{", sent as ``sort[attribute]`` and ``sort[direction]``" if one else ""}
        :param per_page: items per page
        :param limit: stop after this many items (default: all)
        :param prefetch: pages in flight at once once the total is known
        :raises ConfigurationError: for a bad filter{" or more than one sort field" if one else ""}

        .. code-block:: python

            {example}
        """
    # Documentation tools see the model, not the type variable.
    list.__annotations__ = {**list.__annotations__, "return": PageIterator[model]}  # type: ignore[valid-type]
    return cast("ListVerb[T]", operation(key)(list))


Call = Union[Callable[..., Any], tuple[type, str], str, "Operation"]


def _operation_requirement(call: Any) -> Optional[tuple[str, Optional[Requirement]]]:
    """The requirement of an operation, its id or ``"METHOD /path"``, or a scope's ``call``
    bound to one with :func:`functools.partial`; ``None`` for anything else."""
    from procore_dc.operations import Operation, load_operations

    if isinstance(call, functools.partial) and getattr(call.func, "__name__", "") == "call":
        if not call.args:
            raise ConfigurationError(
                "bind the operation: functools.partial(scope.call, 'GET /...')"
            )
        call = call.args[0]
    if isinstance(call, str):
        call = load_operations().get(call)
    if isinstance(call, Operation):
        return call.key, call.requirement
    return None


def _requirement_of(call: Call) -> tuple[str, Optional[Requirement]]:
    found = _operation_requirement(call)
    if found is not None:
        return found
    owner: Any
    if isinstance(call, tuple):
        owner, verb = call
    else:
        owner = getattr(call, "__self__", None)
        verb = getattr(call, "__name__", "")
        if owner is None:
            raise ConfigurationError(
                f"pass a bound resource method or a (ResourceClass, 'verb') pair, got {call!r}"
            )
    cls = owner if isinstance(owner, type) else type(owner)
    permissions = getattr(cls, "permissions", None)
    if not isinstance(permissions, Mapping) or verb not in permissions:
        raise ConfigurationError(f"{getattr(cls, '__name__', cls)}.{verb} declares no permission")
    if isinstance(owner, ResourceClient):
        return f"{cls.__name__}.{verb}", owner._requirement(verb)
    return f"{cls.__name__}.{verb}", permissions[verb]


def required_permissions(calls: Iterable[Call]) -> dict[str, dict[str, str]]:
    """The smallest permission block that allows every given call.

    :param calls: bound resource methods (``project.rfis.list``),
        ``(ResourceClass, "verb")`` pairs, or any of Procore's operations: an
        :class:`~procore_dc.operations.Operation`, its id or ``"METHOD /path"``, or a scope's
        ``call`` bound to one (``functools.partial(project.call, "GET /rest/v1.0/...")``)
    :returns: ``{"company": {tool: level}, "project": {tool: level}}``, the shape of the
        manifest's ``permissions`` block
    :raises ConfigurationError: for a call that declares no permission

    .. code-block:: python

        >>> from procore_dc.resources import RfisResource, ProjectsResource
        >>> required_permissions([(RfisResource, "list"), (ProjectsResource, "create")])
        {'company': {'home': 'standard'}, 'project': {'rfi': 'readonly'}}
        >>> required_permissions(["POST /rest/v1.0/punch_items", "GET /rest/v1.0/vendors"])
        {'company': {'directory': 'readonly'}, 'project': {'punch_list': 'standard'}}
    """
    block: dict[str, dict[str, str]] = {"company": {}, "project": {}}
    for call in calls:
        _, requirement = _requirement_of(call)
        if requirement is None:
            continue
        tools = block[str(requirement.scope)]
        held = tools.get(requirement.tool)
        if held is None or not PermissionLevel(held).covers(requirement.level):
            tools[requirement.tool] = str(requirement.level)
    return block
