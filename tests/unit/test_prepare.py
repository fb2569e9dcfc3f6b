"""The Session's request preparation gives what ``requests.Session.prepare_request`` gives (#19).

``procore_dc._prepare`` leaves out requests' protocol checks on query parameters, its double
header copy and the cookie lookup of an empty jar; each case here prepares the same request
both ways and compares everything that is sent.
"""

from __future__ import annotations

import io
from typing import Any

import pytest
import requests
import urllib3.filepost
from requests.models import RequestEncodingMixin

from procore_dc._prepare import encode_params, prepare

URL = "http://127.0.0.1:9/rest/v1.0/projects"

PARAMS: list[Any] = [
    None,
    {},
    {"company_id": 8, "page": 2, "per_page": 100},
    {"filters[id][]": [1, 2], "sort": None, "q": "Tür & Tor", "b": b"raw", "f": 1.5},
    {"empty": [], "tuple": ("a", "b"), "none_in_list": [None, "x"], "bool": True},
    {b"bytes_key": "v", "set": frozenset(["only"])},
    [("a", "1"), ("a", "2")],
    "already=encoded&x=1",
    b"bytes=1",
]


@pytest.mark.parametrize("params", PARAMS)
def test_encode_params_gives_what_requests_sends(params: Any) -> None:
    expected = requests.PreparedRequest()
    expected.prepare_url(URL, params)
    ours = requests.PreparedRequest()
    ours.prepare_url(URL, encode_params(params))
    assert ours.url == expected.url


def test_only_a_plain_dict_is_encoded_here() -> None:
    pairs = [("a", "1")]
    assert encode_params(pairs) is pairs
    assert encode_params({"a": "1"}) == RequestEncodingMixin._encode_params({"a": "1"})


def _both(http: requests.Session, **request: Any) -> tuple[requests.PreparedRequest, ...]:
    method, url = request.pop("method", "GET"), request.pop("url", URL)
    expected = http.prepare_request(requests.Request(method, url, **request))
    ours = prepare(http, method, url, headers=request.pop("headers", {}), **request)
    return expected, ours


def _same(expected: requests.PreparedRequest, ours: requests.PreparedRequest) -> None:
    assert ours.method == expected.method
    assert ours.url == expected.url
    assert list(ours.headers.items()) == list(expected.headers.items())
    assert ours.body == expected.body
    assert ours.hooks == expected.hooks
    assert ours._body_position == expected._body_position  # type: ignore[attr-defined]
    assert dict(ours._cookies) == dict(expected._cookies)  # type: ignore[attr-defined]


def _bearer(r: requests.PreparedRequest) -> requests.PreparedRequest:
    r.headers["Authorization"] = "Bearer t"
    return r


@pytest.mark.parametrize(
    "request_",
    [
        {"params": {"company_id": 8, "page": 1}, "headers": {"Accept": "application/json"}},
        {"method": "post", "json": {"rfi": {"subject": "Tür"}}, "auth": _bearer},
        {"method": "PATCH", "data": {"a": "1", "b": ["2", "3"]}},
        {"method": "PUT", "data": b"raw bytes", "headers": {"Content-Type": "text/plain"}},
        {"method": "POST", "files": {"file": ("a.txt", b"hello")}, "data": {"k": "v"}},
        {"method": "DELETE", "params": "x=1", "url": URL + "?keep=1"},
        {"headers": {"accept-encoding": None, "X-Extra": "1", "user-agent": "mine/1"}},
    ],
)
def test_prepare_gives_what_requests_prepares(
    request_: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(urllib3.filepost, "choose_boundary", lambda: "fixed-boundary")
    http = requests.Session()
    _same(*_both(http, **request_))


def test_a_streamed_body_keeps_its_position_for_a_rewind() -> None:
    http = requests.Session()
    body = io.BytesIO(b"0123456789")
    body.seek(3)
    expected = http.prepare_request(requests.Request("PUT", URL, data=body))
    body.seek(3)
    ours = prepare(http, "PUT", URL, headers={}, data=body)
    _same(expected, ours)
    assert ours._body_position == 3  # type: ignore[attr-defined]


def test_session_headers_and_cookies_are_merged_as_requests_merges_them() -> None:
    http = requests.Session()
    http.headers["X-Team"] = "data"
    http.headers["Accept-Encoding"] = None  # type: ignore[assignment]
    http.cookies.set("lb", "7", domain="127.0.0.1", path="/")
    expected, ours = _both(http, headers={"ACCEPT": "application/json", "X-Team": None})
    _same(expected, ours)
    assert ours.headers["Cookie"] == "lb=7"
    assert "X-Team" not in ours.headers
    assert "Accept-Encoding" not in ours.headers
    # The call's spelling wins, in the session header's place.
    assert list(ours.headers)[:3] == ["User-Agent", "ACCEPT", "Connection"]


def test_an_empty_jar_adds_no_cookie_header_and_a_fresh_jar_per_request() -> None:
    http = requests.Session()
    first = prepare(http, "GET", URL, headers={})
    second = prepare(http, "GET", URL, headers={})
    assert "Cookie" not in first.headers
    assert first._cookies is not second._cookies  # type: ignore[attr-defined]
    assert first._cookies is not http.cookies  # type: ignore[attr-defined]


def test_an_invalid_header_is_refused_as_requests_refuses_it() -> None:
    with pytest.raises(requests.exceptions.InvalidHeader):
        prepare(requests.Session(), "GET", URL, headers={"X-Bad": "a\r\nInjected: 1"})


@pytest.mark.parametrize("params", PARAMS)
def test_a_url_prepared_again_is_the_url_requests_prepares(params: Any) -> None:
    http = requests.Session()
    expected = http.prepare_request(requests.Request("GET", URL, params=params)).url
    # The first call fills the cache of prepared URLs where it can, the second reads it.
    assert [prepare(http, "GET", URL, headers={}, params=params).url for _ in "12"] == [
        expected,
        expected,
    ]


def test_equal_values_of_other_types_are_prepared_apart() -> None:
    http = requests.Session()
    urls = [
        prepare(http, "GET", URL, headers={}, params=params).url
        for params in ({"a": 1}, {"a": True}, {"a": 1.0}, {1: "x"}, {True: "x"}, {"a": 1})
    ]
    assert [url.rsplit("?", 1)[1] for url in urls] == [
        "a=1",
        "a=True",
        "a=1.0",
        "1=x",
        "True=x",
        "a=1",
    ]


def test_the_cache_of_prepared_urls_stays_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    from procore_dc import _prepare

    monkeypatch.setattr(_prepare, "_URLS", {})
    monkeypatch.setattr(_prepare, "_URLS_KEPT", 3)
    http = requests.Session()
    urls = [prepare(http, "GET", URL, headers={}, params={"page": n}).url for n in range(10)]
    assert urls == [f"{URL}?page={n}" for n in range(10)]
    assert 1 <= len(_prepare._URLS) <= 3
    # A whole URL (a next page, a presigned upload) is never kept: it may carry a signature.
    prepare(http, "GET", URL + "?X-Amz-Signature=s3cr3t", headers={})
    assert not any("s3cr3t" in str(key) for key in _prepare._URLS)
