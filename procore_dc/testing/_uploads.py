"""Direct file uploads (procore-api.md 3.12): the uploads a caller made and the bytes they hold.

The API endpoints are in :mod:`.api.uploads`; the presigned-S3 stand-in that receives and
serves the bytes is :mod:`._storage`. The store keeps the bytes it receives - once: a
segment's bytes are held as received (never joined into one buffer), move to the file version
that an ``upload_uuid`` creates, and are dropped when that file is deleted.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import threading
import time
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, Callable, Optional

import attrs
from werkzeug.wrappers import Response

from procore_dc.testing._reply import json_response, not_found, unprocessable
from procore_dc.testing._ulid import ulid

if TYPE_CHECKING:
    from procore_dc.testing._clock import SandboxClock

__all__ = ["Blob", "Caller", "Upload", "UploadStore"]

#: Who made an upload: (token kind, client id, user id); only they may use it.
Caller = tuple[str, str, Optional[int]]

BUCKET = "pro-core.com"
START_WITHIN = 3600  # seconds: start the upload within 1 h, else 403 (procore-api.md 3.12)
#: v2.1 parts are larger than 5 MiB and at most 100 MiB, except the last (unified uploads).
MIN_UNIFIED_PART = 5 * 1024 * 1024 + 1
MAX_UNIFIED_PART = 100 * 1024 * 1024


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
    holder: Caller
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


class UploadStore:
    """Uploads of one sandbox and the bytes that back file versions.

    :param clock: the sandbox clock (upload deadlines)
    :param storage_url: the storage host's base URL, asked when an upload is answered (it is
        known once the sandbox listens)
    """

    def __init__(self, clock: SandboxClock, storage_url: Callable[[], str]) -> None:
        self._clock = clock
        self._storage_url = storage_url
        self._uploads: dict[str, Upload] = {}
        self._blobs: dict[int, Blob] = {}  # file version id -> its uploaded bytes
        self._lock = threading.Lock()

    # -- API side ---------------------------------------------------------------------------
    def create(self, body: dict[str, Any], caller: Caller, scope: tuple[str, int]) -> Response:
        now = self._clock.now()
        upload = Upload(ulid(time.time()), scope, caller, now)
        storage = self._storage_url()
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

    def get(self, uuid: str) -> Optional[Upload]:
        """The upload ``uuid`` names, whoever made it (the storage host's lookup)."""
        with self._lock:
            return self._uploads.get(uuid)

    def blob(self, version_id: int) -> Optional[Blob]:
        """The uploaded bytes backing a file version, if an upload backs it."""
        with self._lock:
            return self._blobs.get(version_id)

    def expired(self, upload: Upload) -> bool:
        """Whether the time to start sending the upload's bytes has passed."""
        return self._clock.now() > upload.created_at + START_WITHIN

    def _find(self, caller: Caller, scope: tuple[str, int], uuid: str) -> Upload:
        upload = self.get(uuid)
        # Only the creating user may use an upload (procore-api.md 3.12).
        if upload is None or upload.scope != scope or upload.holder != caller:
            raise not_found()
        return upload

    def view(self, upload: Upload) -> dict[str, Any]:
        storage = self._storage_url()
        answer: dict[str, Any] = {"uuid": upload.uuid, "status": upload.status}
        if upload.segments:
            answer["segments"] = [
                self._segment_view(upload, n, s, storage) for n, s in enumerate(upload.segments)
            ]
        else:
            answer["url"] = f"{storage}/s3/{BUCKET}"
            answer["fields"] = dict(upload.fields)
        return answer

    def show(self, caller: Caller, scope: tuple[str, int], uuid: str) -> Response:
        return json_response(self.view(self._find(caller, scope, uuid)))

    def complete(
        self, body: dict[str, Any], caller: Caller, scope: tuple[str, int], uuid: str
    ) -> Response:
        upload = self._find(caller, scope, uuid)
        parts = body.get("segments")
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
    def create_unified(
        self, body: dict[str, Any], caller: Caller, scope: tuple[str, int]
    ) -> Response:
        """``POST /rest/v2.1/companies/{id}[/projects/{id}]/uploads``: always segmented."""
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
        now = self._clock.now()
        upload = Upload(ulid(time.time()), scope, caller, now, size=int(size or 0))
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
        storage = self._storage_url()
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

    def _find_unified(self, caller: Caller, scope: tuple[str, int], upload_id: str) -> Upload:
        upload = self._find(caller, scope, upload_id)
        if upload.unified is None:
            raise not_found()  # a v1.x upload is not one of v2.1's
        return upload

    def show_unified(self, caller: Caller, scope: tuple[str, int], upload_id: str) -> Response:
        upload = self._find_unified(caller, scope, upload_id)
        view = self._unified_view(upload)
        # Processing is instant here: a completed upload is "available" at once.
        view["sanitized_file_name"] = view["file_name"]
        view["custom_metadata"] = {}
        return json_response({"data": view})

    def complete_unified(
        self, body: dict[str, Any], caller: Caller, scope: tuple[str, int], upload_id: str
    ) -> Response:
        upload = self._find_unified(caller, scope, upload_id)
        etags = body.get("part_etags")
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

    def consume(self, caller: Caller, uuid: str) -> Blob:
        """Check an upload can back a file and hand over its bytes (``upload_uuid``).

        The upload lets go of its bytes: from here on they belong to the file version that
        :meth:`keep` is given.
        """
        with self._lock:
            upload = self._uploads.get(uuid)
            if upload is None or upload.holder != caller:
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


def _is_sha256(value: Any) -> bool:
    return (
        isinstance(value, str)
        and len(value) == 64
        and all(c in "0123456789abcdef" for c in value.lower())
    )
