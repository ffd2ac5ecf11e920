"""The staff second factor (TOTP) at sign-in, through the real auth handler with moto.

Who is asked (directors always, animators under ``all_staff`` or once enrolled, guardians
never), enrolment, verification at the next sign-in, recovery codes. The attacks (replay,
parallel submissions, guessing, pending sessions elsewhere) are in
``tests/security/test_second_factor.py``.
"""

from __future__ import annotations

import pyotp
import pytest

from pellicule.config import clock
from pellicule.domain import totp
from pellicule.services import audit, sessions
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

pytestmark = pytest.mark.usefixtures("no_floor", "fresh_totp_step")  # at once, mid-step


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
    assert payload(verified)["next"] == "/dashboard.html"  # a director lands on their home
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


# --- After sign-in: a new authenticator, new recovery codes, a director's reset ---------------


def second_factor_of(person: Person) -> totp.SecondFactor | None:
    from pellicule.store.models import Staff, tenant_pk

    record = Staff.get(
        tenant_pk(person.tenant_id), f"STAFF#{person.principal_id}", consistent_read=True
    )
    return (
        None
        if record.second_factor is None
        else totp.SecondFactor.from_dict(record.second_factor.as_dict())
    )


def changes(tenant_id: str) -> list[tuple[str, str, str]]:
    """The roster changes of the audit trail: (actor, subject, change)."""
    return [
        (row["actor"], row["subject"], row["details"]["change"])
        for row in audit.export_rows(tenant_id)
        if row["action"] == "roster_changed"
    ]


def test_after_a_recovery_login_a_new_authenticator_replaces_the_old_one(
    aws: Aws, outbox: list[SentMail]
) -> None:
    director = staff(centre(), "direction@centre.example")
    old_secret, old_codes = enrol_and_confirm(sign_in(director, outbox)[0])
    clock.advance(totp.STEP_SECONDS)
    # Given a sign-in with a recovery code (the phone is lost)
    session, _ = sign_in(director, outbox)
    used = auth("POST", "/totp/verify", {"recovery_code": old_codes[0]}, session=session)
    assert payload(used) == {
        "next": "/dashboard.html",
        "recovery_codes_left": totp.RECOVERY_CODE_COUNT - 1,
        "renewal": "offered",
    }
    status = auth("GET", "/totp", session=session, csrf=False)
    assert payload(status) == {
        "enrolled": True,
        "recovery_codes_left": totp.RECOVERY_CODE_COUNT - 1,
        "renewal_allowed": True,
    }
    # When the person begins enrolling a new app: a new secret and QR code
    begun = auth("POST", "/totp/renew", {}, session=session)
    assert begun["statusCode"] == 200, begun["body"]
    assert begun["headers"]["Cache-Control"] == "no-store"
    new = payload(begun)
    assert new["secret"] != old_secret
    assert new["qr"].startswith("data:image/svg+xml;base64,")
    assert new["uri"].startswith("otpauth://totp/Pellicule:")
    # Then the old app still works until the new one is confirmed
    assert second_factor_of(director).secret == old_secret  # type: ignore[union-attr]
    # A code of the old app does not confirm the new one
    wrong = auth("POST", "/totp/renew/confirm", {"code": current_code(old_secret)}, session=session)
    assert wrong["statusCode"] == 400
    # When confirmed with a code of the new app: new recovery codes, shown once
    confirmed = auth(
        "POST", "/totp/renew/confirm", {"code": current_code(new["secret"])}, session=session
    )
    assert confirmed["statusCode"] == 200, confirmed["body"]
    new_codes = payload(confirmed)["recovery_codes"]
    assert len(new_codes) == totp.RECOVERY_CODE_COUNT
    assert not set(new_codes) & set(old_codes)
    factor = second_factor_of(director)
    assert factor is not None
    assert (factor.confirmed, factor.secret) == (True, new["secret"])
    assert admin("GET", "/me", session)["statusCode"] == 200  # the session goes on
    # The change is in the audit trail
    ref = f"staff:{director.principal_id}"
    assert (ref, ref, "second_factor_renewed") in changes(director.tenant_id)
    # Once done, the same session cannot start another change without a code
    assert auth("POST", "/totp/renew", {}, session=session)["statusCode"] == 403

    # The next sign-in: the old app and the old recovery codes fail, the new ones work
    clock.advance(totp.STEP_SECONDS)
    second, view = sign_in(director, outbox)
    assert view["second_factor"] == "verify"
    for body in ({"code": current_code(old_secret)}, {"recovery_code": old_codes[1]}):
        assert auth("POST", "/totp/verify", body, session=second)["statusCode"] == 400
    assert (
        auth("POST", "/totp/verify", {"code": current_code(new["secret"])}, session=second)[
            "statusCode"
        ]
        == 200
    )
    third, _ = sign_in(director, outbox)
    assert (
        auth("POST", "/totp/verify", {"recovery_code": new_codes[0]}, session=third)["statusCode"]
        == 200
    )


def test_few_recovery_codes_left_recommend_a_new_authenticator(
    aws: Aws, outbox: list[SentMail]
) -> None:
    from pellicule.store.models import Staff, tenant_pk

    director = staff(centre(), "direction@centre.example")
    # Given a director with 4 recovery codes left
    factor, codes = totp.SecondFactor(
        secret=totp.new_secret(), enrolled_at=int(clock.now()), confirmed=True
    ).with_new_recovery_codes(4)
    record = Staff.get(tenant_pk(director.tenant_id), f"STAFF#{director.principal_id}")
    record.update(actions=[Staff.second_factor.set(factor.to_dict())])
    # 3 left after one: offered; 2 left after the next: recommended
    for code, left, renewal in ((codes[0], 3, "offered"), (codes[1], 2, "recommended")):
        session, _ = sign_in(director, outbox)
        answer = payload(auth("POST", "/totp/verify", {"recovery_code": code}, session=session))
        assert (answer["recovery_codes_left"], answer["renewal"]) == (left, renewal)


def test_a_phone_change_with_a_code_from_the_old_app(aws: Aws, outbox: list[SentMail]) -> None:
    director = staff(centre(), "direction@centre.example")
    old_secret, old_codes = enrol_and_confirm(sign_in(director, outbox)[0])
    clock.advance(totp.STEP_SECONDS)
    session, _ = sign_in(director, outbox)
    assert (
        auth("POST", "/totp/verify", {"code": current_code(old_secret)}, session=session)[
            "statusCode"
        ]
        == 200
    )
    # Signed in with the app, not a recovery code: a change needs a code from the old app
    assert payload(auth("GET", "/totp", session=session, csrf=False))["renewal_allowed"] is False
    refused = auth("POST", "/totp/renew", {}, session=session)
    assert refused["statusCode"] == 403
    clock.advance(totp.STEP_SECONDS)
    begun = auth("POST", "/totp/renew", {"code": current_code(old_secret)}, session=session)
    assert begun["statusCode"] == 200, begun["body"]
    new_secret = payload(begun)["secret"]
    confirmed = auth(
        "POST", "/totp/renew/confirm", {"code": current_code(new_secret)}, session=session
    )
    assert confirmed["statusCode"] == 200, confirmed["body"]
    factor = second_factor_of(director)
    assert factor is not None
    assert factor.secret == new_secret
    assert totp.match_recovery_code(old_codes[0], factor.recovery_hashes) is None


def test_new_recovery_codes_replace_the_old_ones(aws: Aws, outbox: list[SentMail]) -> None:
    director = staff(centre(), "direction@centre.example")
    session, _ = sign_in(director, outbox)
    secret, old_codes = enrol_and_confirm(session)
    clock.advance(totp.STEP_SECONDS)
    renewed = auth("POST", "/totp/recovery-codes", {"code": current_code(secret)}, session=session)
    assert renewed["statusCode"] == 200, renewed["body"]
    assert renewed["headers"]["Cache-Control"] == "no-store"
    body = payload(renewed)
    new_codes = body["recovery_codes"]
    assert body["recovery_codes_left"] == len(new_codes) == totp.RECOVERY_CODE_COUNT
    assert not set(new_codes) & set(old_codes)
    # Only hashes are stored
    factor = second_factor_of(director)
    assert factor is not None
    assert all(h.startswith("sha256$") for h in factor.recovery_hashes)
    assert not any(code in h for code in new_codes for h in factor.recovery_hashes)
    ref = f"staff:{director.principal_id}"
    assert (ref, ref, "recovery_codes_renewed") in changes(director.tenant_id)
    # The old codes fail, the new ones work
    second, _ = sign_in(director, outbox)
    assert (
        auth("POST", "/totp/verify", {"recovery_code": old_codes[0]}, session=second)["statusCode"]
        == 400
    )
    assert (
        auth("POST", "/totp/verify", {"recovery_code": new_codes[0]}, session=second)["statusCode"]
        == 200
    )


def test_a_director_resets_a_staff_members_factor(aws: Aws, outbox: list[SentMail]) -> None:
    from tests.integration.staff_api import staff_session

    tenant_id = centre()
    require_second_factor_for_all_staff(tenant_id)
    director = staff(tenant_id, "direction@centre.example")
    animator = staff(tenant_id, "anim@centre.example", role="animator")
    # Given an animator with an app, a complete session and a pending one
    complete, _ = sign_in(animator, outbox)
    enrol_and_confirm(complete)
    pending, view = sign_in(animator, outbox)
    assert view["second_factor"] == "verify"
    # When a director resets the animator's factor
    reset = admin(
        "POST",
        f"/staff/{animator.principal_id}/second-factor/reset",
        staff_session(tenant_id, director.principal_id),
    )
    assert reset["statusCode"] == 200, reset["body"]
    assert payload(reset) == {
        "staff_id": animator.principal_id,
        "second_factor": "reset",
        "sessions_ended": 2,
    }
    # Then the factor is gone, every session of the animator is dead
    assert second_factor_of(animator) is None
    for session in (complete, pending):
        assert admin("GET", "/me", session)["statusCode"] == 401
    # And the next sign-in starts a new enrolment
    clock.advance(15 * 60)  # a new window of sign-in e-mails
    again, view = sign_in(animator, outbox)
    assert view["second_factor"] == "enrol"
    enrol_and_confirm(again)
    # The audit trail: who reset whose factor, and the sessions ended
    rows = audit.export_rows(tenant_id)
    actor, subject = f"staff:{director.principal_id}", f"staff:{animator.principal_id}"
    assert (actor, subject, "second_factor_reset") in changes(tenant_id)
    assert any(
        r["action"] == "logout"
        and (r["actor"], r["subject"]) == (actor, subject)
        and r["details"] == {"scope": "second_factor_reset", "sessions": 2}
        for r in rows
    )
