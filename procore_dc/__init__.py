"""procore-dc: the Python SDK for Procore data connection applications.

.. code-block:: python

    import procore_dc

    env = procore_dc.Environment.from_name("sandbox")
"""

from __future__ import annotations

import importlib
import logging
from typing import TYPE_CHECKING

from procore_dc._redact import install_log_filter
from procore_dc._version import __version__

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
    "RequestValidationError",
    "ResponseFormatError",
    "ServerError",
    "StateMismatchError",
    "TransportError",
    "ValidationError",
    "WebhookError",
    "WebhookVerificationError",
]

logging.getLogger(__name__).addHandler(logging.NullHandler())
install_log_filter()

# `import procore_dc` loads nothing but this table and the log filter, so that importing a
# subpackage (procore_dc.testing, procore_dc.manifest) pays only for what it uses. Each public
# name loads its module on first use: the Session, the auth strategies and the errors with
# requests; oauthlib and requests-oauthlib with the first token request
# (procore_dc.auth._oauthlib, which filters their loggers); the typed client and its models;
# pagination; and the Redis helpers (extra "redis"; they stay out of __all__ so that
# `from procore_dc import *` works without redis-py).
_LAZY = {
    "AuthorizationFlow": "procore_dc.auth",
    "AuthStrategy": "procore_dc.auth",
    "FileTokenStore": "procore_dc.auth",
    "MemoryTokenStore": "procore_dc.auth",
    "ServiceAccountAuth": "procore_dc.auth",
    "Token": "procore_dc.auth",
    "TokenStore": "procore_dc.auth",
    "UserLevelAuth": "procore_dc.auth",
    "Environment": "procore_dc.environments",
    "APIError": "procore_dc.exceptions",
    "AuthenticationError": "procore_dc.exceptions",
    "BadRequestError": "procore_dc.exceptions",
    "ConfigurationError": "procore_dc.exceptions",
    "ConflictError": "procore_dc.exceptions",
    "InvalidGrantError": "procore_dc.exceptions",
    "LeaseLostError": "procore_dc.exceptions",
    "ManifestError": "procore_dc.exceptions",
    "NotFoundError": "procore_dc.exceptions",
    "OAuthError": "procore_dc.exceptions",
    "PermissionDeniedError": "procore_dc.exceptions",
    "ProcoreError": "procore_dc.exceptions",
    "RateLimitError": "procore_dc.exceptions",
    "RequestValidationError": "procore_dc.exceptions",
    "ResponseFormatError": "procore_dc.exceptions",
    "ServerError": "procore_dc.exceptions",
    "StateMismatchError": "procore_dc.exceptions",
    "TransportError": "procore_dc.exceptions",
    "ValidationError": "procore_dc.exceptions",
    "WebhookError": "procore_dc.exceptions",
    "WebhookVerificationError": "procore_dc.exceptions",
    "BudgetScope": "procore_dc.rate_budget",
    "LocalRateBudget": "procore_dc.rate_budget",
    "RateBudget": "procore_dc.rate_budget",
    "RateLimitState": "procore_dc.rate_limit",
    "RetryPolicy": "procore_dc.retry",
    "Session": "procore_dc.session",
    "ProcoreClient": "procore_dc.client",
    "CompanyScope": "procore_dc.client",
    "ProjectScope": "procore_dc.client",
    "Page": "procore_dc.pagination",
    "PageIterator": "procore_dc.pagination",
    "RedisTokenStore": "procore_dc.redis",
    "RedisRateLimiter": "procore_dc.redis",
    "WorkLeases": "procore_dc.redis",
    "WorkUnit": "procore_dc.redis",
}

if TYPE_CHECKING:
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
        RequestValidationError,
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


def __getattr__(name: str) -> object:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'procore_dc' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
