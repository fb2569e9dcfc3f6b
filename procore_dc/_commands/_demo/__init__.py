"""``procore-dc demo``'s scenario: the console printer, the steps, and the two runs (embedded
sandbox, read-only live) that compose them."""

from __future__ import annotations

from procore_dc._commands._demo.printer import DemoPrinter
from procore_dc._commands._demo.scenario import (
    DEMO_CALLS,
    LIVE_CALLS,
    USER_AGENT,
    build_manifest,
    run_embedded,
    run_live,
)

__all__ = [
    "DEMO_CALLS",
    "LIVE_CALLS",
    "USER_AGENT",
    "DemoPrinter",
    "build_manifest",
    "run_embedded",
    "run_live",
]
