"""Where the generic engine meets the sandbox: route, check in Procore's order, answer.

Procore's order of checks: required path and query parameters (400), the company header and
the company and project the holder may see (400/403/404, by the shared ``Ctx``), the tool level
the catalogue's permission table names (403), the request body against its schema (422 with
Procore's ``errors`` object naming each field path), then the record (404).
"""

from __future__ import annotations

import functools
import zlib
from collections.abc import Mapping
from typing import Any, Callable, Optional

from werkzeug.wrappers import Request, Response

from procore_dc.permissions import Scope
from procore_dc.testing._engine._handlers import Call, RefusedError, handle
from procore_dc.testing._engine._routes import Operation, route_table
from procore_dc.testing._engine._shapes import Shapes
from procore_dc.testing._rest import (
    Ctx,
    HTTPError,
    apply_sort,
    json_response,
    paginate,
    parse_filters,
    unprocessable,
    value_matches,
)
from procore_dc.testing._world import World

__all__ = ["GenericEngine"]

_PERSON_HINTS = ("user_id", "_by_id", "assignee_id", "manager_id", "creator_id", "login_id")
_PERSON_PARENTS = ("created_by", "updated_by", "assignee", "user", "creator", "manager", "owner")
_VENDOR_HINTS = ("vendor_id", "contractor_id", "company_vendor_id")


class GenericEngine:
    """Serves every catalogue operation that no hand-written route serves.

    :param world: the sandbox's world (the generic collections are ``world.records``)
    """

    def __init__(self, world: World) -> None:
        self.world = world

    def route(self, request: Request) -> Optional[tuple[Callable[..., Response], dict[str, Any]]]:
        """The endpoint serving ``request``, as the sandbox's routing expects, or ``None``."""
        found = route_table().match(request.method, request.path)
        if found is None:
            return None
        op, args = found
        return functools.partial(self.serve, op=op, path_args=args), {}

    def route_for(self, method: str, path: str) -> Optional[Operation]:
        """The catalogue operation the engine would serve ``method path`` with, or ``None``."""
        found = route_table().match(method, path)
        return None if found is None else found[0]

    def seed_ids(self, operation: str, **params: Any) -> list[Any]:
        """The ids of the records an operation's collection holds in one partition now.

        :param operation: ``"METHOD path"`` as the catalogue spells it
        :param params: the path (and ``project_id`` query) arguments naming the partition
        :raises KeyError: for an operation the catalogue does not list

        .. code-block:: python

            ids = sandbox.generic.seed_ids(
                "GET /rest/v1.0/budget_line_items/{id}", project_id=100001)
        """
        op = route_table().get(operation)
        if op is None:
            raise KeyError(f"Procore's catalogue has no operation {operation!r}")
        text = {k: str(v) for k, v in params.items()}
        company = text.get("company_id") or str(self.world.data.companies[0]["id"])
        key = _partition_key(op, text, _project_of(op, text, text), company)
        return self.world.records.partition(op.collection_name, key).ids()

    # -- serving ---------------------------------------------------------------------------
    def serve(self, ctx: Ctx, *, op: Operation, path_args: Mapping[str, str]) -> Response:
        request = ctx.request
        for name in op.integer_params:
            if name in path_args and not path_args[name].isdigit():
                raise HTTPError(404, {"errors": "Not Found", "message": "Not Found"})
        body = _body(ctx)
        for name in op.required_query:
            # Rails reads a list from ``name[]=a&name[]=b``: that is the parameter too.
            given = name in request.args or f"{name}[]" in request.args
            if not given and not (isinstance(body, dict) and name in body):
                raise HTTPError.message(400, f"Missing required parameter: {name}")
        project_id = _project_of(op, path_args, request.args, body)
        company_id = _company_of(op, path_args, request.args)
        self._check_access(ctx, op, project_id, company_id)
        _validate(op, body)
        company = str(ctx.header_company)
        call = Call(
            op=op,
            args=path_args,
            body=body,
            partition=_partition_key(op, path_args, project_id, company),
            company=ctx.header_company or 0,
            shapes=Shapes(_models(), self._hints(ctx.header_company or 0, project_id)),
        )
        try:
            status, answer = handle(self.world, call)
        except RefusedError as exc:
            return json_response(exc.body, exc.status)
        if op.kind == "list" and isinstance(answer, list):
            return _page(ctx, answer, status)
        if status == 204 or answer is None:
            return Response(status=status)
        if op.response is not None and op.response.get("format") == "binary":
            return Response(_PDF, status=status, mimetype="application/pdf")
        return json_response(answer, status)

    @staticmethod
    def _check_access(
        ctx: Ctx, op: Operation, project_id: Optional[str], company_id: Optional[str]
    ) -> None:
        need = op.requirement
        if need is None:
            return
        if need.scope is Scope.PROJECT:
            if project_id is None:
                raise HTTPError.message(400, "Missing required parameter: project_id")
            if not project_id.isdigit():
                raise HTTPError(404, {"errors": "Not Found", "message": "Not Found"})
            ctx.in_project(int(project_id), need.tool, need.level.value)
            return
        if company_id is not None and not company_id.isdigit():
            raise HTTPError(404, {"errors": "Not Found", "message": "Not Found"})
        ctx.in_company(int(company_id) if company_id else None, need.tool, need.level.value)

    def _hints(self, company_id: int, project_id: Optional[str]) -> Callable[[str, str, str], Any]:
        data = self.world.data
        known = any(company["id"] == company_id for company in data.companies)
        vendors = data.vendors.of(company_id) if known else None
        users = data.users.of(company_id) if known else None

        def hint(name: str, kind: str, key: str) -> Any:
            if kind != "integer":
                return None
            if name == "id":
                # An embedded object's id: ``...created_by.id`` names a person.
                parts = key.rsplit(".", 2)
                if len(parts) < 3:
                    return None
                name = parts[-2].split("[", 1)[0] + "_id"
            if name == "company_id":
                return company_id
            if name == "project_id" and project_id is not None and project_id.isdigit():
                return int(project_id)
            number = zlib.crc32(key.encode())
            if name.endswith(_VENDOR_HINTS):
                return vendors.id_for(number % len(vendors)) if vendors else None
            if name.endswith(_PERSON_HINTS) or name[:-3] in _PERSON_PARENTS:
                return users.id_for(number % len(users)) if users else None
            return None

        return hint


@functools.lru_cache(maxsize=1)
def _models() -> Mapping[str, Any]:
    from procore_dc._catalog import load_schemas

    models: Mapping[str, Any] = load_schemas()["models"]
    return models


def _body(ctx: Ctx) -> Any:
    request = ctx.request
    if request.mimetype in ("multipart/form-data", "application/x-www-form-urlencoded"):
        return _nested_form(request)
    return ctx.body()


def _nested_form(request: Request) -> dict[str, Any]:
    """``rfi[subject]=x&rfi[assignee_ids][]=1`` -> ``{"rfi": {"subject": "x", ...}}``."""
    out: dict[str, Any] = {}
    pairs = list(request.form.items(multi=True)) + [
        (k, v.filename or "upload") for k, v in request.files.items(multi=True)
    ]
    for name, value in pairs:
        parts = name.replace("]", "").split("[")
        target = out
        for part in parts[:-1]:
            nxt = target.get(part)
            if not isinstance(nxt, dict):
                nxt = target[part] = {}
            target = nxt
        last = parts[-1]
        if last == "" and len(parts) > 1:
            # ``name[]``: an array value of the enclosing key.
            parent = out
            for part in parts[:-2]:
                parent = parent[part]
            existing = parent.get(parts[-2])
            parent[parts[-2]] = (existing if isinstance(existing, list) else []) + [value]
        else:
            target[last] = value
    return out


def _project_of(
    op: Operation, args: Mapping[str, str], query: Any, body: Any = None
) -> Optional[str]:
    name = op.scope_params.get("project_id")
    if name is not None and name in args:
        return args[name]
    value = query.get("project_id") if query is not None else None
    if value is None and isinstance(body, dict):
        value = body.get("project_id")
        if value is None:
            inner = next((v for v in body.values() if isinstance(v, dict)), {})
            value = inner.get("project_id")
    return None if value is None else str(value)


def _company_of(op: Operation, args: Mapping[str, str], query: Any) -> Optional[str]:
    name = op.scope_params.get("company_id")
    if name is not None and name in args:
        return args[name]
    value = query.get("company_id")
    return None if value is None else str(value)


def _partition_key(
    op: Operation, args: Mapping[str, str], project_id: Optional[str], company: str
) -> str:
    scope = f"p{project_id}" if project_id is not None else f"c{company}"
    parents = "/".join(args.get(name, "") for name in op.parent_params)
    return f"{scope}/{parents}" if parents else scope


def _validate(op: Operation, body: Any) -> None:
    """422 naming every missing or wrong field, from the spec (or the catalogue's names)."""
    if op.method in ("GET", "DELETE"):
        # The spec gives a few reads and deletes a body schema; clients send none, and Procore
        # does not ask for one.
        return
    node = op.request
    problems: list[tuple[str, str]] = []
    if node is not None:
        # Procore's spec gives many update bodies the create body's required fields; a PATCH
        # that leaves them out is a partial update, which Procore applies.
        problems = Shapes(_models()).validate(
            body, {**node, "required": True}, partial=op.method == "PATCH"
        )
    elif op.body_required and isinstance(body, dict):
        problems = [(name, "can't be blank") for name in op.body_required if body.get(name) is None]
    if problems:
        errors: dict[str, list[str]] = {}
        for path, message in problems:
            errors.setdefault(path or "base", []).append(message)
        raise unprocessable(errors)


def _page(ctx: Ctx, items: list[Any], status: int) -> Response:
    request = ctx.request
    filters = parse_filters(request)
    if filters:
        items = [item for item in items if _matches_all(item, filters)]
    sort = request.args.get("sort")
    attribute = request.args.get("sort[attribute]")
    if attribute:
        direction = request.args.get("sort[direction]", "asc")
        sort = ("-" if direction.lower() == "desc" else "") + attribute
    if sort and all(isinstance(item, dict) for item in items):
        items = apply_sort(items, sort)
    response = paginate(ctx, items)
    response.status_code = status
    return response


def _matches_all(item: Any, filters: Mapping[str, list[str]]) -> bool:
    if not isinstance(item, dict):
        return True
    for name, wanted in filters.items():
        if name not in item:
            continue  # a filter on a field the record does not carry is ignored, as Procore does
        value = item[name]
        if isinstance(value, dict):
            value = value.get("id")
        if isinstance(value, list):
            if not any(str(v.get("id") if isinstance(v, dict) else v) in wanted for v in value):
                return False
        elif not value_matches(value, wanted):
            return False
    return True


_PDF = b"%PDF-1.4\n% FakeProcore generated document\n%%EOF\n"
