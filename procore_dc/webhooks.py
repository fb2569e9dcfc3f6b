"""Receiving webhooks: parse Procore's payloads, check the shared secret, drop redeliveries.

Procore signs nothing (procore-api.md 3.11). The documented protection is a shared secret you
put in the hook's ``destination_headers`` (e.g. ``Authorization: Bearer <secret>``), which
Procore sends back with every delivery. :func:`parse_event` checks it in constant time.

Payload versions differ in shape; :class:`WebhookEvent` is one model for all of them:

- v2.0: ``id`` (int), ``ulid``, ``event_type``, ``resource_name``, numeric ids, ``metadata``;
- v3.0: v2.0 plus ``related_resources``;
- v4.0: ``id`` is the ULID, ``reason`` for ``event_type``, ``resource_type`` for
  ``resource_name``, and every id is a string (made an int here).

Procore may deliver an event more than once: :class:`Deduplicator` remembers recent ones.

.. code-block:: python

    from procore_dc.webhooks import Deduplicator, parse_event

    seen = Deduplicator()

    def handle(body: bytes, headers) -> int:
        try:
            event = parse_event(body, headers, secret=SECRET)
        except WebhookVerificationError:
            return 401
        except WebhookError:
            return 400
        if seen.is_new(event):
            queue.put(event)          # answer fast: Procore waits 5 s at most
        return 204
"""

from __future__ import annotations

import datetime as _dt
import hmac
import json
import threading
from collections import OrderedDict
from collections.abc import Mapping
from typing import Any, Optional, Union

import attrs

from procore_dc._headers import get as get_header
from procore_dc._redact import get_logger
from procore_dc.exceptions import ResponseFormatError, WebhookError, WebhookVerificationError
from procore_dc.models._base import Model
from procore_dc.models._converter import structure

__all__ = ["Deduplicator", "RelatedResource", "WebhookEvent", "parse_event"]

log = get_logger(__name__)

#: The largest body :func:`parse_event` reads (bytes, str or mapping, as JSON); Procore's
#: events are a few hundred bytes.
MAX_BODY_BYTES = 1024 * 1024
#: The longest event key (``ulid``) accepted and remembered; a ULID has 26 characters.
MAX_KEY_LENGTH = 128


@attrs.frozen(repr=False)
class RelatedResource(Model):
    """A resource related to the event's (v3.0), e.g. the parent of a line item."""

    id: Optional[int] = None
    name: Optional[str] = None

    _repr_fields = ("id", "name")


@attrs.frozen(repr=False)
class WebhookEvent(Model):
    """One webhook event, whatever the payload version.

    :ivar id: the numeric event id (v2.0, v3.0); ``None`` in v4.0, whose id is the ULID
    :ivar ulid: the event's ULID (v4.0's ``id``)
    :ivar event_type: ``create``, ``update``, ``delete`` (v4.0 ``reason`` may hold others)
    :ivar resource_name: e.g. ``RFIs`` (v4.0 ``resource_type``)
    :ivar api_version: the payload version, e.g. ``v2.0``
    :ivar resource_id: the resource's numeric id; ``None`` when a v4.0 payload names it with
        text that is not a number (v4.0 "can deliver additional resource types")
    :ivar resource_key: the resource's id as text, exactly as sent (set whenever an id was)

    .. code-block:: python

        event = parse_event(body, headers, secret=SECRET)
        if event.resource_name == "RFIs" and event.event_type == "update":
            refresh_rfi(event.project_id, event.resource_id)
    """

    event_type: str
    resource_name: str
    id: Optional[int] = None
    ulid: Optional[str] = None
    timestamp: Optional[_dt.datetime] = None
    resource_id: Optional[int] = None
    company_id: Optional[int] = None
    project_id: Optional[int] = None
    user_id: Optional[int] = None
    api_version: Optional[str] = None
    related_resources: tuple[RelatedResource, ...] = ()
    metadata: Optional[Mapping[str, Any]] = None
    resource_key: Optional[str] = None

    _repr_fields = ("ulid", "id", "resource_name", "event_type", "resource_id")

    @property
    def dedupe_key(self) -> str:
        """What identifies this event across redeliveries: the ULID, else the id, else the
        resource, its id and the timestamp."""
        if self.ulid:
            return f"ulid:{self.ulid}"
        if self.id is not None:
            return f"id:{self.id}"
        stamp = self.timestamp.isoformat() if self.timestamp else ""
        return f"resource:{self.resource_name}:{self.resource_id}:{stamp}"


def _header(headers: Any, name: str) -> Optional[str]:
    """Header ``name`` of a dict, requests' or werkzeug's header classes, as text."""
    value = None if headers is None else get_header(headers, name)
    if value is None:
        return None
    return value.decode("latin-1") if isinstance(value, bytes) else str(value)


def _verify(headers: Any, secret: str, secret_header: str) -> None:
    received = _header(headers, secret_header)
    if received is None:
        raise WebhookVerificationError(
            f"webhook delivery has no {secret_header} header: reject it with 401"
        )
    expected = [secret]
    if not secret.lower().startswith("bearer "):
        # The hook's destination header is usually "Bearer <secret>"; accept either form.
        expected.append(f"Bearer {secret}")
    received_bytes = received.strip().encode("utf-8")
    # compare_digest with every candidate, so the time taken does not tell which one was near.
    matches = [hmac.compare_digest(received_bytes, item.encode("utf-8")) for item in expected]
    if not any(matches):
        raise WebhookVerificationError(
            f"webhook delivery's {secret_header} header does not match the shared secret: "
            "reject it with 401"
        )


def _too_big() -> WebhookError:
    return WebhookError(f"webhook body is larger than {MAX_BODY_BYTES} bytes")


def _load(body: Union[bytes, bytearray, str, Mapping[str, Any]]) -> Mapping[str, Any]:
    if isinstance(body, Mapping):
        try:
            size = len(json.dumps(body, default=str))
        except (ValueError, TypeError, RecursionError) as exc:
            raise WebhookError(f"webhook body is not a JSON object: {exc}") from None
        if size > MAX_BODY_BYTES:
            raise _too_big()
        return body
    if isinstance(body, (bytes, bytearray)):
        if len(body) > MAX_BODY_BYTES:
            raise _too_big()
        try:
            text = bytes(body).decode("utf-8")
        except UnicodeDecodeError as exc:
            raise WebhookError("webhook body is not UTF-8 text") from exc
    elif isinstance(body, str):
        # Each character is at least one byte; count exactly only near the limit.
        if len(body) > MAX_BODY_BYTES or (
            4 * len(body) > MAX_BODY_BYTES
            and len(body.encode("utf-8", "surrogatepass")) > MAX_BODY_BYTES
        ):
            raise _too_big()
        text = body
    else:
        raise WebhookError(
            f"webhook body must be bytes, str or a mapping, not {type(body).__name__}"
        )
    try:
        data = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise WebhookError(f"webhook body is not valid JSON: {exc}") from exc
    if not isinstance(data, Mapping):
        raise WebhookError(f"webhook body must be a JSON object, got {type(data).__name__}")
    return data


def _normalise(data: Mapping[str, Any]) -> dict[str, Any]:
    """Map every payload version onto WebhookEvent's field names."""
    is_v4 = "reason" in data or "resource_type" in data
    if not is_v4 and isinstance(data.get("api_version"), str):
        is_v4 = data["api_version"].startswith(("v4", "4"))
    out: dict[str, Any] = {
        key: data.get(key)
        for key in ("timestamp", "resource_id", "company_id", "project_id", "user_id")
    }
    if is_v4:
        event_id = data.get("id")
        out["ulid"] = data.get("ulid") or (event_id if isinstance(event_id, str) else None)
        out["id"] = event_id if isinstance(event_id, int) else None
        out["event_type"] = data.get("reason", data.get("event_type"))
        out["resource_name"] = data.get("resource_type", data.get("resource_name"))
        out["api_version"] = data.get("api_version") or "v4.0"
    else:
        out["id"] = data.get("id")
        out["ulid"] = data.get("ulid")
        out["event_type"] = data.get("event_type")
        out["resource_name"] = data.get("resource_name")
        out["api_version"] = data.get("api_version")
    for key, v4_name in (("event_type", "reason"), ("resource_name", "resource_type")):
        if not isinstance(out[key], str) or not out[key]:
            raise WebhookError(
                f"webhook payload has no {key!r} (or v4 {v4_name!r}): not a Procore event"
            )
    if out["id"] is None and not out["ulid"]:
        raise WebhookError("webhook payload has neither 'id' nor 'ulid': not a Procore event")
    if isinstance(out["ulid"], str) and len(out["ulid"]) > MAX_KEY_LENGTH:
        raise WebhookError(
            f"webhook payload's ulid is longer than {MAX_KEY_LENGTH} characters: not a "
            "Procore event"
        )
    related = data.get("related_resources")
    out["related_resources"] = [] if related is None else related
    metadata = data.get("metadata")
    if metadata is not None:
        out["metadata"] = metadata
    # Empty strings for absent ids (seen in v4 for company-level events) mean "none".
    for key in ("resource_id", "company_id", "project_id", "user_id"):
        if out[key] == "":
            out[key] = None
    resource = out["resource_id"]
    out["resource_key"] = None if resource is None else str(resource)
    if is_v4 and isinstance(resource, str) and not resource.strip().isdigit():
        # v4 ids are strings (its JSON schema), and new resource types may not be numeric:
        # keep the text in resource_key rather than refuse the event.
        out["resource_id"] = None
    return out


def parse_event(
    body: Union[bytes, bytearray, str, Mapping[str, Any]],
    headers: Any = None,
    *,
    secret: Union[str, bytes, None] = None,
    secret_header: str = "Authorization",  # noqa: S107 - a header name, not a secret
) -> WebhookEvent:
    """Parse one webhook delivery, checking its shared secret first when one is given.

    :param body: the request body (bytes or text), or the already-parsed JSON object
    :param headers: the request headers: any mapping or header object with ``get`` and
        ``items`` (``http.server``, werkzeug, requests); looked up case-insensitively
    :param secret: the shared secret set in the hook's ``destination_headers``; the header
        may hold it as is or as ``Bearer <secret>``. ``None`` skips the check.
    :param secret_header: the header that carries the secret (default: ``Authorization``)
    :raises WebhookVerificationError: the secret header is missing or wrong (answer 401)
    :raises WebhookError: the body is not JSON, or not a Procore event of a known shape

    .. code-block:: python

        event = parse_event(request.get_data(), request.headers, secret="s3cret")
        print(event.resource_name, event.event_type, event.resource_id)
    """
    if secret is not None:
        if isinstance(secret, (bytes, bytearray)):
            try:
                secret = bytes(secret).decode("utf-8")
            except UnicodeDecodeError:
                raise WebhookError("the webhook secret is not UTF-8 text") from None
        if not isinstance(secret, str):
            raise WebhookError(
                f"the webhook secret must be a str (or UTF-8 bytes), not {type(secret).__name__}"
            )
        if not secret:
            raise WebhookError("the webhook secret is empty: pass the shared secret or None")
        _verify(headers, secret, secret_header)
    data = _load(body)
    normalised = _normalise(data)
    try:
        event = structure(normalised, WebhookEvent)
    except ResponseFormatError as exc:
        raise WebhookError(f"webhook payload has an unexpected shape: {exc}") from None
    object.__setattr__(event, "raw", data)
    return event


class Deduplicator:
    """Remember the most recent events, to drop Procore's redeliveries. Thread-safe.

    :param max_size: how many event keys to remember; the oldest are forgotten first
        (default: ``10000``)

    .. code-block:: python

        seen = Deduplicator(max_size=50_000)
        if seen.is_new(event):
            process(event)
        # processing failed and should be retried on redelivery:
        seen.forget(event)
    """

    def __init__(self, max_size: int = 10_000) -> None:
        if max_size < 1:
            raise ValueError("max_size must be at least 1")
        self.max_size = max_size
        self._keys: OrderedDict[str, None] = OrderedDict()
        self._lock = threading.Lock()

    def is_new(self, event: WebhookEvent) -> bool:
        """Record the event; return ``True`` the first time, ``False`` for a repeat."""
        key = event.dedupe_key
        if len(key) > MAX_KEY_LENGTH + 8:  # "ulid:" or "id:" and the value
            raise WebhookError(
                f"event key longer than {MAX_KEY_LENGTH} characters: not a Procore event"
            )
        with self._lock:
            if key in self._keys:
                self._keys.move_to_end(key)
                log.debug("dropping a redelivered webhook event %s", key)
                return False
            self._keys[key] = None
            if len(self._keys) > self.max_size:
                self._keys.popitem(last=False)
            return True

    def forget(self, event: WebhookEvent) -> None:
        """Forget an event, so that its next delivery counts as new."""
        with self._lock:
            self._keys.pop(event.dedupe_key, None)

    def __contains__(self, event: object) -> bool:
        if not isinstance(event, WebhookEvent):
            return False
        with self._lock:
            return event.dedupe_key in self._keys

    def __len__(self) -> int:
        with self._lock:
            return len(self._keys)
