"""Pagination: parallel prefetch against sequential paging, and memory while iterating.

A page server runs in a child process (so its allocations stay out of ``tracemalloc``): a
threaded keep-alive loop on 127.0.0.1 that pages like Procore (``Total``, ``Per-Page``,
``Link rel="next"``) over RFI-shaped items and sleeps ``delay`` milliseconds before each answer.

1. 10,000 items at 100 per page with 20 ms of server latency: ``prefetch=4`` against
   ``prefetch=1`` (sequential). Target: at least 3x faster.
2. Peak traced memory while iterating 100,000 items (1,000 pages, no latency), against the
   peak of fetching and holding one page. Target: within two pages' worth.

Prints figures; asserts nothing. Run: ``python bench/pagination.py``.
"""

from __future__ import annotations

import argparse
import gc
import json
import subprocess
import sys
import threading
import time
import tracemalloc
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from _keepalive import KeepAliveServer

from procore_dc import Environment, RetryPolicy, Session
from procore_dc.pagination import PageIterator

PATH = "/rest/v1.0/projects/1/rfis"


def _item(n: int) -> dict[str, Any]:
    return {
        "id": 1_000_000 + n,
        "number": str(n),
        "subject": f"Clarify door hardware schedule, level {n % 40}",
        "status": ("draft", "open", "closed")[n % 3],
        "due_date": "2026-03-01",
        "created_at": "2026-01-05T12:00:00Z",
        "updated_at": "2026-01-06T08:30:00Z",
        "assignee": {"id": 5000 + n % 17, "login": f"user{n % 17}@example.com"},
        "question": {"body": "Which hinge applies to the fire doors on this level? " * 2},
        "cost_impact": {"status": "tbd", "value": None},
    }


# -- the page server (child process) --------------------------------------------------------


def serve(total: int) -> None:
    cache: dict[tuple[int, int], bytes] = {}
    lock = threading.Lock()

    def page_body(page: int, per_page: int) -> bytes:
        key = (page, per_page)
        with lock:
            body = cache.get(key)
        if body is None:
            start = (page - 1) * per_page
            items = [_item(n) for n in range(start, min(start + per_page, total))]
            body = json.dumps(items).encode()
            with lock:
                cache[key] = body
        return body

    def answer(target: str) -> bytes:
        parts = urlsplit(target)
        query = dict(parse_qsl(parts.query))
        page = int(query.pop("page", "1"))
        per_page = int(query.pop("per_page", "100"))
        delay = int(query.get("delay_ms", "0"))
        if delay:
            time.sleep(delay / 1000)
        body = page_body(page, per_page)
        links = []
        if page * per_page < total:
            rest = urlencode({**query, "page": page + 1, "per_page": per_page})
            links.append(f'<{parts.path}?{rest}>; rel="next"')
        head = (
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\nTotal: {total}\r\nPer-Page: {per_page}\r\n"
            + (f"Link: {', '.join(links)}\r\n" if links else "")
            + "\r\n"
        )
        return head.encode() + body

    server = KeepAliveServer(answer)
    sys.stdout.write(f"{server.port}\n")
    sys.stdout.flush()
    server.wait()


class _NoAuth:
    """A stand-in strategy: this benchmark measures paging, not tokens."""

    requires_company_id = False

    def __init__(self, environment: Environment) -> None:
        self.environment = environment

    def __call__(self, r: Any) -> Any:
        return r

    def refresh(self, *args: Any, **kwargs: Any) -> None:
        return None


def start_server(total: int) -> tuple[subprocess.Popen[str], str]:
    child = subprocess.Popen(
        [sys.executable, __file__, "--serve", str(total)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None
    port = int(child.stdout.readline())
    return child, f"http://127.0.0.1:{port}"


def session_for(url: str) -> Session:
    env = Environment.local(url)
    return Session(_NoAuth(env), retry=RetryPolicy(), pace=False)  # type: ignore[arg-type]


def speed(items: int, per_page: int, delay_ms: int, prefetch: int) -> None:
    child, url = start_server(items)
    try:
        session = session_for(url)
        params = {"delay_ms": delay_ms}
        PageIterator(session, PATH, params=params, per_page=per_page, limit=1).to_list()  # warm up
        timings = {}
        for mode in (1, prefetch):
            started = time.perf_counter()
            got = PageIterator(session, PATH, params=params, per_page=per_page, prefetch=mode)
            count = sum(1 for _ in got)
            timings[mode] = time.perf_counter() - started
            assert count == items
        print(
            f"{items:,} items, {per_page}/page, {delay_ms} ms server latency "
            f"({-(-items // per_page)} pages)"
        )
        print(f"  sequential (prefetch=1) : {timings[1]:7.3f} s")
        print(f"  prefetch={prefetch:<2}             : {timings[prefetch]:7.3f} s")
        print(f"  speed-up                : {timings[1] / timings[prefetch]:7.2f}x (target >= 3x)")
        session.close()
    finally:
        child.kill()
        child.wait()


def memory(items: int, per_page: int) -> None:
    child, url = start_server(items)
    try:
        session = session_for(url)
        session.get_json(PATH, params={"page": 1, "per_page": per_page})  # warm pools, caches
        gc.collect()
        tracemalloc.start()
        base = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        held = session.get_json(PATH, params={"page": 2, "per_page": per_page})
        one_page = tracemalloc.get_traced_memory()[1] - base
        del held
        gc.collect()
        results = {}
        for prefetch in (1, 4):
            base = tracemalloc.get_traced_memory()[0]
            tracemalloc.reset_peak()
            count = 0
            for _item in PageIterator(session, PATH, per_page=per_page, prefetch=prefetch):
                count += 1
            assert count == items
            results[prefetch] = tracemalloc.get_traced_memory()[1] - base
            gc.collect()
        tracemalloc.stop()
        print(f"peak traced memory, {items:,} items at {per_page}/page (no latency)")
        print(f"  one page fetched and held      : {one_page / 1024:8.1f} KiB")
        print(
            f"  iterating, sequential          : {results[1] / 1024:8.1f} KiB = "
            f"{results[1] / one_page:4.2f} pages (target <= 2)"
        )
        print(
            f"  iterating, prefetch=4          : {results[4] / 1024:8.1f} KiB = "
            f"{results[4] / one_page:4.2f} pages (up to 4 in flight by design)"
        )
        session.close()
    finally:
        child.kill()
        child.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--serve", type=int, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--memory-items", type=int, default=100_000)
    parser.add_argument("--delay-ms", type=int, default=20)
    args, _ = parser.parse_known_args()
    if args.serve is not None:
        serve(args.serve)
        return
    speed(args.items, 100, args.delay_ms, 4)
    print()
    memory(args.memory_items, 100)


if __name__ == "__main__":
    main()
