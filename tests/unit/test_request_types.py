"""Typed requests: the parser refuses what the declared types refuse, and agrees with the
API description (Pydantic, through Powertools, generates it from the same types)."""

from __future__ import annotations

import dataclasses
import json
import runpy
import types
import typing
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal, Union, get_args, get_origin

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from functions.family.contract import AlbumPageQuery, ConsentRequest, ErasureRequestBody
from pellicule.api.schema import Day, Id, InvalidRequest, Items, Number, Text, Whole, parse

ROOT = Path(__file__).resolve().parents[2]
GENERATOR = runpy.run_path(str(ROOT / "scripts" / "openapi.py"), run_name="openapi_generator")
HASH = "a" * 64


@dataclass(frozen=True)
class Box:
    left: Annotated[float, Number(ge=0, le=1)]
    top: Annotated[float, Number(ge=0, le=1)]


@dataclass(frozen=True)
class Everything:
    """A request using every kind of field the parser supports."""

    name: Annotated[str, Text(max_length=5, min_length=1)]
    ids: Annotated[tuple[Id, ...], Items(max_items=3)]
    count: Annotated[int, Whole(ge=-2, le=40)]
    flag: bool
    colour: Literal["red", "blue"]
    boxes: Annotated[tuple[Box, ...], Items(max_items=2)] = ()
    labels: Annotated[dict[Annotated[str, Text(max_length=3)], bool], Items(max_items=2)] = (
        dataclasses.field(default_factory=dict)
    )
    day: Day | None = None
    when: Annotated[int, Whole(ge=0, le=99)] | Day | None = None


VALID = {"name": "Léa", "ids": ["a-1"], "count": 3, "flag": True, "colour": "red"}


def refused(kind: Any, raw: Any) -> InvalidRequest:
    with pytest.raises(InvalidRequest) as caught:
        parse(kind, raw)
    return caught.value


def test_a_valid_request_becomes_its_typed_command() -> None:
    command = parse(
        Everything,
        {**VALID, "boxes": [{"left": 0, "top": 0.5}], "labels": {"ok": False}, "when": 7},
    )
    assert command == Everything(
        name="Léa",
        ids=("a-1",),
        count=3,
        flag=True,
        colour="red",
        boxes=(Box(left=0.0, top=0.5),),
        labels={"ok": False},
        when=7,
    )


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"surprise": 1}, "surprise"),  # unknown fields are refused, not ignored
        ({"count": "3"}, "count"),  # no coercion from text
        ({"count": True}, "count"),  # a boolean is not a number
        ({"count": 3.0}, "count"),  # nor is a float a whole number
        ({"count": 41}, "count"),
        ({"flag": 1}, "flag"),
        ({"name": ""}, "name"),
        ({"name": "x" * 6}, "name"),
        ({"ids": ["a b"]}, "ids[0]"),
        ({"ids": ["٣"]}, "ids[0]"),  # an Arabic-Indic digit is not [0-9]
        ({"ids": ["a", "b", "c", "d"]}, "ids"),
        ({"ids": "a"}, "ids"),
        ({"colour": "green"}, "colour"),
        ({"boxes": [{"left": 2, "top": 0}]}, "boxes[0].left"),
        ({"boxes": [{"left": float("nan"), "top": 0}]}, "boxes[0].left"),
        ({"boxes": [{"left": 10**400, "top": 0}]}, "boxes[0].left"),
        ({"boxes": [{"left": 0}]}, "boxes[0].top"),
        ({"labels": {"long": True}}, "labels"),
        ({"day": "2024-02-30"}, "day"),
        ({"day": "1999-12-31"}, "day"),
        ({"day": "2024-1-01"}, "day"),
        ({"when": 100}, "when"),
    ],
)
def test_each_field_is_held_to_its_type(change: dict[str, Any], field: str) -> None:
    error = refused(Everything, {**VALID, **change})
    assert error.status == 400
    assert error.code == "invalid_request"
    assert error.field == field
    assert f"« {field} »" in error.message
    assert f"/ {field}:" in error.message


def test_a_missing_field_and_a_body_that_is_no_object_are_named() -> None:
    assert refused(Everything, {k: v for k, v in VALID.items() if k != "flag"}).field == "flag"
    assert refused(Everything, ["not", "an", "object"]).field == ""


def test_query_strings_carry_text_and_unknown_parameters_are_left_alone() -> None:
    query = parse(AlbumPageQuery, {"limit": "12", "utm_source": "mail"}, from_query=True)
    assert query == AlbumPageQuery(cursor=None, limit=12)
    with pytest.raises(InvalidRequest):
        parse(AlbumPageQuery, {"limit": "²"}, from_query=True)
    with pytest.raises(InvalidRequest):
        parse(AlbumPageQuery, {"limit": "0"}, from_query=True)
    with pytest.raises(InvalidRequest):
        parse(AlbumPageQuery, {"cursor": "MEDIA#1#x"}, from_query=True)


def test_the_consent_request_of_the_web_app_parses() -> None:
    body = {
        "audiences": ["families_of_group"],
        "media_kinds": ["photo", "video"],
        "text_sha256": HASH,
        "valid_until": "2026-08-31",
    }
    command = parse(ConsentRequest, body)
    assert command.audiences == ("families_of_group",)
    assert command.valid_until == "2026-08-31"
    assert (
        parse(ConsentRequest, {**body, "valid_until": 1_780_000_000}).valid_until == 1_780_000_000
    )
    assert refused(ConsentRequest, {**body, "audiences": ["everyone"]}).field == "audiences[0]"


# --- The parser and the API description agree ----------------------------------------------

_json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(st.characters(exclude_categories=("Cs",)), max_size=8)
    | st.sampled_from(["red", "blue", "a-1", "2024-02-29", "2024-02-30", "1999-12-31", HASH])
)
_json = st.recursive(
    _json_scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4)
    ),
    max_leaves=12,
)


def _edges(annotation: Any) -> st.SearchStrategy[Any]:
    """Values at and just past the limits an annotation declares (where two descriptions of
    one rule would differ first), and values of every other JSON kind."""
    markers: list[Any] = []
    if get_origin(annotation) is Annotated:
        annotation, *markers = get_args(annotation)
    options: list[st.SearchStrategy[Any]] = [_json]
    if get_origin(annotation) in (Union, types.UnionType):
        options += [_edges(option) for option in get_args(annotation)]
    if get_origin(annotation) is Literal:
        options.append(st.sampled_from([*get_args(annotation), "", "RED"]))
    if dataclasses.is_dataclass(annotation) and isinstance(annotation, type):
        hints = typing.get_type_hints(annotation, include_extras=True)
        options.append(st.fixed_dictionaries({name: _edges(hint) for name, hint in hints.items()}))
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
                    lambda n, alphabet=alphabet: st.text(alphabet, min_size=n, max_size=n)
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
                        lambda n, element=element: st.lists(_edges(element), min_size=n, max_size=n)
                    )
                )
            else:
                key, value = get_args(annotation)
                options.append(
                    st.sampled_from(sizes).flatmap(
                        lambda n, key=key, value=value: st.dictionaries(
                            _edges(key).filter(lambda k: isinstance(k, str)),
                            _edges(value),
                            min_size=min(n, 2),
                            max_size=n,
                        )
                    )
                )
    return st.one_of(options)


def _near(kind: type, base: dict[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
    """Valid bodies with one field replaced by a value at its limits or of another kind, or
    one field left out."""
    hints = typing.get_type_hints(kind, include_extras=True)
    names = [field.name for field in dataclasses.fields(kind)]
    replaced = st.sampled_from(names).flatmap(
        lambda name: _edges(hints[name]).map(lambda value: {**base, name: value})
    )
    dropped = st.sampled_from(names).map(lambda name: {k: v for k, v in base.items() if k != name})
    extra = st.builds(lambda name, value: {**base, name: value}, st.text(max_size=6), _json)
    return replaced | dropped | extra | st.just(base)


CASES = [
    (Everything, {**VALID, "boxes": [{"left": 0.5, "top": 1}], "day": "2024-02-29"}),
    (
        ConsentRequest,
        {
            "audiences": ["families_of_group"],
            "media_kinds": ["photo"],
            "text_sha256": HASH,
            "valid_from": "2026-01-01",
        },
    ),
    (ErasureRequestBody, {"confirm": True}),
]


def _pydantic_accepts(kind: type, raw: Any) -> tuple[bool, Any]:
    from pydantic import ValidationError

    model = GENERATOR["model_of"](kind)
    try:
        return True, model.model_validate_json(json.dumps(raw)).model_dump(mode="json")
    except ValidationError:
        return False, None


def _ours(kind: type, raw: Any) -> tuple[bool, Any]:
    try:
        command = parse(kind, raw)
    except InvalidRequest:
        return False, None
    return True, json.loads(json.dumps(dataclasses.asdict(command)))


@pytest.mark.parametrize(("kind", "base"), CASES, ids=[kind.__name__ for kind, _ in CASES])
@settings(max_examples=400, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_the_parser_and_the_described_schema_accept_the_same_bodies(
    kind: type, base: dict[str, Any], data: st.DataObject
) -> None:
    raw = data.draw(_near(kind, base))
    ours_ok, ours = _ours(kind, raw)
    theirs_ok, theirs = _pydantic_accepts(kind, raw)
    assert ours_ok == theirs_ok, raw
    if ours_ok:
        assert ours == theirs
