"""The arithmetic of Procore's rate limits for a fleet: how long a first full sync takes.

A small simulation (no network): every company needs some number of requests; a service
account's requests are counted per company, in a 10-second spike window (25) and an hourly
window (3,600); each request takes ``latency`` seconds. A fleet of W workers takes companies
from a queue (largest first), each worker syncing one company at a time with T threads; a
worker waits whenever that company's window is spent (what a shared RateBudget makes it do).

It prints, for a first full sync of 500 companies, the hours it takes and the requests per
second the fleet sustains, for a grid of W and T. ``docs/scaling.rst`` quotes this table.

    python bench/fleet_math.py [--companies 500] [--latency 0.5]
"""

from __future__ import annotations

import argparse
import heapq
import math
import random

SPIKE, SPIKE_WINDOW = 25, 10.0
HOURLY, HOURLY_WINDOW = 3600, 3600.0


def company_seconds(requests: int, threads: int, latency: float) -> float:
    """Seconds to send ``requests`` for one company with ``threads`` in flight at a time.

    Walks the spike windows: in each, the company sends what its threads can (threads x
    window / latency) but no more than the spike limit and what is left of the hour.
    """
    per_window = min(SPIKE, math.floor(threads * SPIKE_WINDOW / latency))
    elapsed, left, hour_used, hour_start = 0.0, requests, 0, 0.0
    while left > 0:
        if elapsed - hour_start >= HOURLY_WINDOW:
            hour_start, hour_used = elapsed, 0
        if hour_used >= HOURLY:  # wait for the hourly window to reset
            elapsed = hour_start + HOURLY_WINDOW
            continue
        sent = min(per_window, left, HOURLY - hour_used)
        left -= sent
        hour_used += sent
        # The last window ends when its last request returns, not at the window's end.
        elapsed += SPIKE_WINDOW if left > 0 else math.ceil(sent / threads) * latency
    return elapsed


def sizes(companies: int, seed: int = 7) -> list[int]:
    """Requests per company for a first full sync: a few large companies, many small ones."""
    rng = random.Random(seed)
    # Projects per company (median about 20), times ~40 list pages per project (tools x pages),
    # plus 50 company-level requests (directory, vendors, projects list, ...).
    return [50 + 40 * max(1, round(rng.lognormvariate(3.0, 0.9))) for _ in range(companies)]


def fleet_hours(work: list[int], workers: int, threads: int, latency: float) -> float:
    """Hours for ``workers`` taking companies largest first, one company each at a time."""
    free_at = [0.0] * workers
    for requests in sorted(work, reverse=True):
        start = heapq.heappop(free_at)
        heapq.heappush(free_at, start + company_seconds(requests, threads, latency))
    return max(free_at) / 3600.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--companies", type=int, default=500)
    parser.add_argument("--latency", type=float, default=0.5, help="seconds per request")
    args = parser.parse_args()
    work = sizes(args.companies)
    total = sum(work)
    print(
        f"First full sync of {args.companies} companies: {total:,} requests "
        f"(median {sorted(work)[len(work) // 2]:,} per company); {args.latency:g} s per "
        f"request; per company {SPIKE} per {SPIKE_WINDOW:g} s and {HOURLY:,} per hour"
    )
    print()
    print(f"{'workers':>8} {'threads':>8} {'hours':>9} {'fleet req/s':>12} {'x one worker':>13}")
    base = fleet_hours(work, 1, 1, args.latency)
    for workers in (1, 4, 16, 64, 256):
        for threads in (1, 2, 4):
            hours = fleet_hours(work, workers, threads, args.latency)
            rate = total / (hours * 3600.0)
            print(f"{workers:>8} {threads:>8} {hours:>9.2f} {rate:>12.1f} {base / hours:>13.1f}")
    print()
    bound = math.ceil(args.latency * SPIKE / SPIKE_WINDOW)
    print(
        f"Per company, a thread sends 1/latency = {1 / args.latency:g} req/s; with {bound} or more "
        f"threads the spike window binds ({SPIKE / SPIKE_WINDOW:g} req/s per company), and a "
        f"company with more than {HOURLY:,} requests waits for the hourly window. Workers scale "
        "the fleet until the largest companies alone set the finish time."
    )


if __name__ == "__main__":
    main()
