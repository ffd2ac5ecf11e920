"""The staff second factor (TOTP) attacked through the real handlers (moto in-process).

A pending session (first factor passed, TOTP not yet) reaches nothing but the TOTP routes; a
code cannot be replayed, nor spent twice in parallel; a recovery code works once; five wrong
codes end the session; the routes need the anti-CSRF header; no code, secret or recovery code
reaches the logs.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

import pytest

from pellicule.config import clock
from pellicule.domain import totp
from pellicule.domain.errors import Unauthenticated
from pellicule.services import sessions
from tests.conftest import Aws
from tests.integration.auth_helpers import (
    Person,
    SentMail,
    auth,
    centre,
    cookie_value,
    current_code,
    enrol_and_confirm,
    payload,
    require_second_factor_for_all_staff,
    staff,
)
from tests.integration.staff_api import admin, family

pytestmark = pytest.mark.usefixtures("no_floor", "fresh_totp_step")  # at once, mid-step


@pytest.fixture
def director(aws: Aws) -> Person:
    return staff(centre("Les Tilleuls"), "direction@tilleuls.example")


def sign_in(person: Person, outbox: list[SentMail]) -> str:
    before = len(outbox)
    assert auth("POST", "/link", {"email": person.email})["statusCode"] == 202
    [mail] = outbox[before:]
    [token] = mail.tokens
    response = auth("POST", "/session", {"token": token})
    assert response["statusCode"] == 200, response["body"]
    return cookie_value(response)


def enrolled(person: Person, outbox: list[SentMail]) -> tuple[str, list[str]]:
    """A director with a confirmed factor; the clock moved one step past its first code."""
    secret, codes = enrol_and_confirm(sign_in(person, outbox))
    clock.advance(totp.STEP_SECONDS)
    return secret, codes


def test_a_pending_session_reaches_nothing_but_the_totp_routes(
    director: Person, outbox: list[SentMail]
) -> None:
    session = sign_in(director, outbox)
    for response in (
        admin("GET", "/me", session),
        admin("POST", "/groups", session, {"name": "Les Loutres"}),
        family("GET", "/me", session),
        auth("GET", "/me", session=session, csrf=False),
        auth("POST", "/logout-everywhere", session=session),
    ):
        assert response["statusCode"] == 401, response["body"]
        answer = payload(response)
        assert (answer["error"], answer["reason"]) == ("second_factor_required",) * 2
    # The TOTP routes accept it (and sign-out of this device works)
    assert auth("POST", "/totp/enrol", {}, session=session)["statusCode"] == 200
    assert auth("POST", "/logout", session=session)["statusCode"] == 200
    with pytest.raises(Unauthenticated, match="session_unknown"):
        sessions.resolve(session)


def test_the_totp_routes_need_the_csrf_header_and_a_session(
    director: Person, outbox: list[SentMail]
) -> None:
    session = sign_in(director, outbox)
    for path in ("/totp/enrol", "/totp/confirm", "/totp/verify"):
        assert (
            auth("POST", path, {"code": "123456"}, session=session, csrf=False)["statusCode"] == 403
        )
        assert auth("POST", path, {"code": "123456"})["statusCode"] == 401
    assert sessions.resolve(session).second_factor_pending is True


def test_verify_needs_a_confirmed_factor(director: Person, outbox: list[SentMail]) -> None:
    session = sign_in(director, outbox)
    response = auth("POST", "/totp/verify", {"code": "123456"}, session=session)
    assert response["statusCode"] == 409
    enrolment = payload(auth("POST", "/totp/enrol", {}, session=session))
    # An unconfirmed factor never satisfies verify, even with its current code
    response = auth(
        "POST", "/totp/verify", {"code": current_code(enrolment["secret"])}, session=session
    )
    assert response["statusCode"] == 409
    assert sessions.resolve(session).second_factor_pending is True


def test_a_code_cannot_be_replayed(director: Person, outbox: list[SentMail]) -> None:
    secret, _ = enrolled(director, outbox)
    code = current_code(secret)
    first = sign_in(director, outbox)
    assert auth("POST", "/totp/verify", {"code": code}, session=first)["statusCode"] == 200
    # The same code, seen over a shoulder, at another sign-in within its validity
    second = sign_in(director, outbox)
    replay = auth("POST", "/totp/verify", {"code": code}, session=second)
    assert replay["statusCode"] == 400
    assert sessions.resolve(second).second_factor_pending is True
    # An older code neither
    older = current_code(secret, -1)
    assert auth("POST", "/totp/verify", {"code": older}, session=second)["statusCode"] == 400
    # The next step's code works
    clock.advance(totp.STEP_SECONDS)
    assert (
        auth("POST", "/totp/verify", {"code": current_code(secret)}, session=second)["statusCode"]
        == 200
    )


@pytest.mark.usefixtures("serialised_moto")
@pytest.mark.parametrize("kind", ["code", "recovery_code"])
def test_one_code_submitted_in_parallel_passes_once(
    director: Person, outbox: list[SentMail], kind: str
) -> None:
    from functions.auth.handler import build_app

    secret, codes = enrolled(director, outbox)
    code = current_code(secret) if kind == "code" else codes[0]
    count = 4  # five links in all: the per-address limit of sign-in e-mails
    pending = [sign_in(director, outbox) for _ in range(count)]
    apps = [build_app() for _ in range(count)]
    start = threading.Barrier(count, timeout=30)
    results: list[dict[str, Any]] = []
    errors: list[BaseException] = []

    def submit(index: int) -> None:
        try:
            start.wait()
            results.append(
                auth("POST", "/totp/verify", {kind: code}, session=pending[index], app=apps[index])
            )
        except BaseException as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)

    threads = [threading.Thread(target=submit, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(r["statusCode"] for r in results) == [200] + [400] * (count - 1)
    complete = [s for s in pending if not sessions.resolve(s).second_factor_pending]
    assert len(complete) == 1


def test_five_wrong_codes_revoke_the_session(director: Person, outbox: list[SentMail]) -> None:
    secret, codes = enrolled(director, outbox)
    session = sign_in(director, outbox)
    right = current_code(secret)
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    for attempt in range(4):
        response = auth("POST", "/totp/verify", {"code": wrong}, session=session)
        assert response["statusCode"] == 400, attempt
        assert payload(response)["reason"] == "totp_code_wrong"
    last = auth("POST", "/totp/verify", {"recovery_code": "0000-0000-0000"}, session=session)
    assert last["statusCode"] == 401
    # The session is gone: even the right code (or a recovery code) no longer helps
    for body in ({"code": right}, {"recovery_code": codes[0]}):
        assert auth("POST", "/totp/verify", body, session=session)["statusCode"] == 401
    with pytest.raises(Unauthenticated, match="session_unknown"):
        sessions.resolve(session)
    # A new link starts a new pending session with its own attempts
    fresh = sign_in(director, outbox)
    assert auth("POST", "/totp/verify", {"code": right}, session=fresh)["statusCode"] == 200


def test_wrong_confirmation_codes_count_too(director: Person, outbox: list[SentMail]) -> None:
    session = sign_in(director, outbox)
    secret = payload(auth("POST", "/totp/enrol", {}, session=session))["secret"]
    wrong = f"{(int(current_code(secret)) + 1) % 1_000_000:06d}"
    statuses = [
        auth("POST", "/totp/confirm", {"code": wrong}, session=session)["statusCode"]
        for _ in range(5)
    ]
    assert statuses == [400, 400, 400, 400, 401]
    assert auth("POST", "/totp/enrol", {}, session=session)["statusCode"] == 401


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(f"{record.getMessage()} {record.__dict__!r}")


def test_no_code_secret_or_recovery_code_reaches_the_logs(
    director: Person, outbox: list[SentMail], capsys: pytest.CaptureFixture[str]
) -> None:
    collect = _Collect()
    watched = [logging.getLogger(), logging.getLogger("pellicule-auth")]
    levels = [logger.level for logger in watched]
    for logger in watched:
        logger.addHandler(collect)
    logging.getLogger().setLevel(logging.INFO)
    logging.getLogger("pellicule-auth").setLevel(logging.DEBUG)
    try:
        session = sign_in(director, outbox)
        enrolment = payload(auth("POST", "/totp/enrol", {}, session=session))
        first = current_code(enrolment["secret"])
        confirmed = payload(auth("POST", "/totp/confirm", {"code": first}, session=session))
        clock.advance(totp.STEP_SECONDS)
        second = sign_in(director, outbox)
        code = current_code(enrolment["secret"])
        auth("POST", "/totp/verify", {"code": "000000"}, session=second)
        auth("POST", "/totp/verify", {"code": code}, session=second)
        third = sign_in(director, outbox)
        auth(
            "POST", "/totp/verify", {"recovery_code": confirmed["recovery_codes"][0]}, session=third
        )
    finally:
        for logger, level in zip(watched, levels, strict=True):
            logger.removeHandler(collect)
            logger.setLevel(level)
    logged = "\n".join(collect.lines) + capsys.readouterr().out
    assert "second factor passed" in logged
    assert f"staff:{director.principal_id}" in logged
    secrets = [enrolment["secret"], enrolment["qr"][30:80], first, code, session, second, third]
    for secret in secrets + confirmed["recovery_codes"]:
        assert secret not in logged, secret


# --- After sign-in: a new authenticator, new recovery codes, a director's reset ---------------


def full_session(person: Person, outbox: list[SentMail], secret: str) -> str:
    """A sign-in completed with a code from the app (the clock moves one step first)."""
    clock.advance(totp.STEP_SECONDS)
    session = sign_in(person, outbox)
    verified = auth("POST", "/totp/verify", {"code": current_code(secret)}, session=session)
    assert verified["statusCode"] == 200, verified["body"]
    return session


def recovery_session(person: Person, outbox: list[SentMail], code: str) -> str:
    session = sign_in(person, outbox)
    verified = auth("POST", "/totp/verify", {"recovery_code": code}, session=session)
    assert verified["statusCode"] == 200, verified["body"]
    return session


def factor_of(person: Person) -> dict[str, Any] | None:
    from pellicule.store.models import Staff, tenant_pk

    record = Staff.get(
        tenant_pk(person.tenant_id), f"STAFF#{person.principal_id}", consistent_read=True
    )
    return None if record.second_factor is None else dict(record.second_factor.as_dict())


def test_new_recovery_codes_need_a_code_from_the_app_on_a_full_session(
    director: Person, outbox: list[SentMail]
) -> None:
    secret, codes = enrolled(director, outbox)
    # Without a session, or without the anti-CSRF header
    assert auth("POST", "/totp/recovery-codes", {"code": current_code(secret)})["statusCode"] == 401
    session = full_session(director, outbox, secret)
    before = factor_of(director)
    no_csrf = auth(
        "POST", "/totp/recovery-codes", {"code": current_code(secret)}, session=session, csrf=False
    )
    assert no_csrf["statusCode"] == 403
    # A pending session (first factor only) is refused, even with a right code
    pending = sign_in(director, outbox)
    refused = auth("POST", "/totp/recovery-codes", {"code": current_code(secret)}, session=pending)
    assert (refused["statusCode"], payload(refused)["error"]) == (401, "second_factor_required")
    # A recovery code is not enough (someone holding one code must not get ten)
    for body in ({"recovery_code": codes[0]}, {"code": codes[0]}, {}):
        response = auth("POST", "/totp/recovery-codes", body, session=session)
        assert response["statusCode"] == 400, body
    assert factor_of(director) == before  # nothing changed, no code spent
    # A replayed code neither (the one that completed this session)
    replay = auth("POST", "/totp/recovery-codes", {"code": current_code(secret)}, session=session)
    assert replay["statusCode"] == 400
    assert factor_of(director) == before


def test_old_recovery_codes_fail_after_new_ones(director: Person, outbox: list[SentMail]) -> None:
    secret, old_codes = enrolled(director, outbox)
    session = full_session(director, outbox, secret)
    clock.advance(totp.STEP_SECONDS)
    renewed = auth("POST", "/totp/recovery-codes", {"code": current_code(secret)}, session=session)
    assert renewed["statusCode"] == 200, renewed["body"]
    new_codes = payload(renewed)["recovery_codes"]
    pending = sign_in(director, outbox)
    for code in old_codes[:4]:  # (a fifth wrong code would end the pending session)
        response = auth("POST", "/totp/verify", {"recovery_code": code}, session=pending)
        assert response["statusCode"] == 400
    factor = factor_of(director)
    assert factor is not None
    assert all(
        totp.match_recovery_code(code, factor["recovery_hashes"]) is None for code in old_codes
    )
    fresh = sign_in(director, outbox)
    assert (
        auth("POST", "/totp/verify", {"recovery_code": new_codes[-1]}, session=fresh)["statusCode"]
        == 200
    )


def test_wrong_codes_for_new_recovery_codes_end_the_session(
    director: Person, outbox: list[SentMail]
) -> None:
    secret, _ = enrolled(director, outbox)
    session = full_session(director, outbox, secret)
    wrong = f"{(int(current_code(secret)) + 1) % 1_000_000:06d}"
    statuses = [
        auth("POST", "/totp/recovery-codes", {"code": wrong}, session=session)["statusCode"]
        for _ in range(5)
    ]
    assert statuses == [400, 400, 400, 400, 401]
    assert admin("GET", "/me", session)["statusCode"] == 401


def test_a_new_authenticator_needs_a_recovery_login_of_this_session_or_a_current_code(
    director: Person, outbox: list[SentMail]
) -> None:
    secret, codes = enrolled(director, outbox)
    # Pending sessions and sessions without the header are refused
    pending = sign_in(director, outbox)
    assert auth("POST", "/totp/renew", {}, session=pending)["statusCode"] == 401
    # A session completed with the app cannot begin without a code from it
    with_app = full_session(director, outbox, secret)
    assert auth("POST", "/totp/renew", {}, session=with_app)["statusCode"] == 403
    # Another session's recovery login does not open the change for this one
    recovered = recovery_session(director, outbox, codes[0])
    assert auth("POST", "/totp/renew", {}, session=with_app)["statusCode"] == 403
    assert auth("POST", "/totp/renew", {}, session=recovered, csrf=False)["statusCode"] == 403
    begun = auth("POST", "/totp/renew", {}, session=recovered)
    assert begun["statusCode"] == 200, begun["body"]
    new_secret = payload(begun)["secret"]
    # ... nor its confirmation
    stolen = auth(
        "POST", "/totp/renew/confirm", {"code": current_code(new_secret)}, session=with_app
    )
    assert stolen["statusCode"] == 409
    # A grant expires with the staff session's lifetime
    clock.advance(sessions.ABSOLUTE_TIMEOUT_SECONDS["staff"])
    late = auth(
        "POST", "/totp/renew/confirm", {"code": current_code(new_secret)}, session=recovered
    )
    assert late["statusCode"] == 401  # the session itself is over
    assert factor_of(director)["secret"] == secret  # type: ignore[index]


def test_the_old_secret_fails_after_a_new_authenticator(
    director: Person, outbox: list[SentMail]
) -> None:
    old_secret, codes = enrolled(director, outbox)
    recovered = recovery_session(director, outbox, codes[0])
    new_secret = payload(auth("POST", "/totp/renew", {}, session=recovered))["secret"]
    # Before the confirmation, a sign-in with the old app still works
    other = full_session(director, outbox, old_secret)
    # Wrong codes on the confirmation count like any wrong code
    wrong = f"{(int(current_code(new_secret)) + 1) % 1_000_000:06d}"
    assert (
        auth("POST", "/totp/renew/confirm", {"code": wrong}, session=recovered)["statusCode"] == 400
    )
    confirmed = auth(
        "POST", "/totp/renew/confirm", {"code": current_code(new_secret)}, session=recovered
    )
    assert confirmed["statusCode"] == 200, confirmed["body"]
    # The confirmation cannot be replayed to reset the codes again
    again = auth(
        "POST", "/totp/renew/confirm", {"code": current_code(new_secret)}, session=recovered
    )
    assert again["statusCode"] == 409
    # From now on, the old app's codes fail (at every step of its window)
    clock.advance(totp.STEP_SECONDS)
    pending = sign_in(director, outbox)
    for ahead in (-1, 0, 1):
        old = current_code(old_secret, ahead)
        assert auth("POST", "/totp/verify", {"code": old}, session=pending)["statusCode"] == 400
    # ...and so do the old recovery codes
    refused = auth("POST", "/totp/verify", {"recovery_code": codes[1]}, session=pending)
    assert refused["statusCode"] == 400
    assert (
        auth("POST", "/totp/verify", {"code": current_code(new_secret)}, session=pending)[
            "statusCode"
        ]
        == 200
    )
    assert admin("GET", "/me", other)["statusCode"] == 200  # sessions already open go on


# --- A director's reset ----------------------------------------------------------------------


def reset(staff_id: str, session: str | None, *, csrf: bool = True) -> dict[str, Any]:
    return admin("POST", f"/staff/{staff_id}/second-factor/reset", session, {}, csrf=csrf)


def test_only_a_director_of_the_same_centre_resets_someone_elses_factor(
    director: Person, outbox: list[SentMail]
) -> None:
    from tests.integration.staff_api import staff_session

    secret, _ = enrolled(director, outbox)
    tenant_id = director.tenant_id
    animator = staff(tenant_id, "anim@tilleuls.example", role="animator")
    colleague = staff(tenant_id, "adjointe@tilleuls.example")
    other_centre = centre("Les Chênes")
    intruder = staff(other_centre, "direction@chenes.example")
    animator_session = staff_session(tenant_id, animator.principal_id, "animator")
    # An animator: 403
    refused = reset(director.principal_id, animator_session)
    assert refused["statusCode"] == 403
    # The director of another centre: 404, as for any id that is not theirs
    foreign = reset(director.principal_id, staff_session(other_centre, intruder.principal_id))
    assert foreign["statusCode"] == 404
    # Without a session, or without the anti-CSRF header
    assert reset(director.principal_id, None)["statusCode"] == 401
    own = full_session(director, outbox, secret)
    before = factor_of(director)
    assert reset(animator.principal_id, own, csrf=False)["statusCode"] == 403
    # A pending session (first factor only)
    pending = sign_in(director, outbox)
    assert reset(animator.principal_id, pending)["statusCode"] == 401
    # One's own factor: refused with a clear message
    mine = reset(director.principal_id, own)
    assert mine["statusCode"] == 409
    assert payload(mine)["reason"] == "staff_cannot_reset_own_factor"
    # Nothing changed; the sessions of the director are alive
    assert factor_of(director) == before
    assert admin("GET", "/me", own)["statusCode"] == 200
    # Another director of the centre can
    done = reset(director.principal_id, staff_session(tenant_id, colleague.principal_id))
    assert done["statusCode"] == 200, done["body"]
    assert factor_of(director) is None


def test_a_reset_signs_the_person_out_everywhere(director: Person, outbox: list[SentMail]) -> None:
    from tests.integration.staff_api import staff_session

    secret, codes = enrolled(director, outbox)
    complete = full_session(director, outbox, secret)
    recovered = recovery_session(director, outbox, codes[0])
    begun = payload(auth("POST", "/totp/renew", {}, session=recovered))
    pending = sign_in(director, outbox)
    colleague = staff(director.tenant_id, "adjointe@tilleuls.example")
    done = reset(director.principal_id, staff_session(director.tenant_id, colleague.principal_id))
    assert payload(done)["sessions_ended"] == 4  # the enrolment's session too
    # Every session is dead: complete, recovered (with its app change under way), pending
    for session in (complete, recovered, pending):
        with pytest.raises(Unauthenticated, match="session_unknown"):
            sessions.resolve(session)
    assert (
        auth("POST", "/totp/verify", {"code": current_code(secret)}, session=pending)["statusCode"]
        == 401
    )
    # The old app, the old recovery codes and the change under way are all gone
    clock.advance(15 * 60)
    fresh = sign_in(director, outbox)
    assert (
        auth("POST", "/totp/verify", {"code": current_code(secret)}, session=fresh)["statusCode"]
        == 409
    )  # nothing to verify against: enrol first
    assert (
        auth("POST", "/totp/verify", {"recovery_code": codes[1]}, session=fresh)["statusCode"]
        == 409
    )
    enrolment = payload(auth("POST", "/totp/enrol", {}, session=fresh))
    assert enrolment["secret"] not in (secret, begun["secret"])


def test_no_secret_or_code_of_the_new_flows_reaches_the_logs(
    director: Person, outbox: list[SentMail], capsys: pytest.CaptureFixture[str]
) -> None:
    collect = _Collect()
    watched = [logging.getLogger(), logging.getLogger("pellicule-auth")]
    levels = [logger.level for logger in watched]
    for logger in watched:
        logger.addHandler(collect)
    logging.getLogger().setLevel(logging.INFO)
    logging.getLogger("pellicule-auth").setLevel(logging.DEBUG)
    try:
        secret, codes = enrolled(director, outbox)
        recovered = recovery_session(director, outbox, codes[0])
        begun = payload(auth("POST", "/totp/renew", {}, session=recovered))
        first = current_code(begun["secret"])
        renewed = payload(auth("POST", "/totp/renew/confirm", {"code": first}, session=recovered))
        clock.advance(totp.STEP_SECONDS)
        second = current_code(begun["secret"])
        regenerated = payload(
            auth("POST", "/totp/recovery-codes", {"code": second}, session=recovered)
        )
    finally:
        for logger, level in zip(watched, levels, strict=True):
            logger.removeHandler(collect)
            logger.setLevel(level)
    logged = "\n".join(collect.lines) + capsys.readouterr().out
    assert "second factor renewed" in logged
    assert "recovery codes renewed" in logged
    values = [secret, begun["secret"], begun["qr"][30:80], first, second, recovered]
    values += codes + renewed["recovery_codes"] + regenerated["recovery_codes"]
    for value in values:
        assert value not in logged, value


# --- Elevation: a session that never passed TOTP does not carry a promotion -------------------


def link_only_animator(director: Person, outbox: list[SentMail]) -> tuple[Person, str]:
    """An animator of the director's centre, signed in by link alone (no TOTP asked)."""
    animator = staff(director.tenant_id, "animation@tilleuls.example", role="animator")
    before = len(outbox)
    assert auth("POST", "/link", {"email": animator.email})["statusCode"] == 202
    [token] = outbox[before].tokens
    opened = auth("POST", "/session", {"token": token})
    assert payload(opened)["second_factor"] is None  # nothing asked of a plain animator
    session = cookie_value(opened)
    assert admin("GET", "/me", session)["statusCode"] == 200
    return animator, session


def assert_ended_then_totp_on_next_sign_in(
    person: Person, session: str, outbox: list[SentMail], path: str = "/me"
) -> str:
    """The old session is refused (and gone); the next sign-in asks for the second factor,
    which the new session must pass before anything else. Returns that new session."""
    refused = admin("GET", path, session)
    assert refused["statusCode"] == 401, refused["body"]
    assert payload(refused)["reason"] == "access_changed"
    with pytest.raises(Unauthenticated, match="session_unknown"):
        sessions.resolve(session)
    for other in ("/me", "/audit", "/guardians", "/staff"):
        assert admin("GET", other, session)["statusCode"] == 401
    before = len(outbox)
    assert auth("POST", "/link", {"email": person.email})["statusCode"] == 202
    [token] = outbox[before].tokens
    opened = auth("POST", "/session", {"token": token})
    assert payload(opened)["second_factor"] == "enrol"
    fresh = cookie_value(opened)
    assert payload(admin("GET", "/me", fresh))["error"] == "second_factor_required"
    enrol_and_confirm(fresh)
    assert admin("GET", "/me", fresh)["statusCode"] == 200
    return fresh


def test_a_promoted_animator_s_link_only_session_reaches_no_director_route(
    director: Person, outbox: list[SentMail]
) -> None:
    from tests.integration.staff_api import staff_session

    boss = staff_session(director.tenant_id, director.principal_id)
    animator, session = link_only_animator(director, outbox)
    assert admin("GET", "/audit", session)["statusCode"] == 403  # an animator's session
    # When the director promotes the animator
    promoted = admin("PATCH", f"/staff/{animator.principal_id}", boss, {"role": "director"})
    assert promoted["statusCode"] == 200, promoted["body"]
    # Then the link-only session reaches neither the audit log nor the guardians' e-mails:
    # it is ended, and the director's powers come with the second factor only
    fresh = assert_ended_then_totp_on_next_sign_in(animator, session, outbox, "/audit")
    assert admin("GET", "/audit", fresh)["statusCode"] == 200


def test_becoming_a_trusted_animator_ends_a_link_only_session(
    director: Person, outbox: list[SentMail]
) -> None:
    from tests.integration.staff_api import staff_session

    boss = staff_session(director.tenant_id, director.principal_id)
    settings = {"validation_mode": "trusted_animators"}
    assert admin("PUT", "/settings", boss, settings)["statusCode"] == 200
    animator, session = link_only_animator(director, outbox)
    assert payload(admin("GET", "/me", session))["may_publish"] is False
    # When the director trusts the animator (who may then publish without validation)
    trusted = admin("PATCH", f"/staff/{animator.principal_id}", boss, {"trusted": True})
    assert trusted["statusCode"] == 200, trusted["body"]
    # Then the link-only session cannot use it; a session that passed TOTP can
    fresh = assert_ended_then_totp_on_next_sign_in(animator, session, outbox)
    assert payload(admin("GET", "/me", fresh))["may_publish"] is True


def test_the_centre_requiring_totp_of_animators_ends_their_link_only_sessions(
    director: Person, outbox: list[SentMail]
) -> None:
    from tests.integration.staff_api import staff_session

    boss = staff_session(director.tenant_id, director.principal_id)
    animator, session = link_only_animator(director, outbox)
    # When the centre makes the second factor mandatory for animators
    required = admin("PUT", "/settings", boss, {"staff_second_factor": "all_staff"})
    assert required["statusCode"] == 200, required["body"]
    # Then the animator's session opened without it ends; the next sign-in asks for it
    assert_ended_then_totp_on_next_sign_in(animator, session, outbox)
    # The director's own session (it passed the second factor) is untouched
    assert admin("GET", "/me", boss)["statusCode"] == 200


def test_a_session_that_passed_totp_carries_a_promotion(
    director: Person, outbox: list[SentMail]
) -> None:
    from tests.integration.staff_api import staff_session

    boss = staff_session(director.tenant_id, director.principal_id)
    animator = staff(director.tenant_id, "animation@tilleuls.example", role="animator")
    require_second_factor_for_all_staff(director.tenant_id)
    session = sign_in(animator, outbox)
    enrol_and_confirm(session)  # this session passed the second factor
    promoted = admin("PATCH", f"/staff/{animator.principal_id}", boss, {"role": "director"})
    assert promoted["statusCode"] == 200, promoted["body"]
    assert admin("GET", "/audit", session)["statusCode"] == 200
    # A demotion applies at once too (no second factor needed to lose powers)
    demoted = admin("PATCH", f"/staff/{animator.principal_id}", boss, {"role": "animator"})
    assert demoted["statusCode"] == 200, demoted["body"]
    assert admin("GET", "/audit", session)["statusCode"] == 403
