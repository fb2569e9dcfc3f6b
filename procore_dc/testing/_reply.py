"""The answers every sandbox host shares: an error to raise, a JSON response, 404 and 422."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any, Optional

from werkzeug.wrappers import Response

__all__ = ["HTTPError", "json_response", "not_found", "unprocessable"]


class HTTPError(Exception):
    """Raised by an endpoint to answer with an error status and JSON body."""

    def __init__(self, status: int, body: Any, headers: Optional[Mapping[str, str]] = None):
        super().__init__(status)
        self.status = status
        self.body = body
        self.headers = dict(headers or {})

    @classmethod
    def message(cls, status: int, text: str) -> HTTPError:
        return cls(status, {"errors": text, "message": text})


def json_response(body: Any, status: int = 200) -> Response:
    return Response(json.dumps(body), status=status, mimetype="application/json")


def unprocessable(errors: Mapping[str, Sequence[str]]) -> HTTPError:
    """A 422 with an ``errors`` object in Procore's style: field -> list of messages."""
    return HTTPError(422, {"errors": {k: list(v) for k, v in errors.items()}})


def not_found() -> HTTPError:
    return HTTPError(404, {"errors": "Not Found", "message": "Not Found"})
