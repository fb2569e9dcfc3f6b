"""The shipped catalogue and spec shapes: complete, parseable, the same facts as the reference."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from procore_dc._catalog import load_catalog, load_schemas

REFERENCE = Path(__file__).resolve().parents[2].parent / "shared" / "data"


def test_catalog_lists_every_operation_once() -> None:
    operations = load_catalog()["operations"]
    assert len(operations) == 2636
    keys = {(op["method"], op["path"]) for op in operations}
    assert len(keys) == len(operations)


def test_schemas_are_keyed_by_catalogue_operations() -> None:
    catalog_keys = {f"{op['method']} {op['path']}" for op in load_catalog()["operations"]}
    shaped = load_schemas()["operations"]
    assert len(shaped) == 1944
    assert set(shaped) <= catalog_keys


def test_loaded_once() -> None:
    assert load_catalog() is load_catalog()
    assert load_schemas() is load_schemas()


@pytest.mark.skipif(
    not REFERENCE.is_dir(), reason="the reference data folder is not beside this checkout"
)
@pytest.mark.parametrize(
    ("name", "load"),
    [("procore-catalog.json", load_catalog), ("procore-schemas.json", load_schemas)],
)
def test_shipped_data_matches_the_reference(name: str, load: object) -> None:
    reference = json.loads((REFERENCE / name).read_text(encoding="utf-8"))
    assert load() == reference  # type: ignore[operator]
