from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest
import requests

from procore_dc import exceptions as exc
from procore_dc.exceptions import APIError


def make_response(
    status: int,
    body: bytes | str = b"",
    headers: dict[str, str] | None = None,
    url: str = "https://api.procore.com/rest/v1.0/projects/1?code=SECRETCODE",
    method: str = "GET",
) -> requests.Response:
    response = requests.Response()
    response.status_code = status
    response._content = body.encode() if isinstance(body, str) else body
    response.headers.update(headers or {})
    response.url = url
    response.encoding = "utf-8"
    request = requests.Request(method, url).prepare()
    response.request = request
    return response


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (400, exc.BadRequestError),
        (401, exc.AuthenticationError),
        (403, exc.PermissionDeniedError),
        (404, exc.NotFoundError),
        (409, exc.ConflictError),
        (422, exc.ValidationError),
        (429, exc.RateLimitError),
        (500, exc.ServerError),
        (502, exc.ServerError),
        (503, exc.ServerError),
        (599, exc.ServerError),
        (406, APIError),
        (418, APIError),
    ],
)
def test_status_table_picks_the_class(status: int, expected: type[APIError]) -> None:
    error = APIError.from_response(make_response(status, '{"message": "x"}'))
    assert type(error) is expected
    assert error.status_code == status
    assert isinstance(error, exc.ProcoreError)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ('{"message": "Project not found"}', "Project not found"),
        ('{"errors": "Missing Procore-Company-Id header!"}', "Missing Procore-Company-Id header!"),
        ('{"errors": ["a", "b"]}', "a; b"),
        ('{"errors": {"name": ["can\'t be blank"]}}', "name can't be blank"),
        (
            '{"error": "invalid_grant", "error_description": "The refresh token is invalid"}',
            "The refresh token is invalid",
        ),
        ('{"reason": "Tool disabled"}', "Tool disabled"),
        (
            "<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>",
            "502 Bad Gateway (an HTML error page, probably from a proxy)",
        ),
        ("", "Bad Gateway"),
        ("not json at all", "not json at all"),
        ("[1, 2]", "1; 2"),
    ],
)
def test_message_is_useful_for_each_body_shape(body: str, expected: str) -> None:
    response = make_response(502 if "html" in body or not body else 422, body)
    response.reason = "Bad Gateway" if not body else "Unprocessable Entity"
    error = APIError.from_response(response)
    assert error.message == expected
    assert expected in str(error)


def test_errors_structure_is_kept() -> None:
    body = {"errors": {"name": ["can't be blank"], "origin_id": ["taken"]}}
    error = APIError.from_response(make_response(422, json.dumps(body)))
    assert error.errors == body["errors"]
    assert "name can't be blank" in error.message
    assert "origin_id taken" in error.message


def test_request_id_method_and_redacted_url() -> None:
    error = APIError.from_response(
        make_response(404, "{}", {"X-Request-Id": "req-123"}, method="PATCH")
    )
    assert error.request_id == "req-123"
    assert error.method == "PATCH"
    assert "SECRETCODE" not in error.url
    assert "SECRETCODE" not in str(error)
    assert "req-123" in str(error)


def test_body_is_cut_and_scrubbed() -> None:
    body = json.dumps({"message": "no", "access_token": "tok-" + "x" * 40, "pad": "y" * 5000})
    error = APIError.from_response(make_response(400, body))
    assert len(error.body) <= exc.BODY_LIMIT
    assert "tok-xxxx" not in error.body


def test_permission_denied_says_what_to_check() -> None:
    error = APIError.from_response(make_response(403, '{"message": "Forbidden"}'))
    text = str(error)
    assert "manifest" in text
    assert "permitted projects" in text
    assert "installed" in text


def test_rate_limit_error_reads_headers() -> None:
    reset = int(datetime.now(timezone.utc).timestamp()) + 30
    response = make_response(
        429,
        "{}",
        {
            "Retry-After": "12",
            "X-Rate-Limit-Limit": "25",
            "X-Rate-Limit-Remaining": "0",
            "X-Rate-Limit-Reset": str(reset),
        },
    )
    error = APIError.from_response(response)
    assert isinstance(error, exc.RateLimitError)
    assert error.retry_after == 12
    assert error.limit == 25
    assert error.remaining == 0
    assert error.reset_at == datetime.fromtimestamp(reset, timezone.utc)


def test_rate_limit_without_retry_after_uses_reset() -> None:
    reset = int(datetime.now(timezone.utc).timestamp()) + 100
    error = APIError.from_response(make_response(429, "", {"X-Rate-Limit-Reset": str(reset)}))
    assert isinstance(error, exc.RateLimitError)
    assert error.retry_after is not None
    assert 90 <= error.retry_after <= 100


def test_oauth_error_from_token_response() -> None:
    body = '{"error": "invalid_grant", "error_description": "The refresh token is invalid"}'
    error = exc.OAuthError.from_response(make_response(400, body))
    assert isinstance(error, exc.InvalidGrantError)
    assert error.error == "invalid_grant"
    assert error.error_description == "The refresh token is invalid"
    other = exc.OAuthError.from_response(make_response(401, '{"error": "invalid_client"}'))
    assert type(other) is exc.OAuthError
    assert other.error == "invalid_client"


def test_transport_error_keeps_cause_and_hides_secrets() -> None:
    original = ConnectionError("boom")
    with pytest.raises(exc.TransportError) as info:
        raise exc.TransportError(
            "connection refused", method="get", url="https://x.test/a?access_token=abc123"
        ) from original
    error = info.value
    assert error.__cause__ is original
    assert error.method == "GET"
    assert "abc123" not in str(error)
    assert "abc123" not in error.url


def test_configuration_error_is_a_value_error() -> None:
    assert issubclass(exc.ConfigurationError, ValueError)
    assert issubclass(exc.ManifestError, ValueError)


def test_manifest_error_lists_problems() -> None:
    error = exc.ManifestError(["$.version: not semantic", "$.permissions: bad"])
    assert error.problems == ["$.version: not semantic", "$.permissions: bad"]
    assert "$.permissions: bad" in str(error)


def test_every_error_class_is_in_the_tree_docstring() -> None:
    doc = exc.__doc__ or ""
    for name in exc.__all__:
        assert name in doc, name
