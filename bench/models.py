"""Structuring speed: a page of 1,000 RFIs, in items per second.

Compares, on the same JSON page:

- ``json.loads`` of the whole page (the floor every approach pays);
- a default cattrs JSON converter with detailed validation (cattrs' out-of-the-box speed);
- procore_dc's converter (detailed validation off, direct Optional hooks, fromisoformat);
- the same converter without its generated fast path (``models/_fastpath.py``);
- pydantic v2 ``model_validate`` per item, on models of the same shape generated from ours,
  when pydantic is importable (the strongest Python peer uses pydantic);
- the model ``procore_dc.operations`` builds from Procore's spec for the RFI list, through the
  same converter. The spec's RFI nests more objects than the curated one (cost and schedule
  impact, project stage, custom fields are models there), so besides items per second the
  bench prints models built per second, which compares the machinery itself.

Prints figures; asserts nothing. Run: ``python bench/models.py [--items 1000] [--repeat 7]``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import sys
import time
from collections.abc import Mapping
from importlib.metadata import version
from typing import Any, Callable, Optional, Union
from unittest import mock

import attrs
import cattrs.preconf.json

from procore_dc.models import (
    Model,
    PersonRef,
    Rfi,
    _converter,
    converter,
    make_converter,
    structure_many,
)
from procore_dc.operations import model_for

STATUSES = ("draft", "open", "closed")
DEFAULT_ROW = "cattrs default converter (detailed validation)"
NO_FAST_PATH_ROW = "procore_dc converter without the fast path"
CURATED_ROW = "procore_dc converter, per item"
GENERATED_ROW = "procore_dc generated model (spec RFI), per item"
SPEC_RFI = "RestV10ProjectsProjectIdRfisGet200ResponseInner"


def models_in(value: Any) -> int:
    """How many model instances one structured item holds (itself included)."""
    if isinstance(value, Model):
        return 1 + sum(
            models_in(getattr(value, f.name)) for f in attrs.fields(type(value)) if f.name != "raw"
        )
    if isinstance(value, tuple):
        return sum(models_in(item) for item in value)
    return 0


def _person(rng: random.Random) -> dict[str, Any]:
    pid = rng.randrange(1, 10**9)
    return {"id": pid, "login": f"user{pid}@example.com", "name": f"User {pid}"}


def _stamp(rng: random.Random) -> str:
    base = dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc)
    moment = base + dt.timedelta(
        seconds=rng.randrange(0, 60 * 86400), microseconds=rng.randrange(10**6)
    )
    return moment.isoformat().replace("+00:00", "Z")


def make_rfi(rng: random.Random, rfi_id: int) -> dict[str, Any]:
    """One list item shaped like procore-api.md 3.6, with a few keys the model does not name."""
    number = str(rng.randrange(1, 999))
    return {
        "id": rfi_id,
        "number": number,
        "full_number": f"RFI-{number}",
        "prefix": "RFI",
        "subject": f"Door hardware clash at level {rng.randrange(1, 40)}",
        "status": rng.choice(STATUSES),
        "translated_status": "Open",
        "private": rng.random() < 0.2,
        "reference": None,
        "due_date": f"2026-0{rng.randrange(1, 9)}-1{rng.randrange(0, 9)}",
        "initiated_at": _stamp(rng),
        "time_resolved": None,
        "created_at": _stamp(rng),
        "updated_at": _stamp(rng),
        "deleted": False,
        "deleted_at": None,
        "link": f"https://app.procore.com/1/project/rfi/show/{rfi_id}",
        "location_id": rng.randrange(1, 10**6),
        "location": {"id": rng.randrange(1, 10**6), "name": "Level 3 > Core"},
        "questions": [{"id": rfi_id * 10, "body": "Which hinge spec applies?", "errors": []}],
        "assignee": _person(rng),
        "created_by": _person(rng),
        "ball_in_court": _person(rng),
        "received_from": _person(rng),
        "rfi_manager": _person(rng),
        "assignees": [_person(rng) for _ in range(2)],
        "ball_in_courts": [_person(rng)],
        "responsible_contractor": {"id": rng.randrange(1, 10**6), "name": "Acme Doors"},
        "cost_code": {"id": rng.randrange(1, 10**6), "name": "08-710 Door Hardware"},
        "cost_impact": {"status": "tbd", "value": None},
        "schedule_impact": {"status": "no_impact", "value": None},
        "project_stage": {"id": 3, "name": "Course of Construction"},
        "sub_job": None,
        "custom_fields": {"custom_field_1": {"data_type": "string", "value": "x"}},
        "accepted": False,
        "draft": False,
        "drawing_ids": [rng.randrange(1, 10**6) for _ in range(3)],
        "permissions": {"can_edit": True},  # not a model field: ignored, kept in .raw
    }


def make_page(items: int) -> str:
    rng = random.Random(0)
    return json.dumps([make_rfi(rng, 1000 + i) for i in range(items)])


def best_rate(run: Callable[[], object], items: int, repeat: int) -> float:
    """Items per second of the fastest of ``repeat`` runs (after a warm-up): the least disturbed
    by other processes on a shared machine."""
    run()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return items / min(times)


def pydantic_models() -> Optional[type[Any]]:
    """Pydantic models generated from our attrs models, field for field, or None."""
    try:
        import pydantic
    except ImportError:
        return None

    made: dict[type[Any], type[Any]] = {}

    def convert(tp: Any) -> Any:
        if isinstance(tp, type) and issubclass(tp, Model):
            return model_for(tp)
        args = getattr(tp, "__args__", None)
        origin = getattr(tp, "__origin__", None)
        if origin is Union and args:
            return Optional[convert(next(a for a in args if a is not type(None)))]
        if origin is tuple and args:
            return tuple[convert(args[0]), ...]  # type: ignore[misc]
        if origin is Mapping:
            return dict[str, Any]
        return tp

    def model_for(cls: type[Any]) -> type[Any]:
        if cls not in made:
            attrs.resolve_types(cls)
            fields: dict[str, Any] = {}
            for field in attrs.fields(cls):
                if field.name == "raw":
                    continue
                default = field.default if field.default is not attrs.NOTHING else ...
                fields[field.name] = (convert(field.type), default)
            made[cls] = pydantic.create_model(f"P{cls.__name__}", **fields)
        return made[cls]

    return model_for(Rfi)


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args(argv)
    n = args.items
    page = make_page(n)
    data = json.loads(page)
    print(f"Python {sys.version.split()[0]}, cattrs {version('cattrs')}, attrs {version('attrs')}")
    print(f"page: {n} RFIs, {len(page) / 1024:.0f} KiB of JSON\n")

    rows: list[tuple[str, float]] = []
    rows.append(("json.loads (whole page)", best_rate(lambda: json.loads(page), n, args.repeat)))

    default = cattrs.preconf.json.make_converter()
    default_hook = default.get_structure_hook(Rfi)
    rows.append(
        (
            DEFAULT_ROW,
            best_rate(lambda: [default_hook(item, Rfi) for item in data], n, args.repeat),
        )
    )

    hook = converter.get_structure_hook(Rfi)
    rows.append(
        (
            CURATED_ROW,
            best_rate(lambda: [hook(item, Rfi) for item in data], n, args.repeat),
        )
    )
    # The same converter without the generated fast path (models/_fastpath.py): its reason to be.
    with mock.patch.object(_converter, "_plain_init", return_value=False):
        general_hook = make_converter().get_structure_hook(Rfi)  # hooks are made on first use
    rows.append(
        (
            NO_FAST_PATH_ROW,
            best_rate(lambda: [general_hook(item, Rfi) for item in data], n, args.repeat),
        )
    )
    generated = model_for(SPEC_RFI)
    assert generated is not None
    spec_hook = converter.get_structure_hook(generated)
    rows.append(
        (
            GENERATED_ROW,
            best_rate(lambda: [spec_hook(item, generated) for item in data], n, args.repeat),
        )
    )
    rows.append(
        (
            "procore_dc structure_many (page)",
            best_rate(lambda: structure_many(data, Rfi), n, args.repeat),
        )
    )
    rows.append(
        (
            "procore_dc json.loads + structure_many",
            best_rate(lambda: structure_many(json.loads(page), Rfi), n, args.repeat),
        )
    )

    pmodel = pydantic_models()
    if pmodel is None:
        print("pydantic is not installed: its row is skipped\n")
    else:
        import pydantic

        validate = pmodel.model_validate
        rows.append(
            (
                f"pydantic {pydantic.VERSION} model_validate, per item",
                best_rate(lambda: [validate(item) for item in data], n, args.repeat),
            )
        )
        adapter = pydantic.TypeAdapter(list[pmodel])  # type: ignore[valid-type]
        rows.append(
            (
                "pydantic TypeAdapter(list).validate_json (page)",
                best_rate(lambda: adapter.validate_json(page), n, args.repeat),
            )
        )

    width = max(len(name) for name, _ in rows)
    for name, rate in rows:
        print(f"{name:<{width}}  {rate:>12,.0f} items/s")
    ours = dict(rows)[CURATED_ROW]
    if pmodel is not None:
        theirs = next(rate for name, rate in rows if name.endswith("model_validate, per item"))
        print(f"\nprocore_dc / pydantic model_validate: {ours / theirs:.2f}x")
    print(f"procore_dc / cattrs default: {ours / dict(rows)[DEFAULT_ROW]:.2f}x")
    print(f"fast path / without it: {ours / dict(rows)[NO_FAST_PATH_ROW]:.2f}x")
    # The same shape both ways: the curated PersonRef and the spec's person reference.
    people = [item["assignee"] for item in data]
    person_hook = converter.get_structure_hook(PersonRef)
    spec_person = model_for("ObjIdNameLogin")
    assert spec_person is not None
    spec_person_hook = converter.get_structure_hook(spec_person)
    curated_people = best_rate(lambda: [person_hook(p, PersonRef) for p in people], n, args.repeat)
    generated_people = best_rate(
        lambda: [spec_person_hook(p, spec_person) for p in people], n, args.repeat
    )
    print(
        f"person reference, same shape: curated PersonRef {curated_people:,.0f}/s, generated "
        f"{generated_people:,.0f}/s; generated / curated: {generated_people / curated_people:.2f}x"
    )
    per_curated = models_in(hook(data[0], Rfi))
    per_generated = models_in(spec_hook(data[0], generated))
    curated_models = ours * per_curated
    generated_models = dict(rows)[GENERATED_ROW] * per_generated
    print(
        f"models built per second: curated Rfi {curated_models:,.0f} ({per_curated} per item), "
        f"generated spec RFI {generated_models:,.0f} ({per_generated} per item); "
        f"generated / curated: {generated_models / curated_models:.2f}x"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
