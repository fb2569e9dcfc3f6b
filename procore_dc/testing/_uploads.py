"""Direct file uploads (procore-api.md 3.12): the API endpoints and a presigned-S3 stand-in.

The storage side listens on its own port (``sandbox.storage_url``), so a client that sends its
Procore bearer token there is caught: like S3 it refuses a request that carries an
``Authorization`` header next to a presigned policy or signature.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import threading
import time
from typing import TYPE_CHECKING, Any, Optional

import attrs
from werkzeug.datastructures import Headers
from werkzeug.exceptions import HTTPException
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from procore_dc.testing._rest import Ctx, json_response, not_found, unprocessable

if TYPE_CHECKING:
    from procore_dc.testing._sandbox import FakeProcore

__all__ = ["UploadStore", "rules"]

BUCKET = "pro-core.com"
START_WITHIN = 3600  # seconds: start the upload within 1 h, else 403 (procore-api.md 3.12)
_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def ulid(now: float) -> str:
    """A ULID (time-ordered, 26 Crockford base32 chars), as Procore's upload uuids are."""
    value = (int(now * 1000) << 80) | secrets.randbits(80)
    return "".join(_CROCKFORD[(value >> (5 * i)) & 31] for i in reversed(range(26)))


@attrs.define(eq=False)
class Segment:
    size: int
    sha256: str
    md5: Optional[str]
    signature: str
    etag: Optional[str] = None


@attrs.define(eq=False)
class Upload:
    uuid: str
    scope: tuple[str, int]
    holder: tuple[str, str, Optional[int]]
    created_at: float
    status: str = "ready"
    fields: dict[str, str] = attrs.field(factory=dict)
    segments: list[Segment] = attrs.field(factory=list)
    size: int = 0
    consumed: bool = False


def _holder(ctx: Ctx) -> tuple[str, str, Optional[int]]:
    return (ctx.token.kind, ctx.token.app.client_id, ctx.token.user_id)


def _s3_error(status: int, code: str, message: str) -> Response:
    body = f"<Error><Code>{code}</Code><Message>{message}</Message></Error>"
    return Response(body, status=status, mimetype="application/xml")


class UploadStore:
    """Uploads of one sandbox and the storage endpoint that receives their bytes."""

    def __init__(self, sandbox: FakeProcore) -> None:
        self.sandbox = sandbox
        self._uploads: dict[str, Upload] = {}
        self._lock = threading.Lock()
        self._map = Map(
            [
                Rule(f"/s3/{BUCKET}", endpoint="post_object", methods=["POST"]),
                Rule("/s3/segments/<uuid>/<int:number>", endpoint="put_segment", methods=["PUT"]),
            ],
            merge_slashes=False,
        )

    # -- API side ---------------------------------------------------------------------------
    def create(self, ctx: Ctx, scope: tuple[str, int]) -> Response:
        body = ctx.body()
        now = self.sandbox.clock.now()
        upload = Upload(ulid(time.time()), scope, _holder(ctx), now)
        storage = self.sandbox.storage_url
        if "segments" in body:
            segments = body["segments"]
            if not isinstance(segments, list) or not segments:
                raise unprocessable({"segments": ["must be a non-empty list"]})
            for index, item in enumerate(segments):
                if not isinstance(item, dict) or not isinstance(item.get("size"), int):
                    raise unprocessable({f"segments[{index}].size": ["must be an integer"]})
                if not isinstance(item.get("sha256"), str) or len(item["sha256"]) != 64:
                    raise unprocessable({f"segments[{index}].sha256": ["must be a hex SHA-256"]})
                upload.segments.append(
                    Segment(
                        item["size"], item["sha256"].lower(), item.get("md5"), secrets.token_hex(16)
                    )
                )
            upload.size = sum(s.size for s in upload.segments)
            answer: dict[str, Any] = {
                "uuid": upload.uuid,
                "segments": [
                    self._segment_view(upload, n, segment, storage)
                    for n, segment in enumerate(upload.segments)
                ],
                "status": "ready",
            }
        else:
            filename = body.get("response_filename")
            if not filename:
                raise unprocessable({"response_filename": ["can't be blank"]})
            content_type = str(body.get("response_content_type") or "application/octet-stream")
            disposition = "attachment" if body.get("attachment_content_disposition") else "inline"
            upload.fields = {
                "key": f"uploads/{upload.uuid}/{filename}",
                "Content-Type": content_type,
                "Content-Disposition": f'{disposition}; filename="{filename}"',
                "policy": base64.b64encode(secrets.token_bytes(48)).decode(),
                "x-amz-credential": (
                    f"AKIASANDBOX/{time.strftime('%Y%m%d')}/us-east-1/s3/aws4_request"
                ),
                "x-amz-algorithm": "AWS4-HMAC-SHA256",
                "x-amz-date": time.strftime("%Y%m%dT%H%M%SZ", time.gmtime()),
                "x-amz-signature": secrets.token_hex(32),
            }
            answer = {
                "uuid": upload.uuid,
                "url": f"{storage}/s3/{BUCKET}",
                "fields": dict(upload.fields),
                "status": "ready",
            }
        with self._lock:
            self._uploads[upload.uuid] = upload
        return json_response(answer, 201)

    @staticmethod
    def _segment_view(
        upload: Upload, number: int, segment: Segment, storage: str
    ) -> dict[str, Any]:
        headers = {
            "x-amz-content-sha256": segment.sha256,
            "content-length": str(segment.size),
        }
        if segment.md5:
            headers["content-md5"] = base64.b64encode(bytes.fromhex(segment.md5)).decode()
        return {
            "md5": segment.md5,
            "sha256": segment.sha256,
            "size": segment.size,
            "etag": segment.etag,
            "url": (
                f"{storage}/s3/segments/{upload.uuid}/{number}?X-Amz-Signature={segment.signature}"
            ),
            "headers": headers,
        }

    def _find(self, ctx: Ctx, scope: tuple[str, int], uuid: str) -> Upload:
        with self._lock:
            upload = self._uploads.get(uuid)
        # Only the creating user may use an upload (procore-api.md 3.12).
        if upload is None or upload.scope != scope or upload.holder != _holder(ctx):
            raise not_found()
        return upload

    def view(self, upload: Upload) -> dict[str, Any]:
        storage = self.sandbox.storage_url
        answer: dict[str, Any] = {"uuid": upload.uuid, "status": upload.status}
        if upload.segments:
            answer["segments"] = [
                self._segment_view(upload, n, s, storage) for n, s in enumerate(upload.segments)
            ]
        else:
            answer["url"] = f"{storage}/s3/{BUCKET}"
            answer["fields"] = dict(upload.fields)
        return answer

    def show(self, ctx: Ctx, scope: tuple[str, int], uuid: str) -> Response:
        return json_response(self.view(self._find(ctx, scope, uuid)))

    def complete(self, ctx: Ctx, scope: tuple[str, int], uuid: str) -> Response:
        upload = self._find(ctx, scope, uuid)
        parts = ctx.body().get("segments")
        if not upload.segments:
            raise unprocessable({"segments": ["this upload is not segmented"]})
        if not isinstance(parts, list) or len(parts) != len(upload.segments):
            raise unprocessable({"segments": [f"must list {len(upload.segments)} etags in order"]})
        for number, (part, segment) in enumerate(zip(parts, upload.segments)):
            etag = str(part.get("etag", "") if isinstance(part, dict) else "").strip('"')
            if segment.etag is None or etag != segment.etag.strip('"'):
                raise unprocessable(
                    {f"segments[{number}].etag": ["does not match the stored part"]}
                )
        upload.status = "complete"
        return json_response(self.view(upload))

    def consume(self, ctx: Ctx, uuid: str) -> int:
        """Check an upload can back a file and return its size (``upload_uuid``)."""
        with self._lock:
            upload = self._uploads.get(uuid)
        if upload is None or upload.holder != _holder(ctx):
            raise unprocessable({"upload_uuid": ["is not an upload of yours"]})
        if upload.status != "complete":
            raise unprocessable({"upload_uuid": ["the upload is not complete"]})
        if upload.consumed:
            raise unprocessable({"upload_uuid": ["has already been used"]})
        upload.consumed = True
        return upload.size

    # -- storage side -----------------------------------------------------------------------
    def storage(self, request: Request) -> Response:
        adapter = self._map.bind_to_environ(request.environ)
        try:
            endpoint, args = adapter.match()
        except HTTPException as exc:
            return _s3_error(exc.code or 404, "NoSuchKey", "The specified key does not exist.")
        if "Authorization" in request.headers:
            # What S3 answers when a bearer token rides along with a presigned request.
            return _s3_error(
                400,
                "InvalidArgument",
                "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, "
                "Signature query string parameter or the Authorization header should be specified",
            )
        if endpoint == "post_object":
            return self._post_object(request)
        return self._put_segment(request, args["uuid"], args["number"])

    def _expired(self, upload: Upload) -> bool:
        return self.sandbox.clock.now() > upload.created_at + START_WITHIN

    def _post_object(self, request: Request) -> Response:
        form = request.form
        key = form.get("key", "")
        uuid = key.split("/")[1] if key.count("/") >= 2 else ""
        with self._lock:
            upload = self._uploads.get(uuid)
        if upload is None or upload.segments:
            return _s3_error(403, "AccessDenied", "Invalid according to Policy")
        for name, value in upload.fields.items():
            if form.get(name) != value:
                return _s3_error(
                    403, "AccessDenied", f"Invalid according to Policy: field {name} does not match"
                )
        if self._expired(upload):
            return _s3_error(403, "AccessDenied", "Invalid according to Policy: Policy expired.")
        if "file" not in request.files:
            return _s3_error(
                400, "InvalidArgument", "POST requires exactly one file upload per request."
            )
        content = request.files["file"].read()
        upload.size = len(content)
        upload.status = "complete"
        response = Response(status=204)
        response.headers["ETag"] = f'"{hashlib.md5(content).hexdigest()}"'  # noqa: S324 - S3's ETag
        response.headers["Location"] = f"{self.sandbox.storage_url}/s3/{BUCKET}/{key}"
        return response

    def _put_segment(self, request: Request, uuid: str, number: int) -> Response:
        with self._lock:
            upload = self._uploads.get(uuid)
        if upload is None or not 0 <= number < len(upload.segments):
            return _s3_error(404, "NoSuchUpload", "The specified upload does not exist.")
        segment = upload.segments[number]
        if request.args.get("X-Amz-Signature") != segment.signature:
            return _s3_error(403, "SignatureDoesNotMatch", "The request signature does not match.")
        if self._expired(upload):
            return _s3_error(403, "AccessDenied", "Request has expired")
        content = request.get_data()
        problems = _check_segment_headers(request.headers, segment, content)
        if problems:
            return _s3_error(400, "BadDigest", problems)
        segment.etag = f'"{hashlib.md5(content).hexdigest()}"'  # noqa: S324 - S3's ETag
        response = Response(status=200)
        response.headers["ETag"] = segment.etag
        return response


def _check_segment_headers(headers: Headers, segment: Segment, content: bytes) -> str:
    if len(content) != segment.size:
        return f"The body is {len(content)} bytes; the presigned size is {segment.size}."
    if headers.get("x-amz-content-sha256", "").lower() != segment.sha256:
        return "The x-amz-content-sha256 header does not match the presigned value."
    if hashlib.sha256(content).hexdigest() != segment.sha256:
        return "The body's SHA-256 does not match x-amz-content-sha256."
    if segment.md5:
        expected = base64.b64encode(bytes.fromhex(segment.md5)).decode()
        if headers.get("Content-MD5") != expected:
            return "The Content-MD5 you specified did not match what we received."
    return ""


# -- routes -------------------------------------------------------------------------------------


def _project_scope(ctx: Ctx, project_id: int) -> tuple[str, int]:
    level = "standard" if ctx.request.method != "GET" else "readonly"
    ctx.in_project(project_id, "documents", level)
    return ("project", project_id)


def _company_scope(ctx: Ctx, company_id: int) -> tuple[str, int]:
    level = "standard" if ctx.request.method != "GET" else "readonly"
    ctx.in_company(company_id, "documents", level)
    return ("company", company_id)


def project_create(ctx: Ctx, project_id: int) -> Response:
    return ctx.sandbox.uploads.create(ctx, _project_scope(ctx, project_id))


def project_show(ctx: Ctx, project_id: int, uuid: str) -> Response:
    return ctx.sandbox.uploads.show(ctx, _project_scope(ctx, project_id), uuid)


def project_complete(ctx: Ctx, project_id: int, uuid: str) -> Response:
    return ctx.sandbox.uploads.complete(ctx, _project_scope(ctx, project_id), uuid)


def company_create(ctx: Ctx, company_id: int) -> Response:
    return ctx.sandbox.uploads.create(ctx, _company_scope(ctx, company_id))


def company_show(ctx: Ctx, company_id: int, uuid: str) -> Response:
    return ctx.sandbox.uploads.show(ctx, _company_scope(ctx, company_id), uuid)


def company_complete(ctx: Ctx, company_id: int, uuid: str) -> Response:
    return ctx.sandbox.uploads.complete(ctx, _company_scope(ctx, company_id), uuid)


def rules() -> list[Rule]:
    """The upload routes on the API host (v1.0 and v1.1, projects and companies)."""
    found = []
    for version in ("v1.0", "v1.1"):
        for kind, create, show, complete in (
            ("projects/<int:project_id>", project_create, project_show, project_complete),
            ("companies/<int:company_id>", company_create, company_show, company_complete),
        ):
            base = f"/rest/{version}/{kind}/uploads"
            found += [
                Rule(base, endpoint=create, methods=["POST"]),
                Rule(f"{base}/<uuid>", endpoint=show, methods=["GET"]),
                Rule(f"{base}/<uuid>", endpoint=complete, methods=["PATCH"]),
            ]
    return found
