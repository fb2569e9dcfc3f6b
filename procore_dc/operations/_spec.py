"""One Procore operation as data: built from a catalogue row and its spec shapes.

Pure data and pure functions; nothing here sends a request. The engine
(:mod:`procore_dc.operations._engine`) reads these rows to check, send and type a call.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Optional

import attrs

from procore_dc.operation_permissions import names_project, requirement_of, tool_group
from procore_dc.permissions import Requirement

__all__ = ["BodyField", "Operation", "Parameter", "build_operation"]

_VERSION = re.compile(r"^/rest/(v\d+(?:\.\d+)?)/")
_PATH_PARAM = re.compile(r"\{(\w+)\}")


@attrs.frozen
class Parameter:
    """One path, query or header parameter of an operation.

    :ivar name: the wire name (``"filters[status]"``, ``"project_id"``)
    :ivar location: ``"path"``, ``"query"`` or ``"header"``
    :ivar type: the catalogue's type (``integer``, ``string``, ``boolean``, ``array``,
        ``object``; ``"any"`` when the catalogue gives none)
    :ivar required: whether the call must give it
    :ivar enum: the allowed values, when the spec lists them

    .. code-block:: python

        >>> Parameter("per_page", "query", "integer")
        Parameter(name='per_page', location='query', type='integer', required=False, enum=None)
    """

    name: str
    location: str
    type: str = "any"
    required: bool = False
    enum: Optional[tuple[Any, ...]] = None


@attrs.frozen
class BodyField:
    """A top-level field of an operation's JSON body (``"rfi"`` for ``{"rfi": {...}}``).

    :ivar name: the field name
    :ivar required: whether the body must hold it
    """

    name: str
    required: bool = False


@attrs.frozen
class Operation:
    """One of Procore's 2,636 REST operations, as the catalogue and spec describe it.

    :ivar id: the catalogue's operation id (``"RestV10ProjectsProjectIdRfisGet"``)
    :ivar method: the HTTP method
    :ivar path: the path template (``"/rest/v1.0/projects/{project_id}/rfis"``)
    :ivar version: the REST version (``"v1.0"``); ``None`` for OAuth's own endpoints
    :ivar summary: Procore's one-line summary
    :ivar tag: the catalogue tag (``"Project Management/RFI/rfis"``)
    :ivar group: the tool group (``"Project Management/RFI"``)
    :ivar requirement: the tool and level the call needs (``None``: no tool)
    :ivar parameters: path, query and header parameters
    :ivar body_fields: the top-level body fields (empty when the operation takes no body)
    :ivar shape: the key of the request and response shapes in
        ``procore_dc._catalog.load_schemas()`` (``"METHOD path"``), ``None`` without one
    :ivar paging: ``"link"`` for a list Procore pages (``page``/``per_page``, ``Link``
        header), else ``None``
    :ivar scope: ``"project"`` when the call names one project, ``"company"`` when it names a
        company, else ``None``

    .. code-block:: python

        >>> from procore_dc.operations import load_operations
        >>> op = load_operations().get("GET /rest/v1.0/projects/{project_id}/rfis")
        >>> op.id, op.version, op.paging, op.scope, op.requirement.tool
        ('RestV10ProjectsProjectIdRfisGet', 'v1.0', 'link', 'project', 'rfi')
    """

    id: str
    method: str
    path: str
    version: Optional[str]
    summary: str
    tag: str
    group: str
    requirement: Optional[Requirement]
    parameters: tuple[Parameter, ...] = ()
    body_fields: tuple[BodyField, ...] = ()
    shape: Optional[str] = None
    paging: Optional[str] = None
    scope: Optional[str] = None

    @property
    def key(self) -> str:
        """``"METHOD path"``, the key the catalogue, the spec and the permissions table share."""
        return f"{self.method} {self.path}"

    @property
    def path_parameters(self) -> tuple[str, ...]:
        """The names in the path template, in order (``("project_id", "id")``)."""
        return tuple(_PATH_PARAM.findall(self.path))

    def parameter(self, name: str) -> Optional[Parameter]:
        """The parameter called ``name`` (its wire name), or ``None``."""
        for param in self.parameters:
            if param.name == name:
                return param
        return None

    def __repr__(self) -> str:
        return f"Operation({self.key!r})"


def _paging(row: Mapping[str, Any], answer: Optional[int]) -> Optional[str]:
    if row["method"] != "GET":
        return None
    names = {p["name"] for p in row.get("params") or ()}
    if not names & {"page", "per_page"}:
        return None
    # Only a documented JSON array is Link-paged items: some pages-taking GETs answer one
    # object holding the list, and v2.0 lists (mostly absent from the spec) answer
    # ``{"data": [...]}``; those come back whole, page by page as asked.
    return "link" if answer == 2 else None


def _scope(row: Mapping[str, Any]) -> Optional[str]:
    if names_project(row):
        return "project"
    path = str(row["path"])
    required = {p["name"] for p in row.get("params") or () if p.get("required")}
    if "company_id" in required or "/companies/{" in path:
        return "company"
    return "project" if "project_id" in required else None


def build_operation(row: Mapping[str, Any], answer: Optional[int] = None) -> Operation:
    """Build an :class:`Operation` from a catalogue row.

    :param answer: what the spec says of the answer (see
        :func:`procore_dc.operations._index.build_index`): ``None`` when the spec has no
        entry, 0 no answer documented, 1 an object, 2 a JSON array

    .. code-block:: python

        >>> from procore_dc._catalog import load_catalog
        >>> row = load_catalog()["operations"][0]
        >>> build_operation(row, None).method in {"GET", "POST", "PATCH", "PUT", "DELETE"}
        True
    """
    path = str(row["path"])
    version = _VERSION.match(path)
    params = tuple(
        Parameter(
            name=str(p["name"]),
            location=str(p["in"]),
            type=str(p.get("type") or "any"),
            required=bool(p.get("required")) or p["in"] == "path",
            enum=tuple(p["enum"]) if p.get("enum") else None,
        )
        for p in row.get("params") or ()
    )
    body = row.get("body") or {}
    required = set(body.get("required_fields") or ())
    fields = tuple(BodyField(str(name), name in required) for name in body.get("fields") or ())
    tag = str(row.get("tag") or "")
    return Operation(
        id=str(row["operation_id"]),
        method=str(row["method"]).upper(),
        path=path,
        version=version.group(1) if version else None,
        summary=str(row.get("summary") or ""),
        tag=tag,
        group=tool_group(tag),
        requirement=requirement_of(row),
        parameters=params,
        body_fields=fields,
        shape=f"{row['method']} {path}" if answer is not None else None,
        paging=_paging(row, answer),
        scope=_scope(row),
    )
