"""``requests.Session.prepare_request`` for a plain session, without the parts that cost most.

A Session prepares every call; on a keep-alive loopback call, requests' preparation was about
a sixth of the client's time. :func:`prepare` gives the same ``PreparedRequest`` through
requests' own ``prepare_*`` steps, in requests' order, and leaves out only work whose result
is known:

- query parameters given as a dict are encoded here, by requests' rules, so requests'
  ``_encode_params`` takes the string as it is: for any other object it first checks two
  runtime-checkable protocols (``SupportsRead``, ``SupportsItems``), which on Python 3.11 cost
  more than the encoding itself;
- the session's and the call's headers are merged in one dict (requests merges them in a
  ``CaseInsensitiveDict`` through ``MutableMapping.update``, then copies them into another);
- an empty cookie jar is not asked for a ``Cookie`` header (asking builds a mock request and
  locks the jar, to add nothing).

A session that is not plain (its own params, auth, response hooks or ``prepare_request``)
goes through requests' method unchanged. :func:`drop_redirect_body` is the response hook every
call carries.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Optional
from urllib.parse import urlencode

import requests
from requests.cookies import RequestsCookieJar

from procore_dc._body import keep_body

__all__ = ["drop_redirect_body", "encode_params", "prepare"]


def encode_params(params: Any) -> Any:
    """Encode a dict of query parameters as requests does; anything else is returned as is.

    requests' rules: a value that is a string or not iterable is one value, an iterable is
    several (``a=1&a=2``), ``None`` values are left out, and ``urlencode(..., doseq=True)``
    quotes the rest.

    .. code-block:: python

        >>> encode_params({"company_id": 8, "ids[]": [1, 2], "sort": None})
        'company_id=8&ids%5B%5D=1&ids%5B%5D=2'
    """
    if type(params) is not dict:
        return params
    pairs: list[tuple[Any, Any]] = []
    for key, values in params.items():
        if isinstance(values, (str, bytes)) or not hasattr(values, "__iter__"):
            values = (values,)
        for value in values:
            if value is not None:
                pairs.append(
                    (
                        key.encode("utf-8") if isinstance(key, str) else key,
                        value.encode("utf-8") if isinstance(value, str) else value,
                    )
                )
    return urlencode(pairs, doseq=True)


# Prepared URLs by (URL, parameters): encoding the parameters and parsing, re-quoting and
# re-joining the URL cost about a tenth of a keep-alive call, and a sync asks for the same
# pages again and again. prepare_url is a function of its two arguments, so a URL once
# prepared is the same URL the next time.
_URLS: dict[Any, Any] = {}
_URLS_KEPT = 1024
_SCALARS = frozenset({str, int, float, bool, bytes, type(None)})


def _url_key(url: Any, params: Any) -> Optional[tuple[Any, ...]]:
    """A key for ``_URLS``, or None when the parameters cannot be one. The type of each name
    and value is part of the key: ``1``, ``1.0`` and ``True`` are equal but encode apart."""
    # Only URLs the SDK builds from a path and parameters: a whole URL given as it is (a
    # presigned upload, a next page) may carry a signature, which no cache should keep.
    if type(url) is not str or type(params) is not dict:
        return None
    key: list[Any] = [url]
    for name, value in params.items():
        kind = type(value)
        if kind not in _SCALARS or type(name) not in _SCALARS:
            return None
        key += (type(name), name, kind, value)
    return tuple(key)


def _merged_headers(
    session_headers: Mapping[str, Any], headers: Mapping[str, Any]
) -> dict[str, Any]:
    # requests' merge: case-insensitive, the call's value wins but the session's name keeps its
    # place, and a None value removes the header.
    by_name: dict[str, tuple[str, Any]] = {}
    for source in (session_headers, headers):
        for name, value in source.items():
            by_name[name.lower()] = (name, value)
    return {name: value for name, value in by_name.values() if value is not None}


def prepare(
    http: requests.Session, verb: str, url: str, *, headers: dict[str, str], **parts: Any
) -> requests.PreparedRequest:
    """``requests.Session.prepare_request``, without what a plain session does not need.

    That method merges the session's headers, params, auth and hooks through
    ``merge_setting``, whose ``isinstance`` checks against runtime-checkable protocols cost
    more than the merge, and copies the cookie jar twice. A session with its own params,
    auth, response hooks or ``prepare_request`` goes through requests' method unchanged.
    """
    if (
        http.params
        or http.auth is not None
        or any(http.hooks.values())
        or type(http).prepare_request is not requests.Session.prepare_request
    ):
        return http.prepare_request(requests.Request(verb, url, headers=headers, **parts))
    return prepare_plain(http, verb, url, headers=headers, **parts)


def prepare_plain(
    http: requests.Session,
    method: str,
    url: str,
    *,
    headers: Mapping[str, Any],
    params: Any = None,
    data: Any = None,
    files: Any = None,
    json: Any = None,
    auth: Optional[Any] = None,
) -> requests.PreparedRequest:
    """What ``http.prepare_request(requests.Request(...))`` returns for a plain ``http``.

    .. code-block:: python

        prepared = prepare(http, "GET", url, headers={"Accept": "application/json"},
                           params={"page": 2}, auth=auth)
    """
    prepared = requests.PreparedRequest()  # its hooks are already requests' default hooks
    prepared.prepare_method(method)
    key = _url_key(url, params)
    known = _URLS.get(key) if key is not None else None
    if known is not None:
        prepared.url = known
    else:
        prepared.prepare_url(url, encode_params(params))
        if key is not None:
            if len(_URLS) >= _URLS_KEPT:
                _URLS.clear()
            _URLS[key] = prepared.url
    prepared.prepare_headers(_merged_headers(http.headers, headers))
    cookies = RequestsCookieJar()
    if http.cookies:
        cookies.update(http.cookies)  # type: ignore[no-untyped-call, unused-ignore]
        prepared.prepare_cookies(cookies)
    else:
        prepared._cookies = cookies  # type: ignore[attr-defined]
    prepared.prepare_body(data, files, json)
    prepared.prepare_auth(auth, url)
    return prepared


def drop_redirect_body(response: requests.Response, **_kwargs: Any) -> requests.Response:
    """A response hook: a redirect's body is never read, its connection is dropped."""
    # requests reads a redirect's whole body before it follows the Location; a hostile or
    # broken hop could send gigabytes. Drop the connection and the body instead.
    if response.is_redirect:
        response.raw.close()
        keep_body(response, b"")
    return response
