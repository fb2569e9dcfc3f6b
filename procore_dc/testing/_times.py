"""Timestamps as Procore formats them."""

from __future__ import annotations

import datetime as dt

__all__ = ["iso", "iso_date"]


def iso(epoch: float) -> str:
    """Format epoch seconds the way Procore does: ISO 8601 UTC with a ``Z`` (procore-api.md 2.6)."""
    return dt.datetime.fromtimestamp(epoch, dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def iso_date(epoch: float) -> str:
    """Format epoch seconds as a plain ``YYYY-MM-DD`` date."""
    return dt.datetime.fromtimestamp(epoch, dt.timezone.utc).strftime("%Y-%m-%d")
