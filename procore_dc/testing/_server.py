"""The sandbox's HTTP/1.1 listeners: keep-alive, Nagle off, one write per response.

werkzeug's development server writes the headers and the body in separate ``send`` calls;
with Nagle's algorithm on, a keep-alive client then waits about 40 ms for a delayed ACK on every
request. This handler builds a WSGI environ itself, lets the sandbox answer with a werkzeug
``Response``, and sends status line, headers and body in a single ``sendall``. Owning the socket
also lets the fault injector reset a connection or cut a body short.
"""

from __future__ import annotations

import contextlib
import email.utils
import http.client
import io
import selectors
import socket
import struct
import sys
import threading
import time
from collections.abc import Callable
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Optional
from urllib.parse import unquote

import attrs
from werkzeug.wrappers import Response

__all__ = ["Listener", "ListenerGroup", "Outcome"]


@attrs.define
class Outcome:
    """What the sandbox wants written for one request.

    :ivar response: the response to send (``None`` with ``action="reset"``)
    :ivar action: ``None``, ``"reset"`` (drop without answering), ``"reset_after"`` (drop,
        the request having been acted on) or ``"truncate"`` (send fewer body bytes than the
        ``Content-Length`` promises, then close)
    :ivar delay: seconds to wait before answering
    """

    response: Optional[Response]
    action: Optional[str] = None
    delay: float = 0.0


Dispatch = Callable[[dict[str, Any], str], Outcome]


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    server_version = "FakeProcore/1.0"
    sys_version = ""
    timeout = 120
    server: _Server
    raw_requestline: bytes  # set by http.server's handle_one_request before parse_request

    def setup(self) -> None:
        super().setup()
        self.server.track(self.connection, add=True)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.track(self.connection, add=False)

    def parse_request(self) -> bool:
        """http.server's ``parse_request`` for the one request line clients send, with a
        cheaper header reader; any other request line goes through http.server's own.

        http.server reads headers through the ``email`` package's feed parser, which cost
        about a sixth of the sandbox's time per request. The headers are the same
        ``HTTPMessage`` either way.
        """
        words = self.raw_requestline.split()
        if len(words) != 3 or words[2] != b"HTTP/1.1":
            return super().parse_request()
        self.requestline = str(self.raw_requestline, "iso-8859-1").rstrip("\r\n")
        self.command, self.path = words[0].decode("iso-8859-1"), words[1].decode("iso-8859-1")
        self.request_version, self.close_connection = "HTTP/1.1", False
        if self.path.startswith("//"):
            self.path = "/" + self.path.lstrip("/")  # as http.server does
        try:
            self.headers = _read_headers(self.rfile)
        except ValueError as exc:
            self.close_connection = True
            self.send_error(HTTPStatus.BAD_REQUEST, str(exc))
            return False
        except http.client.HTTPException as exc:  # LineTooLong, or too many headers
            self.close_connection = True
            self.send_error(
                HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, "Header too large", str(exc)
            )
            return False
        if self.headers.get("Connection", "").lower() == "close":
            self.close_connection = True
        expect = self.headers.get("Expect", "")
        return expect.lower() != "100-continue" or self.handle_expect_100()

    def log_message(self, format: str, *args: Any) -> None:
        """Silence the default stderr access log; the sandbox keeps its own request log."""

    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks: list[bytes] = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _environ(self, body: bytes) -> dict[str, Any]:
        path, _, query = self.path.partition("?")
        host, port = self.server.server_address[:2]
        environ: dict[str, Any] = {
            "REQUEST_METHOD": self.command,
            "SCRIPT_NAME": "",
            "PATH_INFO": unquote(path, "latin-1"),
            "QUERY_STRING": query,
            "SERVER_NAME": str(host),
            "SERVER_PORT": str(port),
            "SERVER_PROTOCOL": self.request_version,
            "REMOTE_ADDR": self.client_address[0],
            "CONTENT_LENGTH": str(len(body)),
            "wsgi.version": (1, 0),
            "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(body),
            "wsgi.errors": sys.stderr,
            "wsgi.multithread": True,
            "wsgi.multiprocess": False,
            "wsgi.run_once": False,
        }
        for key, value in self.headers.items():
            name = key.upper().replace("-", "_")
            if name == "CONTENT_TYPE":
                environ["CONTENT_TYPE"] = value
            elif name not in ("CONTENT_LENGTH", "TRANSFER_ENCODING"):
                http_name = f"HTTP_{name}"
                if http_name in environ:
                    environ[http_name] += f", {value}"
                else:
                    environ[http_name] = value
        return environ

    def _serve(self) -> None:
        body = self._read_body()
        outcome = self.server.dispatch(self._environ(body), self.server.role)
        if outcome.delay > 0:
            time.sleep(outcome.delay)
        if outcome.action in ("reset", "reset_after") or outcome.response is None:
            self._reset()
            return
        self._write(outcome.response, truncate=outcome.action == "truncate")

    def _reset(self) -> None:
        # SO_LINGER 0 turns close() into a TCP RST: the client sees "connection reset" with no
        # byte of a response, the way a crashed load balancer looks.
        self.close_connection = True
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
        except OSError:
            pass

    def _write(self, response: Response, *, truncate: bool) -> None:
        if response.is_streamed and not truncate:
            self._write_streamed(response)
            return
        payload = b"" if self.command == "HEAD" else response.get_data()
        head = self._head(response, len(response.get_data()), truncate=truncate)
        if truncate:
            payload = payload[: len(payload) // 2]
        try:
            self.wfile.write(head + payload)
        except OSError:
            self.close_connection = True
            return
        if truncate:
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)

    def _write_streamed(self, response: Response) -> None:
        # Large bodies (storage downloads) go out chunk by chunk with the length the response
        # declares, so serving a file never joins it into one more buffer.
        length = int(response.headers.get("Content-Length", "-1"))
        if length < 0:
            response.make_sequence()  # no declared length: buffer it, then write it at once
            self._write(response, truncate=False)
            return
        try:
            self.wfile.write(self._head(response, length, truncate=False))
            if self.command != "HEAD":
                for chunk in response.iter_encoded():
                    self.wfile.write(chunk)
        except OSError:
            self.close_connection = True
        finally:
            response.close()

    def _head(self, response: Response, length: int, *, truncate: bool) -> bytes:
        status = response.status_code
        lines = [f"HTTP/1.1 {status} {_reason(status)}"]
        lines.extend(
            f"{k}: {v}" for k, v in response.headers.items() if k.lower() != "content-length"
        )
        lines.append(f"Content-Length: {length}")
        lines.append(f"Date: {_http_date()}")
        lines.append(f"Server: {self.server_version}")
        if truncate or response.headers.get("Connection", "").lower() == "close":
            self.close_connection = True
        if self.close_connection:
            lines.append("Connection: close")
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _serve  # noqa: N815


# http.client's limits for a header block.
_MAX_LINE = 65536
_MAX_HEADERS = 100


def _read_headers(rfile: Any) -> http.client.HTTPMessage:
    """Read a request's header block with http.client's limits (a line of 64 KiB, 100
    headers). A folded line (obs-fold) or a line without a name and colon is a bad request,
    which RFC 9112 section 5.2 allows a server to answer with 400."""
    headers = http.client.HTTPMessage()
    for _ in range(_MAX_HEADERS + 1):
        line = rfile.readline(_MAX_LINE + 1)
        if len(line) > _MAX_LINE:
            raise http.client.LineTooLong("header line")
        if line in (b"\r\n", b"\n", b""):
            return headers
        text = line.decode("iso-8859-1")
        name, colon, value = text.partition(":")
        if not colon or not name or name != name.strip():
            raise ValueError(f"Bad header line {text.rstrip()!r}")
        headers[name] = value.strip()
    raise http.client.HTTPException(f"got more than {_MAX_HEADERS} headers")


_REASONS = {status.value: status.phrase for status in HTTPStatus}


def _reason(status: int) -> str:
    return _REASONS.get(status, "Unknown")


_DATE: tuple[int, str] = (0, "")


def _http_date() -> str:
    """The ``Date`` header, formatted once a second rather than once a response."""
    global _DATE
    now = int(time.time())
    second, text = _DATE
    if second != now:
        text = email.utils.formatdate(now, usegmt=True)
        _DATE = (now, text)
    return text


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    block_on_close = False

    def __init__(self, port: int, role: str, dispatch: Dispatch) -> None:
        self.role = role
        self.dispatch = dispatch
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        super().__init__(("127.0.0.1", port), _Handler)

    def track(self, connection: socket.socket, *, add: bool) -> None:
        with self._connections_lock:
            if add:
                self._connections.add(connection)
            else:
                self._connections.discard(connection)

    def close_connections(self) -> None:
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Connections dropped by clients or faults are normal here; stay quiet."""


class Listener:
    """One listening socket on 127.0.0.1 serving one role (``api``, ``login`` or ``storage``)."""

    def __init__(self, port: int, role: str, dispatch: Dispatch) -> None:
        self.server = _Server(port, role, dispatch)
        self.port: int = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"


class ListenerGroup:
    """Several listeners served by one accept thread that stops at once when asked.

    ``serve_forever`` polls for shutdown; one selector with a wake-up socket pair stops all
    listeners immediately, which keeps a test's start-stop cost to a few milliseconds.
    """

    def __init__(self, listeners: list[Listener]) -> None:
        self.listeners = listeners
        self._wake_r, self._wake_w = socket.socketpair()
        self._thread = threading.Thread(target=self._run, name="fakeprocore-accept", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def _run(self) -> None:
        with selectors.DefaultSelector() as selector:
            selector.register(self._wake_r, selectors.EVENT_READ, None)
            for listener in self.listeners:
                selector.register(listener.server, selectors.EVENT_READ, listener.server)
            while True:
                for key, _ in selector.select():
                    if key.data is None:
                        return
                    key.data._handle_request_noblock()

    def stop(self) -> None:
        if self._thread.is_alive():
            self._wake_w.send(b"x")
            self._thread.join(timeout=5)
        for listener in self.listeners:
            listener.server.server_close()
            listener.server.close_connections()
        self._wake_r.close()
        self._wake_w.close()
