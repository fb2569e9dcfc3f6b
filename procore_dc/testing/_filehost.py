"""Procore's file host: file links that need the bearer token and redirect to storage.

Since 2023 every file link Procore hands out needs ``Authorization: Bearer``; the host answers
with a redirect to a presigned S3 URL, and the token must not follow it (Procore's "Working with
Secure File Access", DOC best_practices/secure_file_access_tips.md). The sandbox's file host
listens on its own port (``sandbox.files_url``): it answers 401 without a valid token, 403/404
when the holder may not read the file's project, and otherwise 302 to the presigned URL on the
storage port, which refuses any ``Authorization`` header.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable, Optional

from werkzeug.exceptions import HTTPException
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from procore_dc.testing._files import version_signature, version_url
from procore_dc.testing._rest import Ctx, HTTPError, json_response, not_found

if TYPE_CHECKING:
    from procore_dc.testing._oauth import TokenRecord
    from procore_dc.testing._requestlog import RequestRecord
    from procore_dc.testing._world import World

__all__ = ["serve"]

_MAP = Map(
    [Rule("/api/v5/files/<int:version_id>/<path:name>", endpoint="file", methods=["GET", "HEAD"])],
    merge_slashes=False,
)


def serve(
    world: World,
    lookup: Callable[[str], tuple[Optional[TokenRecord], str]],
    storage_url: str,
    request: Request,
    record: RequestRecord,
) -> Response:
    """Answer one request to the file host.

    :param lookup: the login host's token lookup (bearer value -> live token, or why not)
    """
    try:
        _, args = _MAP.bind_to_environ(request.environ).match()
    except HTTPException:
        return json_response({"errors": "Not Found", "message": "Not Found"}, 404)
    version_id, name = int(args["version_id"]), str(args["name"])
    if request.args.get("sig") != version_signature(world.seed, version_id):
        return json_response({"error": "The link is invalid or has expired"}, 403)
    auth = request.headers.get("Authorization", "")
    bearer = auth[7:].strip() if auth[:7].lower() == "bearer " else ""
    token, why = lookup(bearer) if bearer else (None, "")
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
    with world.data.lock:
        found = world.data.files.find(version_id // 100)
    if found is None:
        return json_response(not_found().body, 404)
    partition, _ = found
    project = world.data.projects.get(partition.scope_id)
    company_id = project["company"]["id"] if project else None
    ctx = Ctx(world, request, token, record, company_id)
    try:
        with world.data.lock:
            ctx.in_project(partition.scope_id, "documents", "readonly")
    except HTTPError as exc:
        return json_response(exc.body, exc.status)
    response = Response(status=302)
    response.headers["Location"] = version_url(storage_url, world.seed, version_id, name)
    return response
