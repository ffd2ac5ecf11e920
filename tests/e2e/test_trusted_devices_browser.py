"""Staying signed in on a trusted device, in real Chromium at phone size (issue 17, item 1;
docs/authentication.md): keep the phone, come back days later without a link, open a digest
link without a click, "Mes appareils", a copied cookie, sign out everywhere."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from local.runtime import LocalRuntime
from pellicule.config import clock
from pellicule.services import magic_links, sessions
from tests.e2e.browsing import screenshot, watched
from tests.e2e.conftest import wait_for
from tests.e2e.journeys import mailed_link
from tests.integration.device_helpers import ANDROID_CHROME, DEVICE_COOKIE, family

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

DAY = 24 * 3600
PHONE = {"width": 390, "height": 844}
LAPTOP_UA = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:127.0) Gecko/20100101 Firefox/127.0"


@pytest.fixture(scope="module")
def runtime_options() -> dict[str, Any]:
    return {"workers": False}


@pytest.fixture(autouse=True)
def _clock() -> Iterator[None]:
    yield
    clock.reset()  # the clock is the process's: never leave it moved for other tests


@pytest.fixture
def contexts(browser: Any) -> Iterator[Any]:
    opened: list[Any] = []

    def new(user_agent: str = ANDROID_CHROME, **options: Any) -> Any:
        settings = {"viewport": PHONE, **options}
        context = browser.new_context(
            locale="fr-FR", user_agent=user_agent, has_touch=True, **settings
        )
        opened.append(context)
        return context

    yield new
    for context in opened:
        context.close()


def keep_signed_in(runtime: LocalRuntime, context: Any, person: Any) -> Any:
    """Open a mailed link, tick "keep this device", press the button: the gallery."""
    page = context.new_page()
    page.goto(mailed_link(runtime, person))
    box = page.locator("#trust-device")
    box.wait_for(state="visible")
    assert not box.is_checked()  # never kept without asking (a shared computer)
    box.check()
    page.locator("#open-button").click()
    page.wait_for_url(f"{runtime.base_url}/gallery.html")
    on_gallery(page, runtime)  # its first calls done (before any test moves the clock)
    return page


def device_cookie(context: Any) -> dict[str, Any] | None:
    found = [c for c in context.cookies() if c["name"] == DEVICE_COOKIE]
    return dict(found[0]) if found else None


def on_login(page: Any) -> None:
    """The sign-in page reached. A page may navigate there twice (a refused call and its own
    redirect): Playwright then reports the first navigation as aborted, and the wait is made
    again for the second."""
    from playwright.sync_api import Error

    for attempt in range(3):
        try:
            page.wait_for_url("**/login.html*")
            break
        except Error as error:
            if "ERR_ABORTED" not in str(error) or attempt == 2:
                raise
    page.locator("#ask-link").wait_for(state="visible")


def on_gallery(page: Any, runtime: LocalRuntime) -> None:
    """The gallery, signed in: its album list (or its empty message) shown, still there."""
    page.locator("#albums-view:not([hidden]), #albums-empty:not([hidden])").first.wait_for(
        state="visible"
    )
    assert page.url.startswith(f"{runtime.base_url}/gallery.html"), page.url


def test_a_parent_keeps_their_phone_and_comes_back_days_later_without_a_link(
    runtime: LocalRuntime, contexts: Any
) -> None:
    home = family("parent.devices@famille.example")
    phone = contexts()
    page = keep_signed_in(runtime, phone, home.parent)
    problems = watched(page)
    cookie = device_cookie(phone)
    assert cookie is not None
    assert (cookie["secure"], cookie["httpOnly"], cookie["sameSite"]) == (True, True, "Strict")
    assert cookie["expires"] - clock.now() > 89 * DAY

    # Two days later the session is over; the gallery opens by itself
    clock.advance(2 * DAY)
    page.goto(f"{runtime.base_url}/gallery.html")
    on_gallery(page, runtime)
    rotated = device_cookie(phone)
    assert rotated is not None
    assert rotated["value"] != cookie["value"]  # the device's secret rotated

    # A digest link days later: the trusted phone goes straight in, the link is not spent
    clock.advance(2 * DAY)
    link = mailed_link(runtime, home.parent)
    page.goto(link)
    on_gallery(page, runtime)
    assert magic_links.is_used(link.split("#token=", 1)[1].split("&", 1)[0]) is False

    # "Mes appareils" from the "Mon compte" menu (the header fits the phone's width)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.locator("#account-menu summary").click()
    page.locator("#devices-link").click()
    page.wait_for_url(f"{runtime.base_url}/devices.html")
    # ...this phone, named in French, then in English
    item = page.locator("#devices li")
    item.first.wait_for(state="visible")
    assert item.count() == 1
    assert "Chrome sur Android" in item.first.inner_text()
    assert "cet appareil" in item.first.inner_text()
    screenshot(page, "10-parent-devices")
    page.locator("#lang-switch").click()
    assert "Chrome on Android" in item.first.inner_text()
    assert "this device" in item.first.inner_text()
    # (the browser logs the 401 that sent the page to its device, and nothing else)
    assert [p for p in problems if "status of 401" not in p] == []


def test_a_copied_cookie_is_cut_off_when_the_owner_comes_back(
    runtime: LocalRuntime, contexts: Any
) -> None:
    home = family("parent.copied@famille.example")
    phone = contexts()
    page = keep_signed_in(runtime, phone, home.parent)
    stolen = device_cookie(phone)
    assert stolen is not None
    clock.advance(2 * DAY)

    # A thief's browser with a copy of the cookie gets in first
    thief = contexts(user_agent=LAPTOP_UA)
    thief.add_cookies([{k: stolen[k] for k in ("name", "value", "domain", "path", "secure",
                                                "httpOnly", "sameSite")}])  # fmt: skip
    # (the page presents a device only where it made one: the thief copies that mark too)
    thief.add_init_script("localStorage.setItem('pellicule-trusted-device', '1')")
    thief_page = thief.new_page()
    thief_page.goto(f"{runtime.base_url}/gallery.html")
    on_gallery(thief_page, runtime)

    # The owner's phone comes back with the old secret: the device ends for both
    page.goto(f"{runtime.base_url}/gallery.html")
    on_login(page)
    status = page.locator("#status")
    status.wait_for(state="visible")
    assert "Par sécurité" in status.inner_text()
    thief_page.goto(f"{runtime.base_url}/gallery.html")
    on_login(thief_page)
    assert device_cookie(thief) is None


def test_removing_a_device_and_signing_out_everywhere(runtime: LocalRuntime, contexts: Any) -> None:
    home = family("parent.two.devices@famille.example")
    phone, laptop = (
        contexts(),
        contexts(user_agent=LAPTOP_UA, viewport={"width": 1280, "height": 800}),
    )
    page = keep_signed_in(runtime, phone, home.parent)
    laptop_page = keep_signed_in(runtime, laptop, home.parent)

    # From the phone, "Retirer" the laptop: one tap
    page.goto(f"{runtime.base_url}/devices.html")
    items = page.locator("#devices li")
    wait_for(lambda: items.count() == 2, timeout=15)
    laptop_item = items.filter(has_text="Firefox sur Windows")
    laptop_item.locator("button").click()
    wait_for(lambda: items.count() == 1, timeout=15)
    assert "Firefox sur Windows ne reste plus connecté" in page.locator("#status").inner_text()
    laptop_page.goto(f"{runtime.base_url}/gallery.html")
    on_login(laptop_page)

    # Removing this phone asks once, then signs it out
    items.first.locator("button").click()
    page.locator("[data-confirm]").click()
    on_login(page)
    assert device_cookie(phone) is None

    # Sign out everywhere ends every device
    page = keep_signed_in(runtime, phone, home.parent)
    laptop_page = keep_signed_in(runtime, laptop, home.parent)
    page.goto(f"{runtime.base_url}/devices.html")
    page.locator("#everywhere").click()
    on_login(page)
    clock.advance(2 * DAY)
    laptop_page.goto(f"{runtime.base_url}/gallery.html")
    on_login(laptop_page)
    assert sessions.revoke_all(home.parent.tenant_id, "guardian", home.parent.principal_id) == 0
