"""Many workers, one token and one rate budget: coordination through Redis (extra ``redis``).

- :class:`RedisTokenStore`: a token store with a distributed renewal lease, so any number of
  processes on any number of hosts make one token request per renewal.
- :class:`RedisRateLimiter`: a :class:`~procore_dc.rate_budget.RateBudget` shared by a fleet,
  so that together the workers stay inside Procore's rate-limit windows.
- :class:`WorkLeases`: leases on :class:`WorkUnit` s (company, project, tool), so two workers
  never export the same unit at once and a crashed worker's units come back.

Importing this module imports redis-py (``pip install 'procore-dc[redis]'``);
``import procore_dc`` does not. See the scaling guide for the failure semantics.

.. code-block:: python

    from procore_dc.redis import RedisRateLimiter, RedisTokenStore, WorkLeases, WorkUnit
"""

from __future__ import annotations

from procore_dc._redis.rate_limiter import RedisRateLimiter
from procore_dc._redis.token_store import RedisTokenStore
from procore_dc._redis.work import WorkLease, WorkLeases, WorkUnit

__all__ = ["RedisRateLimiter", "RedisTokenStore", "WorkLease", "WorkLeases", "WorkUnit"]
