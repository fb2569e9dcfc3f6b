"""How a request is authorized: tokens, token stores and the two auth strategies.

- :class:`ServiceAccountAuth`: the app's Developer Managed Service Account (Client
  Credentials), renewed by fetching a new token.
- :class:`UserLevelAuth`: a signed-in user (Authorization Code with state and PKCE), renewed
  with single-use, rotating refresh tokens.

Both are :class:`AuthStrategy` objects, ``requests`` auth callables with single-flight
renewal, and keep their token in a :class:`TokenStore` (:class:`MemoryTokenStore` or
:class:`FileTokenStore`).

.. code-block:: python

    from procore_dc import Environment, ServiceAccountAuth

    auth = ServiceAccountAuth.from_env()
    token = auth.ensure_valid()
"""

from __future__ import annotations

from procore_dc.auth.base import AuthStrategy
from procore_dc.auth.service_account import ServiceAccountAuth
from procore_dc.auth.stores import FileTokenStore, MemoryTokenStore, TokenStore
from procore_dc.auth.tokens import Token
from procore_dc.auth.user_level import OOB_REDIRECT_URI, AuthorizationFlow, UserLevelAuth

__all__ = [
    "AuthStrategy",
    "ServiceAccountAuth",
    "UserLevelAuth",
    "AuthorizationFlow",
    "OOB_REDIRECT_URI",
    "Token",
    "TokenStore",
    "MemoryTokenStore",
    "FileTokenStore",
]
