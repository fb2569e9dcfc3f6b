"""A worker process for the fleet tests; argv[1] is JSON (see the modes below).

Every worker shares the DMSA token through a RedisTokenStore. After printing "ready" it waits
for a line on stdin, then:

- mode "requests": for each line "budget" or "alone" on stdin, sends ``count`` GETs, through
  the shared RedisRateLimiter or through its own session state only, and prints
  ``{"ok": n, "errors": [...]}``;
- mode "units": claims (company, project, tool) units from WorkLeases until none is left,
  sending one GET per unit, and prints the names of the units it completed.
"""

from __future__ import annotations

import json
import sys
import time
from datetime import datetime, timedelta, timezone
from typing import Any, Optional

from procore_dc import ServiceAccountAuth, Session
from procore_dc.environments import Environment
from procore_dc.rate_budget import RateBudget
from procore_dc.redis import RedisRateLimiter, RedisTokenStore, WorkLeases, WorkUnit

PATHS = {"rfi": "rfis", "submittal": "submittals"}


def main() -> None:
    args: dict[str, Any] = json.loads(sys.argv[1])
    offset = timedelta(seconds=args["offset"])
    auth = ServiceAccountAuth(
        args["client_id"],
        args["secret"],
        environment=Environment.local(args["api_url"], login_url=args["login_url"]),
        store=RedisTokenStore(args["redis"], key="fleet-test"),
        clock=lambda: datetime.now(timezone.utc) + offset,
    )
    print("ready", flush=True)
    command = sys.stdin.readline().strip()
    if args["mode"] == "requests":
        # One line per run: "budget" (through the shared RedisRateLimiter) or "alone" (this
        # session's own rate-limit state only); the fleet starts once for both runs.
        while command:
            budget: Optional[RateBudget] = (
                RedisRateLimiter(args["redis"]) if command == "budget" else None
            )
            session = Session(auth, company_id=8, rate_budget=budget)
            ok, errors = 0, []
            for _ in range(args["count"]):
                try:
                    session.get_json("/rest/v1.0/companies")
                    ok += 1
                except Exception as exc:  # reported to the test by class name
                    errors.append(type(exc).__name__)
            print(json.dumps({"ok": ok, "errors": errors}), flush=True)
            command = sys.stdin.readline().strip()
        return
    session = Session(auth, company_id=8)
    leases = WorkLeases(args["redis"], run="test-run", ttl=5.0)
    units = [WorkUnit(8, project, tool) for project, tool in args["units"]]
    done = []
    while True:
        lease = leases.claim_next(units)
        if lease is None:
            break
        with lease:
            unit = lease.unit
            session.get_json(f"/rest/v1.0/projects/{unit.project_id}/{PATHS[str(unit.tool)]}")
            time.sleep(args["pause"])  # the run lasts long enough to restart Redis inside it
        done.append(unit.name)
    print(json.dumps(done), flush=True)


if __name__ == "__main__":
    main()
