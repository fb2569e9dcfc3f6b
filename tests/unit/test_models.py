"""Models and the converter: round trips, Procore's documented payloads, errors with paths."""

from __future__ import annotations

import datetime as dt
import json
import typing
from collections.abc import Mapping
from typing import Any, Optional, Union

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from procore_dc import models
from procore_dc.exceptions import ResponseFormatError
from procore_dc.models import (
    Company,
    CompanyUser,
    Delivery,
    File,
    Folder,
    Hook,
    ManpowerLog,
    Me,
    Model,
    Project,
    Rfi,
    Submittal,
    SyncError,
    SyncResult,
    Upload,
    format_datetime,
    parse_date,
    parse_datetime,
    structure,
    structure_many,
    unstructure,
)
from procore_dc.models._converter import (
    _detailed,
    converter,
    make_converter,
)
from procore_dc.models._datetimes import _parse_datetime_compat
from procore_dc.webhooks import WebhookEvent

UTC = dt.timezone.utc
INT64 = st.integers(min_value=-(2**63), max_value=2**63 - 1)
JSON_SCALARS = st.none() | st.booleans() | INT64 | st.text(max_size=8)
JSON = st.recursive(
    JSON_SCALARS,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=6,
)
DATETIMES = st.datetimes(
    min_value=dt.datetime(1900, 1, 2),
    max_value=dt.datetime(2200, 1, 1),
    timezones=st.sampled_from(
        [UTC, dt.timezone(dt.timedelta(hours=5, minutes=30)), dt.timezone(-dt.timedelta(hours=7))]
    ),
)

ALL_MODELS = sorted(
    {
        obj
        for obj in vars(models).values()
        if isinstance(obj, type) and issubclass(obj, Model) and obj is not Model
    }
    | {WebhookEvent},
    key=lambda cls: cls.__name__,
)


def strategy_for(tp: Any, depth: int = 0) -> st.SearchStrategy[Any]:
    """A strategy for any type our models use, derived from the annotations."""
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin is Union:
        inner = next(arg for arg in args if arg is not type(None))
        return st.none() | strategy_for(inner, depth)
    if origin is tuple:
        if depth > 2:
            return st.just(())
        return st.lists(strategy_for(args[0], depth + 1), max_size=2).map(tuple)
    if origin in (Mapping, dict):
        return st.dictionaries(st.text(max_size=5), JSON, max_size=3)
    if tp is Any:
        return JSON
    if isinstance(tp, type) and issubclass(tp, Model):
        return model_strategy(tp, depth + 1)
    return {
        int: INT64,
        str: st.text(max_size=10),
        bool: st.booleans(),
        float: st.floats(allow_nan=False, allow_infinity=False),
        dt.datetime: DATETIMES,
        dt.date: st.dates(),
    }[tp]


def model_strategy(cls: type[Any], depth: int = 0) -> st.SearchStrategy[Any]:
    attrs.resolve_types(cls)
    fields = {
        field.name: strategy_for(field.type, depth)
        for field in attrs.fields(cls)
        if field.name != "raw"
    }
    return st.builds(cls, **fields)


@pytest.mark.parametrize("cls", ALL_MODELS, ids=lambda cls: cls.__name__)
@settings(max_examples=25)
@given(data=st.data())
def test_round_trip(cls: type[Any], data: st.DataObject) -> None:
    value = data.draw(model_strategy(cls))
    wire = json.loads(json.dumps(unstructure(value)))
    again = structure(wire, cls)
    assert again == value
    assert "raw" not in wire
    assert again.raw == wire


def assert_raw_everywhere(value: Any, wire: Any) -> None:
    """Every model instance, nested ones included, keeps the very mapping it came from."""
    if isinstance(value, tuple):
        for item, wire_item in zip(value, wire):
            assert_raw_everywhere(item, wire_item)
    elif isinstance(value, Model):
        assert value.raw is wire
        for field in attrs.fields(type(value)):
            if field.name != "raw" and field.name in wire:
                assert_raw_everywhere(getattr(value, field.name), wire[field.name])


def hash_or_error(value: Any) -> Any:
    try:
        return hash(value)
    except TypeError as exc:  # a model holding a JSON object (a dict) is not hashable
        return str(exc)


@pytest.mark.parametrize("cls", ALL_MODELS, ids=lambda cls: cls.__name__)
@settings(max_examples=10)
@given(data=st.data())
def test_fast_hook_builds_what_init_builds(cls: type[Any], data: st.DataObject) -> None:
    # The API converter fills slots directly; cattrs' own function (the detailed converter)
    # goes through the attrs __init__. Both must build the same instance, with missing keys
    # taking the field defaults.
    wire = json.loads(json.dumps(unstructure(data.draw(model_strategy(cls)))))
    optional = sorted(f.name for f in attrs.fields(cls) if f.default is not attrs.NOTHING)
    for name in data.draw(st.sets(st.sampled_from(optional))) if optional else ():
        wire.pop(name, None)
    fast = converter.structure(wire, cls)
    slow = _detailed.structure(wire, cls)
    assert fast == slow
    assert hash_or_error(fast) == hash_or_error(slow)
    assert repr(fast) == repr(slow)
    assert [getattr(fast, f.name) for f in attrs.fields(cls)] == [
        getattr(slow, f.name) for f in attrs.fields(cls)
    ]
    assert_raw_everywhere(fast, wire)
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        fast.raw = {}


def test_model_whose_init_does_more_keeps_cattrs_path() -> None:
    # A validator (or converter, post-init...) only runs in __init__: such a class must not
    # get the slot-filling hook.
    @attrs.frozen(repr=False)
    class Checked(Model):
        id: int = attrs.field(validator=attrs.validators.gt(0))

    conv = make_converter()
    assert conv.structure({"id": 3}, Checked).raw == {"id": 3}
    with pytest.raises(ValueError):
        conv.structure({"id": -1}, Checked)


@settings(max_examples=25)
@given(
    result=st.builds(
        SyncResult,
        st.lists(model_strategy(Project), max_size=2).map(tuple),
        st.lists(
            st.builds(
                SyncError,
                st.dictionaries(
                    st.text(max_size=5).filter(lambda k: k != "errors"), JSON, max_size=3
                ),
                st.dictionaries(
                    st.text(max_size=5),
                    st.lists(st.text(max_size=5), max_size=2).map(tuple),
                    max_size=2,
                ),
            ),
            max_size=2,
        ).map(tuple),
    )
)
def test_sync_result_round_trip(result: SyncResult[Project]) -> None:
    wire = json.loads(json.dumps(unstructure(result)))
    assert structure(wire, SyncResult[Project]) == result


def test_model_count_covers_the_issue() -> None:
    names = {cls.__name__ for cls in ALL_MODELS}
    required_names = (
        "Me Company Project CompanyUser Vendor Rfi Submittal Observation Folder File "
        "FileVersion Upload UploadSegment ManpowerLog Hook Trigger Delivery PersonRef "
        "CompanyRef WebhookEvent"
    )
    for required in required_names.split():
        assert required in names


# --- Procore's documented payloads (procore-api.md) -----------------------------------------

# DOC:oauth/oauth_client_credentials.md, the List Projects example.
PROJECT_EXAMPLE = {
    "id": 123456,
    "name": "Demo Account Project",
    "display_name": "Demo Account Project",
    "project_number": None,
    "address": "5678 First Street",
    "city": "Anytown",
    "state_code": "CA",
    "country_code": "US",
    "zip": "93013",
    "county": None,
    "latitude": 34.385045633646,
    "longitude": -119.490841957738,
    "stage": "Course of Construction",
    "phone": "",
    "created_at": "2016-08-22T20:18:55Z",
    "updated_at": "2017-10-23T21:19:34Z",
    "active": True,
    "origin_id": None,
    "origin_data": None,
    "company": {"id": 1234, "name": "My Construction Company"},
}


def test_documented_project_parses() -> None:
    project = structure(PROJECT_EXAMPLE, Project)
    assert project.id == 123456
    assert project.company is not None
    assert project.company.name == "My Construction Company"
    assert project.created_at == dt.datetime(2016, 8, 22, 20, 18, 55, tzinfo=UTC)
    assert project.latitude == pytest.approx(34.385045633646)
    assert project.raw is PROJECT_EXAMPLE
    assert repr(project) == "Project(id=123456, name='Demo Account Project')"


def test_documented_sync_error_parses() -> None:
    body = {
        "entities": [{"id": 7, "name": "Tower", "origin_id": "erp-7"}],
        "errors": [{"id": 0, "name": "Ghost", "errors": {"id": ["Entity with this ID not found"]}}],
    }
    result = structure(body, SyncResult[Project])
    assert [project.id for project in result.entities] == [7]
    (error,) = result.errors
    assert error.input == {"id": 0, "name": "Ghost"}
    assert error.errors == {"id": ("Entity with this ID not found",)}
    assert error.messages() == ["id: Entity with this ID not found"]
    assert error.id == 0
    assert not result.ok


def test_sync_error_accepts_a_bare_message() -> None:
    error = SyncError.from_json({"origin_id": 5, "errors": "duplicate origin_id"})
    assert error.errors == {"base": ("duplicate origin_id",)}
    assert error.origin_id == "5"


def test_documented_uploads_parse() -> None:
    plain = structure(
        {
            "uuid": "01EJCD78RY2DR3B51N6E9T2C0R",
            "url": "https://s3.amazonaws.com/pro-core.com",
            "fields": {
                "key": "k",
                "Content-Type": "application/pdf",
                "Content-Disposition": "inline",
                "policy": "p",
                "x-amz-credential": "c",
                "x-amz-algorithm": "AWS4-HMAC-SHA256",
                "x-amz-date": "20260101T000000Z",
                "x-amz-signature": "s",
            },
        },
        Upload,
    )
    assert plain.fields is not None
    assert plain.fields["x-amz-algorithm"] == "AWS4-HMAC-SHA256"
    assert "x-amz-signature" not in repr(plain)
    assert "s3.amazonaws" not in repr(plain)
    segmented = structure(
        {
            "uuid": "01EJ",
            "status": "ready",
            "segments": [
                {
                    "md5": "m",
                    "sha256": "a" * 64,
                    "size": 5242880,
                    "url": "https://storage.example/part1?sig=x",
                    "headers": {
                        "x-amz-content-sha256": "a" * 64,
                        "content-length": "5242880",
                        "content-md5": "m",
                    },
                }
            ],
        },
        Upload,
    )
    assert segmented.segments is not None
    assert segmented.segments[0].size == 5242880
    assert segmented.segments[0].headers == {
        "x-amz-content-sha256": "a" * 64,
        "content-length": "5242880",
        "content-md5": "m",
    }
    assert "sig=x" not in repr(segmented)


def test_documented_hook_and_delivery_parse() -> None:
    hook = structure(
        {
            "id": 9,
            "api_version": "v2",
            "namespace": "your-integration-name",
            "destination_url": "https://example.com/hooks",
            "destination_headers": {"Authorization": "Bearer top-secret"},
            "owned_by_company_id": 5358233,
        },
        Hook,
    )
    assert "top-secret" not in repr(hook)
    delivery = structure(
        {
            "event": {
                "id": 1,
                "ulid": "01J",
                "timestamp": "2025-02-06T23:34:12.246562Z",
                "resource_name": "RFIs",
            },
            "event_id": 1,
            "outcome": "failed",
            "response_status": 500,
            "started_at": "2025-02-06T23:34:13Z",
        },
        Delivery,
    )
    assert delivery.event is not None
    assert delivery.event.timestamp is not None
    assert delivery.event.timestamp.microsecond == 246562


def test_all_ids_are_64_bit() -> None:
    big = 2**62 + 5
    rfi = structure({"id": big, "assignee": {"id": big + 1}, "drawing_ids": [big]}, Rfi)
    assert rfi.id == big
    assert rfi.assignee is not None
    assert rfi.assignee.id == big + 1
    assert rfi.drawing_ids == (big,)


def test_recursive_folders_and_manpower_dates() -> None:
    folder = structure(
        {
            "id": 1,
            "folders": [{"id": 2, "files": [{"id": 3, "file_versions": [{"id": 4, "number": 1}]}]}],
        },
        Folder,
    )
    assert folder.folders is not None
    assert folder.folders[0].files is not None
    file = folder.folders[0].files[0]
    assert isinstance(file, File)
    assert file.file_versions is not None
    assert file.file_versions[0].number == 1
    log = structure(
        {"id": 1, "date": "2026-03-02", "datetime": "2026-03-02T08:00:00Z", "num_hours": "8.0"},
        ManpowerLog,
    )
    assert log.date == dt.date(2026, 3, 2)
    assert log.datetime == dt.datetime(2026, 3, 2, 8, tzinfo=UTC)
    assert log.num_hours == "8.0"


def test_raw_is_out_of_eq_and_repr_and_keeps_unknown_keys() -> None:
    a = structure({"id": 1, "login": "a@example.com", "new_field": {"x": 1}}, Me)
    b = structure({"id": 1, "login": "a@example.com"}, Me)
    assert a == b
    assert hash(a) == hash(b)
    assert a.raw["new_field"] == {"x": 1}
    assert "new_field" not in repr(a)
    assert Me(id=1).raw == {}
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        a.id = 2  # type: ignore[misc]


def test_submittal_status_and_user_refs() -> None:
    submittal = structure(
        {"id": 1, "status": {"id": 2, "name": "Open", "status": "open"}, "due_date": "2026-01-05"},
        Submittal,
    )
    assert submittal.status is not None
    assert submittal.status.status == "open"
    user = structure(
        {"id": 3, "vendor": {"id": 4, "name": "Acme"}, "last_login_at": "2026-01-05T10:00:00.5Z"},
        CompanyUser,
    )
    assert user.vendor is not None
    assert user.vendor.name == "Acme"
    assert user.last_login_at == dt.datetime(2026, 1, 5, 10, 0, 0, 500000, tzinfo=UTC)


# --- datetimes -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2025-02-06T23:34:12Z", dt.datetime(2025, 2, 6, 23, 34, 12, tzinfo=UTC)),
        ("2025-02-06T23:34:12.246562Z", dt.datetime(2025, 2, 6, 23, 34, 12, 246562, tzinfo=UTC)),
        ("2025-02-06T23:34:12.2Z", dt.datetime(2025, 2, 6, 23, 34, 12, 200000, tzinfo=UTC)),
        ("2025-02-06T23:34:12.24656Z", dt.datetime(2025, 2, 6, 23, 34, 12, 246560, tzinfo=UTC)),
        ("2025-02-06T23:34:12.123456789Z", dt.datetime(2025, 2, 6, 23, 34, 12, 123456, tzinfo=UTC)),
        ("2025-02-06T23:34:12+00:00", dt.datetime(2025, 2, 6, 23, 34, 12, tzinfo=UTC)),
        ("2025-02-06T18:34:12.5-05:00", dt.datetime(2025, 2, 6, 23, 34, 12, 500000, tzinfo=UTC)),
        ("2025-02-06T23:34:12", dt.datetime(2025, 2, 6, 23, 34, 12, tzinfo=UTC)),
    ],
)
def test_parse_datetime_forms(text: str, expected: dt.datetime) -> None:
    for parse in (parse_datetime, _parse_datetime_compat):
        value = parse(text)
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        assert value == expected
        assert value.tzinfo is not None


def test_dates_and_formatting() -> None:
    assert parse_date("2026-03-01") == dt.date(2026, 3, 1)
    assert parse_date("2026-03-01T00:00:00Z") == dt.date(2026, 3, 1)
    assert (
        format_datetime(dt.datetime(2026, 1, 2, 8, 4, 5, tzinfo=dt.timezone(dt.timedelta(hours=5))))
        == "2026-01-02T03:04:05Z"
    )
    assert (
        format_datetime(dt.datetime(2026, 1, 2, 3, 4, 5, 120000)) == "2026-01-02T03:04:05.120000Z"
    )
    with pytest.raises(ValueError, match=r"isoformat|Invalid"):
        parse_datetime("yesterday")


# --- errors ----------------------------------------------------------------------------------


def test_wrong_shape_names_model_and_path() -> None:
    with pytest.raises(ResponseFormatError) as info:
        structure(
            {
                "id": 1,
                "assignee": {"id": 2, "name": {"first": "x"}},
                "questions": [{"id": 1}, {"id": "q"}],
            },
            Rfi,
            url="https://api.example/rest/v1.0/projects/1/rfis/1",
        )
    message = str(info.value)
    assert "Rfi" in message
    assert "@ Rfi.assignee.name" in message
    assert "@ Rfi.questions[1].id" in message
    assert info.value.url == "https://api.example/rest/v1.0/projects/1/rfis/1"


def test_missing_required_id_and_non_object() -> None:
    with pytest.raises(ResponseFormatError, match=r"required field missing @ Company\.id"):
        structure({"name": "x"}, Company)
    with pytest.raises(ResponseFormatError, match="expected a JSON object, got list"):
        structure([1, 2], Company)


@pytest.mark.parametrize(
    ("field", "value"),
    [("is_active", "maybe"), ("name", {"a": 1}), ("id", True), ("my_company", 1)],
)
def test_primitives_are_checked_not_coerced(field: str, value: object) -> None:
    body = {"id": 5, field: value}
    with pytest.raises(ResponseFormatError, match=rf"@ Company\.{field}"):
        structure(body, Company)


def test_lenient_where_procore_varies() -> None:
    company = structure({"id": "42", "is_active": "true", "name": 7}, Company)
    assert company == Company(id=42, is_active=True, name="7")


def test_structure_many_reports_the_index() -> None:
    assert [me.id for me in structure_many([{"id": 1}, {"id": 2}], Me)] == [1, 2]
    with pytest.raises(ResponseFormatError, match=r"item 1: .*Me\.id"):
        structure_many([{"id": 1}, {"id": []}], Me)
    with pytest.raises(ResponseFormatError, match="expected a JSON array of Me"):
        structure_many({"id": 1}, Me)


def test_optional_fields_accept_null_everywhere() -> None:
    rfi = structure(
        {"id": 1, **{name: None for name in attrs.fields_dict(Rfi) if name not in ("id", "raw")}},
        Rfi,
    )
    assert rfi == Rfi(id=1)


def test_project_keeps_undocumented_shapes() -> None:
    project = structure(
        {"id": 1, "project_type": "Commercial", "project_region": {"id": 3}}, Project
    )
    assert project.project_type == "Commercial"
    assert project.project_region == {"id": 3}


def test_unstructure_omits_raw_and_writes_z() -> None:
    me = structure({"id": 1, "extra": True}, Me)
    assert unstructure(me) == {"id": 1, "login": None, "name": None}
    rfi = Rfi(id=2, created_at=dt.datetime(2026, 1, 1, tzinfo=UTC), due_date=dt.date(2026, 1, 2))
    wire = unstructure(rfi)
    assert wire["created_at"] == "2026-01-01T00:00:00Z"
    assert wire["due_date"] == "2026-01-02"


def test_optional_model_field_in_detailed_converter_reports_path() -> None:
    # The detailed twin goes through cattrs' own Optional handling: make sure it still names
    # nested paths (the fast converter has a direct hook for Optional[Model]).
    with pytest.raises(ResponseFormatError, match=r"@ Rfi\.location\.id"):
        structure({"id": 1, "location": {"id": "not a number"}}, Rfi)


def test_type_hints_resolve_on_every_model() -> None:
    # cattrs evaluates annotations at run time: they must work on Python 3.9 (Optional[...]).
    for cls in ALL_MODELS:
        hints = typing.get_type_hints(cls)
        assert "raw" in hints
        assert all(hint is not None for hint in hints.values())


def test_models_do_not_import_http() -> None:
    import procore_dc.models as package

    for module in [
        package,
        *[
            getattr(package, name)
            for name in ("companies", "projects", "rfis", "documents", "sync")
        ],
    ]:
        source = open(module.__file__, encoding="utf-8").read()  # noqa: SIM115
        assert "import requests" not in source
        assert "procore_dc.session" not in source


def test_optional_hint_helper_is_used_for_optional_union() -> None:
    # Optional[X] written as Union[X, None] must take the same fast path.
    from procore_dc.models._converter import _is_optional

    assert _is_optional(Optional[int])
    assert _is_optional(Union[None, str])
    assert not _is_optional(Union[int, str])


def test_a_string_where_an_object_belongs_is_refused() -> None:
    # A string passes "key in data" tests; the model hook must refuse it, not build NamedRef().
    with pytest.raises(ResponseFormatError, match=r"@ Rfi\.location"):
        structure({"id": 1, "location": "Level 3"}, Rfi)
    with pytest.raises(ResponseFormatError, match=r"Rfi\.questions"):
        structure({"id": 1, "questions": "none"}, Rfi)


@pytest.mark.parametrize("cls", ALL_MODELS, ids=lambda cls: cls.__name__)
@settings(max_examples=15)
@given(data=st.data())
def test_every_model_hashes_by_identity_and_gives_its_wire_json(
    cls: type[Any], data: st.DataObject
) -> None:
    value = data.draw(model_strategy(cls))
    wire = json.loads(json.dumps(unstructure(value)))
    received = structure(wire, cls)
    # Hashable whatever the fields hold (dicts, lists), and equal models hash alike.
    assert {received: 1}[value] == 1
    assert hash(received) == hash(value)
    assert received.to_dict() == wire
    copied = received.to_dict()
    copied["added"] = 1
    assert "added" not in received.raw
    # Built by hand (no raw), to_dict() is still JSON that structures back to the same model.
    assert structure(json.loads(json.dumps(value.to_dict())), cls) == value


def test_sync_error_messages_read_as_phrases() -> None:
    error = SyncError.from_json(
        {"errors": {"name": ["can't be blank"], "id": ["Entity with this ID not found"]}}
    )
    assert error.messages() == ["name can't be blank", "id: Entity with this ID not found"]
    assert SyncError.from_json({"errors": "Duplicate"}).messages() == ["Duplicate"]
