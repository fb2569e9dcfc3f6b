"""Direct file uploads (procore-api.md 3.12, the v1.1 flow)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Optional

import attrs

from procore_dc.models._base import Model

__all__ = ["Upload", "UploadSegment"]


@attrs.frozen(repr=False)
class UploadSegment(Model):
    """One part of a segmented upload: where to PUT it and the headers to send.

    The URL is presigned: ``repr`` leaves it out.
    """

    size: Optional[int] = None
    sha256: Optional[str] = None
    md5: Optional[str] = None
    url: Optional[str] = None
    headers: Optional[Mapping[str, Any]] = None
    etag: Optional[str] = None

    _repr_fields = ("size", "sha256")


@attrs.frozen(repr=False)
class Upload(Model):
    """An upload slot: ``url`` + ``fields`` (non-segmented) or ``segments`` (segmented).

    The presigned URL and form fields carry signatures: ``repr`` shows only the uuid and status.

    .. code-block:: python

        upload = Upload(uuid="01EJCD78RY2DR3B51N6E9T2C0R", status="ready")
    """

    uuid: str
    url: Optional[str] = None
    fields: Optional[Mapping[str, Any]] = None
    status: Optional[str] = None
    segments: Optional[tuple[UploadSegment, ...]] = None

    _repr_fields = ("uuid", "status")
    _identity_fields = ("uuid",)
