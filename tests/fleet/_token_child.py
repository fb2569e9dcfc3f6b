"""A worker process for the token tests: N threads share one RedisTokenStore.

argv[1] is JSON: kind ("service"/"user"), urls, credentials, the sandbox clock offset, the
Redis URL, the store key, the lease ttl, the thread count and a mode:

- "work": print "ready"; then for each line "go <clock offset>" on stdin, each thread makes
  one API call (getting a valid token first); print the outcomes as a JSON list ("ok" or the
  exception's class name);
- "hold": take the renewal lease, print "holding", and wait to be killed;
- "die_in_save": like "work", but the process SIGKILLs itself when the renewed token is about
  to be saved (after the token request was answered).
"""

from __future__ import annotations

import json
import os
import signal
import sys
import threading
import time
from datetime import datetime, timedelta, timezone
from typing import Any

from procore_dc import AuthStrategy, ServiceAccountAuth, Session, Token, UserLevelAuth
from procore_dc.environments import Environment
from procore_dc.redis import RedisTokenStore


class DyingStore(RedisTokenStore):
    def save(self, token: Token) -> None:
        os.kill(os.getpid(), signal.SIGKILL)


def main() -> None:
    args: dict[str, Any] = json.loads(sys.argv[1])
    # The sandbox clock runs ahead of the wall clock by `offset`; each round's line on stdin
    # carries the current offset (the test moves the sandbox clock between rounds).
    offset = [timedelta(seconds=args["offset"])]
    klass = DyingStore if args["mode"] == "die_in_save" else RedisTokenStore
    store = klass(args["redis"], key=args["key"], lease_ttl=args["lease_ttl"])
    env = Environment.local(args["api_url"], login_url=args["login_url"])
    common: dict[str, Any] = {
        "environment": env,
        "store": store,
        "clock": lambda: datetime.now(timezone.utc) + offset[0],
    }
    auth: AuthStrategy
    if args["kind"] == "service":
        auth = ServiceAccountAuth(args["client_id"], args["secret"], **common)
    else:
        auth = UserLevelAuth(args["client_id"], args["secret"], "http://localhost", **common)
    if args["mode"] == "hold":
        with store.lock():
            print("holding", flush=True)
            time.sleep(60)
        return
    session = Session(auth, company_id=8)
    outcomes: list[str] = []
    lock = threading.Lock()

    def work() -> None:
        try:
            session.get_json("/rest/v1.0/companies")
            outcome = "ok"
        except Exception as exc:  # reported to the test by class name
            outcome = type(exc).__name__
        with lock:
            outcomes.append(outcome)

    print("ready", flush=True)
    # One round per line on stdin (until it closes): every thread makes one call.
    while True:
        line = sys.stdin.readline().split()
        if not line:
            break
        offset[0] = timedelta(seconds=float(line[1]))
        outcomes.clear()
        threads = [threading.Thread(target=work) for _ in range(args["threads"])]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        print(json.dumps(sorted(outcomes)), flush=True)


if __name__ == "__main__":
    main()
