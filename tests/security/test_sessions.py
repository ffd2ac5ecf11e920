"""Security requirement 3: sessions and CSRF, attacked through the real API handlers."""

from __future__ import annotations

import hashlib

import pytest

from pellicule.services import sessions
from pellicule.store import data
from pellicule.store.models import Session
from tests.conftest import Aws, Centre, api_event
from tests.integration.helpers import body, call

GRANT_BODY = {"files": [{"name": "a.jpg", "type": "image/jpeg", "size": 10}]}


def _post(centre: Centre, **kwargs: object) -> dict:
    return call(
        "upload",
        api_event(
            "POST", "/api/upload/grants", body={"album_id": centre.album_id, **GRANT_BODY}, **kwargs
        ),
    )  # type: ignore[arg-type]


def test_no_session_is_401(aws: Aws, centre: Centre) -> None:
    assert _post(centre)["statusCode"] == 401


@pytest.mark.parametrize("forged", ["", "x", "A" * 43, "A" * 500, "../../etc/passwd"])
def test_forged_session_ids_are_401(aws: Aws, centre: Centre, forged: str) -> None:
    assert _post(centre, session=forged)["statusCode"] == 401


def test_state_change_without_the_csrf_header_is_403(aws: Aws, centre: Centre) -> None:
    response = _post(centre, session=centre.director_session, csrf=False)
    assert response["statusCode"] == 403
    assert body(response)["reason"] == "csrf_header_missing"


def test_guardian_session_cannot_upload(aws: Aws, centre: Centre) -> None:
    assert _post(centre, session=centre.guardian_session)["statusCode"] == 403


def test_only_the_hash_of_the_session_id_is_stored(aws: Aws, centre: Centre) -> None:
    data.ready()
    stored = [item.pk for item in Session.scan(Session.pk.startswith("SESSION#"))]
    digest = hashlib.sha256(centre.director_session.encode()).hexdigest()
    assert f"SESSION#{digest}" in stored
    assert not [pk for pk in stored if centre.director_session in pk]


def test_revoked_session_is_refused_at_once(aws: Aws, centre: Centre) -> None:
    sessions.revoke(centre.director_session)
    assert _post(centre, session=centre.director_session)["statusCode"] == 401


@pytest.mark.parametrize("status", ["suspended", "deleting"])
def test_a_session_opened_before_its_centre_was_suspended_is_refused(
    aws: Aws, centre: Centre, status: str
) -> None:
    # Given a live session (say the suspension raced with a sign-in and missed it)
    assert _post(centre, session=centre.director_session)["statusCode"] == 201
    # When the operator suspends the centre, without its sessions being deleted
    from pellicule.store.models import Tenant, tenant_pk

    Tenant(tenant_pk(centre.tenant_id), "PROFILE").update(actions=[Tenant.status.set(status)])
    # Then neither the director nor a family gets in on their next request
    assert _post(centre, session=centre.director_session)["statusCode"] == 401
    family = call("family", api_event("GET", "/api/family/albums", session=centre.guardian_session))
    assert family["statusCode"] == 401
    # And resuming lets them in again
    Tenant(tenant_pk(centre.tenant_id), "PROFILE").update(actions=[Tenant.status.set("active")])
    assert _post(centre, session=centre.director_session)["statusCode"] == 201


def test_session_cookie_flags() -> None:
    header = sessions.cookie_header("abc", "staff")
    assert header.startswith("__Host-")
    for flag in ("Secure", "HttpOnly", "SameSite=Strict", "Path=/"):
        assert flag in header
    assert "Domain=" not in header
