"""procore-dc: the Python SDK for Procore data connection applications.

.. code-block:: python

    import procore_dc

    env = procore_dc.Environment.from_name("sandbox")
"""

from __future__ import annotations

import logging

from procore_dc._redact import install_log_filter
from procore_dc._version import __version__
from procore_dc.environments import Environment
from procore_dc.exceptions import (
    APIError,
    AuthenticationError,
    BadRequestError,
    ConfigurationError,
    ConflictError,
    InvalidGrantError,
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

__all__ = [
    "__version__",
    # environments
    "Environment",
    # errors
    "APIError",
    "AuthenticationError",
    "BadRequestError",
    "ConfigurationError",
    "ConflictError",
    "InvalidGrantError",
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

# requests-oauthlib and oauthlib log tokens and request bodies at DEBUG; import them first so
# that their module loggers exist, then filter those and ours.
import oauthlib.oauth2  # noqa: E402
import requests_oauthlib  # noqa: E402, F401

install_log_filter()
del oauthlib
