"""Seed vocabulary: scalar values that look like construction data, a function of one number."""

from __future__ import annotations

import datetime as dt
from typing import Any, Optional

__all__ = ["no_hint", "scalar"]

# The same anchor as the curated records (testing/_seed.py), so dates of all tools line up.
_EPOCH = dt.datetime(2025, 1, 6, 8, 0, 0, tzinfo=dt.timezone.utc).timestamp()
_TRADES = ("Concrete", "Electrical", "Plumbing", "Drywall", "Steel", "HVAC", "Roofing", "Sitework")
_THINGS = ("footings", "level 2 slab", "curtain wall", "roof drains", "stair core", "duct risers")
_AREAS = ("north wing", "podium", "tower", "parking deck", "lobby", "east elevation")
_FIRST = ("Ava", "Ben", "Chloe", "Dan", "Ella", "Finn", "Grace", "Hugo", "Isla", "Jack")
_LAST = ("Adams", "Baker", "Clark", "Diaz", "Evans", "Fox", "Garcia", "Hill", "Ito", "Jones")
_CITIES = (("Austin", "TX", "78701"), ("Denver", "CO", "80202"), ("Seattle", "WA", "98101"))
_LONG_TEXT = ("description", "notes", "body", "comment", "question", "answer", "text", "reason")
_NAMES = ("name", "title", "subject", "label", "summary")


def no_hint(name: str, kind: str, key: str) -> Any:
    """The hint of a shape without sandbox context: none."""
    return None


def _person(number: int) -> tuple[str, str]:
    return _FIRST[number % len(_FIRST)], _LAST[(number // 7) % len(_LAST)]


def _text(name: str, number: int) -> str:
    trade = _TRADES[number % len(_TRADES)]
    thing = _THINGS[(number // 11) % len(_THINGS)]
    area = _AREAS[(number // 101) % len(_AREAS)]
    lowered = name.lower()
    if any(word in lowered for word in _LONG_TEXT):
        return f"{trade} crew to confirm {thing} at the {area} before the next pour."
    if "email" in lowered or lowered == "login":
        first, last = _person(number)
        return f"{first.lower()}.{last.lower()}@example.com"
    if any(word in lowered for word in ("phone", "fax", "mobile")):
        return f"+1 512 555 {number % 10_000:04d}"
    if "url" in lowered or "href" in lowered or lowered == "link":
        return f"https://app.procore.example/{number % 100_000}"
    if lowered in ("first_name",):
        return _person(number)[0]
    if lowered in ("last_name",):
        return _person(number)[1]
    if lowered == "city":
        return _CITIES[number % len(_CITIES)][0]
    if lowered in ("state_code", "state"):
        return _CITIES[number % len(_CITIES)][1]
    if lowered in ("zip", "postal_code"):
        return _CITIES[number % len(_CITIES)][2]
    if lowered in ("country_code", "country"):
        return "US"
    if "address" in lowered:
        return f"{number % 9_000 + 100} Main St"
    if "currency" in lowered:
        return "USD"
    if "color" in lowered or "colour" in lowered:
        return f"#{number % 0xFFFFFF:06x}"
    if lowered in ("number", "code", "reference", "position", "full_code") or lowered.endswith(
        ("_number", "_code")
    ):
        return f"{number % 90 + 10:02d}-{number % 900 + 100}"
    if lowered.endswith(_NAMES) or lowered in _NAMES:
        return f"{trade} - {thing}, {area}"
    return f"{trade} {thing}"


def scalar(kind: str, fmt: Optional[str], name: str, number: int) -> Any:
    """A value of a scalar type for field ``name``, derived from ``number`` alone."""
    if fmt == "decimal":
        return f"{(number % 400_000) * 2.5:.2f}"
    if kind == "date-time":
        stamp = _EPOCH + number % (300 * 86_400)
        return dt.datetime.fromtimestamp(stamp, dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    if kind == "date":
        stamp = _EPOCH + number % (300 * 86_400)
        return dt.datetime.fromtimestamp(stamp, dt.timezone.utc).strftime("%Y-%m-%d")
    if kind == "integer":
        if name == "id" or name.endswith("_id"):
            return 10_000 + number % 900_000
        return number % 50 + 1
    if kind == "number":
        return round((number % 100_000) / 100, 2)
    if kind == "boolean":
        return number % 2 == 0
    return _text(name, number)
