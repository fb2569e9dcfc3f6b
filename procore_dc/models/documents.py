"""Project documents: folders, files and file versions (procore-api.md 3.9)."""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping
from typing import Any, Optional

import attrs

from procore_dc.models._base import Model, PersonRef

__all__ = ["File", "FileVersion", "Folder", "ProstoreFile"]


@attrs.frozen(repr=False)
class ProstoreFile(Model):
    """The stored blob behind a file version: ``{"id", "name", "url", "filename"}``."""

    id: Optional[int] = None
    name: Optional[str] = None
    url: Optional[str] = None
    filename: Optional[str] = None

    _repr_fields = ("id", "filename")


@attrs.frozen(repr=False)
class FileVersion(Model):
    """One version of a document file; download it with ``project.documents.download``.

    .. code-block:: python

        latest = file.file_versions[-1]
        project.documents.download(latest, to="plan.pdf")
    """

    id: int
    number: Optional[int] = None
    notes: Optional[str] = None
    url: Optional[str] = None
    size: Optional[int] = None
    created_at: Optional[_dt.datetime] = None
    created_by: Optional[PersonRef] = None
    prostore_file: Optional[ProstoreFile] = None
    file_id: Optional[int] = None

    _repr_fields = ("id", "number", "size")


@attrs.frozen(repr=False)
class File(Model):
    """A document file.

    .. code-block:: python

        file = project.documents.upload_file("plan.pdf", folder_id=folder.id)
        print(file.id, file.name, file.size)
    """

    id: int
    name: Optional[str] = None
    parent_id: Optional[int] = None
    size: Optional[int] = None
    description: Optional[str] = None
    created_at: Optional[_dt.datetime] = None
    updated_at: Optional[_dt.datetime] = None
    checked_out_until: Optional[_dt.datetime] = None
    checked_out_by: Optional[PersonRef] = None
    name_with_path: Optional[str] = None
    private: Optional[bool] = None
    is_tracked: Optional[bool] = None
    file_type: Optional[str] = None
    file_versions: Optional[tuple[FileVersion, ...]] = None
    legacy_id: Optional[int] = None
    is_deleted: Optional[bool] = None
    custom_fields: Optional[Mapping[str, Any]] = None

    _repr_fields = ("id", "name", "size")


@attrs.frozen(repr=False)
class Folder(Model):
    """A document folder, with its sub-folders and files when Procore includes them.

    .. code-block:: python

        root = project.documents.root()
        for child in root.folders or ():
            print(child.name_with_path)
    """

    id: int
    name: Optional[str] = None
    parent_id: Optional[int] = None
    private: Optional[bool] = None
    updated_at: Optional[_dt.datetime] = None
    is_tracked: Optional[bool] = None
    tracked_folder: Optional[Mapping[str, Any]] = None
    name_with_path: Optional[str] = None
    folders: Optional[tuple[Folder, ...]] = None
    files: Optional[tuple[File, ...]] = None
    read_only: Optional[bool] = None
    is_deleted: Optional[bool] = None
    is_recycle_bin: Optional[bool] = None
    has_children: Optional[bool] = None
    has_children_files: Optional[bool] = None
    has_children_folders: Optional[bool] = None
    custom_fields: Optional[Mapping[str, Any]] = None

    _repr_fields = ("id", "name")
