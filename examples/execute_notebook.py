"""Execute ``examples/notebook.ipynb`` against FakeProcore and save it with its outputs.

Run this after changing the notebook (``tests/examples/test_notebook.py`` checks that the
committed outputs are current):

.. code-block:: console

    python -m pip install -e '.[test]'
    python examples/execute_notebook.py
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

NOTEBOOK = Path(__file__).with_name("notebook.ipynb")

# The saved chart is SVG text; a fixed date and id salt keep a re-run from rewriting every line
# of it (matplotlib reads SOURCE_DATE_EPOCH for the date and svg.hashsalt for the element ids).
_REPRODUCIBLE_DATE = "1767225600"  # 2026-01-01T00:00:00Z


def execute(path: Path = NOTEBOOK, timeout: int = 120) -> object:
    """Run every cell in a fresh kernel and return the notebook with its outputs."""
    import nbformat
    from nbclient import NotebookClient

    notebook = nbformat.read(str(path), as_version=4)
    rc = Path(tempfile.mkdtemp()) / "matplotlibrc"
    rc.write_text("svg.hashsalt: procore-dc\n", encoding="utf-8")
    os.environ["SOURCE_DATE_EPOCH"] = _REPRODUCIBLE_DATE  # the kernel inherits both
    os.environ["MATPLOTLIBRC"] = str(rc)
    client = NotebookClient(
        notebook,
        timeout=timeout,
        kernel_name="python3",
        record_timing=False,  # no timestamps in the committed file
        resources={"metadata": {"path": str(path.parent)}},
    )
    client.execute()
    for cell in notebook.cells:
        cell.metadata.pop("execution", None)
    notebook.metadata.pop("widgets", None)
    return notebook


def main(argv: list[str]) -> int:
    import nbformat

    path = Path(argv[0]) if argv else NOTEBOOK
    nbformat.write(execute(path), str(path))
    print(f"executed and saved {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
