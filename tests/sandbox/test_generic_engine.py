"""The generic engine's semantics: permissions, validation, lists, sync, actions, seeds."""

from __future__ import annotations

from typing import Any

import pytest
from werkzeug.test import Client

from procore_dc.operation_permissions import permission_block
from procore_dc.testing import FakeProcore
from procore_dc.testing._engine._handlers import SYNC_LIMIT
from tests.sandbox.test_generic_operations import COMPANY, PROJECT, Harness

PUNCH = "/rest/v1.0/punch_items"
SCOPE = {"project_id": PROJECT}


@pytest.fixture(scope="module")
def harness() -> Harness:
    return Harness()


def _client(sandbox: FakeProcore, token: str) -> tuple[Client, dict[str, str]]:
    def wsgi(environ: dict[str, Any], start_response: Any) -> Any:
        outcome = sandbox._dispatch(environ, "api")
        assert outcome.response is not None
        return outcome.response(environ, start_response)

    return Client(wsgi), {"Authorization": f"Bearer {token}", "Procore-Company-Id": str(COMPANY)}


def _punch(name: str = "Patch drywall at unit 204", **fields: Any) -> dict[str, Any]:
    return {"project_id": PROJECT, "punch_item": {"name": name, **fields}}


# -- permissions ---------------------------------------------------------------------------------


def test_a_dmsa_without_the_tool_gets_403_naming_tool_and_level() -> None:
    sandbox = FakeProcore(seed=0, rate_limits=None)
    app = sandbox.create_app(permissions={"project": {"punch_list": "readonly"}})
    sandbox.install(app, COMPANY)
    client, headers = _client(sandbox, sandbox.issue_token(app, user_id=None)["access_token"])
    listed = client.get(PUNCH, query_string=SCOPE, headers=headers)
    assert listed.status_code == 200
    refused = client.post(PUNCH, json=_punch(), headers=headers)
    assert refused.status_code == 403
    assert "standard access to the punch_list tool (project level)" in refused.get_json()["errors"]
    budget = client.get("/rest/v1.0/budget_line_items/1", query_string=SCOPE, headers=headers)
    assert budget.status_code == 403
    assert "readonly access to the budgeting tool" in budget.get_json()["errors"]
    assert sandbox.required_permissions(include_denied=True)["project"] == {
        "punch_list": "standard",
        "budgeting": "readonly",
    }


def test_user_tokens_meet_their_levels_on_catalogue_tools() -> None:
    sandbox = FakeProcore(seed=0, rate_limits=None)
    users = sandbox.data.users.of(COMPANY)
    reader = users.id_for(2)  # seeded read-only on every tool
    client, headers = _client(sandbox, sandbox.issue_token(user_id=reader)["access_token"])
    assert client.get(PUNCH, query_string=SCOPE, headers=headers).status_code == 200
    assert client.post(PUNCH, json=_punch(), headers=headers).status_code == 403
    admin = users.id_for(0)
    client, headers = _client(sandbox, sandbox.issue_token(user_id=admin)["access_token"])
    assert client.post(PUNCH, json=_punch(), headers=headers).status_code == 201


def test_an_app_gets_403_on_a_tool_it_was_not_granted() -> None:
    sandbox = FakeProcore(seed=0, rate_limits=None)
    app = sandbox.create_app(permissions={"project": {"punch_list": "readonly"}})
    sandbox.install(app, COMPANY)
    token = sandbox.issue_token(app, user_id=None)["access_token"]
    client, headers = _client(sandbox, token)
    assert client.get(PUNCH, query_string=SCOPE, headers=headers).status_code == 200
    answer = client.get("/rest/v1.0/meetings", query_string=SCOPE, headers=headers)
    assert answer.status_code == 403
    assert "meetings tool" in answer.get_json()["errors"]


def test_the_default_app_holds_every_tool() -> None:
    """A default sandbox answers any operation for its DMSA, the engine-only tools too."""
    sandbox = FakeProcore(seed=0, rate_limits=None)
    client, headers = _client(sandbox, sandbox.issue_token(user_id=None)["access_token"])
    answer = client.get("/rest/v1.0/meetings", query_string=SCOPE, headers=headers)
    assert answer.status_code == 200


def test_a_project_of_another_company_is_not_found(harness: Harness) -> None:
    other = harness.sandbox.data.projects.of(COMPANY + 1)[0]["id"]
    answer = harness.call("GET", PUNCH, {"project_id": other}, None)
    assert answer.status_code == 404


# -- validation ----------------------------------------------------------------------------------


def test_a_missing_required_query_parameter_is_a_400_naming_it(harness: Harness) -> None:
    answer = harness.call("GET", PUNCH, {}, None)
    assert answer.status_code == 400
    assert answer.get_json()["errors"] == "Missing required parameter: project_id"


def test_unknown_query_parameters_are_ignored(harness: Harness) -> None:
    answer = harness.call("GET", PUNCH, {**SCOPE, "no_such_thing": "1"}, None)
    assert answer.status_code == 200


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ({"project_id": PROJECT, "punch_item": {}}, {"punch_item.name": ["can't be blank"]}),
        ({"project_id": PROJECT}, {"punch_item": ["can't be blank"]}),
        (_punch(position="third"), {"punch_item.position": ["must be an integer"]}),
        (_punch(status="Done"), {"punch_item.status": ["is not included in the list"]}),
        (_punch(due="tomorrow"), {"punch_item.due": ["must be a date (YYYY-MM-DD)"]}),
        (_punch(image_ids=["a"]), {"punch_item.image_ids[0]": ["must be an integer"]}),
        (_punch(private="maybe"), {"punch_item.private": ["must be true or false"]}),
    ],
)
def test_bodies_are_checked_against_the_spec(
    harness: Harness, body: dict[str, Any], errors: dict[str, list[str]]
) -> None:
    answer = harness.call("POST", PUNCH, {}, body)
    assert answer.status_code == 422
    assert answer.get_json() == {"errors": errors}


def test_a_required_field_deep_in_the_body_is_named_by_its_path(harness: Harness) -> None:
    path = "/rest/v1.1/drawing_areas/7/drawings"
    op = harness.sandbox.generic.route_for("POST", path)
    assert op is not None
    body = {"drawing": {"drawing_discipline": {}}}
    answer = harness.call("POST", path, SCOPE, body)
    assert answer.status_code == 422
    assert answer.get_json()["errors"]["drawing.drawing_discipline.name"] == ["can't be blank"]


def test_form_bodies_are_read_as_nested_fields(harness: Harness) -> None:
    answer = harness.client.post(
        PUNCH,
        data={
            "project_id": str(PROJECT),
            "punch_item[name]": "Caulk window 3B",
            "punch_item[image_ids][]": ["5", "6"],
        },
        headers=harness.headers,
    )
    assert answer.status_code == 201, answer.get_data(as_text=True)
    assert answer.get_json()["name"] == "Caulk window 3B"


# -- lists, records, seeds -----------------------------------------------------------------------


def test_created_records_are_listed_shown_updated_and_deleted(harness: Harness) -> None:
    made = harness.call("POST", PUNCH, {}, _punch("Seal slab penetrations", status="Open"))
    assert made.status_code == 201
    record = made.get_json()
    assert (record["name"], record["status"]) == ("Seal slab penetrations", "Open")
    rid = record["id"]
    listed = harness.call("GET", PUNCH, {**SCOPE, "per_page": 100}, None).get_json()
    assert rid in [item["id"] for item in listed]
    changed = harness.call("PATCH", f"{PUNCH}/{rid}", SCOPE, _punch("Sealed", status="Closed"))
    assert changed.status_code == 200
    shown = harness.call("GET", f"{PUNCH}/{rid}", SCOPE, None).get_json()
    assert (shown["name"], shown["status"]) == ("Sealed", "Closed")
    assert shown["created_at"] == record["created_at"]
    # The spec documents 200 for this delete (most answer 204): the engine answers the spec's.
    assert harness.call("DELETE", f"{PUNCH}/{rid}", SCOPE, None).status_code == 200
    assert harness.call("GET", f"{PUNCH}/{rid}", SCOPE, None).status_code == 404
    assert harness.call("DELETE", f"{PUNCH}/{rid}", SCOPE, None).status_code == 404


def test_lists_filter_sort_and_paginate(harness: Harness) -> None:
    for name in ("A: frame", "C: tape", "B: paint"):
        harness.call("POST", "/rest/v1.1/punch_items", {}, _punch(name, reference="RT-1"))
    query = {**SCOPE, "filters[reference]": "RT-1", "sort": "-name", "per_page": 2}
    first = harness.call("GET", "/rest/v1.1/punch_items", query, None)
    assert first.status_code == 200
    assert [item["name"] for item in first.get_json()] == ["C: tape", "B: paint"]
    assert first.headers["Total"] == "3"
    assert first.headers["Per-Page"] == "2"
    assert 'rel="next"' in first.headers["Link"]
    second = harness.call("GET", "/rest/v1.1/punch_items", {**query, "page": 2}, None)
    assert [item["name"] for item in second.get_json()] == ["A: frame"]
    ascending = {
        **SCOPE,
        "filters[reference]": "RT-1",
        "sort[attribute]": "name",
        "sort[direction]": "asc",
    }
    names = [
        i["name"] for i in harness.call("GET", "/rest/v1.1/punch_items", ascending, None).get_json()
    ]
    assert names == ["A: frame", "B: paint", "C: tape"]


def test_seeded_records_are_deterministic_and_point_at_the_sandbox() -> None:
    def listing(seed: int) -> list[dict[str, Any]]:
        sandbox = FakeProcore(seed=seed, rate_limits=None)
        app = sandbox.create_app(permissions=permission_block("readonly"))
        sandbox.install(app, COMPANY)
        client, headers = _client(sandbox, sandbox.issue_token(app, user_id=None)["access_token"])
        answer = client.get(PUNCH, query_string=SCOPE, headers=headers)
        assert answer.status_code == 200
        found: list[dict[str, Any]] = answer.get_json()
        return found

    first, again, other = listing(0), listing(0), listing(1)
    assert first == again
    assert [r["id"] for r in first] != [r["id"] for r in other]
    users = {user["id"] for user in FakeProcore(seed=0).data.users.of(COMPANY)}
    for record in first:
        assert record["status"] in ("Open", "Closed", "Overdue", "Pending")
        assert len(record["due_date"]) == 10
        assert record["created_at"].endswith("Z")
        assert record["created_by"]["id"] in users


# -- sync and actions ----------------------------------------------------------------------------

SYNC = f"/rest/v1.0/projects/{PROJECT}/direct_costs/line_items/sync"


def test_sync_creates_updates_and_reports_errors_per_item(harness: Harness) -> None:
    made = harness.call("PATCH", SYNC, {}, {"updates": [{"description": "Rebar"}]})
    assert made.status_code == 200, made.get_data(as_text=True)
    entity = made.get_json()["entities"][0]
    answer = harness.call(
        "PATCH",
        SYNC,
        {},
        {"updates": [{"id": entity["id"], "description": "Rebar #5"}, {"id": 1, "amount": "9"}]},
    )
    body = answer.get_json()
    assert [e["description"] for e in body["entities"]] == ["Rebar #5"]
    assert len(body["errors"]) == 1


def test_sync_takes_at_most_a_thousand_items(harness: Harness) -> None:
    answer = harness.call("PATCH", SYNC, {}, {"updates": [{}] * (SYNC_LIMIT + 1)})
    assert answer.status_code == 422
    assert "updates" in answer.get_json()["errors"]


def test_an_action_on_a_record_needs_the_record(harness: Harness) -> None:
    ids = harness.sandbox.generic.seed_ids("POST /rest/v1.0/punch_items/{id}/send_email", **SCOPE)
    sent = harness.call("POST", f"{PUNCH}/{ids[0]}/send_email", SCOPE, None)
    assert 200 <= sent.status_code < 300
    missing = harness.call("POST", f"{PUNCH}/1/send_email", SCOPE, None)
    assert missing.status_code == 404


def test_binary_answers_are_files(harness: Harness) -> None:
    answer = harness.call("GET", f"/rest/v1.0/companies/{COMPANY}/timesheets/csv_export", {}, None)
    assert answer.status_code == 200
    assert answer.data.startswith(b"%PDF")


def test_seed_ids_names_unknown_operations() -> None:
    with pytest.raises(KeyError, match="no operation 'GET /nowhere'"):
        FakeProcore(seed=0).generic.seed_ids("GET /nowhere")


# -- scopes, flat paths, operations without a spec shape -----------------------------------------


def test_a_record_is_found_by_id_from_a_flat_path(harness: Harness) -> None:
    made = harness.call("POST", PUNCH, {}, _punch("Flat path"))
    rid = made.get_json()["id"]
    # The v1.1 show names the project too: same collection, same record.
    shown = harness.call("GET", f"/rest/v1.1/punch_items/{rid}", SCOPE, None)
    assert shown.get_json()["name"] == "Flat path"
    other = harness.sandbox.data.projects.of(COMPANY)[1]["id"]
    assert harness.call("GET", f"{PUNCH}/{rid}", {"project_id": other}, None).status_code == 200
    stranger = harness.sandbox.data.projects.of(COMPANY + 1)[0]["id"]
    assert harness.call("GET", f"{PUNCH}/{rid}", {"project_id": stranger}, None).status_code == 404


def test_malformed_ids_and_foreign_companies_are_not_found(harness: Harness) -> None:
    assert harness.call("GET", f"{PUNCH}/abc", SCOPE, None).status_code == 404
    assert harness.call("GET", PUNCH, {"project_id": "abc"}, None).status_code == 404
    path = f"/rest/v1.0/companies/{COMPANY + 1}/trades"
    assert harness.call("GET", path, {}, None).status_code == 404
    assert harness.call("GET", "/rest/v1.0/companies/x/trades", {}, None).status_code == 404


def test_a_project_tool_needs_a_project(harness: Harness) -> None:
    # The body names the project for this create; without it there is none.
    answer = harness.call("POST", PUNCH, {}, {"punch_item": {"name": "x"}})
    assert answer.status_code == 400
    assert "project_id" in answer.get_json()["errors"]


def test_filters_match_ids_of_nested_objects_and_lists(harness: Harness) -> None:
    listed = harness.call("GET", PUNCH, {**SCOPE, "per_page": 100}, None).get_json()
    target = listed[0]
    by_creator = {**SCOPE, "filters[created_by]": str(target["created_by"]["id"])}
    found = harness.call("GET", PUNCH, by_creator, None).get_json()
    assert target["id"] in [item["id"] for item in found]
    assignee = target["assignees"][0]["id"] if target["assignees"] else None
    by_assignee = {**SCOPE, "filters[assignees]": str(assignee), "filters[unknown]": "1"}
    found = harness.call("GET", PUNCH, by_assignee, None).get_json()
    assert target["id"] in [item["id"] for item in found]
    assert all(any(a["id"] == assignee for a in item["assignees"]) for item in found)


def test_a_settings_object_is_read_and_written_whole(harness: Harness) -> None:
    path = f"/rest/v1.0/projects/{PROJECT}/incidents/configuration"
    before = harness.call("GET", path, {}, None)
    assert before.status_code == 200
    assert before.get_json()["project_id"] == PROJECT  # seeded ids point at the sandbox
    flipped = not before.get_json()["private_by_default"]
    body = {"configuration": {"private_by_default": flipped}}
    assert harness.call("PATCH", path, {}, body).status_code == 200
    assert harness.call("GET", path, {}, None).get_json()["private_by_default"] is flipped


def test_an_operation_without_a_spec_shape_answers_what_it_stored(harness: Harness) -> None:
    base = f"/rest/v2.0/companies/{COMPANY}/projects/{PROJECT}/punch_list/locations"
    op = harness.sandbox.generic.route_for("GET", base)
    assert op is not None
    assert not op.spec
    listed = harness.call("GET", base, {}, None)
    assert listed.status_code == 200
    assert all(set(item) == {"id"} for item in listed.get_json())


def test_generic_operations_reach_the_hand_written_tools_records(harness: Harness) -> None:
    rfi = harness.sandbox.data.rfis.of(PROJECT)[5]
    path = f"/rest/v1.0/projects/{PROJECT}/rfis/{rfi['id']}/recycle"
    answer = harness.call("PATCH", path, {}, None)
    assert answer.status_code == 200, answer.get_data(as_text=True)
    assert answer.get_json()["id"] == rfi["id"]
    assert answer.get_json()["subject"] == rfi["subject"]
    submittal = harness.sandbox.data.submittals.of(PROJECT)[3]["id"]
    path = f"/rest/v1.1/projects/{PROJECT}/submittals/{submittal}"
    assert harness.call("DELETE", path, {}, None).status_code in (200, 204)
    assert harness.call("GET", path, {}, None).status_code == 404  # the hand-written show
    other = harness.sandbox.data.rfis.of(harness.sandbox.data.projects.of(COMPANY + 1)[0]["id"])
    path = f"/rest/v1.0/projects/{PROJECT}/rfis/{other[0]['id']}/recycle"
    assert harness.call("PATCH", path, {}, None).status_code == 404
