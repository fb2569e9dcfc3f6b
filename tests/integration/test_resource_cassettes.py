"""The typed resource clients against recorded FakeProcore traffic (replayed offline in CI).

Each test lists across several pages (small ``per_page``, a ``limit`` to keep the cassette
small), gets, creates, updates and deletes where Procore has the verb, and syncs with partial
errors where Procore has a sync endpoint. Re-record:
``PROCORE_DC_RECORD=1 python -m pytest tests/integration``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from procore_cassettes import IntegrationCassette

from procore_dc import (
    NotFoundError,
    PermissionDeniedError,
    ProcoreClient,
    RetryPolicy,
    ServiceAccountAuth,
)
from procore_dc.models import (
    Company,
    CompanyUser,
    Delivery,
    File,
    Folder,
    Hook,
    ManpowerLog,
    Me,
    Observation,
    Project,
    Rfi,
    Submittal,
    Trigger,
    Vendor,
)
from procore_dc.pagination import PageIterator
from procore_dc.testing.cassettes import placeholder

# A destination nothing listens on (the discard port): deliveries fail, so nothing but the
# API traffic reaches the cassette, and the deliveries log has entries to page through.
DEAD_DESTINATION = "http://127.0.0.1:9/procore-dc-hook"

MANAGER = 1000001  # the first company's first user (seed 0): an RFI manager


def make_client(run: IntegrationCassette) -> ProcoreClient:
    return ProcoreClient(run.session())


def project_id(run: IntegrationCassette) -> int:
    assert run.project_id is not None, "the recording needs a project (PROCORE_PROJECT_ID)"
    return run.project_id


def company_id(run: IntegrationCassette) -> int:
    assert run.company_id is not None
    return run.company_id


def several_pages(listed: PageIterator[Any], model: type) -> list[Any]:
    """Walk the pages; check there were several, each of typed items, with distinct ids."""
    pages = list(listed.pages())
    assert len(pages) >= 2
    assert [page.number for page in pages] == list(range(1, len(pages) + 1))
    items = [item for page in pages for item in page.items]
    assert all(isinstance(item, model) for item in items)
    assert len({item.id for item in items}) == len(items)
    return items


class TestCompanyCassettes:
    def test_me_and_companies(self, procore_cassette: IntegrationCassette) -> None:
        client = make_client(procore_cassette)
        me = client.me()
        assert isinstance(me, Me)
        assert me.id > 0
        assert me.login
        companies = client.companies.list(per_page=1).to_list()
        assert all(isinstance(company, Company) for company in companies)
        assert company_id(procore_cassette) in [company.id for company in companies]

    def test_projects(self, procore_cassette: IntegrationCassette) -> None:
        projects = make_client(procore_cassette).company(company_id(procore_cassette)).projects
        listed = projects.list(per_page=2, limit=4)
        everything = several_pages(listed, Project)
        assert len(everything) == 4
        assert projects.get(everything[1].id) == everything[1]

        made = projects.create("Tower B", project_number="TB-1", origin_id="erp-tower-b")
        if procore_cassette.sandbox is not None:
            # A project created after installation is permitted only once an admin adds it.
            sandbox = procore_cassette.sandbox
            sandbox.permit(sandbox.default_app, company_id(procore_cassette), made.id)
        assert (made.name, made.project_number, made.origin_id) == (
            "Tower B",
            "TB-1",
            "erp-tower-b",
        )
        assert projects.update(made.id, name="Tower B2").name == "Tower B2"
        assert projects.get(made.id).name == "Tower B2"

        result = projects.sync(
            [
                {"origin_id": "erp-tower-b", "name": "Tower B3"},
                {"origin_id": "erp-annex", "name": "Annex", "start_date": dt.date(2026, 5, 1)},
                {"id": 999999999, "name": "Ghost"},
                {"origin_id": "erp-nameless"},
            ]
        )
        assert not result.ok
        assert sorted(project.name or "" for project in result.entities) == ["Annex", "Tower B3"]
        assert made.id in [project.id for project in result.entities]  # matched by origin_id
        ghost = next(error for error in result.errors if error.id == 999999999)
        assert ghost.errors == {"id": ("Entity with this ID not found",)}
        assert ghost.input["name"] == "Ghost"
        nameless = next(error for error in result.errors if error.origin_id == "erp-nameless")
        assert "name" in nameless.errors

    def test_users(self, procore_cassette: IntegrationCassette) -> None:
        users = make_client(procore_cassette).company(company_id(procore_cassette)).users
        listed = several_pages(users.list(per_page=3, limit=6), CompanyUser)
        assert len(listed) == 6
        assert users.get(listed[4].id) == listed[4]

        user = users.create("Lovelace", first_name="Ada", email_address="ada@example.com")
        assert (user.first_name, user.last_name) == ("Ada", "Lovelace")
        assert users.update(user.id, job_title="PM").job_title == "PM"
        assert users.get(user.id).job_title == "PM"

        result = users.sync(
            [
                {"id": user.id, "job_title": "Director"},
                {"id": 123456789, "last_name": "Nobody"},
                {"origin_id": "hr-2", "first_name": "Grace"},
            ]
        )
        assert [(u.id, u.job_title) for u in result.entities] == [(user.id, "Director")]
        assert len(result.errors) == 2
        unknown = next(error for error in result.errors if error.id == 123456789)
        assert unknown.errors == {"id": ("Entity with this ID not found",)}
        assert unknown.input["last_name"] == "Nobody"
        nameless = next(error for error in result.errors if error.origin_id == "hr-2")
        assert "last_name" in nameless.errors

    def test_vendors(self, procore_cassette: IntegrationCassette) -> None:
        vendors = make_client(procore_cassette).company(company_id(procore_cassette)).vendors
        listed = several_pages(vendors.list(per_page=3, limit=6), Vendor)
        assert vendors.get(listed[3].id) == listed[3]

        vendor = vendors.create("Acme Doors", origin_id="v-1")
        assert vendor.name == "Acme Doors"
        assert vendors.update(vendor.id, name="Acme").name == "Acme"
        assert vendors.get(vendor.id).name == "Acme"

        result = vendors.sync(
            [
                {"origin_id": "v-1", "name": "Acme 2"},
                {"id": 987654321, "name": "Ghost"},
                {"origin_id": "v-2"},
            ]
        )
        assert [(v.id, v.name) for v in result.entities] == [(vendor.id, "Acme 2")]
        ghost = next(error for error in result.errors if error.id == 987654321)
        assert ghost.errors == {"id": ("Entity with this ID not found",)}
        assert ghost.input == {"id": 987654321, "name": "Ghost"}
        nameless = next(error for error in result.errors if error.origin_id == "v-2")
        assert "name" in nameless.errors


class TestProjectToolCassettes:
    def test_rfis(self, procore_cassette: IntegrationCassette) -> None:
        company = make_client(procore_cassette).company(company_id(procore_cassette))
        rfis = company.project(project_id(procore_cassette)).rfis
        listed = several_pages(rfis.list(per_page=2, limit=4, sort="-id"), Rfi)
        assert [rfi.id for rfi in listed] == sorted((rfi.id for rfi in listed), reverse=True)
        assert rfis.get(listed[2].id) == listed[2]
        status = listed[0].status
        assert status is not None
        filtered = rfis.list(filters={"status": status}, per_page=3, limit=3).to_list()
        assert filtered
        assert all(rfi.status == status for rfi in filtered)

        made = rfis.create(
            "Door hardware",
            question="Which hinge?",
            rfi_manager_id=MANAGER,
            due_date=dt.date(2026, 4, 1),
        )
        assert made.subject == "Door hardware"
        assert made.due_date == dt.date(2026, 4, 1)
        assert rfis.update(made.id, subject="Door hardware (L3)").subject == "Door hardware (L3)"
        assert rfis.get(made.id).subject == "Door hardware (L3)"

    def test_submittals(self, procore_cassette: IntegrationCassette) -> None:
        company = make_client(procore_cassette).company(company_id(procore_cassette))
        submittals = company.project(project_id(procore_cassette)).submittals
        listed = several_pages(submittals.list(per_page=2, limit=4), Submittal)
        assert submittals.get(listed[3].id) == listed[3]

        made = submittals.create("Cut sheets", number="08-1")
        assert (made.title, made.number) == ("Cut sheets", "08-1")
        assert submittals.update(made.id, title="Cut sheets r2").title == "Cut sheets r2"
        assert submittals.get(made.id).title == "Cut sheets r2"

    def test_observations(self, procore_cassette: IntegrationCassette) -> None:
        company = make_client(procore_cassette).company(company_id(procore_cassette))
        observations = company.project(project_id(procore_cassette)).observations
        listed = several_pages(observations.list(per_page=2, limit=4), Observation)
        assert observations.get(listed[1].id) == listed[1]

        item = observations.create("Missing handrail", type_id=1, priority="High")
        assert (item.name, item.priority) == ("Missing handrail", "High")
        assert observations.update(item.id, name="Handrail").name == "Handrail"
        assert observations.get(item.id).name == "Handrail"
        observations.delete(item.id)
        with pytest.raises(NotFoundError):
            observations.get(item.id)

    def test_documents(self, procore_cassette: IntegrationCassette) -> None:
        company = make_client(procore_cassette).company(company_id(procore_cassette))
        documents = company.project(project_id(procore_cassette)).documents
        root = documents.root()
        assert isinstance(root, Folder)
        assert root.folders
        sub = documents.get_folder(root.folders[0].id)
        assert sub.files
        seeded = documents.get_file(sub.files[0].id)
        assert isinstance(seeded, File)
        assert seeded.file_versions
        assert seeded.file_versions[-1].url

        folder = documents.create_folder("Specs", parent_id=root.id)
        assert folder.name == "Specs"
        assert documents.update_folder(folder.id, name="Specs 2").name == "Specs 2"
        assert documents.get_folder(folder.id).name == "Specs 2"
        moved = documents.update(seeded.id, parent_id=folder.id, description="moved here")
        assert (moved.parent_id, moved.description) == (folder.id, "moved here")
        documents.delete(seeded.id)
        documents.delete_folder(folder.id)
        with pytest.raises(NotFoundError):
            documents.get_file(seeded.id)

    def test_manpower_logs(self, procore_cassette: IntegrationCassette) -> None:
        # Seeded logs are dated relative to the day of the recording; replay uses that day.
        today = dt.date.fromisoformat(
            procore_cassette.value(
                "today",
                lambda: (
                    procore_cassette.sandbox.data.today
                    if procore_cassette.sandbox is not None
                    else dt.date.today().isoformat()
                ),
            )
        )
        company = make_client(procore_cassette).company(company_id(procore_cassette))
        logs = company.project(project_id(procore_cassette)).manpower_logs
        week = logs.list(
            start_date=today - dt.timedelta(days=6), end_date=today, per_page=2, limit=4
        )
        listed = several_pages(week, ManpowerLog)
        assert all(today - dt.timedelta(days=6) <= log.date <= today for log in listed)
        assert logs.get(listed[0].id) == listed[0]

        log = logs.create(date=today, num_workers=6, num_hours="8", notes="Steel crew")
        assert (log.date, log.num_workers) == (today, 6)
        assert log.id in [entry.id for entry in logs.list(log_date=today)]
        assert logs.update(log.id, num_workers=7).num_workers == 7
        logs.delete(log.id)
        assert log.id not in [entry.id for entry in logs.list(log_date=today)]


class TestWebhookCassettes:
    def test_company_hooks_triggers_deliveries(self, procore_cassette: IntegrationCassette) -> None:
        company = make_client(procore_cassette).company(company_id(procore_cassette))
        hooks = company.webhooks.hooks
        hook = hooks.create("procore-dc-cassette", DEAD_DESTINATION, {"Authorization": "s3"})
        assert isinstance(hook, Hook)
        assert hook.destination_url == DEAD_DESTINATION
        assert hook.id in [h.id for h in hooks.list(namespace="procore-dc-cassette")]
        assert hooks.get(hook.id).namespace == "procore-dc-cassette"
        assert hooks.update(hook.id, api_version="v4").api_version == "v4"

        triggers = company.webhooks.triggers(hook.id)
        trigger = triggers.create("RFIs", "create")
        assert isinstance(trigger, Trigger)
        assert (trigger.resource_name, trigger.event_type) == ("RFIs", "create")
        assert [t.id for t in triggers.list()] == [trigger.id]

        rfis = company.project(project_id(procore_cassette)).rfis
        rfis.create("Hooked RFI 1", question="Q?", rfi_manager_id=MANAGER)
        rfis.create("Hooked RFI 2", question="Q?", rfi_manager_id=MANAGER)
        if procore_cassette.sandbox is not None:
            assert procore_cassette.sandbox.webhooks.flush()
        # v1.0 deliveries page with page_start/page_size (OffsetPageIterator): one page here.
        deliveries = company.webhooks.deliveries(hook.id).list(status="failing").to_list()
        assert all(isinstance(d, Delivery) for d in deliveries)
        assert len({d.event_id for d in deliveries}) == 2
        assert all(d.response_status is None and d.response_error for d in deliveries)
        assert company.webhooks.deliveries(hook.id).list(status="successful").to_list() == []

        triggers.delete(trigger.id)
        assert triggers.list().to_list() == []
        hooks.delete(hook.id)
        assert hook.id not in [h.id for h in hooks.list()]

    def test_project_hooks(self, procore_cassette: IntegrationCassette) -> None:
        company = make_client(procore_cassette).company(company_id(procore_cassette))
        project = company.project(project_id(procore_cassette))
        hook = project.webhooks.hooks.create("procore-dc-project", DEAD_DESTINATION)
        assert hook.owned_by_project_id == project_id(procore_cassette)
        trigger = project.webhooks.triggers(hook.id).create("Observation Items", "update")
        assert trigger.resource_name == "Observation Items"
        assert hook.id in [h.id for h in project.webhooks.hooks.list()]
        assert hook.id not in [h.id for h in company.webhooks.hooks.list()]
        project.webhooks.hooks.delete(hook.id)


class TestPermissionCassettes:
    def test_dmsa_without_the_tool_permission(self, procore_cassette: IntegrationCassette) -> None:
        """An app with only read access to RFIs is refused writes and other tools."""
        if procore_cassette.recording and procore_cassette.sandbox is None:
            pytest.skip("needs a second, limited app: records against FakeProcore only")
        permissions = procore_cassette.value(
            "limited_app_permissions", lambda: {"project": {"rfi": "readonly"}}
        )
        if procore_cassette.sandbox is not None:
            sandbox = procore_cassette.sandbox
            app = sandbox.create_app(permissions=permissions)
            sandbox.install(app, company_id(procore_cassette))
            client_id, client_secret = app.client_id, app.client_secret
        else:
            # The token request and response are scrubbed in the cassette: any credentials
            # replay; the real ones never reach it.
            client_id, client_secret = placeholder("client_id"), placeholder("client_secret")
        auth = ServiceAccountAuth(
            client_id, client_secret, environment=procore_cassette.environment
        )
        options: dict[str, Any] = {"company_id": company_id(procore_cassette)}
        if not procore_cassette.recording:
            options["retry"] = RetryPolicy(sleep=lambda _seconds: None)
        limited = ProcoreClient(auth, **options)
        company = limited.company(company_id(procore_cassette))
        project = company.project(project_id(procore_cassette))
        assert project.rfis.list(per_page=2, limit=2).to_list()
        with pytest.raises(PermissionDeniedError) as denied:
            project.rfis.create("Not allowed", question="Q?", rfi_manager_id=MANAGER)
        assert denied.value.status_code == 403
        with pytest.raises(PermissionDeniedError):
            project.submittals.list(per_page=2).to_list()
        with pytest.raises(PermissionDeniedError):
            company.projects.create("Nope")
        with pytest.raises(PermissionDeniedError):
            company.vendors.sync([{"origin_id": "v-9", "name": "Nope"}])
