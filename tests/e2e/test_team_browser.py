"""The team page (/team.html, issue 18 item 3) in real Chromium on the local stack: the director,
on a laptop, invites an animator; the invitation in the dev mailbox signs the animator in (on
their phone); the director suspends them and the animator's session ends at once; an error of
the API shows beside the button that caused it, in words. At 390 px the page fits the screen;
an animator is told the page is for directors; the settings page links to it."""

from __future__ import annotations

import html
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from local.runtime import LocalRuntime
from tests.e2e.browsing import sign_in, watched
from tests.e2e.conftest import wait_for
from tests.e2e.journeys import LINK
from tests.integration.scenario import build

pytestmark = [pytest.mark.e2e, pytest.mark.browser]


@pytest.fixture(scope="module")
def runtime_options() -> dict[str, Any]:
    return {"workers": False}


@pytest.fixture
def contexts(browser: Any) -> Iterator[list[Any]]:
    opened: list[Any] = []
    yield opened
    for context in opened:
        context.close()


def member(page: Any, name: str) -> Any:
    return page.locator("#members li.member", has_text=name)


def test_the_director_invites_an_animator_then_suspends_them(
    runtime: LocalRuntime, browser: Any, contexts: list[Any]
) -> None:
    centre = build()
    address = f"camille.{uuid.uuid4().hex[:6]}@centre.example"
    director = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 900})
    contexts.append(director)
    page = sign_in(director, runtime, centre.director).new_page()
    problems = watched(page)
    page.goto(f"{runtime.base_url}/team.html")
    page.locator("#members li").first.wait_for(state="visible")
    assert "(vous)" in member(page, "dir-1").inner_text()
    assert member(page, "dir-1").locator("button").count() == 0  # nothing to do to oneself
    # What "de confiance" means is explained beside the box
    assert "sans attendre la validation" in page.locator("#trusted-help").inner_text()

    # When the director invites an animator
    page.locator("#invite-name").fill("Camille Petit")
    page.locator("#invite-email").fill(address)
    page.locator("#invite").click()
    page.locator("#status").filter(has_text="Invitation envoyée").wait_for()
    camille = member(page, "Camille Petit")
    assert "Animateur·rice" in camille.inner_text()
    assert "actif·ve" in camille.inner_text()
    # Inviting the same address again: the API's words beside the invitation's button
    page.locator("#invite-name").fill("Camille Petit")
    page.locator("#invite-email").fill(address)
    page.locator("#invite").click()
    error = page.locator("#invite-error")
    error.wait_for(state="visible")
    assert error.inner_text() == "Cette adresse est déjà dans l'équipe."
    assert "_" not in error.inner_text()  # words, never an internal code

    # Then the invitation in the dev mailbox signs the animator in, on their phone
    [mail] = wait_for(lambda: [m for m in runtime.sent_mail() if m.to == [address]] or None)
    assert "invité·e dans l'équipe" in mail.subject
    [link] = dict.fromkeys(html.unescape(url) for url in LINK.findall(mail.html))
    assert link.startswith(f"{runtime.base_url}/login.html#token=")
    phone = browser.new_context(locale="fr-FR", viewport={"width": 390, "height": 844})
    contexts.append(phone)
    animator = phone.new_page()
    animator.goto(link)
    animator.locator("#open-button").click()
    animator.wait_for_url(f"{runtime.base_url}/staff.html")
    assert animator.request.get(f"{runtime.base_url}/api/admin/me").status == 200

    # When the director suspends them (one confirmation)
    camille.locator("button.suspend").click()
    confirm = camille.locator(".confirm")
    assert "ne pourra plus se connecter" in confirm.inner_text()
    confirm.locator(".confirm-yes").click()
    page.locator("#status").filter(has_text="suspendu·e").wait_for()
    assert "1 session(s) fermée(s)" in page.locator("#status").inner_text()
    assert "suspendu·e" in member(page, "Camille Petit").inner_text()

    # Then the animator's session has ended: the next request is refused, the page goes to
    # the sign-in page
    assert animator.request.get(f"{runtime.base_url}/api/admin/me").status == 401
    animator.reload()
    animator.wait_for_url(lambda url: "/login.html" in url)

    # The director reactivates them; English through the switch
    member(page, "Camille Petit").locator("button.reactivate").click()
    page.locator("#status").filter(has_text="peut de nouveau se connecter").wait_for()
    page.locator("#lang-switch").click()
    assert page.locator("h2").inner_text() == "The staff"
    assert "Animator" in member(page, "Camille Petit").inner_text()
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 1280
    # (the browser logs the refused second invitation, a 409: nothing else)
    assert [p for p in problems if "status of 409" not in p] == []


def test_at_390_px_the_page_fits_and_an_animator_is_refused(
    runtime: LocalRuntime, browser: Any, contexts: list[Any]
) -> None:
    centre = build()
    director = browser.new_context(locale="fr-FR", viewport={"width": 390, "height": 844})
    contexts.append(director)
    page = sign_in(director, runtime, centre.director).new_page()
    problems = watched(page)
    # The settings page sends directors to the team page
    page.goto(f"{runtime.base_url}/settings.html")
    page.locator("#team-link").click()
    page.wait_for_url(f"{runtime.base_url}/team.html")
    page.locator("#members li").first.wait_for(state="visible")
    # Resetting the second factor asks first (the animator has none yet: no button), and the
    # page is no wider than the phone
    anim = member(page, "anim-1")
    assert anim.locator("button.reset").count() == 0
    anim.locator("button.archive").click()
    assert "définitif" in anim.locator(".confirm").inner_text()
    anim.locator(".cancel").click()
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    assert problems == []

    animator = browser.new_context(locale="fr-FR", viewport={"width": 390, "height": 844})
    contexts.append(animator)
    refused = sign_in(animator, runtime, centre.animator).new_page()
    refused.goto(f"{runtime.base_url}/team.html")
    refused.locator("#refused").wait_for(state="visible")
    assert "réservée à la direction" in refused.locator("#refused").inner_text()
    assert refused.locator("#team").is_hidden()
    assert "dir-1@centre.example" not in refused.content()
