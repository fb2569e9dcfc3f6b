"""One worker of bench/fleet.py: sends ``count`` GETs and prints how many succeeded.

argv[1] is JSON: urls, credentials, the Redis URL, ``budget`` (share the RedisRateLimiter or
not) and ``count``. It prints "ready", waits for a line on stdin, then works.
"""

from __future__ import annotations

import json
import sys
from typing import Any, Optional

from procore_dc import RateLimitError, ServiceAccountAuth, Session
from procore_dc.environments import Environment
from procore_dc.rate_budget import RateBudget
from procore_dc.redis import RedisRateLimiter, RedisTokenStore


def main() -> None:
    args: dict[str, Any] = json.loads(sys.argv[1])
    auth = ServiceAccountAuth(
        args["client_id"],
        args["secret"],
        environment=Environment.local(args["api_url"], login_url=args["login_url"]),
        store=RedisTokenStore(args["redis"], key="bench-fleet"),
    )
    budget: Optional[RateBudget] = RedisRateLimiter(args["redis"]) if args["budget"] else None
    session = Session(auth, company_id=8, rate_budget=budget)
    print("ready", flush=True)
    sys.stdin.readline()
    ok = failed = 0
    for _ in range(args["count"]):
        try:
            session.get_json("/rest/v1.0/companies")
            ok += 1
        except RateLimitError:
            failed += 1
    print(json.dumps({"ok": ok, "failed": failed}), flush=True)


if __name__ == "__main__":
    main()
