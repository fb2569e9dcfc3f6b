"""Hostile input for every parser: a value or a documented ``ProcoreError``, nothing else.

Hypothesis feeds each parser wrong types, huge numbers, deep nesting, invalid UTF-8 and
random bytes:

==============================  ====================================  =====================
parser                          contract                              examples (CI / dev)
==============================  ====================================  =====================
APIError.from_response          returns an APIError of the status's   500 / 125
                                class; never raises
OAuthError.from_response        returns an OAuthError; never raises   500 / 125
_headers.parse_rate_limit_*     returns values or None; never raises  1000 / 250
_headers.parse_retry_after      returns seconds >= 0 or None          1000 / 250
RetryPolicy.server_wait         returns a wait or raises              500 / 125
                                RateLimitError
Link / Total (pagination)       items, or a ProcoreError; follows     200 / 50
                                links on the API host only
webhooks.parse_event            a WebhookEvent or a WebhookError      500 / 125
Manifest.from_json              a Manifest or a ManifestError         300 / 75
models (structure, every        a model or a ResponseFormatError      100 / 50 per class
model class)                                                          + 300 / 75 from bytes
==============================  ====================================  =====================

Three escapes these properties found (an unknown charset, a Retry-After beyond what a
datetime holds, a Link URL ``urlsplit`` refuses) are fixed; each keeps a regression test
against a live FakeProcore below.
"""

from __future__ import annotations

import gc
import json
import os
import warnings
from collections.abc import Iterator, Mapping
from datetime import datetime, timedelta, timezone
from typing import Any, Optional

import attrs
import pytest
import requests
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict

import procore_dc.models as models
from procore_dc import (
    APIError,
    Environment,
    ManifestError,
    MemoryTokenStore,
    OAuthError,
    ProcoreError,
    RateLimitError,
    ResponseFormatError,
    RetryPolicy,
    ServiceAccountAuth,
    Session,
    Token,
    WebhookError,
)
from procore_dc._headers import RateLimitHeaders, parse_rate_limit_headers, parse_retry_after
from procore_dc.manifest import Manifest
from procore_dc.models import structure, structure_many
from procore_dc.pagination import PageIterator
from procore_dc.session import response_json
from procore_dc.testing import FakeProcore, SandboxClock
from procore_dc.webhooks import WebhookEvent, parse_event

CI = bool(os.environ.get("CI"))


@pytest.fixture(autouse=True)
def _no_collection_at_depth() -> Iterator[None]:
    """Collect earlier tests' garbage first, then keep the collector off while parsers recurse.

    The deep-nesting examples take json.loads to the recursion limit. A garbage collection that
    happens to run there finalises unrelated objects (other tests' sockets and threads) with no
    stack left, and on Python 3.9 even the unraisable hook then fails, which pytest reports as
    this test's error. What these tests check is our parsers' answer, so they run without that.
    """
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def examples(count: int) -> settings:
    """``count`` examples under the CI profile, a quarter (at least 50) on a laptop."""
    return settings(
        max_examples=count if CI else max(50, count // 4),
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


# -- strategies -------------------------------------------------------------------------------

HUGE_INTS = st.sampled_from([2**63, -(2**63) - 1, 10**30, 10**400, -(10**400)])
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | HUGE_INTS
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=30)
    | st.sampled_from(["", " ", "2024-01-02T03:04:05Z", "9999-12-31T23:59:59-23:59", "\ud800"])
)
KEYS = st.text(max_size=8) | st.sampled_from(
    [
        "id",
        "name",
        "message",
        "errors",
        "error",
        "error_description",
        "reason",
        "data",
        "created_at",
        "updated_at",
        "status",
        "company",
        "project",
        "subject",
    ]
)
JSON = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(KEYS, inner, max_size=5),
    max_leaves=25,
)


def nested(depth: int, leaf: Any = 1) -> Any:
    value = leaf
    for level in range(depth):
        value = {"errors": value} if level % 2 else [value]
    return value


DEEP = st.integers(min_value=50, max_value=3000).map(nested)


def _dumps(value: Any) -> bytes:
    try:
        return json.dumps(value, allow_nan=True).encode("utf-8", "surrogatepass")
    except (ValueError, RecursionError):
        return b"[]"


BODIES = st.one_of(
    st.binary(max_size=300),
    JSON.map(_dumps),
    DEEP.map(_dumps),
    st.integers(min_value=1, max_value=200_000).map(lambda n: b"[" * n),
    st.integers(min_value=400, max_value=6000).map(lambda n: b"1" * n),
    st.sampled_from(
        [
            b"",
            b"\xff\xfe\x00{",
            b'{"message": "\xc3\x28"}',
            b'{"errors": {"name": ["\xed\xa0\x80"]}}',
            b"<html><title>502</title>",
            b"<html><title></title></html>",
            b"NaN",
            b'{"error": "invalid_grant"}',
            b'{"error": 5, "error_description": ["x"]}',
        ]
    ),
)
HEADER_TEXT = st.one_of(
    st.text(max_size=80),
    st.integers().map(str),
    HUGE_INTS.map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.integers(min_value=0, max_value=70).map(lambda n: "9" * n),
    st.sampled_from(
        [
            "Wed, 21 Oct 2015 07:28:00 GMT",
            "Fri, 31 Dec 9999 23:59:59 GMT",
            "Mon, 01 Jan 0001 00:00:00 -2359",
            "Tue, 99 Foo 2015 25:61:61 GMT",
            "1e308",
            "-1",
            " 7 ",
            "\u0661\u0662",  # Arabic-Indic digits: isdigit() but not ASCII
            "253402300800",
        ]
    ),
)
HEADER_NAMES = st.sampled_from(
    [
        "Retry-After",
        "retry-after",
        "X-Rate-Limit-Limit",
        "X-Rate-Limit-Remaining",
        "x-rate-limit-reset",
        "X-Rate-Limit-Reset",
        "X-Request-Id",
        "Content-Type",
        "Total",
        "Per-Page",
        "Link",
    ]
)
HEADERS = st.dictionaries(HEADER_NAMES, HEADER_TEXT, max_size=6)
KNOWN_CHARSETS = ["utf-8", "latin-1", "utf-16", "ascii", "cp1252"]


def make_response(
    status: int, body: bytes, headers: Mapping[str, str], url: str = "https://api.example/x"
) -> requests.Response:
    """A ``requests.Response`` as the HTTP adapter builds it."""
    response = requests.Response()
    response.status_code = status
    response._content = body
    response.headers = CaseInsensitiveDict(headers)
    response.encoding = requests.utils.get_encoding_from_headers(response.headers)
    response.url = url
    response.reason = "Reason"
    request = requests.Request("GET", url).prepare()
    response.request = request
    return response


def ascii_headers(headers: Mapping[str, str]) -> dict[str, str]:
    # http.client delivers header values as latin-1 text.
    return {k: v.encode("latin-1", "replace").decode("latin-1") for k, v in headers.items()}


# -- error bodies -----------------------------------------------------------------------------


@examples(500)
@given(
    status=st.integers(min_value=400, max_value=599),
    body=BODIES,
    headers=HEADERS,
    charset=st.sampled_from([None, *KNOWN_CHARSETS]),
)
def test_api_error_from_response_always_returns_the_status_class(
    status: int, body: bytes, headers: dict[str, str], charset: Optional[str]
) -> None:
    headers = ascii_headers(headers)
    headers["Content-Type"] = "application/json" + (f"; charset={charset}" if charset else "")
    error = APIError.from_response(make_response(status, body, headers))
    assert isinstance(error, APIError.class_for_status(status))
    assert error.status_code == status
    assert isinstance(str(error), str)
    assert isinstance(error.message, str)
    assert len(error.body) <= 4096
    if isinstance(error, RateLimitError) and error.retry_after is not None:
        assert error.retry_after >= 0


@examples(500)
@given(
    status=st.integers(min_value=100, max_value=599),
    body=BODIES,
    headers=HEADERS,
    charset=st.sampled_from([None, *KNOWN_CHARSETS]),
)
def test_oauth_error_from_response_always_returns_an_oauth_error(
    status: int, body: bytes, headers: dict[str, str], charset: Optional[str]
) -> None:
    headers = ascii_headers(headers)
    headers["Content-Type"] = "application/json" + (f"; charset={charset}" if charset else "")
    error = OAuthError.from_response(make_response(status, body, headers))
    assert isinstance(error, OAuthError)
    assert error.status_code == status
    assert isinstance(error.error, str)
    assert error.error
    assert isinstance(str(error), str)


@examples(200)
@given(charset=st.text(min_size=1, max_size=20), body=BODIES)
def test_error_bodies_with_any_charset(charset: str, body: bytes) -> None:
    headers = ascii_headers({"Content-Type": f"text/plain; charset={charset}"})
    response = make_response(500, body, headers)
    for parse in (APIError.from_response, OAuthError.from_response):
        assert isinstance(parse(response), ProcoreError)


def test_an_unknown_charset_still_gives_the_api_error() -> None:
    with FakeProcore(seed=0, rate_limits=None, clock=SandboxClock(frozen=True)) as sandbox:
        sandbox.faults.add(
            "GET",
            "/rest/v1.0/me",
            "status",
            status=404,
            headers={"Content-Type": "application/json; charset=x-bogus"},
            body={"errors": "Not found"},
        )
        app = sandbox.default_app
        auth = ServiceAccountAuth(app.client_id, app.client_secret, environment=sandbox.environment)
        with Session(auth, company_id=8) as session, pytest.raises(APIError):
            session.get_json("/rest/v1.0/me")


# -- rate-limit and Retry-After headers ---------------------------------------------------------

NOW = st.datetimes(
    min_value=datetime(1971, 1, 1),
    max_value=datetime(2200, 1, 1),
    timezones=st.just(timezone.utc),
)


@examples(1000)
@given(headers=HEADERS, extra=st.dictionaries(st.text(max_size=20), HEADER_TEXT, max_size=3))
def test_rate_limit_headers_never_raise(headers: dict[str, str], extra: dict[str, str]) -> None:
    for source in ({**extra, **headers}, CaseInsensitiveDict(ascii_headers(headers))):
        parsed = parse_rate_limit_headers(source)
        assert isinstance(parsed, RateLimitHeaders)
        for value in (parsed.limit, parsed.remaining):
            assert value is None or (isinstance(value, int) and value >= 0)
        assert parsed.reset_at is None or parsed.reset_at.tzinfo is not None


@examples(1000)
@given(value=st.none() | HEADER_TEXT, now=NOW)
def test_retry_after_is_seconds_or_none(value: Optional[str], now: datetime) -> None:
    seconds = parse_retry_after(value, now)
    assert seconds is None or (isinstance(seconds, float) and seconds >= 0)


@examples(500)
@given(status=st.sampled_from([429, 502, 503, 504, 500]), headers=HEADERS, now=NOW)
def test_the_retry_wait_is_a_number_or_a_rate_limit_error(
    status: int, headers: dict[str, str], now: datetime
) -> None:
    policy = RetryPolicy(clock=lambda: now.timestamp(), sleep=lambda _s: None)
    try:
        wait, _reset = policy.server_wait(status, headers)
        if wait is not None:
            assert wait >= 0
            policy.plan(wait)
    except RateLimitError:
        pass


def test_a_far_retry_after_is_a_rate_limit_error() -> None:
    with FakeProcore(seed=0, rate_limits=None, clock=SandboxClock(frozen=True)) as sandbox:
        sandbox.faults.add(
            "GET",
            "/rest/v1.0/me",
            "status",
            status=503,
            headers={"Retry-After": "300000000000"},
        )
        app = sandbox.default_app
        auth = ServiceAccountAuth(app.client_id, app.client_secret, environment=sandbox.environment)
        policy = RetryPolicy(sleep=lambda _s: None)
        with Session(auth, company_id=8, retry=policy) as session, pytest.raises(RateLimitError):
            session.get_json("/rest/v1.0/me")


# -- Link and Total headers (pagination) ----------------------------------------------------------

API_URL = "https://api.procore.example"


class CannedAdapter(BaseAdapter):
    """Answers the first request with hostile headers and a page of items, then empty pages."""

    def __init__(self, headers: Mapping[str, str], items: list[Any]) -> None:
        super().__init__()
        self.headers = dict(headers)
        self.items = items
        self.urls: list[str] = []

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        self.urls.append(request.url or "")
        first = len(self.urls) == 1
        body = json.dumps(self.items if first else []).encode()
        headers = {"Content-Type": "application/json", **(self.headers if first else {})}
        response = make_response(200, body, headers, url=request.url or "")
        response.request = request
        return response

    def close(self) -> None:
        """Nothing to close."""


@pytest.fixture(scope="module")
def auth() -> Iterator[ServiceAccountAuth]:
    now = datetime.now(timezone.utc)
    token = Token("t" * 40, expires_at=now + timedelta(days=30), created_at=now)
    strategy = ServiceAccountAuth(
        "client-id",
        "client-secret",
        environment=Environment.local(API_URL),
        store=MemoryTokenStore(token),
    )
    yield strategy
    strategy.close()


URLS = st.one_of(
    st.text(max_size=60),
    st.sampled_from(
        [
            f"{API_URL}/rest/v1.0/projects?page=2&per_page=1",
            "/rest/v1.0/projects?page=2",
            "?page=2",
            "https://evil.example/rest/v1.0/projects?page=2",
            "//evil.example/steal?page=2",
            "http://api.procore.example/rest/v1.0/projects?page=2",
            "javascript:alert(1)",
            "https://api.procore.example:99999/x?page=2",
            "https://api.procore.example:-1/x",
            "https://[::1/x?page=2",
            "https://user:pass@api.procore.example/x?page=3",
            "file:///etc/passwd",
            "https://api.procore.example/x?page=\u0662",
            f"{API_URL}/x?page=99999999999999999999999",
        ]
    ),
)
LINKS = st.one_of(
    st.text(max_size=100),
    st.lists(
        st.tuples(URLS, st.sampled_from(["next", "prev", "last", "NEXT", 'next"', ""])),
        max_size=3,
    ).map(lambda links: ", ".join(f'<{url}>; rel="{rel}"' for url, rel in links)),
)


@examples(200)
@given(
    link=LINKS,
    total=st.none() | HEADER_TEXT,
    per_page=st.none() | HEADER_TEXT,
    items=st.lists(JSON, max_size=3),
    prefetch=st.sampled_from([1, 3]),
)
def test_link_and_total_headers_give_items_or_a_procore_error(
    auth: ServiceAccountAuth,
    link: str,
    total: Optional[str],
    per_page: Optional[str],
    items: list[Any],
    prefetch: int,
) -> None:
    headers = {"Link": link}
    if total is not None:
        headers["Total"] = total
    if per_page is not None:
        headers["Per-Page"] = per_page
    headers = ascii_headers(headers)
    http = requests.Session()
    adapter = CannedAdapter(headers, items)
    http.mount(API_URL + "/", adapter)
    session = Session(auth, company_id=8, requests_session=http, pace=False)
    try:
        found = PageIterator(
            session, "/rest/v1.0/projects", per_page=1, limit=5, prefetch=prefetch
        ).to_list()
        assert len(found) <= 5
    except ProcoreError:
        pass
    # Every page was fetched from the API host, whatever host a Link named.
    assert adapter.urls
    assert all(url.startswith(API_URL + "/") for url in adapter.urls), adapter.urls


def test_an_unparsable_link_is_a_procore_error() -> None:
    with FakeProcore(seed=0, rate_limits=None, clock=SandboxClock(frozen=True)) as sandbox:
        path = "/rest/v1.0/projects/100001/rfis"
        sandbox.faults.add(
            "GET",
            path,
            "status",
            status=200,
            headers={"Link": '<https://[::1/x?page=2>; rel="next"'},
            body=json.dumps([{"id": 1}]),
            times=1,
        )
        app = sandbox.default_app
        auth = ServiceAccountAuth(app.client_id, app.client_secret, environment=sandbox.environment)
        with Session(auth, company_id=8) as session, pytest.raises(ProcoreError):
            PageIterator(session, path, per_page=1).to_list()


# -- webhook payloads -----------------------------------------------------------------------------

EVENT_KEYS = [
    "id",
    "ulid",
    "timestamp",
    "resource_id",
    "resource_name",
    "event_type",
    "company_id",
    "project_id",
    "user_id",
    "api_version",
    "reason",
    "resource_type",
    "related_resources",
    "metadata",
]
VALID_EVENT = {
    "id": 12,
    "timestamp": "2024-01-02T03:04:05.123456Z",
    "resource_id": 7,
    "resource_name": "RFIs",
    "event_type": "create",
    "company_id": 8,
    "project_id": 100001,
    "user_id": 3,
    "api_version": "v2",
    "ulid": "01HZX",
}
EVENTS = st.one_of(
    st.dictionaries(st.sampled_from(EVENT_KEYS) | st.text(max_size=5), JSON, max_size=10),
    st.dictionaries(st.sampled_from(EVENT_KEYS), JSON, max_size=14).map(
        lambda changes: {**VALID_EVENT, **changes}
    ),
    st.sampled_from(EVENT_KEYS).map(lambda key: {**VALID_EVENT, key: nested(2000)}),
    JSON,
)


@examples(500)
@given(
    payload=st.one_of(EVENTS.map(_dumps), BODIES, EVENTS, st.text(max_size=100)),
    headers=st.none() | st.dictionaries(st.text(max_size=15), st.text(max_size=30), max_size=3),
    secret=st.none() | st.sampled_from(["s3cret", ""]),
)
def test_webhook_payloads_give_an_event_or_a_webhook_error(
    payload: Any, headers: Optional[dict[str, str]], secret: Optional[str]
) -> None:
    try:
        event = parse_event(payload, headers, secret=secret)
    except WebhookError:
        return
    assert isinstance(event, WebhookEvent)
    assert event.event_type
    assert event.resource_name


def test_a_valid_webhook_event_parses() -> None:
    body = json.dumps(VALID_EVENT).encode()
    event = parse_event(body, {"Authorization": "Bearer s3cret"}, secret="s3cret")
    assert (event.resource_name, event.event_type, event.resource_id) == ("RFIs", "create", 7)


# -- manifests --------------------------------------------------------------------------------

VALID_MANIFEST = {
    "schema_version": "4.1",
    "version": "1.0.0",
    "post_installation_instruction": {
        "notes": "Sign up at example.com, then pick your projects.",
        "page": {"url": "https://example.com/setup", "label": "Setup guide"},
    },
    "permissions": {
        "company": {"directory": "readonly"},
        "project": {"rfi": "standard", "documents": "readonly"},
    },
}
MANIFEST_KEYS = [
    "schema_version",
    "version",
    "permissions",
    "company",
    "project",
    "data_connector",
    "components",
    "post_installation_instruction",
    "fullscreen",
    "sidepanel",
    "user_configuration",
]


def _mutate(changes: Mapping[str, Any]) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(json.dumps(VALID_MANIFEST))
    for key, value in changes.items():
        if key in ("company", "project") and isinstance(document["permissions"], dict):
            document["permissions"][key] = value
        else:
            document[key] = value
    return document


MANIFESTS = st.one_of(
    st.dictionaries(st.sampled_from(MANIFEST_KEYS), JSON, max_size=6).map(_mutate),
    st.dictionaries(st.sampled_from(MANIFEST_KEYS) | st.text(max_size=6), JSON, max_size=6),
    st.sampled_from(MANIFEST_KEYS).map(lambda key: _mutate({key: nested(2500)})),
)


@examples(300)
@given(document=st.one_of(MANIFESTS.map(_dumps), BODIES, st.text(max_size=200)))
def test_manifests_give_a_manifest_or_a_manifest_error(document: Any) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # legacy v3 documents warn on conversion
        try:
            manifest: Optional[Manifest] = Manifest.from_json(document)
            problems: list[object] = []
        except ManifestError as exc:
            manifest, problems = None, exc.problems
    assert isinstance(manifest, Manifest) or problems


def test_the_valid_manifest_loads() -> None:
    manifest = Manifest.from_json(json.dumps(VALID_MANIFEST))
    assert manifest.to_dict()["permissions"]["project"]["rfi"] == "standard"


# -- models -----------------------------------------------------------------------------------


def _name(cls: Any) -> str:
    origin = getattr(cls, "__origin__", None)
    if origin is None:
        return str(cls.__name__)
    return f"{origin.__name__}[{', '.join(a.__name__ for a in cls.__args__)}]"


def _concrete(cls: Any) -> Any:
    # A generic model (SyncResult[T]) is structured with its item type, as resources do.
    return cls[models.Vendor] if getattr(cls, "__parameters__", ()) else cls


MODEL_CLASSES = sorted(
    (
        _concrete(value)
        for name in models.__all__
        if isinstance(value := getattr(models, name), type) and attrs.has(value)
    ),
    key=lambda cls: _name(cls),
)


def model_data(cls: type) -> st.SearchStrategy[Any]:
    """Mappings with the model's own field names (so the hostile values reach its hooks)."""
    fields = attrs.fields(getattr(cls, "__origin__", cls))
    names = [field.alias or field.name.lstrip("_") for field in fields]
    return st.one_of(
        st.dictionaries(st.sampled_from(names), JSON, max_size=len(names)),
        st.dictionaries(st.sampled_from(names), SCALARS | DEEP, min_size=1, max_size=3),
        JSON,
    )


def structure_or_error(data: Any, cls: Any, many: bool) -> None:
    plain = getattr(cls, "__origin__", cls)
    try:
        if many:
            assert all(isinstance(item, plain) for item in structure_many(data, cls))
        else:
            assert isinstance(structure(data, cls), plain)
    except ResponseFormatError:
        pass


@pytest.mark.parametrize("cls", MODEL_CLASSES, ids=_name)
@examples(100)
@given(data=st.data(), many=st.booleans())
def test_model_json_gives_a_model_or_a_response_format_error(
    cls: type, data: st.DataObject, many: bool
) -> None:
    value = data.draw(model_data(cls))
    structure_or_error([value, value] if many else value, cls, many)


@examples(300)
@given(body=BODIES, cls=st.sampled_from(MODEL_CLASSES))
def test_model_json_from_raw_bytes(body: bytes, cls: type) -> None:
    """Bytes off the wire (invalid UTF-8, huge numbers, deep nesting) through response_json."""
    response = make_response(200, body, {"Content-Type": "application/json"})
    try:
        data = response_json(response)
    except ResponseFormatError:
        return
    assume(data is not None)
    structure_or_error(data, cls, isinstance(data, list))


def test_every_model_class_is_covered() -> None:
    # A new model joins the hostile tests automatically; this guards the collection itself.
    assert len(MODEL_CLASSES) >= 20
    assert models.Rfi in MODEL_CLASSES
    assert models.SyncResult[models.Vendor] in MODEL_CLASSES


def test_the_hostile_strategies_reach_the_parsers_documented_errors() -> None:
    # Sanity: inputs of the shapes above do produce the documented errors.
    with pytest.raises(WebhookError):
        parse_event(b"\xff\xfe", None)
    with pytest.raises(WebhookError):
        parse_event(b"[" * 100_000, None)
    with pytest.raises(ManifestError):
        Manifest.from_json(b"\xc3\x28")
    with pytest.raises(ResponseFormatError):
        structure({"id": "x" * 10}, models.Rfi)
    with pytest.raises(ResponseFormatError):
        response_json(make_response(200, b"1" * 5000 + b"x", {}))
    assert parse_retry_after("9" * 70, datetime.now(timezone.utc)) is None
