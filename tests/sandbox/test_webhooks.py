"""Webhooks end to end: a loopback receiver gets the events of writes made through the API."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests

from procore_dc.testing import FakeProcore, WebhookSink

from .conftest import COMPANY, PROJECT, dmsa_token, get, headers


@pytest.fixture
def receiver() -> Iterator[WebhookSink]:
    with WebhookSink(secret="shared-secret") as sink:
        yield sink


def _hook(
    sandbox: FakeProcore, token: str, url: str, version: str = "v2", **scope: int
) -> dict[str, Any]:
    scope = scope or {"company_id": COMPANY}
    api = f"{sandbox.api_url}/rest/v1.0/webhooks/hooks"
    hook = requests.post(
        api,
        json={
            **scope,
            "hook": {
                "api_version": version,
                "namespace": "sandbox-test",
                "destination_url": url,
                "destination_headers": {"Authorization": "Bearer shared-secret"},
            },
        },
        headers=headers(token),
        timeout=5,
    )
    assert hook.status_code == 201, hook.text
    trigger = requests.post(
        f"{api}/{hook.json()['id']}/triggers",
        json={
            **scope,
            "api_version": version,
            "trigger": {"resource_name": "RFIs", "event_type": "create"},
        },
        headers=headers(token),
        timeout=5,
    )
    assert trigger.status_code == 201, trigger.text
    return dict(hook.json())


def _create_rfi(sandbox: FakeProcore, token: str) -> int:
    made = requests.post(
        f"{sandbox.api_url}/rest/v1.0/projects/{PROJECT}/rfis",
        json={
            "rfi": {
                "subject": "Door swing",
                "question": {"body": "Which way?"},
                "rfi_manager_id": 1000001,
            }
        },
        headers=headers(token),
        timeout=5,
    )
    assert made.status_code == 201
    return int(made.json()["id"])


def test_rfi_created_through_the_api_reaches_a_loopback_receiver(
    sandbox: FakeProcore, receiver: WebhookSink
) -> None:
    token = dmsa_token(sandbox)
    hook = _hook(sandbox, token, receiver.url)
    rfi_id = _create_rfi(sandbox, token)
    assert sandbox.webhooks.flush()
    assert len(receiver.received) == 1
    delivery = receiver.received[0]
    assert delivery.headers["Authorization"] == "Bearer shared-secret"
    payload = delivery.payload
    assert payload["resource_name"] == "RFIs"
    assert payload["event_type"] == "create"
    assert payload["resource_id"] == rfi_id
    assert payload["project_id"] == PROJECT
    assert payload["company_id"] == COMPANY
    assert payload["api_version"] == "v2.0"
    assert payload["ulid"]
    deliveries = get(
        sandbox,
        f"/rest/v1.0/webhooks/hooks/{hook['id']}/deliveries",
        token,
        params={"company_id": COMPANY},
    ).json()
    assert [d["outcome"] for d in deliveries] == ["ok"]
    assert deliveries[0]["event"]["resource_id"] == rfi_id


@pytest.mark.parametrize("version", ["v3", "v4"])
def test_payload_versions(sandbox: FakeProcore, receiver: WebhookSink, version: str) -> None:
    token = dmsa_token(sandbox)
    _hook(sandbox, token, receiver.url, version, project_id=PROJECT)
    rfi_id = _create_rfi(sandbox, token)
    assert sandbox.webhooks.flush()
    payload = receiver.received[0].payload
    if version == "v3":
        assert payload["related_resources"] == []
        assert payload["api_version"] == "v3.0"
    else:
        assert payload["resource_type"] == "RFIs"
        assert payload["reason"] == "create"
        assert payload["resource_id"] == str(rfi_id)
        assert isinstance(payload["id"], str)


def test_failed_deliveries_are_retried_with_backoff_on_the_clock(
    sandbox: FakeProcore, receiver: WebhookSink
) -> None:
    token = dmsa_token(sandbox)
    hook = _hook(sandbox, token, receiver.url)
    receiver.respond(500, 503)
    _create_rfi(sandbox, token)
    assert sandbox.webhooks.flush()
    assert len(receiver.received) == 1
    sandbox.clock.advance(0.5)
    assert sandbox.webhooks.flush()
    assert len(receiver.received) == 1  # the first retry waits 1 s
    sandbox.clock.advance(0.5)
    assert sandbox.webhooks.flush()
    assert len(receiver.received) == 2
    sandbox.clock.advance(2)  # the second retry waits 2 s
    assert sandbox.webhooks.flush()
    assert len(receiver.received) == 3
    url = f"/rest/v1.0/webhooks/hooks/{hook['id']}/deliveries"
    outcomes = [
        d["outcome"] for d in get(sandbox, url, token, params={"company_id": COMPANY}).json()
    ]
    assert outcomes == ["retried", "retried", "ok"]
    failing = get(
        sandbox, url, token, params={"company_id": COMPANY, "filter[status]": "failing"}
    ).json()
    assert [d["response_status"] for d in failing] == [500, 503]


def test_hooks_only_deliver_to_loopback(sandbox: FakeProcore) -> None:
    token = dmsa_token(sandbox)
    response = requests.post(
        f"{sandbox.api_url}/rest/v1.0/webhooks/hooks",
        json={
            "company_id": COMPANY,
            "hook": {
                "api_version": "v2",
                "namespace": "x",
                "destination_url": "https://example.com/hook",
            },
        },
        headers=headers(token),
        timeout=5,
    )
    assert response.status_code == 422
    assert "destination_url" in response.json()["errors"]
