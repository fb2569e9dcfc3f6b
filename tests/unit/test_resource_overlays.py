"""The curated resources are overlays on the operation table: each verb names its operation,
which gives its method, path, ids, paging, docs and permission."""

from __future__ import annotations

import json
from typing import Any

import pytest
from loopback import LoopbackServer, Reply
from session_fakes import FakeAuth, FakeTime, policy

from procore_dc import ConfigurationError, Environment, Session
from procore_dc.operations import Record, load_operations
from procore_dc.permissions import Requirement, Scope
from procore_dc.resources import (
    CompaniesResource,
    CompanyUsersResource,
    DeliveriesResource,
    DocumentsResource,
    HooksResource,
    ManpowerLogsResource,
    ObservationsResource,
    ProjectsResource,
    ProjectWebhooks,
    ResourceClient,
    RfisResource,
    SubmittalsResource,
    TriggersResource,
    UploadsResource,
    VendorsResource,
    operation,
    required_permissions,
)
from procore_dc.resources.webhooks import CompanyHooks, CompanyWebhooks

CURATED = (
    CompaniesResource,
    ProjectsResource,
    CompanyUsersResource,
    VendorsResource,
    RfisResource,
    SubmittalsResource,
    ObservationsResource,
    DocumentsResource,
    ManpowerLogsResource,
    UploadsResource,
    HooksResource,
    TriggersResource,
    DeliveriesResource,
)

JSON = (("Content-Type", "application/json"),)


def verbs() -> list[tuple[type[ResourceClient], str, str]]:
    return [
        (cls, verb, key)
        for cls in CURATED
        for verb in cls.permissions
        if (key := cls.permissions.operation(verb)) is not None
    ]


def test_every_curated_verb_but_the_file_flows_sends_an_operation_of_the_table() -> None:
    table = load_operations()
    bound = verbs()
    assert len(bound) == 59
    for cls, verb, key in bound:
        assert key in table, f"{cls.__name__}.{verb}: {key}"
    without = {
        f"{cls.__name__}.{verb}"
        for cls in CURATED
        for verb in cls.permissions
        if cls.permissions.operation(verb) is None
    }
    # Uploads default to v2.1, which the catalogue lacks; a download follows a file's URL.
    assert without == {"UploadsResource.upload", "DocumentsResource.download"}


def test_permissions_are_the_operations_tool_and_level_in_the_resources_scope() -> None:
    differs = set()
    for cls, verb, key in verbs():
        table = load_operations().get(key).requirement
        curated = cls.permissions[verb]
        if table is None:
            assert curated is None, f"{cls.__name__}.{verb}"
            continue
        assert curated == Requirement(cls.scope, table.tool, table.level)
        if table.scope is not cls.scope:
            differs.add(f"{cls.__name__}.{verb}")
    # The table files these under the project (they name one); the curated client serves
    # a company's portfolio, whose home tool grants them.
    assert differs == {"ProjectsResource.get", "ProjectsResource.update"}


def test_docs_name_the_operation_each_verb_sends() -> None:
    for cls, verb, key in verbs():
        doc = getattr(cls, verb).__doc__ or ""
        assert doc.rstrip().endswith(f":calls: ``{key}``"), f"{cls.__name__}.{verb}"


def test_webhooks_need_the_tool_of_the_scope_they_serve() -> None:
    project = ProjectWebhooks(object(), company_id=8, project_id=42)
    company = CompanyWebhooks(object(), company_id=8)
    calls = [project.hooks.create, project.triggers(5).list, company.deliveries(5).list]
    assert required_permissions(calls) == {
        "company": {"webhooks_api": "readonly"},
        "project": {"webhooks_api": "standard"},
    }
    # A class names the company variant, as Procore's catalogue does.
    assert CompanyHooks is HooksResource
    assert required_permissions([(HooksResource, "delete")]) == {
        "company": {"webhooks_api": "standard"},
        "project": {},
    }


def session_on(server: LoopbackServer) -> Session:
    return Session(FakeAuth(Environment.local(server.url)), retry=policy(FakeTime()))


class PunchItems(ResourceClient):
    """An overlay written the curated way, for a tool the SDK does not curate."""

    scope = Scope.PROJECT

    @operation("GET /rest/v1.0/punch_items/{id}")
    def get(self, item_id: int) -> Any:
        """Fetch one punch item."""
        return self._call("GET /rest/v1.0/punch_items/{id}", Record, ids={"id": str(item_id)})

    @operation("GET /rest/v1.0/punch_items")
    def list(self) -> Any:
        """List punch items."""
        return self._list("GET /rest/v1.0/punch_items", Record, per_page=2)

    @operation("GET /rest/v1.0/punch_items/{id}")
    def pages_of_one(self) -> Any:
        """Not a list."""
        return self._list("GET /rest/v1.0/punch_items/{id}", Record, ids={"id": "1"})


def test_an_overlay_takes_path_scope_query_paging_and_permission_from_the_table() -> None:
    item = Reply(200, JSON, json.dumps({"id": 7, "name": "Paint"}).encode())
    page = Reply(200, JSON, json.dumps([{"id": 1}]).encode())
    with LoopbackServer([item, page]) as server:
        items = PunchItems(session_on(server), company_id=8, project_id=42)
        assert items.get(7)["name"] == "Paint"
        assert [i["id"] for i in items.list()] == [1]
        targets = [r.target for r in server.requests]
    assert targets[0] == "/rest/v1.0/punch_items/7?project_id=42"
    assert targets[1].startswith("/rest/v1.0/punch_items?project_id=42&")
    assert "per_page=2" in targets[1]
    assert required_permissions([items.get]) == {
        "company": {},
        "project": {"punch_list": "readonly"},
    }
    with pytest.raises(
        ConfigurationError, match=r"GET /rest/v1.0/punch_items/\{id\} is not a paged"
    ):
        items.pages_of_one()


def test_a_verb_naming_an_operation_procore_lacks_fails_naming_it() -> None:
    class Broken(ResourceClient):
        @operation("GET /rest/v1.0/no_such_things")
        def list(self) -> None:
            """Nothing."""

    with pytest.raises(ConfigurationError, match=r"no operation 'GET /rest/v1\.0/no_such_things'"):
        required_permissions([(Broken, "list")])


def test_a_body_without_one_wrapper_field_is_refused_naming_the_operation() -> None:
    hooks = HooksResource(object(), company_id=8)  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError, match=r"POST /rest/v1\.0/webhooks/hooks has no single"):
        hooks._wrapped("POST /rest/v1.0/webhooks/hooks", {}, {})
