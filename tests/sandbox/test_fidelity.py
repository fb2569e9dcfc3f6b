"""FakeProcore and the SDK agree with Procore where they once disagreed (issue #11).

One test (or a few) per numbered item of the fidelity audit (``shared/audits/fidelity.md``);
each name starts with ``test_item_<n>_``. Every test runs the SDK against a live sandbox, so a
regression on either side fails here.
"""

from __future__ import annotations

import hashlib
import inspect
import io
import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from procore_dc import (
    ConfigurationError,
    PermissionDeniedError,
    ProcoreClient,
    ValidationError,
)
from procore_dc.auth import ServiceAccountAuth
from procore_dc.environments import Environment
from procore_dc.testing import FakeProcore, SandboxClock, WebhookSink

from .conftest import COMPANY, PROJECT, dmsa_token, headers


@pytest.fixture
def sandbox() -> Iterator[FakeProcore]:
    with FakeProcore(seed=0, clock=SandboxClock(frozen=True), rate_limits=None) as running:
        yield running


def make_client(sandbox: FakeProcore, app: Any = None) -> ProcoreClient:
    app = app or sandbox.default_app
    auth = ServiceAccountAuth(app.client_id, app.client_secret, environment=sandbox.environment)
    return ProcoreClient(auth, company_id=COMPANY)


@pytest.fixture
def client(sandbox: FakeProcore) -> Iterator[ProcoreClient]:
    with make_client(sandbox) as made:
        yield made


# -- 1. file links take the bearer token; the redirect to storage does not --------------------


def test_item_1_download_sends_the_token_to_the_file_host_and_not_to_storage(
    sandbox: FakeProcore, client: ProcoreClient
) -> None:
    documents = client.company(COMPANY).project(PROJECT).documents
    made = documents.upload_file(io.BytesIO(b"drawing bytes"), name="A-101.pdf")
    sandbox.clear_requests()
    out = io.BytesIO()
    assert documents.download(made, to=out) == len(b"drawing bytes")
    assert out.getvalue() == b"drawing bytes"
    roles = [(r.role, r.status) for r in sandbox.requests]
    assert roles == [("files", 302), ("storage", 200)]
    file_host, storage = sandbox.requests
    assert file_host.headers.get("Authorization", "").startswith("Bearer ")
    assert storage.headers.get("Authorization") is None


def test_item_1_file_host_refuses_a_link_without_the_token(
    sandbox: FakeProcore, client: ProcoreClient
) -> None:
    file = (
        client.company(COMPANY)
        .project(PROJECT)
        .documents.upload_file(io.BytesIO(b"x"), name="x.txt")
    )
    link = file.file_versions[-1].url
    assert link is not None
    assert link.startswith(sandbox.files_url)
    assert requests.get(link, timeout=5).status_code == 401
    token = dmsa_token(sandbox)
    # Another company's DMSA may not read the file: the project is not visible to it.
    other = sandbox.create_app()
    sandbox.install(other, 9)
    foreign = requests.get(link, headers=headers(dmsa_token(sandbox, other)), timeout=5)
    assert foreign.status_code == 403
    answer = requests.get(link, headers=headers(token), allow_redirects=False, timeout=5)
    assert answer.status_code == 302
    assert answer.headers["Location"].startswith(sandbox.storage_url)


def test_item_1_environment_owns_the_api_and_file_hosts_only(sandbox: FakeProcore) -> None:
    production = Environment.PRODUCTION
    assert production.owns("https://api.procore.com/rest/v1.0/me")
    assert production.owns("https://storage.procore.com/api/v5/files/us-east-1/1?sig=x")
    assert not production.owns("https://pro-core.s3.amazonaws.com/file?X-Amz-Signature=x")
    assert not production.owns("http://storage.procore.com/api/v5/files/1")  # not over https
    assert not production.owns("https://storage.procore.com.evil.example/x")
    assert not production.owns("https://procore.com.evil.example/x")
    assert Environment.SANDBOX.owns("https://storage.procore.com/x")
    assert Environment.MONTHLY_SANDBOX.owns("https://storage.procore.com/x")
    local = sandbox.environment
    assert local.owns(sandbox.api_url + "/rest/v1.0/me")
    assert local.owns(sandbox.files_url + "/api/v5/files/1/a")
    assert not local.owns(sandbox.storage_url + "/s3/files/1/a")
    assert not local.owns(sandbox.login_url + "/oauth/token")


# -- 15. the Federal Zone ---------------------------------------------------------------------


def test_item_15_federal_zone_environment() -> None:
    federal = Environment.FEDERAL
    assert (federal.login_url, federal.api_url) == (
        "https://login.procoregov.com",
        "https://api.procoregov.com",
    )
    assert Environment.from_name("federal") is federal
    assert Environment.from_name("https://api.procoregov.com") is federal
    assert federal.token_url == "https://login.procoregov.com/oauth/token"
    assert federal.owns("https://api.procoregov.com/rest/v1.0/me")
    assert not federal.owns("https://api.procore.com/rest/v1.0/me")


# -- 2. webhook deliveries page by the last id seen -------------------------------------------


def test_item_2_deliveries_page_by_the_last_id_of_the_previous_page(
    sandbox: FakeProcore, client: ProcoreClient
) -> None:
    company = client.company(COMPANY)
    with WebhookSink() as receiver:
        # Two hooks share the delivery id sequence, so each hook's ids are sparse: an offset
        # walk would skip or repeat some of them.
        hooks = [
            company.webhooks.hooks.create(f"fidelity-{n}", receiver.url, api_version="v2")
            for n in range(2)
        ]
        for hook in hooks:
            company.webhooks.triggers(hook.id).create("Company Vendors", "update")
        vendor = company.vendors.list(limit=1).to_list()[0]
        for n in range(25):
            company.vendors.update(vendor.id, name=f"Vendor {n}")
        assert sandbox.webhooks.flush()
    stored = [d["id"] for d in sandbox.webhooks.hooks[hooks[0].id].deliveries]
    assert len(stored) == 25
    sandbox.clear_requests()
    listed = company.webhooks.deliveries(hooks[0].id).list(per_page=10).to_list()
    assert [d.id for d in listed] == stored
    starts = [r.query.get("page_start") for r in sandbox.requests]
    assert starts == [None, [str(stored[9])], [str(stored[19])]]
    assert all(r.query["page_size"] == ["10"] for r in sandbox.requests)


# -- 3. trigger creation sends api_version ----------------------------------------------------


def test_item_3_trigger_creation_sends_api_version_and_the_sandbox_requires_it(
    sandbox: FakeProcore, client: ProcoreClient
) -> None:
    company = client.company(COMPANY)
    hook = company.webhooks.hooks.create("fidelity", "http://127.0.0.1:9/x")
    sandbox.clear_requests()
    company.webhooks.triggers(hook.id).create("RFIs", "create")
    (sent,) = [r for r in sandbox.requests if r.role == "api"]
    body = json.loads(sent.body)
    assert body == {
        "company_id": COMPANY,
        "api_version": "v2",
        "trigger": {"resource_name": "RFIs", "event_type": "create"},
    }
    token = dmsa_token(sandbox)
    url = f"{sandbox.api_url}/rest/v1.0/webhooks/hooks/{hook.id}/triggers"
    refused = requests.post(
        url,
        json={"company_id": COMPANY, "trigger": {"resource_name": "RFIs", "event_type": "update"}},
        headers=headers(token),
        timeout=5,
    )
    assert refused.status_code == 422
    assert "api_version" in refused.json()["errors"]


# -- 4. webhook resource names are Procore's --------------------------------------------------


def test_item_4_webhook_resources_are_procores_names_with_their_events(
    sandbox: FakeProcore, client: ProcoreClient
) -> None:
    token = dmsa_token(sandbox)

    def resources(**scope: int) -> dict[str, list[str]]:
        listed = requests.get(
            f"{sandbox.api_url}/rest/v1.0/webhooks/resources",
            params=scope,
            headers=headers(token),
            timeout=5,
        ).json()
        return {row["name"]: row["except"] for row in listed}

    names = resources(project_id=PROJECT)
    for name in ("Observation Items", "Project Files", "Project Folders", "Project File Versions"):
        assert names[name] == []
    for name in ("Manpower Logs", "RFIs", "Submittals"):
        assert names[name] == []
    assert not {"Observations", "Files", "Folders"} & set(names)
    by_name = resources(company_id=COMPANY)
    for name in ("Projects", "Company Users", "Company Vendors"):
        assert by_name[name] == ["delete"]
    company = client.company(COMPANY)
    hook = company.webhooks.hooks.create("fidelity", "http://127.0.0.1:9/x")
    triggers = company.webhooks.triggers(hook.id)
    assert triggers.create("Observation Items", "update").resource_name == "Observation Items"
    with pytest.raises(ValidationError) as unknown:
        triggers.create("Observations", "update")
    assert "resource_name" in unknown.value.errors
    with pytest.raises(ValidationError) as unsupported:
        triggers.create("Company Vendors", "delete")
    assert "event_type" in unsupported.value.errors


def test_item_4_writes_emit_procores_resource_names(
    sandbox: FakeProcore, client: ProcoreClient
) -> None:
    project = client.company(COMPANY).project(PROJECT)
    company = client.company(COMPANY)
    with WebhookSink() as receiver:
        hook = company.webhooks.hooks.create("fidelity", receiver.url)
        for name in ("Observation Items", "Project Files", "Project File Versions"):
            company.webhooks.triggers(hook.id).create(name, "create")
        project.observations.create("Handrail", type_id=1)
        project.documents.upload_file(io.BytesIO(b"x"), name="note.txt")
        assert sandbox.webhooks.flush()
    emitted = {d["event"]["resource_name"] for d in sandbox.webhooks.hooks[hook.id].deliveries}
    assert emitted == {"Observation Items", "Project Files"}


# -- 7. no phantom v1.0 hook show; every sandbox route is a catalogue route -------------------


def test_item_7_hooks_get_uses_the_v2_show_endpoint(
    sandbox: FakeProcore, client: ProcoreClient
) -> None:
    company = client.company(COMPANY)
    hook = company.webhooks.hooks.create("fidelity", "http://127.0.0.1:9/x", api_version="v3")
    sandbox.clear_requests()
    shown = company.webhooks.hooks.get(hook.id)
    assert (shown.id, shown.namespace, shown.api_version) == (hook.id, "fidelity", "v3")
    assert [r.path for r in sandbox.requests] == [
        f"/rest/v2.0/companies/{COMPANY}/webhooks/hooks/{hook.id}"
    ]
    project_hooks = company.project(PROJECT).webhooks.hooks
    mine = project_hooks.create("fidelity-p", "http://127.0.0.1:9/y")
    assert project_hooks.get(mine.id).owned_by_project_id == PROJECT
    token = dmsa_token(sandbox)
    phantom = requests.get(
        f"{sandbox.api_url}/rest/v1.0/webhooks/hooks/{hook.id}",
        params={"company_id": COMPANY},
        headers=headers(token),
        timeout=5,
    )
    assert phantom.status_code == 405


#: Sandbox routes that are not in Procore's REST catalogue, and why.
NOT_IN_CATALOGUE = {
    # Procore's Unified File Upload API (DOC tutorials/tutorial_unified_uploads.md) is newer
    # than the catalogue's snapshot of the OpenAPI spec.
    "POST /rest/v2.1/companies/{}/uploads",
    "GET /rest/v2.1/companies/{}/uploads/{}",
    "PATCH /rest/v2.1/companies/{}/uploads/{}",
    "POST /rest/v2.1/companies/{}/projects/{}/uploads",
    "GET /rest/v2.1/companies/{}/projects/{}/uploads/{}",
    "PATCH /rest/v2.1/companies/{}/projects/{}/uploads/{}",
}


def _shape(path: str) -> str:
    return re.sub(r"<[^>]+>|\{[^}]+\}", "{}", path)


def test_item_7_every_sandbox_api_route_is_a_catalogue_route() -> None:
    from procore_dc._catalog import load_catalog
    from procore_dc.testing import api as _api

    catalogue = {f"{op['method']} {_shape(op['path'])}" for op in load_catalog()["operations"]}
    served = set()
    for rule in _api.build_map().iter_rules():
        for method in sorted(rule.methods or ()):
            if method not in ("HEAD", "OPTIONS"):
                served.add(f"{method} {_shape(rule.rule)}")
    assert "GET /rest/v1.0/webhooks/hooks/{}" not in served
    assert served - catalogue <= NOT_IN_CATALOGUE, sorted(served - catalogue - NOT_IN_CATALOGUE)


#: Routes of the other hosts that are not REST operations, and so not in the catalogue.
NON_REST = {
    "GET /oauth/authorize/{}",  # the out-of-band page showing the code (login host)
    "POST /oauth/authorize",  # the sign-in form's answer (login host)
    "GET /api/v5/files/{}/{}",  # Procore's file links (file host)
    "POST /s3/pro-core.com",  # presigned POST upload (the S3 stand-in)
    "PUT /s3/segments/{}/{}",  # presigned segment PUT (the S3 stand-in)
    "GET /s3/files/{}/{}",  # presigned download (the S3 stand-in)
}


def test_item_7_the_other_hosts_serve_oauth_routes_or_listed_non_rest_ones(
    sandbox: FakeProcore,
) -> None:
    from procore_dc._catalog import load_catalog
    from procore_dc.testing import _dispatch, _filehost, _storage

    catalogue = {f"{op['method']} {_shape(op['path'])}" for op in load_catalog()["operations"]}
    served = set()
    maps = [_dispatch._maps()[1], _filehost._MAP, _storage._MAP]
    for routes in maps:
        for rule in routes.iter_rules():
            for method in sorted(rule.methods or ()):
                if method not in ("HEAD", "OPTIONS"):
                    served.add(f"{method} {_shape(rule.rule)}")
    assert {"POST /oauth/token", "GET /oauth/authorize", "POST /oauth/revoke"} <= served & catalogue
    assert served - catalogue == NON_REST


# -- 5. required fields as Procore's spec has them --------------------------------------------

MANAGER = 1000001  # the first company's first user (seed 0)


def test_item_5_typed_creates_require_procores_required_fields() -> None:
    from procore_dc.resources import ManpowerLogsResource, ObservationsResource, RfisResource

    def required(method: Any) -> set[str]:
        return {
            name
            for name, p in inspect.signature(method).parameters.items()
            if p.default is inspect.Parameter.empty and p.kind is not p.VAR_KEYWORD
        } - {"self"}

    assert required(RfisResource.create) == {"subject", "question", "rfi_manager_id"}
    assert required(ObservationsResource.create) == {"name", "type_id"}
    assert "assignee_ids" in inspect.signature(RfisResource.create).parameters
    assert "assignee_id" not in inspect.signature(RfisResource.create).parameters
    assert "contact_id" in inspect.signature(ManpowerLogsResource.create).parameters
    assert "vendor_id" not in inspect.signature(ManpowerLogsResource.create).parameters


def test_item_5_rfi_create_sends_the_manager_and_assignee_ids(
    sandbox: FakeProcore, client: ProcoreClient
) -> None:
    rfis = client.company(COMPANY).project(PROJECT).rfis
    sandbox.clear_requests()
    made = rfis.create(
        "Door", question="Which hinge?", rfi_manager_id=MANAGER, assignee_ids=[MANAGER]
    )
    (posted,) = [r for r in sandbox.requests if r.role == "api"]
    sent = json.loads(posted.body)["rfi"]
    assert sent["rfi_manager_id"] == MANAGER
    assert sent["assignee_ids"] == [MANAGER]
    assert "assignee_id" not in sent
    assert made.rfi_manager is not None
    assert made.rfi_manager.id == MANAGER
    with pytest.raises(ConfigurationError, match="assignee_ids"):
        rfis.create("Door", question="Q?", rfi_manager_id=MANAGER, assignee_id=MANAGER)


@pytest.mark.parametrize(
    ("path", "body", "missing"),
    [
        (
            f"/rest/v1.0/projects/{PROJECT}/rfis",
            {"rfi": {"subject": "s", "question": {"body": "q"}}},
            {"rfi_manager_id"},
        ),
        (
            f"/rest/v1.0/projects/{PROJECT}/rfis",
            {"rfi": {"rfi_manager_id": MANAGER}},
            {"subject", "question"},
        ),
        (
            "/rest/v1.0/observations/items",
            {"project_id": PROJECT, "observation": {"name": "Loose rail"}},
            {"type_id"},
        ),
    ],
)
def test_item_5_the_sandbox_refuses_creates_missing_required_fields(
    sandbox: FakeProcore, path: str, body: dict[str, Any], missing: set[str]
) -> None:
    answer = requests.post(
        f"{sandbox.api_url}{path}",
        params={"project_id": PROJECT},
        json=body,
        headers=headers(dmsa_token(sandbox)),
        timeout=5,
    )
    assert answer.status_code == 422
    errors = answer.json()["errors"]  # Procore's shape: {"errors": {field: [messages]}}
    assert set(errors) == missing
    assert all(isinstance(v, list) and v for v in errors.values())


def test_item_5_manpower_log_names_its_vendor_with_contact_id(
    sandbox: FakeProcore, client: ProcoreClient
) -> None:
    project = client.company(COMPANY).project(PROJECT)
    vendor = client.company(COMPANY).vendors.list(limit=1).to_list()[0]
    log = project.manpower_logs.create(num_workers=3, num_hours="8", contact_id=vendor.id)
    assert log.vendor is not None
    assert log.vendor.id == vendor.id
    assert "contact_id" in sandbox.requests[-1].body.decode()
    with pytest.raises(ConfigurationError, match="contact_id"):
        project.manpower_logs.create(num_workers=3, vendor_id=vendor.id)
    # vendor_id is not a Procore field: the sandbox drops it, as Procore drops unknown keys.
    raw = requests.post(
        f"{sandbox.api_url}/rest/v1.0/projects/{PROJECT}/manpower_logs",
        json={"manpower_log": {"num_workers": 1, "num_hours": "1", "vendor_id": vendor.id}},
        headers=headers(dmsa_token(sandbox)),
        timeout=5,
    ).json()
    assert "vendor_id" not in raw
    assert raw["vendor"] is None


# -- 8. sorting as Procore spells it ----------------------------------------------------------


def test_item_8_rfis_sort_with_sort_attribute_and_direction(
    sandbox: FakeProcore, client: ProcoreClient
) -> None:
    rfis = client.company(COMPANY).project(PROJECT).rfis
    sandbox.clear_requests()
    newest = [r.id for r in rfis.list(sort="-id", limit=5)]
    assert newest == sorted(newest, reverse=True)
    assert newest[0] == max(r["id"] for r in sandbox.data.rfis.of(PROJECT))
    (sent,) = [r for r in sandbox.requests if r.role == "api"]
    assert sent.query["sort[attribute]"] == ["id"]
    assert sent.query["sort[direction]"] == ["desc"]
    assert "sort" not in sent.query
    with pytest.raises(ConfigurationError, match="one attribute"):
        rfis.list(sort=["-id", "subject"])
    # The sandbox ignores sort= on RFIs, as Procore does with a parameter it does not know.
    token = dmsa_token(sandbox)
    url = f"{sandbox.api_url}/rest/v1.0/projects/{PROJECT}/rfis"
    plain = requests.get(
        url, params={"sort": "-id", "per_page": 5}, headers=headers(token), timeout=5
    )
    default = requests.get(url, params={"per_page": 5}, headers=headers(token), timeout=5)
    assert [r["id"] for r in plain.json()] == [r["id"] for r in default.json()]


# -- 11. a missing Procore-Company-Id answers 404 ---------------------------------------------


def test_item_11_missing_company_header_is_404_with_procores_text(sandbox: FakeProcore) -> None:
    from procore_dc.exceptions import APIError, NotFoundError

    user = sandbox.issue_token()["access_token"]
    answer = requests.get(
        f"{sandbox.api_url}/rest/v1.0/projects",
        params={"company_id": COMPANY},
        headers={"Authorization": f"Bearer {user}"},
        timeout=5,
    )
    assert answer.status_code == 404
    error = APIError.from_response(answer)
    assert isinstance(error, NotFoundError)
    assert "Missing Procore-Company-Id header!" in str(error)


# -- 14. the token endpoint also answers on the API host --------------------------------------


def test_item_14_token_endpoint_answers_on_the_api_host_too(sandbox: FakeProcore) -> None:
    app = sandbox.default_app
    url = f"{sandbox.api_url}/oauth/token"
    in_body = requests.post(
        url,
        data={
            "grant_type": "client_credentials",
            "client_id": app.client_id,
            "client_secret": app.client_secret,
        },
        timeout=5,
    )
    assert in_body.status_code == 200
    in_basic = requests.post(
        url,
        data={"grant_type": "client_credentials"},
        auth=(app.client_id, app.client_secret),
        timeout=5,
    )
    assert in_basic.status_code == 200
    for answer in (in_body, in_basic):
        token = answer.json()["access_token"]
        me = requests.get(f"{sandbox.api_url}/rest/v1.0/me", headers=headers(token), timeout=5)
        assert me.status_code == 200
    wrong = requests.post(url, data={"grant_type": "client_credentials"}, timeout=5)
    assert wrong.status_code == 401
    assert wrong.json()["error"] == "invalid_client"
    # The SDK keeps using the login host.
    assert sandbox.environment.token_url.startswith(sandbox.login_url)


# -- 16. error bodies in Procore's several shapes, end to end ---------------------------------


@pytest.mark.parametrize(
    ("path", "params", "shape"),
    [
        (f"/rest/v1.0/projects/{PROJECT}/rfis/999999999", {}, {"errors", "message"}),
        ("/rest/v1.0/webhooks/hooks", {}, {"error"}),
        (f"/rest/v1.1/projects/{PROJECT}/uploads/nope", {}, {"error"}),
        ("/rest/v1.0/vendors/999999999", {"company_id": COMPANY}, {"message", "error"}),
    ],
)
def test_item_16_error_bodies_come_in_procores_shapes_and_the_sdk_reads_each(
    sandbox: FakeProcore, client: ProcoreClient, path: str, params: dict[str, Any], shape: set[str]
) -> None:
    from procore_dc.exceptions import APIError

    answer = requests.get(
        f"{sandbox.api_url}{path}", params=params, headers=headers(dmsa_token(sandbox)), timeout=5
    )
    assert answer.status_code in (400, 404)
    body = answer.json()
    assert set(body) == shape
    if "uploads" in path:
        assert set(body["error"]) == {"code", "message"}
    # The SDK, end to end through the session, names the problem from each shape.
    with pytest.raises(APIError) as raised:
        client.session.get_json(path, params=params)
    text = str(raised.value)
    assert ("Not Found" in text) or ("company_id or project_id" in text)
    assert raised.value.status_code == answer.status_code
    assert raised.value.errors is not None


# -- 10. DMSA permitted projects are an explicit list -----------------------------------------


def test_item_10_a_project_created_after_install_needs_permit(
    sandbox: FakeProcore, client: ProcoreClient
) -> None:
    company = client.company(COMPANY)
    made = company.projects.create("Tower C")
    with pytest.raises(PermissionDeniedError, match="permitted projects") as denied:
        company.project(made.id).rfis.list().to_list()
    assert "not added automatically" in str(denied.value)
    assert made.id not in [p.id for p in company.projects.list()]
    sandbox.permit(sandbox.default_app, COMPANY, made.id)
    assert company.project(made.id).rfis.list().to_list() == []
    assert made.id in [p.id for p in company.projects.list()]
    # Projects that existed at install stay permitted.
    assert company.project(PROJECT).rfis.list(limit=1).to_list()
    with pytest.raises(ValueError, match="not in company"):
        sandbox.permit(sandbox.default_app, COMPANY, 999_999_999)
    with pytest.raises(ValueError, match="not installed"):
        sandbox.permit(sandbox.create_app(), COMPANY, PROJECT)


def test_item_10_all_projects_only_when_asked_for(sandbox: FakeProcore) -> None:
    from procore_dc.testing import ALL

    app = sandbox.create_app()
    sandbox.install(app, COMPANY, permitted_projects=ALL)
    sandbox.permit(app, COMPANY, PROJECT)  # nothing to add: every project is permitted
    with make_client(sandbox, app) as client:
        company = client.company(COMPANY)
        made = company.projects.create("Tower D")
        assert company.project(made.id).rfis.list().to_list() == []


# -- 9. Portfolio is the home tool key --------------------------------------------------------


def test_item_9_portfolio_is_the_home_tool_key(sandbox: FakeProcore, client: ProcoreClient) -> None:
    from procore_dc.permissions import COMPANY_TOOLS
    from procore_dc.resources import ProjectsResource, required_permissions

    assert COMPANY_TOOLS["home"].label == "Portfolio"
    assert "portfolio" not in COMPANY_TOOLS
    assert required_permissions([(ProjectsResource, "list")]) == {
        "company": {"home": "readonly"},
        "project": {},
    }
    sandbox.clear_requests()
    client.company(COMPANY).projects.list(limit=1).to_list()
    assert sandbox.required_permissions()["company"] == {"home": "readonly"}
    with pytest.raises(ValueError, match="Portfolio tool's key is 'home'"):
        sandbox.create_app(permissions={"company": {"portfolio": "readonly"}})
    app = sandbox.create_app(permissions={"company": {"directory": "readonly"}})
    sandbox.install(app, COMPANY)
    with make_client(sandbox, app) as limited, pytest.raises(PermissionDeniedError, match="home"):
        limited.company(COMPANY).projects.list(limit=1).to_list()


# -- 6. a service account's rate limit is counted per company ---------------------------------


def test_item_6_rate_limits_per_company_for_a_service_account() -> None:
    from procore_dc import RetryPolicy, Session
    from procore_dc.testing import RateLimits

    slept: list[float] = []
    limits = RateLimits(hourly=1000, spike=3, spike_window=10)
    with FakeProcore(seed=0, clock=SandboxClock(frozen=True), rate_limits=limits) as sandbox:
        app = sandbox.default_app
        sandbox.install(app, 9)

        def sleep(seconds: float) -> None:
            slept.append(seconds)
            sandbox.clock.advance(seconds)

        auth = ServiceAccountAuth(app.client_id, app.client_secret, environment=sandbox.environment)
        retry = RetryPolicy(clock=sandbox.clock.now, sleep=sleep, random=lambda: 0.0)
        with Session(auth, company_id=COMPANY, retry=retry) as session:
            for _ in range(3):
                session.get_json("/rest/v1.0/me")
            assert session.rate_limit.remaining == 0
            other = session.with_company(9)
            # Company 9's window is its own: no wait, no 429.
            other.get_json("/rest/v1.0/me")
            assert slept == []
            assert other.rate_limit.remaining == 2
            assert session.rate_limit_for(9) is other.rate_limit
            assert session.rate_limit_for(COMPANY).remaining == 0
            statuses = [r.status for r in sandbox.requests if r.role == "api"]
            assert statuses == [200, 200, 200, 200]
            # Company 8's empty window still paces company 8's calls.
            session.get_json("/rest/v1.0/me")
            assert slept


# -- 13. webhook v4 payloads: string ids everywhere --------------------------------------------


def test_item_13_v4_payloads_carry_string_ids_and_the_parser_takes_any_id_text(
    sandbox: FakeProcore, client: ProcoreClient
) -> None:
    from procore_dc.webhooks import parse_event

    company = client.company(COMPANY)
    with WebhookSink() as receiver:
        hook = company.webhooks.hooks.create("fidelity-v4", receiver.url, api_version="v4")
        company.webhooks.triggers(hook.id).create("Company Vendors", "update")
        vendor = company.vendors.list(limit=1).to_list()[0]
        company.vendors.update(vendor.id, name="Renamed")
        assert sandbox.webhooks.flush()
    (delivery,) = receiver.received
    body, payload = delivery.body, delivery.payload
    for key in ("id", "company_id", "project_id", "user_id", "resource_id"):
        assert isinstance(payload[key], str), key
    assert payload["project_id"] == ""  # a company-level event has no project
    event = parse_event(body)
    assert (event.resource_id, event.company_id, event.project_id) == (vendor.id, COMPANY, None)
    assert event.resource_key == str(vendor.id)
    # A new resource type may carry an id that is not a number: kept as text, not refused.
    odd = parse_event({**payload, "resource_type": "Things", "resource_id": "th_01JB"})
    assert (odd.resource_id, odd.resource_key) == (None, "th_01JB")


# -- 12. uploads: v2.1 by default; v1.1 sends response_filename ---------------------------------


def test_item_12_uploads_use_the_v2_1_unified_api_by_default(
    sandbox: FakeProcore, client: ProcoreClient
) -> None:
    documents = client.company(COMPANY).project(PROJECT).documents
    sandbox.clear_requests()
    file = documents.upload_file(io.BytesIO(b"unified bytes"), name="u.txt")
    base = f"/rest/v2.1/companies/{COMPANY}/projects/{PROJECT}/uploads"
    calls = [(r.method, r.path, r.status) for r in sandbox.requests if r.role != "login"]
    upload_id = calls[2][1].rsplit("/", 1)[1]
    assert calls == [
        ("POST", base, 201),
        ("PUT", calls[1][1], 200),
        ("PATCH", f"{base}/{upload_id}", 200),
        ("GET", f"{base}/{upload_id}", 200),
        ("POST", "/rest/v1.0/files", 201),
    ]
    created = json.loads(sandbox.requests[-1].body)
    assert created["file"]["upload_uuid"] == upload_id
    declared = json.loads(next(r for r in sandbox.requests if r.path == base).body)
    assert declared["file_name"] == "u.txt"
    assert declared["file_size"] == len(b"unified bytes")
    assert declared["sha256"] == hashlib.sha256(b"unified bytes").hexdigest()
    out = io.BytesIO()
    documents.download(file, to=out)
    assert out.getvalue() == b"unified bytes"


def test_item_12_the_sandbox_checks_v2_1_parts_and_the_whole_file_digest(
    sandbox: FakeProcore,
) -> None:
    token = dmsa_token(sandbox)
    url = f"{sandbox.api_url}/rest/v2.1/companies/{COMPANY}/projects/{PROJECT}/uploads"
    small = {"size": 10, "sha256": "0" * 64}
    too_small = requests.post(
        url,
        json={"file_name": "a", "file_size": 20, "sha256": "0" * 64, "segments": [small, small]},
        headers=headers(token),
        timeout=5,
    )
    assert too_small.status_code == 422  # every part but the last is larger than 5 MiB
    assert "segments[0].size" in too_small.json()["errors"]
    body = b"abc"
    part = {"size": 3, "sha256": hashlib.sha256(body).hexdigest()}
    made = requests.post(
        url,
        json={"file_name": "a", "file_size": 3, "sha256": "1" * 64, "segments": [part]},
        headers=headers(token),
        timeout=5,
    ).json()["data"]
    segment = made["segments"][0]
    put = requests.put(segment["url"], data=body, headers=segment["headers"], timeout=5)
    assert put.status_code == 200
    done = requests.patch(
        f"{url}/{made['upload_id']}",
        json={"part_etags": [put.headers["ETag"]]},
        headers=headers(token),
        timeout=5,
    )
    assert done.status_code == 422  # the declared whole-file SHA-256 does not match
    assert "sha256" in done.json()["errors"]


def test_item_12_v1_1_segmented_upload_sends_response_filename(
    sandbox: FakeProcore, client: ProcoreClient
) -> None:
    uploads = client.company(COMPANY).project(PROJECT).documents.uploads
    data = b"x" * (5 * 1024 * 1024 + 10)
    sandbox.clear_requests()
    made = uploads.upload(io.BytesIO(data), filename="big.bin", version="v1.1")
    assert made.status == "complete"
    created = next(r for r in sandbox.requests if r.method == "POST" and r.role == "api")
    assert created.path == f"/rest/v1.1/projects/{PROJECT}/uploads"
    body = json.loads(created.body)
    assert body["response_filename"] == "big.bin"
    assert len(body["segments"]) == 1
    with pytest.raises(ConfigurationError, match="version"):
        uploads.upload(io.BytesIO(b"x"), filename="x", version="v1.0")
    with pytest.raises(ConfigurationError, match=r"v2\.1"):
        uploads.upload(io.BytesIO(b"x"), filename="x", segment_size=5 * 1024 * 1024)


def test_item_12_a_v2_1_upload_is_polled_until_available(sandbox: FakeProcore) -> None:
    from procore_dc import ResponseFormatError, RetryPolicy

    slept: list[float] = []
    app = sandbox.default_app
    auth = ServiceAccountAuth(app.client_id, app.client_secret, environment=sandbox.environment)
    retry = RetryPolicy(sleep=slept.append, random=lambda: 0.0)
    processing = {"data": {"upload_id": "x", "status": "complete"}}
    with ProcoreClient(auth, company_id=COMPANY, retry=retry) as client:
        uploads = client.company(COMPANY).project(PROJECT).documents.uploads
        sandbox.faults.add(
            "GET", "/rest/v2.1/*/uploads/*", "status", status=200, body=processing, times=2
        )
        assert uploads.upload(io.BytesIO(b"abc"), filename="a.txt").status == "available"
        assert len(slept) == 2  # two checks said "complete": waited twice, then "available"
        sandbox.faults.add("GET", "/rest/v2.1/*/uploads/*", "status", status=200, body=processing)
        with pytest.raises(ResponseFormatError, match="still 'complete'"):
            uploads.upload(io.BytesIO(b"abc"), filename="a.txt")


def test_item_1_file_host_refuses_forged_and_unknown_links(sandbox: FakeProcore) -> None:
    token = headers(dmsa_token(sandbox))
    base = f"{sandbox.files_url}/api/v5/files"
    assert requests.get(f"{base}/1/a?sig=forged", headers=token, timeout=5).status_code == 403
    assert requests.get(f"{sandbox.files_url}/elsewhere", headers=token, timeout=5).status_code == (
        404
    )
    from procore_dc.testing._files import version_signature

    gone = 999_999_999_01
    link = f"{base}/{gone}/a?sig={version_signature(sandbox.seed, gone)}"
    assert requests.get(link, headers=token, timeout=5).status_code == 404


def test_item_5_rfi_update_takes_assignee_ids_and_the_manager(
    sandbox: FakeProcore, client: ProcoreClient
) -> None:
    rfis = client.company(COMPANY).project(PROJECT).rfis
    made = rfis.create("Door", question="Which hinge?", rfi_manager_id=MANAGER)
    other = client.company(COMPANY).users.list(limit=2).to_list()[1].id
    changed = rfis.update(made.id, assignee_ids=[other], rfi_manager_id=other)
    assert [a.id for a in changed.assignees or ()] == [other]
    assert changed.rfi_manager is not None
    assert changed.rfi_manager.id == other
    assert rfis.update(made.id, assignee_id=MANAGER).assignees[0].id == MANAGER  # deprecated
    with pytest.raises(ValidationError) as unknown:
        rfis.update(made.id, rfi_manager_id=5)
    assert "rfi_manager_id" in unknown.value.errors


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"file_size": 1, "sha256": "0" * 64, "segments": [{"size": 1, "sha256": "0" * 64}]},
         "file_name"),
        ({"file_name": "a", "file_size": -1, "sha256": "0" * 64,
          "segments": [{"size": 1, "sha256": "0" * 64}]}, "file_size"),
        ({"file_name": "a", "file_size": 1, "sha256": "x",
          "segments": [{"size": 1, "sha256": "0" * 64}]}, "sha256"),
        ({"file_name": "a", "file_size": 1, "sha256": "0" * 64}, "segments"),
        ({"file_name": "a", "file_size": 1, "sha256": "0" * 64,
          "segments": [{"size": 1, "sha256": "nope"}]}, "segments[0].sha256"),
        ({"file_name": "a", "file_size": 2, "sha256": "0" * 64,
          "segments": [{"size": 1, "sha256": "0" * 64}]}, "file_size"),
    ],
)  # fmt: skip
def test_item_12_v2_1_upload_creation_names_the_bad_field(
    sandbox: FakeProcore, body: dict[str, Any], field: str
) -> None:
    answer = requests.post(
        f"{sandbox.api_url}/rest/v2.1/companies/{COMPANY}/projects/{PROJECT}/uploads",
        json=body,
        headers=headers(dmsa_token(sandbox)),
        timeout=5,
    )
    assert answer.status_code == 422
    assert field in answer.json()["errors"]
