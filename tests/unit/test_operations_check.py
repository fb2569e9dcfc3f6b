"""The spec check a call passes before it is sent: parameters and bodies, problem by problem."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from procore_dc.operations import BodyField, Operation, Parameter, load_operations
from procore_dc.operations._check import body_problems, parameter_problems
from procore_dc.operations._models import _structure_decimal


def _op(*params: Parameter, body: tuple[BodyField, ...] = ()) -> Operation:
    return Operation(
        id="Op",
        method="POST",
        path="/rest/v1.0/things/{id}",
        version="v1.0",
        summary="Create thing",
        tag="Core/Project/things",
        group="Core/Project",
        requirement=None,
        parameters=params,
        body_fields=body,
    )


OP = _op(
    Parameter("id", "path", "integer", required=True),
    Parameter("flag", "query", "boolean"),
    Parameter("view", "query", "string", enum=("compact", "extended")),
    Parameter("ids", "query", "array"),
    Parameter("when", "query", "string", required=True),
)


def test_parameters_by_type_enum_and_presence() -> None:
    good = {"id": 7, "flag": "true", "view": "compact", "ids": [1, 2], "when": "today"}
    assert parameter_problems(OP, good) == {}
    assert parameter_problems(OP, {**good, "flag": False, "id": "42", "ids": 3}) == {}
    problems = parameter_problems(
        OP, {"id": True, "flag": "yes", "view": "huge", "ids": {"a": 1}, "when": None}
    )
    assert problems == {
        "path.id": "must be an integer, got bool True",
        "query.flag": "must be true or false, got str 'yes'",
        "query.view": "'huge' is not one of ['compact', 'extended']",
        "query.ids": "must be a list, got dict {'a': 1}",
        "query.when": "required, got None",
    }
    assert parameter_problems(OP, {"id": 1}) == {"query.when": "required"}
    assert parameter_problems(OP, {**good, "flag": None}) == {}


def test_an_unknown_parameter_names_close_ones_or_all() -> None:
    near = parameter_problems(OP, {"id": 1, "when": "x", "flags": True})
    assert near == {
        "flags": "unknown parameter of POST /rest/v1.0/things/{id}; did you mean 'flag'?"
    }
    far = parameter_problems(OP, {"id": 1, "when": "x", "zzz": 1})
    assert far["zzz"].endswith("it takes flag, id, ids, view, when")


def test_a_body_the_spec_does_not_shape_is_checked_against_the_catalogue() -> None:
    op = _op(body=(BodyField("thing", required=True), BodyField("note")))
    assert body_problems(op, {"thing": {}}, None) == {}
    assert body_problems(op, {"note": "x"}, None) == {"body.thing": "required"}
    assert body_problems(op, None, None) == {"body": "required (with thing)"}
    assert body_problems(op, ["thing"], None) == {"body": "must be an object, got list"}
    assert body_problems(_op(), None, None) == {}


SHAPE: dict[str, Any] = {
    "request_body": {
        "type": "object",
        "required": True,
        "fields": {
            "thing": {
                "type": "object",
                "required": True,
                "fields": {},
            },
            "due": {"type": "date", "required": False},
            "at": {"type": "date-time", "required": False},
            "cost": {"type": "string", "format": "decimal", "required": False},
            "rate": {"type": "number", "required": False},
            "count": {"type": "integer", "required": False},
            "done": {"type": "boolean", "required": False},
            "name": {"type": "string", "required": True},
            "kind": {"type": "string", "enum": ["a", "b", None], "required": False},
            "tags": {"type": "array", "items_type": "string", "enum": ["x", "y"]},
            "grid": {"type": "array", "items": {"type": "array", "items_type": "integer"}},
            "free": {"type": "string", "enum": ["Any value present in the list"]},
            "blob": {"type": "string", "format": "binary"},
            "nothing": {"type": "string", "required": True, "nullable": True},
        },
    }
}


def test_a_shaped_body_is_checked_field_by_field_at_every_depth() -> None:
    op = _op()
    good = {
        "thing": {},
        "due": dt.date(2026, 3, 1),
        "at": "2026-03-01T10:00:00Z",
        "cost": "12.50",
        "rate": Decimal("1.5"),
        "count": 3,
        "done": False,
        "name": "x",
        "kind": None,
        "tags": ["x"],
        "grid": [[1, 2]],
        "free": "anything",
        "blob": b"bytes",
        "nothing": None,
    }
    assert body_problems(op, good, SHAPE) == {}
    assert body_problems(op, {**good, "due": "2026-03-01", "at": dt.datetime.now()}, SHAPE) == {}
    wrong = {
        **good,
        "due": "March",
        "at": 5,
        "cost": "lots",
        "rate": "1.5",
        "count": "3",
        "done": "no",
        "name": None,
        "kind": "c",
        "tags": ["z"],
        "grid": [[1, "2"]],
        "thing": [],
    }
    assert body_problems(op, wrong, SHAPE) == {
        "body.due": "must be a date (YYYY-MM-DD), got str 'March'",
        "body.at": "must be an ISO 8601 date-time, got int 5",
        "body.cost": "must be a decimal number (or its string), got str 'lots'",
        "body.rate": "must be a number, got str '1.5'",
        "body.count": "must be an integer, got str '3'",
        "body.done": "must be true or false, got str 'no'",
        "body.name": "required, got None",
        "body.kind": "'c' is not one of ['a', 'b']",
        "body.tags[0]": "'z' is not one of ['x', 'y']",
        "body.grid[0][1]": "must be an integer, got str '2'",
        "body.thing": "must be an object, got list []",
    }
    assert body_problems(op, None, SHAPE) == {"body": "required"}
    optional = {"request_body": {**SHAPE["request_body"], "required": False}}
    assert body_problems(op, None, optional) == {}
    assert body_problems(op, {"name": 1}, {"request_body": {"type": "string"}}) == {
        "body": "must be a string, got dict {'name': 1}"
    }


def test_a_one_of_body_fits_when_one_alternative_fits() -> None:
    op = load_operations().get("POST /rest/v1.0/webhooks/hooks")
    from procore_dc.operations._engine import _shape

    shape = _shape(op)
    hook = {"api_version": "v2", "destination_url": "https://example.com/hook"}
    assert body_problems(op, {"company_id": 8, "hook": hook}, shape) == {}
    assert body_problems(op, {"project_id": 9, "hook": hook}, shape) == {}
    closest = body_problems(op, {"company_id": 8, "hook": {"api_version": "v2"}}, shape)
    assert closest == {"body.hook.destination_url": "required"}


def test_decimals_from_the_wire() -> None:
    assert _structure_decimal("1.20") == Decimal("1.20")
    assert _structure_decimal(3) == Decimal(3)
    assert _structure_decimal(Decimal("2")) == Decimal("2")
    with pytest.raises(TypeError, match="decimal string"):
        _structure_decimal(True)
    with pytest.raises(ValueError, match="not a decimal number"):
        _structure_decimal("lots")
