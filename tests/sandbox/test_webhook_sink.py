"""procore_dc.testing.WebhookSink: a real loopback receiver that checks the shared secret."""

from __future__ import annotations

import http.client
import json
import threading
from typing import Optional
from urllib.parse import urlsplit

import pytest
import requests

from procore_dc import ProcoreClient, ServiceAccountAuth
from procore_dc.exceptions import WebhookError
from procore_dc.testing import FakeProcore, WebhookSink
from procore_dc.webhooks import parse_event

from .conftest import COMPANY

EVENT = {
    "id": 7,
    "ulid": "01J0000000000000000000000A",
    "event_type": "create",
    "resource_name": "RFIs",
    "resource_id": 3,
}


def post(sink: WebhookSink, auth: Optional[str], body: bytes = b"") -> int:
    sent = {"Content-Type": "application/json"}
    if auth is not None:
        sent["Authorization"] = auth
    response = requests.post(sink.url, data=body or json.dumps(EVENT), headers=sent, timeout=5)
    return response.status_code


def test_a_delivery_from_fake_procore_with_the_secret_is_received(sandbox: FakeProcore) -> None:
    app = sandbox.default_app
    auth = ServiceAccountAuth(app.client_id, app.client_secret, environment=sandbox.environment)
    with WebhookSink(secret="s3cret") as sink, ProcoreClient(auth, company_id=COMPANY) as client:
        company = client.company(COMPANY)
        hook = company.webhooks.hooks.create("sink", sink.url, {"Authorization": "Bearer s3cret"})
        company.webhooks.triggers(hook.id).create("Company Vendors", "update")
        vendor = company.vendors.list(limit=1).to_list()[0]
        company.vendors.update(vendor.id, name="Renamed")
        assert sandbox.webhooks.flush()
        delivery = sink.next(timeout=5)
    assert delivery.path == "/procore/webhooks"
    assert delivery.status == 204
    assert delivery.payload["resource_name"] == "Company Vendors"
    assert delivery.payload["event_type"] == "update"
    assert delivery.payload["resource_id"] == vendor.id
    assert sink.received == [delivery]
    assert sink.rejected == 0
    assert "s3cret" not in repr(delivery) + repr(sink)


@pytest.mark.parametrize(
    ("auth", "accepted"),
    [
        ("Bearer s3cret", True),
        ("s3cret", True),
        ("Bearer s3cret  ", True),
        ("Bearer nope", False),
        ("Bearer s3cret2", False),
        ("", False),
        (None, False),
    ],
)
def test_the_secret_check_agrees_with_parse_event(auth: Optional[str], accepted: bool) -> None:
    with WebhookSink(secret="s3cret") as sink:
        status = post(sink, auth)
    assert status == (204 if accepted else 401)
    assert (len(sink.received), sink.rejected) == ((1, 0) if accepted else (0, 1))
    sent = {} if auth is None else {"Authorization": auth}
    if accepted:
        parse_event(json.dumps(EVENT), sent, secret="s3cret")
    else:
        with pytest.raises(WebhookError):
            parse_event(json.dumps(EVENT), sent, secret="s3cret")


def test_a_custom_header_and_no_secret() -> None:
    with WebhookSink(secret="k", secret_header="X-Hook-Key") as sink:
        ok = requests.post(sink.url, json=EVENT, headers={"x-hook-key": "k"}, timeout=5)
        wrong = requests.post(sink.url, json=EVENT, headers={"Authorization": "k"}, timeout=5)
    assert (ok.status_code, wrong.status_code) == (204, 401)
    with WebhookSink() as open_sink:
        assert post(open_sink, None) == 204
    with WebhookSink(secret="Bearer k") as whole:  # a secret that is the whole header value
        assert [post(whole, "Bearer k"), post(whole, "k")] == [204, 401]


def test_a_body_that_is_no_json_object_is_refused() -> None:
    with WebhookSink() as sink:
        assert post(sink, None, b"not json") == 400
        assert post(sink, None, b"[1, 2]") == 400
        # A length over the limit is refused before the body is read.
        connection = http.client.HTTPConnection("127.0.0.1", urlsplit(sink.url).port, timeout=5)
        connection.putrequest("POST", "/procore/webhooks")
        connection.putheader("Content-Length", "99999999")
        connection.endheaders()
        too_big = connection.getresponse().status
        connection.close()
    assert too_big == 413
    assert sink.rejected == 3
    assert sink.received == []


def test_queued_statuses_answer_the_next_deliveries_then_204() -> None:
    with WebhookSink() as sink:
        sink.respond(500, 503)
        statuses = [post(sink, None) for _ in range(3)]
    assert statuses == [500, 503, 204]
    assert [d.status for d in sink.received] == statuses


def test_next_waits_for_a_delivery_and_times_out_cleanly() -> None:
    with WebhookSink() as sink:
        with pytest.raises(TimeoutError, match="no webhook delivery reached"):
            sink.next(timeout=0.05)
        sender = threading.Timer(0.05, post, args=(sink, None))
        sender.start()
        delivery = sink.next(timeout=5)
        sender.join()
        assert delivery.payload == EVENT
        with pytest.raises(TimeoutError):
            sink.next(timeout=0.01)  # each delivery is returned once
    sink.close()  # closing twice is harmless
    with pytest.raises(requests.ConnectionError):
        requests.post(sink.url, json=EVENT, timeout=1)
