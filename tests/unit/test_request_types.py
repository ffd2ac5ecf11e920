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
    ("change", "field", "reason"),
    [
        ({"surprise": 1}, "surprise", "field_unknown"),  # refused, not ignored
        ({"count": "3"}, "count", "field_whole_expected"),  # no coercion from text
        ({"count": True}, "count", "field_whole_expected"),  # a boolean is not a number
        ({"count": 3.0}, "count", "field_whole_expected"),  # nor is a float a whole number
        ({"count": 41}, "count", "field_number_range"),
        ({"flag": 1}, "flag", "field_boolean_expected"),
        ({"name": ""}, "name", "field_text_length"),
        ({"name": "x" * 6}, "name", "field_text_length"),
        ({"name": 5}, "name", "field_text_expected"),
        ({"ids": ["a b"]}, "ids[0]", "field_format"),
        ({"ids": ["٣"]}, "ids[0]", "field_format"),  # an Arabic-Indic digit is not [0-9]
        ({"ids": ["a", "b", "c", "d"]}, "ids", "field_items_count"),
        ({"ids": ["a", "a"]}, "ids", None),  # not unique=True: accepted
        ({"ids": "a"}, "ids", "field_list_expected"),
        ({"colour": "green"}, "colour", "field_unknown_value"),
        ({"boxes": [{"left": 2, "top": 0}]}, "boxes[0].left", "field_number_range"),
        ({"boxes": [{"left": float("nan"), "top": 0}]}, "boxes[0].left", "field_number_range"),
        ({"boxes": [{"left": 10**400, "top": 0}]}, "boxes[0].left", "field_number_range"),
        ({"boxes": [{"left": "0", "top": 0}]}, "boxes[0].left", "field_number_expected"),
        ({"boxes": [{"left": 0}]}, "boxes[0].top", "field_required"),
        ({"boxes": ["x"]}, "boxes[0]", "field_object_expected"),
        ({"labels": {"long": True}}, "labels", "field_text_length"),
        ({"labels": {"a": 1, "b": 1, "c": 1}}, "labels", "field_entries_count"),
        ({"labels": []}, "labels", "field_object_expected"),
        ({"day": "2024-02-30"}, "day", "field_date_expected"),
        ({"day": "1999-12-31"}, "day", "field_date_range"),
        ({"day": "2024-1-01"}, "day", "field_date_expected"),
        ({"when": 100}, "when", "field_number_range"),
    ],
)
def test_each_field_is_held_to_its_type(
    change: dict[str, Any], field: str, reason: str | None
) -> None:
    if reason is None:
        parse(Everything, {**VALID, **change})
        return
    error = refused(Everything, {**VALID, **change})
    assert error.status == 400
    assert error.code == "invalid_request"
    assert (error.field, error.reason) == (field, reason)
    # The message names the field at fault (its path, the same in both languages)
    assert error.params["field"] == field
    assert all(field in text for text in error.texts.values())


def test_the_limits_are_the_messages_parameters() -> None:
    assert refused(Everything, {**VALID, "count": 41}).params == {
        "field": "count",
        "minimum": -2,
        "maximum": 40,
    }
    assert refused(Everything, {**VALID, "colour": "green"}).params == {
        "field": "colour",
        "choices": ["red", "blue"],
    }
    # An integral bound of a number reads as an integer
    left = refused(Everything, {**VALID, "boxes": [{"left": 2, "top": 0}]})
    assert (left.params["minimum"], left.params["maximum"]) == (0, 1)
    assert left.texts["en"] == "boxes[0].left: a number from 0 to 1."


def test_a_missing_field_and_a_body_that_is_no_object_are_named() -> None:
    assert refused(Everything, {k: v for k, v in VALID.items() if k != "flag"}).field == "flag"
    body = refused(Everything, ["not", "an", "object"])
    assert (body.field, body.reason) == ("", "field_object_expected")
    # The body itself: "" in the answer's params, in words in the text
    from pellicule.api import http

    assert http.error_answer(body)["params"] == {"field": ""}
    assert body.texts == {
        "fr": "« corps » : un objet JSON est attendu.",
        "en": "body: a JSON object is expected.",
    }


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
