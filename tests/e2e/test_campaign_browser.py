"""The consent campaign (issue 18, item 2) in real Chromium on the local stack: the director,
on a laptop, starts the season's campaign for the whole centre and sees everyone waiting; a
guardian opens the e-mail from the dev mailbox on a phone (390x844), lands signed in on the
consents page and answers; the director's "Mettre à jour" shows the answer. The page fits a
390 px screen, switches to English and back; an animator is told it is for directors."""

from __future__ import annotations

import html
from collections.abc import Iterator
from typing import Any

import pytest

from local.runtime import LocalRuntime
from tests.e2e.browsing import sign_in, watched
from tests.e2e.conftest import wait_for
from tests.e2e.journeys import LINK
from tests.integration.scenario import build

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

SUBJECT = "votre accord pour les photos de la saison"


@pytest.fixture(scope="module")
def runtime_options() -> dict[str, Any]:
    return {"workers": False}


@pytest.fixture
def contexts(browser: Any) -> Iterator[list[Any]]:
    opened: list[Any] = []
    yield opened
    for context in opened:
        context.close()


def child_state(page: Any, child_id: str) -> str | None:
    found = page.locator(f'li[data-child="{child_id}"]')
    return found.get_attribute("data-state") if found.count() else None


def test_the_director_starts_a_campaign_and_sees_a_guardian_answer_from_a_phone(
    runtime: LocalRuntime, browser: Any, contexts: list[Any]
) -> None:
    centre = build()
    noah = centre.children["noah"]
    # The director, on a laptop: no campaign yet, the start form.
    laptop = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 900})
    contexts.append(laptop)
    page = sign_in(laptop, runtime, centre.director).new_page()
    problems = watched(page)
    page.goto(f"{runtime.base_url}/campaign.html")
    wait_for(lambda: page.evaluate("document.body.dataset.ready === 'true'"), timeout=30)
    assert page.locator("#board").is_hidden()
    assert page.locator("#group-choices input").count() == 2  # loutres, renards
    page.locator("#season").fill("2026-2027")
    page.locator("#reminder-days").fill("5")
    page.locator("#start-submit").click()
    # The board: three children waiting, per group; the form gone while it runs.
    page.locator(f'li[data-child="{noah}"]').wait_for(state="visible", timeout=30_000)
    assert "Saison 2026-2027 : campagne en cours" in page.locator("#board-title").inner_text()
    assert "rappel après 5 jour(s)" in page.locator("#board-meta").inner_text()
    assert page.locator('[data-total="waiting"] strong').inner_text() == "3"
    assert page.locator("#start").is_hidden()
    assert "4 demande(s) envoyée(s)" in page.locator("#status").inner_text()
    groups = page.locator("#groups h4").all_inner_texts()
    assert groups == ["loutres", "renards"]
    assert "g3@famille.example — e-mail envoyé le" in page.locator("#groups").inner_text()

    # Noah's guardian opens the e-mail from the dev mailbox on a phone, and answers.
    address = "g3@famille.example"
    [mail] = wait_for(
        lambda: (
            [m for m in runtime.sent_mail() if m.to == [address] and SUBJECT in m.subject] or None
        )
    )
    [link] = dict.fromkeys(html.unescape(url) for url in LINK.findall(mail.html))
    phone = browser.new_context(locale="fr-FR", viewport={"width": 390, "height": 844})
    contexts.append(phone)
    family = phone.new_page()
    family_problems = watched(family)
    family.goto(link)
    family.locator("#open-button").click()
    family.wait_for_url(f"{runtime.base_url}/consents.html")
    wait_for(lambda: family.evaluate("document.body.dataset.ready === 'true'"), timeout=30)
    form = family.locator(f'section.child[data-child-id="{noah}"] form')
    form.get_by_label("Les familles du groupe de mon enfant").check()
    form.get_by_label("Photos").check()
    form.get_by_label("J'ai lu ce texte").check()
    form.locator('[data-part="submit"]').click()
    status = family.locator(f'section.child[data-child-id="{noah}"] [data-part="status"]')
    wait_for(lambda: "enregistr" in status.inner_text(), timeout=30)
    assert family.evaluate("document.documentElement.scrollWidth") <= 390
    assert family_problems == []

    # The director updates the board: Noah's family answered.
    page.locator("#refresh").click()
    wait_for(lambda: child_state(page, noah) == "answered", timeout=30)
    assert page.locator('[data-total="answered"] strong').inner_text() == "1"
    assert page.locator('[data-total="waiting"] strong').inner_text() == "2"
    page.screenshot(path="/tmp/campaign-board.png", full_page=True)
    # Reminders now: sent an instant ago, nobody is mailed again yet.
    page.locator("#remind").click()
    wait_for(lambda: "Aucun e-mail à envoyer" in page.locator("#status").inner_text(), timeout=30)
    # English, and back.
    page.locator("#lang-switch").click()
    assert "Season 2026-2027: campaign running" in page.locator("#board-title").inner_text()
    assert page.locator(f'li[data-child="{noah}"] .state').inner_text().startswith("Answered")
    page.locator("#lang-switch").click()
    assert page.locator("h2").inner_text() == "Campagne de consentements"
    # At 390 px, nothing wider than the screen.
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path="/tmp/campaign-board-phone.png", full_page=True)
    # Closing asks once, then the board says so and the form is back.
    page.locator("#close").click()
    page.locator("#close-yes").click()
    wait_for(lambda: "clôturée" in page.locator("#board-title").inner_text(), timeout=30)
    assert page.locator("#start").is_visible()
    assert page.locator("#remind").is_hidden()
    assert problems == []


def test_an_animator_is_told_the_campaign_is_for_directors(
    runtime: LocalRuntime, browser: Any, contexts: list[Any]
) -> None:
    centre = build()
    context = browser.new_context(locale="fr-FR", viewport={"width": 390, "height": 844})
    contexts.append(context)
    page = sign_in(context, runtime, centre.animator).new_page()
    page.goto(f"{runtime.base_url}/campaign.html")
    page.locator("#refused").wait_for(state="visible")
    assert page.locator("#board").is_hidden()
    assert page.locator("#start").is_hidden()
