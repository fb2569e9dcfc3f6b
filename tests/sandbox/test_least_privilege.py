"""Least privilege from real use: a manifest built from what a sync needed is enough for it.

Run a sync scenario against FakeProcore with a fully permitted app, build the manifest from
``sandbox.required_permissions()``, install an app with exactly those permissions, and run the
scenario again: no 403. A control run with one permission fewer gets the 403, so the round
trip shows the permissions are both sufficient and necessary.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from procore_dc import PermissionDeniedError, ProcoreClient, ServiceAccountAuth
from procore_dc.manifest import Manifest, ManifestBuilder
from procore_dc.testing import FakeProcore, SandboxApp

pytestmark = pytest.mark.timeout(60)

MANAGER = 1000001  # the first company's first user (seed 0): an RFI manager


@pytest.fixture
def sandbox() -> Iterator[FakeProcore]:
    with FakeProcore(seed=0, rate_limits=None) as running:
        yield running


def client_for(sandbox: FakeProcore, app: SandboxApp, company_id: int) -> ProcoreClient:
    auth = ServiceAccountAuth(app.client_id, app.client_secret, environment=sandbox.environment)
    return ProcoreClient(auth, company_id=company_id)


def sync(client: ProcoreClient, company_id: int) -> dict[str, int]:
    """A small sync job: projects, their RFIs and submittals, the directory, one new RFI."""
    company = client.company(company_id)
    project = company.projects.list().to_list()[0]
    scope = company.project(project.id)
    counts = {
        "rfis": len(scope.rfis.list().to_list()),
        "submittals": len(scope.submittals.list().to_list()),
        "users": len(company.users.list().to_list()),
    }
    created = scope.rfis.create("Door hardware", question="Which hinge?", rfi_manager_id=MANAGER)
    counts["created_rfi"] = created.id
    return counts


def build_manifest(permissions: dict[str, dict[str, str]]) -> Manifest:
    return (
        ManifestBuilder(version="0.1.0")
        .user_level_auth()
        .service_account(**permissions)
        .instructions(
            url="https://example.com/setup",
            page_name="Setup guide",
            notes="Sign up at example.com, then pick the projects to sync.",
        )
        .build()
    )


def test_manifest_from_required_permissions_runs_the_sync_again(sandbox: FakeProcore) -> None:
    company_id = sandbox.data.companies[0]["id"]

    first = sync(client_for(sandbox, sandbox.default_app, company_id), company_id)
    needed = sandbox.required_permissions()
    manifest = build_manifest(needed)

    # The derived block is the least one: readonly where the sync only read.
    assert needed == {
        "company": {"directory": "readonly", "home": "readonly"},
        "project": {"rfi": "standard", "submittals": "readonly"},
    }
    assert manifest.problems == ()

    app = sandbox.create_app(name="Least privilege", permissions=manifest.to_dict()["permissions"])
    sandbox.install(app, company_id)
    sandbox.clear_requests()

    again = sync(client_for(sandbox, app, company_id), company_id)

    assert again["rfis"] == first["rfis"] + 1  # the first run's RFI is there now
    assert again["submittals"] == first["submittals"]
    assert again["users"] == first["users"]
    statuses = [record.status for record in sandbox.requests]
    assert statuses
    assert 403 not in statuses
    assert sandbox.required_permissions() == needed


def test_one_permission_fewer_is_refused(sandbox: FakeProcore) -> None:
    company_id = sandbox.data.companies[0]["id"]
    sync(client_for(sandbox, sandbox.default_app, company_id), company_id)
    needed = sandbox.required_permissions()
    # Creating an RFI needs standard; readonly is one step short.
    short = {**needed, "project": {**needed["project"], "rfi": "readonly"}}

    app = sandbox.create_app(
        name="Too little", permissions=build_manifest(short).to_dict()["permissions"]
    )
    sandbox.install(app, company_id)

    with pytest.raises(PermissionDeniedError):
        sync(client_for(sandbox, app, company_id), company_id)
