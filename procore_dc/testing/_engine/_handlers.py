"""What each kind of operation does: list, show, create, update, delete, sync, actions.

Handlers see only the :class:`~procore_dc.testing._world.World` and the checked
:class:`Call`; they return ``(status, body)``, where a ``list`` body is paginated by the caller.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Callable, Optional

import attrs

from procore_dc.testing._engine._routes import Operation
from procore_dc.testing._engine._shapes import Shapes
from procore_dc.testing._engine._store import Partition
from procore_dc.testing._world import World

__all__ = ["Call", "RefusedError", "handle", "SYNC_LIMIT"]

Record = dict[str, Any]
SYNC_LIMIT = 1000  # Procore's sync endpoints take at most 1,000 items (procore-api.md 2.3)


class RefusedError(Exception):
    """A handler's refusal: the status and the JSON body to answer with."""

    def __init__(self, status: int, body: Any) -> None:
        super().__init__(status)
        self.status = status
        self.body = body


@attrs.define
class Call:
    """One checked request to a generic operation.

    :ivar args: the path arguments
    :ivar body: the request body as a mapping (JSON or form), ``{}`` when empty
    :ivar partition: the company or project it names, plus its parent path values
    :ivar shapes: the spec's models, with hints for this company and project
    """

    op: Operation
    args: Mapping[str, str]
    body: Any
    partition: str
    shapes: Shapes
    company: int = 0


def not_found() -> RefusedError:
    return RefusedError(404, {"errors": "Not Found", "message": "Not Found"})


def _key(world: World, op: Operation, rid: Any) -> str:
    return f"{world.seed}:{op.collection_name}:{rid}"


def _ref(node: Optional[Mapping[str, Any]]) -> str:
    if node is None:
        return ""
    return str(node.get("ref") or node.get("items_ref") or node.get("type"))


def _answer(world: World, call: Call, part: Partition, record: Record) -> Any:
    """The record as the operation's response schema states it (cached until it changes)."""
    op = call.op
    node = op.response
    if node is None:
        return dict(record)
    cache = part.shaped.setdefault(str(record["id"]), {})
    model = _ref(node) + ("[]" if node.get("type") == "array" else "")
    found = cache.get(model)
    if found is None:
        key = _key(world, op, record["id"])
        if node.get("type") == "array":
            found = [call.shapes.answer(record, call.shapes.item(node), key)]
        else:
            found = call.shapes.answer(record, node, key)
        cache[model] = found
    return found


def _list_item(world: World, call: Call, part: Partition, record: Record) -> Any:
    node = call.op.response
    if node is None:
        return dict(record)
    cache = part.shaped.setdefault(str(record["id"]), {})
    model = "item:" + _ref(node)
    found = cache.get(model)
    if found is None:
        item = call.shapes.item(node) if node.get("type") == "array" else node
        found = call.shapes.answer(record, item, _key(world, call.op, record["id"]))
        cache[model] = found
    return found


def attributes(call: Call) -> Record:
    """The record fields of a write: the body, unwrapped from its resource key
    (``{"rfi": {...}}`` -> ``{...}``), keeping other top-level fields beside them."""
    body = call.body if isinstance(call.body, dict) else {}
    wrapped = [k for k, v in body.items() if isinstance(v, dict)]
    found: Record = {}
    if len(wrapped) == 1 and (len(body) == 1 or _wrapper(call.op, wrapped[0])):
        found.update(body[wrapped[0]])
        found.update({k: v for k, v in body.items() if k != wrapped[0]})
        return found
    return dict(body)


def _wrapper(op: Operation, name: str) -> bool:
    singular = op.collection[-1].rstrip("s") if op.collection else ""
    return name == singular or name.rstrip("s") == singular or name in op.body_required


def _partition(world: World, call: Call) -> Partition:
    return world.records.partition(call.op.collection_name, call.partition)


def _record(world: World, call: Call) -> tuple[Partition, Record]:
    part = _partition(world, call)
    rid = str(call.args.get(call.op.id_param or ""))
    record = part.get(rid)
    if record is None:
        # Flat paths (``/budget_line_items/{id}``) find a record by id alone, in any
        # partition of the collection that belongs to the request's company.
        other = world.records.holder(call.op.collection_name, rid)
        if other is not None and world.in_company(other.key, call.company):
            found = other.get(rid)
            assert found is not None
            return other, found
        curated = world.curated(call.op.collection_name, rid, call.company)
        if curated is None:
            raise not_found()
        # A hand-written tool's record: the engine answers a copy, and a delete removes both.
        record = part.put(curated[1])
        if call.op.kind == "delete":
            curated[0].delete(int(rid))
    return part, record


def _write(world: World, call: Call, part: Partition, record: Record, changes: Record) -> None:
    for name, value in changes.items():
        if name not in ("id", "created_at"):
            record[name] = value
    record["updated_at"] = world.now()
    part.put(record)


def list_records(world: World, call: Call) -> tuple[int, Any]:
    part = _partition(world, call)
    return call.op.status, [_list_item(world, call, part, r) for r in part]


def show(world: World, call: Call) -> tuple[int, Any]:
    part, record = _record(world, call)
    return call.op.status, _answer(world, call, part, record)


def create(world: World, call: Call) -> tuple[int, Any]:
    part = _partition(world, call)
    now = world.now()
    record = {
        **attributes(call),
        "id": world.records.new_id(),
        "created_at": now,
        "updated_at": now,
    }
    part.put(record)
    return call.op.status, _answer(world, call, part, record)


def update(world: World, call: Call) -> tuple[int, Any]:
    part, record = _record(world, call)
    _write(world, call, part, record, attributes(call))
    return call.op.status, _answer(world, call, part, record)


def delete(world: World, call: Call) -> tuple[int, Any]:
    part, record = _record(world, call)
    answer = _answer(world, call, part, record) if call.op.response is not None else None
    part.delete(str(record["id"]))
    return call.op.status, answer


def single(world: World, call: Call) -> tuple[int, Any]:
    part = _partition(world, call)
    return call.op.status, _answer(world, call, part, part.single())


def set_single(world: World, call: Call) -> tuple[int, Any]:
    part = _partition(world, call)
    record = part.single()
    _write(world, call, part, record, attributes(call))
    return call.op.status, _answer(world, call, part, record)


def action(world: World, call: Call) -> tuple[int, Any]:
    """``.../{id}/close``, ``bulk_*``, exports: the record (if named) with the body applied,
    answered as the operation's response schema states."""
    if call.op.id_param is not None:
        part, record = _record(world, call)
        if call.op.method != "GET":
            _write(world, call, part, record, attributes(call))
    else:
        part = _partition(world, call)
        record = {"id": part.single()["id"], **attributes(call)}
        part.forget(str(record["id"]))
    return call.op.status, _answer(world, call, part, record)


def sync(world: World, call: Call) -> tuple[int, Any]:
    """Batch upsert: items with an ``id`` update, the others create; errors per item."""
    body = call.body if isinstance(call.body, dict) else {}
    items = body.get("updates")
    if items is None:
        items = next((v for v in body.values() if isinstance(v, list)), [])
    if not isinstance(items, list):
        raise RefusedError(422, {"errors": {"updates": ["must be an array"]}})
    if len(items) > SYNC_LIMIT:
        raise RefusedError(
            422, {"errors": {"updates": [f"at most {SYNC_LIMIT} items per request"]}}
        )
    part = _partition(world, call)
    entities: list[Any] = []
    errors: list[Record] = []
    for position, item in enumerate(items):
        if not isinstance(item, dict):
            errors.append({"index": position, "errors": {"base": ["must be an object"]}})
            continue
        rid = item.get("id")
        if rid is not None:
            record = part.get(str(rid))
            if record is None:
                errors.append({"id": rid, "errors": {"id": ["not found"]}})
                continue
            _write(world, call, part, record, item)
        else:
            now = world.now()
            record = {**item, "id": world.records.new_id(), "created_at": now, "updated_at": now}
            part.put(record)
        entities.append(record)
    result = {"entities": entities, "errors": errors}
    node = call.op.response
    if node is None:
        return call.op.status, result
    return call.op.status, call.shapes.answer(result, node, _key(world, call.op, "sync"))


HANDLERS: Mapping[str, Callable[[World, Call], tuple[int, Any]]] = {
    "list": list_records,
    "show": show,
    "create": create,
    "update": update,
    "delete": delete,
    "single": single,
    "set": set_single,
    "action": action,
    "sync": sync,
}


def handle(world: World, call: Call) -> tuple[int, Any]:
    """Run the handler of the call's kind of operation."""
    return HANDLERS[call.op.kind](world, call)
