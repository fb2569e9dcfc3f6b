"""``procore-dc export``: copy Procore lists into a database through dlt, incrementally."""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import Any, Optional, TextIO

from procore_dc._commands._connect import add_auth_argument, auth_for, session_for
from procore_dc._commands._credentials import add_credential_arguments, resolve
from procore_dc.exceptions import ConfigurationError

EPILOG = """examples:
  procore-dc export --company 8 --tools rfis,submittals,vendors
      into ./procore_export.duckdb; run it again to fetch only what changed
  procore-dc export --company 8 --tools rfis --to duckdb:/data/procore.duckdb --full-refresh
  procore-dc export --company 8 --tools "GET /rest/v1.0/projects/{project_id}/rfis"
  procore-dc export --company 8 --tools rfis --to postgres
      any dlt destination by name, configured the dlt way (.dlt/secrets.toml or env vars)

Needs the export extra: pip install 'procore-dc[export]'.
"""


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "export",
        help="copy Procore lists into DuckDB (or any dlt destination), incrementally",
        description="Export the named lists of every permitted project into a database with "
        "dlt: the first run loads everything, later runs only what changed (merged on id).",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--tools",
        required=True,
        metavar="LIST",
        help="comma-separated: projects, users, vendors, rfis, submittals, observations, "
        "manpower_logs, punch_items, or 'GET /path' list operations",
    )
    parser.add_argument(
        "--to",
        default="duckdb:procore_export.duckdb",
        metavar="DEST",
        help="duckdb:PATH, or a dlt destination name (default: duckdb:procore_export.duckdb)",
    )
    parser.add_argument(
        "--full-refresh",
        action="store_true",
        help="drop the tables and the stored cursors, then load everything again",
    )
    parser.add_argument("--dataset", default="procore", help="dataset (schema) name")
    parser.add_argument(
        "--pipeline", default="procore_dc_export", help="dlt pipeline name (its state's key)"
    )
    parser.add_argument(
        "--pipelines-dir",
        metavar="DIR",
        help="where dlt keeps pipeline state (default: dlt's, ~/.dlt/pipelines)",
    )
    parser.add_argument(
        "--workers", type=int, default=4, metavar="N", help="projects read at once (default: 4)"
    )
    add_credential_arguments(parser)
    add_auth_argument(parser)
    parser.set_defaults(handler=run)


def destination_for(target: str, dataset: str) -> Any:
    """``duckdb:PATH`` -> a DuckDB destination on that file; anything else is a dlt name."""
    import dlt

    kind, sep, where = target.partition(":")
    if kind == "duckdb" and sep:
        if not where:
            raise ConfigurationError("--to duckdb:PATH needs a file path")
        path = Path(where).expanduser()
        if path.stem == dataset:
            # DuckDB names the catalogue after the file: the same name as the schema makes
            # every table reference ambiguous.
            raise ConfigurationError(
                f"the DuckDB file {path.name!r} and --dataset {dataset!r} must differ in name"
            )
        return dlt.destinations.duckdb(str(path))
    if not target or sep:
        raise ConfigurationError(
            f"--to takes duckdb:PATH or a dlt destination name, got {target!r}"
        )
    return target


class ProgressLines:
    """One progress line per tool on ``stream`` (rewritten in place on a terminal)."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.live = stream.isatty()
        self.items: dict[str, dict[Optional[int], int]] = {}
        self.last = 0.0

    def __call__(self, table: str, event: Any) -> None:
        counts = self.items.setdefault(table, {})
        counts[event.project_id] = event.items
        if self.live and time.monotonic() - self.last > 0.2:
            self.last = time.monotonic()
            self.stream.write(f"\r{table}: {sum(counts.values())} items read")
            self.stream.flush()

    def finish(self, table: str, items: int, requests: int) -> None:
        prefix = "\r" if self.live else ""
        self.stream.write(f"{prefix}{table}: {items} items read in {requests} requests\n")
        self.stream.flush()


def run(args: argparse.Namespace) -> int:
    try:
        import dlt

        from procore_dc.dlt import ExportReport, procore_source
    except ImportError:
        raise ConfigurationError(
            "procore-dc export needs dlt and duckdb: pip install 'procore-dc[export]'"
        ) from None
    from procore_dc.client import ProcoreClient

    if not args.debug:
        # dlt warns about columns that held only nulls in a load; the summary says what matters.
        os.environ.setdefault("RUNTIME__LOG_LEVEL", "ERROR")
    tools = [t.strip() for t in args.tools.split(",") if t.strip()]
    if args.workers < 1:
        raise ConfigurationError(f"--workers must be at least 1, got {args.workers}")
    credentials = resolve(args)
    credentials.require("company_id")
    company_id = int(str(credentials.company_id))
    auth = auth_for(credentials, args.auth)
    options: dict[str, Any] = {}
    if args.pipelines_dir:
        options["pipelines_dir"] = str(Path(args.pipelines_dir).expanduser())
    pipeline = dlt.pipeline(
        pipeline_name=args.pipeline,
        destination=destination_for(args.to, args.dataset),
        dataset_name=args.dataset,
        **options,
    )
    report = ExportReport()
    lines = ProgressLines(sys.stderr)
    with ProcoreClient(session_for(credentials, auth)) as client:
        source = procore_source(
            client,
            company_id,
            tools=tools,
            max_workers=args.workers,
            progress=lines,
            report=report,
        )
        started = time.monotonic()
        pipeline.run(source, refresh="drop_sources" if args.full_refresh else None)
        elapsed = time.monotonic() - started
        for table, tool in report.tools.items():
            lines.finish(table, tool.items, tool.requests)
        print_summary(pipeline, report, client.session.rate_limit, elapsed, sys.stdout)
    return 0


def print_summary(pipeline: Any, report: Any, rate_limit: Any, elapsed: float, out: TextIO) -> None:
    """Rows loaded per table, requests, rate-limit headroom and each tool's checkpoint."""
    trace = pipeline.last_trace
    counts = trace.last_normalize_info.row_counts if trace and trace.last_normalize_info else {}
    out.write(f"exported in {elapsed:.1f}s to {pipeline.destination.destination_name}\n")
    for table, tool in report.tools.items():
        since = tool.since or "the beginning"
        out.write(
            f"  {table}: {counts.get(table, 0)} rows loaded, {tool.requests} requests, "
            f"since {since}, checkpoint {tool.checkpoint or '-'}\n"
        )
        for project_id, error in sorted(tool.failures.items()):
            out.write(f"    project {project_id} skipped: {error}\n")
        if tool.notice:
            out.write(f"    note: {tool.notice}\n")
    requests = sum(tool.requests for tool in report.tools.values())
    headroom = (
        f"{rate_limit.remaining} of {rate_limit.limit} left in this window"
        if rate_limit.limit is not None
        else "no rate-limit headers seen"
    )
    out.write(f"requests: {requests}; rate limit: {headroom}\n")
    out.flush()
