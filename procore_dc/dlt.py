"""Procore lists as a `dlt <https://dlthub.com>`_ source: incremental, merged on ``id``.

Needs the ``export`` extra (``pip install 'procore-dc[export]'``: dlt with pyarrow, and duckdb).
Each tool you name becomes a dlt resource:

- ``write_disposition="merge"`` with ``primary_key="id"``: a record read twice (the overlap,
  a rerun after a failure) is stored once, with its latest values;
- incremental on ``updated_at``: each run reads what changed since a cursor **per project**
  (one for a company-level list), less the overlap margin, through
  :meth:`~procore_dc.client.CompanyScope.project_changes`; the cursors live in dlt's resource
  state, which dlt stores with the load package, so they move only when an extract succeeds,
  and a run killed halfway is simply run again. A project read for the first time (newly
  permitted, or skipped by a 403/404 last run) starts at ``initial_since``, not behind the
  others' cursor;
- columns typed from the operation's response schema in Procore's spec (integers, numbers,
  booleans, dates, timestamps, text);
- nested objects and arrays (``assignee``, ``questions``, ``custom_fields`` ...) are stored as
  **JSON columns** of the tool's table (the source sets ``max_table_nesting=0``), not child
  tables: a merge then replaces a record whole, and no child rows go stale;
- project-level tools read every permitted project on a few threads sharing one session, and
  add a ``project_id`` column;
- records reach dlt as Arrow tables of ``batch_rows`` records typed from the same schema
  (``procore_dc._arrow_rows``), which dlt writes straight to Parquet instead of normalising
  row by row.

.. code-block:: python

    import dlt
    from procore_dc.dlt import procore_source

    pipeline = dlt.pipeline("procore", destination="duckdb", dataset_name="procore")
    pipeline.run(procore_source(client, company_id=8, tools=["rfis", "submittals"]))
"""

from __future__ import annotations

import datetime as _dt
import logging
import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, Callable, Optional, Union

import attrs

try:
    import dlt
    import pyarrow
    from dlt.common.normalizers.utils import generate_dlt_ids
    from dlt.common.schema.typing import C_DLT_ID, C_DLT_LOAD_ID
    from dlt.common.schema.utils import dlt_id_column, dlt_load_id_column
    from dlt.common.storages.exceptions import CurrentLoadPackageStateNotAvailable
except ImportError as exc:  # pragma: no cover - exercised only without the extra
    from procore_dc.exceptions import ConfigurationError

    raise ConfigurationError(
        "procore_dc.dlt needs dlt, pyarrow and duckdb: pip install 'procore-dc[export]'"
    ) from exc

from procore_dc._arrow_rows import arrow_table
from procore_dc._changes import (
    DEFAULT_OVERLAP,
    ListOperation,
    Progress,
    _aware,
    list_operation,
)
from procore_dc.client import ProcoreClient
from procore_dc.exceptions import ConfigurationError

__all__ = ["TOOLS", "ExportReport", "ToolReport", "columns_for", "procore_source", "resolve_tool"]

#: Short names for the lists most apps export; any ``"GET /path"`` of the catalogue works too.
TOOLS: Mapping[str, str] = {
    "projects": "GET /rest/v1.0/projects",
    "users": "GET /rest/v1.3/companies/{company_id}/users",
    "vendors": "GET /rest/v1.0/vendors",
    "rfis": "GET /rest/v1.0/projects/{project_id}/rfis",
    "submittals": "GET /rest/v1.1/projects/{project_id}/submittals",
    "observations": "GET /rest/v1.0/observations/items",
    "manpower_logs": "GET /rest/v1.0/projects/{project_id}/manpower_logs",
    "punch_items": "GET /rest/v1.1/projects/{project_id}/punch_items",
}

_DLT_TYPES = {
    "integer": "bigint",
    "number": "double",
    "boolean": "bool",
    "date": "date",
    "date-time": "timestamp",
    "string": "text",
    "object": "json",
    "array": "json",
}


def resolve_tool(tool: str) -> tuple[str, ListOperation]:
    """``(table name, operation)`` for a short name from :data:`TOOLS` or a ``"GET /path"``.

    :raises ConfigurationError: for a name that is neither

    .. code-block:: python

        >>> resolve_tool("rfis")[1].path
        '/rest/v1.0/projects/{project_id}/rfis'
        >>> resolve_tool("GET /rest/v1.0/projects/{project_id}/rfis")[0]
        'rfis'
    """
    if tool in TOOLS:
        return tool, list_operation(TOOLS[tool])
    if "/" not in tool:
        raise ConfigurationError(
            f"unknown tool {tool!r}: use one of {', '.join(sorted(TOOLS))} or 'GET /rest/...'"
        )
    op = list_operation(tool)
    words = [w for w in op.path.split("/") if w and not w.startswith("{")]
    return re.sub(r"[^a-z0-9_]", "_", words[-1].lower()), op


def columns_for(operation: ListOperation) -> dict[str, dict[str, Any]]:
    """dlt column hints from the operation's response schema (empty when Procore's spec has
    none): top-level fields typed, nested objects and arrays as JSON.

    .. code-block:: python

        >>> columns_for(resolve_tool("rfis")[1])["updated_at"]["data_type"]
        'timestamp'
    """
    from procore_dc._catalog import load_schemas

    shapes = load_schemas()
    entry = shapes["operations"].get(operation.key) or {}
    response = entry.get("response") or {}
    ref = response.get("items_ref") if response.get("type") == "array" else response.get("ref")
    fields = (shapes["models"].get(ref) or {}).get("fields", {}) if ref else {}
    columns: dict[str, dict[str, Any]] = {}
    for name, spec in fields.items():
        kind = spec.get("type")
        if spec.get("format") == "decimal":
            kind = "string"  # numbers Procore sends as JSON strings
        data_type = _DLT_TYPES.get(str(kind))
        if data_type is not None:
            columns[name] = {"data_type": data_type, "nullable": name != "id"}
    return columns


@attrs.define
class ToolReport:
    """What one tool's resource did in the last run.

    :ivar items: records yielded (before dlt's merge)
    :ivar requests: pages fetched
    :ivar since: where the read started (``None``: a full read)
    :ivar checkpoint: the greatest ``updated_at`` seen
    :ivar failures: project id -> the 403/404 that skipped it
    :ivar notice: why the tool was read in full, when its list has no ``updated_at`` filter
    """

    table: str
    operation: str
    items: int = 0
    requests: int = 0
    since: Optional[str] = None
    checkpoint: Optional[str] = None
    failures: dict[int, str] = attrs.field(factory=dict)
    notice: Optional[str] = None


@attrs.define
class ExportReport:
    """Filled by :func:`procore_source` as its resources run: table name -> :class:`ToolReport`."""

    tools: dict[str, ToolReport] = attrs.field(factory=dict)


def _iso(value: Optional[_dt.datetime]) -> Optional[str]:
    return None if value is None else value.isoformat().replace("+00:00", "Z")


def _batched(rows: Iterator[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


class _JsonTextNotice(logging.Filter):
    """Drops dlt's warning that a JSON column arrives as Arrow text: that is how the source
    hands JSON over (dlt's own Arrow form of a JSON column), and it would repeat each batch."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: set[str] = set()

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "when merging arrow schema with dlt schema" not in message:
            return True
        return not any(message.startswith(f"In resource: {t},") for t in self.tables)


_JSON_TEXT_NOTICE = _JsonTextNotice()
logging.getLogger("dlt").addFilter(_JSON_TEXT_NOTICE)


def _tables(
    rows: Iterator[dict[str, Any]], columns: dict[str, dict[str, Any]], size: int
) -> Iterator[tuple[int, Any]]:
    """``(rows, item)``: Arrow tables of ``size`` rows with the ``_dlt_load_id`` and ``_dlt_id``
    columns dlt's own normaliser would add, so the table has the same shape either way; a
    batch Arrow cannot type goes as dicts, through dlt's normaliser."""
    try:
        load_id: Optional[str] = dlt.current.load_package_state()["load_id"]
    except CurrentLoadPackageStateNotAvailable:
        load_id = None  # iterated outside a pipeline (list(source.resources["rfis"]))
    for batch in _batched(rows, size):
        built = arrow_table(batch, columns)
        if built is None:
            yield len(batch), batch
            continue
        table, nested = built
        count = table.num_rows
        if load_id is not None:
            table = table.append_column(
                pyarrow.field(C_DLT_LOAD_ID, pyarrow.string(), nullable=False),
                pyarrow.array([load_id] * count, pyarrow.string()),
            )
        table = table.append_column(
            pyarrow.field(C_DLT_ID, pyarrow.string(), nullable=False),
            pyarrow.array(generate_dlt_ids(count), pyarrow.string()),
        )
        new = {name: {"data_type": "json"} for name in nested if name not in columns}
        if new:
            # A nested field the spec does not name: a JSON column, as the dicts would make.
            columns.update(new)
            yield count, dlt.mark.with_hints(table, dlt.mark.make_hints(columns=new))
        else:
            yield count, table


def procore_source(
    client: ProcoreClient,
    company_id: int,
    tools: Sequence[str] = ("rfis",),
    *,
    project_ids: Optional[Sequence[int]] = None,
    initial_since: Union[_dt.datetime, str, None] = None,
    overlap: _dt.timedelta = DEFAULT_OVERLAP,
    max_workers: int = 4,
    per_page: int = 100,
    batch_rows: int = 5000,
    progress: Optional[Callable[[str, Progress], None]] = None,
    report: Optional[ExportReport] = None,
) -> Any:
    """A dlt source with one merged, incremental resource per tool.

    :param client: a :class:`~procore_dc.client.ProcoreClient`
    :param company_id: the company to export
    :param tools: short names from :data:`TOOLS` or ``"GET /path"`` list operations
    :param project_ids: the projects to read (default: every project the company lists)
    :param initial_since: where a project's first read starts (default: every record)
    :param overlap: how far before its stored cursor each read starts
    :param max_workers: projects read at once
    :param per_page: records a request asks for
    :param batch_rows: records in each Arrow table handed to dlt (memory holds about two)
    :param progress: called with ``(table, Progress)`` after each page
    :param report: an :class:`ExportReport` to fill with per-tool figures
    :raises ConfigurationError: for an unknown tool, an empty tool list or ``batch_rows`` below 1

    .. code-block:: python

        pipeline = dlt.pipeline("procore", destination=dlt.destinations.duckdb("procore.duckdb"),
                                dataset_name="procore")
        info = pipeline.run(procore_source(client, 8, tools=["rfis", "vendors"]))
    """
    resolved = [resolve_tool(t) for t in tools]
    if not resolved:
        raise ConfigurationError("procore_source needs at least one tool")
    if isinstance(batch_rows, bool) or not isinstance(batch_rows, int) or batch_rows < 1:
        raise ConfigurationError(f"batch_rows must be an integer >= 1, got {batch_rows!r}")
    names = [name for name, _ in resolved]
    if len(set(names)) != len(names):
        raise ConfigurationError(f"each tool may be named once, got {names}")
    company = client.company(company_id)
    state = report if report is not None else ExportReport()
    # The cursor compares Procore's own text form ("2025-01-06T08:00:00Z"), so a datetime is
    # written the same way.
    initial = _aware(initial_since, "initial_since")

    def make(table: str, op: ListOperation) -> Any:
        def on_page(event: Progress) -> None:
            if progress is not None:
                progress(table, event)

        columns = columns_for(op)
        _JSON_TEXT_NOTICE.tables.add(table)
        if op.project_level:
            columns.setdefault("project_id", {"data_type": "bigint", "nullable": True})
        columns[C_DLT_LOAD_ID] = dict(dlt_load_id_column())
        columns[C_DLT_ID] = dict(dlt_id_column())

        @dlt.resource(name=table, primary_key="id", write_disposition="merge", columns=columns)
        def rows() -> Iterator[Any]:
            # A cursor per project (one for a company-level list) in dlt's resource state: dlt
            # stores it with the load package, so it moves only when a whole extract succeeded,
            # and a project read for the first time (newly permitted, or skipped by a 403/404
            # last run) starts at initial_since instead of behind the other projects' cursor.
            marks: dict[str, str] = dlt.current.resource_state().setdefault("checkpoints", {})
            tool = ToolReport(table=table, operation=op.key)
            state.tools[table] = tool
            if op.project_level:
                ids = (
                    list(project_ids)
                    if project_ids is not None
                    else [p.id for p in company.projects.list()]
                )
                since = {pid: _aware(marks.get(str(pid)), "checkpoint") or initial for pid in ids}
                starts = list(since.values())
                tool.since = None if None in starts else _iso(min(starts))  # type: ignore[type-var]
                run = company.project_changes(
                    op,
                    since=since,
                    project_ids=ids,
                    overlap=overlap,
                    per_page=per_page,
                    max_workers=max_workers,
                    progress=on_page,
                )
                tagged = ({**item, "project_id": pid} for pid, item in run)
                for count, batch in _tables(tagged, columns, batch_rows):
                    tool.items += count
                    yield batch
                for pid, mark in run.checkpoints.items():
                    if pid not in run.failures and mark is not None:
                        marks[str(pid)] = str(_iso(mark))
                tool.requests = run.requests
                tool.checkpoint = _iso(max(filter(None, run.checkpoints.values()), default=None))
                tool.failures = {pid: str(exc) for pid, exc in run.failures.items()}
                notices = [r.notice for r in run.reads.values() if r.notice]
                tool.notice = notices[0] if notices else None
            else:
                key = f"company {company_id}"
                begin = _aware(marks.get(key), "checkpoint") or initial
                tool.since = _iso(begin)
                changes = company.changes(
                    op, since=begin, overlap=overlap, per_page=per_page, progress=on_page
                )
                for count, batch in _tables((dict(row) for row in changes), columns, batch_rows):
                    tool.items += count
                    yield batch
                if changes.checkpoint is not None:
                    marks[key] = str(_iso(changes.checkpoint))
                tool.requests = changes.requests
                tool.checkpoint = _iso(changes.checkpoint)
                tool.notice = changes.notice

        return rows

    @dlt.source(name="procore", max_table_nesting=0)
    def source() -> Any:
        return [make(table, op) for table, op in resolved]

    return source()
