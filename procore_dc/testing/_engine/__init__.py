"""The generic engine: every operation of Procore's catalogue, served from Procore's own spec.

It sits beneath the hand-written handlers: a request no hand-written route matches is looked up
in the route table built from the shipped catalogue (:mod:`._routes`), checked against the
operation's parameters, tool permission and request-body schema (:mod:`._check`), then answered
by the handler of its kind (:mod:`._handlers`) from a lazily seeded store (:mod:`._store`),
shaped by the response schema (:mod:`._shapes`).
"""

from __future__ import annotations

from procore_dc.testing._engine._glue import GenericEngine
from procore_dc.testing._engine._routes import Operation, RouteTable, route_table

__all__ = ["GenericEngine", "Operation", "RouteTable", "route_table"]
