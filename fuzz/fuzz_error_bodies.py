"""Fuzz ``APIError.from_response`` and ``OAuthError.from_response``: they return, never raise.

python fuzz/fuzz_error_bodies.py [-max_total_time=600]
"""

from __future__ import annotations

from _common import instrumented, main, make_response, provider

with instrumented():
    from procore_dc.exceptions import APIError, OAuthError


def fuzz_one_input(data: bytes) -> None:
    fdp = provider(data)
    status = fdp.ConsumeIntInRange(100, 599)
    headers = {"Content-Type": "application/json"}
    if fdp.ConsumeBool():
        headers["Content-Type"] += "; charset=" + fdp.ConsumeUnicodeNoSurrogates(16)
    for name in ("Retry-After", "X-Rate-Limit-Reset", "X-Rate-Limit-Remaining", "X-Request-Id"):
        if fdp.ConsumeBool():
            headers[name] = fdp.ConsumeUnicodeNoSurrogates(24)
    response = make_response(status, fdp.ConsumeRemainingBytes(), headers)
    if status >= 400:
        error = APIError.from_response(response)
        assert isinstance(error, APIError.class_for_status(status))
        str(error)
    oauth = OAuthError.from_response(response)
    assert isinstance(oauth, OAuthError)
    str(oauth)


if __name__ == "__main__":
    main(fuzz_one_input)
