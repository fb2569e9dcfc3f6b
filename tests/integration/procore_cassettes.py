"""The object the ``procore_cassette`` fixture yields (see ``conftest.py`` and README.md)."""

from __future__ import annotations

from typing import Any

from procore_dc import RetryPolicy, ServiceAccountAuth, Session
from procore_dc.testing.cassettes import CassetteRun

__all__ = ["IntegrationCassette"]


class IntegrationCassette(CassetteRun):
    """A :class:`CassetteRun` that also builds the client objects the tests use."""

    def auth(self) -> ServiceAccountAuth:
        """The app's service account on the cassette's environment."""
        return ServiceAccountAuth(self.client_id, self.client_secret, environment=self.environment)

    def session(self, **kwargs: Any) -> Session:
        """A :class:`Session` with :meth:`auth`, the cassette's company id and, on replay,
        a retry policy that never sleeps."""
        kwargs.setdefault("company_id", self.company_id)
        if not self.recording:
            kwargs.setdefault("retry", RetryPolicy(sleep=lambda _seconds: None))
        return Session(self.auth(), **kwargs)
