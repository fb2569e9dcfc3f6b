"""Execute ``examples/notebook.ipynb`` against FakeProcore and save it with its outputs.

Run this after changing the notebook (``tests/examples/test_notebook.py`` checks that the
committed outputs are current):

.. code-block:: console

    python -m pip install -e '.[test]'
    python examples/execute_notebook.py
"""

from __future__ import annotations

import sys
from pathlib import Path

NOTEBOOK = Path(__file__).with_name("notebook.ipynb")


def execute(path: Path = NOTEBOOK, timeout: int = 120) -> object:
    """Run every cell in a fresh kernel and return the notebook with its outputs."""
    import nbformat
    from nbclient import NotebookClient

    notebook = nbformat.read(str(path), as_version=4)
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
