"""How the sandbox answers a request: log it, apply an injected fault, route it to its host,
check the bearer token, the rate limit and the company header, then call the handler."""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Callable, Optional, Union

from werkzeug.datastructures import EnvironHeaders
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound
from werkzeug.routing import Map, MapAdapter, Rule
from werkzeug.wrappers import Request, Response

from procore_dc._redact import get_logger
from procore_dc.testing import _filehost, api
from procore_dc.testing._errors import shape_error
from procore_dc.testing._requestlog import RequestLog, RequestRecord
from procore_dc.testing._rest import Ctx, HTTPError, json_response, per_environ
from procore_dc.testing._server import Outcome

if TYPE_CHECKING:
    from procore_dc.testing._engine import GenericEngine
    from procore_dc.testing._faults import Faults
    from procore_dc.testing._oauth import OAuthState, TokenRecord
    from procore_dc.testing._ratelimit import RateLimiter, RateLimits
    from procore_dc.testing._storage import StorageHost
    from procore_dc.testing._world import World

__all__ = ["Dispatcher"]

# The logger FakeProcore has always reported its own failures under.
_logger = get_logger("procore_dc.testing._sandbox")
# /me and /companies answer user tokens without a Procore-Company-Id header (procore-api.md 2.2).
_HEADER_KEYS = ("HTTP_", "CONTENT_")
_HEADER_OPTIONAL = ("/rest/v1.0/me", "/rest/v1.0/companies")


class Dispatcher:
    """Answers the requests of one sandbox's four listeners (called by each listener thread).

    :param rate_limits: the limits in force now (``FakeProcore.rate_limits`` may change)
    :param storage_url: the storage host's base URL, once listening
    """

    def __init__(
        self,
        *,
        world: World,
        oauth: OAuthState,
        faults: Faults,
        limiter: RateLimiter,
        rate_limits: Callable[[], Optional[RateLimits]],
        generic: GenericEngine,
        storage: StorageHost,
        storage_url: Callable[[], str],
        log: RequestLog,
    ) -> None:
        self._world = world
        self._oauth = oauth
        self._faults = faults
        self._limiter = limiter
        self._rate_limits = rate_limits
        self._generic = generic
        self._storage = storage
        self._storage_url = storage_url
        self._log = log
        self._api_map, self._login_map = _maps()

    def __call__(self, environ: dict[str, Any], role: str) -> Outcome:
        """Answer one request a listener received, logging it and applying any fault."""
        request = Request(environ)
        record = RequestRecord(
            method=request.method,
            path=request.path,
            # What parse_qs(..., keep_blank_values=True) gives, from the parse the handlers use.
            query=request.args.to_dict(flat=False),
            # A read-only view of a copy of the header entries: building a werkzeug Headers
            # validates every value, which cost more than routing; the copy leaves the body
            # stream out of the log.
            headers=EnvironHeaders(
                {k: v for k, v in environ.items() if k.startswith(_HEADER_KEYS)}
            ),
            # Storage bodies are file bytes the upload store keeps once; the log does not copy them.
            body=b""
            if role == "storage" or environ.get("CONTENT_LENGTH") == "0"
            else request.get_data(),
            role=role,
            time=self._world.clock.now(),
            request_id=uuid.uuid4().hex,
        )
        fault = self._faults.take(request.method, request.path)
        if fault is not None:
            record.fault = fault.kind
        outcome = Outcome(None)
        try:
            if fault is not None and fault.kind == "reset":
                return outcome_with(outcome, action="reset")
            if fault is not None and fault.kind == "status":
                response = _fault_response(fault.status or 500, fault.headers, fault.body)
            elif fault is not None and fault.kind == "html_error":
                response = Response(_BAD_GATEWAY, status=502, mimetype="text/html")
            else:
                if fault is not None and fault.kind == "delay":
                    outcome.delay = float(fault.seconds or 0)
                response = self._answer(request, role, record)
            response.headers["X-Request-Id"] = record.request_id
            if fault is not None and fault.kind in ("reset_after_read", "lose_token_response"):
                return outcome_with(outcome, action="reset_after")
            if fault is not None and fault.kind == "truncate":
                outcome.action = "truncate"
            if fault is not None and fault.kind == "malformed_json":
                data = response.get_data()
                response.set_data(data[: max(1, len(data) // 2)] + b"\x00<!--")
                response.mimetype = "application/json"
            record.status = response.status_code
            record.response_headers = response.headers  # the response is not changed after
            outcome.response = response
            return outcome
        finally:
            self._log.append(record)

    def _answer(self, request: Request, role: str, record: RequestRecord) -> Response:
        try:
            if role == "login":
                return self._answer_login(request)
            if role == "storage":
                return self._storage.serve(request)
            if role == "files":
                return _filehost.serve(
                    self._world, self._oauth.lookup, self._storage_url(), request, record
                )
            return self._answer_api(request, record)
        except HTTPError as exc:
            response = json_response(exc.body, exc.status)
            response.headers.update(exc.headers)
            return response
        except Exception as exc:
            # A bug or a limit of the sandbox itself. Answer it as a 500 that names the cause:
            # the HTTP server would otherwise drop the connection silently, and the client
            # would report a reset that says nothing about what went wrong.
            _logger.exception("FakeProcore failed on %s %s", request.method, request.path)
            text = f"FakeProcore internal error: {type(exc).__name__}: {exc}"
            return json_response({"errors": text, "message": text}, 500)

    def _answer_login(self, request: Request) -> Response:
        adapter = self._login_map.bind_to_environ(request.environ)
        try:
            endpoint, args = adapter.match()
        except HTTPException as exc:
            return _route_error(exc)
        if endpoint == "oob_page":
            return Response(
                f"<!doctype html><title>Authorization code</title>"
                f'<p>Authorization code: <code id="code">{args["code"]}</code></p>',
                mimetype="text/html",
            )
        handler = getattr(self._oauth, endpoint)
        response: Response = handler(request)
        return response

    def _answer_api(self, request: Request, record: RequestRecord) -> Response:
        try:
            endpoint, args = _match(self._api_map, request)
        except HTTPException as exc:
            # Hand-written routes win; every other catalogue operation is the engine's.
            generic = self._generic.route(request)
            if generic is None:
                return _route_error(exc)
            endpoint, args = generic
        if endpoint is api.oauth_token:
            # The token endpoint answers on the API host too, credentials in Basic or the body.
            response: Response = self._oauth.token(request)
            return response
        auth = request.headers.get("Authorization", "")
        bearer = auth[7:].strip() if auth[:7].lower() == "bearer " else ""
        token, why = self._oauth.lookup(bearer) if bearer else (None, "")
        if token is None:
            body = {
                "error": "invalid_token",
                "error_description": why or "The access token is missing",
                "message": why or "The access token is missing",
            }
            response = json_response(body, 401)
            response.headers["WWW-Authenticate"] = 'Bearer realm="Procore", error="invalid_token"'
            return response
        record.token_kind = token.kind
        record.client_id = token.app.client_id
        record.user_id = token.user_id
        extra: dict[str, str] = {}
        raw_company = request.headers.get("Procore-Company-Id")
        header_company: Optional[int] = None
        bad_header = False
        if raw_company is not None and raw_company.strip():
            try:
                header_company = int(raw_company)
            except ValueError:
                bad_header = True
        limits = self._rate_limits()
        if limits is not None:
            bucket = _bucket(token, header_company, args)
            allowed, extra = self._limiter.check(limits, bucket, self._world.clock.now())
            if not allowed:
                response = json_response(
                    {"errors": "Rate limit exceeded", "message": "Rate limit exceeded"}, 429
                )
                response.headers.update(extra)
                return response
        if bad_header:
            response = json_response(
                {"errors": "Procore-Company-Id must be an integer company id"}, 400
            )
            response.headers.update(extra)
            return response
        ctx = Ctx(self._world, request, token, record, header_company)
        needs_header = (
            token.kind == "dmsa"
            or request.path not in _HEADER_OPTIONAL
            or (
                request.path == "/rest/v1.0/me"
                and ("company_id" in request.args or "project_id" in request.args)
            )
        )
        try:
            if needs_header:
                ctx.require_company_header()
            with self._world.data.lock:
                response = endpoint(ctx, **args)
        except HTTPError as exc:
            response = json_response(shape_error(request.path, exc.status, exc.body), exc.status)
            response.headers.update(exc.headers)
        response.headers.update(extra)
        return response


def _bucket(token: TokenRecord, header_company: Optional[int], args: Mapping[str, Any]) -> Any:
    """Whom a request's rate limit counts against.

    "Each company DMSA has its own rate limit", when the company id is in the header or the
    path (DOC@b19840b^ api_essentials/rate_limiting.md): a service account gets one bucket
    per company. A user token has one bucket, whatever the company.
    """
    company = header_company if header_company is not None else args.get("company_id")
    if token.kind == "dmsa" and company is not None:
        return (token.holder, company)
    return token.holder


_ADAPTERS: dict[int, dict[tuple[Any, ...], MapAdapter]] = {}  # by routes, then by host


def _match(routes: Map, request: Request) -> tuple[Any, Mapping[str, Any]]:
    """``routes.bind_to_environ(request.environ).match()``, binding once per host: werkzeug's
    binding re-reads the host and script name from the environ each time, which cost as much
    as matching."""
    environ = request.environ
    memo = _ADAPTERS.setdefault(id(routes), {})
    adapter = per_environ(
        memo, request, _BINDING_PARTS, lambda: routes.bind_to_environ(environ), limit=256
    )
    return adapter.match(request.path, request.method, query_args=environ.get("QUERY_STRING", ""))


# What ``bind_to_environ`` reads, besides the path, method and query that ``match`` is given.
_BINDING_PARTS = ("HTTP_HOST", "SERVER_NAME", "SERVER_PORT", "wsgi.url_scheme", "SCRIPT_NAME")

_MAPS: Optional[tuple[Map, Map]] = None


def _maps() -> tuple[Map, Map]:
    # Compiling ~150 rules costs more than starting the listeners; the maps hold only
    # module-level endpoints, so every sandbox can share them.
    global _MAPS
    if _MAPS is None:
        login = Map(
            [
                _rule("/oauth/authorize", "authorize", ("GET", "POST")),
                _rule("/oauth/authorize/<code>", "oob_page", ("GET",)),
                _rule("/oauth/token", "token", ("POST",)),
                _rule("/oauth/token/info", "token_info", ("GET",)),
                _rule("/oauth/revoke", "revoke", ("POST",)),
            ]
        )
        _MAPS = (api.build_map(), login)
    return _MAPS


def outcome_with(outcome: Outcome, *, action: str) -> Outcome:
    outcome.action = action
    outcome.response = None
    return outcome


def _rule(path: str, endpoint: Any, methods: tuple[str, ...]) -> Rule:
    return Rule(path, endpoint=endpoint, methods=list(methods))


def _route_error(exc: HTTPException) -> Response:
    if isinstance(exc, MethodNotAllowed):
        return json_response({"errors": "Method Not Allowed"}, 405)
    if isinstance(exc, NotFound):
        return json_response({"errors": "Not Found", "message": "No route matches"}, 404)
    return json_response({"errors": exc.name}, exc.code or 400)


def _fault_response(
    status: int, headers: Mapping[str, str], body: Union[str, bytes, Mapping[str, Any], None]
) -> Response:
    if body is None:
        payload: Union[str, bytes] = json.dumps({"errors": f"Injected fault {status}"})
        mimetype = "application/json"
    elif isinstance(body, Mapping):
        payload, mimetype = json.dumps(dict(body)), "application/json"
    else:
        payload, mimetype = body, "text/plain"
    response = Response(payload, status=status, mimetype=mimetype)
    for key, value in headers.items():
        response.headers[key] = value
    return response


_BAD_GATEWAY = (
    "<html><head><title>502 Bad Gateway</title></head><body>"
    "<center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>"
)
