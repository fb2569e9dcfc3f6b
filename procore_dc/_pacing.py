"""Waiting before a call is sent: for a permit from a shared rate budget, and for the window.

Both waits go through the session's :class:`~procore_dc.retry.RetryPolicy`, so a wait longer
than ``max_wait`` raises :class:`~procore_dc.exceptions.RateLimitError` instead of sleeping,
and the policy's injected ``sleep`` and clock keep tests from sleeping.
"""

from __future__ import annotations

import time
from typing import Any, Optional

import requests

from procore_dc._attempts import Call
from procore_dc._redact import get_logger
from procore_dc.exceptions import RateLimitError, TimeoutError
from procore_dc.rate_budget import BudgetScope, RateBudget
from procore_dc.rate_limit import RateLimitState
from procore_dc.retry import RetryPolicy

# The session's logger: these lines belong to the call being sent.
log = get_logger("procore_dc.session")


def take_permit(
    budget: Optional[RateBudget],
    retry: RetryPolicy,
    auth: Any,
    prepared: requests.PreparedRequest,
    call: Call,
) -> Optional[BudgetScope]:
    """Wait for a permit from the shared budget; only calls that carry our token count."""
    if budget is None or "Authorization" not in prepared.headers:
        return None
    scope = BudgetScope.for_request(auth, prepared.headers.get("Procore-Company-Id"))
    while True:
        wait = budget.take(scope)
        if wait <= 0:
            return scope
        # Raises RateLimitError instead of sleeping past RetryPolicy.max_wait.
        retry.plan(wait, reason="the shared rate budget", method=call.method, url=call.url)
        retry.do_sleep(wait)


def wait_for_window(
    retry: RetryPolicy, limits: RateLimitState, deadline: float, call: Call, allowed: float
) -> None:
    """Wait until the rate-limit window resets when ``X-Rate-Limit-Remaining`` reached 0.

    :param deadline: when the call must end (``time.monotonic()``)
    :param allowed: the session's deadline in seconds, for the error message
    """
    until = limits.exhausted_until
    if until is None:
        return  # the common case, without reading the clock
    wait = limits.wait_seconds(retry.now())
    if wait > 0:
        try:
            total = retry.plan(
                wait,
                reset_at=until,
                reason="the rate-limit window (X-Rate-Limit-Remaining: 0)",
                method=call.method,
                url=call.url,
            )
        except RateLimitError:
            # Refuse this call, but let the next one ask Procore: one bad header must not
            # refuse every call until its reset.
            limits.forget_exhausted(until)
            raise
        if time.monotonic() + total > deadline:
            raise TimeoutError(
                f"the rate-limit window asks to wait {wait:.0f} s, past the call's "
                f"deadline ({allowed:g} s)"
            )
        cause = f"X-Rate-Limit-Remaining: 0 until X-Rate-Limit-Reset {until.isoformat()}"
        log.info("rate limit: waiting %.1f s before the next request (%s)", total, cause)
        retry.do_sleep(total)
        limits.record_pause(total, cause)
