"""One rate budget for every session that spends the same Procore limits.

Procore counts requests per app and token owner (and per company for a service account), in
an hourly window and a 10-second spike window, and reports the window nearest to running out
in ``X-Rate-Limit-Limit``/``-Remaining``/``-Reset``. A :class:`RateBudget` holds what those
headers said, per :class:`BudgetScope`, and hands out **permits**: a session asks
:meth:`RateBudget.take` before each request and waits as long as it answers, then feeds the
response headers to :meth:`RateBudget.observe`.

- :class:`LocalRateBudget` shares one budget between the sessions and threads of one process.
- :class:`procore_dc.redis.RedisRateLimiter` shares it between every process of a fleet.

A session without a budget (the default) keeps its own
:class:`~procore_dc.rate_limit.RateLimitState` and waits only when ``Remaining`` reaches 0.

The rules, the same in both implementations:

- windows are told apart by their ``Limit``; a request needs a permit in every known window;
- within a window the budget only goes down: ``remaining = min(ours, Procore's)``, since ours
  already counts the permits in flight;
- at its ``Reset`` a window starts again full, less the permits taken in its last ``LATE``
  second (they may arrive after the reset); answers from the old window are ignored;
- before any header was seen, one request at a time probes (others wait ``probe_wait``);
- with no permit left the answer is the time until ``Reset`` plus ``margin``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Callable, Optional, Protocol, runtime_checkable

import attrs

from procore_dc._headers import parse_rate_limit_headers
from procore_dc.exceptions import ConfigurationError

if TYPE_CHECKING:
    from procore_dc.auth.base import AuthStrategy

__all__ = ["BudgetScope", "LocalRateBudget", "RateBudget"]

#: Seconds between two probes while nothing is known about a scope's windows.
PROBE_WAIT = 0.05
#: Seconds a probe permit is held before another is handed out without an answer.
PROBE_TTL = 2.0
#: A permit taken this close to a window's reset may reach Procore after it, and count in the
#: next window: the next window starts with that many permits fewer.
LATE = 1.0


@attrs.frozen
class BudgetScope:
    """Whose requests share one budget: an app, a token owner and (for DMSA) a company.

    :param app: the app's client id
    :param owner: who the token belongs to (a token-store key, or the strategy's kind)
    :param company_id: the ``Procore-Company-Id`` of the request, if any

    .. code-block:: python

        scope = BudgetScope(app="abc", owner="dmsa", company_id=8)
        print(scope.name)  # abc|dmsa|8
    """

    app: str
    owner: str
    company_id: Optional[int] = None

    @property
    def name(self) -> str:
        """The scope as one string, e.g. ``"abc|dmsa|8"``."""
        company = "-" if self.company_id is None else str(self.company_id)
        return f"{self.app}|{self.owner}|{company}"

    @classmethod
    def for_request(cls, auth: AuthStrategy, company_id: Optional[str]) -> BudgetScope:
        """The scope of a request signed by ``auth`` for ``company_id`` (a header value).

        The owner is the token store's ``key`` when it has one (e.g.
        :class:`~procore_dc.redis.RedisTokenStore`), else ``"dmsa"`` for a service account and
        ``"user"`` for a user token (sessions of different users then share one budget: safe,
        but slower than needed).
        """
        owner = getattr(getattr(auth, "store", None), "key", None)
        if not isinstance(owner, str):
            owner = "dmsa" if auth.requires_company_id else "user"
        company = int(company_id) if company_id and company_id.strip().isdigit() else None
        # The session accepts any auth callable with an environment; not all name an app.
        app = getattr(auth, "client_id", None)
        return cls(app=app if isinstance(app, str) else "-", owner=owner, company_id=company)


@runtime_checkable
class RateBudget(Protocol):
    """What a session needs from a shared rate budget.

    .. code-block:: python

        budget = LocalRateBudget()
        session = Session(auth, company_id=8, rate_budget=budget)
    """

    def take(self, scope: BudgetScope) -> float:
        """Take a permit and return 0, or return the seconds to wait before asking again."""

    def observe(self, scope: BudgetScope, headers: Mapping[str, str]) -> None:
        """Learn from the ``X-Rate-Limit-*`` headers of a response (any status)."""


@attrs.define
class _Window:
    limit: int
    remaining: int
    reset: Optional[float]  # None: rolled over at `rolled_from`, the new reset not yet seen
    rolled_from: float = 0.0
    late: int = 0  # permits taken within LATE of the reset


@attrs.define
class _Scope:
    windows: dict[int, _Window] = attrs.Factory(dict)
    probe_until: float = 0.0


class LocalRateBudget:
    """A rate budget shared by every session and thread of this process that uses it.

    It is also the fallback of :class:`~procore_dc.redis.RedisRateLimiter` while Redis is
    unreachable.

    :param margin: seconds added to a wait for ``Reset``, for clock differences (default 0.1)
    :param clock: returns epoch seconds (default: ``time.time``)
    :raises ConfigurationError: for a negative margin

    .. code-block:: python

        budget = LocalRateBudget()
        sessions = [Session(auth, company_id=8, rate_budget=budget) for _ in range(4)]
    """

    def __init__(self, *, margin: float = 0.1, clock: Callable[[], float] = time.time) -> None:
        if not isinstance(margin, (int, float)) or margin < 0:
            raise ConfigurationError("margin must be a number of seconds >= 0")
        self.margin = float(margin)
        self._clock = clock
        self._lock = threading.Lock()
        self._scopes: dict[BudgetScope, _Scope] = {}

    def __repr__(self) -> str:
        return f"LocalRateBudget(scopes={len(self._scopes)})"

    def take(self, scope: BudgetScope) -> float:
        """Take a permit in every known window of ``scope``, or say how long to wait."""
        now = self._clock()
        with self._lock:
            state = self._scopes.setdefault(scope, _Scope())
            if not state.windows:
                if now < state.probe_until:
                    return PROBE_WAIT
                state.probe_until = now + PROBE_TTL
                return 0.0
            wait = 0.0
            for window in state.windows.values():
                if window.reset is not None and now >= window.reset:
                    window.rolled_from, window.reset = window.reset, None
                    window.remaining, window.late = window.limit - window.late, 0
                if window.remaining <= 0:
                    left = PROBE_WAIT if window.reset is None else window.reset - now
                    wait = max(wait, left + self.margin)
            if wait > 0:
                return wait
            for window in state.windows.values():
                window.remaining -= 1
                if window.reset is not None and window.reset - now <= LATE:
                    window.late += 1
            return 0.0

    def observe(self, scope: BudgetScope, headers: Mapping[str, str]) -> None:
        """Fold one response's ``X-Rate-Limit-*`` headers into ``scope``'s windows."""
        seen = parse_rate_limit_headers(headers)
        if seen.limit is None or seen.remaining is None or seen.reset_at is None:
            with self._lock:
                state = self._scopes.get(scope)
                if state is not None:
                    state.probe_until = 0.0  # an answer without headers: let the next probe go
            return
        reset = seen.reset_at.timestamp()
        with self._lock:
            state = self._scopes.setdefault(scope, _Scope())
            state.probe_until = 0.0
            window = state.windows.get(seen.limit)
            if window is None:
                state.windows[seen.limit] = _Window(seen.limit, seen.remaining, reset)
            elif window.reset is None:
                if reset > window.rolled_from:  # the first answer from the new window
                    window.reset = reset
                    window.remaining = min(window.remaining, seen.remaining)
            elif reset == window.reset:
                window.remaining = min(window.remaining, seen.remaining)
            elif reset > window.reset:  # a new window we had not rolled into yet
                window.reset = reset
                window.remaining = seen.remaining


def check_budget(budget: Any) -> Optional[RateBudget]:
    """Return ``budget`` if it is a :class:`RateBudget` or ``None``; raise otherwise."""
    if budget is None or isinstance(budget, RateBudget):
        return budget
    raise ConfigurationError(
        f"rate_budget must be a RateBudget (take/observe), e.g. LocalRateBudget() or "
        f"RedisRateLimiter(...), got {type(budget).__name__}"
    )
