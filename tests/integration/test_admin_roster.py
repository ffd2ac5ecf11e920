"""The director's roster (groups, children, guardians), settings, albums and paper consents,
through the staff API as the web app calls it."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta
from typing import Any

from pellicule.store import data
from pellicule.store.models import Child, Guardian, tenant_pk
from tests.conftest import ALBUM_DATE, Aws, Centre
from tests.integration.staff_api import (
    PDF_SCAN,
    admin,
    audit_length,
    consent_history,
    consent_status,
    create_child,
    create_group,
    create_guardian,
    ok,
    payload,
)
from tests.support import images

PDF = PDF_SCAN
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _child_item(centre: Centre, child_id: str) -> Child:
    data.ready()
    return Child.get(tenant_pk(centre.tenant_id), f"CHILD#{child_id}", consistent_read=True)


def _guardian_item(centre: Centre, guardian_id: str) -> Guardian:
    data.ready()
    return Guardian.get(
        tenant_pk(centre.tenant_id), f"GUARDIAN#{guardian_id}", consistent_read=True
    )


def _children(centre: Centre) -> dict[str, dict[str, Any]]:
    listed = ok(admin("GET", "/children", centre.director_session))["children"]
    return {c["child_id"]: c for c in listed}


def _guardians(centre: Centre) -> dict[str, dict[str, Any]]:
    """The guardians created through the API (not the fixture's "guardian-1", who only holds
    the centre's guardian session)."""
    listed = ok(admin("GET", "/guardians", centre.director_session))["guardians"]
    return {g["guardian_id"]: g for g in listed if g["guardian_id"] != "guardian-1"}


def _groups(centre: Centre) -> dict[str, dict[str, Any]]:
    listed = ok(admin("GET", "/groups", centre.director_session))["groups"]
    return {g["group_id"]: g for g in listed}


def _audit(centre: Centre, action: str) -> list[dict[str, Any]]:
    from pellicule.services import audit

    return [row for row in audit.export_rows(centre.tenant_id) if row["action"] == action]


def _message(response: dict[str, Any]) -> str:
    """The answer's message, both languages ("Français / English")."""
    return " / ".join(payload(response)["message"].values())


# --- Groups ----------------------------------------------------------------------------------


def test_group_create_rename_and_archive(aws: Aws, centre: Centre) -> None:
    session = centre.director_session
    created = ok(admin("POST", "/groups", session, {"name": "  Les   Loutres "}), 201)
    assert created["name"] == "Les Loutres"  # spaces tidied
    assert created["archived"] is False
    group_id = created["group_id"]

    renamed = ok(admin("PATCH", f"/groups/{group_id}", session, {"name": "Les Castors"}))
    assert renamed["name"] == "Les Castors"
    assert _groups(centre)[group_id]["name"] == "Les Castors"

    archived = ok(admin("POST", f"/groups/{group_id}/archive", session))
    assert archived["archived"] is True
    assert _groups(centre)[group_id]["archived"] is True


def test_group_needs_a_sensible_name(aws: Aws, centre: Centre) -> None:
    for body in ({}, {"name": ""}, {"name": "   "}, {"name": 42}, {"name": "x" * 81}):
        response = admin("POST", "/groups", centre.director_session, body)
        assert response["statusCode"] == 400, body
        assert payload(response)["params"]["field"] == "name", body
    assert _groups(centre) == {}


def test_group_with_an_unknown_site_is_refused(aws: Aws, centre: Centre) -> None:
    response = admin(
        "POST", "/groups", centre.director_session, {"name": "Loutres", "site_id": "nosuchsite"}
    )
    assert response["statusCode"] == 404
    assert _groups(centre) == {}


def test_group_with_active_children_cannot_be_archived(aws: Aws, centre: Centre) -> None:
    session = centre.director_session
    group_id = create_group(session)
    other_group = create_group(session, "Les Castors")
    child_id = create_child(session, group_id)

    response = admin("POST", f"/groups/{group_id}/archive", session)
    assert response["statusCode"] == 409
    assert (payload(response)["reason"], payload(response)["params"]) == (
        "group_has_children",
        {"count": 1},
    )
    assert _groups(centre)[group_id]["archived"] is False

    # Once the child has moved to another group, the group can be archived.
    ok(admin("PATCH", f"/children/{child_id}", session, {"group_id": other_group}))
    ok(admin("POST", f"/groups/{group_id}/archive", session))
    assert _groups(centre)[group_id]["archived"] is True


def test_archived_children_do_not_block_archiving_their_group(aws: Aws, centre: Centre) -> None:
    session = centre.director_session
    group_id = create_group(session)
    child_id = create_child(session, group_id)
    ok(admin("POST", f"/children/{child_id}/archive", session))
    ok(admin("POST", f"/groups/{group_id}/archive", session))


# --- Children --------------------------------------------------------------------------------


def test_child_initial_is_normalised(aws: Aws, centre: Centre) -> None:
    group_id = create_group(centre.director_session)
    for given, stored in (("m", "M."), ("M.", "M."), (" é ", "É."), ("d.", "D.")):
        created = ok(
            admin(
                "POST",
                "/children",
                centre.director_session,
                {"first_name": "Léa", "initial": given, "group_id": group_id},
            ),
            201,
        )
        assert created["initial"] == stored, given
        assert _child_item(centre, created["child_id"]).initial == stored, given


def test_a_full_last_name_is_reduced_to_its_initial(aws: Aws, centre: Centre) -> None:
    group_id = create_group(centre.director_session)
    response = admin(
        "POST",
        "/children",
        centre.director_session,
        {"first_name": "Léa", "initial": "martin", "group_id": group_id},
    )
    created = ok(response, 201)
    assert created["initial"] == "M."
    assert _child_item(centre, created["child_id"]).initial == "M."


def test_child_keeps_first_name_and_initial_only(aws: Aws, centre: Centre) -> None:
    # Given a director who sends more than the form asks for
    group_id = create_group(centre.director_session)
    extra = {
        "last_name": "Martin",
        "birth_date": "2018-04-02",
        "address": "3 rue des Lilas",
        "email": "lea.parent@example.org",
        "photo_url": "https://example.org/lea.jpg",
        "archived": True,
        "guardian_ids": ["intruder"],
    }
    # Then the request is refused as a whole, naming a field it has no place for
    refused = admin(
        "POST",
        "/children",
        centre.director_session,
        {"first_name": "Léa", "initial": "M", "group_id": group_id, **extra},
    )
    assert refused["statusCode"] == 400
    assert payload(refused)["error"] == "invalid_request"
    assert (payload(refused)["reason"], payload(refused)["params"]) == (
        "field_unknown",
        {"field": "address"},
    )
    assert ok(admin("GET", "/children", centre.director_session))["children"] == []
    # And the form's fields alone create the child, of whom only they are stored
    created = ok(
        admin(
            "POST",
            "/children",
            centre.director_session,
            {"first_name": "Léa", "initial": "M", "group_id": group_id},
        ),
        201,
    )
    stored = _child_item(centre, created["child_id"]).attribute_values
    assert stored["first_name"] == "Léa"
    assert stored["initial"] == "M."
    assert set(stored) <= {
        "pk",
        "sk",
        "tenant_id",
        "child_id",
        "first_name",
        "initial",
        "group_id",
        "guardian_ids",
        "archived",
    }
    assert not stored.get("archived")
    assert not stored.get("guardian_ids")
    raw = json.dumps(stored, default=str)
    for value in ("Martin", "2018-04-02", "Lilas", "lea.parent", "example.org"):
        assert value not in raw

    # ...and an edit carrying extra fields is refused as a whole: it adds nothing either
    refused = admin(
        "PATCH",
        f"/children/{created['child_id']}",
        centre.director_session,
        {"first_name": "Léana", **extra},
    )
    assert refused["statusCode"] == 400
    assert (payload(refused)["reason"], payload(refused)["params"]) == (
        "field_unknown",
        {"field": "address"},
    )
    stored = _child_item(centre, created["child_id"]).attribute_values
    assert stored["first_name"] == "Léa"
    assert "Martin" not in json.dumps(stored, default=str)
    assert not stored.get("archived")


def test_child_validation(aws: Aws, centre: Centre) -> None:
    group_id = create_group(centre.director_session)
    for body, status, reason, field in (
        ({"initial": "M"}, 400, "field_required", "first_name"),
        ({"first_name": "Léa"}, 400, "field_required", "initial"),
        ({"first_name": "   ", "initial": "M"}, 400, "field_required", "first_name"),  # blank
        ({"first_name": "Léa", "initial": "7"}, 400, "initial_letter_expected", "initial"),
        ({"first_name": "x" * 41, "initial": "M"}, 400, "field_text_length", "first_name"),
        (
            {"first_name": "Léa", "initial": "M", "group_id": None},
            400,
            "field_text_expected",
            "group_id",
        ),
        (
            {"first_name": "Léa", "initial": "M", "group_id": "nosuchgroup"},
            404,
            "group_not_found",
            None,
        ),
    ):
        response = admin(
            "POST", "/children", centre.director_session, {"group_id": group_id, **body}
        )
        assert response["statusCode"] == status, body
        answer = payload(response)
        assert (answer["reason"], answer["params"].get("field")) == (reason, field), body
    assert _children(centre) == {}


def test_child_cannot_join_an_archived_group(aws: Aws, centre: Centre) -> None:
    session = centre.director_session
    archived = create_group(session, "Anciens")
    ok(admin("POST", f"/groups/{archived}/archive", session))
    response = admin(
        "POST", "/children", session, {"first_name": "Léa", "initial": "M", "group_id": archived}
    )
    assert response["statusCode"] == 409
    assert _children(centre) == {}

    # ...nor be moved into one
    current = create_group(session)
    child_id = create_child(session, current)
    response = admin("PATCH", f"/children/{child_id}", session, {"group_id": archived})
    assert response["statusCode"] == 409
    assert _children(centre)[child_id]["group_id"] == current


def test_child_edit_and_archive(aws: Aws, centre: Centre) -> None:
    session = centre.director_session
    group_id = create_group(session)
    child_id = create_child(session, group_id, "Léa", "M")
    updated = ok(
        admin("PATCH", f"/children/{child_id}", session, {"first_name": "Lina", "initial": "b"})
    )
    assert (updated["first_name"], updated["initial"]) == ("Lina", "B.")
    assert admin("PATCH", f"/children/{child_id}", session, {})["statusCode"] == 400

    archived = ok(admin("POST", f"/children/{child_id}/archive", session))
    assert archived["archived"] is True
    assert _children(centre)[child_id]["archived"] is True


# --- Guardians and links ---------------------------------------------------------------------


def test_guardian_and_children_are_linked_on_both_sides(aws: Aws, centre: Centre) -> None:
    session = centre.director_session
    group_id = create_group(session)
    first, second, third = (create_child(session, group_id, n) for n in ("Léa", "Tom", "Zoé"))

    # Create: both sides name each other
    created = ok(
        admin(
            "POST",
            "/guardians",
            session,
            {"email": " Parent@Example.ORG ", "child_ids": [first, second]},
        ),
        201,
    )
    guardian_id = created["guardian_id"]
    assert created["email"] == "parent@example.org"
    assert created["child_ids"] == sorted([first, second])
    children = _children(centre)
    assert children[first]["guardian_ids"] == [guardian_id]
    assert children[second]["guardian_ids"] == [guardian_id]
    assert children[third]["guardian_ids"] == []

    # Update: one child removed, one added, on both sides
    updated = ok(
        admin("PATCH", f"/guardians/{guardian_id}", session, {"child_ids": [second, third]})
    )
    assert updated["child_ids"] == sorted([second, third])
    assert set(_guardian_item(centre, guardian_id).child_ids) == {second, third}
    children = _children(centre)
    assert children[first]["guardian_ids"] == []
    assert children[second]["guardian_ids"] == [guardian_id]
    assert children[third]["guardian_ids"] == [guardian_id]

    # Archive: no child names the guardian any more
    archived = ok(admin("POST", f"/guardians/{guardian_id}/archive", session))
    assert archived["archived"] is True
    children = _children(centre)
    assert all(c["guardian_ids"] == [] for c in children.values())
    assert _guardians(centre)[guardian_id]["archived"] is True


def test_two_guardians_of_one_child(aws: Aws, centre: Centre) -> None:
    session = centre.director_session
    child_id = create_child(session, create_group(session))
    mother = create_guardian(session, "mere@example.org", [child_id])
    father = create_guardian(session, "pere@example.org", [child_id])
    assert _children(centre)[child_id]["guardian_ids"] == sorted([mother, father])
    ok(admin("POST", f"/guardians/{mother}/archive", session))
    assert _children(centre)[child_id]["guardian_ids"] == [father]


def test_guardian_needs_a_valid_email(aws: Aws, centre: Centre) -> None:
    session = centre.director_session
    child_id = create_child(session, create_group(session))
    for email in ("", "parent", "parent@", "@example.org", "pa rent@example.org", "a@b", 7, None):
        response = admin("POST", "/guardians", session, {"email": email, "child_ids": [child_id]})
        assert response["statusCode"] == 400, email
        assert payload(response)["error"] == "invalid_request", email
        assert payload(response)["params"]["field"] == "email", email
    assert _guardians(centre) == {}
    assert _children(centre)[child_id]["guardian_ids"] == []


def test_guardian_needs_existing_children(aws: Aws, centre: Centre) -> None:
    child_id = create_child(centre.director_session, create_group(centre.director_session))
    for child_ids, status in (
        (None, 400),
        ([], 400),
        ("abc", 400),
        (["../x"], 400),
        ([child_id, "nosuchchild"], 404),
    ):
        response = admin(
            "POST",
            "/guardians",
            centre.director_session,
            {"email": "parent@example.org", "child_ids": child_ids},
        )
        assert response["statusCode"] == status, child_ids
    assert _guardians(centre) == {}
    assert _children(centre)[child_id]["guardian_ids"] == []


def test_guardian_cannot_be_linked_to_an_archived_child(aws: Aws, centre: Centre) -> None:
    session = centre.director_session
    child_id = create_child(session, create_group(session))
    ok(admin("POST", f"/children/{child_id}/archive", session))
    response = admin(
        "POST", "/guardians", session, {"email": "parent@example.org", "child_ids": [child_id]}
    )
    assert response["statusCode"] == 409
    assert _guardians(centre) == {}


def test_duplicate_guardian_email_is_refused(aws: Aws, centre: Centre) -> None:
    session = centre.director_session
    group_id = create_group(session)
    first, second = create_child(session, group_id, "Léa"), create_child(session, group_id, "Tom")
    guardian_id = create_guardian(session, "parent@example.org", [first])

    # The same address, whatever its case, is one person: add the child to them instead.
    response = admin(
        "POST", "/guardians", session, {"email": "PARENT@example.org", "child_ids": [second]}
    )
    assert response["statusCode"] == 409
    assert list(_guardians(centre)) == [guardian_id]
    assert _children(centre)[second]["guardian_ids"] == []

    # Once the first one is archived, the address may be used again.
    ok(admin("POST", f"/guardians/{guardian_id}/archive", session))
    create_guardian(session, "parent@example.org", [second])


def test_guardian_email_change_cannot_duplicate_another_guardian(aws: Aws, centre: Centre) -> None:
    session = centre.director_session
    group_id = create_group(session)
    first, second = create_child(session, group_id, "Léa"), create_child(session, group_id, "Tom")
    create_guardian(session, "parent@example.org", [first])
    other = create_guardian(session, "other@example.org", [second])
    response = admin("PATCH", f"/guardians/{other}", session, {"email": "parent@example.org"})
    assert response["statusCode"] == 409
    assert _guardians(centre)[other]["email"] == "other@example.org"


def test_an_archived_guardian_cannot_be_linked_again(aws: Aws, centre: Centre) -> None:
    session = centre.director_session
    group_id = create_group(session)
    first, second = create_child(session, group_id, "Léa"), create_child(session, group_id, "Tom")
    former = create_guardian(session, "former@example.org", [first])
    ok(admin("POST", f"/guardians/{former}/archive", session))
    current = create_guardian(session, "parent@example.org", [second])

    response = admin("PATCH", f"/guardians/{former}", session, {"child_ids": [second]})
    assert response["statusCode"] == 409
    assert _children(centre)[second]["guardian_ids"] == [current]


def test_same_guardian_email_in_two_centres_is_two_guardians(aws: Aws, centre: Centre) -> None:
    from tests.conftest import make_centre

    other = make_centre()
    for place in (centre, other):
        child_id = create_child(place.director_session, create_group(place.director_session))
        create_guardian(place.director_session, "parent@example.org", [child_id])
    assert len(_guardians(centre)) == len(_guardians(other)) == 1


def test_guardian_update_validation_changes_nothing(aws: Aws, centre: Centre) -> None:
    session = centre.director_session
    group_id = create_group(session)
    first, second = create_child(session, group_id, "Léa"), create_child(session, group_id, "Tom")
    guardian_id = create_guardian(session, "parent@example.org", [first])
    for body, status in (
        ({"child_ids": []}, 400),
        ({"child_ids": [second, "nosuchchild"]}, 404),
        ({"email": "not-an-address"}, 400),
        ({}, 400),
    ):
        response = admin("PATCH", f"/guardians/{guardian_id}", session, body)
        assert response["statusCode"] == status, body
    assert _guardians(centre)[guardian_id]["child_ids"] == [first]
    assert _guardians(centre)[guardian_id]["email"] == "parent@example.org"
    assert _children(centre)[second]["guardian_ids"] == []


# --- Audit of roster changes -----------------------------------------------------------------


def test_roster_changes_are_audited_without_personal_data(aws: Aws, centre: Centre) -> None:
    session = centre.director_session
    group_id = create_group(session)
    child_id = create_child(session, group_id, "Léa", "M")
    guardian_id = create_guardian(session, "parent@example.org", [child_id])
    ok(admin("PATCH", f"/guardians/{guardian_id}", session, {"email": "new@example.org"}))
    ok(admin("POST", f"/guardians/{guardian_id}/archive", session))

    entries = _audit(centre, "roster_changed")
    assert [(e["subject"], e["details"]["change"]) for e in entries] == [
        (f"group:{group_id}", "created"),
        (f"child:{child_id}", "created"),
        (f"guardian:{guardian_id}", "created"),
        (f"guardian:{guardian_id}", "updated"),
        (f"guardian:{guardian_id}", "archived"),
    ]
    assert {e["actor"] for e in entries} == {"staff:staff-1"}
    raw = json.dumps(entries, ensure_ascii=False)
    for personal in ("@", "example.org", "Léa", "Loutres"):
        assert personal not in raw


# --- Settings --------------------------------------------------------------------------------


def test_settings_update_and_audit(aws: Aws, centre: Centre) -> None:
    session = centre.director_session
    updated = ok(
        admin(
            "PUT",
            "/settings",
            session,
            {"media_retention_months": 24, "validation_mode": "trusted_animators"},
        )
    )
    assert updated["media_retention_months"] == 24
    assert updated["validation_mode"] == "trusted_animators"
    assert updated["two_guardian_widening"] is True  # untouched settings keep their value
    me = ok(admin("GET", "/me", session))
    assert me["settings"]["media_retention_months"] == 24

    entries = _audit(centre, "settings_changed")
    assert len(entries) == 1
    assert entries[0]["subject"] == f"tenant:{centre.tenant_id}"
    assert entries[0]["details"] == {"changed": "media_retention_months,validation_mode"}
    assert "@" not in json.dumps(entries)


def _problems(response: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """The problems a refused settings change names: (code, params) each."""
    answer = payload(response)
    assert (answer["error"], answer["reason"]) == ("bad_request", "settings_invalid")
    return [(problem["reason"], problem["params"]) for problem in answer["params"]["problems"]]


def test_settings_validation_names_the_problem(aws: Aws, centre: Centre) -> None:
    before = audit_length(centre.tenant_id)
    retention = {"field": "media_retention_months", "minimum": 1, "maximum": 36}
    for body, problem in (
        ({"media_retention_months": 37}, ("setting_out_of_range", retention)),
        ({"media_retention_months": 0}, ("setting_out_of_range", retention)),
        (
            {"media_retention_months": "12"},
            ("setting_whole_expected", {"field": "media_retention_months"}),
        ),
        ({"colour": "blue"}, ("setting_unknown", {"field": "colour"})),
        (
            {"validation_mode": "anyone"},
            (
                "setting_one_of",
                {"field": "validation_mode", "allowed": ["director", "trusted_animators"]},
            ),
        ),
        ({"season_end": "13-40"}, ("setting_month_day_expected", {"field": "season_end"})),
        (
            {"two_guardian_widening": "no"},
            ("setting_one_of", {"field": "two_guardian_widening", "allowed": ["true", "false"]}),
        ),
    ):
        response = admin("PUT", "/settings", centre.director_session, body)
        assert response["statusCode"] == 400, body
        assert _problems(response) == [problem], body
    me = ok(admin("GET", "/me", centre.director_session))
    assert me["settings"]["media_retention_months"] == 12
    assert me["settings"]["validation_mode"] == "director"
    assert audit_length(centre.tenant_id) == before


def test_settings_problems_are_all_named_with_the_settings_the_page_marks(
    aws: Aws, centre: Centre
) -> None:
    # The type refuses the body; the answer is still the settings rule's, naming each problem
    # with the setting web/settings.js marks (params.problems[].params.field).
    body = {"media_retention_months": 37, "season_end": "13-40", "max_photo_bytes": None, "x": 1}
    response = admin("PUT", "/settings", centre.director_session, body)
    assert response["statusCode"] == 400
    named = [params["field"] for _, params in _problems(response)]
    assert sorted(named) == ["max_photo_bytes", "media_retention_months", "season_end", "x"]
    # ... and says each in words, in each language
    message = payload(response)["message"]
    assert "durée de conservation des médias" in message["fr"]
    assert "media retention" in message["en"]
    # An ISO week date (Python's date reader takes "2024-W01-1") is no season end: MM-DD.
    response = admin("PUT", "/settings", centre.director_session, {"season_end": "W01-1"})
    assert response["statusCode"] == 400
    assert _problems(response) == [("setting_month_day_expected", {"field": "season_end"})]
    assert ok(admin("GET", "/me", centre.director_session))["settings"]["season_end"] == "08-31"


def test_one_bad_setting_rejects_the_whole_update(aws: Aws, centre: Centre) -> None:
    response = admin(
        "PUT",
        "/settings",
        centre.director_session,
        {"media_retention_months": 6, "media_retention_weeks": 3},
    )
    assert response["statusCode"] == 400
    assert _problems(response) == [("setting_unknown", {"field": "media_retention_weeks"})]
    me = ok(admin("GET", "/me", centre.director_session))
    assert me["settings"]["media_retention_months"] == 12


# --- Albums ----------------------------------------------------------------------------------


# Album dates within the bounds of docs/retention.md whatever the day the tests run.
NEXT_DAY = (datetime.fromisoformat(ALBUM_DATE) + timedelta(days=1)).date().isoformat()


def test_album_create_and_update(aws: Aws, centre: Centre) -> None:
    session = centre.director_session
    group_id = create_group(session)
    created = ok(
        admin(
            "POST",
            "/albums",
            session,
            {"title": "Piscine", "date": ALBUM_DATE, "group_id": group_id},
        ),
        201,
    )
    assert (created["title"], created["date"], created["group_id"]) == (
        "Piscine",
        ALBUM_DATE,
        group_id,
    )
    album_id = created["album_id"]
    updated = ok(
        admin(
            "PATCH",
            f"/albums/{album_id}",
            session,
            {"title": "Piscine (2)", "date": NEXT_DAY, "group_id": None},
        )
    )
    assert (updated["title"], updated["date"], updated["group_id"]) == (
        "Piscine (2)",
        NEXT_DAY,
        None,
    )
    listed = {a["album_id"]: a for a in ok(admin("GET", "/albums", session))["albums"]}
    assert listed[album_id]["date"] == NEXT_DAY


def test_album_date_must_be_a_real_day(aws: Aws, centre: Centre) -> None:
    session = centre.director_session
    for date in (None, "", "08/07/2026", "2026-02-30", "2026-13-01", "demain", [2026, 7, 8]):
        body: dict[str, Any] = {"title": "Piscine"}
        if date is not None:
            body["date"] = date
        response = admin("POST", "/albums", session, body)
        assert response["statusCode"] == 400, date
        # the field is named; a date that is text but no real day is said to be one
        assert "date: " in _message(response)
        if isinstance(date, str):
            assert "YYYY-MM-DD" in _message(response)
        # ...and an update with a bad date leaves the album as it was
        response = admin(
            "PATCH", f"/albums/{centre.album_id}", session, {"title": "Autre", "date": date}
        )
        assert response["statusCode"] == 400, date
    listed = ok(admin("GET", "/albums", session))["albums"]
    assert [(a["album_id"], a["title"], a["date"]) for a in listed] == [
        (centre.album_id, "Sortie", ALBUM_DATE)
    ]


def test_album_of_an_unknown_or_archived_group_is_refused(aws: Aws, centre: Centre) -> None:
    session = centre.director_session
    archived = create_group(session)
    ok(admin("POST", f"/groups/{archived}/archive", session))
    for group_id, status in (("nosuchgroup", 404), (archived, 409), (17, 400)):
        response = admin(
            "POST",
            "/albums",
            session,
            {"title": "Piscine", "date": ALBUM_DATE, "group_id": group_id},
        )
        assert response["statusCode"] == status, group_id
    assert len(ok(admin("GET", "/albums", session))["albums"]) == 1


# --- Paper consent with its scan -------------------------------------------------------------

TERMS = {"audiences": ["families_of_group"], "media_kinds": ["photo"]}


def _family(centre: Centre) -> tuple[str, str]:
    session = centre.director_session
    child_id = create_child(session, create_group(session))
    return child_id, create_guardian(session, "parent@example.org", [child_id])


def _grant(centre: Centre, child_id: str, content_type: str, size: int) -> dict[str, Any]:
    response = admin(
        "POST",
        f"/children/{child_id}/consent/scan",
        centre.director_session,
        {"type": content_type, "size": size},
    )
    return dict(ok(response, 201))


def _upload(aws: Aws, grant: dict[str, Any], content: bytes) -> None:
    """What the browser's POST stores (moto in-process does not serve HTTP POST forms)."""
    aws.client("s3").put_object(
        Bucket=aws.names.ingest_bucket,
        Key=grant["fields"]["key"],
        Body=content,
        ContentType=grant["fields"]["Content-Type"],
    )


def _keys(aws: Aws, bucket: str) -> list[str]:
    listed = aws.client("s3").list_objects_v2(Bucket=bucket)
    return [item["Key"] for item in listed.get("Contents", [])]


def test_scan_grant_pins_key_type_size_and_expiry(aws: Aws, centre: Centre) -> None:
    child_id, _ = _family(centre)
    grant = _grant(centre, child_id, "application/pdf", len(PDF))
    fields = grant["fields"]
    prefix = f"ingest/evidence/t/{centre.tenant_id}/c/{child_id}/"
    assert fields["key"] == prefix + grant["scan_id"]
    assert grant["scan_id"].endswith(".pdf")
    assert len(grant["scan_id"].split(".")[0]) >= 20  # 128 random bits
    assert fields["Content-Type"] == "application/pdf"
    policy = json.loads(base64.b64decode(fields["policy"]))
    conditions = policy["conditions"]
    assert {"key": fields["key"]} in conditions
    assert {"bucket": aws.names.ingest_bucket} in conditions
    assert {"Content-Type": "application/pdf"} in conditions
    assert ["content-length-range", len(PDF), len(PDF)] in conditions
    assert not [c for c in conditions if isinstance(c, list) and c[0] == "starts-with"]
    expiration = datetime.strptime(policy["expiration"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    assert 0 < (expiration - datetime.now(UTC)).total_seconds() <= 15 * 60

    # Each grant has its own key.
    again = _grant(centre, child_id, "application/pdf", len(PDF))
    assert again["fields"]["key"] != fields["key"]


def test_scan_grant_refuses_other_types_and_sizes(aws: Aws, centre: Centre) -> None:
    child_id, _ = _family(centre)
    for body in (
        {"type": "image/svg+xml", "size": 100},
        {"type": "text/html", "size": 100},
        {"type": "image/heic", "size": 100},
        {"type": "application/pdf", "size": 0},
        {"type": "application/pdf", "size": 15 * 1024 * 1024 + 1},
        {"type": "application/pdf", "size": "100"},
        {"type": "application/pdf", "size": True},
        {"type": "application/pdf"},
    ):
        response = admin(
            "POST", f"/children/{child_id}/consent/scan", centre.director_session, body
        )
        assert response["statusCode"] == 400, body
    unknown = admin(
        "POST",
        "/children/nosuchchild/consent/scan",
        centre.director_session,
        {"type": "application/pdf", "size": 100},
    )
    assert unknown["statusCode"] == 404


def test_paper_consent_moves_the_scan_to_evidence_and_activates_the_consent(
    aws: Aws, centre: Centre
) -> None:
    # Given a child, a guardian who signed the paper form, and its scan uploaded
    child_id, guardian_id = _family(centre)
    grant = _grant(centre, child_id, "application/pdf", len(PDF))
    _upload(aws, grant, PDF)

    # When the director records the consent
    response = admin(
        "POST",
        f"/children/{child_id}/consent",
        centre.director_session,
        {**TERMS, "scan_id": grant["scan_id"], "signed_by": [guardian_id]},
    )
    outcome = ok(response)
    assert outcome["applied"] is True
    assert outcome["action"] == "given"
    assert outcome["terms"]["audiences"] == ["families_of_group"]

    # Then the scan is kept, encrypted, in the evidence bucket, and gone from quarantine
    s3 = aws.client("s3")
    evidence_key = f"t/{centre.tenant_id}/c/{child_id}/{grant['scan_id']}"
    assert _keys(aws, aws.names.evidence_bucket) == [evidence_key]
    kept = s3.get_object(Bucket=aws.names.evidence_bucket, Key=evidence_key)
    assert kept["Body"].read() == PDF
    assert kept["ContentType"] == "application/pdf"
    assert kept["ServerSideEncryption"] in ("AES256", "aws:kms")
    assert grant["fields"]["key"] not in _keys(aws, aws.names.ingest_bucket)

    # ...and the consent is active with the paper form as its evidence
    assert consent_status(centre.tenant_id, child_id) == "active"
    read = ok(admin("GET", f"/children/{child_id}/consent", centre.director_session))
    assert read["consent"]["status"] == "active"
    evidence = read["consent"]["evidence"]
    assert evidence["kind"] == "paper_form"
    assert evidence["signed_by"] == [guardian_id]
    assert evidence["scan_bytes"] == len(PDF)
    assert "scan_key" not in evidence  # the storage key stays server-side
    assert [h["action"] for h in read["history"]] == ["given"]

    # ...the director can open the scan through a short-lived link
    link = ok(admin("GET", f"/children/{child_id}/consent/evidence", centre.director_session))
    assert link["expires_in"] <= 300
    assert evidence_key in link["url"]

    # ...and the audit log records the consent, pseudonymously
    from pellicule.services import audit

    given = [r for r in audit.export_rows(centre.tenant_id) if r["action"] == "consent_given"]
    assert [(r["actor"], r["subject"]) for r in given] == [("staff:staff-1", f"child:{child_id}")]
    assert given[0]["details"]["evidence"] == "paper_form"


def test_paper_consent_accepts_png_and_jpeg_scans(aws: Aws, centre: Centre) -> None:
    child_id, guardian_id = _family(centre)
    jpeg = images.jpeg_with_metadata((40, 30))
    grant = _grant(centre, child_id, "image/jpeg", len(jpeg))
    _upload(aws, grant, jpeg)
    ok(
        admin(
            "POST",
            f"/children/{child_id}/consent",
            centre.director_session,
            {**TERMS, "scan_id": grant["scan_id"], "signed_by": [guardian_id]},
        )
    )
    png = PNG_MAGIC + b"\x00" * 64
    grant = _grant(centre, child_id, "image/png", len(png))
    _upload(aws, grant, png)
    ok(
        admin(
            "POST",
            f"/children/{child_id}/consent",
            centre.director_session,
            {
                "audiences": ["families_of_group", "all_families_of_centre"],
                "media_kinds": ["photo"],
                "scan_id": grant["scan_id"],
                "signed_by": [guardian_id],
            },
        )
    )
    assert len(_keys(aws, aws.names.evidence_bucket)) == 2
    assert len(consent_history(centre.tenant_id, child_id)) == 2


def test_a_scan_that_is_not_a_pdf_jpeg_or_png_records_nothing(aws: Aws, centre: Centre) -> None:
    child_id, guardian_id = _family(centre)
    before = audit_length(centre.tenant_id)
    for declared, content in (
        ("application/pdf", b"<html><script>alert(1)</script></html>"),
        ("application/pdf", PNG_MAGIC + b"\x00" * 32),  # a PNG posing as a PDF
        ("image/jpeg", b"GIF89a" + b"\x00" * 32),
        ("image/png", b"<svg xmlns='http://www.w3.org/2000/svg'/>"),
    ):
        grant = _grant(centre, child_id, declared, len(content))
        _upload(aws, grant, content)
        response = admin(
            "POST",
            f"/children/{child_id}/consent",
            centre.director_session,
            {**TERMS, "scan_id": grant["scan_id"], "signed_by": [guardian_id]},
        )
        assert response["statusCode"] == 400, content
        assert payload(response)["reason"] == "consent_scan_invalid"
        assert _keys(aws, aws.names.ingest_bucket) == []  # the bad upload is deleted at once
    assert consent_status(centre.tenant_id, child_id) == "none"
    assert consent_history(centre.tenant_id, child_id) == []
    assert audit_length(centre.tenant_id) == before
    assert _keys(aws, aws.names.evidence_bucket) == []


def test_a_missing_scan_records_nothing(aws: Aws, centre: Centre) -> None:
    child_id, guardian_id = _family(centre)
    before = audit_length(centre.tenant_id)
    for scan_id in (
        None,
        "",
        "AAAAAAAAAAAAAAAAAAAAAA.pdf",  # well-formed, never uploaded
        "../../../photo/t/x/m/y/z.pdf",
        "short.pdf",
        "AAAAAAAAAAAAAAAAAAAAAA.html",
    ):
        body: dict[str, Any] = {**TERMS, "signed_by": [guardian_id]}
        if scan_id is not None:
            body["scan_id"] = scan_id
        response = admin("POST", f"/children/{child_id}/consent", centre.director_session, body)
        assert response["statusCode"] == 400, scan_id
        answer = payload(response)
        # refused by the type (the field named), or never uploaded
        assert answer["params"].get("field") == "scan_id" or (
            answer["reason"] == "consent_scan_not_found"
        ), (scan_id, answer)
    assert consent_status(centre.tenant_id, child_id) == "none"
    assert consent_history(centre.tenant_id, child_id) == []
    assert audit_length(centre.tenant_id) == before


def test_the_scan_of_another_child_cannot_be_used(aws: Aws, centre: Centre) -> None:
    # Given a scan uploaded for one child
    child_id, guardian_id = _family(centre)
    other_child = create_child(centre.director_session, create_group(centre.director_session))
    ok(
        admin(
            "PATCH",
            f"/guardians/{guardian_id}",
            centre.director_session,
            {"child_ids": [child_id, other_child]},
        )
    )
    grant = _grant(centre, child_id, "application/pdf", len(PDF))
    _upload(aws, grant, PDF)
    # When it is given as evidence for another child, it is not found
    response = admin(
        "POST",
        f"/children/{other_child}/consent",
        centre.director_session,
        {**TERMS, "scan_id": grant["scan_id"], "signed_by": [guardian_id]},
    )
    assert response["statusCode"] == 400
    assert consent_status(centre.tenant_id, other_child) == "none"
    assert grant["fields"]["key"] in _keys(aws, aws.names.ingest_bucket)


def test_signatories_must_be_guardians_of_the_child(aws: Aws, centre: Centre) -> None:
    child_id, guardian_id = _family(centre)
    # A guardian of another child of the centre is not a signatory for this one either.
    other_child = create_child(centre.director_session, create_group(centre.director_session))
    stranger = create_guardian(centre.director_session, "other@example.org", [other_child])
    grant = _grant(centre, child_id, "application/pdf", len(PDF))
    _upload(aws, grant, PDF)
    for attempt in (None, [], ["someone-else"], "guardian", [stranger], [guardian_id, stranger]):
        body: dict[str, Any] = {**TERMS, "scan_id": grant["scan_id"]}
        if attempt is not None:
            body["signed_by"] = attempt
        response = admin("POST", f"/children/{child_id}/consent", centre.director_session, body)
        assert response["statusCode"] == 400, attempt
    assert consent_status(centre.tenant_id, child_id) == "none"
    assert consent_history(centre.tenant_id, child_id) == []
    assert _keys(aws, aws.names.evidence_bucket) == []


def test_one_signature_of_two_guardians_leaves_the_consent_pending(
    aws: Aws, centre: Centre
) -> None:
    child_id, mother = _family(centre)
    father = create_guardian(centre.director_session, "pere@example.org", [child_id])
    grant = _grant(centre, child_id, "application/pdf", len(PDF))
    _upload(aws, grant, PDF)
    outcome = ok(
        admin(
            "POST",
            f"/children/{child_id}/consent",
            centre.director_session,
            {**TERMS, "scan_id": grant["scan_id"], "signed_by": [mother]},
        )
    )
    assert outcome["applied"] is False
    assert outcome["awaiting_other_guardian"] is True
    assert consent_status(centre.tenant_id, child_id) == "none"
    # The pending form's evidence is shown without the scan's storage key (families read the
    # same description through their own consent view)
    assert outcome["pending"]["evidence"]["kind"] == "paper_form"
    assert "scan_key" not in outcome["pending"]["evidence"]
    read = ok(admin("GET", f"/children/{child_id}/consent", centre.director_session))
    assert read["consent"]["pending"]["evidence"]["signed_by"] == [mother]
    assert "scan_key" not in read["consent"]["pending"]["evidence"]

    # With both signatures on the form, it applies.
    grant = _grant(centre, child_id, "application/pdf", len(PDF))
    _upload(aws, grant, PDF)
    outcome = ok(
        admin(
            "POST",
            f"/children/{child_id}/consent",
            centre.director_session,
            {**TERMS, "scan_id": grant["scan_id"], "signed_by": [mother, father]},
        )
    )
    assert outcome["applied"] is True
    assert consent_status(centre.tenant_id, child_id) == "active"


def test_director_records_a_withdrawal(aws: Aws, centre: Centre) -> None:
    child_id, guardian_id = _family(centre)
    grant = _grant(centre, child_id, "application/pdf", len(PDF))
    _upload(aws, grant, PDF)
    ok(
        admin(
            "POST",
            f"/children/{child_id}/consent",
            centre.director_session,
            {**TERMS, "scan_id": grant["scan_id"], "signed_by": [guardian_id]},
        )
    )
    # A withdrawal named by someone who is not a guardian of the child is refused...
    refused = admin(
        "POST",
        f"/children/{child_id}/consent/withdraw",
        centre.director_session,
        {"requested_by": ["someone-else"]},
    )
    assert refused["statusCode"] == 400
    assert consent_status(centre.tenant_id, child_id) == "active"

    outcome = ok(
        admin(
            "POST",
            f"/children/{child_id}/consent/withdraw",
            centre.director_session,
            {"requested_by": [guardian_id]},
        )
    )
    assert outcome["action"] == "withdrawn"
    assert consent_status(centre.tenant_id, child_id) == "withdrawn"
    history = consent_history(centre.tenant_id, child_id)
    assert [h["action"] for h in history] == ["given", "withdrawn"]
    assert history[-1]["evidence"]["kind"] == "recorded_by_staff"
