"""The daily digest through the real handler with moto: who gets what, once a day, the
sign-in link it carries, and unsubscribing without signing in (docs/notifications.md)."""

from __future__ import annotations

import logging
import threading
from typing import Any

import pytest

from pellicule.config import clock
from pellicule.services import audit, magic_links, sessions
from tests.conftest import Aws
from tests.integration.auth_helpers import SentMail, auth, cookie_value, payload
from tests.integration.digest_helpers import (
    GROUP,
    album,
    digest_api,
    digests,
    email,
    guardian,
    next_day,
    publish,
    run_digest,
    unsubscribe_token,
)
from tests.integration.scenario import Scenario, build, give

DAY = 24 * 3600


@pytest.fixture
def centre(aws: Aws) -> Scenario:
    """Loutres: Léa (g1, g2), Noah (g3); renards: Zoé (g4). Noah and Zoé have consents."""
    scenario = build()
    scenario.ok(give(scenario, "g3", "noah", [GROUP]))
    scenario.ok(give(scenario, "g4", "zoe", [GROUP]))
    return scenario


def test_each_guardian_is_told_only_of_the_items_they_may_see_now(
    aws: Aws, centre: Scenario, outbox: list[SentMail]
) -> None:
    # Given, in the loutres' album "Sortie": an item showing Noah and one showing no child;
    # in the renards' album "Forêt": an item showing Zoé
    publish(aws, centre, "noah")
    publish(aws, centre, audiences=[GROUP])
    forest = album(centre, "Forêt", "renards")
    publish(aws, centre, "zoe", album_id=forest)
    # And Noah's guardian withdraws: the gate now hides Noah's item from everyone
    centre.ok(centre.family("g3", "POST", f"children/{centre.children['noah']}/consent/withdraw"))

    # When the digest runs
    report = run_digest()

    # Then the loutres' families hear of the one item they may see, in "Sortie" only
    sent = digests(outbox)
    assert sorted(sent) == [email("g1"), email("g2"), email("g3"), email("g4")]
    for who in ("g1", "g2", "g3"):
        text = sent[email(who)].text
        assert "• Sortie : 1 photo\n" in text
        assert "• Sortie: 1 photo\n" in text
        assert "Forêt" not in text
    # And Zoé's family of the renards' item only
    assert "• Forêt : 1 photo\n" in sent[email("g4")].text
    assert "Sortie" not in sent[email("g4")].text
    # And no child is named, no image is attached or linked
    for mail in sent.values():
        for name in ("Noah", "Léa", "Lea", "Zoé", "Zoe"):
            assert name not in mail.text
            assert name not in mail.html
        assert "/media/" not in mail.text + mail.html
        assert "<img" not in mail.html
        assert mail.source == "no-reply@pellicule.test"
    assert report["sent"] == 4
    assert report["items"] == 4
    assert report["failed"] == 0


def test_nothing_new_means_no_mail_and_a_second_run_the_same_day_sends_nothing(
    aws: Aws, centre: Scenario, outbox: list[SentMail]
) -> None:
    # Nothing published yet: no mail, and nothing recorded on the guardians
    run_digest()
    assert digests(outbox) == {}
    assert guardian(centre, "g1").last_digest_at is None

    # One item for the loutres: their three families get one digest each
    publish(aws, centre, audiences=[GROUP])
    run_digest()
    assert sorted(digests(outbox)) == [email("g1"), email("g2"), email("g3")]
    first = len(outbox)

    # The same day, even with a new item: nothing more
    publish(aws, centre, audiences=[GROUP])
    run_digest()
    assert digests(outbox, first) == {}

    # The next day: the item published since the last digest, and only it
    next_day(centre)
    run_digest()
    sent = digests(outbox, first)
    assert sorted(sent) == [email("g1"), email("g2"), email("g3")]
    assert "• Sortie : 1 photo\n" in sent[email("g1")].text
    second = len(outbox)

    # And the day after, with nothing new: no mail
    next_day(centre)
    run_digest()
    assert digests(outbox, second) == {}


def test_concurrent_runs_send_each_digest_once(
    aws: Aws, centre: Scenario, outbox: list[SentMail], serialised_moto: None
) -> None:
    publish(aws, centre, audiences=[GROUP])
    errors: list[Exception] = []

    def run() -> None:
        try:
            run_digest()
        except Exception as error:  # noqa: BLE001 - shown by the assertion below
            errors.append(error)

    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    # digests() fails on a second digest to anyone
    assert sorted(digests(outbox)) == [email("g1"), email("g2"), email("g3")]


def test_the_digest_carries_a_fresh_sign_in_link_that_works_once(
    aws: Aws, centre: Scenario, outbox: list[SentMail]
) -> None:
    publish(aws, centre, audiences=[GROUP])
    run_digest()
    mail = digests(outbox)[email("g3")]
    # A link to the configured public URL, the token in the fragment, no code
    [link] = mail.links
    assert link.startswith(f"{aws.public_url}/login.html#token=")
    [token] = mail.tokens
    assert mail.codes == []
    # Opened hours later, the button's POST signs the guardian in
    clock.advance(6 * 3600)
    response = auth("POST", "/session", {"token": token})
    assert response["statusCode"] == 200, response["body"]
    principal = sessions.resolve(cookie_value(response))
    assert (principal.tenant_id, principal.kind, principal.principal_id) == (
        centre.tenant_id,
        "guardian",
        centre.families["g3"].guardian_id,
    )
    # Once only
    assert auth("POST", "/session", {"token": token})["statusCode"] == 401


def test_the_digest_link_expires_after_a_day_and_has_no_code(
    aws: Aws, centre: Scenario, outbox: list[SentMail]
) -> None:
    from pellicule.store.models import LoginToken

    publish(aws, centre, audiences=[GROUP])
    run_digest()
    [token] = digests(outbox)[email("g1")].tokens
    record = LoginToken.get(f"LOGIN#{magic_links.token_hash(token)}", "LOGIN")
    assert record.gsi1pk is None  # never found by the 6-digit code path
    clock.advance(DAY + 1)
    assert auth("POST", "/session", {"token": token})["statusCode"] == 401


def test_unsubscribing_by_link_stops_the_digests(
    aws: Aws, centre: Scenario, outbox: list[SentMail]
) -> None:
    publish(aws, centre, audiences=[GROUP])
    run_digest()
    token = unsubscribe_token(digests(outbox)[email("g1")])
    # Given the unsubscribe link of g1's digest, the page's button POSTs its token
    response = digest_api("POST", "/unsubscribe", {"token": token})
    assert response["statusCode"] == 200, response["body"]
    assert payload(response)["unsubscribed"] is True
    assert guardian(centre, "g1").digest_unsubscribed_at is not None
    # Twice: the same answer
    assert digest_api("POST", "/unsubscribe", {"token": token})["statusCode"] == 200
    # Then the next day's new item reaches the others only
    first = len(outbox)
    next_day(centre)
    publish(aws, centre, audiences=[GROUP])
    run_digest()
    assert sorted(digests(outbox, first)) == [email("g2"), email("g3")]
    # And the change is in the centre's audit trail, once, pseudonymously
    rows = [r for r in audit.export_rows(centre.tenant_id) if r["action"] == "digest_subscription"]
    assert len(rows) == 1
    assert rows[0]["actor"] == f"guardian:{centre.families['g1'].guardian_id}"


def test_a_guardian_signed_in_can_subscribe_again(
    aws: Aws, centre: Scenario, outbox: list[SentMail]
) -> None:
    publish(aws, centre, audiences=[GROUP])
    run_digest()
    token = unsubscribe_token(digests(outbox)[email("g2")])
    assert digest_api("POST", "/unsubscribe", {"token": token})["statusCode"] == 200
    session = centre.families["g2"].session
    state = digest_api("GET", "/subscription", session=session, csrf=False)
    assert payload(state) == {"subscribed": False}
    # Without the anti-CSRF header: refused
    assert digest_api("POST", "/subscribe", {}, session=session, csrf=False)["statusCode"] == 403
    assert payload(digest_api("POST", "/subscribe", {}, session=session)) == {"subscribed": True}
    assert guardian(centre, "g2").digest_unsubscribed_at is None
    # Staff have no digest
    staff = digest_api("GET", "/subscription", session=centre.director, csrf=False)
    assert staff["statusCode"] == 403


def test_a_wrong_token_changes_nothing_and_says_only_that_it_failed(
    aws: Aws, centre: Scenario, outbox: list[SentMail]
) -> None:
    publish(aws, centre, audiences=[GROUP])
    run_digest()
    token = unsubscribe_token(digests(outbox)[email("g1")])
    tenant_id, guardian_id, secret = token.split(".")
    flipped = secret[:-1] + ("A" if secret[-1] != "A" else "B")
    wrong = [
        f"{tenant_id}.{guardian_id}.{flipped}",  # right person, wrong secret
        f"{tenant_id}.nobody.{secret}",  # unknown guardian
        f"tnowhere.{guardian_id}.{secret}",  # unknown centre
        secret,  # no ids
        f"{token}x",
        "",
        None,
        12,
    ]
    answers = set()
    for candidate in wrong:
        response = digest_api("POST", "/unsubscribe", {"token": candidate})
        assert response["statusCode"] == 400, candidate
        answers.add(response["body"])
    # One answer for every failure: it never tells an existing person from an unknown one
    assert len(answers) == 1
    assert payload(digest_api("POST", "/unsubscribe", {"token": None}))["error"] == (
        "invalid_unsubscribe_link"
    )
    assert guardian(centre, "g1").digest_unsubscribed_at is None


def test_opening_the_page_or_a_get_never_unsubscribes(
    aws: Aws, centre: Scenario, outbox: list[SentMail]
) -> None:
    publish(aws, centre, audiences=[GROUP])
    run_digest()
    token = unsubscribe_token(digests(outbox)[email("g1")])
    for method in ("GET", "HEAD", "OPTIONS"):
        for path in ("/unsubscribe", f"/unsubscribe?token={token}", f"/unsubscribe/{token}"):
            response = digest_api(method, path, {"token": token})
            assert response["statusCode"] in (404, 405), (method, path)
    # A cross-site form cannot set the anti-CSRF header: refused before the token is read
    assert digest_api("POST", "/unsubscribe", {"token": token}, csrf=False)["statusCode"] == 403
    assert guardian(centre, "g1").digest_unsubscribed_at is None


def test_unsubscribe_requests_are_rate_limited_per_address(aws: Aws) -> None:
    from functions.digest import logic

    for _ in range(logic.UNSUBSCRIBE_PER_IP.limit):
        assert (
            digest_api("POST", "/unsubscribe", {"token": "x"}, ip="203.0.113.5")["statusCode"]
            == 400
        )
    limited = digest_api("POST", "/unsubscribe", {"token": "x"}, ip="203.0.113.5")
    assert limited["statusCode"] == 429
    assert digest_api("POST", "/unsubscribe", {"token": "x"}, ip="203.0.113.6")["statusCode"] == 400


def test_archived_guardians_and_closed_centres_get_nothing(
    aws: Aws, centre: Scenario, outbox: list[SentMail]
) -> None:
    from pellicule.store.models import Guardian, Tenant, tenant_pk

    publish(aws, centre, audiences=[GROUP])
    archived = guardian(centre, "g1")
    archived.update(actions=[Guardian.archived.set(True)])
    run_digest()
    assert sorted(digests(outbox)) == [email("g2"), email("g3")]

    first = len(outbox)
    next_day(centre)
    publish(aws, centre, audiences=[GROUP])
    Tenant.get(tenant_pk(centre.tenant_id), "PROFILE").update(
        actions=[Tenant.status.set("suspended")]
    )
    run_digest()
    assert digests(outbox, first) == {}


def test_a_failed_send_is_retried_by_the_next_run(
    aws: Aws, centre: Scenario, outbox: list[SentMail], monkeypatch: pytest.MonkeyPatch
) -> None:
    from functions.digest import mail

    publish(aws, centre, audiences=[GROUP])
    original = mail.send

    def failing(ses: Any, sender: str, recipient: str, message: Any) -> None:
        if recipient == email("g3"):
            raise RuntimeError(f"cannot send to {recipient}")
        original(ses, sender, recipient, message)

    monkeypatch.setattr(mail, "send", failing)
    report = run_digest()
    assert report["failed"] == 1
    assert report["sent"] == 2
    assert guardian(centre, "g3").last_digest_at is None  # the day was given back
    monkeypatch.setattr(mail, "send", original)
    first = len(outbox)
    run_digest()
    assert sorted(digests(outbox, first)) == [email("g3")]


def test_each_run_is_audited_with_counts_and_logs_hold_no_personal_data(
    aws: Aws,
    centre: Scenario,
    outbox: list[SentMail],
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    publish(aws, centre, audiences=[GROUP])
    caplog.set_level(logging.INFO)  # the functions' application log level
    caplog.set_level(logging.DEBUG, logger="pellicule-digest")
    run_digest()
    sent = digests(outbox)
    token = unsubscribe_token(sent[email("g1")])
    assert digest_api("POST", "/unsubscribe", {"token": token})["statusCode"] == 200
    [row] = [r for r in audit.export_rows(centre.tenant_id) if r["action"] == "digest"]
    assert row["actor"] == "system:digest"
    assert row["subject"] == f"tenant:{centre.tenant_id}"
    details = row["details"]
    assert details["sent"] == 3
    assert details["items"] == 3
    assert details["guardians_due"] == 4
    assert details["nothing_new"] == 1
    assert all(isinstance(value, int) for value in details.values())
    assert audit.verify(centre.tenant_id).ok
    logged = caplog.text + capsys.readouterr().out
    assert "digest sent" in logged
    for mail in sent.values():
        assert mail.to[0] not in logged
        for secret in (*mail.tokens, unsubscribe_token(mail)):
            assert secret not in logged
            assert secret.split(".")[-1] not in logged
    assert "Sortie" not in logged


def test_an_operator_run_for_named_centres_visits_only_those(
    aws: Aws, centre: Scenario, outbox: list[SentMail]
) -> None:
    from functions.digest import handler

    # Given an item for the loutres
    publish(aws, centre, audiences=[GROUP])
    clock.advance(1)

    # When the operator runs the digest for another centre (and one that does not exist)
    report = handler.handler({"tenants": ["tsomeothercentre", "tnosuchcentre"]}, None)

    # Then this centre's families hear nothing yet, and the report names no centre visited
    assert digests(outbox) == {}
    assert centre.tenant_id not in report["by_tenant"]

    # And run for this centre, its families get their digest
    report = handler.handler({"tenants": [centre.tenant_id]}, None)
    assert list(report["by_tenant"]) == [centre.tenant_id]
    assert sorted(digests(outbox)) == [email("g1"), email("g2"), email("g3")]
