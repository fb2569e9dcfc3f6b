"""The operation table: every catalogue operation, looked up, searched and versioned."""

from __future__ import annotations

import gzip
import re
from pathlib import Path

import pytest

from procore_dc import ConfigurationError
from procore_dc._catalog import load_catalog
from procore_dc.operation_permissions import operation_requirements
from procore_dc.operations import Operation, load_operations
from procore_dc.operations._index import build_index, load_index, write_index

RFIS = "GET /rest/v1.0/projects/{project_id}/rfis"


def test_the_table_holds_every_catalogue_operation_with_its_permission() -> None:
    table = load_operations()
    rows = load_catalog()["operations"]
    assert len(table) == len(rows) == 2636
    requirements = operation_requirements()
    keys = set()
    for op in table:
        keys.add(op.key)
        assert op.requirement == requirements[op.key]
        assert op.group == "/".join(op.tag.split("/")[:2])
    assert keys == {f"{row['method']} {row['path']}" for row in rows}


def test_an_operation_is_found_by_id_key_or_concrete_path() -> None:
    table = load_operations()
    op = table.get(RFIS)
    assert table.get("RestV10ProjectsProjectIdRfisGet") is op
    assert table.get("get /rest/v1.0/projects/42/rfis") is op
    assert table.get("GET /rest/v1.0/projects/42/rfis/7?x=1").path.endswith("/rfis/{id}")
    assert table.get(op) is op
    assert op.id == "RestV10ProjectsProjectIdRfisGet"
    assert (op.method, op.version, op.paging, op.scope) == ("GET", "v1.0", "link", "project")
    assert op.path_parameters == ("project_id",)
    assert op.parameter("filters[status]") is not None
    assert op.parameter("nope") is None
    assert op.shape == RFIS
    assert RFIS in table
    assert "GET /rest/v1.0/nothing" not in table
    assert 3 not in table
    assert repr(op) == f"Operation({RFIS!r})"
    assert repr(table) == "OperationTable(2636 operations)"


def test_paging_and_scope_follow_the_catalogue_and_spec() -> None:
    table = load_operations()
    assert table.get("POST /rest/v1.0/punch_items").paging is None
    assert table.get("GET /rest/v1.0/me").scope is None
    assert table.get("GET /rest/v1.0/vendors").scope == "company"
    assert table.get("GET /rest/v1.0/punch_items").scope == "project"
    # Takes page/per_page but answers one object holding the list (or, absent from the
    # spec, a v2.0 ``{"data": [...]}``): not Link-paged items.
    paged = [op for op in table if op.method == "GET" and op.parameter("page")]
    assert {load_index().get(op.key) for op in paged if not op.paging} == {None, 1}
    assert {load_index().get(op.key) for op in paged if op.paging} == {2}


def test_an_unknown_operation_or_version_names_close_ones() -> None:
    table = load_operations()
    with pytest.raises(ConfigurationError, match=re.escape("GET /rest/v1.0/punch_items")):
        table.get("GET /rest/v1.0/punch_itemz")
    with pytest.raises(
        ConfigurationError, match=re.escape("has no version 'v9.9'; it has v1.0, v1.1")
    ):
        table.get("GET /rest/v1.0/projects", version="v9.9")
    assert table.find("GET /rest/v1.0/punch_itemz") is None


def test_versions_oldest_first_and_the_newest() -> None:
    table = load_operations()
    versions = table.versions_of("GET /rest/v1.0/projects")
    assert [op.version for op in versions] == ["v1.0", "v1.1"]
    assert table.newest("GET /rest/v1.1/projects") is versions[-1]
    assert table.get("GET /rest/v1.1/projects", version="v1.0") is versions[0]
    assert table.versions_of(RFIS) == [table.get(RFIS)]


def test_search_ranks_the_operations_matching_most_words_first() -> None:
    table = load_operations()
    found = table.search("budget line items", limit=5)
    assert len(found) == 5
    assert all("budget_line_items" in m.path for m in found)
    assert found == sorted(found, key=lambda m: -m.score)
    assert found[0].group == "Construction Financials/Budget"
    assert table.get(found[0].key).id == found[0].id
    assert table.search("list rfis", limit=1)[0].key == RFIS
    assert table.search("", limit=3) == []
    assert table.search("rfis", limit=0) == []
    assert table.search("zzqqxx") == []


def test_the_shipped_shape_index_matches_the_spec(tmp_path: Path) -> None:
    assert dict(load_index()) == build_index()
    write_index(tmp_path / "shapes.json.gz")
    shipped = Path(__file__).parents[2] / "procore_dc" / "operations" / "shapes.json.gz"
    # Compared unzipped: gzip's header names the OS, which Python 3.13 writes differently.
    written = gzip.decompress((tmp_path / "shapes.json.gz").read_bytes())
    assert written == gzip.decompress(shipped.read_bytes())


def test_operations_are_frozen_data() -> None:
    op = load_operations().get(RFIS)
    with pytest.raises(AttributeError):
        op.path = "/x"  # type: ignore[misc]
    assert isinstance(op, Operation)
