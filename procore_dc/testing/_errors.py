"""Error bodies in the several shapes Procore's endpoint families answer with.

Procore's docs say error bodies "often contain a ``message`` or ``errors`` field"
(DOC api_essentials/error_reference.md); the spec's error models show four shapes. The sandbox
answers each family of endpoints in one of them, so a client's parsing of every shape is
exercised end to end. Which family uses which shape in production is not documented: the
assignment below is ours (docs/procore-assumptions.rst); the shapes are Procore's.

- ``{"errors": "...", "message": "..."}``: the core REST resources (the sandbox's default)
- ``{"error": "..."}``: webhooks (GEN RestV10ProjectsProjectIdScheduleSettingsGet404Response)
- ``{"error": {"code": ..., "message": ...}}``: uploads
  (GEN RestV10CompanyBaseUrlGet400ResponseError)
- ``{"message": ..., "error": ...}``: the company directory, users and vendors
  (GEN RestV10BudgetLineItemsPost422Response)

Validation errors (422 with ``errors: {field: [messages]}``) keep that shape everywhere.
"""

from __future__ import annotations

import re
from http import HTTPStatus
from typing import Any

__all__ = ["shape_error"]

_WEBHOOKS = re.compile(r"^/rest/v\d\.\d/(companies/\d+/(projects/\d+/)?)?webhooks/")
_UPLOADS = re.compile(r"/uploads(/|$)")
_DIRECTORY = re.compile(r"^/rest/v1\.\d/(vendors|companies/\d+/users)(/|$)")


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def shape_error(path: str, status: int, body: Any) -> Any:
    """Reshape a text error body ``{"errors": text, "message": text}`` for ``path``'s family."""
    if not isinstance(body, dict) or set(body) != {"errors", "message"}:
        return body  # validation errors and other shapes stay as they are
    text = body["message"]
    if _WEBHOOKS.search(path):
        return {"error": text}
    if _UPLOADS.search(path):
        code = _reason(status).lower().replace(" ", "_").replace("-", "_")
        return {"error": {"code": code, "message": text}}
    if _DIRECTORY.search(path):
        return {"message": text, "error": _reason(status)}
    return body
