"""The sandbox's lazy record store: generated directory records are kept, every read is a copy,
and records that embed live ones are made again on each read."""

from __future__ import annotations

import pytest

from procore_dc.testing import _store
from procore_dc.testing._data import SandboxData

COMPANY = 8
PROJECT = 100001


@pytest.fixture
def data() -> SandboxData:
    return SandboxData(seed=0, sizes=None, today=1_767_225_600.0)


def test_a_read_is_a_copy_that_the_caller_may_change(data: SandboxData) -> None:
    projects = data.projects.of(COMPANY)
    first = projects[0]
    first["name"] = "changed"
    first["company"]["name"] = "changed too"
    first["custom_fields"]["x"] = 1
    again = projects[0]
    assert again["name"] != "changed"
    assert again["company"]["name"] != "changed too"
    assert "x" not in again["custom_fields"]
    assert again is not projects[0]


def test_a_kept_record_is_the_record_generated_again(
    data: SandboxData, monkeypatch: pytest.MonkeyPatch
) -> None:
    kept = [dict(p) for p in data.projects.of(COMPANY)]
    fresh = SandboxData(seed=0, sizes=None, today=1_767_225_600.0)
    monkeypatch.setattr(_store, "_KEPT_KINDS", frozenset())  # nothing kept: generated each time
    assert [dict(p) for p in fresh.projects.of(COMPANY)] == kept


def test_replace_and_delete_win_over_the_kept_record(data: SandboxData) -> None:
    projects = data.projects.of(COMPANY)
    record = projects[1]
    record["name"] = "Renamed"
    projects.replace(record)
    assert projects.get(record["id"])["name"] == "Renamed"  # type: ignore[index]
    assert projects.delete(record["id"])
    assert projects.get(record["id"]) is None
    assert record["id"] not in [p["id"] for p in projects]


def test_records_embedding_live_users_are_made_on_every_read(data: SandboxData) -> None:
    rfis = data.rfis.of(PROJECT)
    users = data.users.of(COMPANY)
    # An RFI's people are seeded users, picked by position: rename every user, and the same
    # RFI read again names the renamed one (a kept copy would still show the old name).
    people = {rfis[0]["assignee"]["id"], rfis[0]["created_by"]["id"]}
    for user in list(users):
        if user["id"] in people:
            user["name"] = f"Renamed {user['id']}"
            users.replace(user)
    again = rfis[0]
    assert again["assignee"]["name"] == f"Renamed {again['assignee']['id']}"


def test_a_partition_forgets_its_kept_records_past_the_bound(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(_store, "_KEPT_PER_PARTITION", 2)
    projects = SandboxData(seed=0, sizes=None, today=1_767_225_600.0).projects.of(COMPANY)
    first = [dict(p) for p in projects]
    assert len(projects._generated) <= 2
    assert [dict(p) for p in projects] == first
