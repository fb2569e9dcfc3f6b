"""ProcoreClient: the entry point, with company and project scopes.

.. code-block:: python

    from procore_dc import ProcoreClient

    client = ProcoreClient.from_env()
    company = client.company(8)
    for rfi in company.project(42).rfis.list(filters={"status": "open"}):
        print(rfi.number, rfi.subject)
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, Callable, Optional, TypeVar, Union, overload

from procore_dc._changes import (
    Changes,
    FanOut,
    ListOperation,
    fan_out,
    list_operation,
    progress_callback,
    read_changes,
)
from procore_dc._ids import coerce_id
from procore_dc.auth.base import AuthStrategy
from procore_dc.environments import Environment
from procore_dc.exceptions import ConfigurationError
from procore_dc.models import Me

# Generated facades (#16): the scopes derive from these bases, which build every operation's
# facade (project.punch_items.list()) on first use; see procore_dc.operations._facades.
from procore_dc.operations._generated import ClientFacades, CompanyFacades, ProjectFacades
from procore_dc.pagination import PageIterator
from procore_dc.resources.companies import CompaniesResource
from procore_dc.resources.daily_logs import ManpowerLogsResource
from procore_dc.resources.documents import DocumentsResource
from procore_dc.resources.observations import ObservationsResource
from procore_dc.resources.projects import ProjectsResource
from procore_dc.resources.rfis import RfisResource
from procore_dc.resources.submittals import SubmittalsResource
from procore_dc.resources.users import CompanyUsersResource
from procore_dc.resources.vendors import VendorsResource
from procore_dc.resources.webhooks import CompanyWebhooks, ProjectWebhooks
from procore_dc.session import Session

if TYPE_CHECKING:  # the operation table loads on the first call, not with the client
    from procore_dc.operations import Operation, OperationTable

__all__ = ["CompanyScope", "ProcoreClient", "ProjectScope"]

T = TypeVar("T")


def _call(
    self: Any,
    operation: Union[str, Operation],
    /,
    *,
    body: Any = None,
    version: Optional[str] = None,
    strict: bool = True,
    **params: Any,
) -> Any:
    """Call any of Procore's operations, the scope's ids filled in where it takes them.

    A project fills ``project_id`` and ``company_id``, a company ``company_id``; on the
    client, pass them as ``company_id=`` and ``project_id=`` (default company: the
    session's).

    :param operation: ``"METHOD /path"`` as the catalogue spells it (or with concrete
        ids), a catalogue operation id, or an :class:`~procore_dc.operations.Operation`
    :param body: the JSON body of a write
    :param version: another version of the operation (``"v1.1"``)
    :param strict: ``False`` sends a call the spec check refuses (logging a warning), for
        fields newer than Procore's spec
    :param params: path and query parameters by name (``id=7``, ``per_page=50``,
        ``filters={"status": "open"}``); ``limit=`` and ``prefetch=`` go to the page
        iterator of a list
    :returns: a lazy :class:`~procore_dc.pagination.PageIterator` for a Link-paged list,
        else the answer: a model built from Procore's spec, a
        :class:`~procore_dc.operations.Record` when the spec gives no shape, a list of
        them, or ``None`` for an empty answer
    :raises RequestValidationError: (a :class:`~procore_dc.exceptions.ValidationError`)
        for unknown parameters, missing required fields, wrong types or values outside an
        enum, before anything is sent
    :raises ConfigurationError: for an operation or version the catalogue lacks

    .. code-block:: python

        items = project.call("GET /rest/v1.0/punch_items", filters={"status": "open"})
        made = project.call("POST /rest/v1.0/punch_items",
                            body={"punch_item": {"name": "Paint stair 2"}})
        vendors = client.company(8).call("GET /rest/v1.0/vendors", limit=10)
        me = client.call("GET /rest/v1.0/me")
    """
    from procore_dc.operations import call_operation

    ids = self._call_ids(params)
    return call_operation(
        self.session, operation, ids, params, body=body, version=version, strict=strict
    )


class ProjectScope(ProjectFacades):
    """The tools of one project; calls carry the company's ``Procore-Company-Id``.

    :ivar rfis: :class:`~procore_dc.resources.rfis.RfisResource`
    :ivar submittals: :class:`~procore_dc.resources.submittals.SubmittalsResource`
    :ivar observations: :class:`~procore_dc.resources.observations.ObservationsResource`
    :ivar documents: :class:`~procore_dc.resources.documents.DocumentsResource`
    :ivar manpower_logs: :class:`~procore_dc.resources.daily_logs.ManpowerLogsResource`
    :ivar webhooks: project-scoped hooks, triggers and deliveries

    .. code-block:: python

        project = client.company(8).project(42)
        project.rfis.create("Door hardware", question="Which hinge?", rfi_manager_id=5)
    """

    def __init__(self, session: Session, company_id: int, project_id: int) -> None:
        company_id = coerce_id(company_id, "company_id")
        project_id = coerce_id(project_id, "project_id")
        self.session = session
        """The session view with this company's id."""
        self.company_id = company_id
        self.project_id = project_id
        ids = {"company_id": company_id, "project_id": project_id}
        self.rfis = RfisResource(session, **ids)
        self.submittals = SubmittalsResource(session, **ids)
        self.observations = ObservationsResource(session, **ids)
        self.documents = DocumentsResource(session, **ids)
        self.manpower_logs = ManpowerLogsResource(session, **ids)
        self.webhooks = ProjectWebhooks(session, **ids)

    def changes(
        self,
        operation: Union[str, ListOperation],
        *,
        since: Union[_dt.datetime, str, None],
        **options: Any,
    ) -> Changes[Mapping[str, Any]]:
        """Read what changed since ``since`` in any list operation of this project.

        ``operation`` is ``"GET /path"`` from Procore's catalogue; ``{project_id}`` and
        ``{company_id}`` (in the path or the query) are filled in. Items are JSON mappings.
        ``options`` are :func:`~procore_dc._changes.read_changes`'s (``until``, ``params``,
        ``window``, ``overlap``, ``per_page``, ``progress``).

        :raises ConfigurationError: for an operation the catalogue lacks or a path parameter
            other than the ids

        .. code-block:: python

            changed = project.changes("GET /rest/v1.0/projects/{project_id}/rfis",
                                      since=checkpoint)
            rows = list(changed)
            checkpoint = changed.checkpoint
        """
        ids = {"company_id": self.company_id, "project_id": self.project_id}
        return read_changes(self.session, operation, since=since, ids=ids, **options)

    call = _call

    def _call_ids(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"company_id": self.company_id, "project_id": self.project_id}

    def __repr__(self) -> str:
        return f"ProjectScope(company_id={self.company_id}, project_id={self.project_id})"


class CompanyScope(CompanyFacades):
    """The tools of one company; every call carries its ``Procore-Company-Id``.

    :ivar projects: :class:`~procore_dc.resources.projects.ProjectsResource`
    :ivar users: :class:`~procore_dc.resources.users.CompanyUsersResource`
    :ivar vendors: :class:`~procore_dc.resources.vendors.VendorsResource`
    :ivar webhooks: company-scoped hooks, triggers and deliveries

    .. code-block:: python

        company = client.company(8)
        result = company.projects.sync([{"origin_id": "erp-1", "name": "Tower"}])
    """

    def __init__(self, session: Session, company_id: int) -> None:
        company_id = coerce_id(company_id, "company_id")
        self.session = session.with_company(company_id)
        """The session view with this company's id."""
        self.company_id = company_id
        self.projects = ProjectsResource(self.session, company_id=company_id)
        self.users = CompanyUsersResource(self.session, company_id=company_id)
        self.vendors = VendorsResource(self.session, company_id=company_id)
        self.webhooks = CompanyWebhooks(self.session, company_id=company_id)

    def project(self, project_id: int) -> ProjectScope:
        """The tools of one of this company's projects.

        :raises ConfigurationError: for an id that is not a positive integer

        .. code-block:: python

            project = client.company(8).project(42)
        """
        return ProjectScope(self.session, self.company_id, project_id)

    def changes(
        self,
        operation: Union[str, ListOperation],
        *,
        since: Union[_dt.datetime, str, None],
        **options: Any,
    ) -> Changes[Mapping[str, Any]]:
        """Read what changed since ``since`` in a company-level list operation.

        For a list that lives in a project, use :meth:`project_changes`. ``options`` are
        :func:`~procore_dc._changes.read_changes`'s.

        :raises ConfigurationError: for a project-level operation or one the catalogue lacks

        .. code-block:: python

            changed = company.changes("GET /rest/v1.0/vendors", since=checkpoint)
            vendors = list(changed)
        """
        op = list_operation(operation)
        if op.project_level:
            raise ConfigurationError(
                f"{op.key} reads one project: use company.project_changes(...) to read every "
                "permitted project, or company.project(id).changes(...)"
            )
        ids = {"company_id": self.company_id}
        return read_changes(self.session, op, since=since, ids=ids, **options)

    def project_changes(
        self,
        operation: Union[str, ListOperation],
        *,
        since: Union[_dt.datetime, str, Mapping[int, Any], None],
        project_ids: Optional[Iterable[int]] = None,
        max_workers: int = 4,
        progress: Union[bool, Callable[[Any], None], None] = None,
        **options: Any,
    ) -> FanOut[Mapping[str, Any]]:
        """Read a project-level list in every permitted project, ``max_workers`` at a time.

        Yields ``(project_id, item)``. The threads share this scope's session, so its rate
        budget and token. A project answering 403 or 404 lands in ``failures`` and the others
        go on.

        :param since: one checkpoint for every project, or a mapping project id -> checkpoint
            (a project missing from it is read in full)
        :param project_ids: the projects (default: every project the company lists to the
            caller, which for a service account is its permitted ones)
        :param options: :func:`~procore_dc._changes.read_changes`'s (``until``, ``window`` ...)
        :param options: :func:`~procore_dc._changes.read_changes`'s (``until``, ``window`` ...)

        .. code-block:: python

            run = company.project_changes("GET /rest/v1.0/projects/{project_id}/rfis",
                                          since=checkpoint, max_workers=4)
            for project_id, rfi in run:
                store(project_id, rfi)
            checkpoints = run.checkpoints
        """
        op = list_operation(operation)
        if not op.project_level:
            raise ConfigurationError(f"{op.key} is not read per project: use company.changes(...)")
        if project_ids is None:
            project_ids = [p.id for p in self.projects.list()]
        callback = progress_callback(progress, op.key)

        def read(project_id: int) -> Changes[Mapping[str, Any]]:
            start = since.get(project_id) if isinstance(since, Mapping) else since
            ids = {"company_id": self.company_id, "project_id": project_id}
            return read_changes(
                self.session, op, since=start, ids=ids, progress=callback, **options
            )

        return fan_out(project_ids, read, max_workers=max_workers, progress=callback)

    call = _call

    def _call_ids(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"company_id": self.company_id}

    def __repr__(self) -> str:
        return f"CompanyScope(company_id={self.company_id})"


class ProcoreClient(ClientFacades):
    """The entry point: ``me()``, ``companies``, and company and project scopes.

    :param auth_or_session: an auth strategy (a :class:`~procore_dc.session.Session` is
        built on it) or a ready session
    :param session_options: passed to :class:`~procore_dc.session.Session` when an auth
        strategy is given (``company_id``, ``retry``, ``timeout``, ``user_agent``...)
    :raises ConfigurationError: for anything else

    .. code-block:: python

        client = ProcoreClient(ServiceAccountAuth.from_env(), company_id=8)
        print(client.me().login)
        for company in client.companies.list():
            print(company.name)
    """

    def __init__(
        self, auth_or_session: Union[AuthStrategy, Session], **session_options: Any
    ) -> None:
        if isinstance(auth_or_session, Session):
            if session_options:
                raise ConfigurationError(
                    "session options go to Session(...) when you pass a ready session"
                )
            session = auth_or_session
        elif isinstance(auth_or_session, AuthStrategy):
            session = Session(auth_or_session, **session_options)
        else:
            raise ConfigurationError(
                "ProcoreClient needs an auth strategy (ServiceAccountAuth, UserLevelAuth) or a "
                f"Session, got {type(auth_or_session).__name__}"
            )
        self.session = session
        """The session every call goes through: the escape hatch for any other endpoint."""
        self.companies = CompaniesResource(session)
        """The companies the caller can reach."""

    @classmethod
    def from_env(
        cls, environ: Optional[Mapping[str, str]] = None, **session_options: Any
    ) -> ProcoreClient:
        """Build a service-account client from environment variables.

        - ``PROCORE_CLIENT_ID`` and ``PROCORE_CLIENT_SECRET``: the app's credentials;
        - ``PROCORE_ENVIRONMENT``: ``production`` (default), ``sandbox``,
          ``monthly-sandbox``, or the API base URL of a local server such as ``FakeProcore``;
        - ``PROCORE_LOGIN_URL``: the login (OAuth) base URL; required when
          ``PROCORE_ENVIRONMENT`` is a URL, since a local server may serve OAuth on another
          port (``FakeProcore`` does: ``sandbox.login_url``); set it to the same URL when one
          host serves both;
        - ``PROCORE_COMPANY_ID`` (optional): the default ``Procore-Company-Id``.

        :raises ConfigurationError: naming each missing or malformed variable

        .. code-block:: python

            client = ProcoreClient.from_env()
        """
        from procore_dc import _settings as settings
        from procore_dc.auth.service_account import ServiceAccountAuth

        named = settings.text("environment", environ) or ""
        if "://" in named and settings.text("login_url", environ) is None:
            environment = Environment.from_name(named)
            if environment.name == "local":
                raise ConfigurationError(
                    f"PROCORE_ENVIRONMENT is a URL ({environment.api_url}), so set "
                    "PROCORE_LOGIN_URL to its login (OAuth) base URL too: for FakeProcore, "
                    "sandbox.login_url (another port); the same URL when one host serves both"
                )
        auth = ServiceAccountAuth.from_env(environ)
        company = settings.read("company_id", environ)
        if company is not None and "company_id" not in session_options:
            session_options["company_id"] = company
        return cls(auth, **session_options)

    @property
    def operations(self) -> OperationTable:
        """Every Procore operation: look one up, search them, find their versions.

        .. code-block:: python

            for match in client.operations.search("budget line items"):
                print(match.method, match.path, match.summary, match.group)
        """
        from procore_dc.operations import load_operations

        return load_operations()

    call = _call

    def _call_ids(self, params: dict[str, Any]) -> dict[str, Any]:
        # No scope: the ids are the call's own (the company defaults to the session's).
        return {
            "company_id": params.pop("company_id", self.session.company_id),
            "project_id": params.pop("project_id", None),
        }

    def me(self) -> Me:
        """Return the signed-in user; for a service account, its DMSA user.

        :calls: ``GET /rest/v1.0/me``

        .. code-block:: python

            print(client.me().login)
        """
        return self.companies.me()

    @overload
    def paginate(
        self,
        path: str,
        *,
        params: Optional[Mapping[str, Any]] = None,
        per_page: int = 100,
        structure: None = None,
        limit: Optional[int] = None,
        prefetch: int = 1,
        company_id: Optional[int] = None,
    ) -> PageIterator[Any]: ...

    @overload
    def paginate(
        self,
        path: str,
        *,
        params: Optional[Mapping[str, Any]] = None,
        per_page: int = 100,
        structure: Callable[[Mapping[str, Any]], T],
        limit: Optional[int] = None,
        prefetch: int = 1,
        company_id: Optional[int] = None,
    ) -> PageIterator[T]: ...

    def paginate(
        self,
        path: str,
        *,
        params: Optional[Mapping[str, Any]] = None,
        per_page: int = 100,
        structure: Optional[Callable[[Mapping[str, Any]], Any]] = None,
        limit: Optional[int] = None,
        prefetch: int = 1,
        company_id: Optional[int] = None,
    ) -> PageIterator[Any]:
        """Walk any Procore list endpoint lazily, as plain JSON objects: handy in a notebook.

        The typed resources (``client.company(8).projects.list()``) do the same with models;
        this reaches the endpoints they do not cover. Nothing is sent until you iterate (or
        read ``.total``). The :class:`~procore_dc.pagination.PageIterator` follows
        ``Link: rel="next"`` and can prefetch pages once ``Total`` is known.

        :param path: the list endpoint, e.g. ``/rest/v1.0/projects``
        :param params: query parameters (filters, ``company_id``, ...)
        :param per_page: items per page (default: ``100``)
        :param structure: turns each item mapping into your type (default: keep the mapping)
        :param limit: stop after this many items (default: all)
        :param prefetch: pages in flight at once once ``Total`` is known (default: ``1``)
        :param company_id: the ``Procore-Company-Id`` (default: the session's)
        :raises ConfigurationError: for a bad ``params``, ``per_page``, ``limit`` or
            ``prefetch``

        .. code-block:: python

            punch = client.paginate("/rest/v1.0/punch_items", params={"project_id": 42})
            print(punch.total)
            frame = punch.to_dataframe()
        """
        return PageIterator(
            self.session,
            path,
            params=params,
            per_page=per_page,
            structure=structure,
            limit=limit,
            prefetch=prefetch,
            company_id=company_id,
        )

    def company(self, company_id: int) -> CompanyScope:
        """The tools of one company: every call sends ``Procore-Company-Id: company_id``.

        :raises ConfigurationError: for an id that is not a positive integer

        .. code-block:: python

            company = client.company(8)
            print(company.projects.list().total)
        """
        return CompanyScope(self.session, company_id)

    def project(self, project: Any, company_id: Optional[int] = None) -> ProjectScope:
        """The tools of one project, without naming its company when that is already known.

        :param project: a project id, or a :class:`~procore_dc.models.projects.Project` record (its
            ``company`` then says which company)
        :param company_id: the project's company; by default the project record's company,
            else the session's ``company_id``
        :raises ConfigurationError: for a malformed id, or when no company is known

        .. code-block:: python

            client = ProcoreClient(auth, company_id=8)
            rfis = client.project(100001).rfis.list()
        """
        from procore_dc.models import Project

        if isinstance(project, Project):
            if company_id is None and project.company is not None:
                company_id = project.company.id
            project = project.id
        project_id = coerce_id(project, "project_id")
        if company_id is None:
            company_id = self.session.company_id
        if company_id is None:
            raise ConfigurationError(
                f"client.project({project_id}) needs the project's company: pass "
                "company_id=..., give ProcoreClient(..., company_id=...) a default, or pass "
                "the Project record itself"
            )
        return CompanyScope(self.session, company_id).project(project_id)

    def close(self) -> None:
        """Close the session's connection pool."""
        self.session.close()

    def __enter__(self) -> ProcoreClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"ProcoreClient({self.session!r})"
