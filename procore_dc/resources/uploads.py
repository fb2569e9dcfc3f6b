"""Direct uploads to Procore's storage (project tool ``documents``), procore-api.md 3.12.

By default uploads use Procore's Unified File Upload API (REST v2.1), which Procore documents
as replacing the v1.0/v1.1 process (DOC tutorials/tutorial_unified_uploads.md): every file goes
in segments PUT one after another, each hashed (SHA-256 and MD5) and streamed from disk, so
memory stays bounded whatever the file size, then the upload is completed with the parts'
ETags and polled until Procore says it is ``available``. ``version="v1.1"`` keeps the legacy
flow: files up to :data:`SEGMENTED_THRESHOLD` go in one presigned multipart POST, larger ones
in segments. The storage URLs are presigned: the Procore bearer token is never sent to them
(``authenticated=False``).
"""

from __future__ import annotations

import base64
import hashlib
import io
import mimetypes
import os
from collections.abc import Mapping, Sequence
from typing import IO, Any, Optional

import attrs

from procore_dc._redact import get_logger
from procore_dc.exceptions import ConfigurationError, ResponseFormatError
from procore_dc.models import Upload
from procore_dc.permissions import Scope
from procore_dc.resources._base import WRITE, ResourceClient, path_id, requires

__all__ = [
    "HASH_CHUNK",
    "PROJECT_UPLOADS_PATH",
    "PROJECT_UPLOAD_PATH",
    "SEGMENTED_THRESHOLD",
    "SEGMENT_SIZE",
    "UNIFIED_UPLOADS_PATH",
    "UNIFIED_UPLOAD_PATH",
    "UPLOAD_VERSIONS",
    "UploadsResource",
]

log = get_logger(__name__)

PROJECT_UPLOADS_PATH = "/rest/v1.1/projects/{project_id}/uploads"
PROJECT_UPLOAD_PATH = "/rest/v1.1/projects/{project_id}/uploads/{uuid}"
#: The legacy (v1.1) upload operations; v2.1's are not in Procore's catalogue yet.
START, FINISH = f"POST {PROJECT_UPLOADS_PATH}", f"PATCH {PROJECT_UPLOAD_PATH}"
UNIFIED_UPLOADS_PATH = "/rest/v2.1/companies/{company_id}/projects/{project_id}/uploads"
UNIFIED_UPLOAD_PATH = UNIFIED_UPLOADS_PATH + "/{upload_id}"
#: The upload APIs :meth:`UploadsResource.upload` speaks; the first is the default.
UPLOAD_VERSIONS = ("v2.1", "v1.1")
#: v2.1 parts are larger than 5 MiB and at most 100 MiB, except the last.
UNIFIED_PART_RANGE = (5 * 1024 * 1024 + 1, 100 * 1024 * 1024)
#: How many times a v2.1 upload is checked for ``available`` before giving up.
UNIFIED_POLLS = 10

#: Files larger than this are uploaded in segments.
SEGMENTED_THRESHOLD = 5 * 1024 * 1024
#: The size of each segment but the last (Procore: at least 5 MB, at most 5 GB).
SEGMENT_SIZE = 8 * 1024 * 1024
#: How much is read at a time while hashing and sending.
HASH_CHUNK = 1024 * 1024


@attrs.frozen
class _Part:
    offset: int
    size: int
    sha256: str
    md5: str


class _SegmentReader(io.RawIOBase):
    """A window ``[offset, offset + size)`` of an open file, read in small pieces.

    requests streams a file-like body through ``read()``; ``__len__`` gives it the
    Content-Length, and ``seek``/``tell`` let a retry rewind it.
    """

    def __init__(self, source: IO[bytes], offset: int, size: int) -> None:
        super().__init__()
        self._source = source
        self._offset = offset
        self._size = size
        self._position = 0

    def __len__(self) -> int:
        return self._size

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._position

    def seek(self, position: int, whence: int = io.SEEK_SET) -> int:
        if whence == io.SEEK_SET:
            self._position = position
        elif whence == io.SEEK_CUR:
            self._position += position
        else:
            self._position = self._size + position
        self._position = max(0, min(self._position, self._size))
        return self._position

    def read(self, size: Optional[int] = -1) -> bytes:
        left = self._size - self._position
        if left <= 0:
            return b""
        want = left if size is None or size < 0 else min(size, left)
        want = min(want, HASH_CHUNK)
        self._source.seek(self._offset + self._position)
        data = self._source.read(want)
        self._position += len(data)
        return data


def _plan(
    source: IO[bytes], total: int, segment_size: int, whole: Optional[Any] = None
) -> list[_Part]:
    parts = []
    offset = 0
    source.seek(0)
    while offset < total:
        size = min(segment_size, total - offset)
        sha256 = hashlib.sha256()
        md5 = hashlib.md5()  # noqa: S324 - S3's Content-MD5 integrity check, not security
        left = size
        while left:
            chunk = source.read(min(HASH_CHUNK, left))
            if not chunk:
                raise ConfigurationError("the file shrank while it was being uploaded")
            sha256.update(chunk)
            md5.update(chunk)
            if whole is not None:
                whole.update(chunk)
            left -= len(chunk)
        parts.append(_Part(offset, size, sha256.hexdigest(), md5.hexdigest()))
        offset += size
    return parts


def _size_of(source: IO[bytes]) -> int:
    try:
        return os.fstat(source.fileno()).st_size
    except (AttributeError, OSError, io.UnsupportedOperation):
        position = source.tell()
        end = source.seek(0, io.SEEK_END)
        source.seek(position)
        return end


class UploadsResource(ResourceClient):
    """Direct uploads for a project: ``project.documents.uploads``.

    Most code calls ``project.documents.upload_file(...)`` instead, which uploads and then
    creates the document file.
    """

    scope = Scope.PROJECT

    @requires("documents", WRITE)
    def upload(
        self,
        source: IO[bytes],
        *,
        filename: str,
        content_type: Optional[str] = None,
        segment_size: int = SEGMENT_SIZE,
        version: str = "v2.1",
    ) -> Upload:
        """Upload an open binary file and return the completed upload.

        The result is a :class:`~procore_dc.models.uploads.Upload`; its ``uuid`` is what
        ``upload_uuid`` takes when a file is created from it.

        :param source: a binary file opened for reading (seekable)
        :param filename: the name Procore stores
        :param content_type: the MIME type (default: guessed from ``filename``)
        :param segment_size: bytes per segment (default: 8 MiB; v2.1 takes more than 5 MiB
            and at most 100 MiB, v1.1 at least 5 MiB)
        :param version: ``"v2.1"``, Procore's Unified File Upload API (default), or
            ``"v1.1"``, the legacy upload API
        :raises ConfigurationError: for an unknown version or a segment size out of range
        :calls: v2.1: ``POST /rest/v2.1/companies/{company_id}/projects/{project_id}/uploads``,
            one presigned PUT per segment, ``PATCH …/uploads/{upload_id}``, then
            ``GET …/uploads/{upload_id}`` until it is ``available``. v1.1:
            ``POST /rest/v1.1/projects/{project_id}/uploads``, then a presigned POST or one
            presigned PUT per segment, then ``PATCH …/uploads/{uuid}`` (segmented)

        .. code-block:: python

            with open("plan.pdf", "rb") as fh:
                upload = project.documents.uploads.upload(fh, filename="plan.pdf")
        """
        if version not in UPLOAD_VERSIONS:
            raise ConfigurationError(
                f"version must be one of {', '.join(UPLOAD_VERSIONS)}, got {version!r}"
            )
        total = _size_of(source)
        kind = content_type or mimetypes.guess_type(filename)[0] or "application/octet-stream"
        if version == "v2.1":
            low, high = UNIFIED_PART_RANGE
            if not low <= segment_size <= high:
                raise ConfigurationError(
                    f"segment_size must be between {low} and {high} bytes for v2.1 uploads "
                    "(more than 5 MiB, at most 100 MiB)"
                )
            return self._upload_unified(source, total, filename, kind, segment_size)
        if segment_size < 5 * 1024 * 1024:
            raise ConfigurationError("segment_size must be at least 5 MiB (Procore's minimum)")
        if total <= SEGMENTED_THRESHOLD:
            return self._upload_whole(source, filename, kind)
        return self._upload_segments(source, total, segment_size, filename)

    def _upload_unified(
        self, source: IO[bytes], total: int, filename: str, content_type: str, segment_size: int
    ) -> Upload:
        whole = hashlib.sha256()
        parts = _plan(source, total, segment_size, whole) or [_empty_part()]
        request = {
            "file_name": filename,
            "file_size": total,
            "content_type": content_type,
            "sha256": whole.hexdigest(),
            "segments": [{"size": p.size, "sha256": p.sha256, "md5": p.md5} for p in parts],
        }
        path = UNIFIED_UPLOADS_PATH.format(
            company_id=path_id(self.company_id, "company_id"),
            project_id=path_id(self.project_id, "project_id"),
        )
        data = _data(self._session.post_json(path, request), "upload")
        upload_id = data.get("upload_id")
        if not isinstance(upload_id, str):
            raise ResponseFormatError("the v2.1 upload answer has no upload_id")
        segments = data.get("segments")
        if not isinstance(segments, list) or len(segments) != len(parts):
            raise ResponseFormatError(
                f"asked for {len(parts)} upload segments, Procore answered "
                f"{len(segments) if isinstance(segments, list) else 'none'}"
            )
        etags = []
        for number, (part, segment) in enumerate(zip(parts, segments)):
            if not isinstance(segment, Mapping) or not segment.get("url"):
                raise ResponseFormatError(f"upload segment {number} has no url")
            # The tutorial: PUT the bytes with exactly the headers given; treat both as opaque.
            headers = {str(k): str(v) for k, v in (segment.get("headers") or {}).items()}
            etags.append(self._put_part(source, part, str(segment["url"]), headers, number))
        one = f"{path}/{path_id_text(upload_id)}"
        self._session.patch_json(one, {"part_etags": etags})
        status = None
        for attempt in range(UNIFIED_POLLS):
            status = _data(self._session.get_json(one), "upload").get("status")
            if status == "available":
                return Upload(uuid=upload_id, status="available")
            self._session.retry.pause(
                min(0.5 * 2**attempt, 8.0), status_code=202, reason="the upload to be processed"
            )
        raise ResponseFormatError(
            f"upload {upload_id} is still {status!r} after {UNIFIED_POLLS} checks; "
            "Procore has not made it available"
        )

    def _put_part(
        self, source: IO[bytes], part: _Part, url: str, headers: dict[str, str], number: int
    ) -> str:
        response = self._session.request(
            "PUT",
            url,
            data=_SegmentReader(source, part.offset, part.size),
            headers=headers,
            authenticated=False,
        )
        etag = response.headers.get("ETag")
        response.close()
        if not etag:
            raise ResponseFormatError(f"the storage answer for segment {number} has no ETag")
        log.debug("uploaded segment %d (%d bytes)", number + 1, part.size)
        return etag

    def _upload_whole(self, source: IO[bytes], filename: str, content_type: str) -> Upload:
        request = {"response_filename": filename, "response_content_type": content_type}
        upload = self._call(START, Upload, json=request)
        if not upload.url or upload.fields is None:
            raise ResponseFormatError("the upload answer has no url and fields to POST to")
        source.seek(0)
        response = self._session.request(
            "POST",
            upload.url,
            data={str(k): str(v) for k, v in upload.fields.items()},
            files={"file": (filename, source, content_type)},
            authenticated=False,
        )
        response.close()
        return attrs.evolve(upload, status="complete")

    def _upload_segments(
        self, source: IO[bytes], total: int, segment_size: int, filename: str
    ) -> Upload:
        parts = _plan(source, total, segment_size)
        # The catalogue marks response_filename required on this POST, segmented or not.
        request = {
            "response_filename": filename,
            "segments": [{"size": p.size, "sha256": p.sha256, "md5": p.md5} for p in parts],
        }
        upload = self._call(START, Upload, json=request)
        segments: Sequence[Any] = upload.segments or ()
        if len(segments) != len(parts):
            raise ResponseFormatError(
                f"asked for {len(parts)} upload segments, Procore answered {len(segments)}"
            )
        etags = []
        for number, (part, segment) in enumerate(zip(parts, segments)):
            if not segment.url:
                raise ResponseFormatError(f"upload segment {number} has no url")
            headers = {str(k): str(v) for k, v in (segment.headers or {}).items()}
            headers.setdefault("Content-Type", "application/octet-stream")
            if not any(k.lower() == "content-md5" for k in headers):
                headers["Content-MD5"] = base64.b64encode(bytes.fromhex(part.md5)).decode()
            etags.append(self._put_part(source, part, segment.url, headers, number))
        ids = {"uuid": path_id_text(upload.uuid)}
        return self._call(FINISH, Upload, ids=ids, json={"segments": [{"etag": e} for e in etags]})


def path_id_text(value: str) -> str:
    """Quote a text id (an upload uuid) for a path."""
    from urllib.parse import quote

    if not value or "/" in value:
        raise ResponseFormatError(f"not a valid upload uuid: {value!r}")
    return quote(value, safe="")


def _empty_part() -> _Part:
    """The one segment of an empty file (v2.1 takes no upload without segments)."""
    return _Part(0, 0, hashlib.sha256().hexdigest(), hashlib.md5().hexdigest())  # noqa: S324


def _data(answer: Any, what: str) -> Mapping[str, Any]:
    """The ``data`` object REST v2.x wraps its answers in."""
    data = answer.get("data") if isinstance(answer, Mapping) else None
    if not isinstance(data, Mapping):
        raise ResponseFormatError(f"the v2.1 {what} answer is not a JSON object with 'data'")
    return data
