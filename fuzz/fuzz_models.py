"""Fuzz JSON -> model loading: bytes through ``response_json`` into every model class.

A model, or a ``ResponseFormatError``; nothing else.

    python fuzz/fuzz_models.py [-max_total_time=600]
"""

from __future__ import annotations

from typing import Any

import attrs
from _common import instrumented, main, make_response, provider

with instrumented():
    import procore_dc.models as models
    from procore_dc.exceptions import ResponseFormatError
    from procore_dc.models import structure, structure_many
    from procore_dc.session import response_json


def _concrete(cls: Any) -> Any:
    return cls[models.Vendor] if getattr(cls, "__parameters__", ()) else cls


CLASSES = [
    _concrete(value)
    for name in models.__all__
    if isinstance(value := getattr(models, name), type) and attrs.has(value)
]


def fuzz_one_input(data: bytes) -> None:
    fdp = provider(data)
    cls = CLASSES[fdp.ConsumeIntInRange(0, len(CLASSES) - 1)]
    response = make_response(200, fdp.ConsumeRemainingBytes(), {"Content-Type": "application/json"})
    try:
        value = response_json(response)
        if isinstance(value, list):
            structure_many(value, cls)
        else:
            structure(value, cls)
    except ResponseFormatError:
        pass


if __name__ == "__main__":
    main(fuzz_one_input)
