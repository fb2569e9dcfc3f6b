"""REST conventions shared by every API-host endpoint: errors, access checks, pagination,
filters and sorting (procore-api.md section 2)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Optional, TypeVar, Union
from urllib.parse import urlencode

import attrs
from werkzeug.wrappers import Request, Response

from procore_dc.permissions import PermissionLevel
from procore_dc.testing._reply import HTTPError, json_response, not_found, unprocessable

if TYPE_CHECKING:
    from procore_dc.testing._oauth import PermittedProjects, TokenRecord
    from procore_dc.testing._requestlog import RequestRecord
    from procore_dc.testing._store import Partition
    from procore_dc.testing._world import World

__all__ = [
    "Ctx",
    "HTTPError",
    "json_response",
    "not_found",
    "paginate",
    "unprocessable",
]

Record = dict[str, Any]
MAX_PER_PAGE = 1000  # larger values are capped, as the issue and pagination docs describe
DEFAULT_PER_PAGE = 100


@attrs.define
class Ctx:
    """One API request being answered: who asks, for which company, and the log entry.

    ``world`` is all of the sandbox a handler may touch (records, clock, events, uploads).
    """

    world: World
    request: Request
    token: TokenRecord
    record: RequestRecord
    header_company: Optional[int]

    # -- input ----------------------------------------------------------------------------
    def body(self) -> dict[str, Any]:
        """The JSON object body; 400 when it is not JSON, ``{}`` when empty."""
        raw = self.request.get_data(as_text=True)
        if not raw.strip():
            return {}
        try:
            loaded = json.loads(raw)
        except ValueError:
            raise HTTPError.message(400, "The request body is not valid JSON.") from None
        if not isinstance(loaded, dict):
            raise HTTPError.message(400, "The request body must be a JSON object.")
        return loaded

    def wrapped(self, key: str) -> dict[str, Any]:
        """``body[key]`` as an object; 422 when missing (Procore wraps resource fields)."""
        value = self.body().get(key)
        if not isinstance(value, dict):
            raise unprocessable({key: ["is missing or not an object"]})
        return value

    def int_param(self, name: str, *, required: bool = True) -> Optional[int]:
        """An integer query parameter (or JSON body field); 400 when malformed or missing."""
        value: Any = self.request.args.get(name)
        if value is None and self.request.mimetype == "application/json":
            value = self.body().get(name)
        if value is None or value == "":
            if required:
                raise HTTPError.message(400, f"Missing required parameter: {name}")
            return None
        try:
            return int(value)
        except (TypeError, ValueError):
            raise HTTPError.message(400, f"Parameter {name} must be an integer") from None

    # -- access ---------------------------------------------------------------------------
    @property
    def caller(self) -> tuple[str, str, Optional[int]]:
        """Who calls: (token kind, client id, user id). Uploads belong to their caller."""
        return (self.token.kind, self.token.app.client_id, self.token.user_id)

    @property
    def is_dmsa(self) -> bool:
        return self.token.kind == "dmsa"

    def require_company_header(self) -> int:
        if self.header_company is None:
            # The text Procore sends (procore-api.md 2.2). The status is undocumented; the one
            # seen in the field is 404 (procore-oss/ruby-sdk issue #40), so the sandbox uses it.
            raise HTTPError.message(
                404,
                "Missing Procore-Company-Id header! Send the id of the company the request is "
                "for in the Procore-Company-Id header.",
            )
        return self.header_company

    def visible_companies(self) -> list[int]:
        """Companies the token holder sees: installations (DMSA) or memberships (user)."""
        return [c["id"] for c in self.world.data.companies if self.sees_company(c["id"])]

    def sees_company(self, company_id: int) -> bool:
        """Whether the token holder sees the company, decided from ids alone (a listing asks
        on every request, and generating every company to answer cost more than the rest)."""
        if self.is_dmsa:
            return company_id in self.token.app.installations
        assert self.token.user_id is not None
        return company_id in self.world.data.user_companies.get(self.token.user_id, set())

    def company(self, company_id: Optional[int] = None) -> Record:
        """The company the request is for; checks the header and that the holder may see it."""
        header = self.require_company_header()
        if company_id is not None and company_id != header:
            # The header names the company; a record of another company is invisible.
            raise not_found()
        company = self.world.data.companies.get(header)
        if company is None:
            raise not_found()
        if not self.sees_company(header):
            # procore-api.md 2.5: 403 "App is not connected to this company".
            if self.is_dmsa:
                raise HTTPError.message(403, "App is not connected to this company")
            raise HTTPError.message(403, "You do not have access to this company")
        self.record.company_id = header
        return company

    def project(self, project_id: Optional[int]) -> Record:
        """A project of the header's company that the holder may act in (404/403 otherwise)."""
        if project_id is None:
            raise HTTPError.message(400, "Missing required parameter: project_id")
        header = self.require_company_header()
        project = self.world.data.projects.get(project_id)
        if project is None or project["company"]["id"] != header:
            self.company()
            raise not_found()
        self.company(header)
        if self.is_dmsa:
            permitted = self.token.app.installations.get(header)
            if permitted is not None and project_id not in permitted:
                # A DMSA acts only in its permitted projects, and "future projects requiring
                # DMSA access must also be manually added" (DOC plan_your_app/
                # developer_managed_service_accounts.md).
                raise HTTPError.message(
                    403,
                    "Resource outside access scope: this project is not one of the service "
                    "account's permitted projects. A company admin adds it in App Management "
                    "(projects created after installation are not added automatically).",
                )
        self.record.project_id = project_id
        return project

    def need(self, scope: str, tool: str, level: str) -> None:
        """Record on the request log the tool and level this request needs."""
        self.record.scope, self.record.tool, self.record.level = scope, tool, level

    def permit(self, scope: str, tool: str, level: str) -> None:
        """Record the tool and level this request needs, then check the holder has it."""
        self.need(scope, tool, level)
        if self.is_dmsa:
            granted = self.token.app.permissions.get(scope, {}).get(tool)
        else:
            assert self.token.user_id is not None
            perms = self.world.data.user_permissions.get(self.token.user_id, {})
            granted = perms.get(scope, {}).get(tool)
        if granted is None or not PermissionLevel(granted).covers(PermissionLevel(level)):
            raise HTTPError.message(
                403,
                f"You do not have {level} access to the {tool} tool"
                f" ({scope} level) required for this action.",
            )

    def in_project(self, project_id: Optional[int], tool: str, level: str) -> Record:
        """Check a project-scoped call: project visibility first, then the tool level."""
        self.need("project", tool, level)
        project = self.project(project_id)
        self.permit("project", tool, level)
        return project

    def in_company(self, company_id: Optional[int], tool: str, level: str) -> Record:
        """Check a company-scoped call: company visibility first, then the tool level."""
        self.need("company", tool, level)
        company = self.company(company_id)
        self.permit("company", tool, level)
        return company

    def visible_projects(self, company_id: int) -> Optional[PermittedProjects]:
        """For a DMSA, the permitted project ids (``None``: all); users see all."""
        if self.is_dmsa:
            return self.token.app.installations.get(company_id)
        return None


# -- pagination --------------------------------------------------------------------------


def page_params(request: Request) -> tuple[int, int]:
    """``page`` (1-based) and ``per_page`` (default 100, capped at 1000)."""

    def number(name: str, default: int) -> int:
        try:
            return max(1, int(request.args.get(name, default)))
        except ValueError:
            raise HTTPError.message(400, f"Parameter {name} must be a positive integer") from None

    return number("page", 1), min(MAX_PER_PAGE, number("per_page", DEFAULT_PER_PAGE))


_Made = TypeVar("_Made")


def per_environ(
    memo: dict[tuple[Any, ...], _Made],
    request: Request,
    parts: tuple[str, ...],
    make: Callable[[], _Made],
    *,
    limit: int,
) -> _Made:
    """``make()``, remembered in ``memo`` under the request's environ ``parts`` (what it is
    made from); past ``limit`` entries the memo starts over."""
    key = tuple(request.environ.get(name) for name in parts)
    made = memo.get(key)
    if made is None:
        if len(memo) >= limit:
            memo.clear()
        made = memo[key] = make()
    return made


_BASE_URLS: dict[tuple[Any, ...], str] = {}
# What werkzeug builds ``base_url`` from.
_URL_PARTS = (
    "wsgi.url_scheme",
    "HTTP_HOST",
    "SERVER_NAME",
    "SERVER_PORT",
    "SCRIPT_NAME",
    "PATH_INFO",
)


def base_url(request: Request) -> str:
    """``request.base_url``, remembered per host and path: a listing's ``Link`` header needs it
    on every page, and werkzeug works it out again each time (about a tenth of a listing's
    time in the sandbox)."""
    return per_environ(_BASE_URLS, request, _URL_PARTS, lambda: request.base_url, limit=4096)


def paginate(
    ctx: Ctx,
    items: Union[Sequence[Record], Partition],
    *,
    view: Optional[Callable[[Record], Record]] = None,
) -> Response:
    """One page of ``items`` with ``Total``, ``Per-Page`` and an absolute ``Link`` header.

    ``next`` is omitted on the last page and ``first``/``prev`` on page 1 (procore-api.md 2.3).
    Only the requested slice is materialised.
    """
    page, per_page = page_params(ctx.request)
    total = len(items)
    last = max(1, -(-total // per_page))
    offset = (page - 1) * per_page
    if hasattr(items, "slice"):
        chunk = items.slice(offset, per_page)
    else:
        chunk = list(items[offset : offset + per_page])
    if view is not None:
        chunk = [view(item) for item in chunk]
    response = json_response(chunk)
    response.headers["Total"] = str(total)
    response.headers["Per-Page"] = str(per_page)
    base = base_url(ctx.request)
    # The other parameters are encoded once; each link adds its page number last.
    kept = urlencode([(k, v) for k, v in ctx.request.args.items(multi=True) if k != "page"])
    prefix = f"{base}?{kept}&page=" if kept else f"{base}?page="

    def url(number: int) -> str:
        return f"{prefix}{number}"

    links = []
    if page > 1:
        links.append(f'<{url(1)}>; rel="first"')
        links.append(f'<{url(min(page - 1, last))}>; rel="prev"')
    if page < last:
        links.append(f'<{url(page + 1)}>; rel="next"')
    links.append(f'<{url(last)}>; rel="last"')
    response.headers["Link"] = ", ".join(links)
    return response


# -- filters and sorting -------------------------------------------------------------------


def parse_filters(request: Request, prefix: str = "filters") -> dict[str, list[str]]:
    """``filters[x]=v`` and ``filters[x][]=v1&filters[x][]=v2`` (procore-api.md 2.6)."""
    found: dict[str, list[str]] = {}
    for key, value in request.args.items(multi=True):
        if not key.startswith(prefix + "["):
            continue
        name = key[len(prefix) + 1 :].split("]", 1)[0]
        found.setdefault(name, []).append(value)
    return found


def _parse_time(text: str) -> Optional[float]:
    text = text.strip()
    try:
        if len(text) == 10:
            return (
                dt.datetime.strptime(text, "%Y-%m-%d").replace(tzinfo=dt.timezone.utc).timestamp()
            )
        return dt.datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()
    except ValueError:
        raise HTTPError.message(400, f"Invalid date in filter: {text!r}") from None


def value_matches(value: Any, wanted: list[str]) -> bool:
    if len(wanted) == 1 and "..." in wanted[0] and isinstance(value, str):
        # Date ranges "a...b", inclusive; a date-only upper bound covers the whole day.
        low_text, high_text = wanted[0].split("...", 1)
        stamp = _parse_time(value)
        low, high = _parse_time(low_text), _parse_time(high_text)
        if len(high_text.strip()) == 10 and high is not None:
            high += 86399
        return stamp is not None and low is not None and high is not None and low <= stamp <= high
    if isinstance(value, bool):
        return str(value).lower() in [w.lower() for w in wanted]
    return str(value) in wanted or (isinstance(value, str) and value.lower() in wanted)


def apply_filters(
    records: Iterable[Record],
    filters: Mapping[str, list[str]],
    fields: Mapping[str, Callable[[Record], Any]],
) -> list[Record]:
    """Keep the records matching every known filter; unknown filter names are ignored."""
    known = {k: v for k, v in filters.items() if k in fields}
    if not known:
        return list(records)
    return [r for r in records if all(value_matches(fields[k](r), v) for k, v in known.items())]


def apply_sort(records: list[Record], spec: Optional[str]) -> list[Record]:
    """``sort=a,-b``: several fields, ``-`` for descending (procore-api.md 2.6)."""
    if not spec:
        return records
    for field in reversed([f.strip() for f in spec.split(",") if f.strip()]):
        descending = field.startswith("-")
        name = field.lstrip("-")

        def key(record: Record, name: str = name) -> tuple[bool, Any]:
            value = record.get(name)
            if isinstance(value, dict):
                value = value.get("name") or value.get("id")
            return (value is None, value if isinstance(value, (int, float)) else str(value))

        records = sorted(records, key=key, reverse=descending)
    return records


def field(*path: str) -> Callable[[Record], Any]:
    """A getter for a (nested) record field, for filter tables."""

    def get(record: Record) -> Any:
        value: Any = record
        for part in path:
            if not isinstance(value, dict):
                return None
            value = value.get(part)
        return value

    return get
