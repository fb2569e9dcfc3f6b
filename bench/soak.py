"""Soak: many threads through one ``ProcoreClient`` against FakeProcore with random faults.

Every thread mixes reads (``/me``, project and RFI lists with pagination, single vendors and
RFIs) with writes (POSTs creating vendors and RFIs, each with a unique name). The API host
answers 5% of requests with 503, resets 2% of connections before acting on them, answers 1%
with 429 (``Retry-After: 1``) and delays 1% by 50 ms. At the end the client's view of every
write is compared with the sandbox's data and request log.

Prints its figures and asserts nothing (``tests/hardening/test_soak.py`` runs a short version
and asserts them):

    python bench/soak.py [threads] [requests-per-thread] [seed]     # default: 50 1000 0

Retry waits are recorded but not slept (the retry policy's ``sleep`` is injected), so the run
measures the client, not the backoff.
"""

from __future__ import annotations

import collections
import json
import random
import sys
import threading
import time
from collections.abc import Mapping
from typing import Any, Callable, Optional

import attrs
import requests

from procore_dc import ProcoreClient, ProcoreError, RetryPolicy, ServiceAccountAuth
from procore_dc.testing import FakeProcore

COMPANY_ID = 8  # the first seeded company, where the default app is installed
PROJECT_ID = 100001  # its first project
VENDORS_PATH = "/rest/v1.0/vendors"
RFIS_PATH = f"/rest/v1.0/projects/{PROJECT_ID}/rfis"

#: (kind, fault options, probability) on every API request.
FAULTS: tuple[tuple[str, Mapping[str, Any], float], ...] = (
    ("status", {"status": 503}, 0.05),
    ("reset", {}, 0.02),
    ("status", {"status": 429, "headers": {"Retry-After": "1"}}, 0.01),
    ("delay", {"seconds": 0.05}, 0.01),
)
#: Share of operations that are writes (POSTs).
WRITE_SHARE = 0.3


@attrs.define
class SoakReport:
    """What one soak run saw; every count is checked by the CI test."""

    threads: int
    per_thread: int
    operations: int = 0
    succeeded: int = 0
    errors: dict[str, int] = attrs.field(factory=dict)
    #: errors that are not ProcoreError subclasses (must be empty)
    undocumented: list[str] = attrs.field(factory=list)
    api_requests: int = 0
    token_requests: int = 0
    logical_sends: int = 0
    retries: int = 0
    retry_waits: int = 0
    faults: dict[str, int] = attrs.field(factory=dict)
    writes: int = 0
    writes_accepted: int = 0
    writes_refused: int = 0
    #: POSTs reported as accepted whose record the sandbox does not hold (or holds twice)
    lost_writes: int = 0
    #: records the sandbox created for POSTs the client reported as failed
    unreported_writes: int = 0
    #: unique names the sandbox holds more than once
    duplicate_records: int = 0
    #: POSTs that reached the sandbox more than once for one unique name
    duplicate_posts: int = 0
    stuck_threads: int = 0
    wall_seconds: float = 0.0

    def lines(self) -> list[str]:
        """The report as aligned ``name: value`` lines."""
        fields = attrs.asdict(self)
        width = max(len(name) for name in fields)
        return [f"{name:<{width}} : {value}" for name, value in fields.items()]


class _Counter:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.value = 0

    def add(self, amount: int = 1) -> None:
        with self.lock:
            self.value += amount


def _sandbox_faults(sandbox: FakeProcore) -> None:
    for kind, options, probability in FAULTS:
        sandbox.faults.add("*", "/rest/*", kind, probability=probability, **options)


def _count_sends(http: requests.Session, counter: _Counter) -> None:
    """Count the session's logical sends (urllib3 retries happen below ``send``)."""
    send = http.send

    def counting(request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        counter.add()
        return send(request, **kwargs)

    http.send = counting  # type: ignore[method-assign]


def run_soak(
    threads: int = 50,
    per_thread: int = 1000,
    *,
    seed: int = 0,
    join_timeout: float = 600.0,
) -> SoakReport:
    """Run the soak and return its report.

    :param threads: worker threads sharing one client
    :param per_thread: operations per thread (reads and writes)
    :param seed: seeds the sandbox's faults and the workers' choices
    :param join_timeout: seconds to wait for the workers before counting them stuck
    """
    report = SoakReport(threads=threads, per_thread=per_thread)
    waits = _Counter()
    sends = _Counter()
    started = time.perf_counter()
    with FakeProcore(seed=seed, rate_limits=None) as sandbox:
        _sandbox_faults(sandbox)
        app = sandbox.default_app
        auth = ServiceAccountAuth(app.client_id, app.client_secret, environment=sandbox.environment)

        def no_sleep(_seconds: float) -> None:
            waits.add()

        retry = RetryPolicy(sleep=no_sleep, random=random.Random(seed).random)
        client = ProcoreClient(auth, company_id=COMPANY_ID, retry=retry, timeout=(5, 30))
        client.session.requests_session.trust_env = False
        _count_sends(client.session.requests_session, sends)
        company = client.company(COMPANY_ID)
        project = company.project(PROJECT_ID)
        vendor_ids = [v["id"] for v in sandbox.data.vendors.of(COMPANY_ID)[:20]]
        rfi_ids = [r["id"] for r in sandbox.data.rfis.of(PROJECT_ID)[:20]]
        manager = sandbox.default_user_id

        reads: list[Callable[[random.Random], Any]] = [
            lambda rng: client.me(),
            lambda rng: company.projects.list(per_page=5, limit=5).to_list(),
            lambda rng: project.rfis.list(per_page=20, limit=40).to_list(),
            lambda rng: company.vendors.get(rng.choice(vendor_ids)),
            lambda rng: project.rfis.get(rng.choice(rfi_ids)),
        ]
        lock = threading.Lock()
        # unique tag -> id the client was told, or None when the call raised
        written: dict[str, Optional[int]] = {}
        errors: collections.Counter[str] = collections.Counter()
        undocumented: list[str] = []
        succeeded = _Counter()

        def work(index: int) -> None:
            rng = random.Random(seed * 1_000_003 + index)
            for number in range(per_thread):
                tag = f"soak-{index}-{number}"
                write: Optional[str] = None
                if rng.random() < WRITE_SHARE:
                    write = "vendor" if rng.random() < 0.5 else "rfi"
                try:
                    if write is None:
                        rng.choice(reads)(rng)
                    elif write == "vendor":
                        vendor = company.vendors.create(f"Soak vendor {tag}", origin_id=tag)
                        with lock:
                            written[f"vendor:{tag}"] = vendor.id
                    else:
                        rfi = project.rfis.create(
                            f"Soak RFI {tag}", question="Still standing?", rfi_manager_id=manager
                        )
                        with lock:
                            written[f"rfi:{tag}"] = rfi.id
                    succeeded.add()
                except ProcoreError as exc:
                    with lock:
                        errors[type(exc).__name__] += 1
                        if write is not None:
                            written.setdefault(f"{write}:{tag}", None)
                except Exception as exc:  # counted: the run must show zero of these
                    with lock:
                        undocumented.append(f"{type(exc).__name__}: {exc}")

        workers = [
            threading.Thread(target=work, args=(i,), name=f"soak-{i}", daemon=True)
            for i in range(threads)
        ]
        for worker in workers:
            worker.start()
        deadline = time.monotonic() + join_timeout
        for worker in workers:
            worker.join(max(0.0, deadline - time.monotonic()))
        report.stuck_threads = sum(worker.is_alive() for worker in workers)
        report.wall_seconds = round(time.perf_counter() - started, 2)
        client.close()

        report.operations = threads * per_thread
        report.succeeded = succeeded.value
        report.errors = dict(sorted(errors.items()))
        report.undocumented = undocumented
        report.retry_waits = waits.value
        report.logical_sends = sends.value
        _compare_writes(sandbox, written, report)
    return report


def _tag_of(text: Any) -> Optional[str]:
    if isinstance(text, str) and "soak-" in text:
        return text[text.index("soak-") :]
    return None


def _compare_writes(
    sandbox: FakeProcore, written: Mapping[str, Optional[int]], report: SoakReport
) -> None:
    log = sandbox.requests
    api = [r for r in log if r.role == "api"]
    report.api_requests = len(api)
    report.token_requests = sum(1 for r in log if r.role == "login" and r.path == "/oauth/token")
    report.retries = report.api_requests - report.logical_sends
    seen = collections.Counter(
        f"{r.fault} {r.status}" if r.fault == "status" else str(r.fault) for r in api if r.fault
    )
    report.faults = dict(sorted(seen.items()))

    # Every POST that reached the sandbox, by unique tag.
    posts: collections.Counter[str] = collections.Counter()
    for record in api:
        if record.method != "POST":
            continue
        body = json.loads(record.body or b"{}")
        if record.path == VENDORS_PATH:
            posts[f"vendor:{_tag_of(body['vendor']['name'])}"] += 1
        elif record.path == RFIS_PATH:
            posts[f"rfi:{_tag_of(body['rfi']['subject'])}"] += 1
    report.duplicate_posts = sum(1 for count in posts.values() if count > 1)

    # What the sandbox holds.
    stored: dict[str, list[int]] = collections.defaultdict(list)
    with sandbox.data.lock:
        for vendor in sandbox.data.vendors.of(COMPANY_ID):
            tag = _tag_of(vendor.get("name"))
            if tag:
                stored[f"vendor:{tag}"].append(vendor["id"])
        for rfi in sandbox.data.rfis.of(PROJECT_ID):
            tag = _tag_of(rfi.get("subject"))
            if tag:
                stored[f"rfi:{tag}"].append(rfi["id"])
    report.duplicate_records = sum(1 for ids in stored.values() if len(ids) > 1)

    report.writes = len(written)
    report.writes_accepted = sum(1 for value in written.values() if value is not None)
    report.writes_refused = report.writes - report.writes_accepted
    for key, told in written.items():
        held = stored.get(key, [])
        if told is not None and held != [told]:
            report.lost_writes += 1
        if told is None and held:
            report.unreported_writes += 1
    # Records for writes the client never heard about at all (a thread died mid-call).
    report.unreported_writes += sum(1 for key in stored if key not in written)


def main(argv: list[str]) -> int:
    threads = int(argv[1]) if len(argv) > 1 else 50
    per_thread = int(argv[2]) if len(argv) > 2 else 1000
    seed = int(argv[3]) if len(argv) > 3 else 0
    print(f"soak: {threads} threads x {per_thread} operations, seed {seed}, faults:")
    for kind, options, probability in FAULTS:
        print(f"  {probability:.0%} {kind} {dict(options) or ''}")
    report = run_soak(threads, per_thread, seed=seed)
    for line in report.lines():
        print(line)
    ok = (
        report.stuck_threads == 0
        and not report.undocumented
        and report.lost_writes == 0
        and report.unreported_writes == 0
        and report.duplicate_posts == 0
        and report.duplicate_records == 0
    )
    print("result:", "ok" if ok else "PROBLEMS FOUND")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
