"""When and how long to wait before trying a request again.

:class:`RetryPolicy` is the public, immutable configuration, with the pure decisions
(:meth:`~RetryPolicy.server_wait`, :meth:`~RetryPolicy.plan`) that need no urllib3 and no
per-call state. The retrying itself is done by urllib3: :meth:`RetryPolicy.make_retry` builds
a subclass of ``urllib3.util.Retry`` (the bridge lives in ``procore_dc._urllib3_retry``) and
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

import random as _random
import time
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta, timezone
from typing import Any, ClassVar, Optional

import attrs
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from procore_dc._headers import get as get_header
from procore_dc._headers import parse_rate_limit_headers, parse_retry_after
from procore_dc._urllib3_retry import ResponseObserver, RetryAdapter, make_retry
from procore_dc.exceptions import ConfigurationError, RateLimitError

__all__ = ["RetryPolicy"]

#: Methods that may be re-sent after the server may have seen them (RFC 9110 idempotent).
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})


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
        retry_after = parse_retry_after(get_header(headers, "Retry-After"), now)
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
        method: str = "",
        url: str = "",
    ) -> float:
        """Sleep ``seconds`` plus jitter, or raise if ``seconds`` is more than ``max_wait``.

        :param seconds: the wait asked for, before jitter
        :param reset_at: when the rate-limit window resets, for the error
        :param status_code: the status that asked for the wait, for the error
        :param headers: the response headers, for the error's ``limit``/``remaining``
        :param reason: what asked for the wait, for the error message
        :param method: the call's HTTP method, for the error
        :param url: the call's URL, for the error
        :return: the seconds actually slept
        :raises RateLimitError: when ``seconds`` exceeds ``max_wait``; nothing is slept
        """
        total = self.plan(
            seconds,
            reset_at=reset_at,
            status_code=status_code,
            headers=headers,
            reason=reason,
            method=method,
            url=url,
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
        method: str = "",
        url: str = "",
    ) -> float:
        """Return ``seconds`` plus jitter, or raise as :meth:`pause` does; sleeps nothing.

        ``method`` and ``url`` name the call in the :class:`~procore_dc.exceptions.RateLimitError`.
        """
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
                method=method,
                url=url,
                request_id=get_header(headers or {}, "X-Request-Id"),
            )
        return max(0.0, seconds) + self.jitter_seconds()

    def do_sleep(self, seconds: float) -> None:
        """Sleep with the injected ``sleep`` (nothing for 0)."""
        if seconds > 0:
            self.sleep(seconds)

    def make_retry(self, on_response: Optional[ResponseObserver] = None) -> Retry:
        """Build the ``urllib3`` ``Retry`` that carries out this policy.

        :param on_response: called with the headers of every response the retry loop sees,
            including the ones it retries (the session updates its rate-limit state with it)

        .. code-block:: python

            adapter = requests.adapters.HTTPAdapter(max_retries=RetryPolicy().make_retry())
        """
        return make_retry(self, on_response)

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
        return RetryAdapter(max_retries=make_retry(self, on_response), **adapter_kwargs)


def _after(now: datetime, seconds: float) -> Optional[datetime]:
    """``now + seconds``, or ``None`` when that is past what a datetime can hold."""
    try:
        return now + timedelta(seconds=seconds)
    except OverflowError:
        # A Retry-After thousands of years away: the wait is refused anyway, without a date.
        return None
