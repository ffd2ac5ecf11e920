"""The staff API's request types: the parser agrees with the API description (Pydantic, through
Powertools, generates it from the same types), and the web app's bodies parse."""

from __future__ import annotations

import dataclasses
import json
import runpy
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from functions.admin import contract as c
from pellicule.api.schema import InvalidRequest, parse

ROOT = Path(__file__).resolve().parents[2]
GENERATOR = runpy.run_path(str(ROOT / "scripts" / "openapi.py"), run_name="openapi_generator")
ID = "a1b2c3d4e5f60718"
SCAN = "AbCdEfGhIjKlMnOp_-12.pdf"

# A valid body per request type, as the web app sends it (web/people*.js, review.js, staff.js).
CASES: list[tuple[type, dict[str, Any]]] = [
    (c.StaffCreate, {"role": "animator", "email": "anim@example.org", "display_name": "Sam"}),
    (c.StaffChange, {"trusted": True, "display_name": "Sam B."}),
    (c.GroupCreate, {"name": "Les Loutres", "site_id": ID}),
    (c.GroupChange, {"name": "Loutres", "site_id": None}),
    (c.ChildCreate, {"first_name": "Léa", "initial": "M", "group_id": ID}),
    (c.ChildChange, {"first_name": "Léana", "group_id": ID}),
    (c.GuardianCreate, {"email": "Parent@Example.org", "child_ids": [ID]}),
    (c.GuardianChange, {"email": "p@example.org", "child_ids": [ID, "b2"]}),
    (c.ScanRequest, {"type": "application/pdf", "size": 120_000}),
    (
        c.PaperConsent,
        {
            "audiences": ["families_of_group"],
            "media_kinds": ["photo", "video"],
            "signed_by": [ID],
            "scan_id": SCAN,
            "valid_from": "2026-09-01",
            "valid_until": 1_790_000_000,
        },
    ),
    (c.Withdrawal, {"requested_by": [ID], "scan_id": SCAN}),
    (c.ErasureRecord, {"confirm": True, "mode": "blur"}),
    (c.AlbumCreate, {"title": "Piscine", "date": "2026-07-08", "group_id": ID}),
    (c.AlbumChange, {"title": "Piscine", "date": "2026-07-09", "group_id": None}),
    (c.Tags, {"child_ids": [ID], "no_identifiable_child": False, "version": 3}),
    (c.Review, {"decision": "approve", "audiences": ["all_families_of_centre"]}),
    (c.Publication, {"audiences": ["families_of_group", "public_communication"]}),
]

_json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(st.characters(exclude_categories=("Cs",)), max_size=8)
    | st.sampled_from(
        [ID, "", " ", "a@b.fr", " a@b.fr ", "a b@c.fr", "a@b.c\u00a0d", "2026-02-30", SCAN]
    )
)
_json = st.recursive(
    _json_scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4)
    ),
    max_leaves=12,
)


def _near(kind: type, base: dict[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
    """Valid bodies with one field replaced by an arbitrary JSON value, or one left out."""
    names = [field.name for field in dataclasses.fields(kind)]
    replaced = st.builds(lambda name, value: {**base, name: value}, st.sampled_from(names), _json)
    dropped = st.sampled_from(names).map(lambda name: {k: v for k, v in base.items() if k != name})
    return replaced | dropped | st.just(base)


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
def test_the_web_apps_bodies_parse(kind: type, base: dict[str, Any]) -> None:
    assert dataclasses.is_dataclass(parse(kind, base))


@pytest.mark.parametrize(("kind", "base"), CASES, ids=[kind.__name__ for kind, _ in CASES])
@settings(max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture])
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


def test_a_field_left_out_of_an_update_is_told_apart_from_null() -> None:
    # Left out: unchanged; null: "no site" / "the whole centre"
    assert parse(c.GroupChange, {"name": "G"}).site_id == c.KEEP
    assert parse(c.GroupChange, {"site_id": None}).site_id is None
    assert parse(c.AlbumChange, {"title": "T"}).group_id == c.KEEP
    assert parse(c.AlbumChange, {"group_id": None}).group_id is None
    # ...and where null means nothing, it is refused, as are the values standing for "left out"
    for kind, body, field in (
        (c.ChildChange, {"group_id": None}, "group_id"),
        (c.AlbumChange, {"date": None}, "date"),
        (c.StaffChange, {"display_name": ""}, "display_name"),
        (c.GuardianChange, {"child_ids": []}, "child_ids"),
    ):
        with pytest.raises(InvalidRequest) as caught:
            parse(kind, body)
        assert caught.value.field == field


@pytest.mark.parametrize(
    "email",
    ["", "parent", "parent@", "@example.org", "pa rent@example.org", "a@b", "a@b.c\u00a0d"],
)
def test_an_address_that_is_no_e_mail_is_refused(email: str) -> None:
    with pytest.raises(InvalidRequest) as caught:
        parse(c.GuardianCreate, {"email": email, "child_ids": [ID]})
    assert caught.value.field == "email"
