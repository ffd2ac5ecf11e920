"""The staff second factor (TOTP) at sign-in, through the real auth handler with moto.

Who is asked (directors always, animators under ``all_staff`` or once enrolled, guardians
never), enrolment, verification at the next sign-in, recovery codes. The attacks (replay,
parallel submissions, guessing, pending sessions elsewhere) are in
``tests/security/test_second_factor.py``.
"""

from __future__ import annotations

import pyotp
import pytest

from pellicule import audit, clock, sessions, totp
from tests.conftest import Aws
from tests.integration.auth_helpers import (
    Person,
    SentMail,
    auth,
    centre,
    cookie_value,
    current_code,
    enrol_and_confirm,
    guardian,
    payload,
    require_second_factor_for_all_staff,
    staff,
)
from tests.integration.staff_api import admin

pytestmark = pytest.mark.usefixtures("no_floor")  # answer at once here


def sign_in(person: Person, outbox: list[SentMail]) -> tuple[str, dict]:
    """Ask for a link, exchange it: the session id and the view."""
    before = len(outbox)
    assert auth("POST", "/link", {"email": person.email})["statusCode"] == 202
    [mail] = outbox[before:]
    [token] = mail.tokens
    response = auth("POST", "/session", {"token": token})
    assert response["statusCode"] == 200, response["body"]
    return cookie_value(response), payload(response)


def login_details(tenant_id: str) -> list[dict]:
    return [row["details"] for row in audit.export_rows(tenant_id) if row["action"] == "login"]


def test_a_director_enrols_then_verifies_at_the_next_sign_in(
    aws: Aws, outbox: list[SentMail]
) -> None:
    director = staff(centre("Les Tilleuls"), "direction@tilleuls.example")
    # The link gives a pending session that asks for enrolment
    session, view = sign_in(director, outbox)
    assert view["second_factor"] == "enrol"
    assert sessions.resolve(session).second_factor_pending is True
    refused = admin("GET", "/me", session)
    assert refused["statusCode"] == 401
    assert payload(refused)["error"] == "second_factor_required"
    # Enrolment: the secret, its otpauth URI and the QR code as an SVG data URI
    enrolled = auth("POST", "/totp/enrol", {}, session=session)
    assert enrolled["statusCode"] == 200, enrolled["body"]
    body = payload(enrolled)
    assert body["uri"].startswith("otpauth://totp/Pellicule:")
    assert "direction" not in body["uri"]  # pseudonymous label, never the e-mail address
    assert body["qr"].startswith("data:image/svg+xml;base64,")
    assert enrolled["headers"]["Cache-Control"] == "no-store"
    # A second call replaces the unconfirmed secret
    again = payload(auth("POST", "/totp/enrol", {}, session=session))
    assert again["secret"] != body["secret"]
    secret = again["secret"]
    assert (
        payload(
            auth(
                "POST", "/totp/confirm", {"code": pyotp.TOTP(body["secret"]).now()}, session=session
            )
        )["error"]
        == "bad_request"
    )  # the replaced secret
    # Confirming with a current code shows the recovery codes once and completes the session
    confirmed = auth("POST", "/totp/confirm", {"code": pyotp.TOTP(secret).now()}, session=session)
    assert confirmed["statusCode"] == 200, confirmed["body"]
    codes = payload(confirmed)["recovery_codes"]
    assert len(codes) == totp.RECOVERY_CODE_COUNT
    assert sessions.resolve(session).second_factor_pending is False
    assert admin("GET", "/me", session)["statusCode"] == 200
    # Once confirmed, enrolment is closed
    assert auth("POST", "/totp/enrol", {}, session=session)["statusCode"] == 409

    # The next sign-in asks for a code from the app
    clock.advance(totp.STEP_SECONDS)
    second, view = sign_in(director, outbox)
    assert view["second_factor"] == "verify"
    assert admin("GET", "/me", second)["statusCode"] == 401
    verified = auth("POST", "/totp/verify", {"code": current_code(secret)}, session=second)
    assert verified["statusCode"] == 200, verified["body"]
    assert payload(verified)["next"] == "/"
    assert admin("GET", "/me", second)["statusCode"] == 200
    assert not verified.get("cookies")  # the same session id (new at this very sign-in)
    # The audit trail: the link logins and how the second factor was passed
    details = login_details(director.tenant_id)
    assert {"second_factor": "enrolled"} in details
    assert {"second_factor": "totp"} in details


def test_a_recovery_code_works_once(aws: Aws, outbox: list[SentMail]) -> None:
    director = staff(centre(), "direction@centre.example")
    session, _ = sign_in(director, outbox)
    _, codes = enrol_and_confirm(session)
    # Next sign-in: a recovery code instead of the app
    second, _ = sign_in(director, outbox)
    used = auth("POST", "/totp/verify", {"recovery_code": codes[0].upper()}, session=second)
    assert used["statusCode"] == 200, used["body"]
    assert payload(used)["recovery_codes_left"] == totp.RECOVERY_CODE_COUNT - 1
    assert admin("GET", "/me", second)["statusCode"] == 200
    assert {"second_factor": "recovery"} in login_details(director.tenant_id)
    # The same code at the next sign-in is refused
    third, _ = sign_in(director, outbox)
    refused = auth("POST", "/totp/verify", {"recovery_code": codes[0]}, session=third)
    assert refused["statusCode"] == 400
    assert admin("GET", "/me", third)["statusCode"] == 401
    # Another one works
    assert (
        auth("POST", "/totp/verify", {"recovery_code": codes[1]}, session=third)["statusCode"]
        == 200
    )


def test_an_animator_is_asked_only_under_all_staff_or_once_enrolled(
    aws: Aws, outbox: list[SentMail]
) -> None:
    tenant_id = centre()
    animator = staff(tenant_id, "anim@centre.example", role="animator")
    # The default setting (directors): no second factor
    session, view = sign_in(animator, outbox)
    assert view["second_factor"] is None
    assert admin("GET", "/me", session)["statusCode"] == 200
    # all_staff: required
    require_second_factor_for_all_staff(tenant_id)
    pending, view = sign_in(animator, outbox)
    assert view["second_factor"] == "enrol"
    assert admin("GET", "/me", pending)["statusCode"] == 401
    enrol_and_confirm(pending)
    assert admin("GET", "/me", pending)["statusCode"] == 200


def test_an_animator_who_enrolled_voluntarily_is_asked(aws: Aws, outbox: list[SentMail]) -> None:
    animator = staff(centre(), "anim@centre.example", role="animator")
    session, view = sign_in(animator, outbox)
    assert view["second_factor"] is None
    enrol_and_confirm(session)  # on a full session: allowed, the session stays full
    assert admin("GET", "/me", session)["statusCode"] == 200
    clock.advance(totp.STEP_SECONDS)
    _, view = sign_in(animator, outbox)
    assert view["second_factor"] == "verify"


def test_a_guardian_is_never_asked(aws: Aws, outbox: list[SentMail]) -> None:
    tenant_id = centre()
    require_second_factor_for_all_staff(tenant_id)
    parent = guardian(tenant_id, "parent@famille.example")
    session, view = sign_in(parent, outbox)
    assert view["second_factor"] is None
    assert sessions.resolve(session).second_factor_pending is False
    assert auth("GET", "/me", session=session, csrf=False)["statusCode"] == 200
    # The TOTP routes are for staff
    assert auth("POST", "/totp/enrol", {}, session=session)["statusCode"] == 403


def test_sessions_created_directly_are_not_pending(aws: Aws) -> None:
    director = staff(centre(), "direction@centre.example")
    session = sessions.create(director.tenant_id, "staff", director.principal_id, "director")
    assert sessions.resolve(session).second_factor_pending is False
    assert admin("GET", "/me", session)["statusCode"] == 200
