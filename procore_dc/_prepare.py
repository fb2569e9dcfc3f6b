"""Building the ``requests.PreparedRequest`` of a session's call, cheaply and safely."""

from __future__ import annotations

from typing import Any

import requests
from requests.cookies import RequestsCookieJar
from requests.hooks import default_hooks
from requests.structures import CaseInsensitiveDict

from procore_dc._body import keep_body


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
    merged = CaseInsensitiveDict(http.headers)
    merged.update(headers)
    for name in [name for name, value in merged.items() if value is None]:
        del merged[name]  # requests' way of removing a session header
    cookies = RequestsCookieJar()
    if http.cookies:
        cookies.update(http.cookies)
    prepared = requests.PreparedRequest()
    prepared.prepare(
        method=verb, url=url, headers=merged, cookies=cookies, hooks=default_hooks(), **parts
    )
    return prepared


def drop_redirect_body(response: requests.Response, **_kwargs: Any) -> requests.Response:
    """A response hook: a redirect's body is never read, its connection is dropped."""
    # requests reads a redirect's whole body before it follows the Location; a hostile or
    # broken hop could send gigabytes. Drop the connection and the body instead.
    if response.is_redirect:
        response.raw.close()
        keep_body(response, b"")
    return response
