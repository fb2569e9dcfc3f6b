"""A loopback webhook receiver for tests: :class:`WebhookSink`.

It stands where your app's receiving endpoint will: a real HTTP server on 127.0.0.1, in a
thread, that checks each delivery's shared secret the way your receiver should (the hook's
``destination_headers``, which Procore sends back with every delivery) and keeps what it
accepted. Like the rest of the sandbox it imports no client code: the secret check is the
standard library's constant-time compare, so the sink is an independent judge of what
:func:`procore_dc.webhooks.parse_event` accepts.
"""

from __future__ import annotations

import hmac
import json
import queue
import threading
from collections.abc import Iterable, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Optional

import attrs

from procore_dc._redact import get_logger

__all__ = ["Delivery", "WebhookSink"]

log = get_logger(__name__)

#: The largest body the sink reads; Procore's events are a few hundred bytes.
MAX_BODY_BYTES = 1024 * 1024


@attrs.frozen
class Delivery:
    """One webhook delivery the sink accepted.

    :ivar path: the request path, e.g. ``/procore/webhooks``
    :ivar payload: the JSON body, parsed (Procore's event: ``id``, ``resource_name``, ...)
    :ivar headers: the request headers; kept out of the repr, they carry the shared secret
    :ivar body: the body exactly as received, e.g. for
        :func:`procore_dc.webhooks.parse_event`
    :ivar status: the status the sink answered (204 unless told otherwise by
        :meth:`~procore_dc.testing.WebhookSink.respond`)
    """

    path: str
    payload: Mapping[str, Any]
    headers: Mapping[str, str] = attrs.field(repr=False)
    body: bytes = attrs.field(repr=False)
    status: int = 204


class WebhookSink:
    """A loopback HTTP endpoint that receives webhook deliveries, for tests.

    It answers 401 to a delivery without the shared secret (when one is set), 400 to a body
    that is not a JSON object, and otherwise records the delivery and answers 204 (or the
    statuses queued with :meth:`respond`, to make Procore retry). It keeps every accepted
    delivery, redeliveries included, in :attr:`received`; :meth:`next` waits for the next one.

    :param secret: the shared secret the hook sends; a delivery must carry it in
        ``secret_header``, as the bare secret or ``Bearer <secret>``; ``None`` accepts all
    :param secret_header: the header that carries the secret (default: ``Authorization``)
    :param path: the path of :attr:`url`; deliveries to any path are accepted

    .. code-block:: python

        from procore_dc.testing import WebhookSink

        with WebhookSink(secret="s3cret") as sink:
            company.webhooks.hooks.create(
                "my-app", sink.url, destination_headers={"Authorization": "Bearer s3cret"}
            )
            ...                                   # change a vendor
            delivery = sink.next(timeout=5)
            assert delivery.payload["resource_name"] == "Vendors"
    """

    def __init__(
        self,
        secret: Optional[str] = None,
        *,
        secret_header: str = "Authorization",  # noqa: S107 - a header name, not a secret
        path: str = "/procore/webhooks",
    ) -> None:
        self._expected = _accepted_values(secret)
        self._secret_header = secret_header
        self._path = path
        self._lock = threading.Lock()
        self._received: list[Delivery] = []
        self._arrivals: queue.Queue[Delivery] = queue.Queue()
        self._statuses: list[int] = []
        self._rejected = 0
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        # A short poll interval: close() waits for the next poll, and tests close many sinks.
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            args=(0.05,),
            name="procore-dc-webhook-sink",
            daemon=True,
        )
        self._thread.start()

    def __repr__(self) -> str:
        return f"WebhookSink(url={self.url!r}, received={len(self.received)})"

    @property
    def url(self) -> str:
        """Where the hook should POST: ``http://127.0.0.1:<port><path>``."""
        return f"http://127.0.0.1:{self._server.server_address[1]}{self._path}"

    @property
    def received(self) -> list[Delivery]:
        """Every accepted delivery so far, in arrival order (a copy)."""
        with self._lock:
            return list(self._received)

    @property
    def rejected(self) -> int:
        """How many deliveries were refused (wrong or missing secret, not a JSON object, too
        large or without a readable ``Content-Length``)."""
        with self._lock:
            return self._rejected

    def respond(self, *statuses: int) -> None:
        """Answer the next accepted deliveries with these statuses, then 204 again.

        :param statuses: e.g. ``500`` to make Procore retry the delivery

        .. code-block:: python

            sink.respond(500)          # the first delivery fails; Procore delivers it again
        """
        with self._lock:
            self._statuses.extend(statuses)

    def next(self, timeout: float = 5.0) -> Delivery:
        """The next accepted delivery (not returned by an earlier call), waiting for it.

        :param timeout: seconds to wait
        :raises TimeoutError: when none arrives within ``timeout``
        """
        try:
            return self._arrivals.get(timeout=timeout)
        except queue.Empty:
            raise TimeoutError(
                f"no webhook delivery reached {self.url} within {timeout:g} s"
            ) from None

    def close(self) -> None:
        """Stop the server (idempotent)."""
        if self._thread.is_alive():
            self._server.shutdown()
            self._thread.join(timeout=5)
        self._server.server_close()

    def __enter__(self) -> WebhookSink:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _answer(self, path: str, headers: Mapping[str, str], body: Optional[bytes]) -> int:
        """Record one delivery and return the status to answer (``body`` None: unreadable)."""
        if body is None:
            status = 413
        elif not self._authorized(headers):
            status = 401
        else:
            try:
                payload = json.loads(body)
            except ValueError:
                payload = None
            status = 400 if not isinstance(payload, dict) else 0
        with self._lock:
            if status:
                self._rejected += 1
                return status
            status = self._statuses.pop(0) if self._statuses else 204
            delivery = Delivery(path, payload, dict(headers), body or b"", status)
            self._received.append(delivery)
        self._arrivals.put(delivery)
        return status

    def _authorized(self, headers: Mapping[str, str]) -> bool:
        if not self._expected:
            return True
        wanted = self._secret_header.lower()
        sent = next((v for k, v in headers.items() if k.lower() == wanted), None)
        if sent is None:
            return False
        sent_bytes = sent.strip().encode("utf-8")
        # Compare with every accepted form, so the time taken does not say which one was near.
        matches = [hmac.compare_digest(sent_bytes, value) for value in self._expected]
        return any(matches)


def _accepted_values(secret: Optional[str]) -> tuple[bytes, ...]:
    """The header values that carry ``secret``: as is, or after ``Bearer ``."""
    if secret is None:
        return ()
    forms: Iterable[str] = (
        (secret,) if secret.lower().startswith("bearer ") else (secret, f"Bearer {secret}")
    )
    return tuple(form.encode("utf-8") for form in forms)


def _handler_for(sink: WebhookSink) -> type[BaseHTTPRequestHandler]:
    class _Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = self.headers.get("Content-Length") or "0"
            if not length.isdigit() or int(length) > MAX_BODY_BYTES:
                status = sink._answer(self.path, {}, None)
                self.close_connection = True  # the body was not read
            else:
                body = self.rfile.read(int(length))
                status = sink._answer(self.path, dict(self.headers.items()), body)
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            log.debug("webhook sink: " + format, *args)

    return _Handler
