"""Incremental reading: what changed in any Procore list since a checkpoint.

One engine for every list operation of the catalogue. When the operation takes a
``filters[updated_at]`` range (Procore's ``start...end`` syntax, procore-api.md 2.6), the read
asks only for records updated since the checkpoint, minus an overlap margin against clock skew
and late commits, optionally split into windows; records seen twice on a window edge are
yielded once. Operations without the filter are read in full, and the result says so. The
caller stores the returned checkpoint (the high-water mark of ``updated_at``) and passes it as
``since`` next time.

:func:`fan_out` runs one read per project on a few threads that share one session (and so its
rate budget), yielding ``(project_id, item)``; a project that answers 403 or 404 is reported and
skipped, the others go on.
"""

from __future__ import annotations

import datetime as _dt
import queue
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any, Callable, Generic, Optional, TypeVar, Union

import attrs

from procore_dc._ids import path_id
from procore_dc._redact import get_logger
from procore_dc.exceptions import ConfigurationError, NotFoundError, PermissionDeniedError
from procore_dc.models import format_datetime, parse_datetime
from procore_dc.session import Session

__all__ = [
    "DEFAULT_OVERLAP",
    "Changes",
    "FanOut",
    "ListOperation",
    "Progress",
    "fan_out",
    "list_operation",
    "read_changes",
]

log = get_logger(__name__)

T = TypeVar("T")

#: How far before the checkpoint each read starts: records committed late, or stamped by a
#: server clock a little behind ours, are still caught. Duplicates this causes are harmless:
#: the reader's store merges on ``id``.
DEFAULT_OVERLAP = _dt.timedelta(minutes=5)

UPDATED_AT_FILTER = "filters[updated_at]"

#: Without ``until``, the range ends this far after now (Procore's syntax has no open end).
OPEN_END = _dt.timedelta(days=366)


@attrs.frozen
class ListOperation:
    """A list operation of the catalogue, as the change reader needs it.

    :ivar method: always ``"GET"``
    :ivar path: the path template, e.g. ``/rest/v1.0/projects/{project_id}/rfis``
    :ivar path_params: the ``{names}`` in the path
    :ivar query_params: the query parameters the catalogue lists
    :ivar incremental: whether it takes a ``filters[updated_at]`` range

    .. code-block:: python

        >>> op = list_operation("GET /rest/v1.0/projects/{project_id}/rfis")
        >>> op.incremental, op.path_params
        (True, ('project_id',))
    """

    method: str
    path: str
    path_params: tuple[str, ...]
    query_params: frozenset[str]
    incremental: bool

    @property
    def key(self) -> str:
        """``"GET /path"``, the catalogue's key."""
        return f"{self.method} {self.path}"

    @property
    def project_level(self) -> bool:
        """Whether each call names one project (in the path or the query)."""
        return "project_id" in self.path_params or "project_id" in self.query_params


def _catalogue_lists() -> dict[str, ListOperation]:
    from procore_dc._catalog import load_catalog

    found: dict[str, ListOperation] = {}
    for op in load_catalog()["operations"]:
        if op["method"] != "GET":
            continue
        params = op.get("params") or []
        query = frozenset(p["name"] for p in params if p.get("in") == "query")
        found[op["path"]] = ListOperation(
            method="GET",
            path=op["path"],
            path_params=tuple(p["name"] for p in params if p.get("in") == "path"),
            query_params=query,
            incremental=UPDATED_AT_FILTER in query,
        )
    return found


_LISTS: Optional[dict[str, ListOperation]] = None
_LISTS_LOCK = threading.Lock()


def list_operation(operation: Union[str, ListOperation]) -> ListOperation:
    """Find a GET operation of the catalogue by ``"GET /path"`` or its path alone.

    :raises ConfigurationError: for a method other than GET or a path the catalogue lacks

    .. code-block:: python

        >>> list_operation("/rest/v1.0/vendors").query_params >= {"company_id"}
        True
    """
    global _LISTS
    if isinstance(operation, ListOperation):
        return operation
    if not isinstance(operation, str):
        raise ConfigurationError(f"name a list operation as 'GET /path', got {operation!r}")
    method, _, path = operation.strip().rpartition(" ")
    if method and method.upper() != "GET":
        raise ConfigurationError(f"changes() reads lists: use a GET operation, not {operation!r}")
    with _LISTS_LOCK:
        if _LISTS is None:
            _LISTS = _catalogue_lists()
    found = _LISTS.get(path)
    if found is None:
        raise ConfigurationError(f"Procore's catalogue has no GET {path!r}")
    return found


@attrs.frozen
class Progress:
    """One report of a change read, passed to the ``progress`` callback after each page.

    :ivar project_id: the project read (``None`` for a company-level list)
    :ivar items: items yielded so far for it
    :ivar requests: pages fetched so far for it
    :ivar done: whether its read has finished
    :ivar error: the 403/404 that stopped it, if one did
    """

    project_id: Optional[int]
    items: int
    requests: int
    done: bool = False
    error: Optional[Exception] = None


ProgressCallback = Callable[[Progress], None]


def _parse(value: Any) -> Optional[_dt.datetime]:
    if value is None or value == "":
        return None
    try:
        return parse_datetime(value)
    except (TypeError, ValueError):
        return None


def _aware(value: Union[_dt.datetime, str, None], name: str) -> Optional[_dt.datetime]:
    if value is None:
        return None
    if isinstance(value, str):
        parsed = _parse(value)
        if parsed is None:
            raise ConfigurationError(f"{name} must be a datetime or ISO 8601 text, got {value!r}")
        return parsed
    if not isinstance(value, _dt.datetime):
        raise ConfigurationError(f"{name} must be a datetime, got {type(value).__name__}")
    return value if value.tzinfo else value.replace(tzinfo=_dt.timezone.utc)


def _windows(
    start: _dt.datetime, end: _dt.datetime, width: Optional[_dt.timedelta]
) -> list[tuple[_dt.datetime, _dt.datetime]]:
    if width is None or end <= start:
        return [(start, end)]
    edges = [start]
    while edges[-1] + width < end:
        edges.append(edges[-1] + width)
    edges.append(end)
    return list(zip(edges, edges[1:]))


class Changes(Generic[T]):
    """The records of one list changed since a checkpoint: iterate it once, then read
    its ``checkpoint``.

    Build it with :func:`read_changes` or ``resource.changes(since=...)``.

    :ivar operation: the :class:`ListOperation` read
    :ivar full_read: ``True`` when the operation has no ``updated_at`` filter (or no
        ``since`` was given) and every record is read
    :ivar notice: why a full read was made, or ``None``
    :ivar checkpoint: the greatest ``updated_at`` seen (``since`` when nothing newer came);
        store it and pass it as ``since`` next time
    :ivar requests: pages fetched
    :ivar items: items yielded

    .. code-block:: python

        changed = project.rfis.changes(since=last_checkpoint)
        for rfi in changed:
            store(rfi)
        last_checkpoint = changed.checkpoint
    """

    def __init__(
        self,
        session: Session,
        operation: ListOperation,
        *,
        path_params: Mapping[str, Any],
        params: Mapping[str, Any],
        since: Optional[_dt.datetime],
        until: Optional[_dt.datetime],
        window: Optional[_dt.timedelta],
        overlap: _dt.timedelta,
        per_page: int,
        structure: Optional[Callable[[Mapping[str, Any]], T]],
        progress: Optional[ProgressCallback],
        project_id: Optional[int],
    ) -> None:
        self.operation = operation
        self._session = session
        self._path = operation.path.format(**path_params)
        self._params = dict(params)
        self.since = since
        self.until = until
        self._window = window
        self._overlap = overlap
        self._per_page = per_page
        self._structure = structure
        self._progress = progress
        self.project_id = project_id
        self.full_read = since is None or not operation.incremental
        self.notice: Optional[str] = None
        if since is not None and not operation.incremental:
            self.notice = (
                f"{operation.key} has no filters[updated_at]: every record is read, "
                "not only the changed ones"
            )
            log.info("%s", self.notice)
        self.checkpoint: Optional[_dt.datetime] = since
        self.requests = 0
        self.items = 0
        self._started = False

    def __repr__(self) -> str:
        return (
            f"Changes({self.operation.key!r}, since={self.since}, checkpoint={self.checkpoint}, "
            f"items={self.items}, requests={self.requests})"
        )

    def __iter__(self) -> Iterator[T]:
        if self._started:
            raise ConfigurationError(
                "a Changes read runs once; call changes() again for another read"
            )
        self._started = True
        return self._run()

    def _report(self, done: bool = False) -> None:
        if self._progress is not None:
            self._progress(Progress(self.project_id, self.items, self.requests, done))

    def _see(self, item: Mapping[str, Any]) -> Optional[_dt.datetime]:
        stamp = _parse(item.get("updated_at")) if isinstance(item, Mapping) else None
        if stamp is not None and (self.checkpoint is None or stamp > self.checkpoint):
            self.checkpoint = stamp
        return stamp

    def _pages(self, params: Mapping[str, Any]) -> Iterator[tuple[Mapping[str, Any], ...]]:
        iterator = self._session.paginate(self._path, params=params, per_page=self._per_page)
        for page in iterator.pages():
            self.requests += 1
            yield page.items

    def _run(self) -> Iterator[T]:
        if self.full_read:
            for items in self._pages(self._params):
                for item in items:
                    self._see(item)
                    yield self._emit(item)
                self._report()
            self._report(done=True)
            return
        assert self.since is not None
        start = self.since - self._overlap
        now = _dt.datetime.now(_dt.timezone.utc)
        windows = _windows(start, self.until or max(now, start), self._window)
        if self.until is None:
            # Procore's range needs two ends; without `until` the last one reaches far ahead,
            # so a record changed while the read pages through stays inside the range (the
            # pages do not shift under it), and a server clock ahead of ours loses nothing.
            windows[-1] = (windows[-1][0], now + OPEN_END)
        edge: set[tuple[Any, Optional[_dt.datetime]]] = set()
        for low, high in windows:
            params = {
                **self._params,
                UPDATED_AT_FILTER: f"{format_datetime(low)}...{format_datetime(high)}",
            }
            # The range is inclusive at both ends: a record stamped exactly on the edge
            # between two windows comes in both; it is yielded once.
            next_edge: set[tuple[Any, Optional[_dt.datetime]]] = set()
            for items in self._pages(params):
                for item in items:
                    stamp = self._see(item)
                    key = (item.get("id"), stamp)
                    if stamp is not None and stamp >= high:
                        next_edge.add(key)
                    if key in edge:
                        continue
                    yield self._emit(item)
                self._report()
            edge = next_edge
        self._report(done=True)

    def _emit(self, item: Mapping[str, Any]) -> T:
        self.items += 1
        if self._structure is None:
            return item  # type: ignore[return-value]
        return self._structure(item)


def _fill(
    operation: ListOperation, ids: Mapping[str, Optional[int]]
) -> tuple[dict[str, Any], dict[str, Any]]:
    path_params: dict[str, Any] = {}
    params: dict[str, Any] = {}
    for name in operation.path_params:
        value = ids.get(name)
        if value is None:
            raise ConfigurationError(
                f"{operation.key} needs {name}; pass it in path_params={{{name!r}: ...}}"
            )
        path_params[name] = path_id(value, name)
    for name in ("company_id", "project_id"):
        if name in operation.query_params and ids.get(name) is not None:
            params[name] = ids[name]
    return path_params, params


def read_changes(
    session: Session,
    operation: Union[str, ListOperation],
    *,
    since: Union[_dt.datetime, str, None],
    until: Union[_dt.datetime, str, None] = None,
    ids: Optional[Mapping[str, Optional[int]]] = None,
    params: Optional[Mapping[str, Any]] = None,
    window: Optional[_dt.timedelta] = None,
    overlap: _dt.timedelta = DEFAULT_OVERLAP,
    per_page: int = 100,
    structure: Optional[Callable[[Mapping[str, Any]], T]] = None,
    progress: Union[bool, ProgressCallback, None] = None,
) -> Changes[T]:
    """Read the records of a list operation changed since ``since``.

    :param session: the session (its company id is sent)
    :param operation: ``"GET /path"`` of the catalogue, or a :class:`ListOperation`
    :param since: the checkpoint of the last read; ``None`` reads everything
    :param until: the end of the range (default: now, plus the overlap)
    :param ids: ``company_id``, ``project_id`` and any other path parameter
    :param params: more query parameters (other filters)
    :param window: split the range into windows this wide (default: one window)
    :param overlap: how far before ``since`` to start (default: :data:`DEFAULT_OVERLAP`)
    :param structure: turns each item mapping into ``T`` (default: the mapping)
    :param progress: ``True`` for a tqdm bar (when tqdm is installed), or a callable taking
        a :class:`Progress` after each page
    :raises ConfigurationError: for an unknown operation, a missing id, or a bad date

    .. code-block:: python

        changed = read_changes(client.session.with_company(8),
                               "GET /rest/v1.0/projects/{project_id}/rfis",
                               ids={"project_id": 42}, since="2026-01-01T00:00:00Z")
        rows = list(changed)
        print(changed.checkpoint, changed.requests)
    """
    op = list_operation(operation)
    start = _aware(since, "since")
    end = _aware(until, "until")
    if start is not None and end is not None and end < start:
        raise ConfigurationError(f"until ({end}) is before since ({start})")
    if window is not None and window <= _dt.timedelta(0):
        raise ConfigurationError(f"window must be a positive timedelta, got {window!r}")
    if overlap < _dt.timedelta(0):
        raise ConfigurationError(f"overlap must not be negative, got {overlap!r}")
    path_params, base = _fill(op, ids or {})
    if params:
        base.update({k: v for k, v in params.items() if v is not None})
    project = (ids or {}).get("project_id") if op.project_level else None
    return Changes(
        session,
        op,
        path_params=path_params,
        params=base,
        since=start,
        until=end,
        window=window,
        overlap=overlap,
        per_page=per_page,
        structure=structure,
        progress=progress_callback(progress, op.key),
        project_id=project,
    )


_DONE = object()


class FanOut(Generic[T]):
    """``(project_id, item)`` from one change read per project, on a few threads.

    Build it with :func:`fan_out` or ``company.changes(...)``. After iterating:

    :ivar checkpoints: project id -> its :class:`Changes` checkpoint
    :ivar reads: project id -> its finished :class:`Changes` (requests, notice ...)
    :ivar failures: project id -> the 403/404 that stopped its read

    .. code-block:: python

        run = company.changes("GET /rest/v1.0/projects/{project_id}/rfis", since=checkpoint)
        for project_id, rfi in run:
            store(project_id, rfi)
        print(run.checkpoint, run.failures)
    """

    def __init__(
        self,
        project_ids: Sequence[int],
        read: Callable[[int], Changes[T]],
        *,
        max_workers: int,
        buffer: int,
        progress: Optional[ProgressCallback],
    ) -> None:
        self.project_ids = list(project_ids)
        self._read = read
        self._max_workers = max_workers
        self._buffer = buffer
        self._progress = progress
        self.reads: dict[int, Changes[T]] = {}
        self.failures: dict[int, Exception] = {}
        self._lock = threading.Lock()

    @property
    def checkpoints(self) -> dict[int, Optional[_dt.datetime]]:
        """Project id -> the high-water mark of its read."""
        with self._lock:
            return {pid: read.checkpoint for pid, read in self.reads.items()}

    @property
    def checkpoint(self) -> Optional[_dt.datetime]:
        """The smallest checkpoint over the projects read without failure: safe to resume all
        of them from."""
        marks = [c for pid, c in self.checkpoints.items() if pid not in self.failures]
        present = [c for c in marks if c is not None]
        return min(present) if present and len(present) == len(marks) else None

    @property
    def requests(self) -> int:
        """Pages fetched over every project."""
        with self._lock:
            return sum(read.requests for read in self.reads.values())

    def __iter__(self) -> Iterator[tuple[int, T]]:
        out: queue.Queue[Any] = queue.Queue(maxsize=self._buffer)
        todo: queue.Queue[int] = queue.Queue()
        for pid in self.project_ids:
            todo.put(pid)
        stop = threading.Event()

        def put(entry: Any) -> bool:
            while not stop.is_set():
                try:
                    out.put(entry, timeout=0.1)
                    return True
                except queue.Full:
                    continue
            return False

        def work() -> None:
            try:
                while not stop.is_set():
                    try:
                        pid = todo.get_nowait()
                    except queue.Empty:
                        return
                    try:
                        changes = self._read(pid)
                        with self._lock:
                            self.reads[pid] = changes
                        for item in changes:
                            if not put((pid, item)):
                                return
                    except (PermissionDeniedError, NotFoundError) as exc:
                        with self._lock:
                            self.failures[pid] = exc
                        log.warning("project %s skipped: %s", pid, exc)
                        if self._progress is not None:
                            self._progress(Progress(pid, 0, 0, True, exc))
            except BaseException as exc:
                put(exc)
            finally:
                put(_DONE)

        workers = [
            threading.Thread(target=work, name=f"procore-dc-changes-{n}", daemon=True)
            for n in range(max(1, min(self._max_workers, len(self.project_ids))))
        ]
        for worker in workers:
            worker.start()
        running = len(workers)
        try:
            while running:
                entry = out.get()
                if entry is _DONE:
                    running -= 1
                elif isinstance(entry, BaseException):
                    raise entry
                else:
                    yield entry
        finally:
            stop.set()
            for worker in workers:
                worker.join()


def fan_out(
    project_ids: Iterable[int],
    read: Callable[[int], Changes[T]],
    *,
    max_workers: int = 4,
    buffer: int = 1000,
    progress: Optional[ProgressCallback] = None,
) -> FanOut[T]:
    """Run ``read(project_id)`` for each project on up to ``max_workers`` threads.

    Items come out as ``(project_id, item)`` through a queue of at most ``buffer`` items, so
    memory holds a few pages, never a whole project. A project whose read raises
    :class:`~procore_dc.exceptions.PermissionDeniedError` or
    :class:`~procore_dc.exceptions.NotFoundError` is recorded in ``failures`` and the others go
    on; any other error stops the run and is raised.

    :raises ConfigurationError: for ``max_workers`` or ``buffer`` below 1

    .. code-block:: python

        run = fan_out([1, 2], lambda pid: read_changes(session, op, ids={"project_id": pid},
                                                        since=None))
        rows = list(run)
    """
    for name, value in (("max_workers", max_workers), ("buffer", buffer)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ConfigurationError(f"{name} must be an integer >= 1, got {value!r}")
    return FanOut(
        list(project_ids), read, max_workers=max_workers, buffer=buffer, progress=progress
    )


def tqdm_progress(description: str) -> Optional[ProgressCallback]:
    """A progress callback drawing a tqdm bar of items, or ``None`` without tqdm installed."""
    try:
        from tqdm.auto import tqdm  # type: ignore[import-untyped]
    except ImportError:
        log.info("progress=True needs tqdm (pip install tqdm); reading without a bar")
        return None
    bar = tqdm(desc=description, unit=" items")
    seen: dict[Optional[int], int] = {}
    lock = threading.Lock()

    def report(event: Progress) -> None:
        with lock:
            before = seen.get(event.project_id, 0)
            seen[event.project_id] = max(before, event.items)
            bar.update(seen[event.project_id] - before)

    return report


def progress_callback(
    progress: Union[bool, ProgressCallback, None], description: str
) -> Optional[ProgressCallback]:
    """Turn ``progress=`` (``True``, a callable or ``None``/``False``) into a callback."""
    if progress is True:
        return tqdm_progress(description)
    if progress is None or progress is False:
        return None
    if not callable(progress):
        raise ConfigurationError(
            f"progress must be True, False, None or a callable, got {progress!r}"
        )
    return progress
