"""Bounded webhook receivers (issue #12 item 10, audit section 5).

The size limit held only for bytes bodies, and dedup keys could be any length; a ``bytes``
secret raised a bare TypeError.
"""

from __future__ import annotations

import json

import pytest

from procore_dc.exceptions import WebhookError
from procore_dc.webhooks import MAX_BODY_BYTES, MAX_KEY_LENGTH, Deduplicator, parse_event

EVENT = {"id": 1, "event_type": "create", "resource_name": "RFIs", "resource_id": 5}


def padded(size: int) -> dict[str, object]:
    return {**EVENT, "padding": "x" * size}


@pytest.mark.parametrize("form", ["str", "mapping", "bytes"])
def test_a_20_mib_body_is_refused_in_every_form(form: str) -> None:
    big = padded(20 * 1024 * 1024)
    body: object = {"str": json.dumps(big), "mapping": big, "bytes": json.dumps(big).encode()}[form]
    with pytest.raises(WebhookError, match="larger than"):
        parse_event(body)  # type: ignore[arg-type]


def test_a_str_body_of_multibyte_characters_counts_bytes() -> None:
    body = json.dumps({**EVENT, "padding": "é" * (MAX_BODY_BYTES // 2)}, ensure_ascii=False)
    assert len(body) < MAX_BODY_BYTES < len(body.encode())
    with pytest.raises(WebhookError, match="larger than"):
        parse_event(body)


def test_a_body_within_the_limit_still_parses_in_every_form() -> None:
    small = padded(100)
    for body in (small, json.dumps(small), json.dumps(small).encode()):
        assert parse_event(body).id == 1  # type: ignore[arg-type]


def test_a_megabyte_ulid_is_refused_and_never_remembered() -> None:
    with pytest.raises(WebhookError, match="ulid is longer"):
        parse_event({**EVENT, "ulid": "U" * (512 * 1024)})
    seen = Deduplicator()
    event = parse_event({**EVENT, "ulid": "U" * MAX_KEY_LENGTH})
    assert seen.is_new(event)
    object.__setattr__(event, "ulid", "U" * (MAX_KEY_LENGTH * 100))
    with pytest.raises(WebhookError, match="key longer"):
        seen.is_new(event)
    assert len(seen) == 1


def test_a_bytes_secret_is_accepted_and_a_wrong_type_is_a_webhook_error() -> None:
    headers = {"Authorization": "Bearer s3cret-value"}
    assert parse_event(json.dumps(EVENT), headers, secret=b"s3cret-value").id == 1
    with pytest.raises(WebhookError, match="must be a str"):
        parse_event(json.dumps(EVENT), headers, secret=12345)  # type: ignore[arg-type]
    with pytest.raises(WebhookError, match="not UTF-8"):
        parse_event(json.dumps(EVENT), headers, secret=b"\xff\xfe")
