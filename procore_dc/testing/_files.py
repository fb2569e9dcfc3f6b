"""Procore's file host: file links that need the bearer token and redirect to storage.

Since 2023 every file link Procore hands out (``files[].file_versions[].url``, e.g.
``https://storage.procore.com/api/v5/files/...``) needs ``Authorization: Bearer``; the host
answers with a redirect to a presigned S3 URL, and the token must not follow it (Procore's
"Working with Secure File Access", DOC best_practices/secure_file_access_tips.md). The
sandbox's file host listens on its own port (``sandbox.files_url``): it answers 401 without a
valid token, 403/404 when the holder may not read the file's project, and otherwise 302 to the
presigned URL on the storage port, which refuses any ``Authorization`` header.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import quote

from werkzeug.exceptions import HTTPException
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from procore_dc.testing._data import version_signature, version_url
from procore_dc.testing._rest import Ctx, HTTPError, json_response, not_found

if TYPE_CHECKING:
    from procore_dc.testing._sandbox import FakeProcore, RequestRecord

__all__ = ["file_link", "serve"]

_MAP = Map(
    [Rule("/api/v5/files/<int:version_id>/<path:name>", endpoint="file", methods=["GET", "HEAD"])],
    merge_slashes=False,
)


def file_link(files: str, seed: int, version_id: int, name: str) -> str:
    """The link a file version carries: on the file host, signed, needing the bearer token."""
    return (
        f"{files}/api/v5/files/{version_id}/{quote(name, safe='')}"
        f"?sig={version_signature(seed, version_id)}"
    )


def serve(sandbox: FakeProcore, request: Request, record: RequestRecord) -> Response:
    """Answer one request to the file host."""
    try:
        _, args = _MAP.bind_to_environ(request.environ).match()
    except HTTPException:
        return json_response({"errors": "Not Found", "message": "Not Found"}, 404)
    version_id, name = int(args["version_id"]), str(args["name"])
    if request.args.get("sig") != version_signature(sandbox.seed, version_id):
        return json_response({"error": "The link is invalid or has expired"}, 403)
    auth = request.headers.get("Authorization", "")
    bearer = auth[7:].strip() if auth[:7].lower() == "bearer " else ""
    token, why = sandbox.oauth.lookup(bearer) if bearer else (None, "")
    if token is None:
        response = json_response(
            {"error": "invalid_token", "error_description": why or "The access token is missing"},
            401,
        )
        response.headers["WWW-Authenticate"] = 'Bearer realm="Procore", error="invalid_token"'
        return response
    record.token_kind, record.client_id, record.user_id = (
        token.kind,
        token.app.client_id,
        token.user_id,
    )
    with sandbox.data.lock:
        found = sandbox.data.files.find(version_id // 100)
    if found is None:
        return json_response(not_found().body, 404)
    partition, _ = found
    project = sandbox.data.projects.get(partition.scope_id)
    company_id = project["company"]["id"] if project else None
    ctx = Ctx(sandbox, request, token, record, company_id)
    try:
        with sandbox.data.lock:
            ctx.in_project(partition.scope_id, "documents", "readonly")
    except HTTPError as exc:
        return json_response(exc.body, exc.status)
    response = Response(status=302)
    response.headers["Location"] = version_url(sandbox.storage_url, sandbox.seed, version_id, name)
    return response
