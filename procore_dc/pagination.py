"""Lazy iteration over Procore's paginated list endpoints.

Procore pages with ``page`` and ``per_page`` query parameters and answers with a ``Link``
header (``rel="next"`` is left out on the last page) and a ``Total`` header (the item count).
A :class:`PageIterator` follows ``rel="next"`` and stops when it is missing, so it never sends
the extra request for an empty page that SDKs looping "until empty" send. A server cannot keep
it walking: a ``next`` link to a page already fetched, or a page holding only ids already
seen, raises :class:`~procore_dc.exceptions.ResponseFormatError`, and an empty page ends the
walk whatever ``Total`` claimed. A relative ``Link`` is resolved against the page's URL.
With ``prefetch=K`` and a known ``Total``, pages 2..N are fetched by K worker threads and
still yielded in order.

Items are the JSON objects of each page, passed through the ``structure`` callable when one
is given; this module never imports the models.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, Generic, Optional, Protocol, TypeVar
from urllib.parse import SplitResult, parse_qsl, urlencode, urljoin, urlsplit

import attrs
import requests

from procore_dc._headers import get_int
from procore_dc._http import response_json
from procore_dc._redact import get_logger
from procore_dc.exceptions import ConfigurationError, ResponseFormatError

if TYPE_CHECKING:
    from procore_dc.environments import Environment
    from procore_dc.rate_limit import RateLimitState

__all__ = ["CursorPageIterator", "OffsetPageIterator", "Page", "PageIterator", "Requester"]

log = get_logger(__name__)

T = TypeVar("T")


class Requester(Protocol):
    """What a page iterator needs from whoever sends its requests.

    A :class:`~procore_dc.session.Session` (or a ``with_company`` view of one) is a requester;
    so is anything with the same three members, e.g. a test double. The iterator knows how to
    page, not who sends, as botocore's paginator takes the operation as a callable.

    .. code-block:: python

        rfis = PageIterator(session, "/rest/v1.0/projects/42/rfis", per_page=50)
    """

    @property
    def environment(self) -> Environment:
        """Where the API is: a ``next`` link off its host is followed on it."""

    @property
    def rate_limit(self) -> RateLimitState:
        """The rate-limit state whose ``remaining`` bounds the prefetch window."""

    def request(
        self,
        method: str,
        path_or_url: str,
        *,
        params: Any = None,
        company_id: Optional[int] = None,
    ) -> requests.Response:
        """Send one call and return its successful response (raising for a status >= 400)."""


@attrs.frozen
class Page(Generic[T]):
    """One page of a list.

    :ivar items: the page's items, after ``structure``
    :ivar number: the page number (1-based)
    :ivar total: the item count of the whole list from the ``Total`` header, if sent
    :ivar next_url: the ``Link rel="next"`` URL, or ``None`` on the last page

    .. code-block:: python

        for page in client.paginate("/rest/v1.0/projects/42/rfis").pages():
            print(page.number, len(page.items), page.total)
    """

    items: tuple[T, ...]
    number: int
    total: Optional[int]
    next_url: Optional[str]


def _positive_int(value: Any, name: str, *, allow_none: bool = False, minimum: int = 1) -> Any:
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ConfigurationError(f"{name} must be an integer >= {minimum}, got {value!r}")
    return value


def _split_link(url: str) -> SplitResult:
    """Split a URL from a ``Link`` header; one that is not a URL is a format error."""
    try:
        return urlsplit(url)
    except ValueError as exc:
        raise ResponseFormatError(
            f"the Link header's next URL {url[:200]!r} is not a URL ({exc})"
        ) from None


def _page_param(url: str) -> Optional[int]:
    for key, value in parse_qsl(_split_link(url).query):
        if key == "page" and value.isascii() and value.isdigit():
            return int(value)
    return None


def _item_id(item: Any) -> Any:
    value = item.get("id") if isinstance(item, Mapping) else getattr(item, "id", None)
    return value if isinstance(value, (int, str)) and not isinstance(value, bool) else None


class _LoopGuard:
    """What one walk has fetched: page numbers, next links and item ids."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.numbers: set[int] = set()
        self.links: set[str] = set()
        self.ids: set[Any] = set()

    def _loop(self, what: str) -> ResponseFormatError:
        return ResponseFormatError(
            f"the list {self.path} loops: {what}; stopped instead of fetching it again "
            "(a broken Link header or a server that ignores the page parameter)"
        )

    def before(self, number: int, link: Optional[str]) -> None:
        if number in self.numbers or (link is not None and link in self.links):
            raise self._loop(f"the next link points back to page {number}, already fetched")
        self.numbers.add(number)
        if link is not None:
            self.links.add(link)

    def after(self, page: Page[Any]) -> None:
        ids = [_item_id(item) for item in page.items]
        if ids and None not in ids and self.ids.issuperset(ids):
            raise self._loop(f"page {page.number} holds only items already seen")
        self.ids.update(i for i in ids if i is not None)


class PageIterator(Generic[T]):
    """Iterate a Procore list lazily: items with ``for``, pages with :meth:`pages`.

    Build it on a :class:`Requester` such as a :class:`~procore_dc.session.Session`, or with
    :meth:`ProcoreClient.paginate <procore_dc.client.ProcoreClient.paginate>`. Each
    iteration starts from the first page again; only one page is held in memory at a time
    (up to ``prefetch`` pages when prefetching).

    :param requester: what sends the requests, e.g. a :class:`~procore_dc.session.Session`
    :param path: the list endpoint's path
    :param params: query parameters; a ``page`` here is where iteration starts
    :param per_page: items per page (default: ``100``); lowered to ``limit`` when that is
        smaller
    :param structure: turns each item mapping into ``T`` (default: the mapping itself)
    :param limit: stop after this many items (default: all)
    :param prefetch: pages in flight at once when ``Total`` is known (default: ``1``); fewer
        when the rate-limit window has fewer requests left
    :param company_id: the ``Procore-Company-Id`` (default: the requester's)
    :raises ConfigurationError: for a ``per_page``, ``limit`` or ``prefetch`` that is not a
        positive integer

    .. code-block:: python

        rfis = PageIterator(session, "/rest/v1.0/projects/42/rfis", per_page=100, prefetch=4)
        print(rfis.total)            # one request, for the first page
        subjects = [rfi["subject"] for rfi in rfis]
    """

    #: The model class the items are structured into, when a resource built this iterator
    #: (it gives :meth:`to_dataframe` its columns on an empty result); ``None`` otherwise.
    model: Optional[type] = None

    def __init__(
        self,
        requester: Requester,
        path: str,
        *,
        params: Optional[Mapping[str, Any]] = None,
        per_page: int = 100,
        structure: Optional[Callable[[Mapping[str, Any]], T]] = None,
        limit: Optional[int] = None,
        prefetch: int = 1,
        company_id: Optional[int] = None,
    ) -> None:
        if params is not None and not isinstance(params, Mapping):
            raise ConfigurationError(f"params must be a mapping, got {type(params).__name__}")
        if structure is not None and not callable(structure):
            raise ConfigurationError("structure must be a callable taking one item mapping")
        self._requester = requester
        self._path = path
        self._params = dict(params or {})
        self._limit: Optional[int] = _positive_int(limit, "limit", allow_none=True, minimum=0)
        per_page = _positive_int(per_page, "per_page")
        if self._limit:
            per_page = min(per_page, self._limit)
        self._per_page: int = per_page
        self._prefetch: int = _positive_int(prefetch, "prefetch")
        self._structure = structure
        self._company_id = company_id
        start = self._params.pop("page", 1)
        try:
            self._start = _positive_int(int(start), "page")
        except (TypeError, ValueError):
            raise ConfigurationError(
                f"params['page'] must be a page number, got {start!r}"
            ) from None
        self._total: Optional[int] = None
        self._total_known = False
        self._first: Optional[Page[T]] = None
        self._first_per_page: Optional[int] = None

    def __repr__(self) -> str:
        return (
            f"PageIterator(path={self._path!r}, per_page={self._per_page}, "
            f"limit={self._limit}, prefetch={self._prefetch})"
        )

    @property
    def total(self) -> Optional[int]:
        """The item count from the ``Total`` header, fetching the first page if needed.

        ``None`` when the endpoint does not send ``Total``. The fetched page is kept for the
        next iteration, so reading ``total`` first costs no extra request.
        """
        if not self._total_known:
            self._first = self._fetch(self._start, None)
        return self._total

    def __iter__(self) -> Iterator[T]:
        for page in self.pages():
            items = page.items
            del page  # drop our references before the next page is fetched
            yield from items
            del items

    def to_list(self) -> list[T]:
        """Fetch every page (up to ``limit``) and return all items in one list.

        .. code-block:: python

            vendors = client.paginate("/rest/v1.0/vendors", params={"company_id": 8}).to_list()
        """
        return list(self)

    def to_dataframe(self, *, all_fields: bool = False) -> Any:
        """Return all items as a ``pandas.DataFrame`` (needs pandas installed).

        Mappings become rows as they are; models become rows of the fields Procore sent (a
        field absent from every response is no column, unless ``all_fields=True``). An empty
        result from a resource still has the model's columns. Date fields become
        ``datetime64`` columns.

        :param all_fields: one column per model field, sent or not
        :raises ConfigurationError: when pandas cannot be imported

        .. code-block:: python

            frame = company.projects.list().to_dataframe()
            frame = client.paginate("/rest/v1.0/projects/42/rfis").to_dataframe()
        """
        from procore_dc._frames import to_dataframe

        return to_dataframe(list(self), self.model, all_fields=all_fields)

    def pages(self) -> Iterator[Page[T]]:
        """Yield the pages in order, each with its items, number, total and next link.

        .. code-block:: python

            for page in client.paginate("/rest/v1.0/companies").pages():
                print(page.number, page.next_url)
        """
        if self._limit == 0:
            return
        first = self._first
        self._first = None
        if first is None:
            first = self._fetch(self._start, None)
        guard = _LoopGuard(self._path)
        guard.before(first.number, None)
        guard.after(first)
        page, budget = _trim(first, self._limit)
        # Only scalars survive the yield, so at most one page is alive while the next one is
        # fetched (the caller's, if it keeps it).
        done = budget == 0 or first.next_url is None
        prefetch = self._prefetch > 1 and first.total is not None
        cursor = _Cursor(first.number, first.next_url, first.total, len(first.items))
        del first
        yield page
        del page
        if done:
            return
        if prefetch:
            yield from self._prefetched(cursor, budget, guard)
        else:
            yield from self._followed(cursor, budget, guard)

    # -- strategies -----------------------------------------------------------------------

    def _followed(
        self, cursor: _Cursor, budget: Optional[int], guard: _LoopGuard
    ) -> Iterator[Page[T]]:
        number, link, fetched = cursor.number, cursor.next_url, cursor.fetched
        while link is not None:
            total = cursor.total
            if total is not None and fetched >= total:
                return  # the Link says "next" but Total says we have everything
            number = _page_param(link) or number + 1
            guard.before(number, link)
            current = self._fetch(number, link)
            if not current.items:
                return
            guard.after(current)
            fetched += len(current.items)
            link = current.next_url
            page, budget = _trim(current, budget)
            del current
            yield page
            del page
            if budget == 0:
                return

    def _prefetched(
        self, cursor: _Cursor, budget: Optional[int], guard: _LoopGuard
    ) -> Iterator[Page[T]]:
        assert cursor.total is not None
        size = self._first_per_page or self._per_page
        last = math.ceil(cursor.total / size)
        if budget is not None:
            last = min(last, cursor.number + math.ceil(budget / size))
        queue: deque[Future[Page[T]]] = deque()
        next_number = cursor.number + 1
        pool = ThreadPoolExecutor(max_workers=self._prefetch, thread_name_prefix="procore-dc-page")
        try:
            while True:
                while next_number <= last and len(queue) < self._window():
                    queue.append(pool.submit(self._fetch, next_number, None))
                    next_number += 1
                if not queue:
                    return
                current = queue.popleft().result()
                if not current.items:
                    return  # Total promised more than there is
                guard.after(current)
                last_page = current.next_url is None
                page, budget = _trim(current, budget)
                del current
                yield page
                del page
                if budget == 0 or last_page:
                    return
        finally:
            for future in queue:
                future.cancel()
            pool.shutdown(wait=True)

    def _window(self) -> int:
        """How many pages may be in flight: ``prefetch``, or fewer when requests run short."""
        remaining = self._requester.rate_limit.remaining
        if remaining is None:
            return self._prefetch
        return max(1, min(self._prefetch, remaining))

    # -- one request ----------------------------------------------------------------------

    def _fetch(self, number: int, link: Optional[str]) -> Page[T]:
        if link is not None:
            target, params = self._on_api(link), None
        else:
            target = self._path
            params = {**self._params, "page": number, "per_page": self._per_page}
        response = self._requester.request(
            "GET", target, params=params, company_id=self._company_id
        )
        try:
            items = self._items(response)
        finally:
            response.close()
        total = get_int(response.headers, "Total")
        next_url = response.links.get("next", {}).get("url") or None
        if next_url is not None:
            _split_link(next_url)  # a format error for a link that is not a URL
            next_url = urljoin(response.url or "", next_url)  # "<?page=2>" is relative
        if number == self._start:
            self._total = total
            self._total_known = True
            self._first_per_page = get_int(response.headers, "Per-Page") or (
                len(items)
                if total is not None and len(items) < min(total, self._per_page)
                else None
            )
        return Page(items=items, number=number, total=total, next_url=next_url)

    def _items(self, response: requests.Response) -> tuple[T, ...]:
        return self._structured(self._raw_items(response))

    def _structured(self, body: list[Any]) -> tuple[T, ...]:
        structure = self._structure
        if structure is None:
            return tuple(body)
        return tuple(structure(item) for item in body)

    def _raw_items(self, response: requests.Response) -> list[Any]:
        body = response_json(response)
        if isinstance(body, Mapping) and isinstance(body.get("data"), list):
            body = body["data"]  # REST v2 wraps lists in {"data": [...]}
        if body is None:
            body = []
        if not isinstance(body, list):
            raise ResponseFormatError(
                f"expected a JSON list from the list endpoint {self._path}, got "
                f"{type(body).__name__}",
                status_code=response.status_code,
                url=response.url,
            )
        return body

    def _on_api(self, link: str) -> str:
        """Keep a next link on the API host; re-base one that names another host."""
        parts = _split_link(link)  # absolute: _fetch joined it to the page's URL
        if self._requester.environment.is_api(link):
            # Another scheme on the API host (e.g. http behind a TLS-terminating proxy) is the
            # API all the same: the session's scheme is kept.
            api_scheme = urlsplit(self._requester.environment.api_url).scheme
            return parts._replace(scheme=api_scheme, fragment="").geturl()
        log.debug("next link names another host; following its path on the API host")
        return parts.path + (f"?{parts.query}" if parts.query else "")


class CursorPageIterator(PageIterator[T]):
    """A :class:`PageIterator` for the v1.0 lists that page by the last id seen.

    Webhook deliveries take ``page_size`` (default 100) and ``page_start``, "the last id of
    the previous page" (Procore's OpenAPI spec, ``GET /rest/v1.0/webhooks/hooks/{hook_id}/
    deliveries``), and send no ``Link`` or ``Total`` header. The first page is asked for
    without ``page_start``; each next one from the last id of the page before. A full page
    means there may be more; a short page, an empty one, or one that adds no id not already
    seen on the page before (a server ignoring ``page_start``) ends the walk. Prefetching
    needs a total, so it never happens here.

    .. code-block:: python

        deliveries = CursorPageIterator(session, "/rest/v1.0/webhooks/hooks/5/deliveries",
                                        params={"company_id": 8}, per_page=100)
    """

    #: The ids of the page fetched last (a walk is sequential: no prefetch here).
    _seen: frozenset[str] = frozenset()

    def _fetch(self, number: int, link: Optional[str]) -> Page[T]:
        size = self._per_page
        params: dict[str, Any] = {**self._params, "page_size": size}
        after = _query_value(link, "page_start") if link is not None else None
        if after is not None:
            params["page_start"] = after
        response = self._requester.request(
            "GET", self._path, params=params, company_id=self._company_id
        )
        try:
            raw = self._raw_items(response)
        finally:
            response.close()
        if link is None:
            self._total_known = True  # the endpoint has no total: it stays None
            self._seen = frozenset()
        ids = [str(item.get("id")) for item in raw if isinstance(item, Mapping)]
        new = [i for i in ids if i not in self._seen and i != "None"]
        self._seen = frozenset(ids)
        if link is not None and not new:
            return Page(items=(), number=number, total=None, next_url=None)  # a repeat: done
        next_url = None
        if len(raw) >= size and new:
            # A synthetic link keeps the shared walk going: the page number and the cursor.
            next_url = f"{self._path}?{urlencode({'page': number + 1, 'page_start': new[-1]})}"
        return Page(items=self._structured(raw), number=number, total=None, next_url=next_url)


#: The old name, from when deliveries were (wrongly) paged by item offset.
OffsetPageIterator = CursorPageIterator


def _query_value(url: str, name: str) -> Optional[str]:
    return dict(parse_qsl(_split_link(url).query)).get(name)


@attrs.frozen
class _Cursor:
    """Where a walk through the pages stands, without holding any page."""

    number: int
    next_url: Optional[str]
    total: Optional[int]
    fetched: int


def _trim(page: Page[T], budget: Optional[int]) -> tuple[Page[T], Optional[int]]:
    if budget is None:
        return page, None
    if len(page.items) <= budget:
        return page, budget - len(page.items)
    return attrs.evolve(page, items=page.items[:budget]), 0
