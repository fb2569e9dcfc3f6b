"""A round trip through one collection of every tool group: create, list, show, update, delete.

Each group's collection is the one whose operations cover the most of the five verbs; the
round trip proves records written through one catalogue operation are read back through the
others (and gone after the delete), on one in-process sandbox.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Optional

import pytest

from procore_dc.operation_permissions import tool_group
from procore_dc.testing._engine import Operation, route_table
from tests.sandbox.test_generic_operations import (
    CATALOGUE,
    COMPANY,
    PROJECT,
    Harness,
    _body,
    _fields,
    _filled,
    _query,
)

VERBS = ("create", "list", "show", "update", "delete")
BY_KEY = {f"{op['method']} {op['path']}": op for op in CATALOGUE}


def _collections() -> dict[str, dict[str, Operation]]:
    """Per tool group, the verbs of its best-covered collection (a create is needed)."""
    table = route_table()
    found: dict[tuple[str, str, bool, int], dict[str, Operation]] = {}
    for op in table.operations():
        if not op.path.startswith("/rest/") or op.kind not in VERBS:
            continue
        probe = _filled(op.path, dict.fromkeys(("company_id", "project_id", "id"), 1))
        if _hand_written(op.method, probe):
            continue
        project = op.requirement is not None and op.requirement.scope.value == "project"
        # Records created through a flat path and listed through a nested one (or back) live
        # in different partitions: group only operations that name the same parents.
        shape = (tool_group(op.tag), op.collection_name, project, len(op.parent_params))
        verbs = found.setdefault(shape, {})
        verbs.setdefault(op.kind, op)
    best: dict[str, dict[str, Operation]] = {}
    for (group, *_), verbs in sorted(found.items()):
        if "create" not in verbs:
            continue
        if group not in best or len(verbs) > len(best[group]):
            best[group] = verbs
    return best


def _hand_written(method: str, path: str) -> bool:
    from procore_dc.testing._dispatch import _maps

    adapter = _maps()[0].bind("127.0.0.1")
    try:
        adapter.match(path, method=method)
    except Exception:
        return False
    return True


GROUPS = _collections()


@pytest.fixture(scope="module")
def harness() -> Iterator[Harness]:
    found = Harness()
    with found.sandbox:
        yield found


def _call_parts(op: Operation, record_id: Any = None) -> tuple[str, dict[str, Any]]:
    catalogue = BY_KEY[op.key]
    args: dict[str, Any] = {}
    for param in catalogue["params"]:
        if param["in"] == "path":
            args[param["name"]] = {"company_id": COMPANY, "project_id": PROJECT}.get(
                param["name"], 7
            )
    if "/projects/{id}" in op.path:
        args["id"] = PROJECT
    if op.id_param is not None:
        args[op.id_param] = record_id
    query = _query(catalogue)
    if op.requirement is not None and op.requirement.scope.value == "project":
        query.setdefault("project_id", PROJECT)
    return _filled(op.path, args), query


def _changeable(op: Operation, show: Optional[Operation]) -> Optional[str]:
    """A plain string field the update accepts and the show answers (to see the change)."""
    if op.request is None or show is None or show.response is None:
        return None
    request = op.request.get("fields") or _fields(op.request.get("ref"))
    wrapper = None
    if len(request) == 1:
        ((wrapper, node),) = request.items()
        request = _fields(node.get("ref"))
    answered = _fields(show.response.get("ref"))
    for name, node in request.items():
        target = answered.get(name)
        if (
            node.get("type") == "string"
            and not node.get("enum")
            and target is not None
            and target.get("type") == "string"
            and not target.get("enum")
            and not target.get("format")
        ):
            return f"{wrapper}.{name}" if wrapper else name
    return None


def _set(body: Any, dotted: str, value: Any) -> dict[str, Any]:
    body = dict(body) if isinstance(body, dict) else {}
    if "." in dotted:
        outer, inner = dotted.split(".", 1)
        body[outer] = {**(body.get(outer) or {}), inner: value}
    else:
        body[dotted] = value
    return body


def test_every_tool_group_has_a_round_trip() -> None:
    # The catalogue has 58 tool groups; OAuth's has no collection and the hand-written
    # tools' round trips live in their own tests.
    assert len(GROUPS) >= 50


@pytest.mark.parametrize("group", sorted(GROUPS))
def test_round_trip(harness: Harness, group: str) -> None:
    verbs = GROUPS[group]
    create = verbs["create"]
    path, query = _call_parts(create)
    made = harness.call("POST", path, query, _body(BY_KEY[create.key]))
    assert 200 <= made.status_code < 300, made.get_data(as_text=True)[:300]
    record = made.get_json()
    record = record[0] if isinstance(record, list) else record
    if not isinstance(record, dict) or "id" not in record:
        pytest.skip(f"{create.key} answers no record id")
    rid = record["id"]

    if "list" in verbs:
        path, query = _call_parts(verbs["list"])
        listed = harness.call("GET", path, {**query, "per_page": 1000}, None)
        assert listed.status_code == 200
        ids = [item.get("id") for item in listed.get_json() if isinstance(item, dict)]
        if any(ids):  # some list models (meetings grouped by category) carry no ids
            assert rid in ids
    if "show" in verbs:
        path, query = _call_parts(verbs["show"], rid)
        shown = harness.call("GET", path, query, None)
        assert shown.status_code == 200, shown.get_data(as_text=True)[:300]
        assert shown.get_json()["id"] == rid
    if "update" in verbs:
        update = verbs["update"]
        path, query = _call_parts(update, rid)
        body = _body(BY_KEY[update.key])
        field = _changeable(update, verbs.get("show"))
        if field is not None:
            body = _set(body, field, f"Round trip of {group}")
        changed = harness.call(update.method, path, query, body)
        assert 200 <= changed.status_code < 300, changed.get_data(as_text=True)[:300]
        if field is not None:
            path, query = _call_parts(verbs["show"], rid)
            shown = harness.call("GET", path, query, None).get_json()
            assert shown[field.split(".")[-1]] == f"Round trip of {group}"
    if "delete" in verbs:
        path, query = _call_parts(verbs["delete"], rid)
        gone = harness.call("DELETE", path, query, None)
        assert 200 <= gone.status_code < 300
        if "show" in verbs:
            path, query = _call_parts(verbs["show"], rid)
            assert harness.call("GET", path, query, None).status_code == 404
