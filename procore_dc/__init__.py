"""procore-dc: the Python SDK for Procore data connection applications.

.. code-block:: python

    import procore_dc

    env = procore_dc.Environment.from_name("sandbox")
"""

from __future__ import annotations

import logging

from procore_dc._redact import install_log_filter
from procore_dc._version import __version__
from procore_dc.auth import (
    AuthorizationFlow,
    AuthStrategy,
    FileTokenStore,
    MemoryTokenStore,
    ServiceAccountAuth,
    Token,
    TokenStore,
    UserLevelAuth,
)
from procore_dc.client import CompanyScope, ProcoreClient, ProjectScope
from procore_dc.environments import Environment
from procore_dc.exceptions import (
    APIError,
    AuthenticationError,
    BadRequestError,
    ConfigurationError,
    ConflictError,
    InvalidGrantError,
    LeaseLostError,
    ManifestError,
    NotFoundError,
    OAuthError,
    PermissionDeniedError,
    ProcoreError,
    RateLimitError,
    ResponseFormatError,
    ServerError,
    StateMismatchError,
    TransportError,
    ValidationError,
    WebhookError,
    WebhookVerificationError,
)
from procore_dc.pagination import Page, PageIterator
from procore_dc.rate_budget import BudgetScope, LocalRateBudget, RateBudget
from procore_dc.rate_limit import RateLimitState
from procore_dc.retry import RetryPolicy
from procore_dc.session import Session

__all__ = [
    "__version__",
    # environments
    "Environment",
    # auth
    "AuthStrategy",
    "ServiceAccountAuth",
    "UserLevelAuth",
    "AuthorizationFlow",
    "Token",
    "TokenStore",
    "MemoryTokenStore",
    "FileTokenStore",
    # session
    "ProcoreClient",
    "CompanyScope",
    "ProjectScope",
    "Session",
    "RetryPolicy",
    "RateLimitState",
    "RateBudget",
    "LocalRateBudget",
    "BudgetScope",
    "PageIterator",
    "Page",
    # errors
    "APIError",
    "AuthenticationError",
    "BadRequestError",
    "ConfigurationError",
    "ConflictError",
    "InvalidGrantError",
    "LeaseLostError",
    "ManifestError",
    "NotFoundError",
    "OAuthError",
    "PermissionDeniedError",
    "ProcoreError",
    "RateLimitError",
    "ResponseFormatError",
    "ServerError",
    "StateMismatchError",
    "TransportError",
    "ValidationError",
    "WebhookError",
    "WebhookVerificationError",
]

logging.getLogger(__name__).addHandler(logging.NullHandler())

# oauthlib and requests-oauthlib log tokens and request bodies at DEBUG; import them first so
# that their module loggers exist, then filter those and ours.
import contextlib  # noqa: E402

import oauthlib.oauth2  # noqa: E402

with contextlib.suppress(ImportError):  # not installed: nothing of it to filter
    import requests_oauthlib  # noqa: F401

install_log_filter()
del oauthlib

# The Redis helpers (extra "redis") load on first use, so `import procore_dc` never imports
# redis-py; they stay out of __all__ so that `from procore_dc import *` works without it.
_REDIS_NAMES = ("RedisTokenStore", "RedisRateLimiter", "WorkLeases", "WorkUnit")


def __getattr__(name: str) -> object:
    if name in _REDIS_NAMES:
        from procore_dc import redis as _redis

        return getattr(_redis, name)
    raise AttributeError(f"module 'procore_dc' has no attribute {name!r}")
