"""``FakeProcore``: the sandbox object that owns the listeners, the state and the request log."""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping, Sequence
from types import TracebackType
from typing import Any, Optional, Union

from procore_dc.environments import Environment
from procore_dc.exceptions import ConfigurationError
from procore_dc.operation_permissions import permission_block
from procore_dc.testing._apps import (
    OOB_REDIRECT_URI,
    PermittedProjects,
    SandboxApp,
    _AllProjects,
    checked_permissions,
)
from procore_dc.testing._clock import SandboxClock
from procore_dc.testing._data import SandboxData
from procore_dc.testing._dispatch import Dispatcher
from procore_dc.testing._engine import GenericEngine, route_table
from procore_dc.testing._engine._store import Records
from procore_dc.testing._faults import Faults
from procore_dc.testing._oauth import OAuthState
from procore_dc.testing._ratelimit import RateLimiter, RateLimits
from procore_dc.testing._requestlog import RequestLog, RequestRecord
from procore_dc.testing._server import Listener, ListenerGroup
from procore_dc.testing._storage import StorageHost
from procore_dc.testing._uploads import UploadStore
from procore_dc.testing._webhooks import WebhookDispatcher
from procore_dc.testing._world import World

__all__ = ["SERVED_TOOLS", "FakeProcore", "RequestRecord"]

#: The tools whose endpoints the sandbox serves, by scope (the default app gets standard on all).
SERVED_TOOLS: Mapping[str, tuple[str, ...]] = {
    "company": ("home", "directory", "webhooks_api"),
    "project": ("rfi", "submittals", "observations", "documents", "daily_log", "webhooks_api"),
}

# ``procore-dc login``'s default redirect (the sandbox imports no client code, so it is
# written out here; a test keeps the two equal).
CLI_REDIRECT_URI = "http://localhost:8765/callback"
_DEFAULT = object()


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
        #: The user ``/oauth/authorize`` approves as (default: the first company's admin).
        self.signed_in_user: Optional[int] = self.default_user_id
        self.oauth = OAuthState(
            self.clock,
            self.data,
            lambda: self.signed_in_user,
            lambda: self.interactive,
            expires_in,
        )
        self.limiter = RateLimiter()
        self.uploads = UploadStore(self.clock, lambda: self.storage_url)
        self.webhooks = WebhookDispatcher(self.clock)
        #: All a request handler may touch: records, clock, events, uploads.
        self.world = World(
            data=self.data,
            clock=self.clock,
            seed=seed,
            events=self.webhooks,
            uploads=self.uploads,
            records=Records(seed),
        )
        self._log = RequestLog()
        self._listeners: dict[str, Listener] = {}
        self._group: Optional[ListenerGroup] = None
        #: Every catalogue operation no hand-written route serves, shaped by Procore's spec.
        self.generic = GenericEngine(self.world)
        self._dispatch = Dispatcher(
            world=self.world,
            oauth=self.oauth,
            faults=self.faults,
            limiter=self.limiter,
            rate_limits=lambda: self.rate_limits,
            generic=self.generic,
            storage=StorageHost(self.uploads, self.data, seed, lambda: self.storage_url),
            storage_url=lambda: self.storage_url,
            log=self._log,
        )
        companies = self.data.companies
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
        return self.oauth.create_app(name, list(redirect_uris), checked_permissions(permissions))

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
        record = self.oauth.find(token)
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
        return self._log.snapshot()

    def clear_requests(self) -> None:
        """Empty the request log (and so :meth:`required_permissions`)."""
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
        return self._log.required_permissions(include_denied=include_denied)
