"""Typed requests without a validation library: the vocabulary and the parser.

A request's body, query string and path parameters are frozen dataclasses whose fields carry
their limits as ``typing.Annotated`` markers::

    @dataclass(frozen=True)
    class Caption:
        text: Annotated[str, Text(max_length=280)]
        tags: Annotated[tuple[Id, ...], Items(max_items=50)] = ()

:func:`parse` turns decoded JSON (or a query string's values) into such a dataclass, or raises
:class:`InvalidRequest` (400, code ``invalid_request``) naming the first field at fault. Nothing
is coerced: a JSON ``"3"`` is not an integer, ``1`` is not ``true``, ``NaN`` is not a number;
unknown fields are refused. Query strings are the exception: their values are text, so a
``Whole`` field there reads ASCII digits.

A field with a default may be left out. Where leaving a field out must be told apart from
sending it (an update: left out is "unchanged", ``null`` may mean "none"), the field is
``Omittable[T] = ABSENT``: the parser fills in :data:`ABSENT` for it when it is left out, and
``T`` decides what may be sent (``null`` only if ``T`` allows it)::

    @dataclass(frozen=True)
    class GroupChange:
        name: Omittable[Name] = ABSENT  # left out: unchanged; null refused
        site_id: Omittable[Id | None] = ABSENT  # null: no site

    if command.site_id is not ABSENT: ...

Why not Pydantic at run time: Powertools' ``enable_validation=True`` imports Pydantic and its
OpenAPI machinery on every cold start, 80–110 ms of CPU before the first model (measured,
docs/decisions.md), the whole budget of the typed layer. The same types are handed to Pydantic
offline, where the OpenAPI description is generated (``scripts/openapi.py``), and a property
test checks that this parser and Pydantic accept and refuse the same values.

Only the standard library is imported here: this module is on every API function's hot path.
"""

from __future__ import annotations

import dataclasses
import datetime
import enum
import math
import re
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Annotated, Any, Final, Literal, TypeVar, Union, get_args, get_origin

from pellicule.domain.errors import BadRequest
from pellicule.domain.messages import Term

T = TypeVar("T")


# The ``field`` of the body itself: "" in the answer's params, "corps" / "body" in the text.
BODY: Final = Term("", "request_body")


class InvalidRequest(BadRequest):
    """A request that does not match its declared type: the first field at fault (``field``,
    its path: ``boxes[0][1]``; "" for the body itself), and why (a ``field_*`` code of the
    catalogue, ``pellicule.domain.messages.fields``, whose ``{field}`` is that path)."""

    code = "invalid_request"

    def __init__(self, field: str, reason: str, /, **params: Any) -> None:
        self.field = field
        super().__init__(reason, field=field or BODY, **params)


# --- Markers --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Text:
    """A string of ``min_length``–``max_length`` characters, matching ``pattern`` if given
    (the whole string: patterns are anchored)."""

    max_length: int
    min_length: int = 0
    pattern: str | None = None


@dataclass(frozen=True)
class Whole:
    """An integer within ``ge``–``le`` (JSON: a number without fraction; never a boolean)."""

    ge: int
    le: int


@dataclass(frozen=True)
class Number:
    """A finite number within ``ge``–``le``."""

    ge: float
    le: float


@dataclass(frozen=True)
class Items:
    """A list (a tuple once parsed) of ``min_items``–``max_items`` elements, or a mapping of
    as many entries."""

    max_items: int
    min_items: int = 0
    unique: bool = False


class Absent(enum.Enum):
    """The type of :data:`ABSENT`, the value of an ``Omittable`` field a request left out."""

    ABSENT = "absent"

    def __repr__(self) -> str:
        return "ABSENT"

    def __bool__(self) -> bool:
        # "if command.name:" would read a left-out field as sent: ask "is not ABSENT".
        raise TypeError("ABSENT has no truth value: compare it with `is ABSENT`")


ABSENT: Final = Absent.ABSENT
# A field that may be left out, told apart from any value that can be sent (``null`` too).
Omittable = Union[T, Absent]  # noqa: UP007 (a generic alias: ``T | Absent`` is not one)


ID_PATTERN = "[A-Za-z0-9_-]{1,64}"
DATE_PATTERN = r"[0-9]{4}-[0-9]{2}-[0-9]{2}"

# Identifiers the server made (uuid hex, slugs): what every path parameter is by default.
Id = Annotated[str, Text(max_length=64, min_length=1, pattern=ID_PATTERN)]
# A calendar day (YYYY-MM-DD), checked as a real date of 2000–2100.
Day = Annotated[str, Text(max_length=10, min_length=10, pattern=DATE_PATTERN)]
EARLIEST_YEAR, LATEST_YEAR = 2000, 2100


# --- Parsing --------------------------------------------------------------------------------


def parse(kind: Any, raw: Any, *, from_query: bool = False, at: str = "") -> Any:
    """``raw`` (decoded JSON, or a query string's ``{name: value}``) as a ``kind`` value:
    a request dataclass, or any annotation this module supports (``Id``...). ``at`` names
    the value in errors (a path parameter's name)."""
    return _value(kind, raw, at, from_query)


@cache
def hints(kind: type) -> dict[str, Any]:
    """The resolved field annotations of a request dataclass (``Annotated`` kept)."""
    return typing.get_type_hints(kind, include_extras=True)


def omittable(annotation: Any) -> bool:
    """Whether ``annotation`` is an ``Omittable[...]`` one (its field may be left out)."""
    return get_origin(annotation) in (Union, types.UnionType) and Absent in get_args(annotation)


@cache
def required_fields(kind: type) -> tuple[str, ...]:
    """The fields of a request dataclass a request must send (no default). Checks that its
    ``Omittable`` fields, and only they, default to ``ABSENT``."""
    annotations = hints(kind)
    required = []
    for field in dataclasses.fields(kind):
        absent_default = field.default is ABSENT
        if omittable(annotations[field.name]) != absent_default:
            raise TypeError(
                f"{kind.__name__}.{field.name}: an Omittable[...] field, and only such a "
                "field, has the default ABSENT"
            )
        if field.default is dataclasses.MISSING and field.default_factory is dataclasses.MISSING:
            required.append(field.name)
    return tuple(required)


def present(command: Any) -> dict[str, Any]:
    """A parsed request's fields, but those left out (``ABSENT``): e.g. what an update
    changes."""
    values = {field.name: getattr(command, field.name) for field in dataclasses.fields(command)}
    return {name: value for name, value in values.items() if value is not ABSENT}


def _value(annotation: Any, raw: Any, where: str, from_query: bool) -> Any:
    markers: tuple[Any, ...] = ()
    if get_origin(annotation) is Annotated:
        annotation, *extra = get_args(annotation)
        markers = tuple(extra)
    origin = get_origin(annotation)
    if origin in (Union, types.UnionType):
        return _union(get_args(annotation), raw, where, from_query)
    if origin is Literal:
        return _choice(get_args(annotation), raw, where)
    if dataclasses.is_dataclass(annotation) and isinstance(annotation, type):
        return _object(annotation, raw, where, from_query)
    if annotation is str:
        return _text(_marker(markers, Text, where), raw, where)
    if annotation is bool:
        return _boolean(raw, where)
    if annotation is int:
        return _whole(_marker(markers, Whole, where), raw, where, from_query)
    if annotation is float:
        return _number(_marker(markers, Number, where), raw, where)
    if origin is tuple:
        return _items(annotation, _marker(markers, Items, where), raw, where)
    if origin is dict:
        return _mapping(annotation, _marker(markers, Items, where), raw, where)
    raise TypeError(f"unsupported request type at {where or 'body'}: {annotation!r}")


def _choice(allowed: tuple[Any, ...], raw: Any, where: str) -> Any:
    if isinstance(raw, str) and raw in allowed:
        return raw
    raise InvalidRequest(where, "field_unknown_value", choices=[str(choice) for choice in allowed])


def _boolean(raw: Any, where: str) -> bool:
    if isinstance(raw, bool):
        return raw
    raise InvalidRequest(where, "field_boolean_expected")


def _marker(markers: tuple[Any, ...], kind: type[T], where: str) -> T:
    for marker in markers:
        if isinstance(marker, kind):
            return marker
    raise TypeError(f"{where or 'body'}: a {kind.__name__}(...) limit is required")


def _union(options: tuple[Any, ...], raw: Any, where: str, from_query: bool) -> Any:
    if raw is None and type(None) in options:
        return None
    errors: list[tuple[Any, InvalidRequest]] = []
    for option in options:
        if option is type(None) or option is Absent:  # ABSENT is never sent, only filled in
            continue
        try:
            return _value(option, raw, where, from_query)
        except InvalidRequest as refused:
            errors.append((option, refused))
    # The error worth showing is the one of the option of the value's own kind: "demain" for
    # a number-or-day is refused as a day, not as a number.
    for option, error in errors:
        if isinstance(raw, _base(option)):
            raise error
    raise errors[0][1]


def _base(annotation: Any) -> type | tuple[type, ...]:
    while get_origin(annotation) is Annotated:
        annotation = get_args(annotation)[0]
    if get_origin(annotation) is Literal:
        return str
    if isinstance(annotation, type) and not dataclasses.is_dataclass(annotation):
        return (int, float) if annotation is float else annotation
    return (dict, list)


def _object(kind: type, raw: Any, where: str, from_query: bool) -> Any:
    if not isinstance(raw, Mapping):
        raise InvalidRequest(where, "field_object_expected")
    fields = {field.name: field for field in dataclasses.fields(kind)}
    unknown = sorted(str(name) for name in raw if name not in fields)
    if unknown and not from_query:
        name = unknown[0][:40]
        raise InvalidRequest(_join(where, name), "field_unknown")
    annotations = hints(kind)
    required = required_fields(kind)
    values: dict[str, Any] = {}
    for name in fields:
        if name in raw:
            values[name] = _value(annotations[name], raw[name], _join(where, name), from_query)
        elif name in required:
            raise InvalidRequest(_join(where, name), "field_required")
    return kind(**values)  # a field left out takes its default (ABSENT if Omittable)


def _join(where: str, name: str) -> str:
    return f"{where}.{name}" if where else name


def _text(limits: Text, raw: Any, where: str) -> str:
    if not isinstance(raw, str):
        raise InvalidRequest(where, "field_text_expected")
    if limits.pattern == DATE_PATTERN:
        if not _pattern(DATE_PATTERN).fullmatch(raw):
            raise InvalidRequest(where, "field_date_expected")
        _real_day(raw, where)
        return raw
    if not limits.min_length <= len(raw) <= limits.max_length:
        raise InvalidRequest(
            where, "field_text_length", minimum=limits.min_length, maximum=limits.max_length
        )
    if limits.pattern is not None and not _pattern(limits.pattern).fullmatch(raw):
        raise InvalidRequest(where, "field_format")
    return raw


@cache
def _pattern(pattern: str) -> re.Pattern[str]:
    # ASCII: \d or \w would otherwise match Arabic-Indic digits or accented letters.
    return re.compile(pattern, re.ASCII)


def _real_day(raw: str, where: str) -> None:
    try:
        day = datetime.date.fromisoformat(raw)
    except ValueError:
        raise InvalidRequest(where, "field_date_expected") from None
    if not EARLIEST_YEAR <= day.year <= LATEST_YEAR:
        raise InvalidRequest(where, "field_date_range", earliest=EARLIEST_YEAR, latest=LATEST_YEAR)


_DIGITS = re.compile(r"-?[0-9]{1,18}", re.ASCII)


def _whole(limits: Whole, raw: Any, where: str, from_query: bool) -> int:
    if from_query and isinstance(raw, str) and _DIGITS.fullmatch(raw):
        raw = int(raw)
    if isinstance(raw, bool) or not isinstance(raw, int):
        raise InvalidRequest(where, "field_whole_expected")
    if not limits.ge <= raw <= limits.le:
        raise InvalidRequest(where, "field_number_range", minimum=limits.ge, maximum=limits.le)
    return raw


def _number(limits: Number, raw: Any, where: str) -> float:
    if isinstance(raw, bool) or not isinstance(raw, int | float):
        raise InvalidRequest(where, "field_number_expected")
    try:
        value = float(raw)
    except OverflowError:  # an integer no float holds
        value = math.inf
    if not math.isfinite(value) or not limits.ge <= value <= limits.le:
        raise InvalidRequest(
            where, "field_number_range", minimum=_plain(limits.ge), maximum=_plain(limits.le)
        )
    return value


def _plain(bound: float) -> int | float:
    """A limit as written: 0 rather than 0.0 (an integral bound reads as an integer)."""
    return int(bound) if float(bound).is_integer() else bound


def _items(annotation: Any, limits: Items, raw: Any, where: str) -> tuple[Any, ...]:
    element, *rest = get_args(annotation)
    if rest != [Ellipsis]:
        raise TypeError(f"{where}: only tuple[T, ...] is supported")
    if not isinstance(raw, list):
        raise InvalidRequest(where, "field_list_expected")
    if not limits.min_items <= len(raw) <= limits.max_items:
        raise InvalidRequest(
            where, "field_items_count", minimum=limits.min_items, maximum=limits.max_items
        )
    values = tuple(_value(element, item, f"{where}[{i}]", False) for i, item in enumerate(raw))
    if limits.unique and len(set(values)) != len(values):
        raise InvalidRequest(where, "field_duplicates")
    return values


def _mapping(annotation: Any, limits: Items, raw: Any, where: str) -> dict[str, Any]:
    key_type, value_type = get_args(annotation)
    if not isinstance(raw, Mapping):
        raise InvalidRequest(where, "field_object_expected")
    if not limits.min_items <= len(raw) <= limits.max_items:
        raise InvalidRequest(
            where, "field_entries_count", minimum=limits.min_items, maximum=limits.max_items
        )
    return {
        _value(key_type, key, where, False): _value(value_type, value, _join(where, key), False)
        for key, value in raw.items()
    }
