"""Direct uploads to Procore's storage (project tool ``documents``), procore-api.md 3.12.

Files up to :data:`SEGMENTED_THRESHOLD` go in one presigned multipart POST; larger ones in
segments PUT one after another, each hashed (SHA-256 and MD5) and streamed from disk, so memory
stays bounded whatever the file size. The storage URLs are presigned: the Procore bearer token
is never sent to them (``authenticated=False``).
"""

from __future__ import annotations

import base64
import hashlib
import io
import mimetypes
import os
from collections.abc import Sequence
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
    "UploadsResource",
]

log = get_logger(__name__)

PROJECT_UPLOADS_PATH = "/rest/v1.1/projects/{project_id}/uploads"
PROJECT_UPLOAD_PATH = "/rest/v1.1/projects/{project_id}/uploads/{uuid}"

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


def _plan(source: IO[bytes], total: int, segment_size: int) -> list[_Part]:
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

    def _path(self, template: str, **ids: Any) -> str:
        return template.format(project_id=path_id(self.project_id, "project_id"), **ids)

    @requires("documents", WRITE)
    def upload(
        self,
        source: IO[bytes],
        *,
        filename: str,
        content_type: Optional[str] = None,
        segment_size: int = SEGMENT_SIZE,
    ) -> Upload:
        """Upload an open binary file and return the completed upload.

        The result is a :class:`~procore_dc.models.uploads.Upload`.

        :param source: a binary file opened for reading (seekable)
        :param filename: the name Procore stores
        :param content_type: the MIME type (default: guessed from ``filename``)
        :param segment_size: bytes per segment for large files (default: 8 MiB)
        :calls: ``POST /rest/v1.1/projects/{project_id}/uploads``, then a presigned POST or
            one presigned PUT per segment, then ``PATCH …/uploads/{uuid}`` (segmented)

        .. code-block:: python

            with open("plan.pdf", "rb") as fh:
                upload = project.documents.uploads.upload(fh, filename="plan.pdf")
        """
        if segment_size < 5 * 1024 * 1024:
            raise ConfigurationError("segment_size must be at least 5 MiB (Procore's minimum)")
        total = _size_of(source)
        kind = content_type or mimetypes.guess_type(filename)[0] or "application/octet-stream"
        if total <= SEGMENTED_THRESHOLD:
            return self._upload_whole(source, filename, kind)
        return self._upload_segments(source, total, segment_size)

    def _upload_whole(self, source: IO[bytes], filename: str, content_type: str) -> Upload:
        request = {"response_filename": filename, "response_content_type": content_type}
        upload = self._call("POST", self._path(PROJECT_UPLOADS_PATH), Upload, json=request)
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

    def _upload_segments(self, source: IO[bytes], total: int, segment_size: int) -> Upload:
        parts = _plan(source, total, segment_size)
        request = {"segments": [{"size": p.size, "sha256": p.sha256, "md5": p.md5} for p in parts]}
        upload = self._call("POST", self._path(PROJECT_UPLOADS_PATH), Upload, json=request)
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
            response = self._session.request(
                "PUT",
                segment.url,
                data=_SegmentReader(source, part.offset, part.size),
                headers=headers,
                authenticated=False,
            )
            etag = response.headers.get("ETag")
            response.close()
            if not etag:
                raise ResponseFormatError(f"the storage answer for segment {number} has no ETag")
            etags.append(etag)
            log.debug("uploaded segment %d of %d (%d bytes)", number + 1, len(parts), part.size)
        path = self._path(PROJECT_UPLOAD_PATH, uuid=path_id_text(upload.uuid))
        return self._call("PATCH", path, Upload, json={"segments": [{"etag": e} for e in etags]})


def path_id_text(value: str) -> str:
    """Quote a text id (an upload uuid) for a path."""
    from urllib.parse import quote

    if not value or "/" in value:
        raise ResponseFormatError(f"not a valid upload uuid: {value!r}")
    return quote(value, safe="")
