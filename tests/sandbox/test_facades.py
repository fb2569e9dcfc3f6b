"""Generated facades (``project.punch_items.list()``) over real HTTP to the sandbox."""

from __future__ import annotations

import inspect
import json
import subprocess
import sys
from collections.abc import Iterator

import pytest

from procore_dc import (
    ConfigurationError,
    ProcoreClient,
    RequestValidationError,
    ServiceAccountAuth,
)
from procore_dc.client import CompanyScope, ProjectScope
from procore_dc.operations._facades import FacadeNode
from procore_dc.operations._naming import CURATED
from procore_dc.pagination import PageIterator
from procore_dc.resources import RfisResource, required_permissions
from procore_dc.testing import FakeProcore, SandboxClock

COMPANY = 8
PROJECT = 100001


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


@pytest.fixture
def project(client: ProcoreClient) -> ProjectScope:
    return client.company(COMPANY).project(PROJECT)


def test_a_list_facade_pages_lazily_with_the_scope_ids(
    project: ProjectScope, sandbox: FakeProcore
) -> None:
    sandbox.clear_requests()
    items = project.punch_items.list(per_page=2)
    assert isinstance(items, PageIterator)
    assert sandbox.requests == []
    listed = items.to_list()
    assert len(listed) == 3
    pages = [r for r in sandbox.requests if r.role == "api"]
    # The default is the newest version, v1.1; the scope fills project_id.
    assert [p.path for p in pages] == ["/rest/v1.1/punch_items"] * 2
    assert pages[0].query["project_id"] == [str(PROJECT)]
    older = project.punch_items.list(version="v1.0", limit=1).to_list()
    assert sandbox.requests[-1].path == "/rest/v1.0/punch_items"
    assert older[0].id == listed[0].id


def test_create_get_update_delete_through_the_facade(
    project: ProjectScope, sandbox: FakeProcore
) -> None:
    made = project.punch_items.create(body={"punch_item": {"name": "Touch up paint"}})
    assert json.loads(sandbox.requests[-1].body)["project_id"] == PROJECT
    assert project.punch_items.get(made.id) == made
    assert sandbox.requests[-1].path == f"/rest/v1.1/punch_items/{made.id}"
    changed = project.punch_items.update(made.id, body={"punch_item": {"name": "Paint twice"}})
    assert changed.name == "Paint twice"
    assert project.punch_items.delete(made.id) is None
    assert sandbox.requests[-1].method == "DELETE"


def test_a_facade_checks_before_sending(project: ProjectScope, sandbox: FakeProcore) -> None:
    before = len(sandbox.requests)
    with pytest.raises(RequestValidationError) as caught:
        project.punch_items.create(body={"punch_item": {}})
    assert "body.punch_item.name" in caught.value.problems
    with pytest.raises(ConfigurationError, match=r"takes id \(1 positional\), got 0"):
        project.punch_items.get()
    with pytest.raises(ConfigurationError, match=r"takes no ids \(0 positional\), got 1"):
        project.punch_items.list(5)
    with pytest.raises(ConfigurationError, match="got id twice"):
        project.punch_items.get(5, id=6)
    with pytest.raises(ConfigurationError, match=r"has no version 'v9.9'; it has v1.0, v1.1"):
        project.punch_items.list(version="v9.9")
    assert len(sandbox.requests) == before


def test_curated_tools_win_and_the_generated_one_is_under_ops(project: ProjectScope) -> None:
    assert isinstance(project.rfis, RfisResource)
    generated = project.ops.rfis
    assert isinstance(generated, FacadeNode)
    curated_ids = [rfi.id for rfi in project.rfis.list()]
    assert [rfi.id for rfi in generated.list()] == curated_ids
    assert isinstance(project.ops.punch_items, FacadeNode)


def test_every_curated_name_is_reserved(client: ProcoreClient, project: ProjectScope) -> None:
    company = client.company(COMPANY)
    for scope, owner in (("client", client), ("company", company), ("project", project)):
        public = {n for n in vars(owner) if not n.startswith("_")}
        public |= {n for n in vars(type(owner)) if not n.startswith("_")}
        assert public <= CURATED[scope], scope


def test_tab_completion_and_errors_name_close_matches(project: ProjectScope) -> None:
    names = dir(project)
    assert {"punch_items", "budget_line_items", "rfis", "call", "ops"} <= set(names)
    node_names = dir(project.punch_items)
    assert {"list", "get", "create", "update", "delete", "comments"} <= set(node_names)
    with pytest.raises(AttributeError, match="did you mean punch_items"):
        _ = project.punch_itemz
    with pytest.raises(AttributeError, match="has no 'lst'; did you mean list"):
        _ = project.punch_items.lst
    assert "punch_items" in repr(project.punch_items)


def test_a_method_documents_its_operation(project: ProjectScope) -> None:
    create = project.punch_items.create
    doc = inspect.getdoc(create) or ""
    assert ":calls: ``POST /rest/v1.1/punch_items``" in doc
    assert ':versions: v1.1 (default); ``version="v1.0"``' in doc
    assert ":permission: project tool ``punch_list``, level ``standard``" in doc
    assert "``punch_item`` (required)" in doc
    assert 'project.punch_items.create(body={"punch_item": {...}})' in doc
    signature = inspect.signature(create)
    assert signature.parameters["body"].default is inspect.Parameter.empty
    assert "run_configurable_validations" in signature.parameters
    assert next(iter(inspect.signature(project.punch_items.update).parameters)) == "id"


def test_required_permissions_reads_facade_methods(project: ProjectScope) -> None:
    block = required_permissions([project.punch_items.list, project.ops.rfis.create])
    assert block == {"company": {}, "project": {"punch_list": "readonly", "rfi": "standard"}}


def test_company_and_client_facades(client: ProcoreClient, sandbox: FakeProcore) -> None:
    company: CompanyScope = client.company(COMPANY)
    assert len(company.ops.vendors.list(limit=2).to_list()) == 2
    assert sandbox.requests[-1].query["company_id"] == [str(COMPANY)]
    assert client.ops.me.get().id == client.me().id


def test_import_builds_no_facade() -> None:
    code = (
        "import procore_dc.client, procore_dc.operations._naming as n, "
        "procore_dc.operations._table as t\n"
        "assert n.shipped_methods.cache_info().currsize == 0\n"
        "assert n.facade_methods.cache_info().currsize == 0\n"
        "assert t.load_operations.cache_info().currsize == 0\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
