"""The generic engine's spec machinery on small hand-made models: validate, generate, shape."""

from __future__ import annotations

from typing import Any

import pytest

from procore_dc.testing._engine._shapes import Shapes

MODELS: dict[str, Any] = {
    "Line": {
        "fields": {
            "amount": {"type": "number", "format": "decimal", "required": True},
            "qty": {"type": "number", "required": False},
            "done": {"type": "boolean", "required": False},
            "when": {"type": "date-time", "required": False, "nullable": True},
            "tags": {
                "type": "array",
                "items_type": "string",
                "enum": ["a", "b"],
                "required": False,
            },
            "grid": {
                "type": "array",
                "items_type": "array",
                "items": {"type": "array", "items_type": "integer"},
                "required": False,
            },
            "extra": {"type": "object", "values_type": "string", "required": False},
            "uom": {"type": "string", "enum": ["Any value present in the list"], "required": False},
            "anything": {"type": "any", "required": False},
            "file": {"type": "string", "format": "binary", "required": False},
            "id": {"type": "string", "required": False},
        }
    },
    "Either": {"one_of": [{"type": "object", "ref": "Line"}]},
    "Loop": {"fields": {"next": {"type": "object", "ref": "Loop", "required": False}}},
    "Broken": {"one_of": [{"type": "object", "ref": "Missing"}]},
}
LINE = {"type": "object", "ref": "Line", "required": True}


@pytest.fixture
def shapes() -> Shapes:
    return Shapes(MODELS)


@pytest.mark.parametrize(
    ("value", "problems"),
    [
        ({"amount": "12.50"}, []),
        ({"amount": 12.5, "qty": "3", "done": "true"}, []),  # what Rails coerces on input
        ({"amount": "12,50"}, [("amount", "must be a decimal number")]),
        ({"amount": "1", "qty": "three"}, [("qty", "must be a number")]),
        ({"amount": "1", "done": "yes"}, [("done", "must be true or false")]),
        ({"amount": "1", "when": None}, []),
        ({"amount": "1", "when": "2025-01-02"}, []),
        ({"amount": "1", "when": "soon"}, [("when", "must be a date-time (ISO 8601)")]),
        ({"amount": "1", "tags": ["a", "c"]}, [("tags[1]", "is not included in the list")]),
        ({"amount": "1", "grid": [[1, "x"]]}, [("grid[0][1]", "must be an integer")]),
        ({"amount": "1", "extra": {"k": ["no"]}}, [("extra.k", "must be a string")]),
        ({"amount": "1", "uom": "Each"}, []),  # an enum written as prose names no value
        ({"amount": "1", "anything": [1, {"a": None}]}, []),
        ({"amount": None}, [("amount", "can't be blank")]),
        ({}, [("amount", "can't be blank")]),
        ("text", [("", "must be an object")]),
    ],
)
def test_validation(shapes: Shapes, value: Any, problems: list[tuple[str, str]]) -> None:
    assert shapes.validate(value, LINE) == problems


def test_a_one_of_model_validates_as_its_first_alternative(shapes: Shapes) -> None:
    assert shapes.validate({}, {"type": "object", "ref": "Either"}) == [
        ("amount", "can't be blank")
    ]
    assert shapes.fields("Broken") is None
    assert shapes.fields("Nowhere") is None


def test_generated_values_have_the_stated_types_and_repeat(shapes: Shapes) -> None:
    record = shapes.answer({"id": 41}, LINE, "seed:lines:41")
    assert record == shapes.answer({"id": 41}, LINE, "seed:lines:41")
    assert record["id"] == "41"  # a string id in this model
    assert isinstance(record["amount"], str)
    assert float(record["amount"]) >= 0
    assert isinstance(record["qty"], float)
    assert isinstance(record["done"], bool)
    assert record["when"].endswith("Z")
    assert record["tags"][0] in ("a", "b")
    assert record["grid"] == [[record["grid"][0][0]]]
    assert record["extra"] == {}
    assert record["file"] == "file.pdf"
    assert shapes.validate(record, LINE) == []


def test_stored_values_are_kept_and_wrong_ones_regenerated(shapes: Shapes) -> None:
    stored = {"amount": "7.00", "qty": "lots", "when": None, "tags": [5], "unlisted": 1}
    record = shapes.answer(stored, LINE, "k")
    assert record["amount"] == "7.00"
    assert isinstance(record["qty"], float)
    assert record["when"] is None  # nullable, so kept
    assert record["tags"][0] in ("a", "b")
    assert "unlisted" not in record


def test_recursive_models_stop(shapes: Shapes) -> None:
    deep = shapes.answer({}, {"type": "object", "ref": "Loop"}, "k")
    depth = 0
    while deep.get("next"):
        deep, depth = deep["next"], depth + 1
    assert 2 <= depth <= 6


def test_answers_without_a_model(shapes: Shapes) -> None:
    assert shapes.answer({"id": 1}, None, "k") == {"id": 1}
    assert isinstance(shapes.answer({}, {"type": "array", "items_type": "integer"}, "k")[0], int)
