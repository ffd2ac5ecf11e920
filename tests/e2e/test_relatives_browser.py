"""Relatives in real Chromium at 390x844 (issue 17, item 6; docs/relatives.md).

A guardian opens "Mes proches" from the gallery's header and invites a grandmother; she opens
the invitation from the dev mailbox, clicks, and sees the family's album, with a header line
saying who invited her and no consent action; the guardian removes her access in one tap (and
one confirmation); her next request sends her back to the sign-in page. Screenshots of each
state go to /tmp (and docs/screenshots with `make screenshots`).
"""

from __future__ import annotations

import html
from collections.abc import Iterator
from typing import Any

import pytest

from local.runtime import LocalRuntime
from tests.e2e.browsing import screenshot, sign_in, watched
from tests.e2e.conftest import wait_for
from tests.e2e.journeys import LINK, centre_with_noah_consenting
from tests.e2e.journeys import api as _call
from tests.e2e.journeys import published_photo as _published_photo

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

PHONE = {"width": 390, "height": 844}
GRANDMA = "mamie.noah@famille.example"


@pytest.fixture(scope="module")
def runtime_options() -> dict[str, Any]:
    return {"workers": True}


@pytest.fixture
def phones(browser: Any) -> Iterator[tuple[Any, Any]]:
    guardian = browser.new_context(locale="fr-FR", viewport=PHONE, has_touch=True)
    relative = browser.new_context(locale="fr-FR", viewport=PHONE, has_touch=True)
    yield guardian, relative
    guardian.close()
    relative.close()


def _fits(page: Any) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def _shot(page: Any, name: str) -> None:
    page.screenshot(path=f"/tmp/{name}.png", full_page=True)
    screenshot(page, name)


def _invitation_link(runtime: LocalRuntime) -> str:
    mails = wait_for(
        lambda: [m for m in runtime.sent_mail() if m.to == [GRANDMA]] or None, timeout=30
    )
    [link] = dict.fromkeys(html.unescape(url) for url in LINK.findall(mails[0].html))
    return str(link)


def test_a_guardian_invites_a_relative_who_sees_the_album_until_revoked(
    runtime: LocalRuntime, phones: tuple[Any, Any]
) -> None:
    centre = centre_with_noah_consenting(runtime)
    _published_photo(runtime, centre)
    family = centre.families["g3"].session  # Noah's guardian

    def served() -> bool:
        read = _call(runtime, family, "GET", "/api/family/albums")
        return read.status_code == 200 and bool(read.json()["albums"])

    wait_for(served, timeout=60)
    guardian_context, relative_context = phones

    # The guardian finds "Mes proches" in the gallery's header and invites a grandmother.
    sign_in(guardian_context, runtime, family)
    page = guardian_context.new_page()
    problems = watched(page)
    page.goto(f"{runtime.base_url}/gallery.html")
    page.locator("#albums a").first.wait_for(state="visible")
    page.locator("#account-menu summary").click()  # "Mon compte"
    assert page.locator("#consents-link").is_visible()
    _fits(page)
    _shot(page, "relatives-guardian-gallery")
    page.locator("#relatives-link").click()
    page.wait_for_url(f"{runtime.base_url}/relatives.html")
    wait_for(lambda: page.evaluate("document.body.dataset.ready === 'true'"), timeout=30)
    assert page.locator("#none").is_visible()
    page.locator("#invite-email").fill(GRANDMA)
    page.get_by_label("Autoriser le téléchargement").check()
    page.get_by_role("button", name="Inviter").click()
    page.locator("#relatives li").first.wait_for(state="visible")
    assert GRANDMA in page.locator("#relatives").inner_text()
    assert "Invitation envoyée" in page.locator("#status").inner_text()
    _fits(page)
    _shot(page, "relatives-guardian")

    # The grandmother opens the invitation from the mailbox, clicks, and sees the album.
    link = _invitation_link(runtime)
    relative = relative_context.new_page()
    relative_problems = watched(relative)
    relative.goto(link)
    relative.locator("#open-button").click()
    relative.wait_for_url(f"{runtime.base_url}/gallery.html")
    invited_by = relative.locator("#invited-by")
    invited_by.wait_for(state="visible")
    assert "g3@famille.example" in invited_by.inner_text()
    relative.locator("#account-menu summary").click()  # "Mon compte": downloads only
    assert relative.locator("#downloads-link").is_visible()
    assert relative.locator("#consents-link").is_hidden()
    assert relative.locator("#relatives-link").is_hidden()
    assert relative.locator("#devices-link").is_hidden()
    relative.keyboard.press("Escape")
    relative.locator("#albums a").first.click()
    relative.locator("#grid button").first.wait_for(state="visible")
    _fits(relative)
    _shot(relative, "relatives-relative-gallery")
    # The language switch reaches the header line too.
    relative.locator("#lang-switch").click()
    wait_for(lambda: "Invited by" in invited_by.inner_text(), timeout=5)
    relative.locator("#lang-switch").click()
    # Her consents page shows no action.
    relative.goto(f"{runtime.base_url}/consents.html")
    wait_for(lambda: relative.evaluate("document.body.dataset.ready === 'true'"), timeout=30)
    assert "gérés par les parents" in relative.locator("#status").inner_text()
    assert relative.locator("button.withdraw:visible").count() == 0
    _shot(relative, "relatives-relative-consents")

    # The guardian removes her access: one tap, one confirmation.
    page.get_by_role("button", name="Retirer l'accès").click()
    _shot(page, "relatives-guardian-confirm")
    page.get_by_role("button", name="Oui, retirer l'accès").click()
    page.locator("#none").wait_for(state="visible")
    assert "retiré" in page.locator("#status").inner_text()
    _fits(page)

    # Her next request signs her out: back to the sign-in page.
    relative.goto(f"{runtime.base_url}/gallery.html")
    relative.wait_for_url(f"{runtime.base_url}/login.html", timeout=15_000)
    assert problems == []
    # gallery.js throws "signed out" on its 401 (then goes to the sign-in page), and Chromium
    # logs the 401 itself: nothing else.
    assert [p for p in relative_problems if "401" not in p and p != "signed out"] == []
