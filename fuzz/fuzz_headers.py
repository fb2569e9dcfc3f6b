"""Fuzz the rate-limit and Retry-After header parsers and the retry wait built on them.

``parse_rate_limit_headers`` and ``parse_retry_after`` never raise; ``RetryPolicy.server_wait``
and ``RetryPolicy.plan`` return a wait or raise ``RateLimitError``.

    python fuzz/fuzz_headers.py [-max_total_time=600]
"""

from __future__ import annotations

from datetime import datetime, timezone

from _common import instrumented, main, provider

with instrumented():
    from procore_dc._headers import parse_rate_limit_headers, parse_retry_after
    from procore_dc.exceptions import RateLimitError
    from procore_dc.retry import RetryPolicy

NAMES = ("Retry-After", "X-Rate-Limit-Limit", "X-Rate-Limit-Remaining", "X-Rate-Limit-Reset")


def fuzz_one_input(data: bytes) -> None:
    fdp = provider(data)
    now = datetime.fromtimestamp(fdp.ConsumeIntInRange(0, 7_000_000_000), tz=timezone.utc)
    headers = {name: fdp.ConsumeUnicodeNoSurrogates(40) for name in NAMES if fdp.ConsumeBool()}
    status = fdp.ConsumeIntInRange(400, 599)
    parsed = parse_rate_limit_headers(headers)
    assert parsed.remaining is None or parsed.remaining >= 0
    seconds = parse_retry_after(headers.get("Retry-After"), now)
    assert seconds is None or seconds >= 0
    policy = RetryPolicy(clock=now.timestamp, sleep=lambda _s: None)
    try:
        wait, _reset_at = policy.server_wait(status, headers)
        if wait is not None:
            policy.plan(wait)
    except RateLimitError:
        pass


if __name__ == "__main__":
    main(fuzz_one_input)
