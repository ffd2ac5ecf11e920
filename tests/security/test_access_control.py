"""Access control of the staff and family APIs, attacked from every side.

- Security requirement 4: the tenant comes from the session only; another centre's ids are
  "not found" on every route, and nothing of that centre changes.
- Roles: an animator cannot do what only the director may; a guardian is not staff; staff are
  not a family; no session is 401; a state-changing call needs the anti-CSRF header.
- Families reach only their own children, and see only what the publication gate allows them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest

from functions.admin.handler import handler as admin_handler
from tests.conftest import ALBUM_DATE, Aws, Centre, LambdaContext, api_event, make_centre
from tests.integration.staff_api import (
    admin,
    create_album,
    create_child,
    create_group,
    create_guardian,
    create_staff,
    family,
    give_consent,
    guardian_session,
    ok,
    payload,
    publish,
    ready_photo,
    record_paper_consent,
    set_settings,
    snapshot,
    staff_session,
    tag,
)

SCAN_ID = "AAAAAAAAAAAAAAAAAAAAAA.pdf"
TERMS = {"audiences": ["all_families_of_centre"], "media_kinds": ["photo"]}


@dataclass
class World:
    """A centre with a site, a group, a child with a guardian and a paper consent, a staff
    member, an album, an item waiting for review and a published one."""

    centre: Centre
    site_id: str
    group_id: str
    child_id: str
    guardian_id: str
    guardian_session: str
    staff_id: str
    album_id: str
    ready_media_id: str
    published_media_id: str

    @property
    def tenant_id(self) -> str:
        return self.centre.tenant_id

    @property
    def director(self) -> str:
        return self.centre.director_session

    def ids(self) -> dict[str, str]:
        return {
            "site": self.site_id,
            "group": self.group_id,
            "child": self.child_id,
            "guardian": self.guardian_id,
            "staff": self.staff_id,
            "album": self.album_id,
            "media": self.ready_media_id,
            "published": self.published_media_id,
        }


def _world(aws: Aws, centre: Centre) -> World:
    director = centre.director_session
    site_id = ok(admin("POST", "/sites", director, {"name": "École Jules Ferry"}), 201)["site_id"]
    group_id = create_group(director)
    child_id = create_child(director, group_id)
    guardian_id = create_guardian(director, "parent@example.org", [child_id])
    record_paper_consent(aws, director, child_id, [guardian_id])
    staff_id = create_staff(director, "animateur@example.org")
    ready_media_id = ready_photo(aws, centre)
    tag(director, ready_media_id, [child_id])
    published_media_id = ready_photo(aws, centre)
    tag(director, published_media_id, [child_id])
    publish(director, published_media_id, ["all_families_of_centre"])
    return World(
        centre=centre,
        site_id=site_id,
        group_id=group_id,
        child_id=child_id,
        guardian_id=guardian_id,
        guardian_session=guardian_session(centre.tenant_id, guardian_id),
        staff_id=staff_id,
        album_id=centre.album_id,
        ready_media_id=ready_media_id,
        published_media_id=published_media_id,
    )


@pytest.fixture
def home(aws: Aws) -> World:
    return _world(aws, make_centre())


@pytest.fixture
def victim(aws: Aws) -> World:
    return _world(aws, make_centre())


def _fill(value: Any, ids: dict[str, str]) -> Any:
    """Route templates and bodies with ``{child}``-style placeholders replaced by ``ids``."""
    if isinstance(value, str):
        return value.format(**ids)
    if isinstance(value, list):
        return [_fill(v, ids) for v in value]
    if isinstance(value, dict):
        return {k: _fill(v, ids) for k, v in value.items()}
    return value


Route = tuple[str, str, Any]

# Routes that name an item of the centre in their path.
ID_ROUTES: list[Route] = [
    ("PATCH", "/staff/{staff}", {"display_name": "Intrus"}),
    ("POST", "/staff/{staff}/archive", None),
    ("PATCH", "/groups/{group}", {"name": "Intrus"}),
    ("POST", "/groups/{group}/archive", None),
    ("PATCH", "/children/{child}", {"first_name": "Intrus"}),
    ("POST", "/children/{child}/archive", None),
    ("GET", "/children/{child}/consent", None),
    ("POST", "/children/{child}/consent/scan", {"type": "application/pdf", "size": 100}),
    (
        "POST",
        "/children/{child}/consent",
        {**TERMS, "scan_id": SCAN_ID, "signed_by": ["{guardian}"]},
    ),
    ("POST", "/children/{child}/consent/withdraw", {"requested_by": ["{guardian}"]}),
    ("GET", "/children/{child}/consent/evidence", None),
    ("PATCH", "/guardians/{guardian}", {"email": "intrus@example.org"}),
    ("POST", "/guardians/{guardian}/archive", None),
    ("PATCH", "/albums/{album}", {"title": "Intrus"}),
    ("PUT", "/media/{media}/tags", {"child_ids": [], "no_identifiable_child": True}),
    ("POST", "/media/{media}/review", {"decision": "approve"}),
    ("POST", "/media/{media}/review", {"decision": "reject", "reason": "intrus"}),
    ("POST", "/media/{media}/publish", {"audiences": ["all_families_of_centre"]}),
    ("POST", "/media/{published}/unpublish", None),
]
LIST_ROUTES: list[Route] = [
    ("GET", path, None)
    for path in (
        "/me",
        "/staff",
        "/sites",
        "/groups",
        "/children",
        "/guardians",
        "/albums",
        "/queue",
        "/audit",
        "/audit/verify",
    )
]
CREATE_ROUTES: list[Route] = [
    ("PUT", "/settings", {"media_retention_months": 24}),
    ("POST", "/staff", {"email": "new@example.org", "role": "director", "display_name": "X"}),
    ("POST", "/sites", {"name": "Annexe"}),
    ("POST", "/groups", {"name": "Les Castors"}),
    ("POST", "/children", {"first_name": "Tom", "initial": "B", "group_id": "{group}"}),
    ("POST", "/guardians", {"email": "new@example.org", "child_ids": ["{child}"]}),
    ("POST", "/albums", {"title": "Piscine", "date": ALBUM_DATE}),
]
ADMIN_ROUTES = LIST_ROUTES + CREATE_ROUTES + ID_ROUTES

# What only a director may do (an animator gets 403 and nothing is written).
DIRECTOR_ONLY: list[Route] = [
    ("PUT", "/settings", {"media_retention_months": 24}),
    ("PUT", "/settings", {"validation_mode": "trusted_animators"}),
    ("GET", "/staff", None),
    ("POST", "/staff", {"email": "new@example.org", "role": "director", "display_name": "X"}),
    ("PATCH", "/staff/{staff}", {"role": "director"}),
    ("PATCH", "/staff/{staff}", {"trusted": True}),
    ("POST", "/staff/{staff}/archive", None),
    ("POST", "/sites", {"name": "Annexe"}),
    ("POST", "/groups", {"name": "Les Castors"}),
    ("PATCH", "/groups/{group}", {"name": "Intrus"}),
    ("POST", "/groups/{group}/archive", None),
    ("POST", "/children", {"first_name": "Tom", "initial": "B", "group_id": "{group}"}),
    ("PATCH", "/children/{child}", {"first_name": "Intrus"}),
    ("POST", "/children/{child}/archive", None),
    ("GET", "/children/{child}/consent", None),
    ("POST", "/children/{child}/consent/scan", {"type": "application/pdf", "size": 100}),
    (
        "POST",
        "/children/{child}/consent",
        {**TERMS, "scan_id": SCAN_ID, "signed_by": ["{guardian}"]},
    ),
    ("POST", "/children/{child}/consent/withdraw", {"requested_by": ["{guardian}"]}),
    ("GET", "/children/{child}/consent/evidence", None),
    ("GET", "/guardians", None),
    ("POST", "/guardians", {"email": "new@example.org", "child_ids": ["{child}"]}),
    ("PATCH", "/guardians/{guardian}", {"email": "intrus@example.org"}),
    ("POST", "/guardians/{guardian}/archive", None),
    ("PATCH", "/albums/{album}", {"group_id": "{group}"}),  # changes who may see the album
    ("POST", "/media/{media}/review", {"decision": "approve"}),
    ("POST", "/media/{media}/review", {"decision": "reject", "reason": "floue"}),
    ("POST", "/media/{media}/publish", {"audiences": ["all_families_of_centre"]}),
    ("POST", "/media/{published}/unpublish", None),
    ("GET", "/audit", None),
    ("GET", "/audit/verify", None),
]

FAMILY_ROUTES: list[Route] = [
    ("GET", "/me", None),
    ("GET", "/children/{child}/consent", None),
    ("POST", "/children/{child}/consent", {**TERMS, "text_sha256": "0" * 64}),
    ("POST", "/children/{child}/consent/withdraw", None),
    ("GET", "/albums", None),
    ("GET", "/albums/{album}", None),
    ("GET", "/media/{published}/download", None),
]


def _call(api: Any, route: Route, ids: dict[str, str], session: str | None, **kw: Any) -> Any:
    method, path, body = route
    return api(method, _fill(path, ids), session, _fill(body, ids), **kw)


def _label(route: Route) -> str:
    return f"{route[0]} {route[1]} {json.dumps(route[2])}"


# The reasons an id out of reach is answered with (never ``route_not_found``: a mistyped route).
NOT_FOUND = (
    "staff_not_found",
    "site_not_found",
    "group_not_found",
    "child_not_found",
    "guardian_not_found",
    "album_not_found",
    "media_not_found",
    "resource_not_found",
)
UNAUTHENTICATED = ("sign_in_required", "session_unknown")
# A role check: the director's routes, and validating or publishing (functions/admin/review.py's
# own codes once it raises codes).
DIRECTORS_ONLY = ("directors_only", "validation_directors_only", "publication_directors_only")


def _refused(
    response: dict[str, Any],
    status: int,
    reasons: str | tuple[str, ...],
    label: Any,
) -> None:
    """``status`` for the expected reason (a catalogue code, or one of ``reasons``), not
    another one such as a mistyped route (``route_not_found``) or a missing CSRF header."""
    assert response["statusCode"] == status, (label, response.get("body"))
    answer = payload(response)
    expected = (reasons,) if isinstance(reasons, str) else reasons
    assert answer["reason"] in expected, (label, answer)


# --- Tenant isolation (security requirement 4) -----------------------------------------------


def test_another_centres_ids_are_not_found_on_every_route_and_nothing_changes(
    aws: Aws, home: World, victim: World
) -> None:
    # Control: in its own centre, the victim's director reaches these items.
    for method, path in (
        ("GET", "/children/{child}/consent"),
        ("GET", "/children/{child}/consent/evidence"),
    ):
        ok(_call(admin, (method, path, None), victim.ids(), victim.director))
    before = snapshot(aws, victim.tenant_id)

    # When the other centre's director names the victim's ids on every route
    for route in ID_ROUTES:
        response = _call(admin, route, victim.ids(), home.director)
        # Then each is simply "not found"...
        _refused(response, 404, NOT_FOUND, _label(route))

    # ...and nothing of the victim's centre changed (data and audit log alike)
    assert snapshot(aws, victim.tenant_id) == before


def test_another_centres_ids_in_a_body_are_not_found(aws: Aws, home: World, victim: World) -> None:
    # Ids of home's own items in the path, the victim's ids in the body.
    ids = {**home.ids(), **{f"victim_{k}": v for k, v in victim.ids().items()}}
    routes: list[tuple[Route, int]] = [
        (
            (
                "POST",
                "/children",
                {"first_name": "L", "initial": "M", "group_id": "{victim_group}"},
            ),
            404,
        ),
        (("PATCH", "/children/{child}", {"group_id": "{victim_group}"}), 404),
        (("POST", "/guardians", {"email": "x@example.org", "child_ids": ["{victim_child}"]}), 404),
        (("PATCH", "/guardians/{guardian}", {"child_ids": ["{child}", "{victim_child}"]}), 404),
        (
            ("POST", "/albums", {"title": "T", "date": ALBUM_DATE, "group_id": "{victim_group}"}),
            404,
        ),
        (("PATCH", "/albums/{album}", {"group_id": "{victim_group}"}), 404),
        (("PUT", "/media/{media}/tags", {"child_ids": ["{victim_child}"]}), 404),
        (("POST", "/groups", {"name": "G", "site_id": "{victim_site}"}), 404),
        (("PATCH", "/groups/{group}", {"site_id": "{victim_site}"}), 404),
        (
            ("POST", "/children/{child}/consent/withdraw", {"requested_by": ["{victim_guardian}"]}),
            400,
        ),
        (
            (
                "POST",
                "/children/{child}/consent",
                {**TERMS, "scan_id": SCAN_ID, "signed_by": ["{victim_guardian}"]},
            ),
            400,
        ),
    ]
    before = (snapshot(aws, home.tenant_id), snapshot(aws, victim.tenant_id))
    for route, status in routes:
        response = _call(admin, route, ids, home.director)
        expected = NOT_FOUND if status == 404 else "consent_signatories_not_guardians"
        _refused(response, status, expected, _label(route))
    assert (snapshot(aws, home.tenant_id), snapshot(aws, victim.tenant_id)) == before


def test_lists_and_audit_export_show_only_the_callers_centre(
    aws: Aws, home: World, victim: World
) -> None:
    for route in LIST_ROUTES:
        response = _call(admin, route, home.ids(), home.director)
        assert response["statusCode"] == 200, _label(route)
        for secret in (victim.tenant_id, *victim.ids().values()):
            assert secret not in response["body"], (_label(route), secret)
    rows = ok(admin("GET", "/audit", home.director))
    assert rows
    assert {r["actor"] for r in rows} <= {"staff:staff-1", "system:revocation"}
    assert not [r for r in rows if victim.child_id in json.dumps(r)]


def test_a_tenant_id_in_the_body_is_never_used(aws: Aws, home: World, victim: World) -> None:
    before = snapshot(aws, victim.tenant_id)
    forged = {"tenant_id": victim.tenant_id, "tenant": victim.tenant_id, "pk": "TENANT#x"}
    bodies = {
        "/groups": {"name": "G"},
        "/sites": {"name": "S"},
        "/albums": {"title": "A", "date": ALBUM_DATE},
        "/children": {"first_name": "Tom", "initial": "B", "group_id": home.group_id},
        "/guardians": {"email": "autre@example.org", "child_ids": [home.child_id]},
        "/staff": {"email": "x@example.org", "role": "animator", "display_name": "X"},
    }
    # A body naming a centre is refused as a whole (the field is named, nothing is written)...
    home_before = snapshot(aws, home.tenant_id)
    for path, body in bodies.items():
        response = admin("POST", path, home.director, {**body, **forged})
        assert response["statusCode"] == 400, path
        assert payload(response)["error"] == "invalid_request", path
        assert payload(response)["reason"] == "field_unknown", path
        assert payload(response)["params"] == {"field": "pk"}, path
    assert snapshot(aws, home.tenant_id) == home_before
    forged = {}
    created = {
        "groups": ok(admin("POST", "/groups", home.director, {"name": "G", **forged}), 201)[
            "group_id"
        ],
        "sites": ok(admin("POST", "/sites", home.director, {"name": "S", **forged}), 201)[
            "site_id"
        ],
        "albums": ok(
            admin("POST", "/albums", home.director, {"title": "A", "date": ALBUM_DATE, **forged}),
            201,
        )["album_id"],
        "children": ok(
            admin(
                "POST",
                "/children",
                home.director,
                {"first_name": "Tom", "initial": "B", "group_id": home.group_id, **forged},
            ),
            201,
        )["child_id"],
        "guardians": ok(
            admin(
                "POST",
                "/guardians",
                home.director,
                {"email": "autre@example.org", "child_ids": [home.child_id], **forged},
            ),
            201,
        )["guardian_id"],
        "staff": ok(
            admin(
                "POST",
                "/staff",
                home.director,
                {"email": "x@example.org", "role": "animator", "display_name": "X", **forged},
            ),
            201,
        )["staff_id"],
    }
    # Each item landed in the caller's centre...
    for listing, new_id in created.items():
        assert new_id in admin("GET", f"/{listing}", home.director)["body"], listing
    # ...and nothing in the victim's.
    assert snapshot(aws, victim.tenant_id) == before
    # A tenant id among the settings is refused as an unknown setting.
    response = admin("PUT", "/settings", home.director, {"tenant_id": victim.tenant_id})
    assert response["statusCode"] == 400
    assert snapshot(aws, victim.tenant_id) == before


# --- Roles -----------------------------------------------------------------------------------


def test_an_animator_cannot_do_what_only_the_director_may(aws: Aws, home: World) -> None:
    animator = staff_session(home.tenant_id, home.staff_id, "animator")
    before = snapshot(aws, home.tenant_id)
    for route in DIRECTOR_ONLY:
        response = _call(admin, route, home.ids(), animator)
        _refused(response, 403, DIRECTORS_ONLY, _label(route))
    assert snapshot(aws, home.tenant_id) == before
    # Nothing reached the other tables either: no scan grant was handed out.
    listed = aws.client("s3").list_objects_v2(Bucket=aws.names.ingest_bucket)
    assert not [o for o in listed.get("Contents", []) if "/evidence/" in o["Key"]]


def test_an_animator_does_the_daily_work_with_a_minimal_roster(aws: Aws, home: World) -> None:
    animator = staff_session(home.tenant_id, home.staff_id, "animator")
    me = ok(admin("GET", "/me", animator))
    assert (me["role"], me["may_publish"]) == ("animator", False)
    for path in ("/groups", "/sites", "/albums", "/queue"):
        ok(admin("GET", path, animator))
    # The roster chips: first name, initial, group and consent; no guardian links.
    children = ok(admin("GET", "/children", animator))["children"]
    assert [c["child_id"] for c in children] == [home.child_id]
    assert "guardian_ids" not in children[0]
    assert home.guardian_id not in json.dumps(children)
    # Albums and tags are the animator's work.
    album_id = ok(admin("POST", "/albums", animator, {"title": "Plage", "date": ALBUM_DATE}), 201)[
        "album_id"
    ]
    ok(admin("PATCH", f"/albums/{album_id}", animator, {"title": "Plage (2)"}))
    tag(animator, home.ready_media_id, [])


def test_an_animator_cannot_promote_themselves(aws: Aws, home: World) -> None:
    animator = staff_session(home.tenant_id, home.staff_id, "animator")
    for body in ({"role": "director"}, {"trusted": True}):
        response = admin("PATCH", f"/staff/{home.staff_id}", animator, body)
        _refused(response, 403, "directors_only", "")
    staff = ok(admin("GET", "/staff", home.director))["staff"]
    me = next(s for s in staff if s["staff_id"] == home.staff_id)
    assert (me["role"], me["trusted"]) == ("animator", False)


def test_a_guardian_session_cannot_use_the_staff_api(aws: Aws, home: World) -> None:
    before = snapshot(aws, home.tenant_id)
    for route in ADMIN_ROUTES:
        response = _call(admin, route, home.ids(), home.guardian_session)
        _refused(response, 403, "staff_only", _label(route))
    assert snapshot(aws, home.tenant_id) == before


def test_a_staff_session_cannot_use_the_family_api(aws: Aws, home: World) -> None:
    animator = staff_session(home.tenant_id, home.staff_id, "animator")
    before = snapshot(aws, home.tenant_id)
    for session in (home.director, animator):
        for route in FAMILY_ROUTES:
            response = _call(family, route, home.ids(), session)
            _refused(response, 403, "families_only", _label(route))
    assert snapshot(aws, home.tenant_id) == before


def test_no_session_is_401_everywhere(aws: Aws, home: World) -> None:
    before = snapshot(aws, home.tenant_id)
    for session in (None, "forged-session-id", "x" * 200):
        for route in ADMIN_ROUTES:
            response = _call(admin, route, home.ids(), session)
            _refused(response, 401, UNAUTHENTICATED, (_label(route), session))
        for route in [*FAMILY_ROUTES, ("GET", "/consent-text", None)]:
            response = _call(family, route, home.ids(), session)
            _refused(response, 401, UNAUTHENTICATED, (_label(route), session))
    assert snapshot(aws, home.tenant_id) == before


def test_a_revoked_session_is_refused(aws: Aws, home: World) -> None:
    from pellicule.services import sessions

    session = staff_session(
        home.tenant_id, create_staff(home.director, "d2@example.org", "director")
    )
    ok(admin("GET", "/me", session))
    sessions.revoke(session)
    assert admin("GET", "/me", session)["statusCode"] == 401


def test_state_changes_need_the_anti_csrf_header(aws: Aws, home: World) -> None:
    changing = [r for r in ADMIN_ROUTES if r[0] != "GET"]
    before = snapshot(aws, home.tenant_id)
    for headers in ({}, {"x-pellicule-csrf": "0"}, {"x-pellicule-csrf": "true"}):
        for route in changing:
            method, path, body = route
            event = api_event(
                method,
                "/api/admin" + _fill(path, home.ids()),
                body=_fill(body, home.ids()),
                session=home.director,
                csrf=False,
                headers=headers,
            )
            response = admin_handler(event, LambdaContext())
            _refused(response, 403, "csrf_header_missing", (_label(route), headers))
        for route in [r for r in FAMILY_ROUTES if r[0] != "GET"]:
            response = _call(family, route, home.ids(), home.guardian_session, csrf=False)
            _refused(response, 403, "csrf_header_missing", _label(route))
    assert snapshot(aws, home.tenant_id) == before
    # The header is what was missing: with it, the same director may.
    ok(admin("PUT", "/settings", home.director, {"media_retention_months": 6}))


def test_reads_need_no_csrf_header(aws: Aws, home: World) -> None:
    for route in LIST_ROUTES:
        response = _call(admin, route, home.ids(), home.director, csrf=False)
        assert response["statusCode"] == 200, _label(route)


# --- Families reach only their own children --------------------------------------------------


def test_a_guardian_cannot_reach_another_familys_child(aws: Aws, home: World) -> None:
    # Given another family of the same centre, whose child has an active consent
    director = home.director
    other_child = create_child(director, home.group_id, "Tom", "B")
    other_guardian = create_guardian(director, "autre@example.org", [other_child])
    give_consent(guardian_session(home.tenant_id, other_guardian), other_child)
    read = ok(admin("GET", f"/children/{other_child}/consent", director))
    assert read["consent"]["status"] == "active"
    before = snapshot(aws, home.tenant_id)

    # When the first guardian reads, changes or withdraws the other child's consent
    attacker = home.guardian_session
    text = ok(family("GET", "/consent-text", attacker))["sha256"]
    attempts = [
        ("GET", f"/children/{other_child}/consent", None),
        ("POST", f"/children/{other_child}/consent", {**TERMS, "text_sha256": text}),
        ("POST", f"/children/{other_child}/consent/withdraw", None),
    ]
    for method, path, body in attempts:
        # Then the child is "not found", exactly like a child that does not exist
        response = family(method, path, attacker, body)
        _refused(response, 404, "child_not_found", path)
        missing = family(method, path.replace(other_child, "nosuchchild"), attacker, body)
        assert (missing["statusCode"], payload(missing)) == (404, payload(response))
    # ...and the other child's consent is untouched
    assert snapshot(aws, home.tenant_id) == before
    assert other_child not in family("GET", "/me", attacker)["body"]


def test_a_guardian_cannot_reach_a_child_of_another_centre(
    aws: Aws, home: World, victim: World
) -> None:
    before = snapshot(aws, victim.tenant_id)
    text = ok(family("GET", "/consent-text", home.guardian_session))["sha256"]
    for method, suffix, body in (
        ("GET", "", None),
        ("POST", "", {**TERMS, "text_sha256": text}),
        ("POST", "/withdraw", None),
    ):
        response = family(
            method, f"/children/{victim.child_id}/consent{suffix}", home.guardian_session, body
        )
        _refused(response, 404, "child_not_found", (method, suffix))
    for path in (f"/albums/{victim.album_id}", f"/media/{victim.published_media_id}/download"):
        _refused(family("GET", path, home.guardian_session), 404, NOT_FOUND, path)
    assert victim.album_id not in family("GET", "/albums", home.guardian_session)["body"]
    assert snapshot(aws, victim.tenant_id) == before


def test_a_guardian_unlinked_by_the_director_loses_access_at_once(aws: Aws, home: World) -> None:
    # Given a guardian who can see their child's consent and photos
    session = home.guardian_session
    ok(family("GET", f"/children/{home.child_id}/consent", session))
    sibling = create_child(home.director, home.group_id, "Tom", "M")

    # When the director moves the guardian to another child only
    ok(admin("PATCH", f"/guardians/{home.guardian_id}", home.director, {"child_ids": [sibling]}))

    # Then on the very next request, the first child is out of reach
    for method, path in (
        ("GET", f"/children/{home.child_id}/consent"),
        ("POST", f"/children/{home.child_id}/consent/withdraw"),
    ):
        _refused(family(method, path, session), 404, "child_not_found", path)
    me = ok(family("GET", "/me", session))
    assert [c["child_id"] for c in me["children"]] == [sibling]
    assert (
        ok(admin("GET", f"/children/{home.child_id}/consent", home.director))["consent"]["status"]
        == "active"
    )


def test_an_archived_guardian_loses_access_at_once(aws: Aws, home: World) -> None:
    session = home.guardian_session
    ok(family("GET", "/me", session))
    ok(admin("POST", f"/guardians/{home.guardian_id}/archive", home.director))
    for route in FAMILY_ROUTES:
        response = _call(family, route, home.ids(), session)
        # Signed out at once: the session no longer opens anything.
        assert response["statusCode"] == 401, _label(route)


# --- The gallery of a family follows the gate ------------------------------------------------


def test_a_group_album_is_seen_only_by_that_groups_families(aws: Aws, home: World) -> None:
    # Given two groups, one child in each with a guardian and an active consent
    director = home.director
    loutres = create_group(director, "Les Loutres")
    castors = create_group(director, "Les Castors")
    lea = create_child(director, loutres, "Léa", "M")
    tom = create_child(director, castors, "Tom", "B")
    lea_parent = guardian_session(
        home.tenant_id, create_guardian(director, "lea@example.org", [lea])
    )
    tom_parent = guardian_session(
        home.tenant_id, create_guardian(director, "tom@example.org", [tom])
    )
    give_consent(lea_parent, lea)
    give_consent(tom_parent, tom)
    # ...and an item of the Loutres' album, showing Léa, published to that group's families
    album_id = create_album(director, "Cabane", loutres)
    media_id = ready_photo(aws, home.centre, album_id)
    tag(director, media_id, [lea])
    assert publish(director, media_id, ["families_of_group"])["published_audiences"] == [
        "families_of_group"
    ]

    # Then Léa's family sees and downloads it
    assert album_id in [a["album_id"] for a in ok(family("GET", "/albums", lea_parent))["albums"]]
    items = ok(family("GET", f"/albums/{album_id}", lea_parent))["items"]
    assert [i["media_id"] for i in items] == [media_id]
    ok(family("GET", f"/media/{media_id}/download", lea_parent))

    # ...and Tom's family, in another group, neither sees nor downloads it
    assert album_id not in family("GET", "/albums", tom_parent)["body"]
    assert family("GET", f"/albums/{album_id}", tom_parent)["statusCode"] == 404
    assert family("GET", f"/media/{media_id}/download", tom_parent)["statusCode"] == 404

    # An item of the album that is not published is nobody's download
    waiting = ready_photo(aws, home.centre, album_id)
    tag(director, waiting, [lea])
    assert family("GET", f"/media/{waiting}/download", lea_parent)["statusCode"] == 404

    # When Léa's consent is withdrawn, the gate hides the item on the very next request
    ok(family("POST", f"/children/{lea}/consent/withdraw", lea_parent))
    assert family("GET", f"/albums/{album_id}", lea_parent)["statusCode"] == 404
    assert family("GET", f"/media/{media_id}/download", lea_parent)["statusCode"] == 404
    assert album_id not in family("GET", "/albums", lea_parent)["body"]


# --- Who publishes ---------------------------------------------------------------------------


def test_only_trusted_animators_publish_and_only_when_the_centre_allows_it(
    aws: Aws, home: World
) -> None:
    director = home.director
    trusted_id = create_staff(director, "confiance@example.org", trusted=True)
    trusted = staff_session(home.tenant_id, trusted_id, "animator")
    untrusted = staff_session(home.tenant_id, home.staff_id, "animator")
    approve = {"decision": "approve", "audiences": ["all_families_of_centre"]}

    def state() -> str:
        queue = ok(admin("GET", "/queue", director))["items"]
        return "ready" if home.ready_media_id in json.dumps(queue) else "not in queue"

    # In the default mode, the director validates everything: no animator publishes.
    for session in (trusted, untrusted):
        response = admin("POST", f"/media/{home.ready_media_id}/review", session, approve)
        _refused(response, 403, DIRECTORS_ONLY, "")
    assert state() == "ready"

    # With trusted animators allowed, the untrusted one still may not...
    set_settings(director, validation_mode="trusted_animators")
    assert ok(admin("GET", "/me", untrusted))["may_publish"] is False
    response = admin("POST", f"/media/{home.ready_media_id}/review", untrusted, approve)
    _refused(response, 403, DIRECTORS_ONLY, "")
    assert state() == "ready"

    # ...while the trusted one does.
    assert ok(admin("GET", "/me", trusted))["may_publish"] is True
    published = ok(admin("POST", f"/media/{home.ready_media_id}/review", trusted, approve))
    assert published["state"] == "published"
    assert published["published_audiences"] == ["all_families_of_centre"]
    assert state() == "not in queue"

    # Trust is withdrawn at once; unpublishing stays the director's.
    ok(admin("PATCH", f"/staff/{trusted_id}", director, {"trusted": False}))
    publish = {"audiences": approve["audiences"]}
    response = admin("POST", f"/media/{home.published_media_id}/publish", trusted, publish)
    _refused(response, 403, DIRECTORS_ONLY, "")
    response = admin("POST", f"/media/{home.ready_media_id}/unpublish", trusted)
    _refused(response, 403, "directors_only", "")


def test_an_archived_trusted_animator_no_longer_publishes(aws: Aws, home: World) -> None:
    director = home.director
    set_settings(director, validation_mode="trusted_animators")
    trusted_id = create_staff(director, "confiance@example.org", trusted=True)
    trusted = staff_session(home.tenant_id, trusted_id, "animator")
    ok(admin("POST", f"/staff/{trusted_id}/archive", director))
    response = admin(
        "POST", f"/media/{home.ready_media_id}/review", trusted, {"decision": "approve"}
    )
    # An archived staff member is signed out at once.
    _refused(response, 401, "access_closed", "")


# --- Staff changes take effect on live sessions ----------------------------------------------


def test_an_archived_staff_member_loses_access_at_once(aws: Aws, home: World) -> None:
    animator = staff_session(home.tenant_id, home.staff_id, "animator")
    ok(admin("GET", "/children", animator))
    ok(admin("POST", f"/staff/{home.staff_id}/archive", home.director))
    before = snapshot(aws, home.tenant_id)
    assert admin("GET", "/children", animator)["statusCode"] in (401, 403)
    response = admin("POST", "/albums", animator, {"title": "Après", "date": ALBUM_DATE})
    assert response["statusCode"] in (401, 403)
    assert snapshot(aws, home.tenant_id) == before


def test_a_demoted_director_loses_director_rights_at_once(aws: Aws, home: World) -> None:
    second_id = create_staff(home.director, "adjointe@example.org", role="director")
    second = staff_session(home.tenant_id, second_id, "director")
    ok(admin("GET", "/guardians", second))
    ok(admin("PATCH", f"/staff/{second_id}", home.director, {"role": "animator"}))
    assert admin("GET", "/guardians", second)["statusCode"] == 403
    response = admin("PUT", "/settings", second, {"media_retention_months": 36})
    assert response["statusCode"] == 403


# --- Approve in bulk -------------------------------------------------------------------------


def test_a_batch_approves_nothing_of_another_centre(aws: Aws, home: World, victim: World) -> None:
    before = snapshot(aws, victim.tenant_id)
    answer = ok(
        admin(
            "POST",
            "/review/approve-batch",
            home.director,
            {"items": [{"media_id": victim.ready_media_id}, {"media_id": home.ready_media_id}]},
        )
    )
    outcomes = [(r["media_id"], r["outcome"], r["reason"]) for r in answer["results"]]
    # The other centre's item is "not found", exactly as an id that exists nowhere.
    assert outcomes == [
        (victim.ready_media_id, "refused", "media_not_found"),
        (home.ready_media_id, "approved", None),
    ]
    assert snapshot(aws, victim.tenant_id) == before


def test_only_who_may_publish_approves_in_bulk(aws: Aws, home: World) -> None:
    director = home.director
    trusted_id = create_staff(director, "confiance@example.org", trusted=True)
    trusted = staff_session(home.tenant_id, trusted_id, "animator")
    untrusted = staff_session(home.tenant_id, home.staff_id, "animator")
    body = {"items": [{"media_id": home.ready_media_id}], "audiences": ["all_families_of_centre"]}
    before = snapshot(aws, home.tenant_id)
    # The director validates everything by default: no animator, trusted or not.
    for session in (trusted, untrusted):
        _refused(admin("POST", "/review/approve-batch", session, body), 403, DIRECTORS_ONLY, "")
    set_settings(director, validation_mode="trusted_animators")
    _refused(admin("POST", "/review/approve-batch", untrusted, body), 403, DIRECTORS_ONLY, "")
    assert snapshot(aws, home.tenant_id) != before  # the settings changed...
    queue = ok(admin("GET", "/queue", director))["items"]
    assert home.ready_media_id in json.dumps(queue)  # ...the item did not
    answer = ok(admin("POST", "/review/approve-batch", trusted, body))
    assert answer["results"][0]["outcome"] == "approved"
    # No body, or one that is no batch: 400, nothing approved.
    assert admin("POST", "/review/approve-batch", director)["statusCode"] == 400
    # A family session is no staff.
    refused = admin("POST", "/review/approve-batch", home.guardian_session, body)
    assert refused["statusCode"] in (401, 403)
