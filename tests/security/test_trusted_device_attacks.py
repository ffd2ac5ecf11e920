"""Attacks on trusted devices (issue 17, item 1; docs/authentication.md): a stolen cookie used
by the thief first or replayed after the owner, a race between two uses of one secret, forged
and malformed cookies, the device cookie as a session, CSRF, flooding, logs."""

from __future__ import annotations

import logging

import pytest

from pellicule.config import clock
from pellicule.domain import devices as rules
from pellicule.domain.errors import Unauthenticated
from pellicule.services import audit, devices
from tests.conftest import Aws, LambdaContext, api_event
from tests.integration.auth_helpers import SentMail, payload
from tests.integration.device_helpers import (
    DEVICE_COOKIE,
    Family,
    call,
    family,
    resume,
    resumed,
    set_cookies,
    trusted_sign_in,
)

pytestmark = pytest.mark.usefixtures("no_floor")


@pytest.fixture
def home(aws: Aws) -> Family:
    return family()


def me(session: str) -> int:
    return int(call("GET", "/me", session=session, csrf=False)["statusCode"])


def reason(response: dict) -> str:
    return str(payload(response)["reason"])


def test_a_thief_who_uses_the_cookie_first_is_cut_off_when_the_owner_comes_back(
    home: Family, outbox: list[SentMail]
) -> None:
    owner = trusted_sign_in(home.parent, outbox)
    clock.advance(2 * 24 * 3600)  # the owner's session is over; the cookie was copied
    # The thief presents the copy first: they get in (nothing tells them from the owner yet)
    thief = resumed(owner.device, ip="203.0.113.66")
    assert me(thief.session) == 200
    # When the owner's browser presents the same (now old) secret
    refused = resume(owner.device)
    # Then the reuse ends the whole chain: the owner is asked to sign in again...
    assert (refused["statusCode"], reason(refused)) == (401, "device_reused")
    assert "Max-Age=0" in set_cookies(refused)[DEVICE_COOKIE]
    # ...and the thief loses the session they opened and the secret they were given
    assert me(thief.session) == 401
    assert reason(resume(thief.device)) == "device_unknown"
    [ended] = [r for r in audit.export_rows(home.parent.tenant_id) if r["action"] == "device_ended"]
    # (the owner's first session, over but not yet purged, and the thief's)
    assert ended["details"] == {
        "chain": ended["details"]["chain"],
        "reason": "reused",
        "sessions": 2,
    }


def test_a_copied_cookie_replayed_after_the_owner_used_it_ends_the_chain(
    home: Family, outbox: list[SentMail]
) -> None:
    stolen = trusted_sign_in(home.parent, outbox)
    clock.advance(2 * 24 * 3600)
    owner = resumed(stolen.device)  # the owner's browser rotated the secret
    # When the thief replays the copy
    refused = resume(stolen.device, ip="203.0.113.66")
    assert (refused["statusCode"], reason(refused)) == (401, "device_reused")
    assert session_cookie_not_set(refused)
    # Then the chain is over for everyone: the owner signs in again with a link
    assert me(owner.session) == 401
    assert reason(resume(owner.device)) == "device_unknown"


def session_cookie_not_set(response: dict) -> bool:
    return not any(c.startswith("__Host-pellicule-session=") for c in response.get("cookies", []))


def test_two_uses_of_one_secret_racing_succeed_at_most_once(
    home: Family, outbox: list[SentMail]
) -> None:
    """Both checks pass before either rotates (two requests in flight): the conditional write
    lets one through, and the loser counts as a reuse."""
    browser = trusted_sign_in(home.parent, outbox)
    first = devices.presented(browser.device)
    second = devices.presented(browser.device)
    winner = devices.rotate(first)
    with pytest.raises(Unauthenticated) as lost:
        devices.rotate(second)
    assert lost.value.reason == "device_reused"
    assert reason(resume(winner.credential.value)) == "device_unknown"


def test_a_forged_secret_for_a_real_chain_ends_it(home: Family, outbox: list[SentMail]) -> None:
    """The chain id alone never leaves the cookie: whoever has it with a wrong secret had a
    copy of the cookie; the chain ends rather than let them guess."""
    browser = trusted_sign_in(home.parent, outbox)
    credential = rules.parse(browser.device)
    assert credential is not None
    forged = rules.Credential(credential.chain_id, "A" * 43).value
    assert reason(resume(forged)) == "device_reused"
    assert reason(resume(browser.device)) == "device_unknown"
    assert me(browser.session) == 401


@pytest.mark.parametrize(
    "cookie",
    [
        "",
        "x",
        "A" * 43,
        "A" * 43 + "." + "B" * 43 + ".C",
        "A" * 43 + ".." + "B" * 42,
        "A" * 42 + "." + "B" * 44,
        "A" * 43 + "." + "B" * 42 + "=",
        "é" * 43 + "." + "B" * 43,
        "' OR 1=1 --",
        "A" * 5000,
        "A" * 43 + "." + "B" * 43,  # well-formed, never issued
    ],
)
def test_malformed_and_unknown_cookies_are_refused_plainly(home: Family, cookie: str) -> None:
    response = resume(cookie)
    assert response["statusCode"] == 401
    assert reason(response) == "device_unknown"
    assert "Max-Age=0" in set_cookies(response)[DEVICE_COOKIE]


def test_the_device_cookie_is_no_session(home: Family, outbox: list[SentMail]) -> None:
    """Only ``POST /api/auth/device`` reads it: everywhere else it opens nothing."""
    from functions.family import handler as family

    browser = trusted_sign_in(home.parent, outbox)
    clock.advance(2 * 24 * 3600)
    for path in ("/api/family/me", "/api/family/albums"):
        event = api_event("GET", path, csrf=False)
        event["cookies"] = [f"{DEVICE_COOKIE}={browser.device}"]
        assert family.handler(event, LambdaContext())["statusCode"] == 401
    # the same bytes as a session cookie open nothing either
    assert me(browser.device) == 401
    assert resume(browser.device)["statusCode"] == 200  # and the device was not spent


def test_signing_in_with_the_device_needs_the_csrf_header(
    home: Family, outbox: list[SentMail]
) -> None:
    browser = trusted_sign_in(home.parent, outbox)
    refused = resume(browser.device, csrf=False)
    assert refused["statusCode"] == 403
    assert resume(browser.device)["statusCode"] == 200  # nothing was rotated or ended


def test_device_sign_ins_are_limited_per_address(home: Family) -> None:
    answers = [resume("A" * 43 + "." + "B" * 43, ip="203.0.113.9")["statusCode"] for _ in range(61)]
    assert answers[:60] == [401] * 60
    assert answers[60] == 429


def test_nobody_revokes_another_persons_device(home: Family, outbox: list[SentMail]) -> None:
    from tests.integration.auth_helpers import guardian

    browser = trusted_sign_in(home.parent, outbox)
    [mine] = payload(call("GET", "/devices", session=browser.session, csrf=False))["devices"]
    other = trusted_sign_in(guardian(home.parent.tenant_id, "autre@famille.example"), outbox)
    # (the other guardian has no child: their device exists, they may not resume with it)
    response = call("POST", f"/devices/{mine['id']}/revoke", session=other.session)
    assert response["statusCode"] == 404
    assert reason(response) == "device_not_found"
    assert me(browser.session) == 200
    for bad in ("../../x", "ABCDEF0123456789", "0" * 17, "%00"):
        answer = call("POST", f"/devices/{bad}/revoke", session=browser.session)
        assert answer["statusCode"] in (400, 404)
    assert call("POST", f"/devices/{mine['id']}/revoke", session=None)["statusCode"] == 401


def test_no_credential_reaches_the_logs(
    home: Family,
    outbox: list[SentMail],
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    caplog.set_level(logging.INFO)
    browser = trusted_sign_in(home.parent, outbox)
    clock.advance(2 * 24 * 3600)
    again = resumed(browser.device)
    resume(browser.device)  # a reuse: logged as such
    credential = rules.parse(again.device)
    assert credential is not None
    logged = caplog.text + capsys.readouterr().out
    assert "trusted device ended" in logged
    for secret in (browser.device, again.device, credential.chain_id, credential.secret):
        assert secret not in logged
    assert home.parent.email not in logged
