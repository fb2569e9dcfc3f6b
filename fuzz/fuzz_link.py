"""Fuzz pagination's ``Link``, ``Total`` and ``Per-Page`` handling through a real Session.

The first page carries the fuzzed headers; every page must be fetched from the API host, and
iteration either yields items or raises a ``ProcoreError``.

    python fuzz/fuzz_link.py [-max_total_time=600]
"""

from __future__ import annotations

import contextlib
import json
from datetime import datetime, timedelta, timezone
from typing import Any

import requests
from _common import instrumented, main, make_response, provider
from requests.adapters import BaseAdapter

with instrumented():
    from procore_dc import (
        Environment,
        MemoryTokenStore,
        ProcoreError,
        ServiceAccountAuth,
        Session,
        Token,
    )
    from procore_dc.pagination import PageIterator

API_URL = "https://api.procore.com"
_NOW = datetime.now(timezone.utc)
AUTH = ServiceAccountAuth(
    "client-id",
    "client-secret",
    environment=Environment.local(API_URL),
    store=MemoryTokenStore(Token("t" * 40, expires_at=_NOW + timedelta(days=365))),
)


class Canned(BaseAdapter):
    def __init__(self, headers: dict[str, str]) -> None:
        super().__init__()
        self.headers = headers
        self.urls: list[str] = []

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        self.urls.append(request.url or "")
        first = len(self.urls) == 1
        body = json.dumps([{"id": 1}] if first else []).encode()
        headers = {"Content-Type": "application/json", **(self.headers if first else {})}
        response = make_response(200, body, headers, url=request.url or "")
        response.request = request
        return response

    def close(self) -> None:
        """Nothing to close."""


def fuzz_one_input(data: bytes) -> None:
    fdp = provider(data)
    headers = {}
    for name in ("Total", "Per-Page"):
        if fdp.ConsumeBool():
            headers[name] = fdp.ConsumeUnicodeNoSurrogates(24)
    prefetch = fdp.ConsumeIntInRange(1, 3)
    headers["Link"] = fdp.ConsumeUnicodeNoSurrogates(400)
    http = requests.Session()
    adapter = Canned(headers)
    http.mount(API_URL + "/", adapter)
    session = Session(AUTH, company_id=8, requests_session=http, pace=False)
    with contextlib.suppress(ProcoreError):
        PageIterator(
            session, "/rest/v1.0/projects", per_page=1, limit=4, prefetch=prefetch
        ).to_list()
    assert all(url.startswith(API_URL + "/") for url in adapter.urls), adapter.urls


if __name__ == "__main__":
    main(fuzz_one_input)
