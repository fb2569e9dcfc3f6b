"""Properties of RetryPolicy's waits: bounded, jittered, never crashing on hostile headers."""

from __future__ import annotations

from email.utils import formatdate

import pytest
import requests
from hypothesis import given, settings
from hypothesis import strategies as st
from session_fakes import T0, FakeTime
from urllib3 import HTTPResponse
from urllib3.exceptions import (
    ConnectTimeoutError,
    MaxRetryError,
    NewConnectionError,
    ProtocolError,
)
from urllib3.util.retry import Retry

from procore_dc import RateLimitError, RetryPolicy
from procore_dc._http import describe_error
from procore_dc._urllib3_retry import continue_after_body_error


def waits_after_errors(policy: RetryPolicy, failures: int) -> None:
    retry = policy.make_retry()
    for _ in range(failures):
        retry = retry.increment(method="GET", url="/x", error=ConnectTimeoutError("refused"))
        retry.sleep()


@settings(max_examples=300)
@given(
    failures=st.integers(min_value=1, max_value=9),
    factor=st.floats(min_value=0.0, max_value=5.0),
    cap=st.floats(min_value=0.0, max_value=40.0),
    draw=st.floats(min_value=0.0, max_value=0.999999),
)
def test_backoff_is_bounded_and_jittered(
    failures: int, factor: float, cap: float, draw: float
) -> None:
    time = FakeTime()
    policy = RetryPolicy(
        max_attempts=10,
        backoff_factor=factor,
        backoff_max=cap,
        max_wait=1e9,
        clock=time.clock,
        sleep=time.sleep,
        random=lambda: draw,
    )
    waits_after_errors(policy, failures)
    slept = [0.0] * (failures - len(time.sleeps)) + time.sleeps  # zero waits are not slept
    for retry_number, wait in enumerate(slept, start=1):
        exponential = 0.0 if retry_number == 1 else factor * 2 ** (retry_number - 1)
        assert wait == pytest.approx(min(cap, exponential) + draw * factor)
        assert 0.0 <= wait <= cap + factor + 1e-9


def test_jitter_varies_between_draws() -> None:
    seen = set()
    for draw in (0.0, 0.3, 0.9):
        time = FakeTime()
        policy = RetryPolicy(clock=time.clock, sleep=time.sleep, random=lambda d=draw: d)
        waits_after_errors(policy, 1)
        seen.add(round(sum(time.sleeps), 6))
    assert len(seen) == 3


@given(value=st.text(max_size=80), reset=st.text(max_size=30), status=st.sampled_from([429, 503]))
def test_server_wait_never_raises_on_hostile_headers(value: str, reset: str, status: int) -> None:
    policy = RetryPolicy(clock=lambda: T0)
    wait, reset_at = policy.server_wait(
        status, {"Retry-After": value, "X-Rate-Limit-Reset": reset, "X-Rate-Limit-Remaining": "0"}
    )
    assert wait is None or wait >= 0.0
    assert reset_at is None or reset_at.tzinfo is not None


@pytest.mark.parametrize(
    ("headers", "status", "expected"),
    [
        ({"Retry-After": "7"}, 429, 7.0),
        ({"Retry-After": formatdate(T0 + 12, usegmt=True)}, 503, 12.0),
        ({"Retry-After": formatdate(T0 - 12, usegmt=True)}, 503, 0.0),
        ({"X-Rate-Limit-Reset": str(int(T0) + 30)}, 429, 30.0),
        ({"X-Rate-Limit-Reset": str(int(T0) + 30), "X-Rate-Limit-Remaining": "3"}, 503, None),
        ({"X-Rate-Limit-Reset": str(int(T0) + 30), "X-Rate-Limit-Remaining": "0"}, 503, 30.0),
        ({"Retry-After": "soon", "X-Rate-Limit-Reset": str(int(T0) + 4)}, 429, 4.0),
        ({}, 429, None),
    ],
)
def test_server_wait_precedence(headers: dict[str, str], status: int, expected: object) -> None:
    wait, _ = RetryPolicy(clock=lambda: T0).server_wait(status, headers)
    assert wait == expected


def test_pause_raises_before_sleeping_and_carries_the_window() -> None:
    time = FakeTime()
    policy = RetryPolicy(clock=time.clock, sleep=time.sleep, max_wait=10, random=lambda: 0.2)
    headers = {"X-Rate-Limit-Limit": "600", "X-Rate-Limit-Remaining": "0"}
    with pytest.raises(RateLimitError) as caught:
        policy.pause(11.0, headers=headers)
    assert time.sleeps == []
    assert caught.value.retry_after == 11.0
    assert caught.value.limit == 600
    assert caught.value.remaining == 0
    assert caught.value.reset_at is not None
    assert caught.value.reset_at.timestamp() == pytest.approx(T0 + 11)
    assert policy.pause(10.0) == pytest.approx(10.1)  # at the limit: sleeps, plus jitter
    assert time.sleeps == [pytest.approx(10.1)]


def test_policies_compare_by_settings_not_by_injected_callables() -> None:
    assert RetryPolicy(sleep=lambda s: None) == RetryPolicy()
    assert RetryPolicy(max_wait=5) != RetryPolicy()
    assert "sleep" not in repr(RetryPolicy())


@pytest.mark.parametrize("name", ["retry-after", "RETRY-AFTER", "rEtRy-AfTeR"])
def test_server_wait_reads_retry_after_in_any_case_from_a_plain_dict(name: str) -> None:
    # Headers are not always a case-insensitive mapping (urllib3 1.26 hands plain dicts around).
    wait, reset_at = RetryPolicy(clock=lambda: T0).server_wait(503, {name: "9"})
    assert wait == 9.0
    assert reset_at is not None
    assert reset_at.timestamp() == T0 + 9


def test_a_rate_limit_error_carries_the_request_id_in_any_case() -> None:
    policy = RetryPolicy(clock=lambda: T0, max_wait=1)
    with pytest.raises(RateLimitError) as caught:
        policy.plan(5.0, headers={"x-request-id": "req-7"})
    assert caught.value.request_id == "req-7"


REFUSED = NewConnectionError(None, "refused")
ABORTED = ProtocolError("Connection aborted.", ConnectionResetError(104))


@pytest.mark.parametrize(
    ("error", "name"),
    [
        (MaxRetryError(None, "/x", reason=REFUSED), "NewConnectionError"),
        (ABORTED, "ProtocolError(ConnectionResetError)"),
        (ConnectTimeoutError("slow"), "ConnectTimeoutError"),
    ],
)
def test_describe_error_names_the_root_failure_without_its_message(
    error: BaseException, name: str
) -> None:
    assert describe_error(error) == name


def test_a_retry_without_observer_still_honours_retry_after() -> None:
    time = FakeTime()
    policy = RetryPolicy(clock=time.clock, sleep=time.sleep, random=lambda: 0.5)
    retry = policy.make_retry()  # nobody listening for headers
    response = HTTPResponse(body=b"", headers={"Retry-After": "3"}, status=503)
    retry = retry.increment(method="GET", url="/x", response=response)
    retry.sleep(response)
    assert time.sleeps == [3.25]  # Retry-After plus jitter (0.5 * backoff_factor 0.5)
    assert retry.call is not None
    assert retry.call.number == 2
    assert (retry.call.method, retry.call.url) == ("GET", "/x")  # as urllib3 named them


@pytest.mark.parametrize(
    "raw",
    [
        None,
        HTTPResponse(body=b"", status=200, retries=Retry(3)),
        # Our Retry, but no session call on this thread: nobody would re-send it.
        HTTPResponse(body=b"", status=200, retries=RetryPolicy().make_retry()),
    ],
)
def test_a_body_error_outside_our_retry_loop_is_not_retried(raw: object) -> None:
    # A response that did not come through a RetryPolicy adapter has no budget to continue.
    time = FakeTime()
    response = requests.Response()
    response.raw = raw
    assert continue_after_body_error(response, "GET", OSError("cut")) is False
    assert time.sleeps == []
