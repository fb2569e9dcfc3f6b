"""What every resource client shares: permission declarations, filters, bodies, structuring.

Each verb declares the tool permission it needs with :func:`requires`. The declarations are
collected per class into ``permissions`` (verb -> :class:`~procore_dc.permissions.Requirement`),
which is how :func:`required_permissions` derives a least-privilege manifest block.
"""

from __future__ import annotations

import datetime as _dt
import numbers
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Callable, ClassVar, Optional, TypeVar, Union

from procore_dc._changes import Changes, read_changes
from procore_dc._ids import TEXT_ID_FIELDS, coerce_id, coerce_optional_id
from procore_dc._ids import path_id as path_id  # re-exported: the resources take it from here
from procore_dc.exceptions import ConfigurationError, ResponseFormatError
from procore_dc.models import SyncResult, format_datetime, structure
from procore_dc.pagination import CursorPageIterator
from procore_dc.permissions import PermissionLevel, Requirement, Scope

if TYPE_CHECKING:
    from procore_dc.pagination import PageIterator
    from procore_dc.session import Session

__all__ = [
    "SYNC_BATCH_SIZE",
    "ResourceClient",
    "changes_verb",
    "encode_filters",
    "required_permissions",
    "requires",
]

T = TypeVar("T")
F = TypeVar("F", bound=Callable[..., Any])

#: Procore's sync endpoints take at most this many items per call (procore-api.md 2.3).
SYNC_BATCH_SIZE = 1000

READ = PermissionLevel.READONLY
WRITE = PermissionLevel.STANDARD


def requires(tool: str, level: PermissionLevel, scope: Optional[Scope] = None) -> Callable[[F], F]:
    """Declare the tool permission a verb needs.

    :param tool: the tool key, e.g. ``"rfi"``
    :param level: the least level that allows the call
    :param scope: company or project (default: the resource class's ``scope``)

    .. code-block:: python

        class RfisResource(ResourceClient):
            scope = Scope.PROJECT

            @requires("rfi", PermissionLevel.READONLY)
            def list(self, ...): ...
    """

    def mark(func: F) -> F:
        func.__procore_requirement__ = (tool, PermissionLevel(level), scope)  # type: ignore[attr-defined]
        return func

    return mark


def no_tool(func: F) -> F:
    """Declare a verb that needs no tool permission (``/me``, ``/companies``)."""
    func.__procore_requirement__ = None  # type: ignore[attr-defined]
    return func


class ResourceClient:
    """Base of the resource clients: a session view plus the ids the paths need.

    :ivar permissions: verb -> :class:`~procore_dc.permissions.Requirement` (``None`` when
        the verb needs no tool), collected from the :func:`requires` declarations
    """

    #: Where the resource's tool lives; verbs without their own scope use it.
    scope: ClassVar[Scope] = Scope.COMPANY
    permissions: ClassVar[Mapping[str, Optional[Requirement]]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        found: dict[str, Optional[Requirement]] = {}
        for klass in reversed(cls.__mro__):
            for name, member in vars(klass).items():
                if not hasattr(member, "__procore_requirement__"):
                    continue
                declared = member.__procore_requirement__
                if declared is None:
                    found[name] = None
                else:
                    tool, level, scope = declared
                    found[name] = Requirement(scope or cls.scope, tool, level)
        cls.permissions = found

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

    # -- helpers for the verbs --------------------------------------------------------------

    def _list(
        self,
        path: str,
        model: type[T],
        params: Optional[Mapping[str, Any]] = None,
        *,
        per_page: int = 100,
        limit: Optional[int] = None,
        prefetch: int = 1,
        cursor: bool = False,
    ) -> PageIterator[T]:
        def build(item: Mapping[str, Any]) -> T:
            return structure(item, model, url=path)

        params = {k: v for k, v in (params or {}).items() if v is not None}
        iterator: PageIterator[T]
        if cursor:
            # The endpoint pages by page_start (the last id seen) and page_size, and sends no
            # Link or Total header.
            iterator = CursorPageIterator(
                self._session,
                path,
                params=params,
                per_page=per_page,
                structure=build,
                limit=limit,
            )
        else:
            iterator = self._session.paginate(
                path,
                params=params,
                per_page=per_page,
                structure=build,
                limit=limit,
                prefetch=prefetch,
            )
        iterator.model = model
        return iterator

    def _call(
        self,
        method: str,
        path: str,
        model: type[T],
        *,
        params: Optional[Mapping[str, Any]] = None,
        json: Any = None,
    ) -> T:
        response = self._session.request(method, path, params=params, json=json)
        from procore_dc.session import response_json  # the session layer owns JSON decoding

        body = response_json(response)
        return structure(body, model, url=response.url)

    def _delete(self, path: str, params: Optional[Mapping[str, Any]] = None) -> None:
        self._session.delete(path, params=params)

    def _sync(
        self,
        path: str,
        model: type[T],
        items: Iterable[Mapping[str, Any]],
        params: Optional[Mapping[str, Any]] = None,
        batch_size: int = SYNC_BATCH_SIZE,
    ) -> SyncResult[T]:
        if not 1 <= batch_size <= SYNC_BATCH_SIZE:
            raise ConfigurationError(f"batch_size must be between 1 and {SYNC_BATCH_SIZE}")
        result: SyncResult[T] = SyncResult()
        for batch in _batches(items, batch_size):
            body = [_wire_fields(item, "sync item") for item in batch]
            response = self._session.request("PATCH", path, params=params, json={"updates": body})
            from procore_dc.session import response_json

            payload = response_json(response)
            if not isinstance(payload, Mapping):
                raise ResponseFormatError(
                    "a sync response must be a JSON object with entities and errors",
                    status_code=response.status_code,
                    url=response.url,
                )
            result = result + structure(payload, SyncResult[model], url=response.url)  # type: ignore[valid-type]
        return result


def changes_verb(tool: str, path: str, model: type[Any]) -> Callable[..., Changes[Any]]:
    """Build a resource's ``changes`` verb: its list read incrementally (see
    :func:`procore_dc._changes.read_changes`), items structured as ``model``."""

    @requires(tool, READ)
    def changes(
        self: ResourceClient, *, since: Union[_dt.datetime, str, None], **options: Any
    ) -> Changes[Any]:
        def build(item: Mapping[str, Any]) -> Any:
            return structure(item, model, url=path)

        ids = {"company_id": self.company_id, "project_id": self.project_id}
        return read_changes(
            self._session, f"GET {path}", since=since, ids=ids, structure=build, **options
        )

    changes.__doc__ = f"""The {model.__name__} records changed since a checkpoint, lazily.

        Reads ``GET {path}`` with ``filters[updated_at]=since-overlap...until``; iterate the
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
    return changes


def _batches(items: Iterable[Mapping[str, Any]], size: int) -> Iterator[list[Mapping[str, Any]]]:
    batch: list[Mapping[str, Any]] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def wire_value(value: Any) -> Any:
    """Turn a Python value into what Procore expects in a JSON body or a query."""
    if isinstance(value, _dt.datetime):
        return format_datetime(value)
    if isinstance(value, _dt.date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): wire_value(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [wire_value(v) for v in value]
    if type(value) is not bool and isinstance(value, numbers.Integral):
        return int(value)  # numpy.int64 out of a DataFrame: json cannot encode it
    return value


def _wire_fields(fields: Any, what: str) -> dict[str, Any]:
    if not isinstance(fields, Mapping):
        raise ConfigurationError(f"each {what} must be a mapping, got {type(fields).__name__}")
    return {str(k): wire_value(v) for k, v in fields.items()}


def body(wrapper: str, typed: Mapping[str, Any], extra: Mapping[str, Any]) -> dict[str, Any]:
    """Build Procore's wrapped body, e.g. ``{"rfi": {...}}``, leaving out unset typed fields."""
    fields = {
        k: v if k in TEXT_ID_FIELDS or not k.endswith("_id") else coerce_id(v, k)
        for k, v in typed.items()
        if v is not None
    }
    fields.update(extra)
    return {wrapper: _wire_fields(fields, "field set")}


def _filter_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, _dt.datetime):
        return format_datetime(value)
    if isinstance(value, _dt.date):
        return value.isoformat()
    return str(value)


def encode_filters(filters: Optional[Mapping[str, Any]], key: str = "filters") -> dict[str, Any]:
    """Encode Procore's filter syntax as query parameters (procore-api.md 2.6).

    - ``{"status": "open"}`` -> ``filters[status]=open``
    - lists (and sets) -> ``filters[id][]=1&filters[id][]=2``
    - a ``(start, end)`` tuple of dates or datetimes -> ``filters[created_at]=a...b``, in
      ISO 8601 UTC

    :param filters: attribute -> value
    :param key: the parameter name (``filter`` for webhook deliveries)
    :raises ConfigurationError: for a ``None`` value or a nested mapping

    .. code-block:: python

        >>> encode_filters({"status": "open", "id": [1, 2]})
        {'filters[status]': 'open', 'filters[id][]': ['1', '2']}
    """
    params: dict[str, Any] = {}
    for name, value in (filters or {}).items():
        if value is None or isinstance(value, Mapping):
            raise ConfigurationError(
                f"filter {name!r} needs a value, a list or a (start, end) range, got {value!r}"
            )
        if (
            isinstance(value, tuple)
            and len(value) == 2
            and all(isinstance(v, _dt.date) for v in value)
        ):
            start, end = value
            params[f"{key}[{name}]"] = f"{_filter_value(start)}...{_filter_value(end)}"
        elif isinstance(value, (list, tuple, set, frozenset)):
            items = sorted(value, key=str) if isinstance(value, (set, frozenset)) else value
            params[f"{key}[{name}][]"] = [_filter_value(v) for v in items]
        else:
            params[f"{key}[{name}]"] = _filter_value(value)
    return params


def encode_sort(sort: Union[str, Sequence[str], None]) -> Optional[str]:
    """``sort=a,-b``: one field or several; a ``-`` prefix sorts descending."""
    if sort is None:
        return None
    if isinstance(sort, str):
        return sort
    return ",".join(sort)


def encode_attribute_sort(sort: Union[str, Sequence[str], None]) -> dict[str, str]:
    """``sort[attribute]`` and ``sort[direction]``, for the lists that spell sorting so.

    Procore's catalogue gives some lists (RFIs) these two parameters instead of ``sort``;
    they take one attribute, ``-`` in front for descending, as :func:`encode_sort` does.

    :raises ConfigurationError: for more than one attribute

    .. code-block:: python

        >>> encode_attribute_sort("-created_at")
        {'sort[attribute]': 'created_at', 'sort[direction]': 'desc'}
    """
    if sort is None:
        return {}
    fields = [sort] if isinstance(sort, str) else list(sort)
    if len(fields) != 1 or not fields[0].lstrip("-"):
        raise ConfigurationError(
            f"this list sorts by one attribute (sort[attribute]), got {sort!r}; "
            "pass one field name, with '-' in front for descending"
        )
    field = fields[0]
    return {
        "sort[attribute]": field.lstrip("-"),
        "sort[direction]": "desc" if field.startswith("-") else "asc",
    }


Call = Union[Callable[..., Any], tuple[type, str]]


def _requirement_of(call: Call) -> tuple[str, Optional[Requirement]]:
    if isinstance(call, tuple):
        cls, verb = call
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
    return f"{cls.__name__}.{verb}", permissions[verb]


def required_permissions(calls: Iterable[Call]) -> dict[str, dict[str, str]]:
    """The smallest permission block that allows every given call.

    :param calls: bound resource methods (``project.rfis.list``) or
        ``(ResourceClass, "verb")`` pairs
    :returns: ``{"company": {tool: level}, "project": {tool: level}}``, the shape of the
        manifest's ``permissions`` block
    :raises ConfigurationError: for a call that declares no permission

    .. code-block:: python

        >>> from procore_dc.resources import RfisResource, ProjectsResource
        >>> required_permissions([(RfisResource, "list"), (ProjectsResource, "create")])
        {'company': {'home': 'standard'}, 'project': {'rfi': 'readonly'}}
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
