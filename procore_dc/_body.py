"""Read a response body within a size limit and a deadline; bound each attempt's timeouts.

Every body the SDK keeps in memory (API answers, error pages, token answers) is read here,
chunk by chunk: gzip and deflate are decoded as they arrive and the *decoded* bytes count
against the limit, so neither a huge body nor a small compression bomb can fill memory. Past
the limit the connection is closed (never returned to the pool half read) and
:class:`~procore_dc.exceptions.ResponseTooLargeError` is raised.

``read1`` returns whatever one socket read brings, so a server that drips a byte at a time
is caught by the deadline between two reads instead of filling a 64 KiB buffer for hours.
:class:`DeadlineTimeout` makes urllib3 wait no longer than the time left before the
deadline for a connection or a first byte, on every attempt of its retry loop.
"""

from __future__ import annotations

import http.client
import socket
import time
from collections.abc import Iterator
from typing import Any, Optional, Union

import requests
from requests.exceptions import ChunkedEncodingError, ContentDecodingError
from urllib3.exceptions import DecodeError, ProtocolError, ReadTimeoutError
from urllib3.exceptions import SSLError as _Urllib3SSLError
from urllib3.response import HTTPResponse
from urllib3.util.timeout import Timeout

from procore_dc.exceptions import ResponseTooLargeError, TimeoutError

__all__ = [
    "DEFAULT_DEADLINE",
    "DEFAULT_MAX_BODY_BYTES",
    "DEFAULT_MAX_ERROR_BODY_BYTES",
    "DeadlineTimeout",
    "deadline_passed",
    "read_body",
]

#: Seconds one call may take in all, retries and waits included (RELIABILITY R4).
DEFAULT_DEADLINE = 120.0
#: The largest 2xx body kept in memory.
DEFAULT_MAX_BODY_BYTES = 64 * 1024 * 1024
#: The largest error page (and token answer) kept in memory.
DEFAULT_MAX_ERROR_BODY_BYTES = 1024 * 1024

_CHUNK = 64 * 1024
# A socket timeout of 0 would make the socket non-blocking; past the deadline we still wait
# this long, so the attempt fails at once with a timeout the retry loop then refuses to retry.
_SMALLEST_WAIT = 0.001


def _remaining(deadline: float) -> float:
    return max(_SMALLEST_WAIT, deadline - time.monotonic())


def deadline_passed(deadline: float) -> bool:
    """Whether the monotonic ``deadline`` is behind us."""
    return time.monotonic() >= deadline


class DeadlineTimeout(Timeout):
    """urllib3 timeouts that never wait past a deadline (``time.monotonic()`` seconds).

    urllib3 clones the timeout for every attempt of its retry loop; the clone keeps the
    deadline, so a late attempt waits only for the time that is left.
    """

    def __init__(self, connect: Optional[float], read: Optional[float], *, deadline: float) -> None:
        super().__init__(connect=connect, read=read)
        self.deadline = deadline

    def clone(self) -> DeadlineTimeout:
        return DeadlineTimeout(self._connect, self._read, deadline=self.deadline)  # type: ignore[arg-type, attr-defined, unused-ignore]

    @property
    def connect_timeout(self) -> Any:
        return min(float(self._connect), _remaining(self.deadline))  # type: ignore[arg-type, attr-defined, unused-ignore]

    @property
    def read_timeout(self) -> Any:
        return min(float(self._read), _remaining(self.deadline))  # type: ignore[arg-type, attr-defined, unused-ignore]


def deadline_timeout(timeout: Union[float, tuple[float, float]], deadline: float) -> Any:
    """The per-attempt ``timeout`` bounded by ``deadline``, in the form requests passes on.

    Typed ``Any``: requests accepts a urllib3 ``Timeout`` but its stubs do not say so.
    """
    if isinstance(timeout, tuple):
        return DeadlineTimeout(timeout[0], timeout[1], deadline=deadline)
    return DeadlineTimeout(timeout, timeout, deadline=deadline)


def read_body(
    response: requests.Response,
    *,
    limit: int,
    deadline: float,
    method: str,
    url: str,
    what: str = "the body",
) -> bytes:
    """Read ``response``'s whole body into ``response.content`` and return it.

    :raises ResponseTooLargeError: past ``limit`` decoded bytes (the connection is closed)
    :raises TimeoutError: when ``deadline`` passes before the body ends
    :raises requests.exceptions.ChunkedEncodingError: the body broke off (as requests says)
    :raises requests.ConnectionError: a read timed out (as requests says)
    """
    raw = response.raw
    loaded: Any = response._content
    if loaded is not False or raw is None:
        # Already in memory (a custom adapter or a test double read it); only check its size.
        body = response.content or b""
        if len(body) > limit:
            raise _too_large(response, limit, method, url, what)
        return body
    chunks: list[bytes] = []
    size = 0
    for chunk in _chunks(response):
        size += len(chunk)
        if size > limit:
            response.close()
            raise _too_large(response, limit, method, url, what)
        chunks.append(chunk)
        if deadline_passed(deadline):
            response.close()
            raise TimeoutError(
                f"the call's deadline passed while {what} of the {response.status_code} answer "
                f"was still arriving ({size} bytes so far)",
                method=method,
                url=url,
            )
    body = b"".join(chunks)
    keep_body(response, body)
    return body


def _chunks(response: requests.Response) -> Iterator[bytes]:
    """The decoded body, each chunk as soon as one socket read brings it."""
    raw = response.raw
    if not isinstance(raw, HTTPResponse):
        # vcrpy's stand-in (cassette replays): requests' own chunking.
        yield from response.iter_content(_CHUNK)
        return
    if not hasattr(raw, "read1"):  # pragma: no cover - urllib3 1.26 (the Python 3.9 run)
        yield from _chunks_urllib3_1(response, raw)
        return
    while True:
        try:
            # urllib3 1.26 (Python 3.9) has no read1 in its stubs; guarded by hasattr above.
            chunk = raw.read1(_CHUNK, decode_content=True)  # type: ignore[attr-defined, unused-ignore]
        except ProtocolError as exc:
            raise ChunkedEncodingError(exc) from exc
        except DecodeError as exc:
            raise ContentDecodingError(exc) from exc
        except ReadTimeoutError as exc:
            raise requests.ConnectionError(exc) from exc
        except _Urllib3SSLError as exc:  # pragma: no cover - TLS only, never on loopback
            raise requests.exceptions.SSLError(exc) from exc
        if not chunk:
            return
        yield chunk


def _chunks_urllib3_1(
    response: requests.Response, raw: Any
) -> Iterator[bytes]:  # pragma: no cover - urllib3 1.26 (the Python 3.9 run)
    """urllib3 1.26 has no read1 and its read(amt) waits for amt bytes: a drip would hold it
    for hours. An uncompressed body is read with http.client's read1 instead; a compressed
    one (which 1.26 must decode) keeps requests' chunking."""
    fp: Any = getattr(raw, "_fp", None)
    encoding = response.headers.get("Content-Encoding", "identity").lower()
    if encoding != "identity" or not hasattr(fp, "read1"):
        yield from response.iter_content(_CHUNK)
        return
    while True:
        try:
            chunk = fp.read1(_CHUNK)
        except socket.timeout as exc:
            timed_out = ReadTimeoutError(None, None, str(exc))  # type: ignore[arg-type]
            raise requests.ConnectionError(timed_out) from exc
        except (http.client.HTTPException, OSError) as exc:
            raise ChunkedEncodingError(ProtocolError(str(exc), exc)) from exc
        if not chunk:
            # read1 leaves http.client's response open at the end; read() closes it, so the
            # connection can serve the next request, then goes back to the pool.
            fp.read()
            raw.release_conn()
            return
        yield chunk


def keep_body(response: requests.Response, body: bytes) -> None:
    """Make ``body`` what ``response.content`` returns, without reading the connection."""
    response._content = body
    response._content_consumed = True  # type: ignore[attr-defined]


def _too_large(
    response: requests.Response, limit: int, method: str, url: str, what: str
) -> ResponseTooLargeError:
    return ResponseTooLargeError(
        f"{what} of the {response.status_code} answer is larger than the limit of {limit} "
        "bytes; the connection was dropped",
        limit=limit,
        status_code=response.status_code,
        method=method,
        url=url,
    )
