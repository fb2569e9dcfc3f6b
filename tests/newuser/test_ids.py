"""Issue 14 item 1: ids as users have them (numpy, pandas, digit strings), everywhere."""

from __future__ import annotations

import argparse
import numbers
from collections.abc import Iterator
from typing import Any

import numpy as np
import pandas as pd
import pytest

from procore_dc import ConfigurationError, ProcoreClient, ServiceAccountAuth, Session
from procore_dc._commands._credentials import resolve
from procore_dc.environments import Environment
from procore_dc.testing import FakeProcore

COMPANY = 8
PROJECT = 100001
LOCAL = Environment.local("http://127.0.0.1:9")


class Index:
    """Not an int, but operator.index() can make one (as numpy scalars and Django ids do)."""

    def __init__(self, value: int) -> None:
        self.value = value

    def __index__(self) -> int:
        return self.value


class Integral(numbers.Integral):  # type: ignore[misc]  # an abstract base, filled in below
    """A numbers.Integral that is not an int subclass."""

    def __init__(self, value: int) -> None:
        self.value = value

    def __index__(self) -> int:
        return self.value

    def __int__(self) -> int:
        return self.value

    def __getattr__(self, name: str) -> Any:  # the rest of the ABC is not needed here
        raise AttributeError(name)

    def __repr__(self) -> str:
        return f"Integral({self.value})"


for _name in numbers.Integral.__abstractmethods__:
    if _name not in vars(Integral):
        setattr(Integral, _name, lambda self, *a: NotImplemented)
Integral.__abstractmethods__ = frozenset()


@pytest.fixture
def client(fake_procore: FakeProcore) -> Iterator[ProcoreClient]:
    app = fake_procore.default_app
    auth = ServiceAccountAuth(
        app.client_id, app.client_secret, environment=fake_procore.environment
    )
    with ProcoreClient(auth, company_id=np.int64(COMPANY)) as running:
        yield running


def as_forms(value: int) -> list[Any]:
    return [
        value,
        np.int64(value),
        np.int32(value),
        np.uint64(value),
        str(value),
        f" {value} ",
        Index(value),
        Integral(value),
    ]


def test_ids_out_of_a_dataframe_reach_every_tool(
    client: ProcoreClient, fake_procore: FakeProcore
) -> None:
    projects = client.company(COMPANY).projects.list().to_dataframe()
    project_id = projects["id"].iloc[0]
    assert isinstance(project_id, np.integer)
    project = client.company(np.int64(COMPANY)).project(project_id)
    rfis = project.rfis.list(per_page=5, limit=5).to_dataframe()
    rfi_id = rfis["id"].iloc[0]
    assert project.rfis.get(rfi_id).id == int(rfi_id)
    assert client.company(COMPANY).projects.get(project_id).id == int(project_id)
    assignee = pd.Series([fake_procore.signed_in_user]).iloc[0]
    created = project.rfis.create("Door hardware", question="Which hinge?", rfi_manager_id=assignee)
    sent = [r for r in fake_procore.requests if r.method == "POST"][-1]
    assert b'"rfi_manager_id": %d' % int(assignee) in sent.body
    assert project.rfis.update(np.int64(created.id), subject="Hinges").subject == "Hinges"


@pytest.mark.parametrize("form", as_forms(PROJECT), ids=repr)
def test_every_integral_form_and_digit_strings_are_accepted(
    client: ProcoreClient, form: Any
) -> None:
    project = client.company(str(COMPANY)).project(form)
    assert project.project_id == PROJECT
    assert type(project.project_id) is int
    assert project.rfis.list(per_page=1, limit=1).total == 250
    assert client.project(form).project_id == PROJECT


@pytest.mark.parametrize("form", as_forms(COMPANY), ids=repr)
def test_company_ids_in_client_session_and_cli(form: Any, fake_procore: FakeProcore) -> None:
    app = fake_procore.default_app
    env = fake_procore.environment
    auth = ServiceAccountAuth(app.client_id, app.client_secret, environment=env)
    with ProcoreClient(auth, company_id=form) as client:
        assert client.session.company_id == COMPANY
        assert client.company(form).company_id == COMPANY
        assert client.session.with_company(form).company_id == COMPANY
    if isinstance(form, str):
        args = argparse.Namespace(company_id=form)
        assert resolve(args, {"PROCORE_CONFIG_DIR": "/nonexistent"}).company_id == COMPANY
        assert resolve(argparse.Namespace(), {"PROCORE_COMPANY_ID": form}).company_id == COMPANY


BAD = [
    (True, "bool"),
    (np.bool_(True), "bool"),
    (1.5, "float"),
    (100001.0, "float"),
    (np.float64(3.0), "float64"),
    ("abc", "str"),
    ("-5", "str"),
    ("1e5", "str"),
    ("", "str"),
    (0, "int"),
    (np.int64(-3), "int64"),
    (None, "NoneType"),
    ([1], "list"),
]


@pytest.mark.parametrize(("bad", "type_name"), BAD, ids=repr)
def test_bad_ids_get_one_configuration_error_naming_parameter_and_type(
    client: ProcoreClient, bad: Any, type_name: str
) -> None:
    project = client.company(COMPANY).project(PROJECT)
    calls = {
        "company_id": lambda: client.company(bad),
        "project_id": lambda: client.company(COMPANY).project(bad),
        "rfi_id": lambda: project.rfis.get(bad),
        "vendor_id": lambda: client.company(COMPANY).vendors.get(bad),
        "folder_id": lambda: project.documents.get_folder(bad),
        "hook_id": lambda: client.company(COMPANY).webhooks.hooks.get(bad),
    }
    for name, call in calls.items():
        with pytest.raises(ConfigurationError) as caught:
            call()
        message = str(caught.value)
        assert message.startswith(f"{name} must be a positive integer"), message
        assert f"got {type_name} " in message, message


@pytest.mark.parametrize(("bad", "type_name"), [b for b in BAD if b[0] is not None], ids=repr)
def test_bad_company_ids_in_session_and_cli(bad: Any, type_name: str) -> None:
    with pytest.raises(ConfigurationError, match=f"company_id must be .* got {type_name} "):
        Session(ServiceAccountAuth("id", "secret", environment=LOCAL), company_id=bad)
    if isinstance(bad, str) and bad:
        with pytest.raises(ConfigurationError, match=f"company id from .* got {type_name} "):
            resolve(argparse.Namespace(), {"PROCORE_COMPANY_ID": bad})


def test_body_ids_are_checked_and_text_ids_left_alone(client: ProcoreClient) -> None:
    project = client.company(COMPANY).project(PROJECT)
    with pytest.raises(ConfigurationError, match=r"rfi_manager_id must be .* got float 2\.5"):
        project.rfis.create("Door", question="Which?", rfi_manager_id=2.5)
    synced = client.company(COMPANY).projects.create("Tower", origin_id="erp-7")
    assert synced.origin_id == "erp-7"
