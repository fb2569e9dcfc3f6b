"""Shared plumbing for the fuzz harnesses: atheris when installed, a seeded fallback if not.

Each harness defines ``test_one_input(data: bytes)`` and calls :func:`main`. With atheris
(Python 3.11-3.14, ``pip install atheris``) the imports are instrumented and libFuzzer drives
the input; without it, :func:`main` feeds seeded random bytes for ``--runs`` iterations, which
is enough to smoke-test a harness. Either way the only exceptions a harness lets through are
the ones the parser does not document: those are the bugs.
"""

from __future__ import annotations

import argparse
import contextlib
import random
import sys
import time
from collections.abc import Iterator, Mapping
from typing import Any, Callable

try:
    import atheris  # type: ignore[import-not-found]
except ImportError:  # the fallback below needs nothing
    atheris = None

import requests
from requests.structures import CaseInsensitiveDict


@contextlib.contextmanager
def instrumented() -> Iterator[None]:
    """Instrument the SDK's modules for coverage feedback when atheris is there."""
    if atheris is None:
        yield
        return
    with atheris.instrument_imports():
        yield


class Provider:
    """The few ``atheris.FuzzedDataProvider`` methods the harnesses use, over plain bytes."""

    def __init__(self, data: bytes) -> None:
        self._data = data
        self._at = 0

    def _take(self, count: int) -> bytes:
        chunk = self._data[self._at : self._at + max(0, count)]
        self._at += len(chunk)
        return chunk

    def ConsumeIntInRange(self, low: int, high: int) -> int:  # noqa: N802 - atheris's name
        raw = int.from_bytes(self._take(4), "little")
        return low + raw % (high - low + 1)

    def ConsumeBool(self) -> bool:  # noqa: N802
        return bool(self.ConsumeIntInRange(0, 1))

    def ConsumeBytes(self, count: int) -> bytes:  # noqa: N802
        return self._take(count)

    def ConsumeUnicodeNoSurrogates(self, count: int) -> str:  # noqa: N802
        return self._take(count).decode("utf-8", "replace")

    def ConsumeRemainingBytes(self) -> bytes:  # noqa: N802
        return self._take(len(self._data))


def provider(data: bytes) -> Any:
    """atheris's FuzzedDataProvider when available, else :class:`Provider`."""
    if atheris is not None:
        return atheris.FuzzedDataProvider(data)
    return Provider(data)


def make_response(
    status: int, body: bytes, headers: Mapping[str, str], url: str = "https://api.procore.com/x"
) -> requests.Response:
    """A ``requests.Response`` built as the HTTP adapter builds one."""
    response = requests.Response()
    response.status_code = status
    response._content = body
    response.headers = CaseInsensitiveDict(
        {k: v.encode("latin-1", "replace").decode("latin-1") for k, v in headers.items()}
    )
    response.encoding = requests.utils.get_encoding_from_headers(response.headers)
    response.url = url
    response.reason = "Reason"
    response.request = requests.Request("GET", url).prepare()
    return response


def main(test_one_input: Callable[[bytes], None]) -> None:
    """Run ``test_one_input`` under atheris, or over seeded random inputs."""
    if atheris is not None:
        atheris.Setup(sys.argv, test_one_input)
        atheris.Fuzz()
        return
    parser = argparse.ArgumentParser(description="fuzz without atheris: seeded random bytes")
    parser.add_argument("--runs", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--max-len", type=int, default=2048)
    args = parser.parse_args()
    rng = random.Random(args.seed)  # noqa: S311 - reproducible inputs, not secrets
    started = time.perf_counter()
    for _ in range(args.runs):
        size = rng.randrange(args.max_len)
        test_one_input(bytes(rng.getrandbits(8) for _ in range(size)))
    took = time.perf_counter() - started
    print(f"{args.runs} inputs in {took:.1f} s without atheris: no undocumented exception")
