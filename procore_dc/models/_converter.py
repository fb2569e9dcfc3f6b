"""The one cattrs converter every model goes through, and the helpers built on it.

Wire-format policy lives here and nowhere else:

- ISO 8601 datetimes (``Z`` or an offset, any number of fraction digits) become aware
  :class:`~datetime.datetime` objects; a datetime without an offset is taken as UTC, which is
  what Procore documents for every timestamp. Unstructuring writes UTC with a ``Z``.
- Dates become :class:`~datetime.date`; a full timestamp where a date was expected is accepted
  and cut to its date (Procore's spec and its answers disagree on a few fields).
- Unknown keys are ignored; each model keeps the full original mapping as ``.raw``.
- API input is structured with detailed validation **off** (about twice as fast). Only when an
  item fails is it structured again with detailed validation on, so the
  :class:`~procore_dc.exceptions.ResponseFormatError` can name the model and the field path
  (``cattrs.transform_error``).

Both converters are built by :func:`make_converter` with the same hooks; they differ only in
how much they report when input does not fit.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from datetime import date, datetime, timedelta, timezone
from typing import Any, Callable, Optional, TypeVar, Union

import attrs
import cattrs
from cattrs.errors import BaseValidationError
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override
from cattrs.preconf.json import make_converter as _make_json_converter

from procore_dc.exceptions import ResponseFormatError

__all__ = [
    "converter",
    "format_datetime",
    "make_converter",
    "parse_date",
    "parse_datetime",
    "structure",
    "structure_many",
    "unstructure",
]

T = TypeVar("T")

_UTC = timezone.utc
_NONE_TYPE = type(None)


# --- datetimes -------------------------------------------------------------------------------


def _parse_datetime_compat(text: str) -> datetime:
    """Parse ISO 8601 on Python < 3.11, whose ``fromisoformat`` refuses ``Z`` and odd fractions."""
    value = text.strip()
    if value[-1:] in ("Z", "z"):
        value = value[:-1] + "+00:00"
    # Split off the offset so the fraction can be padded or cut to exactly six digits.
    offset = ""
    cut = max(value.rfind("+"), value.rfind("-"))
    if cut > 10 and "T" in value[:cut].upper():
        value, offset = value[:cut], value[cut:]
    dot = value.find(".")
    if dot == -1:
        dot = value.find(",")
    if dot != -1:
        fraction = value[dot + 1 :]
        value = value[:dot] + "." + (fraction + "000000")[:6]
    return datetime.fromisoformat(value + offset)


if sys.version_info >= (3, 11):  # pragma: no cover - which branch runs depends on the Python
    _fromisoformat: Callable[[str], datetime] = datetime.fromisoformat
else:  # pragma: no cover - Python 3.9 and 3.10 only (3.11 parses every ISO 8601 form)
    _fromisoformat = _parse_datetime_compat


def parse_datetime(value: Union[str, datetime]) -> datetime:
    """Parse a Procore timestamp into an aware datetime (UTC when it carries no offset).

    :param value: an ISO 8601 string such as ``2025-02-06T23:34:12.246562Z``, or a datetime
    :raises ValueError: when the text is not ISO 8601

    .. code-block:: python

        >>> parse_datetime("2025-02-06T23:34:12.246562Z").tzinfo
        datetime.timezone.utc
    """
    if isinstance(value, datetime):
        result = value
    elif isinstance(value, str):
        try:
            result = _fromisoformat(value)
        except (ValueError, IndexError):
            result = _parse_datetime_compat(value)
    else:
        raise TypeError(f"expected an ISO 8601 string, got {type(value).__name__}")
    if result.tzinfo is None:
        return result.replace(tzinfo=_UTC)
    return result


def parse_date(value: Union[str, date]) -> date:
    """Parse a Procore date (``YYYY-MM-DD``); a full timestamp is cut to its date.

    :raises ValueError: when the text is not an ISO 8601 date or timestamp

    .. code-block:: python

        >>> parse_date("2026-03-01")
        datetime.date(2026, 3, 1)
    """
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if not isinstance(value, str):
        raise TypeError(f"expected an ISO 8601 date string, got {type(value).__name__}")
    if len(value) == 10:
        return date.fromisoformat(value)
    return parse_datetime(value).date()


def format_datetime(value: datetime) -> str:
    """Write a datetime as ISO 8601 UTC with a ``Z``, the form Procore expects in bodies.

    A naive datetime is taken as UTC.

    .. code-block:: python

        >>> format_datetime(datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone.utc))
        '2026-01-02T03:04:05Z'
    """
    if value.tzinfo is None:
        value = value.replace(tzinfo=_UTC)
    elif value.utcoffset() != timedelta(0):
        value = value.astimezone(_UTC)
    return value.isoformat().replace("+00:00", "Z")


# --- primitive hooks -------------------------------------------------------------------------
# cattrs' default for str/bool is ``str(value)``/``bool(value)``, which would turn a nested
# object into "{'id': 1}" or the string "false" into True without complaint. These accept what
# JSON can carry for the type and raise TypeError otherwise, so a wrong shape is reported.


def _structure_str(value: Any, _: Any = None) -> str:
    if type(value) is str:
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    raise TypeError(f"expected a string, got {type(value).__name__}")


def _structure_int(value: Any, _: Any = None) -> int:
    if type(value) is int:
        return value
    if isinstance(value, str):
        return int(value)  # IDs arrive as strings in a few payloads (webhooks v4, REST v2)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    raise TypeError(f"expected an integer, got {type(value).__name__}")


def _structure_float(value: Any, _: Any = None) -> float:
    if type(value) is float:
        return value
    if isinstance(value, (int, str)) and not isinstance(value, bool):
        return float(value)
    raise TypeError(f"expected a number, got {type(value).__name__}")


def _structure_bool(value: Any, _: Any = None) -> bool:
    if isinstance(value, bool):
        return value
    if value in ("true", "false"):
        return bool(value == "true")
    raise TypeError(f"expected a boolean, got {type(value).__name__}")


def _structure_datetime(value: Any, _: Any = None) -> datetime:
    return parse_datetime(value)


def _structure_date(value: Any, _: Any = None) -> date:
    return parse_date(value)


def _structure_mapping(value: Any, _: Any = None) -> Mapping[str, Any]:
    # Opaque JSON objects (custom_fields, metadata, ...) are kept as they came: copying them
    # would cost time and gain nothing, since the model never looks inside.
    if isinstance(value, Mapping):
        return value
    raise TypeError(f"expected a JSON object, got {type(value).__name__}")


# The hot path: a direct hook per Optional[...] of a primitive, one call instead of cattrs'
# generic Optional dispatch (two calls and a tuple unpacking per field).
def _optional_str(value: Any, _: Any = None) -> Optional[str]:
    if value is None or type(value) is str:
        return value
    return _structure_str(value)


def _optional_int(value: Any, _: Any = None) -> Optional[int]:
    if value is None or type(value) is int:
        return value
    return _structure_int(value)


def _optional_bool(value: Any, _: Any = None) -> Optional[bool]:
    if value is None or value is True or value is False:
        return value
    return _structure_bool(value)


def _optional_float(value: Any, _: Any = None) -> Optional[float]:
    if value is None or type(value) is float:
        return value
    return _structure_float(value)


def _optional_datetime(value: Any, _: Any = None) -> Optional[datetime]:
    if value is None:
        return None
    if type(value) is str:
        try:
            result = _fromisoformat(value)
        except ValueError:
            return parse_datetime(value)
        if result.tzinfo is None:
            return result.replace(tzinfo=_UTC)
        return result
    return parse_datetime(value)


def _optional_date(value: Any, _: Any = None) -> Optional[date]:
    if value is None:
        return None
    return parse_date(value)


_OPTIONAL_PRIMITIVES: Mapping[Any, Callable[[Any, Any], Any]] = {
    str: _optional_str,
    int: _optional_int,
    bool: _optional_bool,
    float: _optional_float,
    datetime: _optional_datetime,
    date: _optional_date,
}


def _optional_inner(type_: Any) -> Any:
    args = [arg for arg in getattr(type_, "__args__", ()) if arg is not _NONE_TYPE]
    return args[0]


def _is_optional(type_: Any) -> bool:
    args = getattr(type_, "__args__", None)
    origin = getattr(type_, "__origin__", None)
    return origin is Union and args is not None and len(args) == 2 and _NONE_TYPE in args


def _is_model(type_: Any) -> bool:
    return isinstance(type_, type) and attrs.has(type_) and "raw" in attrs.fields_dict(type_)


def _not_an_object(value: Any) -> TypeError:
    return TypeError(f"expected a JSON object, got {type(value).__name__}")


def _is_homogeneous_tuple(type_: Any) -> bool:
    args: tuple[Any, ...] = getattr(type_, "__args__", ())
    return getattr(type_, "__origin__", None) is tuple and len(args) == 2 and args[1] is Ellipsis


def _tuple_factory(conv: cattrs.Converter) -> Callable[[Any], Callable[[Any, Any], Any]]:
    def factory(type_: Any) -> Callable[[Any, Any], Any]:
        inner = type_.__args__[0]
        hook = conv.get_structure_hook(inner)

        def structure_tuple(value: Any, _: Any) -> tuple[Any, ...]:
            if not isinstance(value, (list, tuple)):
                raise TypeError(f"expected a JSON array, got {type(value).__name__}")
            return tuple([hook(item, inner) for item in value])

        return structure_tuple

    return factory


def make_converter(*, detailed_validation: bool = False) -> cattrs.Converter:
    """Build a converter with procore_dc's wire-format policy.

    :param detailed_validation: collect every error with its field path (slower); the module's
        ``converter`` has it off and uses a detailed twin only to explain failures

    .. code-block:: python

        conv = make_converter(detailed_validation=True)
        rfi = conv.structure({"id": 1, "subject": "Door"}, Rfi)
    """
    conv = _make_json_converter(detailed_validation=detailed_validation)

    conv.register_structure_hook(str, _structure_str)
    conv.register_structure_hook(int, _structure_int)
    conv.register_structure_hook(float, _structure_float)
    conv.register_structure_hook(bool, _structure_bool)
    conv.register_structure_hook(datetime, _structure_datetime)
    conv.register_structure_hook(date, _structure_date)
    conv.register_unstructure_hook(datetime, format_datetime)
    conv.register_unstructure_hook(date, date.isoformat)

    def is_any_mapping(type_: Any) -> bool:
        origin = getattr(type_, "__origin__", None)
        args: tuple[Any, ...] = getattr(type_, "__args__", ())
        return origin is Mapping or (origin is dict and len(args) == 2 and args[1] is Any)

    conv.register_structure_hook_func(is_any_mapping, _structure_mapping)
    conv.register_unstructure_hook_func(is_any_mapping, lambda value: dict(value))

    builders: dict[Any, Callable[[Any, Any], Any]] = {}
    # The models are frozen; ``raw`` is filled in once, right after construction.
    setattr_ = object.__setattr__

    def builder(cls: Any) -> Callable[[Any, Any], Any]:
        # One generated function per model, shared by the plain and the Optional hook.
        if cls not in builders:
            builders[cls] = make_dict_structure_fn(
                cls,
                conv,
                _cattrs_detailed_validation=detailed_validation,
                raw=override(omit=True),
            )
        return builders[cls]

    def optional_factory(type_: Any) -> Callable[[Any, Any], Any]:
        inner = _optional_inner(type_)
        direct = _OPTIONAL_PRIMITIVES.get(inner)
        if direct is not None:
            return direct
        if _is_model(inner) and not detailed_validation:
            build = builder(inner)

            def optional_model(data: Any, _: Any) -> Any:
                if data is None:
                    return None
                if type(data) is not dict and not isinstance(data, Mapping):
                    raise _not_an_object(data)
                instance = build(data, inner)
                setattr_(instance, "raw", data)
                return instance

            return optional_model
        if is_any_mapping(inner):

            def optional_mapping(value: Any, _: Any) -> Any:
                return None if value is None else _structure_mapping(value)

            return optional_mapping
        handler = conv.get_structure_hook(inner)

        def optional(value: Any, _: Any) -> Any:
            return None if value is None else handler(value, inner)

        return optional

    conv.register_structure_hook_factory(_is_optional, optional_factory)

    def model_structure_factory(cls: Any) -> Callable[[Any, Any], Any]:
        build = builder(cls)

        def structure_model(data: Any, _: Any) -> Any:
            # A string would pass the generated code's ``"key" in data`` tests: refuse it here.
            if type(data) is not dict and not isinstance(data, Mapping):
                raise _not_an_object(data)
            instance = build(data, cls)
            setattr_(instance, "raw", data)
            return instance

        return structure_model

    def model_unstructure_factory(cls: Any) -> Callable[[Any], Any]:
        return make_dict_unstructure_fn(cls, conv, raw=override(omit=True))

    conv.register_structure_hook_factory(_is_model, model_structure_factory)
    if not detailed_validation:
        # cattrs' tuple hook goes through a generator; a list comprehension is faster. The
        # detailed converter keeps cattrs' own, which names the failing index.
        conv.register_structure_hook_factory(_is_homogeneous_tuple, _tuple_factory(conv))
    conv.register_unstructure_hook_factory(_is_model, model_unstructure_factory)
    _register_extra_hooks(conv)
    return conv


# Models with a wire form of their own (SyncError) register here, so both converters get them.
_EXTRA_HOOKS: list[Callable[[cattrs.Converter], None]] = []


def register_hooks(register: Callable[[cattrs.Converter], None]) -> None:
    """Add hooks to :data:`converter` and its detailed twin (used by models with a custom form)."""
    _EXTRA_HOOKS.append(register)
    register(converter)
    register(_detailed)


def _register_extra_hooks(conv: cattrs.Converter) -> None:
    for register in _EXTRA_HOOKS:
        register(conv)


#: The converter for API input: detailed validation off.
converter = make_converter()
_detailed = make_converter(detailed_validation=True)


def _type_name(cls: Any) -> str:
    return getattr(cls, "__name__", None) or str(cls)


def _type_label(type_: Any) -> str:
    if _is_optional(type_):
        return f"{_type_label(_optional_inner(type_))} or null"
    if _is_homogeneous_tuple(type_):
        return f"array of {_type_label(type_.__args__[0])}"
    if getattr(type_, "__origin__", None) in (Mapping, dict):
        return "object"
    return {str: "string", int: "integer", float: "number", bool: "boolean"}.get(
        type_, getattr(type_, "__name__", None) or str(type_)
    )


def _format_exception(exc: BaseException, type_: Any) -> str:
    """cattrs' message for one failed field, with readable type names (``integer or null``)."""
    if isinstance(exc, KeyError):
        return "required field missing"
    label = _type_label(type_) if type_ is not None else "value"
    if isinstance(exc, (TypeError, ValueError)):
        return f"invalid value for {label} ({exc})"
    return f"{type(exc).__name__} for {label}: {exc}"


def _explain(data: Any, cls: Any, first: BaseException, url: str) -> ResponseFormatError:
    """Structure once more with detailed validation to say which field did not fit."""
    name = _type_name(cls)
    if not isinstance(data, Mapping) and _is_model(cls):
        return ResponseFormatError(
            f"{name}: expected a JSON object, got {type(data).__name__}", url=url
        )
    try:
        _detailed.structure(data, cls)
    except BaseValidationError as exc:
        problems = cattrs.transform_error(exc, path=name, format_exception=_format_exception)
        return ResponseFormatError(f"unexpected JSON for {name}: " + "; ".join(problems), url=url)
    except Exception as exc:
        return ResponseFormatError(f"unexpected JSON for {name}: {exc}", url=url)
    return ResponseFormatError(f"unexpected JSON for {name}: {first}", url=url)


def structure(data: Any, cls: type[T], *, url: str = "") -> T:
    """Structure API input into ``cls``; a body that does not fit raises ResponseFormatError.

    :param data: parsed JSON
    :param cls: a model class (or any type the converter knows, e.g. ``tuple[Rfi, ...]``)
    :param url: the request URL, for the error message
    :raises ResponseFormatError: naming the model and the field path, e.g.
        ``unexpected JSON for Rfi: invalid value for integer (...) @ Rfi.id``

    .. code-block:: python

        rfi = structure({"id": 7, "subject": "Door hardware"}, Rfi)
    """
    try:
        return converter.structure(data, cls)
    except Exception as exc:
        raise _explain(data, cls, exc, url) from exc


def structure_many(items: Any, cls: type[T], *, url: str = "") -> list[T]:
    """Structure a JSON array of items into a list of ``cls``.

    :raises ResponseFormatError: when ``items`` is not an array, or an item does not fit;
        the path names the item's index

    .. code-block:: python

        rfis = structure_many(session.get_json(path), Rfi)
    """
    if not isinstance(items, list):
        raise ResponseFormatError(
            f"expected a JSON array of {_type_name(cls)}, got {type(items).__name__}", url=url
        )
    hook = converter.get_structure_hook(cls)
    out = []
    for index, item in enumerate(items):
        try:
            out.append(hook(item, cls))
        except Exception as exc:
            error = _explain(item, cls, exc, url)
            raise ResponseFormatError(f"item {index}: {error}", url=url) from exc
    return out


def unstructure(value: Any) -> Any:
    """Turn a model (or a collection of models) back into JSON-ready data, without ``raw``.

    .. code-block:: python

        json.dumps(unstructure(rfi))
    """
    return converter.unstructure(value)
