"""The corners of issue 14's helpers: pruning bad manifest values by JSON path, to_dict() on
a record whose raw no longer fits, and to_dataframe() on mappings and hand-built models."""

from __future__ import annotations

from typing import Any

import pytest

from procore_dc._frames import to_dataframe
from procore_dc.manifest._codec import _remove
from procore_dc.models import Project, Rfi, structure


@pytest.mark.parametrize(
    ("path", "removed", "left"),
    [
        ("$.a.b", True, {"a": {}, "l": [1, {"k": 2}], "q": {"my key": 1}}),
        ("$.l[1].k", True, {"a": {"b": 1}, "l": [1, {}], "q": {"my key": 1}}),
        ("$.l[0]", True, {"a": {"b": 1}, "q": {"my key": 1}}),  # a bad item takes its array
        ('$.q["my key"]', True, {"a": {"b": 1}, "l": [1, {"k": 2}], "q": {}}),
        ("$", False, None),
        ("$.missing", False, None),
        ("$.a.missing.deeper", False, None),
        ("$.l[9].k", False, None),
        ("$..", False, None),
        ("a.b", False, None),
    ],
)
def test_remove_by_json_path(path: str, removed: bool, left: Any) -> None:
    data = {"a": {"b": 1}, "l": [1, {"k": 2}], "q": {"my key": 1}}
    original = repr(data)
    assert _remove(data, path) is removed
    assert data == left if removed else repr(data) == original


def test_remove_needs_an_object_key_somewhere() -> None:
    data: Any = [[1]]
    assert _remove(data, "$[0][0]") is False


def test_to_dict_when_raw_no_longer_fits_the_type() -> None:
    rfi = Rfi(id=3, subject="By hand", raw={"id": "not a number", "x": 1})
    assert rfi.to_dict() == {"id": 3, "x": 1, "subject": "By hand"}


def test_to_dataframe_of_mappings_and_hand_built_models() -> None:
    plain = to_dataframe([{"id": 1, "name": "a"}, {"id": 2}])
    assert list(plain.columns) == ["id", "name"]
    built = to_dataframe([Project(id=1, name="Tower"), Project(id=2)])
    assert list(built.columns) == ["id", "name"]
    received = to_dataframe([structure({"id": 5, "city": "Reno"}, Project)], Project)
    assert list(received.columns) == ["id", "city"]
    mixed = to_dataframe([{"id": 1}, Project(id=2)])
    assert len(mixed) == 2
    assert list(to_dataframe([], Project, all_fields=False).columns)[:2] == ["id", "name"]
