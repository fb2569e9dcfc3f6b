"""The API host's routes: one module per Procore tool, each exporting ``rules()``.

A new Procore tool gets its module here, with its handlers and ``rules()``, and a line in
:func:`build_map`. Operations no module serves are the generic engine's (``testing/_engine``).
"""

from __future__ import annotations

from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Response

from procore_dc.testing._rest import Ctx
from procore_dc.testing.api import (
    companies,
    daily_log,
    directory,
    documents,
    observations,
    rfis,
    submittals,
    uploads,
    webhooks,
)

__all__ = ["build_map", "oauth_token"]

_TOOLS = (
    companies,
    directory,
    rfis,
    submittals,
    observations,
    documents,
    daily_log,
    uploads,
    webhooks,
)


def oauth_token(ctx: Ctx) -> Response:
    """``POST /oauth/token`` on the API host, where Procore has long served it too (its Ruby
    gem posted there until 1.3). ``FakeProcore`` hands it to the login host's handler before
    any bearer-token check, so this body never runs."""
    raise NotImplementedError


def build_map() -> Map:
    """Every hand-written API-host route; paths as in procore-catalog.json."""
    found = [Rule("/oauth/token", endpoint=oauth_token, methods=["POST"])]
    for tool in _TOOLS:
        found += tool.rules()
    # Procore's paths are exact: no trailing-slash redirects, no merging of slashes.
    return Map(found, strict_slashes=False, merge_slashes=False, redirect_defaults=False)
