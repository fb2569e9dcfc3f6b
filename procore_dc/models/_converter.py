"""The one cattrs converter every model goes through, and the helpers built on it.

Wire-format policy lives here and in the modules this one composes:

- ISO 8601 datetimes (``Z`` or an offset, any number of fraction digits) become aware
  :class:`~datetime.datetime` objects; a datetime without an offset is taken as UTC, which is
  what Procore documents for every timestamp. Unstructuring writes UTC with a ``Z``
  (``_datetimes.py``).
- Dates become :class:`~datetime.date`; a full timestamp where a date was expected is accepted
  and cut to its date (Procore's spec and its answers disagree on a few fields).
- Primitives accept only what JSON can carry for their type (``_primitives.py``).
- Unknown keys are ignored; each model keeps the full original mapping as ``.raw``.
- API input is structured with detailed validation **off** (about twice as fast). Only when an
  item fails is it structured again with detailed validation on, so the
  :class:`~procore_dc.exceptions.ResponseFormatError` can name the model and the field path
  (``cattrs.transform_error``).
- For API input each model class gets a generated hook that fills the frozen instance's slots
  directly (``raw`` in the same pass), skipping cattrs' ``**kwargs`` call into ``__init__``;
  classes whose ``__init__`` does more than store its arguments keep cattrs' own function
  (``_fastpath.py``).

Both converters are built by :func:`make_converter` with the same hooks; they differ only in
how much they report when input does not fit.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any, Callable, TypeVar, Union

import attrs
import cattrs
from cattrs.errors import BaseValidationError
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override
from cattrs.preconf.json import make_converter as _make_json_converter

from procore_dc.exceptions import ResponseFormatError
from procore_dc.models._datetimes import format_datetime
from procore_dc.models._fastpath import _FAST_HOOKS, _fast_model_fn, _plain_init
from procore_dc.models._primitives import (
    _OPTIONAL_PRIMITIVES,
    _not_an_object,
    _structure_bool,
    _structure_date,
    _structure_datetime,
    _structure_float,
    _structure_int,
    _structure_mapping,
    _structure_str,
)

__all__ = [
    "converter",
    "make_converter",
    "structure",
    "structure_many",
    "unstructure",
]

T = TypeVar("T")

_NONE_TYPE = type(None)


def _optional_inner(type_: Any) -> Any:
    args = [arg for arg in getattr(type_, "__args__", ()) if arg is not _NONE_TYPE]
    return args[0]


def _is_optional(type_: Any) -> bool:
    args = getattr(type_, "__args__", None)
    origin = getattr(type_, "__origin__", None)
    return origin is Union and args is not None and len(args) == 2 and _NONE_TYPE in args


def _is_model(type_: Any) -> bool:
    return isinstance(type_, type) and attrs.has(type_) and "raw" in attrs.fields_dict(type_)


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


def make_converter(*, detailed_validation: bool = False) -> cattrs.Converter:
    """Build a converter with procore_dc's wire-format policy.

    :param detailed_validation: collect every error with its field path (slower); the module's
        ``converter`` has it off and uses a detailed twin only to explain failures

    .. code-block:: python

        conv = make_converter(detailed_validation=True)
        rfi = conv.structure({"id": 1, "subject": "Door"}, Rfi)
    """
    conv: cattrs.Converter = _make_json_converter(detailed_validation=detailed_validation)

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
