"""Issue 14 item 6: models hash by (type, id) and give back their wire JSON with to_dict()."""

from __future__ import annotations

import json
from collections.abc import Iterator

import attrs
import pytest

from procore_dc import ProcoreClient, ServiceAccountAuth
from procore_dc.models import Project, Rfi
from procore_dc.testing import FakeProcore

COMPANY = 8
PROJECT = 100001


@pytest.fixture
def client(fake_procore: FakeProcore) -> Iterator[ProcoreClient]:
    app = fake_procore.default_app
    env = fake_procore.environment
    auth = ServiceAccountAuth(app.client_id, app.client_secret, environment=env)
    with ProcoreClient(auth, company_id=COMPANY) as running:
        yield running


def test_records_with_json_fields_work_in_sets_and_as_keys(client: ProcoreClient) -> None:
    company = client.company(COMPANY)
    projects = list(company.projects.list())
    assert any(isinstance(p.custom_fields, dict) for p in projects)
    again = list(company.projects.list())
    assert set(projects) == set(again)
    assert len(set(projects + again)) == len(projects)
    names = {project: project.name for project in projects}
    assert names[again[0]] == again[0].name
    rfis = list(company.project(PROJECT).rfis.list(limit=20))
    assert len({*rfis, *rfis}) == 20
    assert hash(rfis[0]) == hash((Rfi, rfis[0].id))


def test_two_versions_of_a_record_hash_alike_but_are_not_equal(client: ProcoreClient) -> None:
    rfis = client.company(COMPANY).project(PROJECT).rfis
    before = next(iter(rfis.list(limit=1)))
    after = rfis.update(before.id, subject="Changed subject")
    assert hash(before) == hash(after)
    assert before != after
    assert len({before, after}) == 2
    assert {r.id: r for r in (before, after)}[before.id] is after


def test_to_dict_is_the_wire_json(client: ProcoreClient, fake_procore: FakeProcore) -> None:
    project = client.company(COMPANY).projects.get(PROJECT)
    wire = project.to_dict()
    assert wire == project.raw
    assert wire is not project.raw
    assert json.loads(json.dumps(wire)) == wire
    # Not the 57 model fields: only the keys Procore sent.
    assert set(wire) == set(project.raw)
    changed = attrs.evolve(project, name="Renamed", start_date=None)
    assert changed.to_dict()["name"] == "Renamed"
    assert changed.to_dict()["start_date"] is None
    assert Project(id=5, name="By hand").to_dict() == {"id": 5, "name": "By hand"}


def test_models_docstring_documents_the_choice() -> None:
    from procore_dc.models import Model

    assert "hash()" in (Model.__doc__ or "")
    assert "type and ``id``" in (Model.__doc__ or "")
