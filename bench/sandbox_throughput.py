"""Small GETs per second over one keep-alive ``requests`` connection: FakeProcore against a
bare werkzeug app that returns a fixed body. Prints figures; asserts nothing.

    python bench/sandbox_throughput.py [seconds]
"""

from __future__ import annotations

import logging
import sys
import threading
import time

import requests
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from procore_dc.operation_permissions import permission_block
from procore_dc.testing import FakeProcore


def measure(session: requests.Session, url: str, headers: dict[str, str], seconds: float) -> float:
    for _ in range(20):  # warm up, open the connection
        session.get(url, headers=headers, timeout=5).raise_for_status()
    count, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        session.get(url, headers=headers, timeout=5).raise_for_status()
        count += 1
    return count / (time.perf_counter() - start)


def bare_app(environ: dict[str, object], start_response: object) -> object:
    Request(environ)
    return Response(
        '{"id": 1, "login": "a@example.com", "name": "A"}', mimetype="application/json"
    )(environ, start_response)


def main() -> None:
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 3.0
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # its access log would be measured
    server = make_server("127.0.0.1", 0, bare_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    with requests.Session() as session:
        session.trust_env = False
        bare = measure(session, f"http://127.0.0.1:{server.server_port}/me", {}, seconds)
    server.shutdown()

    with FakeProcore(rate_limits=None) as sandbox:
        token = sandbox.issue_token(user_id=None)["access_token"]
        headers = {"Authorization": f"Bearer {token}", "Procore-Company-Id": "8"}
        with requests.Session() as session:
            session.trust_env = False
            me = measure(session, f"{sandbox.api_url}/rest/v1.0/me", headers, seconds)
            rfi = measure(
                session,
                f"{sandbox.api_url}/rest/v1.0/projects/100001/rfis?per_page=1",
                headers,
                seconds,
            )
            # A generic-engine list: no hand-written handler, shaped by Procore's spec.
            app = sandbox.create_app(permissions=permission_block("readonly"))
            sandbox.install(app, 8)
            token = sandbox.issue_token(app, user_id=None)["access_token"]
            generic = measure(
                session,
                f"{sandbox.api_url}/rest/v1.0/punch_items?project_id=100001&per_page=1",
                {**headers, "Authorization": f"Bearer {token}"},
                seconds,
            )
    print(f"bare werkzeug app (make_server threaded): {bare:8.0f} GETs/s")
    print(f"FakeProcore GET /rest/v1.0/me:            {me:8.0f} GETs/s ({me / bare:.0%} of bare)")
    print(f"FakeProcore GET rfis?per_page=1:          {rfi:8.0f} GETs/s ({rfi / bare:.0%} of bare)")
    print(
        f"FakeProcore GET punch_items?per_page=1:   {generic:8.0f} GETs/s "
        f"({generic / bare:.0%} of bare, {generic / rfi:.0%} of the RFI page)"
    )


if __name__ == "__main__":
    main()
