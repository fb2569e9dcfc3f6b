"""Project documents: folders, files, uploads and downloads (project tool ``documents``)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import IO, Any, Optional, Union

from procore_dc.exceptions import ConfigurationError
from procore_dc.models import File, FileVersion, Folder
from procore_dc.permissions import Scope
from procore_dc.resources._base import READ, ResourceClient, operation, path_id, requires
from procore_dc.resources.uploads import HASH_CHUNK, SEGMENT_SIZE, UploadsResource

__all__ = [
    "FILES_PATH",
    "FILE_PATH",
    "FOLDERS_PATH",
    "FOLDER_PATH",
    "DocumentsResource",
]

FOLDERS_PATH = "/rest/v1.0/folders"
FOLDER_PATH = "/rest/v1.0/folders/{id}"
FILES_PATH = "/rest/v1.0/files"
FILE_PATH = "/rest/v1.0/files/{id}"
ROOT, GET_FOLDER = f"GET {FOLDERS_PATH}", f"GET {FOLDER_PATH}"
CREATE_FOLDER, UPDATE_FOLDER = f"POST {FOLDERS_PATH}", f"PATCH {FOLDER_PATH}"
DELETE_FOLDER = f"DELETE {FOLDER_PATH}"
GET_FILE, CREATE_FILE = f"GET {FILE_PATH}", f"POST {FILES_PATH}"
UPDATE_FILE, DELETE_FILE = f"PATCH {FILE_PATH}", f"DELETE {FILE_PATH}"

PathOrFile = Union[str, "os.PathLike[str]", IO[bytes]]


class DocumentsResource(ResourceClient):
    """A project's Documents tool: ``project.documents`` (sent with ``?project_id=``).

    .. code-block:: python

        root = project.documents.root()
        drawings = project.documents.create_folder("Drawings", parent_id=root.id)
        file = project.documents.upload_file("A-101.pdf", folder_id=drawings.id)
        project.documents.download(file.file_versions[-1], to="copy.pdf")
    """

    scope = Scope.PROJECT

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.uploads = UploadsResource(
            self._session, company_id=self.company_id, project_id=self.project_id
        )
        """The direct-upload client underneath :meth:`upload_file`."""

    # -- folders ----------------------------------------------------------------------------

    @operation(ROOT)
    def root(self) -> Folder:
        """Fetch the project's root folder with its top-level folders and files.

        .. code-block:: python

            for folder in project.documents.root().folders or ():
                print(folder.name)
        """
        return self._call(ROOT, Folder)

    @operation(GET_FOLDER)
    def get_folder(self, folder_id: int) -> Folder:
        """Fetch a folder with its sub-folders and files.

        .. code-block:: python

            folder = project.documents.get_folder(12)
        """
        return self._call(GET_FOLDER, Folder, ids={"id": path_id(folder_id, "folder_id")})

    @operation(CREATE_FOLDER)
    def create_folder(self, name: str, *, parent_id: Optional[int] = None, **fields: Any) -> Folder:
        """Create a folder (under the root unless ``parent_id`` is given).

        .. code-block:: python

            folder = project.documents.create_folder("Submittals", parent_id=root.id)
        """
        typed = {"name": name, "parent_id": parent_id}
        return self._write(CREATE_FOLDER, Folder, typed, fields)

    @operation(UPDATE_FOLDER)
    def update_folder(self, folder_id: int, **fields: Any) -> Folder:
        """Rename or move a folder.

        .. code-block:: python

            project.documents.update_folder(12, name="Archive")
        """
        return self._write(
            UPDATE_FOLDER, Folder, {}, fields, ids={"id": path_id(folder_id, "folder_id")}
        )

    @operation(DELETE_FOLDER)
    def delete_folder(self, folder_id: int) -> None:
        """Delete a folder.

        .. code-block:: python

            project.documents.delete_folder(12)
        """
        self._delete(DELETE_FOLDER, id=path_id(folder_id, "folder_id"))

    # -- files ------------------------------------------------------------------------------

    @operation(GET_FILE)
    def get_file(self, file_id: int) -> File:
        """Fetch a file with its versions.

        .. code-block:: python

            file = project.documents.get_file(99)
        """
        return self._call(GET_FILE, File, ids={"id": path_id(file_id, "file_id")})

    @operation(UPDATE_FILE)
    def update(self, file_id: int, **fields: Any) -> File:
        """Change fields of a file (name, description, parent_id...).

        .. code-block:: python

            project.documents.update(99, description="Issued for construction")
        """
        return self._write(UPDATE_FILE, File, {}, fields, ids={"id": path_id(file_id, "file_id")})

    @operation(DELETE_FILE)
    def delete(self, file_id: int) -> None:
        """Delete a file.

        .. code-block:: python

            project.documents.delete(99)
        """
        self._delete(DELETE_FILE, id=path_id(file_id, "file_id"))

    @operation(CREATE_FILE)
    def upload_file(
        self,
        path_or_fileobj: PathOrFile,
        *,
        folder_id: Optional[int] = None,
        name: Optional[str] = None,
        description: Optional[str] = None,
        content_type: Optional[str] = None,
        segment_size: int = SEGMENT_SIZE,
        upload_version: str = "v2.1",
    ) -> File:
        """Upload a file to Procore's storage, then create the document file from it.

        The bytes go in segments of ``segment_size`` streamed from disk, each with its SHA-256
        and MD5, through Procore's Unified File Upload API (v2.1); ``upload_version="v1.1"``
        uses the legacy API, where up to 5 MiB go in one presigned POST. It calls the upload
        API (``POST /rest/v2.1/companies/{company_id}/projects/{project_id}/uploads`` ...) and
        the storage URLs, then creates the file with ``upload_uuid``.

        :param path_or_fileobj: a path, or a binary file object opened for reading
        :param folder_id: the parent folder (default: the project's root folder)
        :param name: the file name in Procore (default: the path's name)
        :param description: the file's description
        :param upload_version: ``"v2.1"`` (default) or ``"v1.1"``, see
            :meth:`UploadsResource.upload <procore_dc.resources.uploads.UploadsResource.upload>`
        :raises ConfigurationError: when no name can be found for a file object

        .. code-block:: python

            file = project.documents.upload_file("A-101.pdf", folder_id=drawings.id)
        """
        if isinstance(path_or_fileobj, (str, os.PathLike)):
            path = Path(path_or_fileobj)
            with path.open("rb") as source:
                return self._upload_and_create(
                    source,
                    name or path.name,
                    folder_id,
                    description,
                    content_type,
                    segment_size,
                    upload_version,
                )
        file_name = name or Path(str(getattr(path_or_fileobj, "name", ""))).name
        if not file_name:
            raise ConfigurationError("pass name= when uploading a file object without a name")
        return self._upload_and_create(
            path_or_fileobj,
            file_name,
            folder_id,
            description,
            content_type,
            segment_size,
            upload_version,
        )

    def _upload_and_create(
        self,
        source: IO[bytes],
        name: str,
        folder_id: Optional[int],
        description: Optional[str],
        content_type: Optional[str],
        segment_size: int,
        upload_version: str,
    ) -> File:
        upload = self.uploads.upload(
            source,
            filename=name,
            content_type=content_type,
            segment_size=segment_size,
            version=upload_version,
        )
        typed = {
            "name": name,
            "parent_id": folder_id,
            "description": description,
            "upload_uuid": upload.uuid,
        }
        return self._write(CREATE_FILE, File, typed, {})

    @requires("documents", READ)
    def download(
        self,
        file_version: Union[FileVersion, File],
        *,
        to: PathOrFile,
        chunk_size: int = HASH_CHUNK,
    ) -> int:
        """Stream a file version to a path or a binary file object; return the bytes written.

        A :class:`~procore_dc.models.documents.File` downloads its latest version. A path is
        written to
        a temporary file first and renamed when complete, so it is never left half written.

        :raises ConfigurationError: when the version has no download URL
        :calls: ``GET`` the version's ``url``, with the bearer token only on Procore's hosts

        .. code-block:: python

            size = project.documents.download(file.file_versions[-1], to="A-101.pdf")
        """
        version = file_version
        if isinstance(version, File):
            if not version.file_versions:
                raise ConfigurationError(f"file {version.id} has no versions to download")
            version = version.file_versions[-1]
        url = version.url or (version.prostore_file.url if version.prostore_file else None)
        if not url:
            raise ConfigurationError(f"file version {version.id} has no download URL")
        # Procore's file links need the bearer token (since 2023) and redirect to S3, which
        # must not get it (DOC best_practices/secure_file_access_tips.md); a presigned link
        # elsewhere gets no token at all.
        owned = self._session.environment.owns(url)
        response = self._session.request("GET", url, authenticated=owned, stream=True)
        try:
            if isinstance(to, (str, os.PathLike)):
                target = Path(to)
                fd, temp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
                try:
                    with os.fdopen(fd, "wb") as out:
                        written = _copy(response.iter_content(chunk_size), out)
                    os.replace(temp, target)
                except BaseException:
                    Path(temp).unlink(missing_ok=True)
                    raise
                return written
            return _copy(response.iter_content(chunk_size), to)
        finally:
            response.close()


def _copy(chunks: Any, out: IO[bytes]) -> int:
    written = 0
    for chunk in chunks:
        if chunk:
            out.write(chunk)
            written += len(chunk)
    return written
