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
- For API input each model class gets a generated hook that fills the frozen instance's slots
  directly (``raw`` in the same pass), skipping cattrs' ``**kwargs`` call into ``__init__``;
  classes whose ``__init__`` does more than store its arguments keep cattrs' own function.

Both converters are built by :func:`make_converter` with the same hooks; they differ only in
how much they report when input does not fit.
"""

from __future__ import annotations

import linecache
import sys
import threading
from collections.abc import Mapping
from datetime import date, datetime, timedelta, timezone
from types import MemberDescriptorType
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


def _tuple_factory(
    conv: cattrs.Converter, item_parts: dict[Any, tuple[Callable[[Any, Any], Any], Any]]
) -> Callable[[Any], Callable[[Any, Any], Any]]:
    def factory(type_: Any) -> Callable[[Any, Any], Any]:
        inner = type_.__args__[0]
        hook = conv.get_structure_hook(inner)

        def structure_tuple(value: Any, _: Any) -> tuple[Any, ...]:
            if not isinstance(value, (list, tuple)):
                raise TypeError(f"expected a JSON array, got {type(value).__name__}")
            return tuple([hook(item, inner) for item in value])

        item_parts[structure_tuple] = (hook, inner)
        return structure_tuple

    return factory


# --- the fast model hook ---------------------------------------------------------------------
# cattrs' generated function packs every field into a dict and calls the frozen ``__init__`` with
# ``**res`` (one ``object.__setattr__`` per field), then ``raw`` needs a second pass. For API
# input the same per-class code generation can do less: make the instance with ``object.__new__``
# and fill each slot through its member descriptor, ``raw`` included, with the type checks of
# the common primitives inlined. That is only equivalent to ``__init__`` when ``__init__`` does
# nothing but store the arguments, so a class with a validator, an attrs converter, an
# ``init=False`` field, a pre/post-init hook, a cached hash or a default that needs ``self`` keeps
# cattrs' own function (see :func:`_plain_init`).

# Inline checks that let the already-right value skip its hook call (the hook still decides
# everything else, so the result is the same with or without the shortcut).
_FAST_CHECKS: Mapping[Any, str] = {
    str: "type(v) is not str",
    int: "type(v) is not int",
    float: "type(v) is not float",
    bool: "v is not True and v is not False",
}
_FAST_HOOKS: Mapping[Any, Callable[[Any, Any], Any]] = {
    str: _structure_str,
    int: _structure_int,
    float: _structure_float,
    bool: _structure_bool,
}


def _slot(cls: type, name: str) -> Any:
    """The slot member descriptor that stores ``name``, or None (not a slotted field)."""
    for klass in cls.__mro__:
        found = klass.__dict__.get(name)
        if found is not None:
            return found if isinstance(found, MemberDescriptorType) else None
    return None


def _plain_init(cls: type) -> bool:
    """True when the attrs ``__init__`` of ``cls`` only stores its arguments in slots."""
    generic: Any = getattr(cls, "__parameters__", None)
    if "__slots__" not in cls.__dict__ or generic:
        return False
    if hasattr(cls, "__attrs_pre_init__") or hasattr(cls, "__attrs_post_init__"):
        return False
    if _slot(cls, "_attrs_cached_hash") is not None:  # cache_hash=True: __init__ resets it
        return False
    for field in attrs.fields(cls):
        if not field.init or field.validator is not None or field.converter is not None:
            return False
        if field.alias != field.name or _slot(cls, field.name) is None:
            return False
        if isinstance(field.default, attrs.Factory) and field.default.takes_self:  # type: ignore[arg-type]
            return False
    return True


_generating = threading.local()


def _fast_model_fn(
    cls: type,
    conv: cattrs.Converter,
    optional_parts: Mapping[Any, tuple[Callable[[Any, Any], Any], Any]],
    tuple_parts: Mapping[Any, tuple[Callable[[Any, Any], Any], Any]],
) -> Callable[[Any, Any], Any]:
    """Generate the structure function of one model class (see the section comment).

    :param optional_parts: the inner hook and type behind each Optional hook ``optional_factory``
        made, so a null skips the call and a value goes straight to the inner hook
    :param tuple_parts: the item hook and type behind each tuple hook ``_tuple_factory`` made,
        so a JSON array is structured by an inline comprehension
    """
    attrs.resolve_types(cls)
    working: set[Any] = getattr(_generating, "classes", set())
    if cls in working:
        raise RecursionError()  # cattrs' signal for a class graph with a cycle (Folder.folders)
    working.add(cls)
    _generating.classes = working
    try:
        return _generate(cls, conv, optional_parts, tuple_parts)
    finally:
        working.discard(cls)


def _generate(
    cls: type,
    conv: cattrs.Converter,
    optional_parts: Mapping[Any, tuple[Callable[[Any, Any], Any], Any]],
    tuple_parts: Mapping[Any, tuple[Callable[[Any, Any], Any], Any]],
) -> Callable[[Any, Any], Any]:
    names: dict[str, Any] = {
        "__cl": cls,
        "__new": object.__new__,
        "__Mapping": Mapping,
        "__not_obj": _not_an_object,
        "__s_raw": _slot(cls, "raw").__set__,
    }
    lines = [
        "def structure_fast(o, _=None):",
        "  if type(o) is not dict and not isinstance(o, __Mapping):",
        "    raise __not_obj(o)",
        "  i = __new(__cl)",
    ]
    for index, field in enumerate(attrs.fields(cls)):
        if field.name == "raw":
            continue
        type_ = field.type
        hook_name, type_name, key = f"__h{index}", f"__t{index}", repr(field.name)
        names[f"__s{index}"] = _slot(cls, field.name).__set__
        try:
            hook = conv.get_structure_hook(type_, cache_result=False)
        except RecursionError:
            hook = conv.structure  # late binding, as cattrs does for a cycle
        parts = optional_parts.get(hook)
        check = "v is not None"
        if parts is not None:
            hook, type_ = parts
            if _FAST_HOOKS.get(type_) is hook:
                check += " and " + _FAST_CHECKS[type_]
        elif _FAST_HOOKS.get(type_) is hook:
            check = _FAST_CHECKS[type_]
        else:
            check = "True"
        names[hook_name], names[type_name] = hook, type_
        convert = f"v = {hook_name}(v, {type_name})"
        items = tuple_parts.get(hook)
        if items is not None:
            # A JSON array of items: the comprehension inline, anything else to the hook.
            names[f"__e{index}"], names[f"__et{index}"] = items
            convert = (
                f"v = tuple([__e{index}(x, __et{index}) for x in v])"
                f" if type(v) is list else {hook_name}(v, {type_name})"
            )
        default = field.default
        if default is attrs.NOTHING:
            lines.append(f"  v = o[{key}]")
        elif default is None and parts is not None:
            lines.append(f"  v = o.get({key})")  # missing or null: both give the default
        else:
            lines.append(f"  if {key} in o:")
            lines.append(f"    v = o[{key}]")
            lines.append(f"    if {check}: {convert}")
            if isinstance(default, attrs.Factory):  # type: ignore[arg-type]
                names[f"__d{index}"] = default.factory
                lines.append(f"  else: v = __d{index}()")
            else:
                names[f"__d{index}"] = default
                lines.append(f"  else: v = __d{index}")
            lines.append(f"  __s{index}(i, v)")
            continue
        lines.append(f"  if {check}: {convert}")
        lines.append(f"  __s{index}(i, v)")
    lines += ["  __s_raw(i, o)", "  return i"]
    source = "\n".join(lines) + "\n"
    filename = f"<procore_dc structure {cls.__module__}.{cls.__qualname__}>"
    namespace: dict[str, Any] = dict(names)
    exec(compile(source, filename, "exec"), namespace)  # noqa: S102 - our own generated code
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    function: Callable[[Any, Any], Any] = namespace["structure_fast"]
    return function


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

    # For the fast model hook: what each Optional hook below does with a value that is not null.
    optional_parts: dict[Any, tuple[Callable[[Any, Any], Any], Any]] = {}
    # ... and the item hook and type behind each tuple hook ``_tuple_factory`` made.
    tuple_parts: dict[Any, tuple[Callable[[Any, Any], Any], Any]] = {}

    def optional_factory(type_: Any) -> Callable[[Any, Any], Any]:
        inner = _optional_inner(type_)
        direct = _OPTIONAL_PRIMITIVES.get(inner)
        if direct is not None:
            plain = _FAST_HOOKS.get(inner)
            optional_parts[direct] = (plain, inner) if plain is not None else (direct, type_)
            return direct
        if is_any_mapping(inner):

            def optional_mapping(value: Any, _: Any) -> Any:
                return None if value is None else _structure_mapping(value)

            optional_parts[optional_mapping] = (_structure_mapping, inner)
            return optional_mapping
        handler = conv.get_structure_hook(inner)

        def optional(value: Any, _: Any) -> Any:
            return None if value is None else handler(value, inner)

        optional_parts[optional] = (handler, inner)
        return optional

    conv.register_structure_hook_factory(_is_optional, optional_factory)

    def model_structure_factory(cls: Any) -> Callable[[Any, Any], Any]:
        if not detailed_validation and _plain_init(cls):
            return _fast_model_fn(cls, conv, optional_parts, tuple_parts)
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
        conv.register_structure_hook_factory(
            _is_homogeneous_tuple, _tuple_factory(conv, tuple_parts)
        )
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
