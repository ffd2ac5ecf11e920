"""The staff API's request types: the parser agrees with the API description (Pydantic, through
Powertools, generates it from the same types), and the web app's bodies parse."""

from __future__ import annotations

import dataclasses
import re
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from functions.admin import contract as c
from pellicule.api.schema import ABSENT, InvalidRequest, parse
from tests import request_agreement as agreement

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
    # web/people/import.js: the file (base64) and the column chosen for each column
    (
        c.RosterImport,
        {
            "file": "Tm9tO1Byw6lub207R3JvdXBlCk1hcnRpbjtMw6lhO0xvdXRyZXMK",
            "mapping": ["last_name", "first_name", "group"],
            "dry_run": True,
        },
    ),
    # web/settings.js: only the settings that changed
    (
        c.SettingsChange,
        {
            "media_retention_months": 6,
            "max_photo_bytes": 20 * 1024 * 1024,
            "validation_mode": "trusted_animators",
            "allow_downloads": False,
            "season_end": "07-14",
        },
    ),
]


@pytest.mark.parametrize(("kind", "base"), CASES, ids=[kind.__name__ for kind, _ in CASES])
def test_the_web_apps_bodies_parse(kind: type, base: dict[str, Any]) -> None:
    assert dataclasses.is_dataclass(parse(kind, base))


@pytest.mark.parametrize(("kind", "base"), CASES, ids=[kind.__name__ for kind, _ in CASES])
@settings(max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_the_parser_and_the_described_schema_accept_the_same_bodies(
    kind: type, base: dict[str, Any], data: st.DataObject
) -> None:
    agreement.check(kind, data.draw(agreement.near(kind, base)))


def test_a_field_left_out_of_an_update_is_told_apart_from_null() -> None:
    # Left out: unchanged; null: "no site" / "the whole centre"
    assert parse(c.GroupChange, {"name": "G"}).site_id is ABSENT
    assert parse(c.GroupChange, {"site_id": None}).site_id is None
    assert parse(c.AlbumChange, {"title": "T"}).group_id is ABSENT
    assert parse(c.AlbumChange, {"group_id": None}).group_id is None
    assert parse(c.GuardianChange, {"email": "p@example.org"}).child_ids is ABSENT
    # ...and where null means nothing, it is refused, as are empty values
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


# --- The centre's settings: the type has the settings rule's limits --------------------------


def test_the_settings_type_names_every_setting_with_its_rules_limits() -> None:
    import typing

    from pellicule.api.schema import Whole, hints
    from pellicule.services import tenant_settings

    fields = {f.name for f in dataclasses.fields(c.SettingsChange)}
    assert fields == {f.name for f in dataclasses.fields(tenant_settings.TenantSettings)}
    assert fields == set(c.AdminSettings.__annotations__)
    for name, annotation in hints(c.SettingsChange).items():
        sent = next(a for a in typing.get_args(annotation) if a is not type(ABSENT))
        if name in tenant_settings.LIMITS:
            limit = tenant_settings.LIMITS[name]
            (whole,) = [m for m in typing.get_args(sent)[1:] if isinstance(m, Whole)]
            assert (whole.ge, whole.le) == (limit.minimum, limit.maximum), name
        elif tenant_settings.CHOICES[name].allowed:
            allowed = tenant_settings.CHOICES[name].allowed
            assert set(typing.get_args(sent) or (True, False)) == set(allowed), name


def _setting_values(name: str) -> st.SearchStrategy[Any]:
    from pellicule.services import tenant_settings

    if name in tenant_settings.LIMITS:
        limit = tenant_settings.LIMITS[name]
        return st.one_of(
            st.sampled_from([limit.minimum - 1, limit.minimum, limit.maximum, limit.maximum + 1]),
            st.integers(limit.minimum - 3, limit.maximum + 3),
            agreement.edges(int),
        )
    return st.one_of(
        st.sampled_from([*tenant_settings.CHOICES[name].allowed, "", "DIRECTOR", 1, 0]),
        st.sampled_from(["08-31", "02-29", "02-30", "13-01", "00-10", "8-31", "08-31 "]),
        agreement.edges(str),
    )


@settings(max_examples=200, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_the_settings_type_and_the_settings_rule_accept_the_same_values(
    data: st.DataObject,
) -> None:
    import datetime

    from pellicule.domain.errors import BadRequest
    from pellicule.services import tenant_settings

    name = data.draw(st.sampled_from([f.name for f in dataclasses.fields(c.SettingsChange)]))
    value = data.draw(_setting_values(name))
    try:
        parse(c.SettingsChange, {name: value})
        typed = True
    except InvalidRequest:
        typed = False
    try:
        tenant_settings.validate({name: value})
        ruled = True
    except BadRequest:
        ruled = False
    if name != "season_end":
        assert typed == ruled, (name, value)
        return
    # The season's end: the type guards the shape (MM-DD), the rule that it is a real day.
    shaped = isinstance(value, str) and re.fullmatch("[0-9]{2}-[0-9]{2}", value, re.ASCII)
    assert typed == bool(shaped), value
    if shaped:
        try:
            datetime.date.fromisoformat(f"2024-{value}")  # a leap year: 02-29 is a day
            real = True
        except ValueError:
            real = False
        assert ruled == real, value


def test_the_settings_type_and_the_rule_both_refuse_an_iso_week_date() -> None:
    from pellicule.domain.errors import BadRequest
    from pellicule.services import tenant_settings

    # Python reads "2024-W01-1" as an ISO week date: neither takes it as a season end.
    with pytest.raises(BadRequest):
        tenant_settings.validate({"season_end": "W01-1"})
    with pytest.raises(InvalidRequest) as caught:
        parse(c.SettingsChange, {"season_end": "W01-1"})
    assert caught.value.field == "season_end"
