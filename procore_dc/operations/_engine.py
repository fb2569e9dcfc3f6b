"""The one engine behind ``scope.call(...)``: any operation, checked, sent and typed.

It builds the path from the scope's ids and the call's, checks the call against the spec
(:mod:`procore_dc.operations._check`), sends it through the session (auth, retries, rate
limits, ``Procore-Company-Id``), and structures the answer into the operation's model
(:mod:`procore_dc.operations._models`). A Link-paged list comes back as a lazy
:class:`~procore_dc.pagination.PageIterator`.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Callable, Optional, Union
from urllib.parse import quote

from procore_dc._encode import _filter_value, encode_filters, wire_value
from procore_dc._http import response_json
from procore_dc._ids import path_id
from procore_dc._redact import get_logger
from procore_dc.exceptions import ConfigurationError, RequestValidationError
from procore_dc.models import structure, structure_many
from procore_dc.operations._check import body_problems, parameter_problems
from procore_dc.operations._models import Record, response_model
from procore_dc.operations._spec import Operation
from procore_dc.operations._table import load_operations

if TYPE_CHECKING:
    from procore_dc.pagination import PageIterator
    from procore_dc.session import Session

__all__ = ["call_operation", "resolve"]

log = get_logger(__name__)

#: Default page size of a Link-paged list.
PER_PAGE = 100


def resolve(op: Union[str, Operation], version: Optional[str] = None) -> Operation:
    """The operation a call names: an :class:`Operation`, a catalogue id or ``"METHOD /path"``.

    :raises ConfigurationError: for an operation or version the catalogue lacks
    """
    return load_operations().get(op, version=version)


def _shape(op: Operation) -> Optional[Mapping[str, Any]]:
    if op.shape is None:
        return None
    from procore_dc._catalog import load_schemas

    found: Mapping[str, Any] = load_schemas()["operations"][op.shape]
    return found


def _given(
    op: Operation, ids: Mapping[str, Any], params: Mapping[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Wire name -> value of the call's parameters (the scope's ids filled in where the
    operation takes them), and the engine's own options taken out of ``params``."""
    names = {p.name for p in op.parameters}
    given: dict[str, Any] = {}
    options: dict[str, Any] = {}
    for name, value in params.items():
        if name == "filters" and isinstance(value, Mapping) and "filters" not in names:
            for key, encoded in encode_filters(value).items():
                # Lists arrive as ``filters[id][]``: the catalogue names them ``filters[id]``.
                given[key[:-2] if key.endswith("[]") else key] = encoded
        elif name in ("limit", "prefetch") and name not in names:
            options[name] = value
        else:
            given[name] = value
    path = op.path
    for name, value in ids.items():
        if value is not None and name in names and name not in given:
            given[name] = value
    # ``/projects/{id}`` and ``/companies/{id}`` name the scope itself.
    for marker, name in (("/projects/{id}", "project_id"), ("/companies/{id}", "company_id")):
        if marker in path and "id" not in given and ids.get(name) is not None:
            given["id"] = ids[name]
    return given, options


def _query_value(value: Any) -> Any:
    # Procore's query conventions are the filters' (true/false, ISO 8601 dates and times).
    if isinstance(value, (list, tuple, set, frozenset)):
        items = sorted(value, key=str) if isinstance(value, (set, frozenset)) else value
        return [_query_value(v) for v in items]
    if isinstance(value, (bool, _dt.date)):
        return _filter_value(value)
    return wire_value(value)


def _body_value(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Mapping):
        return {str(k): _body_value(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_body_value(v) for v in value]
    return wire_value(value)


def _fill_body(op: Operation, body: Any, ids: Mapping[str, Any]) -> Any:
    """A body whose top level needs the scope's ``project_id`` (or ``company_id``) gets it."""
    if not isinstance(body, Mapping):
        return body
    wanted = {f.name for f in op.body_fields if f.required}
    missing = {k: v for k, v in ids.items() if k in wanted and k not in body and v is not None}
    return {**body, **missing} if missing else body


def call_operation(
    session: Session,
    op: Union[str, Operation],
    ids: Mapping[str, Any],
    params: Mapping[str, Any],
    *,
    body: Any = None,
    version: Optional[str] = None,
    strict: bool = True,
) -> Any:
    """Check, send and type one call (what every ``call()`` runs).

    :param ids: the scope's ``company_id`` and ``project_id`` (``None`` when not set)
    :param params: path, query and header parameters by wire name; ``filters`` may be a
        mapping (``{"status": "open"}``); ``limit`` and ``prefetch`` (when the operation has
        no such parameter) go to the page iterator, as ``per_page`` does
    :raises RequestValidationError: when the call does not fit the spec and ``strict``
    """
    found = resolve(op, version)
    given, options = _given(found, ids, params)
    body = _fill_body(found, body, ids)
    shape = _shape(found)
    problems = parameter_problems(found, given)
    if found.paging != "link":
        for name in options:
            problems[name] = f"only a Link-paged list takes {name}=; {found.key} is not one"
    if found.method in ("POST", "PUT", "PATCH") or body is not None:
        problems.update(body_problems(found, body, shape))
    if problems:
        error = RequestValidationError(found.key, problems)
        if strict:
            raise error
        log.warning("sending anyway (strict=False): %s", error.message)
    path = _path(found, given)
    query: dict[str, Any] = {}
    headers: dict[str, str] = {}
    for name, value in given.items():
        param = found.parameter(name)
        if param is not None and param.location == "path":
            continue
        if value is None:
            continue
        if param is not None and param.location == "header":
            headers[name] = str(value)
            continue
        if isinstance(value, Mapping):
            for key, item in value.items():
                query[f"{name}[{key}]"] = _query_value(item)
            continue
        encoded = _query_value(value)
        if param is not None and param.type == "array" and not isinstance(encoded, list):
            encoded = [encoded]
        # Rails reads a list from ``name[]=a&name[]=b``.
        query[f"{name}[]" if isinstance(encoded, list) and not name.endswith("[]") else name] = (
            encoded
        )
    company = ids.get("company_id")
    model, is_list = response_model(shape)
    if found.paging == "link":
        per_page = query.pop("per_page", PER_PAGE)
        return _pages(session, path, query, int(per_page), model, options, company)
    response = session.request(
        found.method,
        path,
        params=query or None,
        json=_body_value(body) if body is not None else None,
        headers=headers or None,
        company_id=company,
    )
    return _result(response, model, is_list)


def _path(op: Operation, given: Mapping[str, Any]) -> str:
    values = {}
    for name in op.path_parameters:
        value = given.get(name)
        param = op.parameter(name)
        if value is None:
            raise ConfigurationError(f"{op.key} needs {name}")
        if param is not None and param.type == "integer":
            values[name] = path_id(value, name)
        else:
            values[name] = quote(str(value), safe="")
    return op.path.format(**values)


def _builder(model: Optional[type], url: str) -> Callable[[Any], Any]:
    cls: type = model or Record

    def build(item: Any) -> Any:
        if model is None and not isinstance(item, Mapping):
            return item
        return structure(item, cls, url=url)

    return build


def _pages(
    session: Session,
    path: str,
    query: dict[str, Any],
    per_page: int,
    model: Optional[type],
    options: Mapping[str, Any],
    company_id: Optional[int],
) -> PageIterator[Any]:
    # The one place the engine builds a page iterator.
    from procore_dc.pagination import PageIterator

    iterator: PageIterator[Any] = PageIterator(
        session,
        path,
        params=query,
        per_page=per_page,
        structure=_builder(model, path),
        limit=options.get("limit"),
        prefetch=options.get("prefetch", 1),
        company_id=company_id,
    )
    iterator.model = model
    return iterator


def _result(response: Any, model: Optional[type], is_list: bool) -> Any:
    content_type = response.headers.get("Content-Type") or ""
    if response.content and "json" not in content_type:
        return response.content  # a file download: the bytes
    data = response_json(response)
    if data is None:
        return None
    url = response.url
    if isinstance(data, list):
        if model is not None:
            return structure_many(data, model, url=url)
        build = _builder(None, url)
        return [build(item) for item in data]
    if model is not None and not is_list:
        return structure(data, model, url=url)
    return _builder(None, url)(data)
