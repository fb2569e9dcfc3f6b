"""What came over the wire: JSON bodies, and what broke when nothing usable came.

A leaf below the session (it imports only requests, urllib3 and our exceptions and redaction),
so that everything above it (the session, pagination, resources, the OAuth wire, the retry
bridge) decodes and explains responses the same way without importing the session:

- :func:`response_json` decodes a 2xx body, or raises
  :class:`~procore_dc.exceptions.ResponseFormatError`;
- :func:`explain`, :func:`describe_error` and :func:`never_sent` say, without secrets, what a
  transport failure was, in a sentence, in a name for the log, and whether the request can
  have reached the server;
- :func:`check_complete` and :func:`rewindable` decide about a body that broke off;
- :func:`no_auth` keeps requests from falling back to ``~/.netrc``.
"""

from __future__ import annotations

import json as _json
from typing import Any, Optional

import requests
from requests.exceptions import (
    ChunkedEncodingError,
    ConnectTimeout,
    ReadTimeout,
    SSLError,
)
from urllib3.exceptions import NewConnectionError, ProtocolError, ReadTimeoutError

from procore_dc._redact import redact_url
from procore_dc.exceptions import ResponseFormatError

__all__ = [
    "check_complete",
    "describe_error",
    "explain",
    "never_sent",
    "no_auth",
    "response_json",
    "rewindable",
]


def response_json(response: requests.Response) -> Any:
    """Decode a 2xx response's JSON body; a 204 or an empty body gives ``None``.

    :raises ResponseFormatError: when the body is not JSON

    .. code-block:: python

        data = response_json(session.request("GET", "/rest/v1.0/me"))
    """
    if response.status_code == 204:
        return None
    body = response.content
    if not body or not body.strip():
        return None
    try:
        return _json.loads(body)
    except (ValueError, RecursionError) as exc:
        request = response.request
        what = f"{request.method} {redact_url(request.url or '')}" if request else "the request"
        content_type = response.headers.get("Content-Type") or "no Content-Type"
        raise ResponseFormatError(
            f"expected JSON from {what} but the {response.status_code} body ({content_type}) is "
            f"not valid JSON: {type(exc).__name__}",
            status_code=response.status_code,
            url=(request.url or "") if request else "",
            body=body[:4096].decode("utf-8", errors="replace"),
        ) from None


def explain(exc: BaseException) -> str:
    """A sentence saying what went wrong on the wire, without secrets."""
    chain: list[BaseException] = []
    seen: Optional[BaseException] = exc
    while seen is not None and len(chain) < 8:
        chain.append(seen)
        reason = getattr(seen, "reason", None)
        nested = seen.args[0] if seen.args and isinstance(seen.args[0], BaseException) else None
        seen = reason if isinstance(reason, BaseException) else nested
    if isinstance(exc, ConnectTimeout):
        return "timed out connecting to Procore"
    if isinstance(exc, ReadTimeout):
        return "no response within the read timeout; the server may still have acted on the request"
    if isinstance(exc, SSLError):
        return "the TLS handshake or connection failed"
    if isinstance(exc, ChunkedEncodingError):
        return "the response body broke off before its end"
    if any(isinstance(e, ReadTimeoutError) for e in chain):
        # Retries spent on read timeouts: requests re-raises them as a ConnectionError.
        return "no response within the read timeout; the server may still have acted on the request"
    if any(isinstance(e, NewConnectionError) for e in chain):
        return "could not connect (refused, unreachable or unresolvable)"
    if any(isinstance(e, ProtocolError) for e in chain):
        return "the connection was closed or reset before a complete response arrived"
    return f"the request failed ({describe_error(exc)})"


def describe_error(error: BaseException) -> str:
    """A short, secret-free name for a transport failure, e.g. ``NewConnectionError``."""
    reason = getattr(error, "reason", None)
    if isinstance(reason, BaseException):
        error = reason
    inner = error.args[1] if len(error.args) > 1 else None
    if isinstance(inner, BaseException):  # ProtocolError("Connection aborted.", exc)
        return f"{type(error).__name__}({type(inner).__name__})"
    return type(error).__name__


def never_sent(exc: requests.exceptions.ConnectionError) -> bool:
    """Whether the connection failed before any byte of the request left."""
    # urllib3 wraps connect failures as NewConnectionError / NameResolutionError inside
    # MaxRetryError; a reset or disconnect after sending is a ProtocolError instead.
    seen: set[int] = set()
    current: Optional[BaseException] = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        name = type(current).__name__
        if name in ("NewConnectionError", "NameResolutionError", "ConnectTimeoutError"):
            return True
        if isinstance(current, ConnectionRefusedError):
            return True
        reason = getattr(current, "reason", None)
        if isinstance(reason, BaseException):
            current = reason
            continue
        args = getattr(current, "args", ())
        nested = next((a for a in args if isinstance(a, BaseException)), None)
        current = nested or current.__cause__ or current.__context__
    return False


def check_complete(response: requests.Response, body: bytes) -> None:
    """Raise when fewer bytes arrived than ``Content-Length`` promised.

    urllib3 2 does this itself; urllib3 1.26 returns a short body without complaint.
    """
    if response.status_code in (204, 304) or (
        response.request and response.request.method == "HEAD"
    ):
        return  # no body, whatever Content-Length says
    if response.headers.get("Content-Encoding", "identity").lower() != "identity":
        return  # the length counts compressed bytes; requests already decoded them
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and len(body) < int(declared):
        raise ChunkedEncodingError(
            f"the body has {len(body)} of the {declared} bytes Content-Length promised"
        )


def rewindable(prepared: requests.PreparedRequest) -> bool:
    """Whether a request's body can be sent again (none, bytes or text; not a stream)."""
    body = prepared.body
    return body is None or isinstance(body, (bytes, str))


def no_auth(r: requests.PreparedRequest) -> requests.PreparedRequest:
    """An explicit no-op auth, so requests does not fall back to ``~/.netrc`` credentials."""
    return r
