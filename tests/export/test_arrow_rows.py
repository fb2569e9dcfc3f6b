"""procore_dc._arrow_rows: Procore records to Arrow tables typed from dlt column hints."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa

from procore_dc._arrow_rows import arrow_table
from procore_dc.dlt import columns_for, resolve_tool

RFI_COLUMNS = columns_for(resolve_tool("rfis")[1])


def test_columns_take_the_types_the_response_schema_gives() -> None:
    rows = [
        {
            "id": 1,
            "subject": "Hinge",
            "private": False,
            "due_date": "2025-10-10",
            "updated_at": "2025-09-26T07:01:01.5Z",
            "assignee": {"id": 7, "name": "Ava"},
            "questions": [{"id": 2, "body": "Which?"}],
        },
        {"id": 2, "subject": None, "updated_at": "2025-09-26T09:01:01+02:00", "extra": 3},
    ]
    built = arrow_table(rows, RFI_COLUMNS)
    assert built is not None
    table, nested = built
    assert nested == []
    types = {f.name: str(f.type) for f in table.schema}
    assert types == {
        "id": "int64",
        "subject": "string",
        "private": "bool",
        "due_date": "date32[day]",
        "updated_at": "timestamp[us, tz=UTC]",
        "assignee": "string",
        "questions": "string",
        "extra": "int64",  # not in the spec: Arrow's own inference
    }
    assert table.column("updated_at").to_pylist() == [
        dt.datetime(2025, 9, 26, 7, 1, 1, 500000, tzinfo=dt.timezone.utc),
        dt.datetime(2025, 9, 26, 7, 1, 1, tzinfo=dt.timezone.utc),
    ]
    assert table.column("due_date").to_pylist() == [dt.date(2025, 10, 10), None]
    assert table.column("assignee").to_pylist() == ['{"id":7,"name":"Ava"}', None]
    assert table.column("questions").to_pylist() == ['[{"id":2,"body":"Which?"}]', None]
    assert table.column("private").to_pylist() == [False, None]


def test_a_nested_field_the_spec_does_not_name_is_json_text_and_reported() -> None:
    built = arrow_table([{"id": 1, "tags": ["a"]}, {"id": 2, "tags": None}], RFI_COLUMNS)
    assert built is not None
    table, nested = built
    assert nested == ["tags"]
    assert table.column("tags").type == pa.string()
    assert table.column("tags").to_pylist() == ['["a"]', None]


def test_a_value_that_does_not_fit_its_type_gives_none() -> None:
    assert arrow_table([{"id": "R-1"}], RFI_COLUMNS) is None
    assert arrow_table([{"id": 1, "updated_at": "last Tuesday"}], RFI_COLUMNS) is None
    assert arrow_table([{"id": 1, "subject": 12}], RFI_COLUMNS) is None
