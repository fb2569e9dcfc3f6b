"""The layer table in ``docs/architecture.rst`` holds for every import in ``procore_dc/``."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
from import_graph import import_graph, module_files

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "docs" / "_ext"))
import procore_layers as layers

LIMIT = 400  # lines: "rooms with one job, under about 400 lines"


@pytest.fixture(scope="module")
def table() -> list[layers.Layer]:
    return layers.read_table()


def test_every_module_has_a_layer(table: list[layers.Layer]) -> None:
    missing = sorted(m for m in module_files() if layers.layer_of(m, table) is None)
    assert not missing, f"add these modules to the layer table of docs/architecture.rst: {missing}"


def test_every_import_follows_the_table(table: list[layers.Layer]) -> None:
    files = module_files()
    broken = []
    for module, edges in import_graph().items():
        own = layers.layer_of(module, table)
        if own is None:
            continue  # reported by test_every_module_has_a_layer
        for imported, line in edges.items():
            if not layers.allowed(own, imported, table):
                target = layers.layer_of(imported, table)
                where = files[module].relative_to(files["procore_dc"].parents[1])
                broken.append(
                    f"{where}:{line}: {module} ({own.name}) imports {imported} "
                    f"({target.name if target else 'no layer'})"
                )
    assert not broken, "imports against docs/architecture.rst's layer table:\n" + "\n".join(broken)


def test_the_table_names_only_known_layers(table: list[layers.Layer]) -> None:
    names = {layer.name for layer in table}
    for layer in table:
        for entry in layer.may_import:
            assert entry in names or entry.startswith("procore_dc"), (layer.name, entry)


def test_the_checker_refuses_an_upward_import(table: list[layers.Layer]) -> None:
    """The rules bite: models may not import the session; the sandbox may not import auth."""
    models = layers.layer_of("procore_dc.models._base", table)
    sandbox = layers.layer_of("procore_dc.testing._sandbox", table)
    assert models is not None
    assert sandbox is not None
    assert not layers.allowed(models, "procore_dc.session", table)
    assert not layers.allowed(sandbox, "procore_dc.auth.base", table)
    assert not layers.allowed(sandbox, "procore_dc.models", table)
    assert layers.allowed(sandbox, "procore_dc.permissions", table)
    assert not any(
        layers.allowed(layer, "procore_dc", table) for layer in table if layer.name != "facade"
    )


def test_large_modules_are_explained() -> None:
    """Every module over about 400 lines is named, with its reason, in the page's size section."""
    page = layers.PAGE.read_text(encoding="utf-8")
    section = page.split("Module sizes\n------------", 1)[1].split("Every module and its job", 1)[0]
    explained = set(re.findall(r"``(procore_dc[\w.]*)``", section))
    large = {
        name: n
        for name, path in module_files().items()
        if (n := len(path.read_text(encoding="utf-8").splitlines())) > LIMIT * 1.1
    }
    missing = {name: n for name, n in large.items() if name not in explained}
    assert not missing, f"over {LIMIT} lines and not explained in docs/architecture.rst: {missing}"
