"""Every Procore operation, as data, callable from any scope: the operation table and engine.

:func:`load_operations` gives the :class:`OperationTable` of all 2,636 operations of Procore's
REST API (built from the catalogue shipped in the package, on first use). Each
:class:`Operation` knows its method, path, version, parameters, body fields, the tool and level
it needs, whether it pages, and the shape of its answer. ``client.call(...)``,
``company.call(...)`` and ``project.call(...)`` send any of them: checked against Procore's
spec before sending, ids filled from the scope, the answer typed by the spec.

.. code-block:: python

    project = client.company(8).project(42)
    for match in client.operations.search("punch items"):
        print(match.method, match.path, match.summary)
    items = project.call("GET /rest/v1.0/punch_items", filters={"status": "open"})
    first = next(iter(items))          # a model built from Procore's spec
    project.call("POST /rest/v1.0/punch_items", body={"punch_item": {"name": "Paint"}})
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

# The names load on first use, as procore_dc's own do: the scopes' facade bases import
# procore_dc.operations._facades with the client, and that must not pull in the engine.
_LAZY = {
    "BodyField": "procore_dc.operations._spec",
    "Match": "procore_dc.operations._table",
    "Operation": "procore_dc.operations._spec",
    "OperationTable": "procore_dc.operations._table",
    "Parameter": "procore_dc.operations._spec",
    "Record": "procore_dc.operations._models",
    "call_operation": "procore_dc.operations._engine",
    "load_operations": "procore_dc.operations._table",
    "mangle": "procore_dc.operations._models",
    "model_for": "procore_dc.operations._models",
}

if TYPE_CHECKING:
    from procore_dc.operations._engine import call_operation
    from procore_dc.operations._models import Record, mangle, model_for
    from procore_dc.operations._spec import BodyField, Operation, Parameter
    from procore_dc.operations._table import Match, OperationTable, load_operations

__all__ = [
    "BodyField",
    "Match",
    "Operation",
    "OperationTable",
    "Parameter",
    "Record",
    "call_operation",
    "load_operations",
    "mangle",
    "model_for",
]


def __getattr__(name: str) -> object:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'procore_dc.operations' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
