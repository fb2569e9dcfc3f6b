"""The OAuth wire: send a form to the token or revoke endpoint and read the answer.

oauthlib builds every request body and parses every token response; this module only sends
the form through a *plain* ``requests.Session`` and sorts failures into our error tree:

- nothing was sent (connection refused, connect timeout): :class:`TransportError`, safe to
  try again;
- the request may have reached the server but no answer arrived (read timeout, reset after
  sending): :class:`OutcomeUnknownError`, which each caller turns into the right error, because a
  single-use refresh token or authorization code may already be spent;
- the server answered with an error: :class:`OAuthError` (or ``InvalidGrantError``).

oauthlib refuses plain ``http://`` URLs unless the process-wide ``OAUTHLIB_INSECURE_TRANSPORT``
switch is set, which would also disable the check for every other library in the process. We
never set it. :func:`oauthlib_url` hands oauthlib the ``https://`` twin of a *loopback*
``http://`` URL (``Environment`` already refused plain http anywhere else) and
:func:`restore_url` puts the real scheme back on the URL oauthlib built.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from typing import Any, Union
from urllib.parse import urlsplit

import requests

from procore_dc._body import DEFAULT_MAX_ERROR_BODY_BYTES, deadline_timeout, read_body
from procore_dc._http import never_sent, no_auth
from procore_dc._redact import get_logger, scrub_exception_chain
from procore_dc.auth.tokens import TOKEN_CHARS
from procore_dc.environments import Environment, is_loopback_host
from procore_dc.exceptions import (
    ConfigurationError,
    InvalidGrantError,
    OAuthError,
    TransportError,
)

log = get_logger(__name__)

#: (connect, read) timeouts in seconds for token requests.
DEFAULT_TOKEN_TIMEOUT = (10.0, 30.0)
#: Seconds one token request may take in all, its answer included (a slow drip holds the lock).
TOKEN_DEADLINE = 60.0
#: The largest token answer or token error page read (a token answer is under 4 KiB).
MAX_TOKEN_BODY_BYTES = DEFAULT_MAX_ERROR_BODY_BYTES

Timeout = Union[float, tuple[float, float]]


class OutcomeUnknownError(Exception):
    """The request may have been processed, but its answer was lost (internal)."""


def is_loopback_http(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme == "http" and is_loopback_host(parts.hostname or "")


def check_transport(url: str, what: str) -> None:
    """Refuse any URL that is not https, or plain http to a loopback host."""
    parts = urlsplit(url)
    if parts.scheme == "https" and parts.hostname:
        return
    if is_loopback_http(url):
        return
    raise ConfigurationError(
        f"{what} {url!r} must use https (plain http is allowed only for 127.0.0.1, ::1 and "
        "localhost)"
    )


def oauthlib_url(url: str) -> str:
    """The URL to give oauthlib: the https twin of a loopback http URL, else ``url``."""
    check_transport(url, "OAuth URL")
    if is_loopback_http(url):
        return "https://" + url[len("http://") :]
    return url


def restore_url(built: str, original: str) -> str:
    """Undo :func:`oauthlib_url` on a URL oauthlib built from it."""
    if is_loopback_http(original) and built.startswith("https://"):
        return "http://" + built[len("https://") :]
    return built


def post_form(
    http: requests.Session,
    url: str,
    body: str,
    *,
    timeout: Timeout,
    what: str,
) -> requests.Response:
    """POST an urlencoded ``body`` and return a 2xx response.

    :raises TransportError: when nothing was sent
    :raises OutcomeUnknownError: when the request may have been processed without an answer
    :raises OAuthError: when the server answered with an error status
    """
    check_transport(url, "token endpoint")
    headers = {
        "Accept": "application/json",
        "Content-Type": "application/x-www-form-urlencoded",
    }
    deadline = time.monotonic() + TOKEN_DEADLINE
    try:
        response = http.post(
            url,
            data=body.encode("utf-8"),
            headers=headers,
            timeout=deadline_timeout(timeout, deadline),
            auth=no_auth,
            allow_redirects=False,
            stream=True,
        )
        try:
            read_body(
                response,
                limit=MAX_TOKEN_BODY_BYTES,
                deadline=deadline,
                method="POST",
                url=url,
                what="the token endpoint's answer",
            )
        except TransportError as exc:
            # Too large or too slow: the server answered, so a single-use grant may be spent.
            raise OutcomeUnknownError(f"{what}: {exc}") from None
    except requests.exceptions.ConnectTimeout as exc:
        scrub_exception_chain(exc)  # urllib3 names the full URL in its messages
        raise TransportError(
            f"{what}: the token endpoint did not accept a connection", method="POST", url=url
        ) from exc
    except requests.exceptions.ConnectionError as exc:
        scrub_exception_chain(exc)  # urllib3 names the full URL in its messages
        if never_sent(exc):
            raise TransportError(
                f"{what}: could not connect to the token endpoint", method="POST", url=url
            ) from exc
        raise OutcomeUnknownError(f"{what}: the connection broke after sending") from exc
    except requests.exceptions.Timeout as exc:
        scrub_exception_chain(exc)  # urllib3 names the full URL in its messages
        raise OutcomeUnknownError(f"{what}: no answer within the read timeout") from exc
    except requests.exceptions.RequestException as exc:
        scrub_exception_chain(exc)  # urllib3 names the full URL in its messages
        raise OutcomeUnknownError(f"{what}: {type(exc).__name__}") from exc
    log.debug("%s: POST %s -> %s", what, url, response.status_code)
    if response.status_code >= 400 or response.status_code < 200:
        raise located(OAuthError.from_response(response), what, url)
    if response.status_code >= 300:
        raise OAuthError(
            f"{what}: the token endpoint redirected (status {response.status_code}); check "
            "the environment's login URL",
            error="unexpected_redirect",
            status_code=response.status_code,
        )
    return response


def environment_of(url: str) -> str:
    """Name the environment a login URL belongs to: ``production``, ``sandbox``,
    ``monthly-sandbox``, or ``a local or custom environment``."""
    host = urlsplit(url).netloc.lower()
    for environment in (Environment.PRODUCTION, Environment.SANDBOX, Environment.MONTHLY_SANDBOX):
        if urlsplit(environment.login_url).netloc.lower() == host:
            return f"the {environment.name} environment"
    return "a local or custom environment"


def located(exc: OAuthError, what: str, url: str) -> OAuthError:
    """The same error, saying where: the login host and the environment it belongs to, and
    for ``invalid_client`` or a 404 the likely mix-up."""
    host = urlsplit(url).netloc
    message = f"{what} at {host} ({environment_of(url)}) refused: {str(exc).rstrip('.')}"
    if exc.error == "invalid_client":
        message += (
            "; check that the client id and secret belong to this environment (sandbox and "
            "production apps have different credentials)"
        )
    elif exc.status_code == 404:
        message += (
            f"; {host} has no OAuth token endpoint: check the environment's login URL "
            "(PROCORE_LOGIN_URL, for an environment given as a URL)"
        )
    return type(exc)(
        message,
        error=exc.error,
        error_description=exc.error_description,
        status_code=exc.status_code,
    )


def parse_token_body(client: Any, response: requests.Response) -> Mapping[str, Any]:
    """Parse a 2xx token response with oauthlib, mapping its errors to :class:`OAuthError`."""
    from procore_dc.auth._oauthlib import OAuth2Error

    text = response.text
    try:
        parsed = client.parse_request_body_response(text)
    except OAuth2Error as exc:
        klass = InvalidGrantError if exc.error == "invalid_grant" else OAuthError
        raise klass(
            f"the token endpoint's answer is not usable: {exc.description or exc.error}",
            error=exc.error or "invalid_response",
            error_description=exc.description or "",
            status_code=response.status_code,
        ) from None
    except (ValueError, TypeError, AttributeError, OverflowError):
        # oauthlib assumes a JSON object: "[]" or a numeric scope fail inside it as these;
        # an expires_in of 1e999 (infinity) overflows in its int().
        raise OAuthError(
            "the token endpoint's answer could not be read as a token",
            error="invalid_response",
            status_code=response.status_code,
        ) from None
    if not isinstance(parsed, Mapping):  # pragma: no cover - oauthlib returns an OAuth2Token
        raise OAuthError("the token endpoint's answer is not an object", error="invalid_response")
    for name in ("access_token", "refresh_token"):
        value = parsed.get(name)
        if isinstance(value, str) and value and not TOKEN_CHARS.fullmatch(value):
            raise OAuthError(
                f"the token endpoint's {name} holds characters a token cannot have (control "
                "characters, spaces or non-ASCII); it was not used",
                error="invalid_response",
                status_code=response.status_code,
            )
    fields: dict[str, Any] = dict(parsed)
    raw = raw_token_fields(text)
    if "expires_in" in raw:
        # oauthlib drops a falsy expires_in (0 would become the 3600 s default) and turns
        # others into ints; keep what the server said.
        fields["expires_in"] = raw["expires_in"]
    return fields


def raw_token_fields(text: str) -> Mapping[str, Any]:
    """The token answer's JSON object as the server sent it, or ``{}`` when it is not one."""
    try:
        value: Any = json.loads(text)
    except (ValueError, RecursionError):
        return {}
    fields: Mapping[str, Any] = value if isinstance(value, dict) else {}
    return fields
