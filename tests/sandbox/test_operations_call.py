"""``scope.call(...)``: any operation, over real HTTP to the sandbox, checked and typed."""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
from collections.abc import Iterator

import pytest

from procore_dc import (
    ConfigurationError,
    NotFoundError,
    ProcoreClient,
    RequestValidationError,
    ServiceAccountAuth,
    ValidationError,
)
from procore_dc.models import Model
from procore_dc.operations import Record
from procore_dc.pagination import PageIterator
from procore_dc.testing import FakeProcore, SandboxClock

COMPANY = 8
PROJECT = 100001
PUNCH_ITEMS = "GET /rest/v1.0/punch_items"


@pytest.fixture(scope="module")
def sandbox() -> Iterator[FakeProcore]:
    with FakeProcore(seed=0, clock=SandboxClock(frozen=True), rate_limits=None) as running:
        yield running


@pytest.fixture(scope="module")
def client(sandbox: FakeProcore) -> Iterator[ProcoreClient]:
    app = sandbox.default_app
    auth = ServiceAccountAuth(app.client_id, app.client_secret, environment=sandbox.environment)
    with ProcoreClient(auth, company_id=COMPANY) as made:
        yield made


def test_a_list_pages_lazily_with_the_scope_ids_filled_in(
    client: ProcoreClient, sandbox: FakeProcore
) -> None:
    project = client.company(COMPANY).project(PROJECT)
    sandbox.clear_requests()
    items = project.call(PUNCH_ITEMS, per_page=2)
    assert isinstance(items, PageIterator)
    assert sandbox.requests == []  # nothing sent until iterated
    listed = items.to_list()
    assert len(listed) == items.total == 3
    pages = [r for r in sandbox.requests if r.role == "api"]
    assert len(pages) == 2  # two pages of two
    first = pages[0]
    assert first.path == "/rest/v1.0/punch_items"
    assert first.query["project_id"] == [str(PROJECT)]
    assert first.query["per_page"] == ["2"]
    item = listed[0]
    assert isinstance(item, Model)
    assert type(item).__name__.startswith("PunchItem")
    assert isinstance(item.created_at, dt.datetime)
    assert item.created_at.tzinfo is not None
    assert item.raw["id"] == item.id
    assert project.call(PUNCH_ITEMS, limit=1).to_list() == listed[:1]


def test_a_write_then_a_read_of_what_it_made(client: ProcoreClient, sandbox: FakeProcore) -> None:
    project = client.company(COMPANY).project(PROJECT)
    made = project.call(
        "POST /rest/v1.0/punch_items", body={"punch_item": {"name": "Touch up paint"}}
    )
    assert made.name == "Touch up paint"
    sent = sandbox.requests[-1]
    assert sent.method == "POST"
    # The spec wants project_id at the body's top level: the scope fills it.
    assert json.loads(sent.body)["project_id"] == PROJECT
    shown = project.call("GET /rest/v1.0/punch_items/{id}", id=made.id)
    assert shown == made
    assert shown.to_dict()["name"] == "Touch up paint"
    changed = project.call(
        "RestV10PunchItemsIdPatch", id=made.id, body={"punch_item": {"name": "Paint twice"}}
    )
    assert changed.name == "Paint twice"
    assert project.call("DELETE /rest/v1.0/punch_items/{id}", id=made.id) is None
    with pytest.raises(NotFoundError):
        project.call("GET /rest/v1.0/punch_items/{id}", id=made.id)


def test_a_patch_may_leave_out_what_the_create_body_requires(
    client: ProcoreClient, sandbox: FakeProcore
) -> None:
    # The spec gives the punch item update the create body's required name; a partial update
    # leaves it out, and both the check and the sandbox let it through.
    project = client.company(COMPANY).project(PROJECT)
    made = project.call("POST /rest/v1.0/punch_items", body={"punch_item": {"name": "Caulk"}})
    patch = "PATCH /rest/v1.0/punch_items/{id}"
    changed = project.call(patch, id=made.id, body={"punch_item": {"description": "north wall"}})
    assert changed.name == "Caulk"
    assert changed.to_dict()["description"] == "north wall"
    assert sandbox.requests[-1].status == 200
    # What a PATCH names is still checked, and the body's own keys are still required.
    before = len(sandbox.requests)
    with pytest.raises(RequestValidationError) as caught:
        project.call(patch, id=made.id, body={"punch_item": {"status": "urgent"}})
    assert "is not one of" in caught.value.problems["body.punch_item.status"]
    with pytest.raises(RequestValidationError) as caught:
        project.call(patch, id=made.id, body={})
    assert caught.value.problems["body.punch_item"] == "required"
    assert len(sandbox.requests) == before
    # A create still needs it.
    with pytest.raises(RequestValidationError, match=re.escape("body.punch_item.name")):
        project.call("POST /rest/v1.0/punch_items", body={"punch_item": {"description": "x"}})


def test_a_refused_call_sends_nothing_and_names_every_problem(
    client: ProcoreClient, sandbox: FakeProcore
) -> None:
    project = client.company(COMPANY).project(PROJECT)
    before = len(sandbox.requests)
    with pytest.raises(ValidationError) as caught:
        project.call(
            "POST /rest/v1.0/punch_items",
            body={"punch_item": {"status": "urgent", "due": 5}},
            run_configurable_validation=True,
        )
    error = caught.value
    assert isinstance(error, RequestValidationError)
    assert isinstance(error, ConfigurationError)
    assert error.status_code == 0
    assert error.operation == "POST /rest/v1.0/punch_items"
    problems = error.problems
    assert problems["body.punch_item.name"] == "required"
    assert "is not one of" in problems["body.punch_item.status"]
    assert "must be a date" in problems["body.punch_item.due"]
    assert "did you mean 'run_configurable_validations'" in problems["run_configurable_validation"]
    assert "body.punch_item.name" in str(error)
    assert "strict=False" in str(error)
    assert len(sandbox.requests) == before
    with pytest.raises(ValidationError, match=re.escape("query.per_page: must be an integer")):
        project.call(PUNCH_ITEMS, per_page="many")
    with pytest.raises(ValidationError, match="only a Link-paged list takes limit="):
        project.call("GET /rest/v1.0/punch_items/{id}", id=1, limit=5)
    with pytest.raises(ValidationError, match=re.escape("path.id: required")):
        project.call("GET /rest/v1.0/punch_items/{id}")
    assert len(sandbox.requests) == before


def test_strict_false_sends_anyway_and_warns(
    client: ProcoreClient, sandbox: FakeProcore, caplog: pytest.LogCaptureFixture
) -> None:
    project = client.company(COMPANY).project(PROJECT)
    caplog.set_level(logging.WARNING, logger="procore_dc")
    with pytest.raises(ValidationError) as caught:
        project.call("POST /rest/v1.0/punch_items", body={"punch_item": {}}, strict=False)
    assert caught.value.status_code == 422  # Procore's (the sandbox's) own refusal
    assert "sending anyway" in caplog.text
    assert "body.punch_item.name" in caplog.text


def test_company_and_client_calls(client: ProcoreClient, sandbox: FakeProcore) -> None:
    me = client.call("GET /rest/v1.0/me")
    assert me.id == client.me().id
    vendors = client.company(COMPANY).call("GET /rest/v1.0/vendors", limit=2)
    assert len(vendors.to_list()) == 2
    assert sandbox.requests[-1].query["company_id"] == [str(COMPANY)]
    rfis = client.call(
        "GET /rest/v1.0/projects/{project_id}/rfis",
        project_id=PROJECT,
        filters={"status": "open", "id": [10000001, 10000002]},
    ).to_list()
    assert {rfi.id for rfi in rfis} <= {10000001, 10000002}
    assert sandbox.requests[-1].query["filters[status]"] == ["open"]
    assert client.operations.get(PUNCH_ITEMS).paging == "link"


def test_an_answer_without_a_shape_is_a_record(client: ProcoreClient) -> None:
    project = client.company(COMPANY).project(PROJECT)
    unshaped = [
        op
        for op in client.operations
        if op.shape is None
        and op.method == "GET"
        and op.path_parameters == ("project_id",)
        and not op.paging
        and not any(p.required for p in op.parameters if p.location == "query")
    ]
    answer = project.call(unshaped[0])
    items = answer if isinstance(answer, list) else [answer]
    assert all(isinstance(item, Record) for item in items)


def test_another_version(client: ProcoreClient, sandbox: FakeProcore) -> None:
    company = client.company(COMPANY)
    company.call("GET /rest/v1.0/projects", version="v1.1", limit=1).to_list()
    assert sandbox.requests[-1].path == "/rest/v1.1/projects"


def test_headers_booleans_and_the_scope_as_id(client: ProcoreClient, sandbox: FakeProcore) -> None:
    project = client.company(COMPANY).project(PROJECT)
    made = project.call(
        "POST /rest/v1.0/projects/{project_id}/distribution_groups",
        body={"distribution_group": {"name": "Site leads"}},
        **{"Idempotency-Token": "create-site-leads-1"},
    )
    assert made is not None
    sent = sandbox.requests[-1]
    assert sent.headers.get("Idempotency-Token") == "create-site-leads-1"
    project.call(
        "POST /rest/v1.0/punch_items",
        body={"punch_item": {"name": "Seal joints"}},
        run_configurable_validations=False,
    )
    assert sandbox.requests[-1].query["run_configurable_validations"] == ["false"]
    shown = project.call("GET /rest/v1.0/projects/{id}")  # the project scope is the id
    assert shown.id == PROJECT
    assert sandbox.requests[-1].path == f"/rest/v1.0/projects/{PROJECT}"


def test_strict_false_still_needs_the_path(client: ProcoreClient) -> None:
    project = client.company(COMPANY).project(PROJECT)
    with pytest.raises(ConfigurationError, match="needs id"):
        project.call("GET /rest/v1.0/punch_items/{id}", strict=False)
    with pytest.raises(ConfigurationError, match="has no operation"):
        project.call("GET /rest/v1.0/nothing/here")
