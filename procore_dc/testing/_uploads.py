"""Direct file uploads (procore-api.md 3.12): the API endpoints and a presigned-S3 stand-in.

The storage side listens on its own port (``sandbox.storage_url``), so a client that sends its
Procore bearer token there is caught: like S3 it refuses a request that carries an
``Authorization`` header next to a presigned policy or signature.

The storage side keeps the bytes it receives - once: a segment's bytes are held as received
(never joined into one buffer), move to the file version that an ``upload_uuid`` creates, and
are dropped when that file is deleted. It serves them back on each file version's ``url``
(``GET /s3/files/<version id>/<name>?X-Amz-Signature=...``, a presigned URL: no bearer token
accepted), streamed in chunks. Versions that no upload backs (the seeded files) serve
deterministic bytes generated from the seed.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import threading
import time
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any, Optional

import attrs
from werkzeug.datastructures import Headers
from werkzeug.exceptions import HTTPException
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from procore_dc.testing._data import version_content, version_signature
from procore_dc.testing._rest import Ctx, json_response, not_found, unprocessable

if TYPE_CHECKING:
    from procore_dc.testing._sandbox import FakeProcore

__all__ = ["Blob", "UploadStore", "rules"]

BUCKET = "pro-core.com"
#: Downloads are streamed in chunks of this size, so serving a file copies no whole buffer.
DOWNLOAD_CHUNK = 1024 * 1024
START_WITHIN = 3600  # seconds: start the upload within 1 h, else 403 (procore-api.md 3.12)
#: v2.1 parts are larger than 5 MiB and at most 100 MiB, except the last (unified uploads).
MIN_UNIFIED_PART = 5 * 1024 * 1024 + 1
MAX_UNIFIED_PART = 100 * 1024 * 1024
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
    content: Optional[bytes] = attrs.field(default=None, repr=False)


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
    content: Optional[bytes] = attrs.field(default=None, repr=False)
    #: v2.1 (unified) uploads: the declared file name, type and whole-file SHA-256
    unified: Optional[dict[str, Any]] = None


@attrs.frozen
class Blob:
    """The bytes of a finished upload: the received parts, in order, never joined."""

    chunks: tuple[bytes, ...] = attrs.field(repr=False)

    @property
    def size(self) -> int:
        return sum(len(chunk) for chunk in self.chunks)


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
        self._blobs: dict[int, Blob] = {}  # file version id -> its uploaded bytes
        self._lock = threading.Lock()
        self._map = Map(
            [
                Rule(f"/s3/{BUCKET}", endpoint="post_object", methods=["POST"]),
                Rule("/s3/segments/<uuid>/<int:number>", endpoint="put_segment", methods=["PUT"]),
                Rule(
                    "/s3/files/<int:version_id>/<path:name>",
                    endpoint="get_object",
                    methods=["GET", "HEAD"],
                ),
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

    # -- v2.1: the Unified File Upload API (DOC tutorials/tutorial_unified_uploads.md) --------
    def create_unified(self, ctx: Ctx, scope: tuple[str, int]) -> Response:
        """``POST /rest/v2.1/companies/{id}[/projects/{id}]/uploads``: always segmented."""
        body = ctx.body()
        errors: dict[str, list[str]] = {}
        name = body.get("file_name")
        if not isinstance(name, str) or not name.strip():
            errors["file_name"] = ["can't be blank"]
        size = body.get("file_size")
        if not isinstance(size, int) or isinstance(size, bool) or size < 0:
            errors["file_size"] = ["must be a non-negative integer"]
        digest = body.get("sha256")
        if not _is_sha256(digest):
            errors["sha256"] = ["must be the file's hex SHA-256"]
        segments = body.get("segments")
        if not isinstance(segments, list) or not segments:
            errors["segments"] = ["must be a non-empty list"]
            segments = []
        for index, item in enumerate(segments):
            last = index == len(segments) - 1
            part = item.get("size") if isinstance(item, dict) else None
            if not isinstance(part, int) or part < 0 or part > MAX_UNIFIED_PART:
                errors[f"segments[{index}].size"] = [f"must be at most {MAX_UNIFIED_PART} bytes"]
            elif not last and part < MIN_UNIFIED_PART:
                # Parts must be larger than 5 MiB, except the last (the tutorial's limits).
                errors[f"segments[{index}].size"] = [f"must be at least {MIN_UNIFIED_PART}"]
            if not isinstance(item, dict) or not _is_sha256(item.get("sha256")):
                errors[f"segments[{index}].sha256"] = ["must be a hex SHA-256"]
        if not errors and sum(item["size"] for item in segments) != size:
            errors["file_size"] = ["is not the sum of the segment sizes"]
        if errors:
            raise unprocessable(errors)
        now = self.sandbox.clock.now()
        upload = Upload(ulid(time.time()), scope, _holder(ctx), now, size=int(size or 0))
        upload.unified = {
            "file_name": name,
            "content_type": str(body.get("content_type") or "application/octet-stream"),
            "sha256": str(digest).lower(),
        }
        for item in segments:
            upload.segments.append(
                Segment(
                    item["size"], item["sha256"].lower(), item.get("md5"), secrets.token_hex(16)
                )
            )
        with self._lock:
            self._uploads[upload.uuid] = upload
        storage = self.sandbox.storage_url
        expires = int(now + START_WITHIN)
        data = {
            **self._unified_view(upload),
            "upload_expires_at": expires,
            "segments": [
                {"url": view["url"], "url_expires_at": expires, "headers": view["headers"]}
                for view in (
                    self._segment_view(upload, n, segment, storage)
                    for n, segment in enumerate(upload.segments)
                )
            ],
        }
        return json_response({"data": data}, 201)

    @staticmethod
    def _unified_view(upload: Upload) -> dict[str, Any]:
        declared = upload.unified or {}
        status = "available" if upload.status == "complete" else upload.status
        return {
            "upload_id": upload.uuid,
            "file_name": declared.get("file_name"),
            "file_size": upload.size,
            "content_type": declared.get("content_type"),
            "status": status,
        }

    def _find_unified(self, ctx: Ctx, scope: tuple[str, int], upload_id: str) -> Upload:
        upload = self._find(ctx, scope, upload_id)
        if upload.unified is None:
            raise not_found()  # a v1.x upload is not one of v2.1's
        return upload

    def show_unified(self, ctx: Ctx, scope: tuple[str, int], upload_id: str) -> Response:
        upload = self._find_unified(ctx, scope, upload_id)
        view = self._unified_view(upload)
        # Processing is instant here: a completed upload is "available" at once.
        view["sanitized_file_name"] = view["file_name"]
        view["custom_metadata"] = {}
        return json_response({"data": view})

    def complete_unified(self, ctx: Ctx, scope: tuple[str, int], upload_id: str) -> Response:
        upload = self._find_unified(ctx, scope, upload_id)
        etags = ctx.body().get("part_etags")
        if not isinstance(etags, list) or len(etags) != len(upload.segments):
            raise unprocessable({"part_etags": [f"must list {len(upload.segments)} etags"]})
        for number, (etag, segment) in enumerate(zip(etags, upload.segments)):
            if segment.etag is None or str(etag).strip('"') != segment.etag.strip('"'):
                raise unprocessable({f"part_etags[{number}]": ["does not match the stored part"]})
        whole = hashlib.sha256()
        for segment in upload.segments:
            whole.update(segment.content or b"")
        if whole.hexdigest() != (upload.unified or {}).get("sha256"):
            raise unprocessable({"sha256": ["does not match the uploaded bytes"]})
        upload.status = "complete"
        return json_response({"data": {"upload_id": upload.uuid, "status": "complete"}})

    def consume(self, ctx: Ctx, uuid: str) -> Blob:
        """Check an upload can back a file and hand over its bytes (``upload_uuid``).

        The upload lets go of its bytes: from here on they belong to the file version that
        :meth:`keep` is given.
        """
        with self._lock:
            upload = self._uploads.get(uuid)
            if upload is None or upload.holder != _holder(ctx):
                raise unprocessable({"upload_uuid": ["is not an upload of yours"]})
            if upload.status != "complete":
                raise unprocessable({"upload_uuid": ["the upload is not complete"]})
            if upload.consumed:
                raise unprocessable({"upload_uuid": ["has already been used"]})
            upload.consumed = True
            if upload.segments:
                chunks = tuple(s.content or b"" for s in upload.segments)
                for segment in upload.segments:
                    segment.content = None
            else:
                chunks = (upload.content or b"",)
                upload.content = None
        return Blob(chunks)

    def keep(self, version_id: int, blob: Blob) -> None:
        """Serve ``blob`` on the file version's download URL."""
        with self._lock:
            self._blobs[version_id] = blob

    def forget(self, version_ids: Iterable[int]) -> None:
        """Drop the bytes of deleted file versions."""
        with self._lock:
            for version_id in version_ids:
                self._blobs.pop(version_id, None)

    @property
    def stored_bytes(self) -> int:
        """How many uploaded bytes the sandbox holds (uploads and file versions)."""
        with self._lock:
            held = sum(blob.size for blob in self._blobs.values())
            for upload in self._uploads.values():
                held += len(upload.content or b"")
                held += sum(len(s.content or b"") for s in upload.segments)
        return held

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
        if endpoint == "get_object":
            return self._get_object(request, args["version_id"])
        return self._put_segment(request, args["uuid"], args["number"])

    def _get_object(self, request: Request, version_id: int) -> Response:
        seed = self.sandbox.seed
        if request.args.get("X-Amz-Signature") != version_signature(seed, version_id):
            return _s3_error(403, "SignatureDoesNotMatch", "The request signature does not match.")
        with self._lock:
            blob = self._blobs.get(version_id)
        if blob is None:
            size = self._unbacked_size(version_id)
            if size is None:
                return _s3_error(404, "NoSuchKey", "The specified key does not exist.")
            blob = Blob((version_content(seed, version_id, size),))
        response = Response(_stream(blob.chunks), status=200, mimetype="application/octet-stream")
        response.headers["Content-Length"] = str(blob.size)
        return response

    def _unbacked_size(self, version_id: int) -> Optional[int]:
        """The size of a live file version that no upload backs, else ``None``."""
        file_id = version_id // 100
        data = self.sandbox.data
        with data.lock:
            record = data.files.get(file_id)
        for version in (record or {}).get("file_versions", ()):
            if version.get("id") == version_id:
                return int(version.get("size") or 0)
        return None

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
        upload.content = content
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
        segment.content = content
        response = Response(status=200)
        response.headers["ETag"] = segment.etag
        return response


def _is_sha256(value: Any) -> bool:
    return (
        isinstance(value, str)
        and len(value) == 64
        and all(c in "0123456789abcdef" for c in value.lower())
    )


def _stream(chunks: tuple[bytes, ...]) -> Iterator[bytes]:
    # memoryview slices share the stored bytes: serving copies at most one chunk at a time.
    for chunk in chunks:
        view = memoryview(chunk)
        for start in range(0, len(view), DOWNLOAD_CHUNK):
            yield bytes(view[start : start + DOWNLOAD_CHUNK])


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


def _v21_scope(ctx: Ctx, company_id: int, project_id: Optional[int]) -> tuple[str, int]:
    if project_id is None:
        return _company_scope(ctx, company_id)
    scope = _project_scope(ctx, project_id)
    if ctx.header_company != company_id:
        raise not_found()  # the path's company must be the project's
    return scope


def unified_create(ctx: Ctx, company_id: int, project_id: Optional[int] = None) -> Response:
    return ctx.sandbox.uploads.create_unified(ctx, _v21_scope(ctx, company_id, project_id))


def unified_show(
    ctx: Ctx, company_id: int, upload_id: str, project_id: Optional[int] = None
) -> Response:
    scope = _v21_scope(ctx, company_id, project_id)
    return ctx.sandbox.uploads.show_unified(ctx, scope, upload_id)


def unified_complete(
    ctx: Ctx, company_id: int, upload_id: str, project_id: Optional[int] = None
) -> Response:
    scope = _v21_scope(ctx, company_id, project_id)
    return ctx.sandbox.uploads.complete_unified(ctx, scope, upload_id)


def rules() -> list[Rule]:
    """The upload routes on the API host (v1.0 and v1.1, projects and companies; v2.1)."""
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
    for base in (
        "/rest/v2.1/companies/<int:company_id>/uploads",
        "/rest/v2.1/companies/<int:company_id>/projects/<int:project_id>/uploads",
    ):
        found += [
            Rule(base, endpoint=unified_create, methods=["POST"]),
            Rule(f"{base}/<upload_id>", endpoint=unified_show, methods=["GET"]),
            Rule(f"{base}/<upload_id>", endpoint=unified_complete, methods=["PATCH"]),
        ]
    return found
