"""Fuzz ``Manifest.from_json``: a ``Manifest`` or a ``ManifestError``, nothing else.

python fuzz/fuzz_manifest.py [-max_total_time=600]
"""

from __future__ import annotations

import warnings

from _common import instrumented, main

with instrumented():
    from procore_dc.exceptions import ManifestError
    from procore_dc.manifest import Manifest


def fuzz_one_input(data: bytes) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # legacy manifests warn when converted
        try:
            manifest = Manifest.from_json(data)
        except ManifestError:
            return
    assert isinstance(manifest, Manifest)


if __name__ == "__main__":
    main(fuzz_one_input)
