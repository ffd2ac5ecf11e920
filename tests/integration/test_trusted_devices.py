"""Staying signed in on a trusted device (issue 17, item 1; docs/authentication.md), through the
real auth and staff handlers with moto. The theft and reuse attacks are in
``tests/security/test_trusted_device_attacks.py``."""

from __future__ import annotations

import json

import pytest

from pellicule.config import clock
from pellicule.domain import devices as rules
from pellicule.services import audit, sessions
from tests.conftest import Aws
from tests.integration.auth_helpers import SentMail, payload, staff
from tests.integration.device_helpers import (
    DEVICE_COOKIE,
    IPHONE_SAFARI,
    SESSION_COOKIE,
    Family,
    call,
    family,
    link_token,
    resume,
    resumed,
    set_cookies,
    trusted_sign_in,
    value,
)
from tests.integration.staff_api import admin, ok

pytestmark = pytest.mark.usefixtures("no_floor")

DAY = 24 * 3600


@pytest.fixture
def home(aws: Aws) -> Family:
    return family()


def me(session: str) -> int:
    return int(call("GET", "/me", session=session, csrf=False)["statusCode"])


def listed(session: str) -> list[dict]:
    response = call("GET", "/devices", session=session, csrf=False)
    assert response["statusCode"] == 200, response["body"]
    return list(payload(response)["devices"])


def audited(tenant_id: str, action: str) -> list[dict]:
    return [r for r in audit.export_rows(tenant_id) if r["action"] == action]


def test_keeping_the_device_sets_a_second_host_cookie_for_90_days(
    home: Family, outbox: list[SentMail]
) -> None:
    # When a parent opens their link and ticks "keep this device signed in"
    response = call(
        "POST", "/session", {"token": link_token(home.parent, outbox), "trust_device": True}
    )
    # Then they get their session AND a trusted-device cookie with the session's protections
    assert response["statusCode"] == 200
    assert payload(response)["trusted_device"] is True
    cookies = set_cookies(response)
    device = cookies[DEVICE_COOKIE]
    for attribute in ("Path=/", "Secure", "HttpOnly", "SameSite=Strict", f"Max-Age={90 * DAY}"):
        assert attribute in device
    assert "Domain" not in device  # a __Host- cookie: this host only
    # The credential is two 256-bit random parts; neither is stored as such
    credential = rules.parse(value(device))
    assert credential is not None
    from pellicule.store.models import Device

    items = [item.attribute_values for item in Device.scan(Device.pk.startswith("DEVICE#"))]
    assert len(items) == 1
    assert credential.chain_id not in json.dumps(items)
    assert credential.secret not in json.dumps(items)
    # "Mes appareils" lists it, named from its User-Agent, as the current device
    [shown] = listed(value(cookies[SESSION_COOKIE]))
    assert (shown["browser"], shown["system"]) == ("chrome", "android")
    assert shown["current"] is True
    assert shown["expires_at"] - shown["created_at"] == 90 * DAY
    assert len(audited(home.parent.tenant_id, "device_trusted")) == 1


def test_without_the_box_no_device_is_kept(home: Family, outbox: list[SentMail]) -> None:
    response = call("POST", "/session", {"token": link_token(home.parent, outbox)})
    assert payload(response)["trusted_device"] is False
    assert DEVICE_COOKIE not in set_cookies(response)
    assert listed(value(set_cookies(response)[SESSION_COOKIE])) == []


def test_staff_sessions_keep_their_rules(aws: Aws, outbox: list[SentMail]) -> None:
    home = family()
    animator = staff(home.parent.tenant_id, "animation@centre.example", role="animator")
    response = call(
        "POST", "/session", {"token": link_token(animator, outbox), "trust_device": True}
    )
    assert response["statusCode"] == 200
    assert payload(response)["trusted_device"] is False
    assert DEVICE_COOKIE not in set_cookies(response)


def test_the_device_signs_in_again_after_the_session_ended_and_rotates(
    home: Family, outbox: list[SentMail]
) -> None:
    browser = trusted_sign_in(home.parent, outbox)
    # Given two days later: the 24-hour session is over
    clock.advance(2 * DAY)
    assert me(browser.session) == 401
    # When the page presents the device
    again = resume(browser.device)
    # Then a NEW session opens, and the device's secret rotated (same chain, new secret)
    assert again["statusCode"] == 200, again["body"]
    view = payload(again)
    assert (view["kind"], view["next"]) == ("guardian", "/gallery.html")
    assert view["trusted_device"] is True
    cookies = set_cookies(again)
    new_session, new_device = value(cookies[SESSION_COOKIE]), value(cookies[DEVICE_COOKIE])
    assert new_session != browser.session
    assert me(new_session) == 200
    old, new = rules.parse(browser.device), rules.parse(new_device)
    assert old is not None
    assert new is not None
    assert old.chain_id == new.chain_id
    assert old.secret != new.secret
    logins = audited(home.parent.tenant_id, "login")
    assert [entry["details"]["method"] for entry in logins] == ["link", "device"]


def test_the_trust_slides_90_days_from_the_last_use(home: Family, outbox: list[SentMail]) -> None:
    device = trusted_sign_in(home.parent, outbox).device
    for _ in range(3):  # used every 80 days: still trusted 240 days later
        clock.advance(80 * DAY)
        device = resumed(device).device
    # Unused for more than 90 days: refused, the cookie cleared, the device gone from the list
    clock.advance(90 * DAY + 1)
    refused = resume(device)
    assert refused["statusCode"] == 401
    assert payload(refused)["reason"] == "device_unknown"
    assert "Max-Age=0" in set_cookies(refused)[DEVICE_COOKIE]
    fresh = trusted_sign_in(home.parent, outbox)
    assert len(listed(fresh.session)) == 1


def test_a_device_ends_on_sign_out_of_this_device(home: Family, outbox: list[SentMail]) -> None:
    browser = trusted_sign_in(home.parent, outbox)
    out = call("POST", "/logout", session=browser.session, device=browser.device)
    assert out["statusCode"] == 200
    assert "Max-Age=0" in set_cookies(out)[DEVICE_COOKIE]
    assert payload(resume(browser.device))["reason"] == "device_unknown"


def test_signing_out_everywhere_ends_every_device(home: Family, outbox: list[SentMail]) -> None:
    phone = trusted_sign_in(home.parent, outbox)
    tablet = trusted_sign_in(home.parent, outbox, user_agent=IPHONE_SAFARI)
    response = call("POST", "/logout-everywhere", session=phone.session)
    assert payload(response) == {"signed_out": True, "sessions": 2, "devices": 2}
    for browser in (phone, tablet):
        assert me(browser.session) == 401
        assert payload(resume(browser.device))["reason"] == "device_unknown"


def test_mes_appareils_lists_and_revokes_one_device(home: Family, outbox: list[SentMail]) -> None:
    phone = trusted_sign_in(home.parent, outbox)
    tablet = trusted_sign_in(home.parent, outbox, user_agent=IPHONE_SAFARI)
    clock.advance(120)
    phone = resumed(phone.device)  # the phone used most recently
    shown = listed(phone.session)
    assert [(d["system"], d["current"]) for d in shown] == [("android", True), ("iphone", False)]
    # When the phone revokes the tablet
    revoked = call("POST", f"/devices/{shown[1]['id']}/revoke", session=phone.session)
    assert payload(revoked) == {"revoked": True, "signed_out": False}
    assert DEVICE_COOKIE not in set_cookies(revoked)
    # Then the tablet's session and device are over, the phone's are not
    assert me(tablet.session) == 401
    assert payload(resume(tablet.device))["reason"] == "device_unknown"
    assert me(phone.session) == 200
    assert [d["system"] for d in listed(phone.session)] == ["android"]
    # Revoking the device asking signs this browser out
    itself = call("POST", f"/devices/{shown[0]['id']}/revoke", session=phone.session)
    assert payload(itself) == {"revoked": True, "signed_out": True}
    assert "Max-Age=0" in set_cookies(itself)[SESSION_COOKIE]
    assert me(phone.session) == 401
    ended = audited(home.parent.tenant_id, "device_ended")
    assert [entry["details"]["reason"] for entry in ended] == ["revoked", "revoked"]


def test_one_browser_keeps_one_device(home: Family, outbox: list[SentMail]) -> None:
    first = trusted_sign_in(home.parent, outbox)
    # Signing in again from the same browser (its cookie sent) replaces its device
    second = trusted_sign_in(home.parent, outbox, device=first.device)
    assert len(listed(second.session)) == 1
    assert payload(resume(first.device))["reason"] == "device_unknown"


def test_a_person_keeps_at_most_ten_devices(home: Family, outbox: list[SentMail]) -> None:
    browsers = []
    for _ in range(rules.MAX_DEVICES + 1):
        browsers.append(trusted_sign_in(home.parent, outbox))
        clock.advance(16 * 60)  # past the per-address limit on links
    assert len(listed(browsers[-1].session)) == rules.MAX_DEVICES
    # the least recently used went first
    assert payload(resume(browsers[0].device))["reason"] == "device_unknown"
    assert resume(browsers[1].device)["statusCode"] == 200


def test_archiving_the_guardian_ends_their_devices(home: Family, outbox: list[SentMail]) -> None:
    browser = trusted_sign_in(home.parent, outbox)
    ok(admin("POST", f"/guardians/{home.parent.principal_id}/archive", home.director_session))
    refused = resume(browser.device)
    assert refused["statusCode"] == 401
    assert payload(refused)["reason"] == "device_unknown"  # ended at once, not at next use
    [ended] = audited(home.parent.tenant_id, "device_ended")
    assert ended["details"]["reason"] == "archived"


def test_losing_the_last_child_link_ends_the_device(home: Family, outbox: list[SentMail]) -> None:
    browser = trusted_sign_in(home.parent, outbox)
    ok(admin("POST", f"/children/{home.child_id}/archive", home.director_session))
    refused = resume(browser.device)
    assert refused["statusCode"] == 401
    assert payload(refused)["reason"] == "access_closed"
    assert "Max-Age=0" in set_cookies(refused)[DEVICE_COOKIE]
    # and the chain is gone for good (not only refused this time)
    assert payload(resume(browser.device))["reason"] == "device_unknown"


def test_suspending_the_centre_ends_its_devices(home: Family, outbox: list[SentMail]) -> None:
    from pellicule_ops import tenants

    browser = trusted_sign_in(home.parent, outbox)
    tenants.suspend(home.parent.tenant_id)
    assert payload(resume(browser.device))["reason"] == "device_unknown"
    assert me(browser.session) == 401


def test_a_device_never_opens_a_session_for_an_archived_person_in_flight(
    home: Family, outbox: list[SentMail]
) -> None:
    """The guardian archived by a write the index missed: the use case reads them as they
    are now and refuses."""
    from pellicule.store.models import Guardian, tenant_pk

    browser = trusted_sign_in(home.parent, outbox)
    record = Guardian.get(tenant_pk(home.parent.tenant_id), f"GUARDIAN#{home.parent.principal_id}")
    record.update(actions=[Guardian.archived.set(True)])
    refused = resume(browser.device)
    assert payload(refused)["reason"] == "access_closed"
    # no session was opened, and the device's own sessions ended with it
    assert sessions.revoke_all(home.parent.tenant_id, "guardian", home.parent.principal_id) == 0
