"""Issue 14 item 9: examples/notebook.ipynb runs against FakeProcore, and its committed
outputs are current.

"Current" means: executing the notebook afresh gives, cell by cell, the same stdout, the same
text of every result and display (tables, the manifest JSON, the figure's description) and
the same kinds of output (a figure is still a PNG). Not compared, because they vary from run
to run or machine to machine while the notebook is unchanged: stderr (the progress bar's
refreshes, library warnings), the PNG bytes (fonts, matplotlib versions), the HTML of tables
(pandas versions; its text/plain is compared), execution counts and metadata. The notebook
prints no ports, times or tokens: FakeProcore is seeded, and the dates it generates are
only plotted, never printed.

After changing the notebook: ``python examples/execute_notebook.py``.
"""

from __future__ import annotations

import copy
import importlib.util
from pathlib import Path
from typing import Any

import pytest

nbformat = pytest.importorskip("nbformat")
pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")

EXAMPLES = Path(__file__).parents[2] / "examples"
NOTEBOOK = EXAMPLES / "notebook.ipynb"


def _load_execute() -> Any:
    spec = importlib.util.spec_from_file_location(
        "execute_notebook", EXAMPLES / "execute_notebook.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.execute


def comparable(notebook: Any) -> list[list[tuple[str, str]]]:
    """Per code cell, the outputs that must not change while the notebook does not."""
    cells = []
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        shown: list[tuple[str, str]] = []
        for output in cell.outputs:
            if output.output_type == "stream":
                if output.name == "stdout":
                    shown.append(("stdout", output.text))
            elif output.output_type == "error":
                shown.append(("error", f"{output.ename}: {output.evalue}"))
            else:
                data = output.get("data", {})
                shown.append((output.output_type, data.get("text/plain", "")))
                shown += [("kind", kind) for kind in sorted(data) if kind.startswith("image/")]
        # Stream output may arrive in several messages; join consecutive stdout chunks.
        joined: list[tuple[str, str]] = []
        for kind, text in shown:
            if joined and kind == "stdout" and joined[-1][0] == "stdout":
                joined[-1] = ("stdout", joined[-1][1] + text)
            else:
                joined.append((kind, text))
        cells.append(joined)
    return cells


@pytest.fixture(scope="module")
def committed() -> Any:
    return nbformat.read(str(NOTEBOOK), as_version=4)


@pytest.fixture(scope="module")
def executed(committed: Any, tmp_path_factory: pytest.TempPathFactory) -> Any:
    folder = tmp_path_factory.mktemp("notebook")
    path = folder / "notebook.ipynb"
    fresh = copy.deepcopy(committed)
    for cell in fresh.cells:
        if cell.cell_type == "code":
            cell.outputs = []
    nbformat.write(fresh, str(path))
    execute = _load_execute()
    return execute(path, timeout=120)


def test_the_committed_outputs_are_current(committed: Any, executed: Any) -> None:
    assert comparable(executed) == comparable(committed), (
        "examples/notebook.ipynb's outputs are stale: run python examples/execute_notebook.py"
    )


def test_every_code_cell_ran_and_nothing_failed(executed: Any) -> None:
    code = [cell for cell in executed.cells if cell.cell_type == "code"]
    assert all(cell.execution_count for cell in code)
    assert not [o for cell in code for o in cell.outputs if o.output_type == "error"]


def test_the_notebook_does_what_the_guide_says(committed: Any) -> None:
    cells = comparable(committed)
    text = "\n".join(value for cell in cells for _, value in cell)
    assert "signed in as Sandbox Data Connector" in text  # sign in
    assert "Seattle Clinic 1" in text  # projects into a DataFrame
    assert "250 RFIs from project 100001" in text  # paged RFIs
    assert any(
        kind == "kind" and value.startswith("image/") for cell in cells for kind, value in cell
    )
    assert '"rfi": "readonly"' in text  # the exported manifest
    sources = "\n".join(cell.source for cell in committed.cells)
    assert "tqdm" in sources
    assert "pages()" in sources
    for cell in committed.cells:
        for output in cell.get("outputs", []):
            for value in [output.get("text", ""), *output.get("data", {}).values()]:
                assert "127.0.0.1" not in str(value)  # no ports
                assert app_secret_free(str(value))


def app_secret_free(value: str) -> bool:
    # The sandbox's client id and secret are 64 hex characters; none may be shown.
    import re

    return re.search(r"\b[0-9a-f]{40,}\b", value) is None
