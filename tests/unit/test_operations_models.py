"""Typed results built from Procore's spec, the Record for unshaped answers, and least
privilege for any operation."""

from __future__ import annotations

import datetime as dt
import functools
from decimal import Decimal

import attrs
import pytest

from procore_dc import ConfigurationError, ResponseFormatError
from procore_dc.models import Model, converter, structure, structure_many
from procore_dc.operations import Record, load_operations, mangle, model_for
from procore_dc.operations._models import response_model
from procore_dc.resources import RfisResource, required_permissions

PROJECT = {
    "id": 42,
    "name": "Tower",
    "start_date": "2026-03-01",
    "created_at": "2026-01-02T03:04:05Z",
    "total_value": "1250000.50",
    "flag": "Green",
    "office": {"id": 3, "name": "HQ"},
    "departments": [{"id": 1, "name": "North"}, {"id": 2, "name": "South"}],
    "custom_field_77": {"value": "x"},
}


def test_a_spec_model_parses_dates_decimals_and_nested_models() -> None:
    cls = model_for("Project3")
    assert cls is not None
    project = structure(PROJECT, cls)
    assert project.start_date == dt.date(2026, 3, 1)
    assert project.created_at == dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.timezone.utc)
    assert project.total_value == Decimal("1250000.50")
    assert project.flag == "Green"
    assert isinstance(project.office, Model)
    assert project.office.name == "HQ"
    assert [d.name for d in project.departments] == ["North", "South"]
    assert project.completion_date is None  # absent: every spec field is optional
    assert project.raw["custom_field_77"] == {"value": "x"}  # a key the spec does not name
    assert project.to_dict()["total_value"] == "1250000.50"
    assert project.to_dict()["custom_field_77"] == {"value": "x"}


def test_a_spec_model_is_frozen_slotted_and_compares_without_raw() -> None:
    cls = model_for("Project3")
    assert cls is not None
    assert model_for("Project3") is cls  # built once
    one = structure(PROJECT, cls)
    other = structure({**PROJECT, "unknown": 1}, cls)
    assert one == other
    assert hash(one) == hash(other)
    assert repr(one) == "Project3(id=42, name='Tower')"
    assert "__dict__" not in dir(one)
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        one.name = "x"  # type: ignore[misc]
    doc = cls.__doc__ or ""
    assert "``flag``: string one of 'Red', 'Yellow', 'Green'" in doc
    assert "``total_value``: decimal" in doc


def test_spec_models_take_the_converters_fast_path() -> None:
    cls = model_for("ObjIdNameLogin")
    assert cls is not None
    hook = converter.get_structure_hook(cls)
    assert hook.__name__ == "structure_fast"
    person = hook({"id": 5, "login": "a@example.com", "name": "Ann"}, cls)
    assert (person.id, person.login, person.raw["name"]) == (5, "a@example.com", "Ann")


def test_a_wrong_answer_names_the_model_and_field() -> None:
    cls = model_for("Project3")
    assert cls is not None
    with pytest.raises(ResponseFormatError, match=r"Project3\.total_value"):
        structure({**PROJECT, "total_value": "lots"}, cls)
    with pytest.raises(ResponseFormatError, match="item 1"):
        structure_many([PROJECT, {**PROJECT, "start_date": "soon"}], cls)


def test_mangled_names_read_the_wire_key_and_raw_keeps_it() -> None:
    assert mangle("from") == "from_"
    assert mangle("self") == "self_"
    assert mangle("raw") == "raw_"
    assert mangle("fr-CA") == "fr_CA"
    assert mangle("9lives") == "field_9lives"
    assert mangle("%%") == "field"
    assert mangle("name", frozenset({"name"})) == "name_2"
    owner = next(
        ref
        for ref in ("Links", "Checklist2", "ChangeOrder")
        if model_for(ref) is not None
        and any(f.name.endswith("_") for f in attrs.fields(model_for(ref)))  # type: ignore[arg-type]
    )
    cls = model_for(owner)
    assert cls is not None
    mangled = next(f.name for f in attrs.fields(cls) if f.name.endswith("_"))
    wire = mangled[:-1]
    record = structure({wire: "value"}, cls)
    assert getattr(record, mangled) == "value"
    assert record.raw == {wire: "value"}
    assert record.to_dict() == {wire: "value"}


def test_a_record_gives_keys_by_attribute_and_item() -> None:
    record = structure({"id": 3, "status": "open", "tags": ["a"]}, Record)
    assert (record.id, record["status"], record.get("none", 0)) == (3, "open", 0)
    assert "tags" in record
    assert sorted(record) == ["id", "status", "tags"]
    assert len(record) == 3
    assert list(record.keys()) == ["id", "status", "tags"]
    assert repr(record) == "Record(id=3)"
    assert "status" in dir(record)
    assert record.to_dict() == {"id": 3, "status": "open", "tags": ["a"]}
    with pytest.raises(AttributeError, match="no field 'missing'"):
        _ = record.missing


def test_response_models_follow_the_spec() -> None:
    from procore_dc._catalog import load_schemas

    shapes = load_schemas()["operations"]
    model, is_list = response_model(shapes["GET /rest/v1.0/projects/{project_id}/rfis"])
    assert is_list
    assert model is not None
    assert model.__name__ == "RestV10ProjectsProjectIdRfisGet200ResponseInner"
    assert response_model(shapes["DELETE /rest/v1.0/bim_files/{id}"]) == (None, False)
    assert response_model(None) == (None, False)


def test_every_response_schema_builds_a_model() -> None:
    from procore_dc._catalog import load_schemas

    built = 0
    for shape in load_schemas()["operations"].values():
        node = shape.get("response") or {}
        ref = node.get("ref") or node.get("items_ref")
        if ref and model_for(ref) is not None:
            built += 1
    assert built > 1500


def test_required_permissions_for_any_operation() -> None:
    table = load_operations()
    punch = table.get("POST /rest/v1.0/punch_items")
    assert required_permissions([punch, "GET /rest/v1.0/punch_items"]) == {
        "company": {},
        "project": {"punch_list": "standard"},
    }
    block = required_permissions(
        [
            "RestV10VendorsGet",
            (RfisResource, "list"),
            "GET /rest/v1.0/me",  # needs no tool
        ]
    )
    assert block == {"company": {"directory": "readonly"}, "project": {"rfi": "readonly"}}

    class Scope:
        def call(self, operation: str) -> None:
            raise AssertionError("not called")

    bound = functools.partial(Scope().call, "GET /rest/v1.0/budget_line_items/{id}")
    assert required_permissions([bound]) == {"company": {}, "project": {"budgeting": "readonly"}}
    with pytest.raises(ConfigurationError, match="bind the operation"):
        required_permissions([functools.partial(Scope().call)])
    with pytest.raises(ConfigurationError, match="no operation"):
        required_permissions(["GET /rest/v1.0/nothing_here"])
