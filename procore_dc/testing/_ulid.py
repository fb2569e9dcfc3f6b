"""ULIDs: time-ordered ids in Crockford base32, as Procore's upload uuids and event ulids are."""

from __future__ import annotations

import secrets

__all__ = ["ulid"]

_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def ulid(now: float) -> str:
    """A ULID (time-ordered, 26 Crockford base32 chars) for the epoch seconds ``now``."""
    value = (int(now * 1000) << 80) | secrets.randbits(80)
    return "".join(_CROCKFORD[(value >> (5 * i)) & 31] for i in reversed(range(26)))
