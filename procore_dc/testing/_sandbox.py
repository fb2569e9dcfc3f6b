"""``FakeProcore``: the sandbox object that owns the listeners, the state and the request log."""

from __future__ import annotations

import json
import random
import threading
import uuid
from collections.abc import Iterable, Mapping, Sequence
from types import TracebackType
from typing import Any, Optional, Union
from urllib.parse import parse_qs

import attrs
from werkzeug.datastructures import Headers
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound
from werkzeug.routing import Map
from werkzeug.wrappers import Request, Response

from procore_dc._redact import get_logger
from procore_dc.environments import Environment
from procore_dc.exceptions import ConfigurationError
from procore_dc.operation_permissions import company_tools, permission_block, project_tools
from procore_dc.permissions import PermissionLevel
from procore_dc.testing import _api, _files, _uploads, _webhooks
from procore_dc.testing._clock import SandboxClock
from procore_dc.testing._data import SandboxData
from procore_dc.testing._engine import GenericEngine, route_table
from procore_dc.testing._errors import shape_error
from procore_dc.testing._faults import Faults
from procore_dc.testing._oauth import (
    OOB_REDIRECT_URI,
    OAuthState,
    PermittedProjects,
    SandboxApp,
    TokenRecord,
    _AllProjects,
)
from procore_dc.testing._ratelimit import RateLimiter, RateLimits
from procore_dc.testing._rest import Ctx, HTTPError, json_response
from procore_dc.testing._server import Listener, ListenerGroup, Outcome

__all__ = ["SERVED_TOOLS", "FakeProcore", "RequestRecord"]

#: The tools whose endpoints the sandbox serves, by scope (the default app gets standard on all).
SERVED_TOOLS: Mapping[str, tuple[str, ...]] = {
    "company": ("home", "directory", "webhooks_api"),
    "project": ("rfi", "submittals", "observations", "documents", "daily_log", "webhooks_api"),
}

# /me and /companies answer user tokens without a Procore-Company-Id header (procore-api.md 2.2).
_logger = get_logger(__name__)

_HEADER_OPTIONAL = ("/rest/v1.0/me", "/rest/v1.0/companies")
# ``procore-dc login``'s default redirect (the sandbox imports no client code, so it is
# written out here; a test keeps the two equal).
CLI_REDIRECT_URI = "http://localhost:8765/callback"
_DEFAULT = object()


@attrs.define(eq=False)
class RequestRecord:
    """One request the sandbox received, in ``sandbox.requests``.

    :ivar role: which listener got it: ``"api"``, ``"login"``, ``"files"`` (Procore's file
        host) or ``"storage"`` (presigned S3)
    :ivar query: the query parameters, each a list of values
    :ivar headers: the request headers (case-insensitive ``get``)
    :ivar body: the request body; empty for the storage host, whose bytes (uploads) the
        sandbox keeps once, with the upload
    :ivar status: the status answered, ``None`` when the connection was dropped
    :ivar token_kind: ``"dmsa"``, ``"user"`` or ``None`` (no valid bearer token)
    :ivar scope: ``"company"``/``"project"`` of the tool the endpoint needs, or ``None``
    :ivar tool: the tool key the endpoint needs (``None``: no tool, e.g. ``/me``)
    :ivar level: ``"readonly"`` or ``"standard"``
    :ivar fault: the kind of fault injected into it, if any
    """

    method: str
    path: str
    query: dict[str, list[str]]
    headers: Headers = attrs.field(repr=False)
    body: bytes = attrs.field(repr=False)
    role: str
    time: float
    request_id: str
    status: Optional[int] = None
    token_kind: Optional[str] = None
    client_id: Optional[str] = attrs.field(default=None, repr=False)
    user_id: Optional[int] = None
    company_id: Optional[int] = None
    project_id: Optional[int] = None
    scope: Optional[str] = None
    tool: Optional[str] = None
    level: Optional[str] = None
    fault: Optional[str] = None
    response_headers: Headers = attrs.field(factory=Headers, repr=False)


class FakeProcore:
    """A faithful Procore sandbox on 127.0.0.1: the login host, the API host, Procore's file
    host and presigned storage.

    Four listeners serve the four hosts on distinct ports of 127.0.0.1, so a client that sends
    its bearer token to the wrong host (presigned storage) or leaves it off where Procore needs
    it (the file host) is caught.

    :param seed: seeds the data generator and the fault probabilities (default: ``0``)
    :param port: the API port; ``0`` picks a free one (default)
    :param login_port: the login host's port (default: a free one)
    :param storage_port: the upload storage's port (default: a free one)
    :param files_port: the file host's port, where file links point (default: a free one)
    :param sizes: record counts overriding ``DEFAULT_SIZES`` (companies; projects, users and
        vendors per company; RFIs, submittals, observations, folders, files and manpower logs
        per project). Records are generated lazily, so large sizes start instantly.
    :param rate_limits: a :class:`RateLimits` to enforce Procore's limits (``RateLimits()``
        is Procore's 3600/hour and 25 per 10 s), or ``None`` (the default) for none, so your
        tests never wait on a window they did not ask for
    :param expires_in: access token lifetime in seconds (default: ``5400``)
    :param interactive: serve a clickable sign-in page on ``/oauth/authorize`` instead of
        approving as the signed-in user at once (default: ``False``)
    :param clock: the clock to use (default: a running :class:`SandboxClock`)
    :raises ValueError: for unknown size keys or negative sizes

    .. code-block:: python

        with FakeProcore(seed=0) as sandbox:
            app = sandbox.default_app
            token = requests.post(sandbox.environment.token_url, data={
                "grant_type": "client_credentials",
                "client_id": app.client_id, "client_secret": app.client_secret}).json()
    """

    def __init__(
        self,
        seed: int = 0,
        *,
        port: int = 0,
        login_port: int = 0,
        storage_port: int = 0,
        files_port: int = 0,
        sizes: Optional[Mapping[str, int]] = None,
        rate_limits: Optional[RateLimits] = None,
        expires_in: int = 5400,
        interactive: bool = False,
        clock: Optional[SandboxClock] = None,
    ) -> None:
        self.seed = seed
        self._ports = {
            "api": port,
            "login": login_port,
            "storage": storage_port,
            "files": files_port,
        }
        #: The sandbox clock; ``clock.advance(seconds)`` moves token expiry, codes, rate
        #: windows, upload deadlines and webhook retries.
        self.clock = clock or SandboxClock()
        #: The seeded records (``data.companies``, ``data.projects``, ``data.rfis`` ...).
        self.data = SandboxData(seed, sizes, self.clock.now())
        #: The rate limits in force (``None``: none); assign a :class:`RateLimits` to turn
        #: them on, ``None`` to turn them off.
        self.rate_limits = rate_limits
        #: Whether ``/oauth/authorize`` shows a sign-in page.
        self.interactive = interactive
        self.rng = random.Random(seed)  # noqa: S311 - reproducible faults, not security
        #: The fault injector.
        self.faults = Faults(self.rng.random)
        self.oauth = OAuthState(self, expires_in)
        self.limiter = RateLimiter()
        self.uploads = _uploads.UploadStore(self)
        self.webhooks = _webhooks.WebhookDispatcher(self)
        self._log: list[RequestRecord] = []
        self._log_lock = threading.Lock()
        self._listeners: dict[str, Listener] = {}
        self._group: Optional[ListenerGroup] = None
        self._api_map, self._login_map = _maps()
        #: Every catalogue operation no hand-written route serves, shaped by Procore's spec.
        self.generic = GenericEngine(self.data, self.clock.now, seed)
        companies = self.data.companies
        #: The user ``/oauth/authorize`` approves as (default: the first company's admin).
        self.signed_in_user: Optional[int] = (
            self.data.users.of(companies[0]["id"]).id_for(0)
            if len(companies) and self.data.sizes["users"]
            else None
        )
        #: A ready-made DMSA app with standard on every served tool, installed in the first
        #: company with every project that exists at start permitted (not later ones: see
        #: :meth:`permit`). Its redirect URIs are ``http://localhost``, ``procore-dc login``'s
        #: default ``http://localhost:8765/callback`` and the out-of-band URI.
        self.default_app = self.create_app(
            name="Sandbox Data Connector",
            redirect_uris=("http://localhost", CLI_REDIRECT_URI, OOB_REDIRECT_URI),
        )
        if len(companies):
            self.install(self.default_app, companies[0]["id"])

    # -- lifecycle --------------------------------------------------------------------------
    def start(self) -> FakeProcore:
        """Bind the listeners and start serving; returns ``self``.

        :raises ConfigurationError: when already started
        """
        if self._listeners:
            raise ConfigurationError("this FakeProcore is already running")
        try:
            for role, port in self._ports.items():
                self._listeners[role] = Listener(port, role, self._dispatch)
        except OSError as exc:
            for listener in self._listeners.values():
                listener.server.server_close()
            self._listeners.clear()
            raise ConfigurationError(f"FakeProcore cannot listen on 127.0.0.1: {exc}") from exc
        # File version URLs generated from now on name the storage listener.
        self.data.storage_url = self._listeners["storage"].url
        self.data.files_url = self._listeners["files"].url
        self._group = ListenerGroup(list(self._listeners.values()))
        self._group.start()
        self.webhooks.start()
        route_table()  # the catalogue loads once per process, on the first sandbox start
        return self

    def stop(self) -> None:
        """Stop serving and close every connection (idempotent)."""
        self.webhooks.stop()
        if self._group is not None:
            self._group.stop()
            self._group = None
        self._listeners.clear()

    def __enter__(self) -> FakeProcore:
        return self.start()

    def __exit__(
        self,
        exc_type: Optional[type[BaseException]],
        exc: Optional[BaseException],
        tb: Optional[TracebackType],
    ) -> None:
        self.stop()

    @property
    def running(self) -> bool:
        """Whether the listeners are serving."""
        return bool(self._listeners)

    def __repr__(self) -> str:
        if not self.running:
            return f"FakeProcore(seed={self.seed!r}, running=False)"
        return f"FakeProcore(seed={self.seed!r}, api_url={self.api_url!r})"

    def _url(self, role: str) -> str:
        listener = self._listeners.get(role)
        if listener is None:
            raise ConfigurationError("FakeProcore is not running; call start() or use `with`")
        return listener.url

    @property
    def api_url(self) -> str:
        """The API host's base URL, ``http://127.0.0.1:PORT``."""
        return self._url("api")

    @property
    def login_url(self) -> str:
        """The login (OAuth) host's base URL, on its own port."""
        return self._url("login")

    @property
    def storage_url(self) -> str:
        """The upload storage's base URL (the presigned-S3 stand-in), on its own port."""
        return self._url("storage")

    @property
    def files_url(self) -> str:
        """Procore's file host (``storage.procore.com`` in production), on its own port.

        File version links point here; it needs the bearer token and redirects to
        :attr:`storage_url`.
        """
        return self._url("files")

    @property
    def environment(self) -> Environment:
        """An :class:`~procore_dc.environments.Environment` pointing at this sandbox."""
        return Environment.local(self.api_url, self.login_url, (self.files_url,))

    # -- apps, installs, users ----------------------------------------------------------------
    def create_app(
        self,
        name: str = "Sandbox App",
        redirect_uris: Sequence[str] = ("http://localhost", OOB_REDIRECT_URI),
        permissions: Optional[Mapping[str, Mapping[str, str]]] = None,
    ) -> SandboxApp:
        """Register an app and return it with fresh ``client_id`` and ``client_secret``.

        :param name: the app's name
        :param redirect_uris: redirect URIs, matched exactly by ``/oauth/authorize``
            (default: ``http://localhost`` and the out-of-band URI)
        :param permissions: the DMSA's manifest permissions,
            ``{"company": {tool: level}, "project": {tool: level}}`` (default: standard on
            every tool of :mod:`procore_dc.operation_permissions`, admin on the admin-only ones)
        :raises ValueError: for an unknown scope, tool or level
        """
        if isinstance(redirect_uris, str):
            redirect_uris = (redirect_uris,)
        if permissions is None:
            # Every tool of the operation table (admin-only tools: admin), so a default app
            # may call any of Procore's operations.
            permissions = permission_block("standard")
        checked: dict[str, dict[str, str]] = {"company": {}, "project": {}}
        for scope, tools in permissions.items():
            catalogue = {"company": company_tools(), "project": project_tools()}.get(scope)
            if catalogue is None:
                raise ValueError(f"unknown permission scope {scope!r}; use company or project")
            for tool, level in tools.items():
                if tool not in catalogue:
                    fix = "; the Portfolio tool's key is 'home'" if tool == "portfolio" else ""
                    raise ValueError(f"unknown {scope} tool {tool!r}{fix}")
                try:
                    checked[scope][tool] = PermissionLevel(str(level)).value
                except ValueError:
                    raise ValueError(
                        f"unknown level {level!r} for {scope} tool {tool!r}; "
                        "use readonly, standard or admin"
                    ) from None
        return self.oauth.create_app(name, list(redirect_uris), checked)

    def install(
        self,
        app: SandboxApp,
        company_id: int,
        permitted_projects: Union[Iterable[int], _AllProjects, None] = None,
    ) -> None:
        """Install ``app`` in a company; a DMSA then sees only its permitted projects.

        As in Procore, the permitted projects are an explicit list: a project created after
        installation is not permitted until :meth:`permit` adds it ("Future projects requiring
        DMSA access must also be manually added").

        :param permitted_projects: project ids of that company (default: the projects that
            exist now); ``ALL`` (``from procore_dc.testing import ALL``) permits every
            project, future ones included, which Procore never does
        :raises ValueError: for an unknown company or a project of another company
        """
        if self.data.companies.get(company_id) is None:
            raise ValueError(f"no company {company_id} in this sandbox")
        permitted: Optional[PermittedProjects]
        if isinstance(permitted_projects, _AllProjects):
            permitted = None
        elif permitted_projects is None:
            projects = self.data.projects.of(company_id)
            permitted = PermittedProjects(below=projects.id_for(len(projects)))
        else:
            ids = frozenset(int(p) for p in permitted_projects)
            for pid in ids:
                self._check_project(company_id, pid)
            permitted = PermittedProjects(ids=ids)
        app.installations[company_id] = permitted

    def permit(self, app: SandboxApp, company_id: int, project_id: int) -> None:
        """Add a project to an installation's permitted projects, as a company admin does.

        :raises ValueError: when the app is not installed in the company, or for a project
            that is not the company's

        .. code-block:: python

            project = client.company(8).projects.create("New tower")
            sandbox.permit(sandbox.default_app, 8, project.id)
        """
        if company_id not in app.installations:
            raise ValueError(f"{app.name!r} is not installed in company {company_id}")
        self._check_project(company_id, int(project_id))
        current = app.installations[company_id]
        if current is not None:
            app.installations[company_id] = current.adding(int(project_id))

    def _check_project(self, company_id: int, project_id: int) -> None:
        project = self.data.projects.get(project_id)
        if project is None or project["company"]["id"] != company_id:
            raise ValueError(f"project {project_id} is not in company {company_id}")

    def uninstall(self, app: SandboxApp, company_id: int) -> None:
        """Remove ``app`` from a company (its DMSA then gets 403 there)."""
        app.installations.pop(company_id, None)

    def sign_in_as(self, user_id: int) -> None:
        """Choose the user who approves ``/oauth/authorize``.

        :raises ValueError: for an unknown user id
        """
        if user_id not in self.data.user_permissions:
            raise ValueError(f"no user {user_id} in this sandbox")
        self.signed_in_user = user_id

    def issue_token(
        self, app: Optional[SandboxApp] = None, *, user_id: Any = _DEFAULT
    ) -> dict[str, Any]:
        """Issue a token without HTTP and return the token response body.

        :param app: the app (default: :attr:`default_app`)
        :param user_id: a user id for a user token (with a refresh token), ``None`` for a
            DMSA token (default: the signed-in user)
        :raises ValueError: for an unknown user id
        """
        app = app or self.default_app
        uid = self.signed_in_user if user_id is _DEFAULT else user_id
        if uid is not None and uid not in self.data.user_permissions:
            raise ValueError(f"no user {uid} in this sandbox")
        record = self.oauth.issue(app, "user" if uid is not None else "dmsa", uid)
        return self.oauth.token_response(record)

    def revoke_token(self, token: str) -> None:
        """Revoke an access or refresh token (and its pair), as ``/oauth/revoke`` does."""
        with self.oauth.lock:
            record = self.oauth._access.get(token) or self.oauth._refresh.get(token)
        if record is not None:
            self.oauth.revoke_record(record)

    @property
    def default_user_id(self) -> Optional[int]:
        """The first company's first user: an admin on every tool."""
        companies = self.data.companies
        if not len(companies) or not self.data.sizes["users"]:
            return None
        return self.data.users.of(companies[0]["id"]).id_for(0)

    # -- request log --------------------------------------------------------------------------
    @property
    def requests(self) -> list[RequestRecord]:
        """A snapshot of the request log, oldest first."""
        with self._log_lock:
            return list(self._log)

    def clear_requests(self) -> None:
        """Empty the request log (and so :meth:`required_permissions`)."""
        with self._log_lock:
            self._log.clear()

    def required_permissions(self, *, include_denied: bool = False) -> dict[str, dict[str, str]]:
        """The smallest permission block covering every request logged so far.

        Requests the sandbox refused with 403 are left out: a test that checks a refusal
        should not make the app ask for the permission it was refused. Pass
        ``include_denied=True`` to count them too (to find what a failing run was missing).

        .. code-block:: python

            >>> sandbox.required_permissions()
            {'company': {'home': 'readonly'}, 'project': {'rfi': 'standard'}}
        """
        result: dict[str, dict[str, str]] = {"company": {}, "project": {}}
        for record in self.requests:
            if record.tool is None or record.scope is None or record.level is None:
                continue
            if record.status == 403 and not include_denied:
                continue
            current = result[record.scope].get(record.tool)
            if current is None or not PermissionLevel(current).covers(
                PermissionLevel(record.level)
            ):
                result[record.scope][record.tool] = record.level
        return result

    # -- dispatch -----------------------------------------------------------------------------
    def _dispatch(self, environ: dict[str, Any], role: str) -> Outcome:
        request = Request(environ)
        record = RequestRecord(
            method=request.method,
            path=request.path,
            query=parse_qs(request.query_string.decode("latin-1"), keep_blank_values=True),
            headers=Headers(request.headers),
            # Storage bodies are file bytes the upload store keeps once; the log does not copy them.
            body=b"" if role == "storage" else request.get_data(),
            role=role,
            time=self.clock.now(),
            request_id=uuid.uuid4().hex,
        )
        fault = self.faults.take(request.method, request.path)
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
            record.response_headers = Headers(response.headers)
            outcome.response = response
            return outcome
        finally:
            with self._log_lock:
                self._log.append(record)

    def _answer(self, request: Request, role: str, record: RequestRecord) -> Response:
        try:
            if role == "login":
                return self._answer_login(request)
            if role == "storage":
                return self.uploads.storage(request)
            if role == "files":
                return _files.serve(self, request, record)
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
        handler = getattr(self.oauth, endpoint)
        response: Response = handler(request)
        return response

    def _answer_api(self, request: Request, record: RequestRecord) -> Response:
        adapter = self._api_map.bind_to_environ(request.environ)
        try:
            endpoint, args = adapter.match()
        except HTTPException as exc:
            # Hand-written routes win; every other catalogue operation is the engine's.
            generic = self.generic.route(request)
            if generic is None:
                return _route_error(exc)
            endpoint, args = generic
        if endpoint is _api.oauth_token:
            # The token endpoint answers on the API host too, credentials in Basic or the body.
            response: Response = self.oauth.token(request)
            return response
        auth = request.headers.get("Authorization", "")
        bearer = auth[7:].strip() if auth[:7].lower() == "bearer " else ""
        token, why = self.oauth.lookup(bearer) if bearer else (None, "")
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
        limits = self.rate_limits
        if limits is not None:
            bucket = _bucket(token, header_company, args)
            allowed, extra = self.limiter.check(limits, bucket, self.clock.now())
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
        ctx = Ctx(self, request, token, record, header_company)
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
            with self.data.lock:
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
        _MAPS = (_api.build_map(), login)
    return _MAPS


def outcome_with(outcome: Outcome, *, action: str) -> Outcome:
    outcome.action = action
    outcome.response = None
    return outcome


def _rule(path: str, endpoint: Any, methods: tuple[str, ...]) -> Any:
    from werkzeug.routing import Rule

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
