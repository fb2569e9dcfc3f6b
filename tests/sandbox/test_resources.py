"""ProcoreClient and the resource clients against a running FakeProcore (real HTTP)."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from procore_dc import (
    ConfigurationError,
    PermissionDeniedError,
    ProcoreClient,
    ResponseFormatError,
    RetryPolicy,
    ServerError,
)
from procore_dc.auth import ServiceAccountAuth
from procore_dc.models import File, Folder, Project, Rfi
from procore_dc.resources import (
    DocumentsResource,
    ProjectsResource,
    RfisResource,
    encode_filters,
    required_permissions,
)
from procore_dc.resources.uploads import SEGMENT_SIZE
from procore_dc.testing import FakeProcore, SandboxClock, WebhookSink
from procore_dc.webhooks import Deduplicator, parse_event

COMPANY = 8
PROJECT = 100001
MANAGER = 1000001  # the first company's first user (seed 0): an RFI manager


@pytest.fixture(scope="module")
def sandbox() -> Iterator[FakeProcore]:
    # No rate limits: these tests are about the resources, and the clock is frozen.
    with FakeProcore(seed=0, clock=SandboxClock(frozen=True), rate_limits=None) as running:
        yield running


def make_client(sandbox: FakeProcore, app: Any = None) -> ProcoreClient:
    app = app or sandbox.default_app
    auth = ServiceAccountAuth(app.client_id, app.client_secret, environment=sandbox.environment)
    return ProcoreClient(auth, company_id=COMPANY)


@pytest.fixture(scope="module")
def client(sandbox: FakeProcore) -> Iterator[ProcoreClient]:
    with make_client(sandbox) as made:
        yield made


def test_me_and_companies(client: ProcoreClient) -> None:
    me = client.me()
    assert me.id > 0
    assert me.login
    companies = client.companies.list().to_list()
    assert COMPANY in [company.id for company in companies]


def test_projects_crud_and_sync(client: ProcoreClient, sandbox: FakeProcore) -> None:
    projects = client.company(COMPANY).projects
    listed = projects.list(per_page=2)
    pages = list(listed.pages())
    assert len(pages) >= 2
    everything = [project for page in pages for project in page.items]
    assert all(isinstance(project, Project) for project in everything)
    assert len({project.id for project in everything}) == len(everything) == listed.total
    first = projects.get(everything[0].id)
    assert first == everything[0]

    made = projects.create("Tower B", project_number="TB-1", origin_id="erp-tower-b")
    # A project created after installation is not permitted until an admin adds it.
    sandbox.permit(sandbox.default_app, COMPANY, made.id)
    assert made.name == "Tower B"
    changed = projects.update(made.id, name="Tower B2")
    assert changed.name == "Tower B2"
    assert projects.get(made.id).name == "Tower B2"

    result = projects.sync(
        [
            {"origin_id": "erp-tower-b", "name": "Tower B3"},
            {"origin_id": "erp-new", "name": "Annex", "start_date": dt.date(2026, 5, 1)},
            {"id": 999999999, "name": "Ghost"},
            {"origin_id": "erp-nameless"},
        ]
    )
    assert sorted(project.name or "" for project in result.entities) == ["Annex", "Tower B3"]
    assert len(result.errors) == 2
    ghost = next(error for error in result.errors if error.id == 999999999)
    assert ghost.errors == {"id": ("Entity with this ID not found",)}
    assert ghost.input["name"] == "Ghost"
    nameless = next(error for error in result.errors if error.origin_id == "erp-nameless")
    assert "name" in nameless.errors


def test_sync_batches_in_thousands(client: ProcoreClient, sandbox: FakeProcore) -> None:
    # 1,001 new projects at the default batch size: a full batch of 1,000 and one more. A full
    # batch used to overflow the sandbox's per-company id range (1,000 projects), and the
    # server dropped the connection instead of answering.
    before = len(sandbox.requests)
    items = ({"origin_id": f"bulk-{i}", "name": f"Bulk {i}"} for i in range(1001))
    result = client.company(COMPANY).projects.sync(items)
    assert len(result.entities) == 1001
    assert len({project.id for project in result.entities}) == 1001
    assert result.ok
    syncs = [r for r in sandbox.requests[before:] if r.path.endswith("/projects/sync")]
    assert [len(json.loads(r.body)["updates"]) for r in syncs] == [1000, 1]
    assert [r.status for r in syncs] == [200, 200]
    small = client.company(COMPANY).vendors.sync(
        ({"origin_id": f"small-{i}", "name": f"V {i}"} for i in range(25)), batch_size=10
    )
    assert len(small.entities) == 25
    with pytest.raises(ConfigurationError):
        client.company(COMPANY).projects.sync([], batch_size=1001)


def test_a_sandbox_failure_is_a_500_naming_it(
    client: ProcoreClient, sandbox: FakeProcore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An exception inside FakeProcore answers 500 with its cause, never a dropped connection."""
    partition = sandbox.data.vendors.of(COMPANY)

    def full(build: Any) -> Any:
        raise OverflowError("FakeProcore holds at most 10000 vendors per company")

    monkeypatch.setattr(partition, "create", full)
    with pytest.raises(ServerError, match="OverflowError: FakeProcore holds at most") as caught:
        client.company(COMPANY).vendors.create("One too many")
    assert caught.value.status_code == 500
    assert sandbox.requests[-1].status == 500


def test_rfis_list_pages_get_create_update(client: ProcoreClient, sandbox: FakeProcore) -> None:
    rfis = client.company(COMPANY).project(PROJECT).rfis
    listed = rfis.list(per_page=100)
    pages = list(listed.pages())
    assert len(pages) >= 2
    assert all(isinstance(rfi, Rfi) for page in pages for rfi in page.items)
    some = pages[-1].items[0]
    assert rfis.get(some.id) == some

    made = rfis.create(
        "Door hardware",
        question="Which hinge?",
        rfi_manager_id=MANAGER,
        due_date=dt.date(2026, 4, 1),
    )
    assert made.subject == "Door hardware"
    updated = rfis.update(made.id, subject="Door hardware (L3)")
    assert updated.subject == "Door hardware (L3)"

    status = pages[0].items[0].status
    filtered = rfis.list(filters={"status": status}).to_list()
    assert filtered
    assert all(rfi.status == status for rfi in filtered)
    limited = rfis.list(limit=5).to_list()
    assert len(limited) == 5


def test_submittals_observations_manpower(client: ProcoreClient) -> None:
    project = client.company(COMPANY).project(PROJECT)
    submittals = project.submittals.list().to_list()
    assert submittals
    made = project.submittals.create("Cut sheets", number="08-1")
    assert project.submittals.update(made.id, title="Cut sheets r2").title == "Cut sheets r2"
    assert project.submittals.get(made.id).title == "Cut sheets r2"

    item = project.observations.create("Missing handrail", type_id=1, priority="High")
    assert project.observations.get(item.id).name == "Missing handrail"
    assert project.observations.update(item.id, name="Handrail").name == "Handrail"
    assert item.id in [o.id for o in project.observations.list()]
    project.observations.delete(item.id)
    assert item.id not in [o.id for o in project.observations.list()]

    day = dt.date(2026, 3, 2)
    log = project.manpower_logs.create(date=day, num_workers=6, num_hours="8")
    assert log.num_workers == 6
    on_day = project.manpower_logs.list(log_date=day).to_list()
    assert log.id in [entry.id for entry in on_day]
    in_range = project.manpower_logs.list(start_date=day, end_date=day + dt.timedelta(days=1))
    assert log.id in [entry.id for entry in in_range]
    assert project.manpower_logs.update(log.id, num_workers=7).num_workers == 7
    project.manpower_logs.delete(log.id)
    with pytest.raises(ConfigurationError):
        project.manpower_logs.list(log_date=day, start_date=day, end_date=day)


def test_users_and_vendors(client: ProcoreClient) -> None:
    company = client.company(COMPANY)
    users = company.users.list(per_page=5)
    assert len(list(users.pages())) >= 2
    user = company.users.create("Lovelace", first_name="Ada", email_address="ada@example.com")
    assert company.users.get(user.id).last_name == "Lovelace"
    assert company.users.update(user.id, job_title="PM").job_title == "PM"
    synced = company.users.sync(
        [
            {"id": 123456789, "last_name": "X"},
            {"origin_id": "hr-1", "last_name": "Hopper", "email_address": "gh@example.com"},
        ]
    )
    assert len(synced.entities) == 1
    assert len(synced.errors) == 1

    vendor = company.vendors.create("Acme Doors", origin_id="v-1")
    assert company.vendors.get(vendor.id).name == "Acme Doors"
    assert company.vendors.update(vendor.id, name="Acme").name == "Acme"
    assert vendor.id in [v.id for v in company.vendors.list()]
    result = company.vendors.sync(
        [{"origin_id": "v-1", "name": "Acme 2"}, {"id": 987654321, "name": "?"}]
    )
    assert [v.name for v in result.entities] == ["Acme 2"]
    assert result.errors[0].errors == {"id": ("Entity with this ID not found",)}


def test_documents_folders_files_small_upload(client: ProcoreClient, tmp_path: Path) -> None:
    documents = client.company(COMPANY).project(PROJECT).documents
    root = documents.root()
    assert isinstance(root, Folder)
    folder = documents.create_folder("Specs", parent_id=root.id)
    assert documents.get_folder(folder.id).name == "Specs"
    assert documents.update_folder(folder.id, name="Specs 2").name == "Specs 2"

    small = tmp_path / "note.txt"
    small.write_bytes(b"hello procore\n" * 100)
    file = documents.upload_file(small, folder_id=folder.id, description="a note")
    assert isinstance(file, File)
    assert file.name == "note.txt"
    assert file.size == small.stat().st_size
    assert file.parent_id == folder.id
    assert documents.update(file.id, description="changed").description == "changed"
    assert documents.get_file(file.id).id == file.id
    from_object = documents.upload_file(io.BytesIO(b"abc"), name="abc.bin")
    assert from_object.size == 3
    documents.delete(file.id)
    documents.delete_folder(folder.id)
    with pytest.raises(ConfigurationError, match="name="):
        documents.upload_file(io.BytesIO(b"abc"))


UPLOAD_CHILD = """
import json, sys, tracemalloc
from procore_dc import Environment, ProcoreClient
from procore_dc.auth import ServiceAccountAuth

args = json.loads(sys.argv[1])
env = Environment.local(args["api"], args["login"])
client = ProcoreClient(
    ServiceAccountAuth(args["id"], args["secret"], environment=env), company_id=args["company"]
)
documents = client.company(args["company"]).project(args["project"]).documents
documents.root()  # token, connection pool and converters warmed up before measuring
tracemalloc.start()
file = documents.upload_file(args["path"])
peak = tracemalloc.get_traced_memory()[1]
tracemalloc.stop()
print(json.dumps({"peak": peak, "size": file.size, "id": file.id}))
"""


def test_large_upload_is_segmented_with_bounded_memory_and_downloads_identical(
    client: ProcoreClient, sandbox: FakeProcore, tmp_path: Path
) -> None:
    """A 12 MiB file goes up in segments and comes back byte-identical from FakeProcore.

    The upload runs in a child process, so that the sandbox's own buffers (it keeps the
    uploaded bytes, as S3 does) are not counted against the client's peak memory.
    """
    big = tmp_path / "big.bin"
    with big.open("wb") as out:
        for i in range(12):
            out.write(hashlib.sha256(str(i).encode()).digest() * (1024 * 1024 // 32))
    assert big.stat().st_size == 12 * 1024 * 1024
    app = sandbox.default_app
    args = {
        "api": sandbox.api_url,
        "login": sandbox.login_url,
        "id": app.client_id,
        "secret": app.client_secret,
        "company": COMPANY,
        "project": PROJECT,
        "path": str(big),
    }
    before = len(sandbox.requests)
    held = sandbox.uploads.stored_bytes
    child = subprocess.run(
        [sys.executable, "-c", UPLOAD_CHILD, json.dumps(args)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert child.returncode == 0, child.stderr
    result = json.loads(child.stdout.strip().splitlines()[-1])
    assert result["size"] == 12 * 1024 * 1024
    print(f"upload peak: {result['peak'] / 2**20:.2f} MiB")
    assert result["peak"] < 2 * SEGMENT_SIZE
    created = [r for r in sandbox.requests[before:] if r.path.endswith("/uploads")]
    assert len(created) == 1
    puts = [r for r in sandbox.requests[before:] if r.role == "storage" and r.method == "PUT"]
    assert len(puts) == -(-big.stat().st_size // SEGMENT_SIZE) >= 2
    completed = [
        r for r in sandbox.requests[before:] if r.method == "PATCH" and "/uploads/" in r.path
    ]
    assert len(completed) == 1
    # The sandbox holds the uploaded bytes once: not again in its request log.
    assert sandbox.uploads.stored_bytes - held == big.stat().st_size

    documents = client.company(COMPANY).project(PROJECT).documents
    file = documents.get_file(result["id"])
    copy = tmp_path / "copy.bin"
    assert documents.download(file, to=copy) == big.stat().st_size
    assert copy.read_bytes() == big.read_bytes()
    fetched = [r for r in sandbox.requests[before:] if r.role == "storage" and r.method == "GET"]
    assert [r.status for r in fetched] == [200]
    assert fetched[0].headers.get("Authorization") is None  # never the bearer token to storage
    assert not list(tmp_path.glob(".copy.bin.*"))
    documents.delete(file.id)
    assert sandbox.uploads.stored_bytes == held  # a deleted file's bytes are let go


def test_seeded_files_download_deterministic_bytes(client: ProcoreClient, tmp_path: Path) -> None:
    documents = client.company(COMPANY).project(PROJECT).documents
    root = documents.root()
    assert root.folders
    some = next(f for sub in root.folders for f in (documents.get_folder(sub.id).files or ()))
    file = documents.get_file(some.id)
    version = file.file_versions[-1]
    assert version.size
    buffer = io.BytesIO()
    assert documents.download(version, to=buffer) == version.size
    target = tmp_path / "seeded.pdf"
    documents.download(file, to=target)
    assert target.read_bytes() == buffer.getvalue()
    # The same seed serves the same bytes from another sandbox.
    with FakeProcore(seed=0, rate_limits=None) as other, make_client(other) as again:
        elsewhere = again.company(COMPANY).project(PROJECT).documents.get_file(some.id)
        copy = io.BytesIO()
        again.company(COMPANY).project(PROJECT).documents.download(elsewhere, to=copy)
    assert copy.getvalue() == buffer.getvalue()
    # A tampered signature is refused, like a presigned URL.
    from procore_dc.models import FileVersion

    assert version.url is not None
    tail = "1111" if version.url.endswith("0000") else "0000"  # never the signature itself
    forged = FileVersion(id=version.id, url=version.url[:-4] + tail)
    with pytest.raises(PermissionDeniedError):
        documents.download(forged, to=io.BytesIO())


def test_dmsa_without_the_tool_permission_is_denied(sandbox: FakeProcore) -> None:
    app = sandbox.create_app(permissions={"project": {"rfi": "readonly"}})
    sandbox.install(app, COMPANY)
    with make_client(sandbox, app) as limited:
        project = limited.company(COMPANY).project(PROJECT)
        assert project.rfis.list(limit=3).to_list()
        with pytest.raises(PermissionDeniedError):
            project.rfis.create("Not allowed", question="Q?", rfi_manager_id=MANAGER)
        with pytest.raises(PermissionDeniedError):
            project.submittals.list().to_list()
        with pytest.raises(PermissionDeniedError):
            limited.company(COMPANY).projects.create("Nope")


def test_declared_permissions_match_what_the_sandbox_enforced(sandbox: FakeProcore) -> None:
    app = sandbox.create_app()
    sandbox.install(app, COMPANY)
    with make_client(sandbox, app) as fresh:
        before = len(sandbox.requests)
        project = fresh.company(COMPANY).project(PROJECT)
        calls = [project.rfis.list, project.documents.root, fresh.company(COMPANY).projects.create]
        project.rfis.list(limit=1).to_list()
        project.documents.root()
        fresh.company(COMPANY).projects.create("Least privilege")
        used: dict[str, dict[str, str]] = {"company": {}, "project": {}}
        for record in sandbox.requests[before:]:
            if record.tool is not None:
                used[str(record.scope)][record.tool] = str(record.level)
    assert required_permissions(calls) == used
    assert required_permissions(
        [(RfisResource, "list"), (ProjectsResource, "sync"), (DocumentsResource, "upload_file")]
    ) == {
        "company": {"home": "standard"},
        "project": {"rfi": "readonly", "documents": "standard"},
    }


def test_filters_encoding() -> None:
    start = dt.datetime(2016, 9, 23, 16, 30, tzinfo=dt.timezone.utc)
    end = dt.datetime(2016, 9, 23, 17, 0, tzinfo=dt.timezone.utc)
    assert encode_filters(
        {
            "status": "open",
            "id": [1, 2],
            "created_at": (start, end),
            "due_date": (dt.date(2026, 1, 1), dt.date(2026, 1, 31)),
            "private": False,
        }
    ) == {
        "filters[status]": "open",
        "filters[id][]": ["1", "2"],
        "filters[created_at]": "2016-09-23T16:30:00Z...2016-09-23T17:00:00Z",
        "filters[due_date]": "2026-01-01...2026-01-31",
        "filters[private]": "false",
    }
    with pytest.raises(ConfigurationError):
        encode_filters({"status": None})


def test_bad_ids_and_arguments(client: ProcoreClient) -> None:
    with pytest.raises(ConfigurationError):
        client.company(0)
    with pytest.raises(ConfigurationError):
        client.company(COMPANY).project(PROJECT).rfis.get("7/../../me")  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError):
        ProcoreClient("not auth")  # type: ignore[arg-type]


def test_webhooks_end_to_end(client: ProcoreClient, sandbox: FakeProcore) -> None:
    with WebhookSink(secret="s3cret") as receiver:
        receiver.respond(500)  # the first delivery fails: Procore delivers it again
        company = client.company(COMPANY)
        hook = company.webhooks.hooks.create(
            "procore-dc-tests", receiver.url, {"Authorization": "Bearer s3cret"}
        )
        assert "s3cret" not in repr(hook)
        assert hook.id in [h.id for h in company.webhooks.hooks.list()]
        trigger = company.webhooks.triggers(hook.id).create("RFIs", "create")
        assert trigger.resource_name == "RFIs"
        assert trigger.id in [t.id for t in company.webhooks.triggers(hook.id).list()]

        rfi = company.project(PROJECT).rfis.create(
            "Webhook RFI", question="Q?", rfi_manager_id=MANAGER
        )
        assert sandbox.webhooks.flush()
        assert len(receiver.received) == 1
        failing = company.webhooks.deliveries(hook.id).list(status="failing").to_list()
        assert failing
        assert failing[0].response_status == 500
        sandbox.clock.advance(120)  # past the first retry's backoff
        assert sandbox.webhooks.flush()
        assert [d.status for d in receiver.received] == [500, 204]
        # The SDK's receiving side: the secret checks out, and the redelivery is dropped.
        seen = Deduplicator()
        events = [parse_event(d.body, d.headers, secret="s3cret") for d in receiver.received]
        assert events[0] == events[1]  # a redelivery...
        processed = [event for event in events if seen.is_new(event)]
        assert len(processed) == 1  # ...dropped by the Deduplicator
        event = processed[0]
        assert (event.resource_name, event.event_type, event.resource_id) == (
            "RFIs",
            "create",
            rfi.id,
        )
        assert event.company_id == COMPANY
        assert event.project_id == PROJECT

        # A hook with the wrong secret is refused by the receiver.
        company.webhooks.hooks.update(hook.id, destination_headers={"Authorization": "Bearer nope"})
        company.project(PROJECT).rfis.create("Second RFI", question="Q?", rfi_manager_id=MANAGER)
        assert sandbox.webhooks.flush()
        assert receiver.rejected == 1
        # Deliveries page by page_start/page_size: a page of one still walks them all.
        everything = company.webhooks.deliveries(hook.id).list().to_list()
        assert len(everything) >= 3
        one_by_one = company.webhooks.deliveries(hook.id).list(per_page=1).to_list()
        assert [d.event_id for d in one_by_one] == [d.event_id for d in everything]
        company.webhooks.triggers(hook.id).delete(trigger.id)
        company.webhooks.hooks.delete(hook.id)
        assert hook.id not in [h.id for h in company.webhooks.hooks.list()]


def test_a_body_that_does_not_fit_raises_response_format_error(client: ProcoreClient) -> None:
    # /me answers a JSON object; asking the converter for a list of projects must not pass.
    body = client.session.get_json("/rest/v1.0/me")
    from procore_dc.models import structure_many

    with pytest.raises(ResponseFormatError, match="JSON array of Project"):
        structure_many(body, Project)
    assert json.dumps(body)


def test_client_from_env_reaches_a_local_sandbox() -> None:
    """The notebook's three lines work against any local server, login host included."""
    from procore_dc import ProcoreClient
    from procore_dc.testing import FakeProcore

    with FakeProcore(rate_limits=None) as sandbox:
        app = sandbox.default_app
        client = ProcoreClient.from_env(
            {
                "PROCORE_CLIENT_ID": app.client_id,
                "PROCORE_CLIENT_SECRET": app.client_secret,
                "PROCORE_ENVIRONMENT": sandbox.api_url,
                "PROCORE_LOGIN_URL": sandbox.login_url,
                "PROCORE_COMPANY_ID": "8",
            }
        )
        assert [c.id for c in client.companies.list()] == [8]
        token_requests = [r for r in sandbox.requests if r.path == "/oauth/token"]
        assert len(token_requests) == 1


def test_a_segment_the_storage_refused_is_re_sent_in_full(
    sandbox: FakeProcore, tmp_path: Path
) -> None:
    """A 503 from storage on a segment PUT: the retry rewinds the segment and sends all of it.

    FakeProcore checks each segment's SHA-256 and MD5, so a retry that sent a partial or empty
    body would be refused with a 400 instead of completing.
    """
    segment = 5 * 1024 * 1024 + 256  # v2.1 parts are larger than 5 MiB
    data = bytes(range(256)) * ((segment + 4096) // 256)  # two segments: 5 MiB+ and 4 KiB
    path = tmp_path / "two-segments.bin"
    path.write_bytes(data)
    app = sandbox.default_app
    auth = ServiceAccountAuth(app.client_id, app.client_secret, environment=sandbox.environment)
    # No jitter: urllib3's first retry then waits 0 s, so the test does not sleep.
    with ProcoreClient(auth, company_id=COMPANY, retry=RetryPolicy(jitter=False)) as client:
        documents = client.company(COMPANY).project(PROJECT).documents
        fault = sandbox.faults.add("PUT", "/s3/segments/*/0", "status", status=503, times=1)
        before = len(sandbox.requests)
        try:
            file = documents.upload_file(path, segment_size=segment)
        finally:
            sandbox.faults.remove(fault)
        puts = [r.path.rsplit("/", 1)[1] for r in sandbox.requests[before:] if r.method == "PUT"]
        assert puts == ["0", "0", "1"]
        assert file.size == len(data)
        downloaded = io.BytesIO()
        assert documents.download(file, to=downloaded) == len(data)
    assert downloaded.getvalue() == data
