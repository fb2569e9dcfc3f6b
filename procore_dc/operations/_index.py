"""A small index of which operations the spec shapes, so the table loads without the spec.

The spec (``procore_dc._catalog.load_schemas()``) is three times the catalogue; the table
needs only whether an operation has a shape entry, whether it documents an answer, and whether
that answer is a JSON array (to tell a Link-paged list from an object holding one). That much
is kept in ``shapes.json.gz`` beside this module, built by :func:`build_index`; a test checks
it matches the spec. Regenerate it with ``python -m procore_dc.operations._index``.
"""

from __future__ import annotations

import functools
import gzip
import json
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Any

__all__ = ["build_index", "load_index", "write_index"]

_FILE = "shapes.json.gz"


def build_index() -> dict[str, int]:
    """``"METHOD path"`` -> 0 (a shape, no answer documented), 1 (an object or other value)
    or 2 (a JSON array), for every operation the spec shapes."""
    from procore_dc._catalog import load_schemas

    index = {}
    for key, shape in load_schemas()["operations"].items():
        if shape.get("response") is None:
            index[key] = 0
        else:
            index[key] = 2 if shape.get("response_is_list") else 1
    return dict(sorted(index.items()))


@functools.cache
def load_index() -> Mapping[str, int]:
    """The shipped index (see :func:`build_index`), parsed once."""
    data = resources.files(__package__ or "procore_dc.operations").joinpath(_FILE).read_bytes()
    loaded: Mapping[str, Any] = json.loads(gzip.decompress(data))
    return loaded


def write_index(path: Path) -> None:
    """Write :func:`build_index` to ``path`` (gzip, deterministic bytes)."""
    text = json.dumps(build_index(), separators=(",", ":")).encode()
    path.write_bytes(gzip.compress(text, mtime=0))


if __name__ == "__main__":  # pragma: no cover - the maintainers' regeneration command
    write_index(Path(__file__).with_name(_FILE))
