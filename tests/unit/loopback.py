"""A scriptable raw-socket HTTP/1.1 server on 127.0.0.1 for session and retry tests.

Each request takes the next action from a script (the last one repeats). Actions are plain
tuples, so tests read like a table:

- ``Reply(status, headers, body)``: a normal response (keep-alive);
- ``Reset()``: read the request, then close with a TCP RST (reset after send);
- ``Hang()``: read the request and never answer (the client's read timeout fires);
- ``Truncate(status, headers, body, declared)``: send fewer body bytes than Content-Length
  says, then close;
- ``Raw(send)``: hand the socket to ``send(conn, stop)``, which writes whatever it likes (an
  endless body, a drip, a compression bomb), then close;
- a callable ``(Recorded) -> action``: decide per request.

Every request is recorded (method, target, headers, body), so tests count attempts from the
server's side. ``closed_port()`` gives a port nothing listens on (connection refused).
"""

from __future__ import annotations

import contextlib
import socket
import struct
import threading
from collections.abc import Callable, Sequence
from typing import Optional, Union

import attrs


@attrs.frozen
class Reply:
    status: int = 200
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes = b"[]"


@attrs.frozen
class Reset:
    pass


@attrs.frozen
class Hang:
    pass


@attrs.frozen
class Truncate:
    status: int = 200
    headers: tuple[tuple[str, str], ...] = (("Content-Type", "application/json"),)
    body: bytes = b'{"id": 1, "na'
    declared: int = 100


@attrs.frozen
class Raw:
    send: Callable[[socket.socket, threading.Event], None]


@attrs.frozen
class Recorded:
    method: str
    target: str
    headers: dict[str, str]
    body: bytes

    def header(self, name: str) -> Optional[str]:
        for key, value in self.headers.items():
            if key.lower() == name.lower():
                return value
        return None


Action = Union[Reply, Reset, Hang, Truncate, Raw, Callable[[Recorded], "Action"]]

_REASONS = {
    200: "OK",
    201: "Created",
    204: "No Content",
    400: "Bad Request",
    401: "Unauthorized",
    404: "Not Found",
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}


def closed_port() -> int:
    """A loopback port with no listener: connecting to it is refused."""
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = int(probe.getsockname()[1])
    probe.close()
    return port


class LoopbackServer:
    """Serve a script of actions on 127.0.0.1; use as a context manager."""

    def __init__(self, script: Sequence[Action] = (Reply(),)) -> None:
        self.script = list(script)
        self.requests: list[Recorded] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(64)
        self.port = int(self._listener.getsockname()[1])
        self.url = f"http://127.0.0.1:{self.port}"
        self._threads: list[threading.Thread] = []
        self._conns: list[socket.socket] = []
        self._acceptor = threading.Thread(target=self._accept, daemon=True)

    def __enter__(self) -> LoopbackServer:
        self._acceptor.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._stop.set()
        self._listener.close()
        with self._lock:
            conns = list(self._conns)
        for conn in conns:
            # shutdown() wakes a handler blocked in recv; close() alone does not.
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
        for thread in self._threads:
            thread.join(timeout=2)

    def _next_action(self, recorded: Recorded) -> Action:
        with self._lock:
            index = len(self.requests) - 1
            action = self.script[min(index, len(self.script) - 1)]
        while callable(action) and not isinstance(action, (Reply, Reset, Hang, Truncate, Raw)):
            action = action(recorded)
        return action

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._listener.accept()
            except OSError:
                return
            with self._lock:
                self._conns.append(conn)
            thread = threading.Thread(target=self._serve, args=(conn,), daemon=True)
            self._threads.append(thread)
            thread.start()

    def _serve(self, conn: socket.socket) -> None:
        reader = conn.makefile("rb")
        try:
            while not self._stop.is_set():
                recorded = _read_request(reader)
                if recorded is None:
                    return
                with self._lock:
                    self.requests.append(recorded)
                action = self._next_action(recorded)
                if isinstance(action, Reset):
                    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                    return
                if isinstance(action, Hang):
                    self._stop.wait(30)
                    return
                if isinstance(action, Raw):
                    action.send(conn, self._stop)
                    return
                if isinstance(action, Truncate):
                    head = _head(action.status, action.headers, action.declared)
                    conn.sendall(head + action.body)
                    return
                assert isinstance(action, Reply)
                conn.sendall(_head(action.status, action.headers, len(action.body)) + action.body)
        except OSError:
            return
        finally:
            reader.close()
            with contextlib.suppress(OSError):
                conn.close()


def _head(status: int, headers: Sequence[tuple[str, str]], length: int) -> bytes:
    lines = [f"HTTP/1.1 {status} {_REASONS.get(status, 'Status')}"]
    names = {name.lower() for name, _ in headers}
    lines.extend(f"{name}: {value}" for name, value in headers)
    if "content-length" not in names:
        lines.append(f"Content-Length: {length}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def _read_request(reader: object) -> Optional[Recorded]:
    readline = reader.readline  # type: ignore[attr-defined]
    line = readline(65537)
    if not line:
        return None
    parts = line.decode("latin-1").split()
    if len(parts) < 2:
        return None
    method, target = parts[0], parts[1]
    headers: dict[str, str] = {}
    while True:
        raw = readline(65537)
        if not raw or raw in (b"\r\n", b"\n"):
            break
        name, _, value = raw.decode("latin-1").partition(":")
        headers[name.strip()] = value.strip()
    length = 0
    for name, value in headers.items():
        if name.lower() == "content-length":
            length = int(value)
    body = reader.read(length) if length else b""  # type: ignore[attr-defined]
    return Recorded(method=method, target=target, headers=headers, body=body)
