"""PageIterator against a loopback server that pages like Procore (Link rel=next, Total)."""

from __future__ import annotations

import json
import sys
import threading
import types
from collections.abc import Iterator
from typing import Any, Optional
from urllib.parse import parse_qsl, urlsplit

import attrs
import pytest
from loopback import LoopbackServer, Recorded, Reply
from session_fakes import FakeAuth, FakeTime, policy

from procore_dc import (
    ConfigurationError,
    Environment,
    Page,
    PageIterator,
    ProcoreClient,
    ResponseFormatError,
    Session,
)


class Pager:
    """Answers ``?page=&per_page=`` over ``count`` items like Procore's list endpoints."""

    def __init__(
        self,
        count: int,
        *,
        max_per_page: int = 1000,
        total_header: bool = True,
        wrap: bool = False,
        remaining: Optional[int] = None,
        barrier: Optional[threading.Barrier] = None,
    ) -> None:
        self.count = count
        self.max_per_page = max_per_page
        self.total_header = total_header
        self.wrap = wrap
        self.remaining = remaining
        self.barrier = barrier
        self.base = ""
        self._lock = threading.Lock()
        self.active = 0
        self.max_active = 0

    def __call__(self, request: Recorded) -> Reply:
        with self._lock:
            self.active += 1
            self.max_active = max(self.max_active, self.active)
        try:
            query = dict(parse_qsl(urlsplit(request.target).query))
            page = int(query.get("page", 1))
            per_page = min(int(query.get("per_page", 10)), self.max_per_page)
            if self.barrier is not None and page > 1:
                self.barrier.wait(timeout=10)
            start = (page - 1) * per_page
            items = [
                {"id": i, "name": f"item {i}"}
                for i in range(start, min(start + per_page, self.count))
            ]
            headers = [("Content-Type", "application/json"), ("Per-Page", str(per_page))]
            if self.total_header:
                headers.append(("Total", str(self.count)))
            if self.remaining is not None:
                headers += [
                    ("X-Rate-Limit-Remaining", str(self.remaining)),
                    ("X-Rate-Limit-Reset", "1900000000"),
                ]
            path = urlsplit(request.target).path
            links = []
            if start + per_page < self.count:
                links.append(f'<{self.base}{path}?page={page + 1}&per_page={per_page}>; rel="next"')
            last = max(1, -(-self.count // per_page))
            links.append(f'<{self.base}{path}?page={last}&per_page={per_page}>; rel="last"')
            headers.append(("Link", ", ".join(links)))
            body: Any = {"data": items} if self.wrap else items
            return Reply(200, tuple(headers), json.dumps(body).encode())
        finally:
            with self._lock:
                self.active -= 1


@pytest.fixture
def pager_server() -> Iterator[tuple[LoopbackServer, Pager]]:
    pager = Pager(250)
    with LoopbackServer([pager]) as server:
        pager.base = server.url
        yield server, pager


def session_for(server: LoopbackServer) -> Session:
    return Session(FakeAuth(Environment.local(server.url)), company_id=8, retry=policy(FakeTime()))


def pages_requested(server: LoopbackServer) -> list[int]:
    return [int(dict(parse_qsl(urlsplit(r.target).query))["page"]) for r in server.requests]


def test_nothing_is_sent_until_iteration(pager_server: tuple[LoopbackServer, Pager]) -> None:
    server, _ = pager_server
    iterator = PageIterator(session_for(server), "/rest/v1.0/projects/1/rfis")
    assert isinstance(iterator, PageIterator)
    assert server.requests == []
    assert "per_page=100" in repr(iterator)


def test_follows_next_links_without_the_extra_empty_request(
    pager_server: tuple[LoopbackServer, Pager],
) -> None:
    server, _ = pager_server
    items = list(PageIterator(session_for(server), "/rest/v1.0/projects/1/rfis"))
    assert [item["id"] for item in items] == list(range(250))
    assert pages_requested(server) == [1, 2, 3]
    assert all(r.header("Procore-Company-Id") == "8" for r in server.requests)


def test_exact_multiple_of_per_page_stops_without_an_empty_page() -> None:
    pager = Pager(200)
    with LoopbackServer([pager]) as server:
        pager.base = server.url
        assert len(PageIterator(session_for(server), "/x").to_list()) == 200
    assert pages_requested(server) == [1, 2]


def test_total_fetches_only_the_first_page_and_iteration_reuses_it(
    pager_server: tuple[LoopbackServer, Pager],
) -> None:
    server, _ = pager_server
    iterator = PageIterator(session_for(server), "/x")
    assert iterator.total == 250
    assert pages_requested(server) == [1]
    assert len(iterator.to_list()) == 250
    assert pages_requested(server) == [1, 2, 3]
    assert iterator.total == 250  # known: no request
    assert len(server.requests) == 3


def test_pages_carry_number_total_and_next_link(
    pager_server: tuple[LoopbackServer, Pager],
) -> None:
    server, _ = pager_server
    pages = list(PageIterator(session_for(server), "/x", params={"sort": "id"}).pages())
    assert [(p.number, len(p.items), p.total) for p in pages] == [
        (1, 100, 250),
        (2, 100, 250),
        (3, 50, 250),
    ]
    assert pages[0].next_url == f"{server.url}/x?page=2&per_page=100"
    assert pages[2].next_url is None
    assert isinstance(pages[0], Page)
    assert "sort=id" in server.requests[0].target


def test_limit_stops_early_and_shrinks_the_page(
    pager_server: tuple[LoopbackServer, Pager],
) -> None:
    server, _ = pager_server
    session = session_for(server)
    assert [i["id"] for i in PageIterator(session, "/x", limit=5)] == [0, 1, 2, 3, 4]
    assert "per_page=5" in server.requests[0].target
    server.requests.clear()
    assert len(PageIterator(session, "/x", limit=150).to_list()) == 150
    assert pages_requested(server) == [1, 2]
    server.requests.clear()
    assert PageIterator(session, "/x", limit=0).to_list() == []
    assert server.requests == []


def test_start_page_from_params(pager_server: tuple[LoopbackServer, Pager]) -> None:
    server, _ = pager_server
    items = PageIterator(session_for(server), "/x", params={"page": 2}).to_list()
    assert [i["id"] for i in items] == list(range(100, 250))
    assert pages_requested(server) == [2, 3]


def test_missing_next_link_ends_iteration_even_if_total_is_larger() -> None:
    def one_page(_request: Recorded) -> Reply:
        return Reply(200, (("Total", "1000"),), json.dumps([{"id": 1}]).encode())

    with LoopbackServer([one_page]) as server:
        assert PageIterator(session_for(server), "/x").to_list() == [{"id": 1}]
    assert len(server.requests) == 1


def test_structure_and_v2_data_wrapper() -> None:
    @attrs.frozen
    class Item:
        id: int
        name: str

    pager = Pager(30, wrap=True)
    with LoopbackServer([pager]) as server:
        pager.base = server.url
        items = PageIterator(
            session_for(server),
            "/rest/v2.0/companies/8/things",
            per_page=10,
            structure=lambda m: Item(m["id"], m["name"]),
        ).to_list()
    assert items[0] == Item(0, "item 0")
    assert len(items) == 30


def test_non_list_body_is_a_response_format_error() -> None:
    reply = Reply(200, (), b'{"message": "not a list"}')
    expected = pytest.raises(ResponseFormatError, match="expected a JSON list")
    with LoopbackServer([reply]) as server, expected:
        PageIterator(session_for(server), "/x").to_list()


def test_prefetch_fetches_pages_in_parallel_and_yields_in_order() -> None:
    # Pages 2-5 each wait at a 4-party barrier: it opens only if four are in flight at once.
    pager = Pager(1000, barrier=threading.Barrier(4))
    with LoopbackServer([pager]) as server:
        pager.base = server.url
        pages = list(PageIterator(session_for(server), "/x", per_page=200, prefetch=4).pages())
    assert [p.number for p in pages] == [1, 2, 3, 4, 5]
    assert [i["id"] for p in pages for i in p.items] == list(range(1000))
    assert sorted(pages_requested(server)) == [1, 2, 3, 4, 5]
    assert pager.max_active == 4


def test_prefetch_honours_the_servers_page_size() -> None:
    pager = Pager(250, max_per_page=50)
    with LoopbackServer([pager]) as server:
        pager.base = server.url
        items = PageIterator(session_for(server), "/x", per_page=100, prefetch=3).to_list()
    assert [i["id"] for i in items] == list(range(250))
    assert sorted(pages_requested(server)) == [1, 2, 3, 4, 5]


def test_prefetch_with_limit_requests_only_needed_pages() -> None:
    pager = Pager(1000)
    with LoopbackServer([pager]) as server:
        pager.base = server.url
        items = PageIterator(
            session_for(server), "/x", per_page=100, prefetch=4, limit=250
        ).to_list()
    assert len(items) == 250
    assert sorted(pages_requested(server)) == [1, 2, 3]


def test_prefetch_respects_the_rate_limit_window() -> None:
    pager = Pager(600, remaining=1)
    with LoopbackServer([pager]) as server:
        pager.base = server.url
        items = PageIterator(session_for(server), "/x", per_page=100, prefetch=4).to_list()
    assert len(items) == 600
    assert pager.max_active == 1  # one request left in the window: one page at a time


def test_prefetch_without_total_follows_links() -> None:
    pager = Pager(250, total_header=False)
    with LoopbackServer([pager]) as server:
        pager.base = server.url
        iterator = PageIterator(session_for(server), "/x", prefetch=4)
        assert iterator.total is None
        assert len(iterator.to_list()) == 250
    assert pages_requested(server) == [1, 2, 3]


def test_breaking_out_of_a_prefetching_iteration_stops_its_workers() -> None:
    pager = Pager(5000)
    with LoopbackServer([pager]) as server:
        pager.base = server.url
        iterator = iter(PageIterator(session_for(server), "/x", per_page=100, prefetch=4))
        first = [next(iterator) for _ in range(150)]
        assert any(t.name.startswith("procore-dc-page") for t in threading.enumerate())
        iterator.close()  # type: ignore[attr-defined]
        workers = [t for t in threading.enumerate() if t.name.startswith("procore-dc-page")]
        assert workers == []
    assert len(first) == 150
    assert len(server.requests) <= 6  # page 1 plus at most a window of four (plus one refill)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"per_page": 0}, "per_page"),
        ({"limit": -1}, "limit"),
        ({"prefetch": 0}, "prefetch"),
        ({"params": [("a", 1)]}, "params"),
        ({"structure": "nope"}, "structure"),
        ({"params": {"page": "first"}}, "page"),
    ],
)
def test_bad_arguments(kwargs: dict[str, Any], match: str) -> None:
    with LoopbackServer() as server, pytest.raises(ConfigurationError, match=match):
        PageIterator(session_for(server), "/x", **kwargs)


def test_to_dataframe_without_pandas(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pandas", None)  # makes "import pandas" fail
    with LoopbackServer() as server, pytest.raises(ConfigurationError, match="pip install pandas"):
        PageIterator(session_for(server), "/x").to_dataframe()


def test_to_dataframe_passes_rows_to_pandas(monkeypatch: pytest.MonkeyPatch) -> None:
    captured: list[Any] = []
    fake = types.ModuleType("pandas")

    class DataFrame:
        @staticmethod
        def from_records(rows: list[Any], columns: Optional[list[str]] = None) -> str:
            captured.extend(rows)
            if columns is not None:
                captured.append(columns)
            return "frame"

    fake.DataFrame = DataFrame  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "pandas", fake)

    @attrs.frozen
    class Item:
        id: int
        raw: dict[str, Any] = attrs.field(repr=False, eq=False)

    pager = Pager(3)
    with LoopbackServer([pager]) as server:
        pager.base = server.url
        result = PageIterator(
            session_for(server), "/x", structure=lambda m: Item(m["id"], dict(m))
        ).to_dataframe()
        plain = PageIterator(session_for(server), "/x").to_dataframe()
    assert result == plain == "frame"
    assert captured[:3] == [{"id": 0}, {"id": 1}, {"id": 2}]  # repr=False fields left out
    assert captured[3] == ["id"]  # the attrs class's fields, as columns
    assert captured[4] == {"id": 0, "name": "item 0"}


# -- servers that page oddly ----------------------------------------------------------------


def page_reply(
    items: list[Any], *, link: Optional[str] = None, total: Optional[str] = None
) -> Reply:
    headers = [("Content-Type", "application/json")]
    if link is not None:
        headers.append(("Link", f'<{link}>; rel="next"'))
    if total is not None:
        headers.append(("Total", total))
    return Reply(200, tuple(headers), json.dumps(items).encode())


@pytest.mark.parametrize("total", ["many", "1e3", "-5", "9" * 19, "\u00b2", " "])
def test_unreadable_total_header_is_ignored(total: str) -> None:
    script = [page_reply([{"id": 1}], link="/x?page=2", total=total), page_reply([{"id": 2}])]
    with LoopbackServer(script) as server:
        iterator = PageIterator(session_for(server), "/x")
        assert iterator.total is None
        assert iterator.to_list() == [{"id": 1}, {"id": 2}]


def test_next_link_without_a_page_parameter_still_counts_pages() -> None:
    script = [
        page_reply([{"id": 1}], link="/x?cursor=abc"),
        page_reply([{"id": 2}], link="/x?cursor=def"),
        page_reply([{"id": 3}]),
    ]
    with LoopbackServer(script) as server:
        pages = list(PageIterator(session_for(server), "/x").pages())
    assert [(p.number, p.items) for p in pages] == [
        (1, ({"id": 1},)),
        (2, ({"id": 2},)),
        (3, ({"id": 3},)),
    ]
    assert [r.target for r in server.requests][1:] == ["/x?cursor=abc", "/x?cursor=def"]


def test_total_reached_ends_iteration_even_if_the_link_says_next() -> None:
    script = [page_reply([{"id": 1}, {"id": 2}], link="/x?page=2", total="2")]
    with LoopbackServer(script) as server:
        assert len(PageIterator(session_for(server), "/x").to_list()) == 2
    assert len(server.requests) == 1


def test_an_empty_page_ends_iteration_even_if_the_link_says_next() -> None:
    script = [
        page_reply([{"id": 1}], link="/x?page=2"),
        page_reply([], link="/x?page=3"),
        page_reply([{"id": "never fetched"}]),
    ]
    with LoopbackServer(script) as server:
        pages = list(PageIterator(session_for(server), "/x").pages())
    assert [p.number for p in pages] == [1]
    assert len(server.requests) == 2


@pytest.mark.parametrize("body", [b"null", b"", b"  "])
def test_a_null_or_empty_body_is_an_empty_page(body: bytes) -> None:
    with LoopbackServer([Reply(200, (("Content-Type", "application/json"),), body)]) as server:
        iterator = PageIterator(session_for(server), "/x")
        assert iterator.to_list() == []
        assert iterator.total is None


def test_a_relative_next_link_is_joined_to_the_api_url() -> None:
    script = [page_reply([{"id": 1}], link="/rest/v1.0/x?page=2&per_page=1"), page_reply([])]
    with LoopbackServer(script) as server:
        list(PageIterator(session_for(server), "/rest/v1.0/x", per_page=1))
    assert server.requests[1].target == "/rest/v1.0/x?page=2&per_page=1"


@pytest.mark.parametrize(
    "foreign",
    ["https://api.example.invalid", "http://127.0.0.2:1", "http://LOCALHOST:9"],
)
def test_a_next_link_on_another_host_is_followed_on_the_api_host(foreign: str) -> None:
    # The token must never follow a Link header to another host: only its path is kept.
    script = [
        page_reply([{"id": 1}], link=f"{foreign}/rest/v1.0/x?page=2&per_page=1"),
        page_reply([{"id": 2}], link=f"{foreign}/rest/v1.0/x"),
        page_reply([{"id": 3}]),
    ]
    with LoopbackServer(script) as server:
        items = PageIterator(session_for(server), "/rest/v1.0/x", per_page=1).to_list()
    assert [i["id"] for i in items] == [1, 2, 3]
    assert [r.target for r in server.requests][1:] == [
        "/rest/v1.0/x?page=2&per_page=1",
        "/rest/v1.0/x",
    ]
    assert all(
        r.header("Authorization") == "Bearer token-one-aaaaaaaaaaaa" for r in server.requests
    )


def test_to_dataframe_keeps_plain_values_as_they_are(monkeypatch: pytest.MonkeyPatch) -> None:
    captured: list[Any] = []
    fake = types.ModuleType("pandas")
    fake.DataFrame = types.SimpleNamespace(from_records=captured.extend)  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "pandas", fake)
    pager = Pager(3)
    with LoopbackServer([pager]) as server:
        pager.base = server.url
        PageIterator(session_for(server), "/x", structure=lambda m: m["id"] * 10).to_dataframe()
    assert captured == [0, 10, 20]


class CursorPager:
    """Answers ``?page_start=&page_size=`` like webhook deliveries: no Link, no Total.

    ``page_start`` is the last id of the previous page (issue #11 item 2); ids are large and
    sparse, as real delivery ids are, so an offset would skip or repeat them.
    ``ignore_start`` plays a server that ignores the cursor and repeats its first page.
    """

    def __init__(self, count: int, *, ignore_start: bool = False) -> None:
        self.ids = [700_000 + 7 * i for i in range(count)]
        self.ignore_start = ignore_start

    def __call__(self, request: Recorded) -> Reply:
        query = dict(parse_qsl(urlsplit(request.target).query))
        size = int(query.get("page_size", 100))
        after = int(query["page_start"]) if "page_start" in query else None
        ids = self.ids if after is None or self.ignore_start else [i for i in self.ids if i > after]
        items = [{"id": i} for i in ids[:size]]
        return Reply(200, (("Content-Type", "application/json"),), json.dumps(items).encode())


def cursors_requested(server: LoopbackServer) -> list[tuple[Optional[int], int]]:
    found: list[tuple[Optional[int], int]] = []
    for r in server.requests:
        query = dict(parse_qsl(urlsplit(r.target).query))
        assert "page" not in query
        assert "per_page" not in query
        start = int(query["page_start"]) if "page_start" in query else None
        found.append((start, int(query["page_size"])))
    return found


@pytest.mark.parametrize(
    ("count", "expected"),
    [
        (250, [(None, 100), (700_693, 100), (701_393, 100)]),  # a short page ends the walk
        (200, [(None, 100), (700_693, 100), (701_393, 100)]),  # a full last page: one more
        (0, [(None, 100)]),
    ],
)
def test_item_2_cursor_pages_send_the_last_id_seen(
    count: int, expected: list[tuple[Optional[int], int]]
) -> None:
    from procore_dc.pagination import CursorPageIterator

    with LoopbackServer([CursorPager(count)]) as server:
        iterator = CursorPageIterator(
            session_for(server), "/rest/v1.0/webhooks/hooks/5/deliveries", params={"x": 1}
        )
        assert [item["id"] for item in iterator] == CursorPager(count).ids
        assert iterator.total is None  # known to be unknown: no extra request
        assert cursors_requested(server) == expected
        assert all("x=1" in r.target for r in server.requests)


def test_item_2_cursor_pages_stop_when_a_page_adds_no_new_id() -> None:
    from procore_dc.pagination import CursorPageIterator, OffsetPageIterator

    assert OffsetPageIterator is CursorPageIterator  # the old name still imports
    with LoopbackServer([CursorPager(300, ignore_start=True)]) as server:
        iterator = CursorPageIterator(session_for(server), "/d", per_page=100)
        ids = [item["id"] for item in iterator]
    # The server repeats page 1; the walk notices the second page adds nothing and stops.
    assert ids == CursorPager(100).ids
    assert len(server.requests) == 2


def test_item_2_cursor_pages_honour_limit_structure_and_never_prefetch() -> None:
    from procore_dc.pagination import CursorPageIterator

    with LoopbackServer([CursorPager(1000)]) as server:
        iterator = CursorPageIterator(
            session_for(server),
            "/d",
            per_page=10,
            limit=25,
            prefetch=4,
            structure=lambda item: item["id"],
        )
        assert list(iterator) == CursorPager(25).ids
        assert cursors_requested(server) == [(None, 10), (700_063, 10), (700_133, 10)]


def test_client_paginate_walks_any_list_with_the_arguments_it_is_given(
    pager_server: tuple[LoopbackServer, Pager],
) -> None:
    server, _ = pager_server
    client = ProcoreClient(session_for(server))
    iterator = client.paginate(
        "/x", params={"sort": "id"}, per_page=50, limit=120, company_id=9, structure=str
    )
    assert isinstance(iterator, PageIterator)
    assert not server.requests  # lazy, as Session.paginate was
    items = iterator.to_list()
    assert items == [str({"id": i, "name": f"item {i}"}) for i in range(120)]
    queries = [dict(parse_qsl(urlsplit(r.target).query)) for r in server.requests]
    assert [q["page"] for q in queries] == ["1", "2", "3"]
    assert queries[0]["sort"] == "id"
    assert queries[0]["per_page"] == "50"
    assert {r.header("Procore-Company-Id") for r in server.requests} == {"9"}


class Relay:
    """A requester that is not a Session: it forwards to one and counts what it is asked."""

    def __init__(self, session: Session) -> None:
        self._session = session
        self.sent: list[tuple[str, str]] = []
        self.windows = 0

    @property
    def environment(self) -> Environment:
        return self._session.environment

    @property
    def rate_limit(self) -> Any:
        self.windows += 1
        return self._session.rate_limit

    def request(
        self,
        method: str,
        path_or_url: str,
        *,
        params: Any = None,
        company_id: Optional[int] = None,
    ) -> Any:
        self.sent.append((method, path_or_url))
        return self._session.request(method, path_or_url, params=params, company_id=company_id)


def test_a_page_iterator_needs_only_a_requester(
    pager_server: tuple[LoopbackServer, Pager],
) -> None:
    server, _ = pager_server
    relay = Relay(session_for(server))
    items = PageIterator(relay, "/x", per_page=100, prefetch=3).to_list()
    assert [item["id"] for item in items] == list(range(250))
    assert sorted(relay.sent) == [("GET", "/x")] * 3  # pages 2 and 3 by number, prefetched
    assert relay.windows >= 1  # the prefetch window asked the requester's rate-limit state
