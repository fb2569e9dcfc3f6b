"""``procore_dc.testing``: a faithful Procore sandbox on 127.0.0.1 for tests and demos.

:class:`FakeProcore` serves Procore's login host, API host and presigned upload storage from
real HTTP listeners, with seeded data, OAuth, permissions, pagination, rate limits, webhooks
and injectable faults. It is an independent implementation of Procore's side: it imports no
client code, so a client bug cannot hide itself in the server.

.. code-block:: python

    from procore_dc.testing import FakeProcore

    with FakeProcore(seed=0) as sandbox:
        app = sandbox.default_app
        print(sandbox.api_url, app.client_id)

Needs the ``sandbox`` extra (werkzeug): ``pip install procore-dc[sandbox]``.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

# The names load on first use: ``procore_dc.testing.pytest_plugin`` and ``cassettes`` live in
# this package and must import without werkzeug (the ``sandbox`` extra) installed.
if TYPE_CHECKING:
    from procore_dc.testing._clock import SandboxClock
    from procore_dc.testing._data import DEFAULT_SIZES, SandboxData
    from procore_dc.testing._faults import FAULT_KINDS, Fault, Faults
    from procore_dc.testing._oauth import ALL, OOB_REDIRECT_URI, PermittedProjects, SandboxApp
    from procore_dc.testing._ratelimit import RateLimits
    from procore_dc.testing._sandbox import SERVED_TOOLS, FakeProcore, RequestRecord
    from procore_dc.testing._webhooks import RESOURCE_NAMES, WebhookDispatcher
    from procore_dc.testing.webhook_sink import WebhookSink

_HOMES = {
    "SandboxClock": "_clock",
    "DEFAULT_SIZES": "_data",
    "SandboxData": "_data",
    "FAULT_KINDS": "_faults",
    "Fault": "_faults",
    "Faults": "_faults",
    "ALL": "_oauth",
    "PermittedProjects": "_oauth",
    "OOB_REDIRECT_URI": "_oauth",
    "SandboxApp": "_oauth",
    "RateLimits": "_ratelimit",
    "SERVED_TOOLS": "_sandbox",
    "FakeProcore": "_sandbox",
    "RequestRecord": "_sandbox",
    "RESOURCE_NAMES": "_webhooks",
    "WebhookDispatcher": "_webhooks",
    "WebhookSink": "webhook_sink",
}


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    try:
        module = import_module(f"{__name__}.{home}")
    except ModuleNotFoundError as exc:
        if (exc.name or "").partition(".")[0] != "werkzeug":
            raise
        raise ModuleNotFoundError(
            f"procore_dc.testing.{name} needs the sandbox extra (werkzeug), which is not "
            "installed: pip install 'procore-dc[sandbox]'",
            name=exc.name,
        ) from exc
    value = getattr(module, name)
    globals()[name] = value
    return value


__all__ = [
    "FakeProcore",
    "RateLimits",
    "SandboxClock",
    "SandboxApp",
    "SandboxData",
    "RequestRecord",
    "Faults",
    "Fault",
    "FAULT_KINDS",
    "WebhookDispatcher",
    "DEFAULT_SIZES",
    "SERVED_TOOLS",
    "RESOURCE_NAMES",
    "OOB_REDIRECT_URI",
    "ALL",
    "PermittedProjects",
    "WebhookSink",
]
