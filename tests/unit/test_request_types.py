"""Typed requests: the parser refuses what the declared types refuse, and agrees with the
API description (Pydantic, through Powertools, generates it from the same types)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Annotated, Any, Literal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from functions.family.contract import AlbumPageQuery, ConsentRequest, ErasureRequestBody
from pellicule.api.schema import (
    ABSENT,
    Day,
    Id,
    InvalidRequest,
    Items,
    Number,
    Omittable,
    Text,
    Whole,
    parse,
)
from tests import request_agreement as agreement

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


@dataclass(frozen=True)
class Update:
    """An update: a field left out is told apart from every value that may be sent."""

    name: Omittable[Annotated[str, Text(max_length=5, min_length=1)]] = ABSENT
    group: Omittable[Id | None] = ABSENT
    ids: Omittable[Annotated[tuple[Id, ...], Items(max_items=3, min_items=1)]] = ABSENT
    when: Omittable[Annotated[int, Whole(ge=0, le=99)] | Day] = ABSENT
    colour: Literal["red", "blue"] | None = None


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


# --- Left out is not null ------------------------------------------------------------------


def test_a_field_left_out_is_absent_and_told_apart_from_null() -> None:
    assert parse(Update, {}) == Update(ABSENT, ABSENT, ABSENT, ABSENT, None)
    command = parse(Update, {"group": None, "when": "2024-02-29"})
    assert (command.name, command.group, command.when) == (ABSENT, None, "2024-02-29")
    assert parse(Update, {"ids": ["a"], "when": 7}).ids == ("a",)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": None}, "name"),  # null only where the type allows it
        ({"ids": None}, "ids"),
        ({"when": None}, "when"),
        ({"name": ""}, "name"),
        ({"ids": []}, "ids"),
        ({"name": "absent"}, "name"),  # ABSENT is never sent: its value is just text here
        ({"group": "absent!"}, "group"),
        ({"when": "absent"}, "when"),
    ],
)
def test_an_omittable_field_sent_is_held_to_its_type(body: dict[str, Any], field: str) -> None:
    assert refused(Update, body).field == field


def test_absent_has_no_truth_value() -> None:
    # "if command.name:" would read a left-out field as sent
    with pytest.raises(TypeError):
        bool(ABSENT)
    assert repr(ABSENT) == "ABSENT"


def test_an_omittable_field_and_the_default_absent_go_together() -> None:
    @dataclass(frozen=True)
    class NoDefault:
        name: Omittable[Id]

    @dataclass(frozen=True)
    class NotOmittable:
        name: Id = ABSENT  # type: ignore[assignment]

    for kind in (NoDefault, NotOmittable):
        with pytest.raises(TypeError, match="ABSENT"):
            parse(kind, {"name": "a"})


# --- The parser and the API description agree ----------------------------------------------

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
    (Update, {"name": "Léa", "group": None, "ids": ["a-1"], "when": 3, "colour": "blue"}),
]


@pytest.mark.parametrize(("kind", "base"), CASES, ids=[kind.__name__ for kind, _ in CASES])
@settings(max_examples=200, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_the_parser_and_the_described_schema_accept_the_same_bodies(
    kind: type, base: dict[str, Any], data: st.DataObject
) -> None:
    agreement.check(kind, data.draw(agreement.near(kind, base)))
