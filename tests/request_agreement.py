"""Whether the request parser and the API description agree, value for value.

The functions parse requests with ``pellicule.api.schema``; the description is generated from
the same types through Pydantic (``scripts/openapi.py``). :func:`agreement` draws bodies near a
valid one (a field at or past its limits, of another JSON kind, left out, or an unknown field
added) and checks that both accept and refuse the same, with the same values (a field left out
of an ``Omittable`` one is ``ABSENT`` on both sides, and compared as left out).
"""

from __future__ import annotations

import dataclasses
import datetime
import json
import runpy
import types
import typing
from pathlib import Path
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from hypothesis import strategies as st

from pellicule.api.schema import ABSENT, InvalidRequest, Items, Number, Text, Whole, parse

ROOT = Path(__file__).resolve().parents[1]
GENERATOR = runpy.run_path(str(ROOT / "scripts" / "openapi.py"), run_name="openapi_generator")
HASH = "a" * 64
# Strings where two readings of a rule part first: dates, e-mails, codes, MIME types.
SAMPLES = [
    *("red", "blue", "a-1", "2024-02-29", "2024-02-30", "1999-12-31", HASH, "123 456"),
    *("a@b.fr", " a@b.fr ", "a b@c.fr", "a@b.c\u00a0d", "image/jpeg", "IMAGE/JPEG"),
]

_json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(st.characters(exclude_categories=("Cs",)), max_size=8)
    | st.sampled_from(SAMPLES)
)
_json = st.recursive(
    _json_scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4)
    ),
    max_leaves=12,
)


def edges(annotation: Any) -> st.SearchStrategy[Any]:
    """Values at and just past the limits an annotation declares (where two descriptions of
    one rule would differ first), and values of every other JSON kind."""
    markers: list[Any] = []
    if get_origin(annotation) is Annotated:
        annotation, *markers = get_args(annotation)
    options: list[st.SearchStrategy[Any]] = [_json]
    if get_origin(annotation) in (Union, types.UnionType):
        options += [edges(option) for option in get_args(annotation)]
    if get_origin(annotation) is Literal:
        options.append(st.sampled_from([*get_args(annotation), "", "RED"]))
    if dataclasses.is_dataclass(annotation) and isinstance(annotation, type):
        hints = typing.get_type_hints(annotation, include_extras=True)
        options.append(st.fixed_dictionaries({name: edges(hint) for name, hint in hints.items()}))
    for marker in markers:
        if isinstance(marker, Text):
            sizes = {
                max(0, marker.min_length - 1),
                marker.min_length,
                marker.max_length,
                marker.max_length + 1,
            }
            alphabet = st.sampled_from("aZ09_-#: é٣\n")
            options.append(
                st.sampled_from(sorted(sizes)).flatmap(
                    lambda n, alphabet=alphabet: _text_of_length(alphabet, n)
                )
            )
            options.append(
                st.sampled_from(
                    [
                        "2024-02-29",
                        "2024-02-30",
                        "1999-12-31",
                        "2100-12-31",
                        "2101-01-01",
                        "2024-1-01",
                    ]
                )
            )
        if isinstance(marker, Whole):
            options.append(st.sampled_from([marker.ge - 1, marker.ge, marker.le, marker.le + 1]))
            options.append(st.integers(marker.ge - 3, marker.le + 3))
        if isinstance(marker, Number):
            options.append(
                st.sampled_from(
                    [
                        marker.ge,
                        marker.le,
                        marker.le + 0.001,
                        marker.ge - 0.001,
                        int(marker.le),
                        10**400,
                    ]
                )
            )
        if isinstance(marker, Items):
            element = get_args(annotation)[0] if get_origin(annotation) is tuple else None
            sizes = sorted(
                {
                    max(0, marker.min_items - 1),
                    marker.min_items,
                    marker.max_items,
                    marker.max_items + 1,
                }
            )
            if element is not None:
                options.append(
                    st.sampled_from(sizes).flatmap(
                        lambda n, element=element: st.lists(edges(element), min_size=n, max_size=n)
                    )
                )
            else:
                key, value = get_args(annotation)
                options.append(
                    st.sampled_from(sizes).flatmap(
                        lambda n, key=key, value=value: st.dictionaries(
                            edges(key).filter(lambda k: isinstance(k, str)),
                            edges(value),
                            min_size=min(n, 2),
                            max_size=n,
                        )
                    )
                )
    return st.one_of(options)


def near(kind: type, base: dict[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
    """Valid bodies with one field replaced by a value at its limits or of another kind, or
    one field left out."""
    hints = typing.get_type_hints(kind, include_extras=True)
    names = [field.name for field in dataclasses.fields(kind)]
    replaced = st.sampled_from(names).flatmap(
        lambda name: edges(hints[name]).map(lambda value: {**base, name: value})
    )
    dropped = st.sampled_from(names).map(lambda name: {k: v for k, v in base.items() if k != name})
    extra = st.builds(lambda name, value: {**base, name: value}, st.text(max_size=6), _json)
    return replaced | dropped | extra | st.just(base)


def pydantic_accepts(kind: type, raw: Any) -> tuple[bool, Any]:
    from pydantic import ValidationError

    model = GENERATOR["model_of"](kind)
    try:
        return True, _plain(model.model_validate_json(json.dumps(raw)))
    except ValidationError:
        return False, None


def ours(kind: type, raw: Any) -> tuple[bool, Any]:
    try:
        command = parse(kind, raw)
    except InvalidRequest:
        return False, None
    return True, _plain(command)


def _plain(value: Any) -> Any:
    """A parsed request (a dataclass or a Pydantic model) as JSON values, without the fields
    left out (``ABSENT``)."""
    from pydantic import BaseModel

    if isinstance(value, BaseModel):
        names: Any = type(value).model_fields
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        names = [field.name for field in dataclasses.fields(value)]
    else:
        names = None
    if names is not None:
        return {
            name: _plain(getattr(value, name))
            for name in names
            if getattr(value, name) is not ABSENT
        }
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return {_plain(key): _plain(item) for key, item in value.items()}
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


def check(kind: type, raw: Any) -> None:
    """The parser and the described schema give the same verdict (and value) on ``raw``."""
    ours_ok, our_value = ours(kind, raw)
    theirs_ok, their_value = pydantic_accepts(kind, raw)
    assert ours_ok == theirs_ok, raw
    if ours_ok:
        assert our_value == their_value


def _text_of_length(alphabet: st.SearchStrategy[str], n: int) -> st.SearchStrategy[str]:
    """Text of exactly ``n`` characters; past Hypothesis' own size limit (a 250 KB file field),
    a short random text repeated to the length, so the boundary is still tried."""
    if n <= 5_000:
        return st.text(alphabet, min_size=n, max_size=n)
    return st.text(alphabet, min_size=1, max_size=8).map(lambda piece: (piece * n)[:n])
