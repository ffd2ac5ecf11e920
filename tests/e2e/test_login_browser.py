"""Signing in with a magic link in real Chromium (Debian's), against the local runtime.

The link is asked for through the API, read from the dev mailbox (moto's SES), and opened in
the browser: loading the page (its JavaScript runs) consumes nothing; the button does, once.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pyotp
import pytest

from local.runtime import LocalRuntime
from pellicule.domain import messages
from pellicule.services import magic_links, sessions
from tests.e2e.journeys import mailed_link
from tests.integration.auth_helpers import centre, guardian, staff

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

LINK = re.compile(r'href="(http://[^"]+/login\.html#token=[^"]+)"')


@pytest.fixture(scope="module")
def runtime_options() -> dict[str, Any]:
    return {"workers": False}


@pytest.fixture
def context(browser: Any) -> Iterator[Any]:
    context = browser.new_context(locale="fr-FR")
    yield context
    context.close()


def token_of(link: str) -> str:
    return link.split("#token=", 1)[1].split("&", 1)[0]


def session_cookie(context: Any) -> dict[str, Any]:
    [cookie] = [c for c in context.cookies() if c["name"] == sessions.COOKIE_NAME]
    return dict(cookie)


def test_opening_a_link_consumes_nothing_and_the_button_signs_in_once(
    runtime: LocalRuntime, context: Any
) -> None:
    person = guardian(centre("Les Tilleuls"), "parent.lea@famille.example")
    link = mailed_link(runtime, person)
    token = token_of(link)
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda msg: problems.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))

    # When the page loads and its script runs (what a JavaScript-running previewer does)
    page.goto(link)
    button = page.locator("#open-button")
    button.wait_for(state="visible")
    assert button.inner_text() == "Ouvrir ma galerie"  # one language at a time
    page.wait_for_timeout(300)  # anything the page would do by itself has had its chance
    # Then nothing was consumed, the token left the address bar, and no cookie was set
    assert magic_links.is_used(token) is False
    assert page.evaluate("location.hash") == ""
    assert page.url == f"{runtime.base_url}/login.html"
    assert not [c for c in context.cookies() if c["name"] == sessions.COOKIE_NAME]
    assert problems == []  # no CSP violation (no inline script or style)

    # When the person clicks
    button.click()
    page.wait_for_url(f"{runtime.base_url}/gallery.html")
    # Then a __Host- session cookie is set with the required flags, and the API knows them
    cookie = session_cookie(context)
    assert (cookie["secure"], cookie["httpOnly"], cookie["sameSite"]) == (True, True, "Strict")
    assert cookie["path"] == "/"
    me = page.request.get(f"{runtime.base_url}/api/auth/me")
    assert me.status == 200
    assert (me.json()["kind"], me.json()["principal_id"]) == ("guardian", person.principal_id)
    assert magic_links.is_used(token) is True

    # When the same link is opened again and clicked, it fails with a clear message
    again = context.new_page()
    again.goto(link)
    again.locator("#open-button").click()
    status = again.locator("#status")
    status.wait_for(state="visible")
    # (one language at a time: the catalogue's French, then its English after the switch)
    assert status.inner_text() == messages.render(magic_links.INVALID, "fr")
    again.locator("#lang-switch").click()
    assert status.inner_text() == messages.render(magic_links.INVALID, "en")
    assert again.locator("#ask-title").inner_text() == "Get a sign-in link"
    again.locator("#lang-switch").click()
    assert status.inner_text() == messages.render(magic_links.INVALID, "fr")
    assert again.locator("#ask-link").is_visible()  # and offers a new link or the code


def test_a_staff_link_says_so_and_the_code_works_on_another_device(
    runtime: LocalRuntime, context: Any, browser: Any
) -> None:
    person = staff(centre("Les Chênes"), "direction@chenes.example", role="director")
    link = mailed_link(runtime, person)
    assert link.endswith("&for=staff")
    page = context.new_page()
    page.goto(link)
    assert "Ouvrir l'espace équipe" in page.locator("#open-button").inner_text()
    # The code of the same e-mail, typed on another device (a fresh browser context)
    newest = runtime.sent_mail()[0]
    [code] = dict.fromkeys(re.findall(r"<strong>(\d{6})</strong>", newest.html))
    other = browser.new_context(locale="fr-FR")
    try:
        form = other.new_page()
        problems: list[str] = []
        form.on("console", lambda msg: problems.append(msg.text) if msg.type == "error" else None)
        form.on("pageerror", lambda error: problems.append(str(error)))
        form.goto(f"{runtime.base_url}/login.html")
        assert form.locator("#open-link").is_hidden()
        form.fill("#code-email", person.email)
        form.fill("#code", code)
        form.locator("#code-form button").click()
        # A director enrols an authenticator app (docs/second-factor.md): QR code and key
        form.locator("#totp-enrol").wait_for(state="visible")
        assert form.locator("#totp-qr").get_attribute("src").startswith("data:image/svg+xml")
        assert form.evaluate("document.getElementById('totp-qr').naturalWidth") > 0
        pending = form.request.get(f"{runtime.base_url}/api/auth/me")
        assert (pending.status, pending.json()["error"]) == (401, "second_factor_required")
        secret = form.locator("#totp-secret").inner_text().replace(" ", "")
        form.fill("#totp-confirm-code", pyotp.TOTP(secret).now())
        form.locator("#totp-confirm-form button").click()
        # The recovery codes, shown once, then the app
        form.locator("#totp-recovery-codes").wait_for(state="visible")
        assert form.locator("#totp-codes-list li").count() == 10
        form.locator("#totp-codes-saved").click()
        form.wait_for_url(f"{runtime.base_url}/dashboard.html")  # a director's home
        me = form.request.get(f"{runtime.base_url}/api/auth/me")
        assert (me.status, me.json()["role"]) == (200, "director")
        assert problems == []  # no CSP violation (the QR code is a data: image)
    finally:
        other.close()
    # The link and its code are one: the first device's button now fails
    page.locator("#open-button").click()
    page.locator("#status").wait_for(state="visible")
    assert messages.render(magic_links.INVALID, "fr") in page.locator("#status").inner_text()


def test_an_enrolled_director_types_a_code_from_the_app(
    runtime: LocalRuntime, context: Any
) -> None:
    from pellicule.config import clock
    from pellicule.domain import totp
    from pellicule.store.models import Staff, tenant_pk

    person = staff(centre("Les Érables"), "direction@erables.example", role="director")
    factor, _codes = totp.SecondFactor(
        secret=totp.new_secret(), enrolled_at=int(clock.now()), confirmed=True
    ).with_new_recovery_codes()
    record = Staff.get(tenant_pk(person.tenant_id), f"STAFF#{person.principal_id}")
    record.update(actions=[Staff.second_factor.set(factor.to_dict())])
    page = context.new_page()
    page.goto(mailed_link(runtime, person))
    page.locator("#open-button").click()
    page.locator("#totp-verify").wait_for(state="visible")
    assert page.locator("#totp-enrol").is_hidden()
    # A wrong code is refused with a clear message; the right one opens the app
    right = pyotp.TOTP(factor.secret).now()
    page.fill("#totp-verify-code", f"{(int(right) + 1) % 1_000_000:06d}")
    page.locator("#totp-verify-form button").click()
    page.locator("#status").wait_for(state="visible")
    assert messages.render("totp_code_wrong", "fr") in page.locator("#status").inner_text()
    page.fill("#totp-verify-code", right)
    page.locator("#totp-verify-form button").click()
    page.wait_for_url(f"{runtime.base_url}/dashboard.html")
    me = page.request.get(f"{runtime.base_url}/api/auth/me")
    assert (me.status, me.json()["role"]) == (200, "director")


def test_after_a_recovery_code_the_page_offers_a_new_authenticator(
    runtime: LocalRuntime, context: Any
) -> None:
    from pellicule.config import clock
    from pellicule.domain import totp
    from pellicule.store.models import Staff, tenant_pk

    person = staff(centre("Les Saules"), "direction@saules.example", role="director")
    old, codes = totp.SecondFactor(
        secret=totp.new_secret(), enrolled_at=int(clock.now()), confirmed=True
    ).with_new_recovery_codes(3)
    key = (tenant_pk(person.tenant_id), f"STAFF#{person.principal_id}")
    Staff.get(*key).update(actions=[Staff.second_factor.set(old.to_dict())])
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda msg: problems.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.goto(mailed_link(runtime, person))
    page.locator("#open-button").click()
    # The phone is lost: a recovery code instead of the app
    page.locator("#totp-use-recovery").click()
    page.fill("#totp-recovery-code", codes[0])
    page.locator("#totp-recovery-form button").click()
    # The page says how many codes are left (few: the offer stands out) and offers a new app
    offer = page.locator("#totp-renewal")
    offer.wait_for(state="visible")
    assert page.locator("#renewal-left").inner_text() == "2"
    assert page.locator("#renewal-few").is_visible()
    assert "Enregistrer une nouvelle application" in page.locator("#renewal-start").inner_text()
    assert page.locator("#renewal-later").is_visible()
    page.locator("#renewal-start").click()
    # A new QR code and key; the old app stops working only once the new one is confirmed
    page.locator("#totp-enrol").wait_for(state="visible")
    assert page.locator("#totp-renewal-note").is_visible()
    new_secret = page.locator("#totp-secret").inner_text().replace(" ", "")
    assert new_secret != old.secret
    assert Staff.get(*key, consistent_read=True).second_factor["secret"] == old.secret
    page.fill("#totp-confirm-code", pyotp.TOTP(new_secret).now())
    page.locator("#totp-confirm-form button").click()
    page.locator("#totp-recovery-codes").wait_for(state="visible")
    assert page.locator("#totp-codes-list li").count() == 10
    page.locator("#totp-codes-saved").click()
    page.wait_for_url(f"{runtime.base_url}/dashboard.html")
    assert Staff.get(*key, consistent_read=True).second_factor["secret"] == new_secret
    me = page.request.get(f"{runtime.base_url}/api/auth/me")
    assert (me.status, me.json()["role"]) == (200, "director")
    assert problems == []


def test_asking_for_a_link_from_the_page(runtime: LocalRuntime, context: Any) -> None:
    page = context.new_page()
    page.goto(f"{runtime.base_url}/login.html")
    page.fill("#link-email", "personne@inconnu.example")
    page.locator("#link-form button").click()
    status = page.locator("#status")
    status.wait_for(state="visible")
    assert messages.render("link_sent_if_known", "fr") in status.inner_text()
    assert page.input_value("#code-email") == "personne@inconnu.example"
