"""A minimal HTTP/1.1 keep-alive server on 127.0.0.1 for the benchmarks.

A raw socket loop: each connection gets a thread, Nagle is off, and every request (no bodies
here: a header block ends one) is answered with the bytes ``answer(target)`` returns, in one
write. Nothing else happens per request, so the server's cost never hides the client's.
"""

from __future__ import annotations

import socket
import threading
from typing import Callable

#: Builds the whole response (status line, headers and body) for a request target.
Answer = Callable[[str], bytes]


class KeepAliveServer:
    """Serve ``answer`` on 127.0.0.1 until :meth:`close`; ``url`` says where."""

    def __init__(self, answer: Answer) -> None:
        self._answer = answer
        self._listener = socket.socket()
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(128)
        self.port: int = self._listener.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self._listener.accept()
            except OSError:
                return
            conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        buffer = b""
        with conn:
            while True:
                try:
                    chunk = conn.recv(65536)
                except OSError:
                    return
                if not chunk:
                    return
                buffer += chunk
                while b"\r\n\r\n" in buffer:
                    head, buffer = buffer.split(b"\r\n\r\n", 1)
                    target = head.split(b"\r\n", 1)[0].split()[1].decode()
                    conn.sendall(self._answer(target))

    def wait(self) -> None:
        """Block until the server is closed (for a server running in its own process)."""
        self._thread.join()

    def close(self) -> None:
        self._listener.close()
