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

from pellicule import clock, sessions, totp
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
    staff,
)
from tests.integration.staff_api import admin, family

REQUIRED = "Code de l'application d'authentification requis. / Authenticator code required."

pytestmark = pytest.mark.usefixtures("no_floor")  # answer at once here


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
        assert payload(response) == {"error": "second_factor_required", "message": REQUIRED}
    # The TOTP routes accept it (and sign-out of this device works)
    assert auth("POST", "/totp/enrol", {}, session=session)["statusCode"] == 200
    assert auth("POST", "/logout", session=session)["statusCode"] == 200
    with pytest.raises(Exception, match="Session"):
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
        assert payload(response)["message"] == "Code incorrect. / Incorrect code."
    last = auth("POST", "/totp/verify", {"recovery_code": "0000-0000-0000"}, session=session)
    assert last["statusCode"] == 401
    # The session is gone: even the right code (or a recovery code) no longer helps
    for body in ({"code": right}, {"recovery_code": codes[0]}):
        assert auth("POST", "/totp/verify", body, session=session)["statusCode"] == 401
    with pytest.raises(Exception, match="Session"):
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
