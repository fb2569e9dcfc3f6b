"""What a hostile server costs the client: peak memory per huge body, time per stalled call.

Memory (issue #12 item 1). A server on 127.0.0.1 answers with a 200 MiB JSON body, a 200 MiB
error page, a gzip bomb (about 200 KiB on the wire, 200 MiB decoded) and a 200 MiB token
answer. Each call runs in its own child process, which reports its peak RSS
(``VmHWM``) above its baseline (taken after imports and set-up, just before the call) and
the exception it got. Target: every peak under 100 MiB above the baseline, every call ending
in a ``TransportError`` (``ResponseTooLargeError``) or ``OAuthError``.

Time (item 6). A body that drips one byte every 0.2 s and a server that never answers, with
``Session(timeout=(10, 60), deadline=D)``: the wall time of the call next to ``D``. Target:
``TimeoutError`` at about ``D`` (without the deadline the drip would take 200 s per KiB and
the black hole 4 x 60 s).

Prints figures; asserts nothing. Run: ``python bench/hostile.py [--mib 200] [--deadline 2]``.
"""

from __future__ import annotations

import argparse
import gzip
import json
import resource
import subprocess
import sys
import threading
import time
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

MiB = 1024 * 1024
CHUNK = b"[" + b"1," * (32 * 1024 - 1)  # 64 KiB of a JSON array that never closes
MEMORY = ("body", "error", "bomb", "token")


class Hostile(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    mib = 200
    bomb = b""

    def log_message(self, *args: Any) -> None:
        pass

    def _endless(self, status: int, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(self.mib * MiB))
        self.end_headers()
        try:
            for _ in range(self.mib * MiB // len(CHUNK)):
                self.wfile.write(CHUNK)
        except OSError:
            pass  # the client hung up: what it should do

    def do_GET(self) -> None:
        if self.path == "/body":
            self._endless(200, "application/json")
        elif self.path == "/error":
            self._endless(500, "text/html")
        elif self.path == "/bomb":
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Encoding", "gzip")
            self.send_header("Content-Length", str(len(self.bomb)))
            self.end_headers()
            self.wfile.write(self.bomb)
        elif self.path == "/drip":
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", "1000000")
            self.end_headers()
            try:
                for _ in range(1000):
                    self.wfile.write(b" ")
                    self.wfile.flush()
                    time.sleep(0.2)
            except OSError:
                pass
        elif self.path == "/hole":
            time.sleep(30)  # never answers within the deadline
        else:
            self.send_error(404)

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self._endless(200, "application/json")  # the token endpoint


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client hanging up mid-body is the point


def child(scenario: str, url: str, deadline: float) -> None:
    """Run one call in this (child) process and print what it cost as JSON."""
    from procore_dc import (
        Environment,
        MemoryTokenStore,
        RetryPolicy,
        ServiceAccountAuth,
        Session,
        Token,
    )

    environment = Environment.local(url)
    token = Token("bench-token", expires_at=datetime.now(timezone.utc) + timedelta(hours=1))
    auth = ServiceAccountAuth(
        "id", "secret", environment=environment, store=MemoryTokenStore(token)
    )
    # One attempt for the memory figures; the default four for the deadline figures.
    retry = RetryPolicy(max_attempts=1) if scenario in MEMORY else RetryPolicy()
    session = Session(auth, company_id=1, retry=retry, deadline=deadline)
    baseline = _rss_kib("VmHWM")
    started = time.perf_counter()
    try:
        if scenario == "token":
            ServiceAccountAuth("id", "secret", environment=environment).ensure_valid()
        else:
            session.get_json("/" + scenario)
        outcome = "no error"
    except Exception as exc:
        outcome = f"{type(exc).__module__}.{type(exc).__name__}"
    elapsed = time.perf_counter() - started
    peak = _rss_kib("VmHWM")
    figures = {"baseline_kib": baseline, "peak_kib": peak, "outcome": outcome, "elapsed": elapsed}
    print(json.dumps(figures))


def _rss_kib(field: str) -> int:
    """The peak RSS of this process image in KiB.

    ``/proc/self/status`` VmHWM belongs to the process image, so it starts afresh at exec;
    ``ru_maxrss`` would carry the parent's peak (the parent holds the 200 MiB bomb source).
    """
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:  # not Linux
        pass
    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)


def run_child(scenario: str, url: str, deadline: float) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, __file__, "--child", scenario, url, str(deadline)],
        capture_output=True,
        text=True,
        timeout=600,
        check=True,
    )
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mib", type=int, default=200, help="size of each hostile body")
    parser.add_argument("--deadline", type=float, default=2.0, help="Session(deadline=...)")
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        scenario, url, deadline = args.child
        child(scenario, url, float(deadline))
        return
    Hostile.mib = args.mib
    Hostile.bomb = gzip.compress(b" " * (args.mib * MiB), 9)
    server = _QuietServer(("127.0.0.1", 0), Hostile)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    print("memory: peak RSS above baseline, one child process per call (target < 100 MiB)")
    labels = {
        "body": f"{args.mib} MiB JSON body",
        "error": f"{args.mib} MiB error page (500)",
        "bomb": f"gzip bomb ({len(Hostile.bomb) // 1024} KiB -> {args.mib} MiB)",
        "token": f"{args.mib} MiB token answer",
    }
    for scenario, label in labels.items():
        got = run_child(scenario, url, 120.0)
        above = (got["peak_kib"] - got["baseline_kib"]) / 1024
        print(f"  {label:<36} +{above:6.1f} MiB  {got['outcome']}")
    print(f"time: Session(timeout=(10, 60), deadline={args.deadline:g}), RetryPolicy()")
    for scenario, label in (("drip", "body dripping 1 byte / 0.2 s"), ("hole", "no answer")):
        got = run_child(scenario, url, args.deadline)
        print(f"  {label:<36} {got['elapsed']:6.2f} s  {got['outcome']}")
    server.shutdown()


if __name__ == "__main__":
    main()
