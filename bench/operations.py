"""What the operation table costs: load time, search time, import time and package size.

1. ``load_operations()`` in fresh interpreters (``procore_dc.operations`` already imported):
   the table of all 2,636 operations, then one look-up, then the first search.
2. Import time in fresh interpreters, alternating runs: ``import procore_dc`` and
   ``from procore_dc import ProcoreClient``, and ``import procore_dc.operations``. With
   ``--baseline DIR`` (a checkout of an earlier commit, e.g. made with
   ``git archive <commit> | tar -x -C DIR``) the same imports from there, in the same run.
3. The bytes ``procore_dc/operations`` adds to the package (source and data).

Prints figures; asserts nothing. Run: ``python bench/operations.py [--runs 15] [--baseline DIR]``.
"""

from __future__ import annotations

import argparse
import compileall
import os
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Optional

HERE = Path(__file__).resolve().parents[1]

# The editable install's import hook would win over PYTHONPATH: drop it, so each run imports
# the tree it names (this one or the baseline) the same way; each runs in its tree's folder.
PREFIX = (
    "import sys; sys.meta_path[:] = [f for f in sys.meta_path "
    "if 'editable' not in repr(f).lower()]; "
)
TIMED = (
    "import time; t, c = time.perf_counter(), time.process_time(); {}; "
    "print(time.perf_counter() - t, time.process_time() - c)"
)
LOAD = (
    "import time, procore_dc.operations as o; t, p = time.perf_counter(), time.process_time(); "
    "table = o.load_operations(); a, q = time.perf_counter(), time.process_time(); "
    "table.get('GET /rest/v1.0/projects/{project_id}/rfis'); "
    "b = time.perf_counter(); table.search('budget line items'); c = time.perf_counter(); "
    "print(a - t, q - p, b - a, c - b)"
)


def run(code: str, root: Path) -> list[float]:
    env = {**os.environ, "PYTHONPATH": str(root)}
    out = subprocess.run(
        [sys.executable, "-c", PREFIX + code],
        capture_output=True,
        text=True,
        check=True,
        env=env,
        cwd=root,
    )
    return [float(x) for x in out.stdout.split()]


def load_times(runs: int) -> None:
    rows = [run(LOAD, HERE) for _ in range(runs)]
    names = ("load_operations()", "  its CPU time", "first get()", "first search()")
    print(f"1. the operation table in fresh interpreters, {runs} runs")
    for index, name in enumerate(names):
        values = [row[index] for row in rows]
        print(
            f"  {name:<20} best {min(values) * 1e3:7.2f} ms, median "
            f"{statistics.median(values) * 1e3:7.2f} ms"
        )


def import_times(runs: int, baseline: Optional[Path]) -> None:
    subjects = {
        "import procore_dc": "import procore_dc",
        "from procore_dc import ProcoreClient": "from procore_dc import ProcoreClient",
        "import procore_dc.operations": "import procore_dc.operations",
    }
    roots = {"this tree": HERE}
    if baseline is not None:
        roots["baseline"] = baseline.resolve()
    for where, root in roots.items():
        compileall.compile_dir(str(root / "procore_dc"), quiet=1)
        found = subprocess.run(
            [sys.executable, "-c", PREFIX + "import procore_dc; print(procore_dc.__file__)"],
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "PYTHONPATH": str(root)},
            cwd=root,
        ).stdout.strip()
        if not found.startswith(str(root)):
            raise SystemExit(f"{where}: procore_dc imports from {found}, not {root}")
    times: dict[tuple[str, str], list[float]] = {}
    cpu: dict[tuple[str, str], list[float]] = {}
    for _ in range(runs):
        for label, code in subjects.items():
            for where, root in roots.items():
                missing = not (root / "procore_dc" / "operations").is_dir()
                if missing and label == "import procore_dc.operations":
                    continue
                wall, cpu_time = run(TIMED.format(code), root)
                times.setdefault((label, where), []).append(wall)
                cpu.setdefault((label, where), []).append(cpu_time)
    print(f"2. import time in fresh interpreters, {runs} runs each, alternating")
    for (label, where), values in times.items():
        print(
            f"  {label:<38} {where:<10} wall best {min(values) * 1e3:7.2f} ms, median "
            f"{statistics.median(values) * 1e3:7.2f} ms; CPU median "
            f"{statistics.median(cpu[label, where]) * 1e3:7.2f} ms"
        )
    if baseline is not None:
        for label in subjects:
            ours, theirs = times.get((label, "this tree")), times.get((label, "baseline"))
            if ours and theirs:
                ratio = statistics.median(ours) / statistics.median(theirs)
                mine, base = cpu[label, "this tree"], cpu[label, "baseline"]
                cpu_ratio = statistics.median(mine) / statistics.median(base)
                print(
                    f"  {label}: this tree / baseline, wall medians {ratio:.2f}x, "
                    f"CPU medians {cpu_ratio:.2f}x"
                )


def package_growth() -> None:
    folder = HERE / "procore_dc" / "operations"
    files = [p for p in folder.iterdir() if p.is_file() and p.suffix in (".py", ".gz")]
    total = sum(p.stat().st_size for p in files)
    package = sum(
        p.stat().st_size
        for p in (HERE / "procore_dc").rglob("*")
        if p.is_file() and p.suffix in (".py", ".gz", ".typed")
    )
    print(
        f"3. procore_dc/operations: {total:,} bytes in {len(files)} files "
        f"({total / package:.1%} of the package's {package:,} bytes of source and data)"
    )


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--baseline", type=Path, default=None)
    args = parser.parse_args(argv)
    one = os.getloadavg()[0]
    print(
        f"Python {sys.version.split()[0]}; load average {one:.2f} (1 min) on {os.cpu_count()} CPUs"
    )
    load_times(args.runs)
    import_times(args.runs, args.baseline)
    package_growth()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
