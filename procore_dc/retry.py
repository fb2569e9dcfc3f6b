"""When and how long to wait before trying a request again.

:class:`RetryPolicy` is the public, immutable configuration. The retrying itself is done by
urllib3: :meth:`RetryPolicy.make_retry` builds a subclass of ``urllib3.util.Retry`` and
:meth:`RetryPolicy.make_adapter` mounts it on a ``requests`` adapter, so the attempt loop,
the retry budget and the exponential backoff are urllib3's. The subclass changes four things:

- which responses are retried: only ``retry_statuses``, and only for idempotent methods
  (urllib3 also retries 413 with ``Retry-After``; Procore never needs that);
- how long to wait: ``Retry-After`` (seconds or an HTTP date) first, else
  ``X-Rate-Limit-Reset`` on a 429 or an exhausted window, else urllib3's exponential backoff;
  jitter comes from the policy's injectable random source instead of the global one;
- waits longer than ``max_wait`` raise :class:`~procore_dc.exceptions.RateLimitError` at once
  instead of parking the thread (the PyGithub ``GithubRetry`` pattern);
- the clock and ``sleep`` are the policy's, so tests never sleep.

POST and PATCH are retried only when the connection failed before the request was sent:
Procore documents no idempotency key, so a request the server may have seen is never re-sent.

Every attempt is logged at DEBUG on the ``procore_dc.session`` logger (method, URL with secrets
removed, status or error, milliseconds, attempt number and the wait before the next one).
"""

from __future__ import annotations

import inspect
import math
import random as _random
import threading
import time
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta, timezone
from types import TracebackType
from typing import Any, ClassVar, Optional

import attrs
from requests.adapters import HTTPAdapter
from urllib3.exceptions import MaxRetryError
from urllib3.util.retry import Retry

from procore_dc._headers import parse_rate_limit_headers, parse_retry_after
from procore_dc._http import describe_error
from procore_dc._redact import get_logger, redact_url
from procore_dc.exceptions import ConfigurationError, RateLimitError, TimeoutError

__all__ = ["RetryPolicy"]

_log = get_logger("procore_dc.session")

#: Methods that may be re-sent after the server may have seen them (RFC 9110 idempotent).
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})

# urllib3 1.26 (what Python 3.9 resolves next to vcrpy) has no backoff_max/backoff_jitter
# parameters; it caps the backoff with the DEFAULT_BACKOFF_MAX class constant instead.
_RETRY_PARAMS = frozenset(inspect.signature(Retry.__init__).parameters)

#: Callback told the headers of every response, intermediate ones included.
ResponseObserver = Callable[[Mapping[str, str]], None]


# -- one logical call's attempts, per thread -------------------------------------------------
#
# urllib3 runs the attempt loop inside ``urlopen`` in the calling thread, and the Retry objects
# it threads through the loop are created fresh on every increment, so per-call state (the
# attempt number, when it started, what went wrong) lives in a thread-local the Session resets
# at the start of each call.


class _Attempts(threading.local):
    def __init__(self) -> None:
        self.method = ""
        self.url = ""
        self.number = 1
        self.started = 0.0
        self.outcome = ""
        self.logged = 0
        self.slept = 0.0
        # The last wait a 429 asked for in this call, and the header that set it.
        self.rate_pause: Optional[tuple[float, str]] = None
        # When the whole call must end (time.monotonic()), and the largest error page a retried
        # response may have drained from its connection.
        self.deadline = math.inf
        self.error_limit = 1 << 20
        # A Retry whose budget the next send on this thread continues (see RetryAdapter).
        self.resume: Optional[Retry] = None


_ATTEMPTS = _Attempts()


def begin_call(
    method: str, url: str, *, deadline: float = math.inf, error_limit: int = 1 << 20
) -> None:
    """Start counting the attempts of one logical call on this thread."""
    _ATTEMPTS.deadline = deadline
    _ATTEMPTS.error_limit = error_limit
    _ATTEMPTS.method = method.upper()
    _ATTEMPTS.url = url  # redacted when written anywhere (log lines, errors)
    _ATTEMPTS.number = 1
    _ATTEMPTS.started = time.perf_counter()
    _ATTEMPTS.outcome = ""
    _ATTEMPTS.logged = 0
    _ATTEMPTS.slept = 0.0
    _ATTEMPTS.rate_pause = None
    _ATTEMPTS.resume = None


def rate_pause() -> Optional[tuple[float, str]]:
    """The last wait a 429 asked for in the current call on this thread: ``(seconds, cause)``,
    the cause naming the header that set it; ``None`` when there was none."""
    return _ATTEMPTS.rate_pause


def _wait_cause(headers: Mapping[str, str]) -> str:
    for name in ("Retry-After", "X-Rate-Limit-Reset"):
        value = _header(headers, name)
        if value is not None:
            return f"{name}: {value}"
    return "no Retry-After or X-Rate-Limit-Reset, so the backoff"


def attempts_made() -> int:
    """How many attempts the current call on this thread has made so far."""
    return _ATTEMPTS.number


def log_attempt(outcome: str, *, note: str = "") -> None:
    """Write the one DEBUG line of the current attempt (at most once per attempt)."""
    if _ATTEMPTS.logged >= _ATTEMPTS.number:
        return
    _ATTEMPTS.logged = _ATTEMPTS.number
    if not _log.isEnabledFor(10):
        return
    elapsed_ms = (time.perf_counter() - _ATTEMPTS.started) * 1000.0
    _log.debug(
        "%s %s -> %s in %.0f ms (attempt %d%s)",
        _ATTEMPTS.method,
        redact_url(_ATTEMPTS.url),
        outcome,
        elapsed_ms,
        _ATTEMPTS.number,
        f", {note}" if note else "",
    )


def _next_attempt() -> None:
    _ATTEMPTS.number += 1
    _ATTEMPTS.started = time.perf_counter()
    _ATTEMPTS.outcome = ""


# -- validation -------------------------------------------------------------------------------


def _check_number(minimum: float) -> Callable[[Any, attrs.Attribute[Any], Any], None]:
    def check(_instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value:
            raise ConfigurationError(
                f"RetryPolicy.{attribute.name} must be a number, not {type(value).__name__}"
            )
        if value < minimum:
            raise ConfigurationError(
                f"RetryPolicy.{attribute.name} must be at least {minimum}, got {value}"
            )

    return check


def _check_attempts(_instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ConfigurationError(
            f"RetryPolicy.max_attempts must be an integer of at least 1 (1 means no retries), "
            f"got {value!r}"
        )


def _to_statuses(value: Any) -> tuple[int, ...]:
    try:
        statuses = tuple(value)
    except TypeError:
        raise ConfigurationError(
            f"RetryPolicy.retry_statuses must be a sequence of HTTP statuses, got {value!r}"
        ) from None
    for status in statuses:
        if isinstance(status, bool) or not isinstance(status, int) or not 400 <= status <= 599:
            raise ConfigurationError(
                f"RetryPolicy.retry_statuses holds {status!r}; use 4xx/5xx statuses such as 503"
            )
    return statuses


def _check_callable(_instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if not callable(value):
        raise ConfigurationError(f"RetryPolicy.{attribute.name} must be callable, got {value!r}")


@attrs.frozen(kw_only=True)
class RetryPolicy:
    """How a :class:`~procore_dc.session.Session` retries and waits.

    ``max_attempts`` counts the first attempt, so the default makes at most three retries.
    GET, HEAD, PUT, DELETE and OPTIONS are retried on connection errors, read timeouts, resets
    and the ``retry_statuses``. POST and PATCH are retried only when the connection failed
    before the request was sent.

    The wait before a retry is the server's ``Retry-After`` (seconds or an HTTP date), else the
    time until ``X-Rate-Limit-Reset`` on a 429 (or when ``X-Rate-Limit-Remaining`` is 0), else
    urllib3's exponential backoff ``backoff_factor * 2 ** (retry - 1)``, capped at
    ``backoff_max``, with no wait before the first retry. With ``jitter`` a random
    ``[0, backoff_factor)`` seconds is added to every wait so that parallel workers spread out.
    A wait longer than ``max_wait`` raises :class:`~procore_dc.exceptions.RateLimitError`
    without sleeping.

    :param max_attempts: attempts per call, the first included (default: ``4``)
    :param backoff_factor: the base of the exponential backoff in seconds (default: ``0.5``)
    :param backoff_max: the largest backoff in seconds (default: ``30``)
    :param jitter: add random jitter to every wait (default: ``True``)
    :param max_wait: the longest wait in seconds before raising instead (default: ``60``)
    :param retry_statuses: the statuses worth retrying (default: ``(429, 502, 503, 504)``)
    :param clock: returns the time in epoch seconds (default: ``time.time``)
    :param sleep: waits for a number of seconds (default: ``time.sleep``)
    :param random: returns a float in ``[0, 1)`` for jitter (default: ``random.random``)
    :raises ConfigurationError: for a negative number, a status outside 400-599 and the like

    .. code-block:: python

        from procore_dc import RetryPolicy, Session

        patient = RetryPolicy(max_attempts=6, max_wait=300)
        session = Session(auth, company_id=8, retry=patient)
    """

    max_attempts: int = attrs.field(default=4, validator=_check_attempts)
    backoff_factor: float = attrs.field(default=0.5, validator=_check_number(0.0))
    backoff_max: float = attrs.field(default=30.0, validator=_check_number(0.0))
    jitter: bool = True
    max_wait: float = attrs.field(default=60.0, validator=_check_number(0.0))
    retry_statuses: tuple[int, ...] = attrs.field(
        default=(429, 502, 503, 504), converter=_to_statuses
    )
    clock: Callable[[], float] = attrs.field(
        default=time.time, eq=False, repr=False, validator=_check_callable
    )
    sleep: Callable[[float], None] = attrs.field(
        default=time.sleep, eq=False, repr=False, validator=_check_callable
    )
    random: Callable[[], float] = attrs.field(
        default=_random.random, eq=False, repr=False, validator=_check_callable
    )

    #: Methods retried after the server may have seen the request.
    RETRY_METHODS: ClassVar[frozenset[str]] = IDEMPOTENT_METHODS

    def now(self) -> datetime:
        """The policy clock's time as an aware UTC datetime."""
        return datetime.fromtimestamp(self.clock(), tz=timezone.utc)

    def jitter_seconds(self) -> float:
        """The random extra wait added to every wait: ``[0, backoff_factor)``, or 0."""
        if not self.jitter or self.backoff_factor <= 0:
            return 0.0
        return float(self.random()) * self.backoff_factor

    def server_wait(
        self, status: int, headers: Mapping[str, str]
    ) -> tuple[Optional[float], Optional[datetime]]:
        """The wait a response asks for, before jitter, and the window's reset time.

        ``Retry-After`` wins; else ``X-Rate-Limit-Reset`` counts on a 429 or when
        ``X-Rate-Limit-Remaining`` is 0. Unreadable values are ignored.

        :param status: the response status
        :param headers: the response headers
        :return: ``(seconds or None, reset_at or None)``
        """
        now = self.now()
        rate = parse_rate_limit_headers(headers)
        retry_after = parse_retry_after(_header(headers, "Retry-After"), now)
        if retry_after is not None:
            return retry_after, rate.reset_at or _after(now, retry_after)
        if rate.reset_at is not None and (status == 429 or rate.remaining == 0):
            return max(0.0, (rate.reset_at - now).total_seconds()), rate.reset_at
        return None, rate.reset_at

    def pause(
        self,
        seconds: float,
        *,
        reset_at: Optional[datetime] = None,
        status_code: int = 429,
        headers: Optional[Mapping[str, str]] = None,
        reason: str = "the rate limit",
    ) -> float:
        """Sleep ``seconds`` plus jitter, or raise if ``seconds`` is more than ``max_wait``.

        :param seconds: the wait asked for, before jitter
        :param reset_at: when the rate-limit window resets, for the error
        :param status_code: the status that asked for the wait, for the error
        :param headers: the response headers, for the error's ``limit``/``remaining``
        :param reason: what asked for the wait, for the error message
        :return: the seconds actually slept
        :raises RateLimitError: when ``seconds`` exceeds ``max_wait``; nothing is slept
        """
        total = self.plan(
            seconds, reset_at=reset_at, status_code=status_code, headers=headers, reason=reason
        )
        self.do_sleep(total)
        return total

    def plan(
        self,
        seconds: float,
        *,
        reset_at: Optional[datetime] = None,
        status_code: int = 429,
        headers: Optional[Mapping[str, str]] = None,
        reason: str = "the rate limit",
    ) -> float:
        """Return ``seconds`` plus jitter, or raise as :meth:`pause` does; sleeps nothing."""
        if seconds > self.max_wait:
            rate = parse_rate_limit_headers(headers or {})
            raise RateLimitError(
                f"{reason} asks to wait {seconds:.0f} s, more than RetryPolicy.max_wait "
                f"({self.max_wait:g} s)",
                retry_after=seconds,
                reset_at=reset_at or _after(self.now(), seconds),
                limit=rate.limit,
                remaining=rate.remaining,
                status_code=status_code,
                method=_ATTEMPTS.method,
                url=_ATTEMPTS.url,
                request_id=_header(headers or {}, "X-Request-Id"),
            )
        return max(0.0, seconds) + self.jitter_seconds()

    def do_sleep(self, seconds: float) -> None:
        """Sleep with the injected ``sleep`` (nothing for 0) and count it for the call."""
        if seconds > 0:
            self.sleep(seconds)
        _ATTEMPTS.slept += seconds

    def make_retry(self, on_response: Optional[ResponseObserver] = None) -> Retry:
        """Build the ``urllib3`` ``Retry`` that carries out this policy.

        :param on_response: called with the headers of every response the retry loop sees,
            including the ones it retries (the session updates its rate-limit state with it)

        .. code-block:: python

            adapter = requests.adapters.HTTPAdapter(max_retries=RetryPolicy().make_retry())
        """
        return _ProcoreRetry(
            total=self.max_attempts - 1,
            connect=None,
            read=None,
            status=None,
            # Errors urllib3 cannot place (e.g. TLS failures mid-request) may have reached the
            # server; never retry them.
            other=0,
            redirect=None,
            allowed_methods=self.RETRY_METHODS,
            status_forcelist=frozenset(self.retry_statuses),
            backoff_factor=self.backoff_factor,
            backoff_max=self.backoff_max,
            # Jitter comes from the policy's random source, not urllib3's global one.
            backoff_jitter=0.0,
            # The last response reaches the session's status -> exception table.
            raise_on_status=False,
            respect_retry_after_header=True,
            policy=self,
            on_response=on_response,
        )

    def make_adapter(
        self, on_response: Optional[ResponseObserver] = None, **adapter_kwargs: Any
    ) -> HTTPAdapter:
        """Build a ``requests`` adapter that retries by this policy.

        :param on_response: see :meth:`make_retry`
        :param adapter_kwargs: passed to ``HTTPAdapter`` (e.g. ``pool_maxsize``)

        .. code-block:: python

            http = requests.Session()
            http.mount("https://", RetryPolicy().make_adapter(pool_maxsize=20))
        """
        return RetryAdapter(max_retries=self.make_retry(on_response), **adapter_kwargs)


def _after(now: datetime, seconds: float) -> Optional[datetime]:
    """``now + seconds``, or ``None`` when that is past what a datetime can hold."""
    try:
        return now + timedelta(seconds=seconds)
    except OverflowError:
        # A Retry-After thousands of years away: the wait is refused anyway, without a date.
        return None


def _header(headers: Mapping[str, str], name: str) -> Optional[str]:
    value = headers.get(name)
    if value is None:
        lowered = name.lower()
        for key, candidate in headers.items():
            if key.lower() == lowered:
                return candidate
    return value


class _ProcoreRetry(Retry):
    """urllib3 ``Retry`` driven by a :class:`RetryPolicy` (see the module docstring)."""

    def __init__(
        self,
        *args: Any,
        policy: Optional[RetryPolicy] = None,
        on_response: Optional[ResponseObserver] = None,
        **kwargs: Any,
    ) -> None:
        for name in ("backoff_max", "backoff_jitter"):
            if name not in _RETRY_PARAMS:
                kwargs.pop(name, None)  # pragma: no cover - urllib3 1.26 only (Python 3.9 run)
        super().__init__(*args, **kwargs)
        self.policy = policy if policy is not None else RetryPolicy()
        self.on_response = on_response
        self._cap_backoff()

    def _cap_backoff(self) -> None:
        if "backoff_max" not in _RETRY_PARAMS:  # pragma: no cover - urllib3 1.26 only
            setattr(self, "DEFAULT_BACKOFF_MAX", self.policy.backoff_max)  # noqa: B010

    def new(self, **kw: Any) -> _ProcoreRetry:
        kw.setdefault("policy", self.policy)
        kw.setdefault("on_response", self.on_response)
        # Retry.new() rebuilds from its own parameter list, which knows nothing of ours.
        fresh = super().new(**{k: v for k, v in kw.items() if k not in ("policy", "on_response")})
        fresh.policy = kw["policy"]
        fresh.on_response = kw["on_response"]
        fresh._cap_backoff()
        return fresh

    def is_retry(self, method: str, status_code: int, has_retry_after: bool = False) -> bool:
        # Only our statuses, and only for methods safe to re-send; never 413 and friends.
        return self._is_method_retryable(method) and status_code in self.status_forcelist

    def increment(
        self,
        method: Optional[str] = None,
        url: Optional[str] = None,
        response: Any = None,
        error: Optional[Exception] = None,
        _pool: Any = None,
        _stacktrace: Optional[TracebackType] = None,
    ) -> _ProcoreRetry:
        if response is not None:
            if self.on_response is not None:
                self.on_response(response.headers)
            _ATTEMPTS.outcome = str(response.status)
        elif error is not None and not _ATTEMPTS.outcome:
            _ATTEMPTS.outcome = describe_error(error)
        try:
            result = super().increment(method, url, response, error, _pool, _stacktrace)
        except MaxRetryError:
            if response is None:
                log_attempt(_ATTEMPTS.outcome, note="giving up")
            raise
        except Exception:
            log_attempt(_ATTEMPTS.outcome, note=f"not retried for {method}")
            raise
        assert isinstance(result, _ProcoreRetry)
        if response is not None and not _small_plain_body(response.headers):
            # urllib3 drains a retried response to reuse its connection; an endless or
            # compressed error page would be read to its end. Drop the connection instead.
            response.close()
        return result

    def sleep(self, response: Any = None) -> None:
        policy = self.policy
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
        outcome = _ATTEMPTS.outcome or (str(status) if status else "error")
        try:
            total = policy.plan(
                wait,
                reset_at=reset_at,
                status_code=status or 429,
                headers=headers,
                reason=f"Procore ({status})" if status else "the retry backoff",
            )
        except RateLimitError:
            log_attempt(outcome, note=f"a wait of {wait:.0f} s exceeds max_wait, not retried")
            raise
        if time.monotonic() + total >= _ATTEMPTS.deadline:
            log_attempt(outcome, note="the deadline leaves no time to retry")
            raise TimeoutError(
                f"the call's deadline passed after {_ATTEMPTS.number} attempt"
                f"{'s' if _ATTEMPTS.number != 1 else ''} (last: {outcome})",
                method=_ATTEMPTS.method,
                url=_ATTEMPTS.url,
            ) from None
        log_attempt(outcome, note=f"retrying in {total:.2f} s")
        if status == 429:
            cause = _wait_cause(headers)
            _ATTEMPTS.rate_pause = (total, cause)
            _log.info(
                "rate limited: waiting %.1f s before retrying %s %s (429, %s)",
                total,
                _ATTEMPTS.method,
                redact_url(_ATTEMPTS.url),
                cause,
            )
        policy.do_sleep(total)
        _next_attempt()


def _small_plain_body(headers: Mapping[str, str]) -> bool:
    """Whether a body is uncompressed and declares a length within the error-page limit."""
    if headers.get("Content-Encoding", "identity").lower() != "identity":
        return False
    declared = headers.get("Content-Length", "")
    return declared.isdigit() and int(declared) <= _ATTEMPTS.error_limit


class RetryAdapter(HTTPAdapter):
    """A ``requests`` adapter whose retry budget a follow-up send on the same thread can continue.

    The session reads the body after urllib3's loop has finished; when the body breaks off on an
    idempotent call it re-sends with the budget that is left, not a fresh one.
    """

    @property
    def max_retries(self) -> Retry:
        resume = _ATTEMPTS.resume
        if resume is not None:
            return resume
        return self._procore_max_retries

    @max_retries.setter
    def max_retries(self, value: Retry) -> None:
        self._procore_max_retries = value


def continue_after_body_error(response: Any, method: str, error: BaseException) -> bool:
    """Decide whether a call whose body broke off is retried, sleeping if so.

    Uses the budget and backoff of the Retry that produced ``response``; returns ``False`` when
    the method is not idempotent or the budget is spent. When it returns ``True`` the next send
    on this thread continues that budget.
    """
    from urllib3.exceptions import ProtocolError

    state = getattr(getattr(response, "raw", None), "retries", None)
    if not isinstance(state, _ProcoreRetry):
        return False
    _ATTEMPTS.outcome = "body cut short"
    try:
        following = state.increment(
            method, getattr(response.raw, "url", None), error=ProtocolError(str(error))
        )
    except Exception:
        return False
    following.sleep()
    _ATTEMPTS.resume = following
    return True


def end_resume() -> None:
    """Forget a budget set by :func:`continue_after_body_error` once its send has started."""
    _ATTEMPTS.resume = None
