"""The team routes (issue 18, item 3) attacked: animators and families refused on each one,
another centre's staff "not found" (requirement 4), a suspended person's old cookie dead for
good, the anti-CSRF header, malformed requests answered with stable 4xx codes."""

from __future__ import annotations

import pytest

from tests.conftest import Aws, Centre, make_centre
from tests.integration.staff_api import admin, create_staff, ok, payload, snapshot, staff_session

pytestmark = pytest.mark.usefixtures("no_floor")

NEW = {"email": "x@centre.example", "role": "animator", "display_name": "X"}


def routes(staff_id: str) -> list[tuple[str, str, dict | None]]:
    return [
        ("GET", "/staff", None),
        ("POST", "/staff", NEW),
        ("PATCH", f"/staff/{staff_id}", {"trusted": True}),
        ("POST", f"/staff/{staff_id}/suspend", None),
        ("POST", f"/staff/{staff_id}/reactivate", None),
        ("POST", f"/staff/{staff_id}/archive", None),
        ("POST", f"/staff/{staff_id}/second-factor/reset", None),
    ]


def test_an_animator_is_refused_on_every_team_route(aws: Aws, centre: Centre) -> None:
    target = create_staff(centre.director_session, "cible@centre.example")
    animator_id = create_staff(centre.director_session, "anim@centre.example")
    animator = staff_session(centre.tenant_id, animator_id, "animator")
    before = snapshot(aws, centre.tenant_id)
    for method, path, body in routes(target):
        refused = admin(method, path, animator, body)
        assert refused["statusCode"] == 403, (method, path, refused["body"])
        assert payload(refused)["reason"] == "directors_only", (method, path)
    # An animator cannot even suspend themselves through the route
    refused = admin("POST", f"/staff/{animator_id}/suspend", animator)
    assert refused["statusCode"] == 403
    assert snapshot(aws, centre.tenant_id) == before


def test_a_family_is_refused_on_every_team_route(aws: Aws, centre: Centre) -> None:
    target = create_staff(centre.director_session, "cible@centre.example")
    before = snapshot(aws, centre.tenant_id)
    for method, path, body in routes(target):
        refused = admin(method, path, centre.guardian_session, body)
        assert refused["statusCode"] == 403, (method, path, refused["body"])
        assert payload(refused)["reason"] == "staff_only", (method, path)
    assert snapshot(aws, centre.tenant_id) == before


def test_nobody_signed_in_gets_401_and_no_csrf_header_gets_403(aws: Aws, centre: Centre) -> None:
    target = create_staff(centre.director_session, "cible@centre.example")
    for method, path, body in routes(target):
        assert admin(method, path, None, body)["statusCode"] == 401, (method, path)
        if method != "GET":
            refused = admin(method, path, centre.director_session, body, csrf=False)
            assert refused["statusCode"] == 403, (method, path)
    assert ok(admin("GET", "/staff", centre.director_session))  # nothing changed meanwhile
    [found] = [
        m
        for m in ok(admin("GET", "/staff", centre.director_session))["staff"]
        if m["staff_id"] == target
    ]
    assert (found["suspended"], found["archived"], found["trusted"]) == (False, False, False)


def test_another_centres_staff_is_not_found_and_left_alone(aws: Aws, centre: Centre) -> None:
    other = make_centre()
    theirs = create_staff(other.director_session, "leur-anim@ailleurs.example")
    their_session = staff_session(other.tenant_id, theirs, "animator")
    before = snapshot(aws, other.tenant_id)
    for method, path, body in routes(theirs)[2:]:
        refused = admin(method, path, centre.director_session, body)
        assert refused["statusCode"] == 404, (method, path, refused["body"])
        assert payload(refused)["reason"] == "staff_not_found", (method, path)
    assert snapshot(aws, other.tenant_id) == before
    # Their session still works: nothing of theirs was suspended or ended
    assert admin("GET", "/me", their_session)["statusCode"] == 200


def test_a_suspended_persons_old_cookie_stays_dead_after_reactivation(
    aws: Aws, centre: Centre
) -> None:
    staff_id = create_staff(centre.director_session, "anim@centre.example")
    cookie = staff_session(centre.tenant_id, staff_id, "animator")
    ok(admin("POST", f"/staff/{staff_id}/suspend", centre.director_session))
    assert admin("GET", "/me", cookie)["statusCode"] == 401
    # Reactivation lets them sign in again, with a new sign-in: the old cookie is gone
    ok(admin("POST", f"/staff/{staff_id}/reactivate", centre.director_session))
    assert admin("GET", "/me", cookie)["statusCode"] == 401
    assert admin("GET", "/albums", cookie)["statusCode"] == 401


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "reason"),
    [
        ("POST", "/staff/nobody/suspend", None, 404, "staff_not_found"),
        ("POST", "/staff/nobody/reactivate", None, 404, "staff_not_found"),
        ("POST", "/staff/%2e%2e%2fSTAFF%23x/suspend", None, 404, None),
        ("POST", f"/staff/{'x' * 300}/suspend", None, 404, None),
        ("PATCH", "/staff/staff-1", {"role": "boss"}, 400, "field_unknown_value"),
        ("PATCH", "/staff/staff-1", {"suspended": True}, 400, "field_unknown"),
        ("PATCH", "/staff/staff-1", {}, 400, "nothing_to_change"),
        ("POST", "/staff", {**NEW, "suspended": True}, 400, "field_unknown"),
    ],
)
def test_malformed_team_requests_get_stable_4xx_codes(
    aws: Aws,
    centre: Centre,
    method: str,
    path: str,
    body: dict | None,
    status: int,
    reason: str | None,
) -> None:
    before = snapshot(aws, centre.tenant_id)
    answered = admin(method, path, centre.director_session, body)
    assert answered["statusCode"] == status, answered["body"]
    answer = payload(answered)
    if reason is not None:
        assert reason in (answer["error"], answer["reason"]), answer
    assert snapshot(aws, centre.tenant_id) == before
