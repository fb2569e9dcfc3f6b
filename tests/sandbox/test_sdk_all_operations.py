"""The SDK reaches every one of Procore's operations: ``client.call(...)`` against one sandbox.

For each catalogue operation the SDK sends a call with the required parameters and a valid
body (built by the sandbox suite's spec-driven builders), over real HTTP through the
session, and gets a 2xx; where the spec gives the answer a shape, the answer comes back as
that operation's model, structured without error. For every write, leaving out one required
input the scope does not fill raises ``ValidationError`` and sends nothing.

The default sandbox app is used as is: it must hold every tool an operation needs.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator, Mapping
from typing import Any, Optional

import pytest

from procore_dc import ProcoreClient, ServiceAccountAuth, ValidationError
from procore_dc.models import Model
from procore_dc.operations import Record, load_operations
from procore_dc.operations._models import response_model
from procore_dc.pagination import PageIterator
from tests.sandbox.test_generic_operations import (
    API_OPS,
    COMPANY,
    HAND_BODIES,
    SHAPES,
    UPLOAD_COMPLETION,
    Harness,
    _fields,
    _merge,
    _op_id,
    build_call,
)

pytestmark = pytest.mark.catalogue_sweep

#: Ids the scope fills in: leaving one out of a call is not an error.
SCOPE_IDS = ("company_id", "project_id")

#: Operations the sandbox cannot yet answer as the SDK calls them, with the reason (none today:
#: a required list parameter sent the Rails way, ``ids[]=1&ids[]=2``, used to be one).
SANDBOX_GAPS: dict[str, str] = {}


def _cases() -> list[Any]:
    cases = []
    for op in API_OPS:
        gap = SANDBOX_GAPS.get(_op_id(op))
        marks = [pytest.mark.xfail(reason=gap, strict=True)] if gap else []
        cases.append(pytest.param(op, id=_op_id(op), marks=marks))
    return cases


@pytest.fixture(scope="module")
def world() -> Iterator[tuple[Harness, ProcoreClient]]:
    harness = Harness()
    with harness.sandbox:
        # The harness's app: some records (uploads) belong to the app that made them.
        app = harness.app
        auth = ServiceAccountAuth(
            app.client_id, app.client_secret, environment=harness.sandbox.environment
        )
        with ProcoreClient(auth, company_id=COMPANY) as client:
            yield harness, client


def _arguments(op: Mapping[str, Any], path: str) -> dict[str, str]:
    """The path parameters ``build_call`` chose, read back from the path it filled."""
    pattern = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(op["path"]))
    found = re.fullmatch(pattern, path)
    assert found is not None
    return found.groupdict()


def _omit_one(op: Mapping[str, Any], query: dict[str, Any], body: Any) -> Optional[tuple]:
    """A copy of the call without one required input the scope does not fill, and its path."""
    for name in sorted(query):
        if name not in SCOPE_IDS:
            return f"query.{name}", {k: v for k, v in query.items() if k != name}, body
    node = (SHAPES["operations"].get(_op_id(op)) or {}).get("request_body")
    if node is None:
        needed = [
            n for n in (op.get("body") or {}).get("required_fields") or () if n not in SCOPE_IDS
        ]
        if needed and isinstance(body, dict):
            return f"body.{needed[0]}", query, {k: v for k, v in body.items() if k != needed[0]}
        return None
    fields = node.get("fields") or _fields(node.get("ref"))
    # A PATCH may leave out what lies under the body's own keys (a partial update).
    return _omit_in(fields, body, "body", query, deep=op["method"] != "PATCH")


def _omit_in(
    fields: Mapping[str, Any], body: Any, where: str, query: dict[str, Any], *, deep: bool = True
) -> Any:
    if not isinstance(body, dict):
        return None
    for name, field in fields.items():
        if not field.get("required") or name in SCOPE_IDS or name not in body:
            continue
        inner = _fields(field.get("ref")) if field.get("type") == "object" and deep else {}
        deeper = _omit_in(inner, body[name], f"{where}.{name}", query) if inner else None
        if deeper is not None:
            path, _, less = deeper
            return path, query, {**body, name: less}
        return f"{where}.{name}", query, {k: v for k, v in body.items() if k != name}
    return None


@pytest.mark.parametrize("op", _cases())
def test_the_sdk_calls_every_operation(
    world: tuple[Harness, ProcoreClient], op: Mapping[str, Any]
) -> None:
    harness, client = world
    key = _op_id(op)
    if UPLOAD_COMPLETION.match(key):
        pytest.skip("completing an upload needs its segments stored first (test_uploads.py)")
    path, query, body = build_call(harness, op)
    method = op["method"]
    if harness.hand_written(method, path) and method in ("POST", "PATCH", "PUT"):
        extra = HAND_BODIES.get(op["path"].rstrip("/").split("/")[-1])
        if extra is not None:
            body = _merge(body if isinstance(body, dict) else {}, extra)
    params = {**_arguments(op, path), **query}
    sandbox = harness.sandbox
    before = len(sandbox.requests)

    answer = client.call(key, body=body, **params)
    if isinstance(answer, PageIterator):
        items = list(itertools.islice(answer, 3))
    else:
        items = answer if isinstance(answer, list) else [answer]
    sent = [r for r in sandbox.requests[before:] if r.role == "api"]
    assert sent, "no request was sent"
    assert all(200 <= (r.status or 0) < 300 for r in sent), [(r.path, r.status) for r in sent]
    assert sent[0].method == method
    assert sent[0].path == path

    operation = load_operations().get(key)
    model, _ = response_model(SHAPES["operations"].get(key))
    expected = model or Record
    for item in items:
        if isinstance(item, (dict, Model)):
            assert isinstance(item, expected), (type(item), expected)
    assert operation.requirement is None or sent[0].tool is not None

    if method == "GET":
        return
    arguments = _arguments(op, path)
    omitted = _omit_one(op, query, body)
    if omitted is None:
        # Nothing to leave out but the record's own id in the path.
        own = [name for name in arguments if name not in SCOPE_IDS]
        if not own:
            return
        arguments.pop(own[-1])
        omitted = f"path.{own[-1]}", query, body
    where, less_query, less_body = omitted
    before = len(sandbox.requests)
    with pytest.raises(ValidationError) as refused:
        client.call(key, body=less_body, **{**arguments, **less_query})
    assert where in refused.value.problems
    assert len(sandbox.requests) == before


def test_the_default_app_may_call_every_operation() -> None:
    """A default sandbox app holds every tool an operation needs, at the level it needs, so
    a DMSA on a default FakeProcore is answered for any call (the engine-only tools too)."""
    from procore_dc.operation_permissions import operation_requirements
    from procore_dc.permissions import PermissionLevel
    from procore_dc.testing import FakeProcore

    granted = FakeProcore(seed=0).default_app.permissions
    lacking = []
    for key, need in operation_requirements().items():
        if need is None:
            continue
        held = granted[need.scope.value].get(need.tool)
        if held is None or not PermissionLevel(held).covers(need.level):
            lacking.append((key, need))
    assert lacking == []
