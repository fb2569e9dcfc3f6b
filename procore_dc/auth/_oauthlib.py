"""oauthlib, imported when a token is first requested rather than with ``import procore_dc``.

requests-oauthlib and oauthlib log tokens and request bodies at DEBUG: both are imported here so
that their module loggers exist, and the secret filter is attached to them before any token
request is made.
"""

from __future__ import annotations

import contextlib

from oauthlib.common import generate_token
from oauthlib.oauth2 import BackendApplicationClient, OAuth2Error, WebApplicationClient

from procore_dc._redact import install_log_filter

__all__ = ["BackendApplicationClient", "OAuth2Error", "WebApplicationClient", "generate_token"]

with contextlib.suppress(ImportError):  # not installed: nothing of it to filter
    import requests_oauthlib  # noqa: F401 - imported so that its loggers exist to be filtered

install_log_filter()
