"""A hostile list endpoint on 127.0.0.1 against PageIterator (issue #12 item 2).

The server answers at most ``CAP`` requests and then 400, so a walk that would never end on the
old code fails with a BadRequestError instead of hanging; the tests also count the requests.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Callable, Optional
from urllib.parse import parse_qs, urlsplit

import pytest
from loopback import LoopbackServer, Recorded, Reply
from session_fakes import FakeAuth, FakeTime, policy

from procore_dc import Environment, ResponseFormatError, Session
from procore_dc.pagination import PageIterator

CAP = 40


def page_of(rec: Recorded) -> int:
    query = parse_qs(urlsplit(rec.target).query)
    return int(query.get("page", ["1"])[0])


def lister(
    items: Callable[[int], list[int]],
    link: Callable[[int, str], Optional[str]],
    total: Optional[int] = None,
) -> Callable[[Recorded], Reply]:
    calls = {"n": 0}

    def answer(rec: Recorded) -> Reply:
        calls["n"] += 1
        if calls["n"] > CAP:
            return Reply(400, (), b'{"message": "cap reached"}')
        number = page_of(rec)
        headers = [("Content-Type", "application/json")]
        target = link(number, rec.target)
        if target is not None:
            headers.append(("Link", f'<{target}>; rel="next"'))
        if total is not None:
            headers.append(("Total", str(total)))
            headers.append(("Per-Page", "2"))
        body = json.dumps([{"id": i} for i in items(number)]).encode()
        return Reply(200, tuple(headers), body)

    return answer


@pytest.fixture
def server() -> Iterator[LoopbackServer]:
    with LoopbackServer() as running:
        yield running


def session_for(server: LoopbackServer) -> Session:
    return Session(FakeAuth(Environment.local(server.url)), retry=policy(FakeTime()))


def two_per_page(number: int) -> list[int]:
    return [2 * number - 1, 2 * number]


@pytest.mark.parametrize(
    "link",
    [
        lambda n, _t: "/x?page=1",  # next -> page 1, forever
        lambda n, _t: f"/x?page={2 if n == 1 else 1}",  # 1 <-> 2
        lambda n, _t: "/x?page=7",  # always page 7
        lambda n, _t: "/x?cursor=same",  # no page number at all, the same link every time
    ],
    ids=["to-first", "alternating", "always-7", "same-cursor"],
)
def test_a_next_link_loop_ends_with_a_format_error(
    server: LoopbackServer, link: Callable[[int, str], Optional[str]]
) -> None:
    server.script = [lister(two_per_page, link)]
    with pytest.raises(ResponseFormatError, match="loops"):
        PageIterator(session_for(server), "/x", per_page=2).to_list()
    assert len(server.requests) <= 3


def test_a_server_that_ignores_the_page_parameter_is_caught_by_ids(
    server: LoopbackServer,
) -> None:
    server.script = [lister(lambda n: [1, 2], lambda n, _t: f"/x?page={n + 1}")]
    pages = PageIterator(session_for(server), "/x", per_page=2)
    with pytest.raises(ResponseFormatError, match="only items already seen"):
        pages.to_list()
    assert len(server.requests) == 2


def test_a_lying_total_with_prefetch_stops_at_the_first_empty_page(
    server: LoopbackServer,
) -> None:
    server.script = [
        lister(
            lambda n: two_per_page(n) if n <= 2 else [],
            lambda n, _t: f"/x?page={n + 1}",
            total=999_999_999_999,
        )
    ]
    items = PageIterator(session_for(server), "/x", per_page=2, prefetch=4).to_list()
    assert [item["id"] for item in items] == [1, 2, 3, 4]
    assert len(server.requests) <= 2 + 4  # the pages, and at most one window in flight


def test_prefetch_stops_at_the_page_without_a_next_link(server: LoopbackServer) -> None:
    server.script = [
        lister(two_per_page, lambda n, _t: f"/x?page={n + 1}" if n < 3 else None, total=10**9)
    ]
    items = PageIterator(session_for(server), "/x", per_page=2, prefetch=3).to_list()
    assert [item["id"] for item in items] == [1, 2, 3, 4, 5, 6]
    assert len(server.requests) <= 3 + 3


def test_a_relative_link_resolves_against_the_request_url(server: LoopbackServer) -> None:
    server.script = [lister(two_per_page, lambda n, _t: "?page=2" if n == 1 else None)]
    items = PageIterator(session_for(server), "/rest/v1.0/x", per_page=2).to_list()
    assert len(items) == 4
    assert urlsplit(server.requests[1].target).path == "/rest/v1.0/x"


def test_a_link_to_the_api_host_with_another_scheme_is_followed_on_the_api(
    server: LoopbackServer,
) -> None:
    https_twin = server.url.replace("http://", "https://")
    server.script = [
        lister(two_per_page, lambda n, _t: f"{https_twin}/x?page=2" if n == 1 else None)
    ]
    assert len(PageIterator(session_for(server), "/x", per_page=2).to_list()) == 4
    assert len(server.requests) == 2


def test_prefetch_stops_at_the_last_page_total_names_even_if_links_go_on(
    server: LoopbackServer,
) -> None:
    server.script = [lister(two_per_page, lambda n, _t: f"/x?page={n + 1}", total=6)]
    items = PageIterator(session_for(server), "/x", per_page=2, prefetch=4).to_list()
    assert [item["id"] for item in items] == [1, 2, 3, 4, 5, 6]
    assert len(server.requests) == 3  # never past page Total / Per-Page
