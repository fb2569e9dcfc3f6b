"""The one error tree of procore_dc.

Every exception the SDK raises on purpose is a :class:`ProcoreError`::

    ProcoreError
    ├── ConfigurationError (also ValueError)   bad arguments, environment or credentials
    ├── TransportError                         no response: refused, reset, timed out
    │   ├── ResponseTooLargeError              a body past the session's size limit
    │   └── TimeoutError                       the call's total deadline passed
    ├── ResponseFormatError                    a 2xx body we cannot read (bad JSON, wrong shape)
    ├── APIError                               a response with status >= 400
    │   ├── BadRequestError                    400
    │   ├── AuthenticationError                401
    │   ├── PermissionDeniedError              403
    │   ├── NotFoundError                      404
    │   ├── ConflictError                      409
    │   ├── ValidationError                    422
    │   │   └── RequestValidationError (also ConfigurationError)  refused before sending
    │   ├── RateLimitError                     429, or a wait longer than RetryPolicy.max_wait
    │   └── ServerError                        5xx
    ├── OAuthError                             the token endpoint or a callback said no
    │   ├── InvalidGrantError                  code or refresh token dead: sign in again
    │   └── StateMismatchError                 the callback's state is not the one we sent
    ├── WebhookError (also ValueError)         a webhook delivery we cannot read
    │   └── WebhookVerificationError           its shared secret is missing or wrong
    ├── ManifestError (also ValueError)        an app manifest with problems
    └── LeaseLostError                         a work lease expired or was taken over

Messages say what to do next. None of them carries a token, a secret, a header or a raw body
that was not scrubbed first.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, ClassVar, Optional
from urllib.parse import urlsplit

from procore_dc._error_body import message_from, read_error_body
from procore_dc._headers import parse_rate_limit_headers, parse_retry_after
from procore_dc._redact import redact_text, redact_url

if TYPE_CHECKING:
    import requests

__all__ = [
    "APIError",
    "AuthenticationError",
    "BadRequestError",
    "ConfigurationError",
    "ConflictError",
    "InvalidGrantError",
    "LeaseLostError",
    "ManifestError",
    "NotFoundError",
    "OAuthError",
    "PermissionDeniedError",
    "ProcoreError",
    "RateLimitError",
    "RequestValidationError",
    "ResponseFormatError",
    "ResponseTooLargeError",
    "ServerError",
    "StateMismatchError",
    "TimeoutError",
    "TransportError",
    "ValidationError",
    "WebhookError",
    "WebhookVerificationError",
]

#: How much of a response body an :class:`APIError` keeps.
BODY_LIMIT = 2048


class ProcoreError(Exception):
    """The root of every error procore_dc raises.

    .. code-block:: python

        try:
            client.company(8).projects.get(42)
        except ProcoreError as exc:
            print("Procore call failed:", exc)
    """


class ConfigurationError(ProcoreError, ValueError):
    """The SDK was given something it cannot work with: a bad URL, a missing credential.

    .. code-block:: python

        Environment.from_name("http://procore.example.com")  # raises ConfigurationError
    """


class TransportError(ProcoreError):
    """No response arrived: the connection was refused or reset, or the request timed out.

    The original exception is kept as ``__cause__``. Only the method and the URL, with secrets
    removed, are kept; never headers or bodies.

    :param message: what happened
    :param method: the HTTP method
    :param url: the request URL (secrets are removed here)
    """

    def __init__(self, message: str, *, method: str = "", url: str = "") -> None:
        self.method = method.upper()
        self.url = redact_url(url) if url else ""
        text = redact_text(message)
        if self.method or self.url:
            text = f"{text} ({self.method} {self.url})".replace("( ", "(")
        super().__init__(text)


class ResponseTooLargeError(TransportError):
    """A response body grew past the size limit while it was read; the connection was dropped.

    gzip and deflate bodies count their decoded bytes. Raise the limit with
    ``Session(max_body_bytes=...)`` (2xx bodies) or ``max_error_body_bytes=...`` (error pages),
    or download big files with ``stream=True`` into a file.

    :param message: what was too large
    :param limit: the limit in bytes that was passed
    :param status_code: the status of the response whose body was too large
    :param method: the HTTP method
    :param url: the request URL (secrets are removed here)

    .. code-block:: python

        try:
            session.get_json("/rest/v1.0/projects/42/huge_report")
        except ResponseTooLargeError as exc:
            print("over", exc.limit, "bytes")
    """

    def __init__(
        self,
        message: str,
        *,
        limit: int,
        status_code: Optional[int] = None,
        method: str = "",
        url: str = "",
    ) -> None:
        self.limit = limit
        self.status_code = status_code
        super().__init__(message, method=method, url=url)


class TimeoutError(TransportError):
    """The call's total deadline (``Session(deadline=...)``) passed, retries included.

    It shadows the built-in name inside modules that import it, so import it under another
    name or use ``exceptions.TimeoutError``. It is not an ``OSError``: ``requests`` would
    re-wrap one raised from inside its adapter.

    .. code-block:: python

        from procore_dc.exceptions import TimeoutError as CallTimedOut

        try:
            session.get_json("/rest/v1.0/me")
        except CallTimedOut:
            print("Procore did not answer in time")
    """


class ResponseFormatError(ProcoreError):
    """A successful response whose body we cannot read: invalid JSON, or not the shape expected.

    :param message: what is wrong, naming the model and field path where known
    :param status_code: the HTTP status of the response, when there was one
    :param url: the request URL (secrets are removed)
    :param body: the start of the body (scrubbed, cut at 2 KiB)
    """

    def __init__(
        self,
        message: str,
        *,
        status_code: Optional[int] = None,
        url: str = "",
        body: str = "",
    ) -> None:
        self.status_code = status_code
        self.url = redact_url(url) if url else ""
        self.body = redact_text(body[:BODY_LIMIT])
        super().__init__(redact_text(message))


class APIError(ProcoreError):
    """Procore answered with a status of 400 or more.

    :meth:`from_response` picks the subclass from :attr:`STATUS_CLASSES`.

    :ivar status_code: the HTTP status
    :ivar method: the HTTP method
    :ivar url: the request URL, secrets removed
    :ivar request_id: the ``X-Request-Id`` header, to quote to Procore support
    :ivar message: the most useful text the body held
    :ivar errors: the parsed ``errors`` (or ``error``) structure, or ``None``
    :ivar body: the body text, scrubbed and cut at 2 KiB

    .. code-block:: python

        try:
            session.get_json("/rest/v1.0/projects/42")
        except NotFoundError as exc:
            print(exc.status_code, exc.request_id, exc.message)
    """

    #: Exact statuses and their classes; any other 5xx is a :class:`ServerError`.
    STATUS_CLASSES: ClassVar[Mapping[int, type[APIError]]] = {}
    #: What to check next, appended to the message.
    hint: ClassVar[str] = ""

    def __init__(
        self,
        message: str,
        *,
        status_code: int = 0,
        method: str = "",
        url: str = "",
        request_id: Optional[str] = None,
        errors: Any = None,
        body: str = "",
    ) -> None:
        self.status_code = status_code
        self.method = method.upper()
        self.url = redact_url(url) if url else ""
        self.request_id = request_id
        self.message = redact_text(message)
        self.errors = errors
        self.body = redact_text(body[:BODY_LIMIT])
        super().__init__(self._render())

    def _render(self) -> str:
        where = f" ({self.method} {self.url})" if self.url else ""
        text = f"{self.status_code} {self.message}{where}"
        if self.request_id:
            text += f" [request id {self.request_id}]"
        if self.hint:
            text += f". {self.hint}"
        return text

    @classmethod
    def class_for_status(cls, status_code: int) -> type[APIError]:
        """Return the exception class for an HTTP status.

        .. code-block:: python

            >>> APIError.class_for_status(404).__name__
            'NotFoundError'
        """
        found = STATUS_CLASSES.get(status_code)
        if found is not None:
            return found
        if 500 <= status_code <= 599:
            return ServerError
        return APIError

    @classmethod
    def from_response(
        cls, response: requests.Response, *, method: Optional[str] = None
    ) -> APIError:
        """Build the right :class:`APIError` subclass for a failed response.

        :param response: a response with status >= 400
        :param method: the request method, when ``response.request`` is not available
        """
        text, parsed = read_error_body(response, 4 * BODY_LIMIT)
        errors: Any = None
        if isinstance(parsed, Mapping):
            errors = parsed.get("errors", parsed.get("error"))
        request = getattr(response, "request", None)
        klass = cls.class_for_status(response.status_code)
        kwargs: dict[str, Any] = {
            "status_code": response.status_code,
            "method": method or (getattr(request, "method", None) or ""),
            "url": getattr(request, "url", None) or response.url or "",
            "request_id": response.headers.get("X-Request-Id"),
            "errors": errors,
            "body": text,
        }
        message = message_from(parsed, text, response.reason or "")
        if klass is RateLimitError:
            rate = parse_rate_limit_headers(response.headers)
            now = datetime.now(timezone.utc)
            retry_after = parse_retry_after(response.headers.get("Retry-After"), now)
            if retry_after is None and rate.reset_at is not None:
                retry_after = max(0.0, (rate.reset_at - now).total_seconds())
            return RateLimitError(
                message,
                retry_after=retry_after,
                reset_at=rate.reset_at,
                limit=rate.limit,
                remaining=rate.remaining,
                **kwargs,
            )
        return klass(message, **kwargs)


class BadRequestError(APIError):
    """400: Procore could not read the request (malformed JSON, bad parameter)."""

    hint = "Check the parameters and the JSON body against the endpoint's documentation"


class AuthenticationError(APIError):
    """401: the access token is missing, expired, revoked or unknown, or the app is not installed.

    The ``Session`` already refreshes once and replays on a 401; seeing this
    means the fresh token was refused too.
    """

    hint = (
        "Check the client id and secret for this environment (sandbox and production credentials "
        "differ), that the app is installed in the company, and for user tokens, sign in again"
    )


class PermissionDeniedError(APIError):
    """403: the caller may not do this."""

    hint = (
        "Likely causes: the app manifest lacks this tool permission (or at this level), the "
        "project is not among the service account's permitted projects, or the app is not "
        "installed in this company"
    )

    def _render(self) -> str:
        text = self.message.lower()
        if "not connected" in text or "not installed" in text:
            # Procore said why: the generic list of causes would only distract.
            where = f" ({self.method} {self.url})" if self.url else ""
            request = f" [request id {self.request_id}]" if self.request_id else ""
            return (
                f"{self.status_code} {self.message}{where}{request}. Check the company id, "
                "and that an admin of that company installed the app (Company Admin > App "
                "Management)"
            )
        return super()._render()


class NotFoundError(APIError):
    """404: no such record, or one the caller cannot see (Procore answers 404, not 403)."""

    hint = (
        "Check the id, the Procore-Company-Id header, and that the caller can see the "
        "company and project"
    )

    def _render(self) -> str:
        text = super()._render()
        host = urlsplit(self.url).netloc if self.url else ""
        if host:
            # A wrong API URL answers every path with 404: name who answered.
            text += f"; and that {host}, which answered, is your environment's API host"
        return text


class ConflictError(APIError):
    """409: a duplicate or conflicting record, e.g. an ``origin_id`` already in use."""

    hint = "Fetch the existing record, or use a unique origin_id"


class ValidationError(APIError):
    """422: Procore understood the request but a business rule refused it; see ``.errors``."""

    hint = "Fix the fields named in .errors"


class RequestValidationError(ValidationError, ConfigurationError):
    """A call that does not fit Procore's spec, refused before any request was sent.

    Catch it as :class:`ValidationError` (like Procore's own 422) or as
    :class:`ConfigurationError`. ``status_code`` is 0: nothing was sent.

    :ivar operation: the operation, ``"METHOD path"``
    :ivar problems: field path -> what is wrong (``{"body.punch_item.name": "required"}``);
        also available as ``errors``

    .. code-block:: python

        try:
            project.call("POST /rest/v1.0/punch_items", body={"punch_item": {}})
        except ValidationError as exc:
            print(exc.problems)   # {'body.punch_item.name': 'required ...'}
    """

    hint = "Fix the named fields, or pass strict=False to send the call anyway"

    def __init__(self, operation: str, problems: Mapping[str, str]) -> None:
        self.operation = operation
        self.problems = dict(problems)
        listed = "; ".join(f"{path}: {text}" for path, text in self.problems.items())
        super().__init__(f"{operation} refused before sending: {listed}", errors=self.problems)

    def _render(self) -> str:
        return f"{self.message}. {self.hint}"


class RateLimitError(APIError):
    """429, or a rate-limit wait longer than the retry policy allows.

    :ivar retry_after: seconds to wait before trying again, when known
    :ivar reset_at: when the rate-limit window resets (aware UTC), when known
    :ivar limit: the window's size from ``X-Rate-Limit-Limit``
    :ivar remaining: requests left from ``X-Rate-Limit-Remaining``
    """

    hint = "Wait until the window resets, and lower the request rate or concurrency"

    def __init__(
        self,
        message: str = "rate limit exceeded",
        *,
        retry_after: Optional[float] = None,
        reset_at: Optional[datetime] = None,
        limit: Optional[int] = None,
        remaining: Optional[int] = None,
        status_code: int = 429,
        **kwargs: Any,
    ) -> None:
        self.retry_after = retry_after
        self.reset_at = reset_at
        self.limit = limit
        self.remaining = remaining
        super().__init__(message, status_code=status_code, **kwargs)

    def _render(self) -> str:
        text = super()._render()
        if self.retry_after is not None:
            text += f" (retry after {self.retry_after:.0f} s)"
        return text


class ServerError(APIError):
    """5xx: Procore or a proxy in front of it failed. Idempotent calls were already retried."""

    hint = "Try again later; if it persists, quote the request id to Procore support"


STATUS_CLASSES: Mapping[int, type[APIError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    422: ValidationError,
    429: RateLimitError,
}
APIError.STATUS_CLASSES = STATUS_CLASSES


class OAuthError(ProcoreError):
    """The OAuth server refused a request, or a callback carried an ``error``.

    :ivar error: the RFC 6749 error code, e.g. ``invalid_client``
    :ivar error_description: the server's own words
    :ivar status_code: the HTTP status, when there was a response

    .. code-block:: python

        try:
            auth.complete_authorization(flow, callback_url)
        except OAuthError as exc:
            print(exc.error, exc.error_description)
    """

    def __init__(
        self,
        message: str = "",
        *,
        error: str = "",
        error_description: str = "",
        status_code: Optional[int] = None,
    ) -> None:
        self.error = error
        self.error_description = redact_text(error_description)
        self.status_code = status_code
        if not message:
            message = f"{error}: {error_description}" if error_description else error
        super().__init__(redact_text(message) or "OAuth request failed")

    @classmethod
    def from_response(cls, response: requests.Response) -> OAuthError:
        """Build an :class:`OAuthError` (or :class:`InvalidGrantError`) from a token response."""
        text, parsed = read_error_body(response, 4 * BODY_LIMIT)
        error = ""
        description = ""
        if isinstance(parsed, Mapping):
            if isinstance(parsed.get("error"), str):
                error = parsed["error"]
            if isinstance(parsed.get("error_description"), str):
                description = parsed["error_description"]
        if not description:
            description = message_from(parsed, text, response.reason or "")
        klass = InvalidGrantError if error == "invalid_grant" else OAuthError
        return klass(
            error=error or f"http_{response.status_code}",
            error_description=description,
            status_code=response.status_code,
        )


class InvalidGrantError(OAuthError):
    """The authorization code or refresh token is dead: the user must sign in again.

    Procore refresh tokens are single-use, so after this no token request is made until a new
    authorization completes.
    """


class StateMismatchError(OAuthError):
    """The callback's ``state`` is missing or differs from the one sent: a possible CSRF attack."""


class WebhookError(ProcoreError, ValueError):
    """A webhook delivery whose body is not JSON or not an event of a known shape."""


class WebhookVerificationError(WebhookError):
    """A webhook delivery without the expected shared secret; reject it with 401."""


class ManifestError(ProcoreError, ValueError):
    """An app manifest with blocking problems.

    :ivar problems: each problem names a JSON path (like ``$.permissions.project.rfi``) and
        how to fix it

    .. code-block:: python

        try:
            Manifest.from_json(text)
        except ManifestError as exc:
            for problem in exc.problems:
                print(problem)
    """

    def __init__(self, problems: Sequence[object], message: str = "") -> None:
        self.problems = list(problems)
        if not message:
            lines = [str(p) for p in self.problems] or ["invalid manifest"]
            message = "invalid app manifest:\n  " + "\n  ".join(lines)
        super().__init__(message)


class LeaseLostError(ProcoreError):
    """A lease (on a work unit, see :class:`procore_dc.redis.WorkLeases`) is no longer ours.

    It expired, or another worker took it over, before this worker finished; its work must not
    be recorded as done by us (another worker may be doing it now).

    .. code-block:: python

        try:
            lease.complete()
        except LeaseLostError:
            log.warning("someone else has %s now", lease.unit)
    """
