"""What resource clients put on the wire: bodies, sorts, sync batches and permission lookups."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from loopback import LoopbackServer, Recorded, Reply
from session_fakes import FakeAuth, FakeTime, policy

from procore_dc import ConfigurationError, Environment, ResponseFormatError, Session
from procore_dc.resources import ProjectsResource, RfisResource, required_permissions
from procore_dc.resources._base import body, encode_sort, wire_value

JSON = (("Content-Type", "application/json"),)


def test_wire_values_are_procores_json() -> None:
    when = dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    assert wire_value(when) == "2026-01-02T01:04:05Z"  # always UTC with a Z
    assert wire_value(dt.date(2026, 1, 2)) == "2026-01-02"
    assert wire_value({"due": dt.date(2026, 1, 2), 3: "three"}) == {
        "due": "2026-01-02",
        "3": "three",
    }
    assert wire_value((1, dt.date(2026, 1, 2))) == [1, "2026-01-02"]
    assert wire_value(frozenset({"a"})) == ["a"]
    assert json.dumps(wire_value({"nested": [{"at": when}]}))  # all of it serialises


def test_bodies_leave_out_unset_fields_and_keep_extras() -> None:
    made = body("rfi", {"subject": "Wall", "due_date": None}, {"custom_field_1": None})
    assert made == {"rfi": {"subject": "Wall", "custom_field_1": None}}


@pytest.mark.parametrize(
    ("sort", "wire"), [(None, None), ("-created_at", "-created_at"), (["a", "-b"], "a,-b")]
)
def test_sort_is_one_field_or_several(sort: Any, wire: Any) -> None:
    assert encode_sort(sort) == wire


def test_required_permissions_refuses_calls_that_are_not_resource_verbs() -> None:
    with pytest.raises(ConfigurationError, match="pass a bound resource method"):
        required_permissions([lambda: None])
    with pytest.raises(ConfigurationError, match=r"RfisResource\.explode declares no permission"):
        required_permissions([(RfisResource, "explode")])


def make_projects(server: LoopbackServer) -> ProjectsResource:
    session = Session(FakeAuth(Environment.local(server.url)), retry=policy(FakeTime()))
    return ProjectsResource(session, company_id=8)


def test_sync_sends_batches_and_adds_up_the_answers() -> None:
    def answer(request: Recorded) -> Reply:
        updates = json.loads(request.body)["updates"]
        entities = [{"id": n, "name": u["name"]} for n, u in enumerate(updates, 1)]
        return Reply(200, JSON, json.dumps({"entities": entities, "errors": []}).encode())

    with LoopbackServer([answer]) as server:
        projects = make_projects(server)
        result = projects.sync(({"name": f"p{n}"} for n in range(5)), batch_size=2)
        assert [len(json.loads(r.body)["updates"]) for r in server.requests] == [2, 2, 1]
        assert [p.name for p in result.entities] == ["p0", "p1", "p2", "p3", "p4"]
        server.requests.clear()
        assert projects.sync([]).entities == ()  # nothing to send: no request
        assert server.requests == []
    assert "company_id=8" in repr(projects)


def test_sync_refuses_items_that_are_not_mappings_before_sending() -> None:
    with LoopbackServer([Reply(200, JSON, b"{}")]) as server:
        with pytest.raises(ConfigurationError, match="each sync item must be a mapping, got int"):
            make_projects(server).sync([{"name": "ok"}, 5])  # type: ignore[list-item]
        assert server.requests == []


@pytest.mark.parametrize("answer", [b"[]", b'"done"', b""])
def test_a_sync_answer_that_is_not_an_object_is_a_format_error(answer: bytes) -> None:
    with LoopbackServer([Reply(200, JSON, answer)]) as server:
        with pytest.raises(ResponseFormatError, match="must be a JSON object") as caught:
            make_projects(server).sync([{"name": "x"}])
        assert caught.value.status_code == 200
