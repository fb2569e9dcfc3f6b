"""Receiving webhooks: payload versions, the shared secret, bad input, deduplication."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import threading

import pytest
import requests.structures
from hypothesis import given, settings
from hypothesis import strategies as st

from procore_dc.exceptions import WebhookError, WebhookVerificationError
from procore_dc.webhooks import Deduplicator, WebhookEvent, parse_event

# procore-api.md 3.11, the documented payloads.
V2 = {
    "id": 123456789,
    "ulid": "01JKDPX3HWQ0M4S1Q3W5E9T2C0",
    "timestamp": "2025-02-06T23:34:12.246562Z",
    "metadata": {
        "source_user_id": 5447,
        "source_project_id": 6778,
        "source_operation_id": None,
        "source_company_id": 8,
        "source_application_id": None,
    },
    "user_id": 5447,
    "company_id": 8,
    "project_id": 6778,
    "api_version": "v2.0",
    "event_type": "create",
    "resource_name": "RFIs",
    "resource_id": 54321,
}
V3 = {**V2, "api_version": "v3.0", "related_resources": [{"id": 1234, "name": "Direct Costs"}]}
V4 = {
    "id": "01JMYXMZ7V3ZK4R1Q3W5E9T2C0",
    "timestamp": "2025-02-06T23:34:12.246562Z",
    "reason": "update",
    "company_id": "8",
    "project_id": "6778",
    "user_id": "5447",
    "resource_type": "Direct Cost Line Items",
    "resource_id": "379913",
}
STAMP = dt.datetime(2025, 2, 6, 23, 34, 12, 246562, tzinfo=dt.timezone.utc)


def test_v2_payload() -> None:
    event = parse_event(json.dumps(V2).encode())
    assert event.id == 123456789
    assert event.ulid == V2["ulid"]
    assert event.timestamp == STAMP
    assert (event.event_type, event.resource_name, event.resource_id) == ("create", "RFIs", 54321)
    assert (event.company_id, event.project_id, event.user_id) == (8, 6778, 5447)
    assert event.api_version == "v2.0"
    assert event.metadata is not None
    assert event.metadata["source_user_id"] == 5447
    assert event.related_resources == ()
    assert event.raw == V2


def test_v3_payload_has_related_resources() -> None:
    event = parse_event(json.dumps(V3))
    assert [(r.id, r.name) for r in event.related_resources] == [(1234, "Direct Costs")]
    assert event.api_version == "v3.0"


def test_v4_payload_maps_names_and_makes_ids_ints() -> None:
    event = parse_event(V4)
    assert event.id is None
    assert event.ulid == V4["id"]
    assert event.event_type == "update"
    assert event.resource_name == "Direct Cost Line Items"
    assert (event.resource_id, event.company_id, event.project_id, event.user_id) == (
        379913,
        8,
        6778,
        5447,
    )
    assert all(isinstance(v, int) for v in (event.resource_id, event.company_id, event.project_id))
    assert event.api_version == "v4.0"
    assert event.timestamp == STAMP


def test_v4_company_event_without_project() -> None:
    event = parse_event({**V4, "project_id": "", "resource_type": "Company Users"})
    assert event.project_id is None


@pytest.mark.parametrize(
    ("headers", "secret"),
    [
        ({"Authorization": "Bearer s3cret"}, "s3cret"),
        ({"authorization": "Bearer s3cret"}, "Bearer s3cret"),
        ({"AUTHORIZATION": "s3cret"}, "s3cret"),
        (requests.structures.CaseInsensitiveDict({"Authorization": "Bearer s3cret"}), "s3cret"),
    ],
)
def test_secret_accepted(headers: dict[str, str], secret: str) -> None:
    assert parse_event(V2, headers, secret=secret).id == V2["id"]


@pytest.mark.parametrize(
    "headers",
    [
        None,
        {},
        {"Authorization": "Bearer wrong"},
        {"Authorization": "Bearer s3cre"},
        {"X-Other": "Bearer s3cret"},
    ],
)
def test_secret_refused(headers: dict[str, str] | None) -> None:
    with pytest.raises(WebhookVerificationError) as info:
        parse_event(V2, headers, secret="s3cret")
    assert "s3cret" not in str(info.value)
    assert isinstance(info.value, WebhookError)


def test_custom_secret_header() -> None:
    event = parse_event(
        V2, {"X-Procore-Secret": "abc"}, secret="abc", secret_header="X-Procore-Secret"
    )
    assert event.id == V2["id"]
    with pytest.raises(WebhookVerificationError, match="X-Procore-Secret"):
        parse_event(V2, {"Authorization": "abc"}, secret="abc", secret_header="X-Procore-Secret")


def test_secret_is_checked_before_the_body_is_read() -> None:
    with pytest.raises(WebhookVerificationError):
        parse_event(b"not json", {}, secret="abc")


@pytest.mark.parametrize(
    ("body", "match"),
    [
        (b"not json", "not valid JSON"),
        (b"\xff\xfe", "UTF-8"),
        (b"[1, 2]", "JSON object"),
        (b"{}", "event_type"),
        (json.dumps({**V2, "resource_name": None}).encode(), "resource_name"),
        (json.dumps({k: v for k, v in V2.items() if k not in ("id", "ulid")}).encode(), "neither"),
        (json.dumps({**V2, "resource_id": {"id": 1}}).encode(), "resource_id"),
        (json.dumps({**V2, "timestamp": "yesterday"}).encode(), "timestamp"),
        (json.dumps({**V3, "related_resources": "none"}).encode(), "related_resources"),
        (json.dumps({**V4, "company_id": "eight"}).encode(), "company_id"),
    ],
)
def test_bad_bodies_raise_webhook_error(body: bytes, match: str) -> None:
    with pytest.raises(WebhookError, match=match):
        parse_event(body)


def test_wrong_body_type_and_empty_secret() -> None:
    with pytest.raises(WebhookError, match="bytes, str or a mapping"):
        parse_event(42)  # type: ignore[arg-type]
    with pytest.raises(WebhookError, match="empty"):
        parse_event(V2, {"Authorization": ""}, secret="")


@settings(max_examples=100)
@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(),
        lambda c: st.lists(c) | st.dictionaries(st.text(), c),
        max_leaves=10,
    )
)
def test_no_bare_errors_on_any_json(value: object) -> None:
    with contextlib.suppress(WebhookError):
        parse_event(json.dumps(value))


@settings(max_examples=100)
@given(
    st.dictionaries(
        st.sampled_from(sorted(set(V2) | set(V4))),
        st.none() | st.integers() | st.text() | st.lists(st.integers()),
    )
)
def test_no_bare_errors_on_event_like_objects(value: dict[str, object]) -> None:
    try:
        event = parse_event(value)
    except WebhookError:
        return
    assert isinstance(event, WebhookEvent)


def test_deduplicator_drops_repeats_by_ulid_then_id() -> None:
    seen = Deduplicator()
    first = parse_event(V2)
    assert seen.is_new(first)
    assert not seen.is_new(parse_event(V2))
    assert first in seen
    # same ulid, different id: still a repeat; no ulid: the id decides
    no_ulid = {k: v for k, v in V2.items() if k != "ulid"}
    assert seen.is_new(parse_event(no_ulid))
    assert not seen.is_new(parse_event(no_ulid))
    assert seen.is_new(parse_event(V4))
    assert not seen.is_new(parse_event(V4))
    seen.forget(parse_event(V4))
    assert seen.is_new(parse_event(V4))
    assert len(seen) == 3


def test_deduplicator_is_bounded() -> None:
    seen = Deduplicator(max_size=3)
    events = [parse_event({**V2, "ulid": f"U{i}"}) for i in range(5)]
    assert all(seen.is_new(event) for event in events)
    assert len(seen) == 3
    assert events[0] not in seen
    assert events[4] in seen
    assert seen.is_new(events[0])  # forgotten, so new again
    with pytest.raises(ValueError, match="at least 1"):
        Deduplicator(max_size=0)


def test_deduplicator_under_threads_admits_each_event_once() -> None:
    seen = Deduplicator()
    event = parse_event(V2)
    admitted: list[bool] = []
    lock = threading.Lock()

    def worker() -> None:
        result = seen.is_new(event)
        with lock:
            admitted.append(result)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert admitted.count(True) == 1
