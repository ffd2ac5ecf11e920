"""Security requirements 1-3 attacked through the real auth handler (moto in-process).

Scanners and previewers (GET/HEAD), a link exchanged 50 times in parallel, parallel code
guessing, address enumeration (answer and timing), Host-header poisoning, cross-site requests
without the anti-CSRF header, and secrets in the logs.
"""

from __future__ import annotations

import logging
import statistics
import threading
import time
from typing import Any

import pytest

from pellicule.services import magic_links, sessions
from tests.conftest import Aws
from tests.integration.auth_helpers import (
    Person,
    SentMail,
    auth,
    centre,
    cookie_value,
    guardian,
    moto_sent_count,
    payload,
)


@pytest.fixture
def parent(aws: Aws) -> Person:
    return guardian(centre("Les Tilleuls"), "parent@famille.example")


def link_for(person: Person, outbox: list[SentMail]) -> tuple[str, str]:
    before = len(outbox)
    assert auth("POST", "/link", {"email": person.email})["statusCode"] == 202
    [mail] = outbox[before:]
    [token] = mail.tokens
    [code] = mail.codes
    return token, code


# --- Requirement 1: opening a link never consumes it -----------------------------------------


@pytest.mark.usefixtures("no_floor")
def test_scanners_and_previewers_never_consume_a_link(
    aws: Aws, parent: Person, outbox: list[SentMail]
) -> None:
    token, code = link_for(parent, outbox)
    # Given every safe request a mail scanner or a link previewer could make to the API
    for method in ("GET", "HEAD", "OPTIONS"):
        for path in ("/session", "/link", "/me", "/logout", "/logout-everywhere", "/session/x"):
            for query in ("", f"?token={token}"):
                response = auth(method, f"{path}{query}", {"token": token}, csrf=True)
                assert response["statusCode"] in (401, 404, 405), (method, path)
                assert not response.get("cookies"), (method, path)
    # Then the link is still unused, and a person's click (POST) opens one session
    assert magic_links.is_used(token) is False
    assert auth("POST", "/session", {"token": token})["statusCode"] == 200
    assert auth("POST", "/session", {"email": parent.email, "code": code})["statusCode"] == 401


@pytest.mark.usefixtures("no_floor", "serialised_moto")
def test_fifty_parallel_exchanges_open_exactly_one_session(
    aws: Aws, parent: Person, outbox: list[SentMail]
) -> None:
    from functions.auth.handler import build_app
    from pellicule.store.models import Session

    token, _ = link_for(parent, outbox)
    apps = [build_app() for _ in range(50)]  # one execution environment per request
    start = threading.Barrier(50, timeout=30)
    results: list[dict[str, Any]] = []
    errors: list[BaseException] = []

    def exchange(index: int) -> None:
        try:
            start.wait()
            results.append(
                auth("POST", "/session", {"token": token}, app=apps[index], ip=f"192.0.2.{index}")
            )
        except BaseException as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)

    threads = [threading.Thread(target=exchange, args=(i,)) for i in range(50)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    statuses = sorted(r["statusCode"] for r in results)
    assert statuses == [200] + [401] * 49
    [won] = [r for r in results if r["statusCode"] == 200]
    live = list(
        Session.by_gsi1.query(f"SESSIONS#{parent.tenant_id}#guardian#{parent.principal_id}")
    )
    assert len(live) == 1
    assert sessions.resolve(cookie_value(won)).principal_id == parent.principal_id


@pytest.mark.usefixtures("no_floor", "serialised_moto")
def test_parallel_code_guesses_cannot_exceed_the_attempt_limit(
    aws: Aws, parent: Person, outbox: list[SentMail]
) -> None:
    from functions.auth.handler import build_app
    from pellicule.store.models import LoginToken

    token, code = link_for(parent, outbox)
    guesses = [f"{(int(code) + n) % 1_000_000:06d}" for n in range(1, 21)]  # 20 wrong codes
    apps = [build_app() for _ in guesses]
    start = threading.Barrier(len(guesses), timeout=30)
    statuses: list[int] = []

    def guess(index: int) -> None:
        start.wait()
        body = {"email": parent.email, "code": guesses[index]}
        statuses.append(
            auth("POST", "/session", body, app=apps[index], ip=f"192.0.2.{index}")["statusCode"]
        )

    threads = [threading.Thread(target=guess, args=(i,)) for i in range(len(guesses))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [401] * len(guesses)
    record = LoginToken.get(f"LOGIN#{magic_links.token_hash(token)}", "LOGIN", consistent_read=True)
    assert record.attempts == magic_links.MAX_CODE_ATTEMPTS  # never more were spent
    assert auth("POST", "/session", {"email": parent.email, "code": code})["statusCode"] == 401


# --- Requirement 2: the same answer, in the same time ----------------------------------------


@pytest.mark.usefixtures("no_floor")
def test_known_and_unknown_addresses_get_the_same_answer(
    aws: Aws, parent: Person, outbox: list[SentMail]
) -> None:
    known = auth("POST", "/link", {"email": parent.email})
    unknown = auth("POST", "/link", {"email": "inconnu@famille.example"})
    for field in ("statusCode", "body", "headers", "cookies", "isBase64Encoded"):
        assert known.get(field) == unknown.get(field), field
    assert known["statusCode"] == 202
    assert len(outbox) == 1


@pytest.mark.usefixtures("no_floor")
# The premise: SES refuses the sender; in AWS the role's grant (the stack's domain only) does.
@pytest.mark.iam_denied("auth", "ses:SendEmail", reason="a sender outside the mail domain")
def test_a_mail_failure_does_not_tell_a_known_address_apart(
    aws: Aws, parent: Person, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pellicule.config import settings

    # SES refuses the sender (unverified identity, sandbox, outage...)
    monkeypatch.setenv("PELLICULE_MAIL_FROM", "unverified@elsewhere.example")
    settings.get_settings.cache_clear()
    known = auth("POST", "/link", {"email": parent.email})
    unknown = auth("POST", "/link", {"email": "inconnu@famille.example"})
    assert (known["statusCode"], known["body"]) == (unknown["statusCode"], unknown["body"])
    assert known["statusCode"] == 202
    assert moto_sent_count(aws) == 0


# The floor the timing test runs with. In production it is logic.RESPONSE_FLOOR_SECONDS (0.8 s);
# here it only has to sit above the slowest path against moto (a few milliseconds to ~50 ms).
TEST_FLOOR_SECONDS = 0.12
ROUNDS = 15
TOLERANCE_SECONDS = 0.02  # generous (sleep overshoot is < 1 ms); moto's real-work gap is ~7 ms


def test_known_and_unknown_addresses_answer_in_the_same_time(
    aws: Aws, monkeypatch: pytest.MonkeyPatch, outbox: list[SentMail]
) -> None:
    from functions.auth import logic

    monkeypatch.setattr(logic, "RESPONSE_FLOOR_SECONDS", TEST_FLOOR_SECONDS)
    tenant = centre()
    known = [guardian(tenant, f"connu{i}@famille.example").email for i in range(ROUNDS)]
    unknown = [f"inconnu{i}@famille.example" for i in range(ROUNDS)]

    def timed(email: str, ip: str) -> float:
        started = time.perf_counter()
        response = auth("POST", "/link", {"email": email}, ip=ip)
        elapsed = time.perf_counter() - started
        assert response["statusCode"] == 202
        return elapsed

    # Warm-up (first imports, clients), then interleaved requests so drift hits both alike
    timed("warmup@famille.example", "192.0.2.250")
    known_times, unknown_times = [], []
    for index in range(ROUNDS):
        known_times.append(timed(known[index], f"198.51.100.{index}"))
        unknown_times.append(timed(unknown[index], f"203.0.113.{index}"))
    assert len(outbox) == ROUNDS  # the known path did its real work
    # Both answer on the floor, not sooner. Then the fastest answer of each kind: noise on a
    # loaded runner only ever adds time (tens of ms to single samples, enough to move a median
    # by 20 ms), while a path doing more work than the floor covers is slower every time.
    assert min(known_times + unknown_times) >= TEST_FLOOR_SECONDS
    fastest_known, fastest_unknown = min(known_times), min(unknown_times)
    assert abs(fastest_known - fastest_unknown) < TOLERANCE_SECONDS, (
        fastest_known,
        fastest_unknown,
        statistics.median(known_times),
        statistics.median(unknown_times),
    )


def test_a_wrong_code_takes_the_same_time_for_a_known_and_an_unknown_address(
    aws: Aws, parent: Person, monkeypatch: pytest.MonkeyPatch, outbox: list[SentMail]
) -> None:
    """A code guess must not reveal that an address has links waiting (and so exists)."""
    from functions.auth import logic

    monkeypatch.setattr(logic, "RESPONSE_FLOOR_SECONDS", 0.0)
    _, code = link_for(parent, outbox)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    monkeypatch.setattr(logic, "RESPONSE_FLOOR_SECONDS", TEST_FLOOR_SECONDS)
    for email in (parent.email, "inconnu@famille.example"):
        started = time.perf_counter()
        response = auth("POST", "/session", {"email": email, "code": wrong})
        assert time.perf_counter() - started >= TEST_FLOOR_SECONDS
        assert payload(response)["reason"] == magic_links.INVALID


# --- Requirement 1: links come from the configured domain ------------------------------------


@pytest.mark.usefixtures("no_floor")
@pytest.mark.parametrize(
    "headers",
    [
        {"host": "evil.example"},
        {"x-forwarded-host": "evil.example", "x-forwarded-proto": "http"},
        {"forwarded": "for=1.2.3.4;host=evil.example;proto=http"},
        {"x-original-host": "evil.example", "x-host": "evil.example"},
        {"origin": "https://evil.example", "referer": "https://evil.example/login.html"},
    ],
)
def test_host_header_poisoning_never_reaches_the_link(
    aws: Aws, parent: Person, outbox: list[SentMail], headers: dict[str, str]
) -> None:
    assert auth("POST", "/link", {"email": parent.email}, headers=headers)["statusCode"] == 202
    [mail] = outbox
    assert mail.links
    assert all(link.startswith(f"{aws.public_url}/login.html#token=") for link in mail.links)
    assert "evil" not in mail.text + mail.html


# --- Requirement 3: cross-site requests --------------------------------------------------------


@pytest.mark.usefixtures("no_floor")
def test_without_the_csrf_header_nothing_is_sent_consumed_or_ended(
    aws: Aws, parent: Person, outbox: list[SentMail]
) -> None:
    from pellicule.store.models import RateCounter

    token, code = link_for(parent, outbox)
    counters = RateCounter.scan(RateCounter.pk.startswith("RATE#"))
    counted = {c.pk: int(c.hits) for c in counters}
    # A cross-site form can send cookies (not with SameSite=Strict) but never a custom header
    for path, body in (
        ("/link", {"email": parent.email}),
        ("/session", {"token": token}),
        ("/session", {"email": parent.email, "code": code}),
    ):
        response = auth("POST", path, body, csrf=False)
        assert response["statusCode"] == 403, path
        assert payload(response)["reason"] == "csrf_header_missing", path
    assert len(outbox) == 1
    assert magic_links.is_used(token) is False
    after = {c.pk: int(c.hits) for c in RateCounter.scan(RateCounter.pk.startswith("RATE#"))}
    assert after == counted  # refused before anything was counted
    session = cookie_value(auth("POST", "/session", {"token": token}))
    for path in ("/logout", "/logout-everywhere"):
        assert auth("POST", path, session=session, csrf=False)["statusCode"] == 403
    assert sessions.resolve(session).principal_id == parent.principal_id


# --- Never in the logs: e-mail addresses, tokens, codes, session ids ---------------------------


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(f"{record.getMessage()} {record.__dict__!r}")


@pytest.mark.usefixtures("no_floor")
def test_no_address_token_code_or_session_id_reaches_the_logs(
    aws: Aws,
    parent: Person,
    outbox: list[SentMail],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from botocore.exceptions import ClientError

    from functions.auth import mail

    def refuse(_ses: Any, _sender: str, recipient: str, _message: Any) -> None:
        raise ClientError(
            {
                "Error": {
                    "Code": "MessageRejected",
                    "Message": "Email address is not verified. The following identities failed "
                    f"the check in region EU-WEST-3: {recipient}",
                }
            },
            "SendEmail",
        )

    collect = _Collect()
    watched = [logging.getLogger(), logging.getLogger("pellicule-auth")]
    levels = [logger.level for logger in watched]
    for logger in watched:
        logger.addHandler(collect)
    logging.getLogger().setLevel(logging.INFO)  # the functions' application log level
    logging.getLogger("pellicule-auth").setLevel(logging.DEBUG)
    try:
        token, code = link_for(parent, outbox)
        wrong = f"{(int(code) + 1) % 1_000_000:06d}"
        auth("POST", "/session", {"email": parent.email, "code": wrong})
        session = cookie_value(auth("POST", "/session", {"email": parent.email, "code": code}))
        auth("POST", "/session", {"token": token})  # reuse
        auth("GET", "/me", session=session, csrf=False)
        auth("POST", "/logout", session=session)
        # SES refuses, quoting the recipient (as its sandbox does): only the code is logged
        monkeypatch.setattr(mail, "send", refuse)
        auth("POST", "/link", {"email": parent.email})
    finally:
        for logger, level in zip(watched, levels, strict=True):
            logger.removeHandler(collect)
            logger.setLevel(level)
    logged = "\n".join(collect.lines) + capsys.readouterr().out
    assert "sign-in e-mail not sent" in logged  # the failure was logged...
    assert "MessageRejected" in logged
    assert f"guardian:{parent.principal_id}" in logged  # ...pseudonymously
    for secret in (parent.email, token, code, session, "famille.example"):
        assert secret not in logged, secret
