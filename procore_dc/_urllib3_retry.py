"""The bridge that lets urllib3 carry out a :class:`~procore_dc.retry.RetryPolicy`.

urllib3 owns the attempt loop, the retry budget and the exponential backoff; a subclass of its
``Retry`` changes four things (see :mod:`procore_dc.retry` for the rules themselves):

- which responses are retried: only the policy's statuses, and only for idempotent methods;
- how long to wait: the policy's :meth:`~procore_dc.retry.RetryPolicy.server_wait`, else
  urllib3's backoff, planned (jitter, ``max_wait``) by the policy;
- a retry that would pass the call's deadline raises
  :class:`~procore_dc.exceptions.TimeoutError` instead of sleeping;
- every attempt is logged once on the call's :class:`~procore_dc._attempts.Call` record.

urllib3 builds a fresh ``Retry`` on every increment through ``Retry.new()``; ours carries the
policy, the response observer and the call record through it, and urllib3 hands the method and
URL to ``increment()``. How the record reaches the first ``Retry`` of a call is explained in
:mod:`procore_dc._attempts`.
"""

from __future__ import annotations

import inspect
import time
from collections.abc import Callable, Collection, Mapping
from datetime import datetime
from types import TracebackType
from typing import Any, Optional, Protocol

from requests.adapters import HTTPAdapter
from urllib3.exceptions import MaxRetryError, ProtocolError
from urllib3.util.retry import Retry

from procore_dc._attempts import Call, current
from procore_dc._headers import get as get_header
from procore_dc._http import describe_error
from procore_dc._redact import get_logger, redact_url
from procore_dc.exceptions import RateLimitError, TimeoutError

__all__ = ["ResponseObserver", "RetryAdapter", "continue_after_body_error", "make_retry"]

_log = get_logger("procore_dc.session")

#: Callback told the headers of every response, intermediate ones included.
ResponseObserver = Callable[[Mapping[str, str]], None]

# urllib3 1.26 (what Python 3.9 resolves next to vcrpy) has no backoff_max/backoff_jitter
# parameters; it caps the backoff with the DEFAULT_BACKOFF_MAX class constant instead.
_RETRY_PARAMS = frozenset(inspect.signature(Retry.__init__).parameters)


class Policy(Protocol):
    """What the bridge reads from a :class:`~procore_dc.retry.RetryPolicy`."""

    @property
    def max_attempts(self) -> int: ...

    @property
    def backoff_factor(self) -> float: ...

    @property
    def backoff_max(self) -> float: ...

    @property
    def retry_statuses(self) -> Collection[int]: ...

    @property
    def RETRY_METHODS(self) -> Collection[str]: ...  # noqa: N802 - the policy's ClassVar

    def server_wait(
        self, status: int, headers: Mapping[str, str]
    ) -> tuple[Optional[float], Optional[datetime]]: ...

    def plan(
        self,
        seconds: float,
        *,
        reset_at: Optional[datetime] = None,
        status_code: int = 429,
        headers: Optional[Mapping[str, str]] = None,
        reason: str = "the rate limit",
        method: str = "",
        url: str = "",
    ) -> float: ...

    def do_sleep(self, seconds: float) -> None: ...


def make_retry(policy: Policy, on_response: Optional[ResponseObserver] = None) -> Retry:
    """The urllib3 ``Retry`` that carries out ``policy`` (see ``RetryPolicy.make_retry``)."""
    return _ProcoreRetry(
        total=policy.max_attempts - 1,
        connect=None,
        read=None,
        status=None,
        # Errors urllib3 cannot place (e.g. TLS failures mid-request) may have reached the
        # server; never retry them.
        other=0,
        redirect=None,
        allowed_methods=policy.RETRY_METHODS,
        status_forcelist=frozenset(policy.retry_statuses),
        backoff_factor=policy.backoff_factor,
        backoff_max=policy.backoff_max,
        # Jitter comes from the policy's random source, not urllib3's global one.
        backoff_jitter=0.0,
        # The last response reaches the session's status -> exception table.
        raise_on_status=False,
        respect_retry_after_header=True,
        policy=policy,
        on_response=on_response,
    )


def _wait_cause(headers: Mapping[str, str]) -> str:
    for name in ("Retry-After", "X-Rate-Limit-Reset"):
        value = get_header(headers, name)
        if value is not None:
            return f"{name}: {value}"
    return "no Retry-After or X-Rate-Limit-Reset, so the backoff"


class _ProcoreRetry(Retry):
    """urllib3 ``Retry`` driven by a policy, carrying one call's record (module docstring)."""

    policy: Policy
    #: The call this Retry belongs to; ``None`` on the adapter's shared template.
    call: Optional[Call] = None

    def __init__(
        self,
        *args: Any,
        policy: Optional[Policy] = None,
        on_response: Optional[ResponseObserver] = None,
        **kwargs: Any,
    ) -> None:
        for name in ("backoff_max", "backoff_jitter"):
            if name not in _RETRY_PARAMS:
                kwargs.pop(name, None)  # pragma: no cover - urllib3 1.26 only (Python 3.9 run)
        super().__init__(*args, **kwargs)
        self.on_response = on_response
        if policy is not None:  # None only inside new(), which sets it right after
            self.policy = policy
            self._cap_backoff()

    def _cap_backoff(self) -> None:
        if "backoff_max" not in _RETRY_PARAMS:  # pragma: no cover - urllib3 1.26 only
            setattr(self, "DEFAULT_BACKOFF_MAX", self.policy.backoff_max)  # noqa: B010

    def new(self, **kw: Any) -> _ProcoreRetry:
        # Retry.new() rebuilds from its own parameter list, which knows nothing of ours.
        fresh = super().new(**kw)
        fresh.policy = self.policy
        fresh.on_response = self.on_response
        fresh.call = self.call
        fresh._cap_backoff()
        return fresh

    def is_retry(self, method: str, status_code: int, has_retry_after: bool = False) -> bool:
        # Only our statuses, and only for methods safe to re-send; never 413 and friends.
        # urllib3 1.26 (Python 3.9) has no _is_method_retryable in its stubs, only at run time.
        retryable = self._is_method_retryable(method)  # type: ignore[attr-defined, unused-ignore]
        return bool(retryable) and status_code in self.status_forcelist

    def increment(
        self,
        method: Optional[str] = None,
        url: Optional[str] = None,
        response: Any = None,
        error: Optional[Exception] = None,
        _pool: Any = None,
        _stacktrace: Optional[TracebackType] = None,
    ) -> _ProcoreRetry:
        call = _call_of(self, method, url)
        if response is not None:
            if self.on_response is not None:
                self.on_response(response.headers)
            call.outcome = str(response.status)
        elif error is not None and not call.outcome:
            call.outcome = describe_error(error)
        try:
            result = super().increment(method, url, response, error, _pool, _stacktrace)
        except MaxRetryError:
            if response is None:
                call.log(call.outcome, note="giving up")
            raise
        except Exception:
            call.log(call.outcome, note=f"not retried for {method}")
            raise
        assert isinstance(result, _ProcoreRetry)
        result.call = call
        if response is not None and not _small_plain_body(response.headers, call.error_limit):
            # urllib3 drains a retried response to reuse its connection; an endless or
            # compressed error page would be read to its end. Drop the connection instead.
            response.close()
        return result

    def sleep(self, response: Any = None) -> None:
        policy = self.policy
        call = _call_of(self, None, None)
        wait: Optional[float] = None
        reset_at: Optional[datetime] = None
        headers: Mapping[str, str] = {}
        status = 0
        if response is not None:
            headers = response.headers
            status = int(response.status)
            wait, reset_at = policy.server_wait(status, headers)
        if wait is None:
            wait = float(self.get_backoff_time())
        outcome = call.outcome or (str(status) if status else "error")
        try:
            total = policy.plan(
                wait,
                reset_at=reset_at,
                status_code=status or 429,
                headers=headers,
                reason=f"Procore ({status})" if status else "the retry backoff",
                method=call.method,
                url=call.url,
            )
        except RateLimitError:
            call.log(outcome, note=f"a wait of {wait:.0f} s exceeds max_wait, not retried")
            raise
        if time.monotonic() + total >= call.deadline:
            call.log(outcome, note="the deadline leaves no time to retry")
            raise TimeoutError(
                f"the call's deadline passed after {call.number} attempt"
                f"{'s' if call.number != 1 else ''} (last: {outcome})",
                method=call.method,
                url=call.url,
            ) from None
        call.log(outcome, note=f"retrying in {total:.2f} s")
        if status == 429:
            cause = _wait_cause(headers)
            call.rate_pause = (total, cause)
            _log.info(
                "rate limited: waiting %.1f s before retrying %s %s (429, %s)",
                total,
                call.method,
                redact_url(call.url),
                cause,
            )
        policy.do_sleep(total)
        call.next_attempt()


def _call_of(retry: _ProcoreRetry, method: Optional[str], url: Optional[str]) -> Call:
    """The record of the call ``retry`` belongs to.

    The adapter's shared Retry starts every call without one: its first increment takes the
    call running on this thread, and ``new()`` carries it on. Outside a session's call (the
    adapter used on its own) urllib3's method and URL name a fresh record.
    """
    if retry.call is not None:
        return retry.call
    running = current()
    if running is not None:
        return running
    return Call(method or "", url or "")


def _small_plain_body(headers: Mapping[str, str], limit: int) -> bool:
    """Whether a body is uncompressed and declares a length within the error-page limit."""
    if headers.get("Content-Encoding", "identity").lower() != "identity":
        return False
    declared = headers.get("Content-Length", "")
    return declared.isdigit() and int(declared) <= limit


class RetryAdapter(HTTPAdapter):
    """A ``requests`` adapter whose retry budget the next send of a call can continue.

    The session reads the body after urllib3's loop has finished; when the body breaks off on an
    idempotent call it re-sends with the budget that is left (:attr:`Call.resume
    <procore_dc._attempts.Call.resume>`), not a fresh one.
    """

    @property
    def max_retries(self) -> Retry:
        call = current()
        if call is not None and call.resume is not None:
            resume: Retry = call.resume
            return resume
        template: Retry = self._procore_max_retries
        return template

    @max_retries.setter
    def max_retries(self, value: Retry) -> None:
        self._procore_max_retries = value


def continue_after_body_error(response: Any, method: str, error: BaseException) -> bool:
    """Decide whether a call whose body broke off is retried, sleeping if so.

    Uses the budget and backoff of the Retry that produced ``response``; returns ``False`` when
    the method is not idempotent or the budget is spent. When it returns ``True`` the call's
    next send continues that budget (:attr:`Call.resume <procore_dc._attempts.Call.resume>`).
    """
    state = getattr(getattr(response, "raw", None), "retries", None)
    if not isinstance(state, _ProcoreRetry):
        return False
    call = state.call if state.call is not None else current()
    if call is None:
        return False  # not a session's call: nobody to re-send it
    call.outcome = "body cut short"
    try:
        following = state.increment(
            method, getattr(response.raw, "url", None), error=ProtocolError(str(error))
        )
    except Exception:
        return False
    following.sleep()
    call.resume = following
    return True
