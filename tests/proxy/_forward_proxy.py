"""A minimal HTTP forward proxy on loopback that records what it forwards, for the proxy tests.

Why not proxy.py: its worker keeps the upstream connection of a client connection, so a second
request on the same keep-alive connection to the proxy, for another host, is forwarded to the
first host (seen with proxy.py 2.4 and urllib3 2, which pools connections per proxy). That
would hide exactly what these tests look for: which host a request, and its token, reaches.

This one handles absolute-form requests (``GET http://host:port/path``) only, one upstream
connection per request, and keeps each request's method, target and headers in :attr:`seen`.
"""

from __future__ import annotations

import http.client
import http.server
import threading
from typing import Any
from urllib.parse import urlsplit

_HOP_BY_HOP = {"connection", "keep-alive", "proxy-authorization", "proxy-connection", "te"}


class ForwardProxy:
    """Serve on 127.0.0.1 until :meth:`close`; ``url`` is the proxy URL to configure."""

    def __init__(self) -> None:
        self.seen: list[dict[str, Any]] = []
        owner = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _forward(self) -> None:
                target = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                owner.seen.append(
                    {
                        "method": self.command,
                        "target": target.netloc,
                        "path": target.path,
                        "headers": dict(self.headers.items()),
                    }
                )
                headers = {k: v for k, v in self.headers.items() if k.lower() not in _HOP_BY_HOP}
                upstream = http.client.HTTPConnection(
                    target.hostname, target.port or 80, timeout=10
                )
                try:
                    path = target.path + (f"?{target.query}" if target.query else "")
                    upstream.request(self.command, path or "/", body=body, headers=headers)
                    answer = upstream.getresponse()
                    content = answer.read()
                finally:
                    upstream.close()
                self.send_response_only(answer.status, answer.reason)
                for name, value in answer.getheaders():
                    if name.lower() not in _HOP_BY_HOP | {"transfer-encoding", "content-length"}:
                        self.send_header(name, value)
                self.send_header("Content-Length", str(len(content)))
                self.end_headers()
                self.wfile.write(content)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _forward  # noqa: N815

            def log_message(self, *args: Any) -> None:
                pass

        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
