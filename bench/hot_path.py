"""The per-call cost of a Session next to plain requests, the import cost, and where a call goes.

Every figure is a ratio of two things measured side by side in this one run. The machine may be
shared, so the clients take turns call by call (ABAB, the first one rotating round by round),
every call is timed, and the medians of all calls are compared, with the spread of the
per-round ratios beside them; the load average is printed before and after. The process is
pinned to one CPU (``--no-pin`` to leave it to the scheduler): the servers here run in threads
of this process, and whether the scheduler puts a server thread on the client's core or the
other one changes every client's time by up to a tenth, differently in every run.

1. ``Session.get_json`` against a default ``requests.Session()`` (which re-reads proxy
   variables, ``.netrc`` and CA-bundle variables on every call) and against one with
   ``trust_env = False`` (the floor), on a minimal keep-alive server on 127.0.0.1 (a raw socket
   loop: the server's cost does not hide the client's). Targets: <= 0.85x and <= 1.05x.
2. Listing a company's projects on ``FakeProcore`` (``client.company(8).projects.list()``,
   typed models) against the same listing through plain requests (following ``Link:
   rel="next"``) and through pyprocore when it is installed. Target: <= 0.9x the faster.
   The sandbox's company has 4 projects (one page); ``--projects 250`` lists three pages of
   100. A profile of the SDK's listing follows, by package.
3. What a first call imports (``from procore_dc import ServiceAccountAuth, Session``; a bare
   ``import procore_dc`` loads nothing) against ``import requests, attrs, cattrs`` in fresh
   interpreters. Target: <= 1.3x.
4. A profile of ``get_json`` calls: microseconds per call in the SDK's own code, in requests,
   in urllib3, in the socket and in the rest (http.client, json, ...).

Run: ``python bench/hot_path.py [--calls 200] [--rounds 15] [--imports 15] [--projects 0]``.
"""

from __future__ import annotations

import argparse
import compileall
import cProfile
import gc
import os
import pstats
import statistics
import subprocess
import sys
import time
from typing import Callable

import requests
from _keepalive import KeepAliveServer
from session_overhead import RESPONSE

import procore_dc
from procore_dc import Environment, ProcoreClient, ServiceAccountAuth, Session


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.2f} (1 min), {five:.2f} (5 min) on {os.cpu_count()} CPUs"


def pin(*, enabled: bool) -> None:
    """Pin this process (clients and in-process servers alike) to one CPU, and say so."""
    if not enabled or not hasattr(os, "sched_setaffinity"):
        print("not pinned: the scheduler places the client and server threads")
        return
    cpu = max(os.sched_getaffinity(0))
    os.sched_setaffinity(0, {cpu})
    print(f"pinned to CPU {cpu}: the clients and the in-process servers take turns on it")


def interleaved(
    clients: dict[str, Callable[[], object]], calls: int, rounds: int
) -> dict[str, tuple[float, float, list[float]]]:
    """Median wall and CPU seconds per call of each client, and each client's per-round
    median wall time.

    The clients take turns call by call (A B A B ..., the first client rotating round by
    round), and every call is timed on its own: this machine's speed drifts by a third within
    a second, so only calls made next to each other see the same machine. Each round starts
    from a collected heap, so a full collection that earlier rounds made due (the sandbox's
    request log grows with every call) does not land on one client. The CPU time is this
    process's: the client, plus the server when it runs in a thread here.
    """
    for call in clients.values():
        call()  # warm the pools and the token
    names = list(clients)
    wall: dict[str, list[float]] = {name: [] for name in names}
    cpu: dict[str, list[float]] = {name: [] for name in names}
    per_round: dict[str, list[float]] = {name: [] for name in names}
    clock, cpu_clock = time.perf_counter, time.process_time
    for r in range(rounds):
        order = [
            (name, clients[name]) for name in names[r % len(names) :] + names[: r % len(names)]
        ]
        this_round: dict[str, list[float]] = {name: [] for name in names}
        gc.collect()
        for _ in range(calls):
            for name, call in order:
                started, started_cpu = clock(), cpu_clock()
                call()
                cpu[name].append(cpu_clock() - started_cpu)
                this_round[name].append(clock() - started)
        for name in names:
            wall[name] += this_round[name]
            per_round[name].append(statistics.median(this_round[name]))
    return {
        name: (statistics.median(wall[name]), statistics.median(cpu[name]), per_round[name])
        for name in names
    }


def show(medians: dict[str, tuple[float, float, list[float]]], ours: str) -> None:
    for name, (wall, cpu, _rounds) in medians.items():
        print(f"  {name:<38} {wall * 1e6:8.1f} us/call wall, {cpu * 1e6:8.1f} us/call CPU")
    mine = medians[ours]
    for name, (wall, cpu, rounds) in medians.items():
        if name != ours:
            paired = sorted(a / b for a, b in zip(mine[2], rounds))
            print(
                f"  ratio {ours} / {name}: {mine[0] / wall:.3f} wall, {mine[1] / cpu:.3f} CPU"
                f" (per-round wall ratios {paired[0]:.2f}-{paired[-1]:.2f},"
                f" median {statistics.median(paired):.3f})"
            )


def minimal_server(calls: int, rounds: int) -> None:
    server = KeepAliveServer(lambda _target: RESPONSE)
    auth = ServiceAccountAuth("bench", "secret", environment=Environment.local(server.url))
    session = Session(auth, company_id=8)
    token = auth.ensure_valid().access_token
    headers = {"Authorization": f"Bearer {token}", "Procore-Company-Id": "8"}
    url = f"{server.url}/rest/v1.0/me"
    default = requests.Session()
    floor = requests.Session()
    floor.trust_env = False
    print(f"1. {calls} GETs each per round, {rounds} rounds, minimal keep-alive server (medians)")
    medians = interleaved(
        {
            "requests.Session()": lambda: default.get(url, headers=headers).json(),
            "requests.Session(), trust_env=False": lambda: floor.get(url, headers=headers).json(),
            "Session.get_json": lambda: session.get_json("/rest/v1.0/me"),
        },
        calls,
        rounds,
    )
    show(medians, "Session.get_json")
    print("  targets: <= 0.85 against requests.Session(), <= 1.05 against trust_env=False")
    profile(lambda: session.get_json("/rest/v1.0/me"), calls * 10, "Session.get_json calls")
    session.close()
    default.close()
    floor.close()
    server.close()


def _bucket(filename: str) -> str:
    if f"{os.sep}procore_dc{os.sep}" in filename:
        return "procore_dc"
    if f"{os.sep}requests{os.sep}" in filename:
        return "requests"
    if f"{os.sep}urllib3{os.sep}" in filename:
        return "urllib3"
    return "other"


def profile(
    call: Callable[[], object],
    calls: int,
    what: str,
    timer: Callable[[], float] = time.perf_counter,
) -> None:
    """Own time per call by package; socket methods (send/recv) are their own bucket."""
    profiler = cProfile.Profile(timer)
    profiler.enable()
    for _ in range(calls):
        call()
    profiler.disable()
    totals: dict[str, float] = {}
    stats = pstats.Stats(profiler).stats  # type: ignore[attr-defined]
    for (filename, _line, name), (_cc, _nc, own, _cum, _callers) in stats.items():
        if (filename == "~" and "socket" in name) or filename.endswith(
            (f"{os.sep}socket.py", f"{os.sep}ssl.py")
        ):
            bucket = "socket"
        else:
            bucket = _bucket(filename)
        totals[bucket] = totals.get(bucket, 0.0) + own
    whole = sum(totals.values())
    print(f"  profile of {calls} {what} (cProfile inflates every figure):")
    for bucket in ("procore_dc", "requests", "urllib3", "socket", "other"):
        seconds = totals.get(bucket, 0.0)
        print(f"    {bucket:<11} {seconds / calls * 1e6:7.1f} us/call  ({seconds / whole:5.1%})")


def listing(calls: int, rounds: int, projects: int = 0) -> None:
    try:
        from procore_dc.testing import FakeProcore
    except ImportError as exc:  # pragma: no cover - without the sandbox extra
        print(f"2. skipped: FakeProcore unavailable ({exc})")
        return
    sizes = {"projects": projects} if projects else None  # 0: the sandbox's default company
    with FakeProcore(seed=0, rate_limits=None, sizes=sizes) as sandbox:
        app = sandbox.default_app
        auth = ServiceAccountAuth(app.client_id, app.client_secret, environment=sandbox.environment)
        client = ProcoreClient(auth)
        company = client.company(8)
        token = auth.ensure_valid().access_token
        headers = {"Authorization": f"Bearer {token}", "Procore-Company-Id": "8"}
        plain = requests.Session()

        def through_requests() -> list:
            url: str | None = f"{sandbox.api_url}/rest/v1.0/projects"
            params: dict | None = {"company_id": 8, "per_page": 100}
            items: list = []
            while url:
                response = plain.get(url, params=params, headers=headers)
                response.raise_for_status()
                items.extend(response.json())
                url, params = response.links.get("next", {}).get("url"), None
            return items

        clients: dict[str, Callable[[], object]] = {
            "plain requests": through_requests,
            "procore_dc projects.list()": lambda: list(company.projects.list()),
        }
        if sys.version_info < (3, 12):
            print(f"  pyprocore skipped: it needs Python >= 3.12, this is {sys.version.split()[0]}")
        else:  # pragma: no cover - depends on what is installed
            try:
                from pyprocore import Procore  # type: ignore[import-not-found]
            except ImportError:
                print("  pyprocore skipped: not installed (pip install pyprocore)")
            else:
                # Its listing call was not available to check on the machine this script was
                # written on (no network, no wheel), so it is named rather than guessed at.
                print("  pyprocore is installed, but this script does not drive it yet")
                del Procore
        n = len(clients["procore_dc projects.list()"]())  # type: ignore[arg-type]
        print(
            f"2. listing company 8's {n} projects on FakeProcore, {calls} each per round (medians)"
        )
        medians = interleaved(clients, calls, rounds)
        show(medians, "procore_dc projects.list()")
        print("  target: <= 0.9 against the faster")
        # Timed in this thread's CPU: with wall time, the in-process server's work while the
        # client waits in recv would be counted as the client's socket time.
        profile(
            clients["procore_dc projects.list()"],
            calls * 4,
            "projects.list() listings, client thread CPU",
            time.thread_time,
        )
        client.close()
        plain.close()


def imports(runs: int) -> None:
    # requests, attrs and cattrs were byte-compiled when pip installed them; an editable
    # checkout of procore_dc may not be (PYTHONDONTWRITEBYTECODE), and compiling its source on
    # every import would be measured instead of importing it.
    compileall.compile_dir(os.path.dirname(procore_dc.__file__), quiet=1)
    code = (
        "import time; t, c = time.perf_counter(), time.process_time(); {}; "
        "print(time.perf_counter() - t, time.process_time() - c)"
    )
    # `import procore_dc` alone loads nothing (every public name is lazy), so the fair figure
    # is what a first call needs: the Session and an auth strategy.
    subjects = {
        "requests + attrs + cattrs": "import requests, attrs, cattrs",
        "procore_dc": "from procore_dc import ServiceAccountAuth, Session",
    }
    wall: dict[str, list[float]] = {name: [] for name in subjects}
    cpu: dict[str, list[float]] = {name: [] for name in subjects}
    for _ in range(runs):
        for name, modules in subjects.items():
            out = subprocess.run(
                [sys.executable, "-c", code.format(modules)],
                capture_output=True,
                text=True,
                check=True,
            )
            seconds, cpu_seconds = (float(x) for x in out.stdout.split())
            wall[name].append(seconds)
            cpu[name].append(cpu_seconds)
    print(f"3. import time in fresh interpreters, {runs} runs each, alternating")
    for name in subjects:
        print(
            f"  {name:<26} wall best {min(wall[name]) * 1e3:6.1f} ms, median "
            f"{statistics.median(wall[name]) * 1e3:6.1f} ms; CPU median "
            f"{statistics.median(cpu[name]) * 1e3:6.1f} ms"
        )
    base, ours = "requests + attrs + cattrs", "procore_dc"
    print(
        f"  ratio procore_dc / baseline: wall best {min(wall[ours]) / min(wall[base]):.2f}, "
        f"wall median {statistics.median(wall[ours]) / statistics.median(wall[base]):.2f}, "
        f"CPU median {statistics.median(cpu[ours]) / statistics.median(cpu[base]):.2f} "
        "(target <= 1.3)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--imports", type=int, default=15)
    parser.add_argument(
        "--projects",
        type=int,
        default=0,
        help="projects in the listed company (default: the sandbox's 4, one page)",
    )
    parser.add_argument("--no-pin", action="store_true", help="do not pin the process to one CPU")
    args, _ = parser.parse_known_args()
    print(f"before: {load()}")
    pin(enabled=not args.no_pin)
    minimal_server(args.calls, args.rounds)
    print()
    listing(max(args.calls // 4, 10), args.rounds, args.projects)
    print()
    imports(args.imports)
    print(f"after: {load()}")


if __name__ == "__main__":
    main()
