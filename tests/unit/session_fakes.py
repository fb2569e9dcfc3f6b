"""Fakes for the session tests: an auth strategy and a clock that never sleeps."""

from __future__ import annotations

import threading
from typing import Optional
from urllib.parse import urlsplit

import requests
import requests.auth

from procore_dc import Environment, RetryPolicy

T0 = 1_800_000_000.0


class FakeTime:
    """An injected clock: ``sleep`` records the wait and moves ``clock`` forward."""

    def __init__(self, start: float = T0) -> None:
        self.now = start
        self.sleeps: list[float] = []
        self.on_sleep: Optional[callable] = None  # type: ignore[valid-type]

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        if self.on_sleep is not None:
            self.on_sleep(seconds)
        self.now += seconds

    @property
    def slept(self) -> float:
        return round(sum(self.sleeps), 6)


def policy(time: FakeTime, **kwargs: object) -> RetryPolicy:
    """The default policy with jitter pinned at half of ``backoff_factor`` (0.25 s)."""
    return RetryPolicy(clock=time.clock, sleep=time.sleep, random=lambda: 0.5, **kwargs)


class FakeAuth(requests.auth.AuthBase):
    """Implements the AuthStrategy interface with a list of tokens and counters."""

    requires_company_id = False

    def __init__(
        self,
        environment: Environment,
        tokens: tuple[str, ...] = ("token-one-aaaaaaaaaaaa", "token-two-bbbbbbbbbbbb"),
        *,
        requires_company_id: bool = False,
    ) -> None:
        self.environment = environment
        self.store = None
        self.requires_company_id = requires_company_id
        self._tokens = list(tokens)
        self._index = 0
        self.refreshes: list[Optional[str]] = []
        self.calls = 0
        self._lock = threading.Lock()

    @property
    def token(self) -> str:
        return self._tokens[min(self._index, len(self._tokens) - 1)]

    def ensure_valid(self, http: Optional[requests.Session] = None) -> str:
        return self.token

    def refresh(
        self, http: Optional[requests.Session] = None, *, failed_access_token: Optional[str] = None
    ) -> str:
        with self._lock:
            self.refreshes.append(failed_access_token)
            if failed_access_token == self.token:
                self._index += 1
            return self.token

    def revoke(self, http: Optional[requests.Session] = None) -> None:
        pass

    def __call__(self, r: requests.PreparedRequest) -> requests.PreparedRequest:
        self.calls += 1
        parts = urlsplit(r.url or "")
        if parts.netloc == self.environment.api_host:
            r.headers["Authorization"] = f"Bearer {self.token}"
        return r
