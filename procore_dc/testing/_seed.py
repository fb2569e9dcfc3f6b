"""What seeded records are made of: names, places, trades, statuses and timestamps.

The record makers are :mod:`._seed_directory` (companies, projects, users, vendors) and
:mod:`._seed_tools` (each project tool's records); :class:`~._data.SandboxData` wires them to
the store.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Mapping
from typing import Any

from procore_dc.testing._store import Record

__all__ = [
    "CITIES",
    "EPOCH",
    "FIRST_NAMES",
    "LAST_NAMES",
    "MANPOWER_STATUSES",
    "OBSERVATION_PRIORITIES",
    "OBSERVATION_STATUSES",
    "RFI_STATUSES",
    "STAGES",
    "SUBMITTAL_STATUSES",
    "TRADES",
    "WORDS",
    "person_ref",
    "stamp",
]

# Seeded timestamps are anchored to a fixed day so that the same seed always gives the same
# records (cassettes recorded twice do not differ). Manpower logs are the exception: Procore
# returns only today's logs without date parameters (procore-api.md 2.6), so they are spread
# over the 30 days up to the sandbox's first day.
EPOCH = dt.datetime(2025, 1, 6, 8, 0, 0, tzinfo=dt.timezone.utc)

FIRST_NAMES = ["Ava", "Ben", "Chloe", "Dan", "Ella", "Finn", "Grace", "Hugo", "Isla", "Jack", "Kai"]
LAST_NAMES = ["Adams", "Baker", "Clark", "Diaz", "Evans", "Fox", "Garcia", "Hill", "Ito", "Jones"]
CITIES = [
    ("Austin", "TX", "78701"),
    ("Denver", "CO", "80202"),
    ("Seattle", "WA", "98101"),
    ("Boston", "MA", "02108"),
    ("Phoenix", "AZ", "85004"),
]
TRADES = ["Concrete", "Electrical", "Plumbing", "Drywall", "Steel", "HVAC", "Roofing"]
WORDS = ["north", "wing", "level", "curtain", "wall", "slab", "duct", "stair", "core", "roof"]
STAGES = ["Course of Construction", "Pre-Construction", "Bidding", "Warranty", "Closeout"]
RFI_STATUSES = ("draft", "open", "closed")
OBSERVATION_STATUSES = ("initiated", "ready_for_review", "not_accepted", "closed")
OBSERVATION_PRIORITIES = ("Low", "Medium", "High", "Urgent")
SUBMITTAL_STATUSES = ("Draft", "Open", "Closed", "Approved")
MANPOWER_STATUSES = ("pending", "approved")


def stamp(rng: random.Random, days: int = 300) -> float:
    return EPOCH.timestamp() + rng.randrange(days * 86400)


def person_ref(user: Mapping[str, Any]) -> Record:
    # Person refs embedded in other resources are {id, login, name} (procore-api.md 3.4).
    return {"id": user["id"], "login": user["email_address"], "name": user["name"]}
