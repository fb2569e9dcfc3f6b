"""Issue 14 item 8 (library parts): to_dataframe columns, the testing import hint,
required_permissions() without refusals, and client.project() without a company."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator

import attrs
import pandas as pd
import pytest

from procore_dc import ConfigurationError, PermissionDeniedError, ProcoreClient, ServiceAccountAuth
from procore_dc.models import Project, Rfi
from procore_dc.testing import FakeProcore

COMPANY = 8
PROJECT = 100001


def _client(sandbox: FakeProcore, **options: object) -> ProcoreClient:
    app = sandbox.default_app
    env = sandbox.environment
    return ProcoreClient(
        ServiceAccountAuth(app.client_id, app.client_secret, environment=env), **options
    )


@pytest.fixture
def client(fake_procore: FakeProcore) -> Iterator[ProcoreClient]:
    with _client(fake_procore, company_id=COMPANY) as running:
        yield running


def test_empty_result_has_the_model_columns(client: ProcoreClient) -> None:
    rfis = client.company(COMPANY).project(PROJECT).rfis
    empty = rfis.list(filters={"status": "no-such-status"}).to_dataframe()
    assert empty.shape[0] == 0
    assert {"id", "subject", "status", "due_date"} <= set(empty.columns)
    assert empty["status"].tolist() == []


def test_columns_are_the_fields_procore_sent_unless_all_fields(client: ProcoreClient) -> None:
    projects = client.company(COMPANY).projects.list()
    first = next(iter(projects))
    frame = projects.to_dataframe()
    model_fields = {a.name for a in attrs.fields(Project) if a.name != "raw"}
    assert set(frame.columns) == set(first.raw) & model_fields
    assert len(frame.columns) < len(model_fields)
    everything = projects.to_dataframe(all_fields=True)
    assert set(everything.columns) == model_fields


def test_date_fields_are_datetime_columns(client: ProcoreClient) -> None:
    frame = client.company(COMPANY).project(PROJECT).rfis.list(limit=30).to_dataframe()
    assert pd.api.types.is_datetime64_any_dtype(frame["due_date"])
    assert pd.api.types.is_datetime64_any_dtype(frame["created_at"])
    assert str(frame["created_at"].dt.tz) == "UTC"
    assert frame["due_date"].dt.tz is None


def test_importing_the_sandbox_without_werkzeug_names_the_extra() -> None:
    code = (
        "import sys\n"
        "sys.modules['werkzeug'] = None\n"  # as if werkzeug were not installed
        "from procore_dc.testing import FakeProcore\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 1
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("ModuleNotFoundError: procore_dc.testing.FakeProcore needs the sandbox")
    assert "pip install 'procore-dc[sandbox]'" in last


def test_required_permissions_ignore_refused_requests_unless_asked(
    fake_procore: FakeProcore,
) -> None:
    app = fake_procore.create_app(permissions={"project": {"rfi": "readonly"}})
    fake_procore.install(app, COMPANY)
    auth = ServiceAccountAuth(
        app.client_id, app.client_secret, environment=fake_procore.environment
    )
    with ProcoreClient(auth, company_id=COMPANY) as client:
        project = client.company(COMPANY).project(PROJECT)
        assert project.rfis.list(limit=1).total == 250
        with pytest.raises(PermissionDeniedError):
            project.submittals.list(limit=1).total  # noqa: B018 - a deliberate refusal
    assert fake_procore.required_permissions() == {"company": {}, "project": {"rfi": "readonly"}}
    asked = fake_procore.required_permissions(include_denied=True)
    assert asked["project"] == {"rfi": "readonly", "submittals": "readonly"}


def test_client_project_uses_the_session_company_or_the_record(fake_procore: FakeProcore) -> None:
    with _client(fake_procore, company_id=COMPANY) as client:
        scope = client.project(PROJECT)
        assert (scope.company_id, scope.project_id) == (COMPANY, PROJECT)
        assert scope.rfis.list(limit=1).total == 250
        record = client.company(COMPANY).projects.get(PROJECT)
    with _client(fake_procore) as bare:
        with pytest.raises(ConfigurationError, match=r"client.project\(100001\) needs"):
            bare.project(PROJECT)
        scope = bare.project(record)
        assert (scope.company_id, scope.project_id) == (COMPANY, PROJECT)
        assert isinstance(next(iter(scope.rfis.list(limit=1))), Rfi)
        assert bare.project(PROJECT, company_id=COMPANY).project_id == PROJECT
