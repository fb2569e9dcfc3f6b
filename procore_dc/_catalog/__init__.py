"""Procore's own facts about its REST API, shipped as data: a leaf that imports nothing of ours.

Two gzipped JSON files, copied without change of content from the project's reference data:

- ``catalog.json.gz``: every operation of Procore's REST API (2,636 of them): method, path,
  summary, tool tag, query and path parameters, request-body field names. Derived from the
  endpoint catalogue of ``TylerIlunga/procore-mcp-server`` (MIT licence, commit ``eed7a84``),
  which lists Procore's published OpenAPI specification.
- ``schemas.json.gz``: request-body and response shapes for 1,944 of those operations, read
  from the openapi-generator client generated from Procore's spec (API documentation 2.0, as of
  2024-10). Its ``format`` key explains the notation.

Both the SDK's operations engine and the :mod:`procore_dc.testing` sandbox read these files,
so this module holds data and loading only, never behaviour (the sandbox must stay an
independent implementation of Procore's side). Each file is read and parsed once, on first use.

.. code-block:: python

    from procore_dc._catalog import load_catalog

    len(load_catalog()["operations"])  # 2636
"""

from __future__ import annotations

import functools
import gzip
import json
from importlib import resources
from typing import Any, Dict

__all__ = ["load_catalog", "load_schemas"]


def _load(name: str) -> Dict[str, Any]:
    data = resources.files(__name__).joinpath(name).read_bytes()
    loaded: Dict[str, Any] = json.loads(gzip.decompress(data))
    return loaded


@functools.cache
def load_catalog() -> Dict[str, Any]:
    """Procore's operation catalogue: ``{"source": ..., "operations": [...]}``, parsed once.

    .. code-block:: python

        ops = load_catalog()["operations"]
        ops[0]["method"], ops[0]["path"]
    """
    return _load("catalog.json.gz")


@functools.cache
def load_schemas() -> Dict[str, Any]:
    """Procore's request and response shapes, keyed ``"METHOD path"``, parsed once.

    .. code-block:: python

        shapes = load_schemas()
        shapes["operations"]["GET /rest/v1.0/projects"]
    """
    return _load("schemas.json.gz")
