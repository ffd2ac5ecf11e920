"""The director handles erasure requests on the people page (/people.html), in real Chromium on
the local stack (docs/erasure.md, docs/web.md).

Noah's guardian asks for the erasure of his images; the director sees the request at the top of
the page with its deadline, chooses "blur" with the keyboard alone, records a request for Léa
received by letter from her panel, reads it all in English too; then the purge carries Noah's
request out (a choice was made) and leaves Léa's for later (no choice, the deadline is far).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from local.runtime import LocalRuntime
from tests.e2e.browsing import screenshot, sign_in, watched
from tests.e2e.conftest import wait_for
from tests.e2e.journeys import api as _call
from tests.integration.scenario import Scenario, build

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

ZONE = "Europe/Paris"
MONTHS = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)
FOCUSED_ID = "document.activeElement && document.activeElement.id"
REFUSED_404 = "Failed to load resource: the server responded with a status of 404 (Not Found)"


@pytest.fixture(scope="module")
def runtime_options() -> dict[str, Any]:
    return {"workers": False}  # no media: the purge is run by the test itself


@pytest.fixture
def context(browser: Any) -> Iterator[Any]:
    context = browser.new_context(locale="fr-FR", timezone_id=ZONE)
    yield context
    context.close()


def _french_moment(epoch: int) -> str:
    moment = datetime.fromtimestamp(epoch, ZoneInfo(ZONE))
    return f"{moment.day} {MONTHS[moment.month - 1]} {moment.year} à {moment:%H:%M}"


def _open_requests(runtime: LocalRuntime, centre: Scenario) -> dict[str, dict[str, Any]]:
    listed = _call(runtime, centre.director, "GET", "/api/admin/erasure-requests")
    assert listed.status_code == 200, listed.text
    return {r["child_id"]: r for r in listed.json()["requests"]}


def _tab_to(page: Any, element_id: str, *, limit: int = 80) -> None:
    for _ in range(limit):
        if page.evaluate(FOCUSED_ID) == element_id:
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"#{element_id} not reached with Tab")


def test_the_director_chooses_blur_records_a_letter_and_the_purge_carries_it_out(
    runtime: LocalRuntime, context: Any
) -> None:
    centre = build()
    noah, lea = centre.children["noah"], centre.children["lea"]
    # Given Noah's guardian asked for the erasure of his images
    asked = _call(
        runtime,
        centre.families["g3"].session,
        "POST",
        f"/api/family/children/{noah}/erasure-request",
        {"confirm": True},
    )
    assert asked.status_code == 200, asked.text
    due_by = asked.json()["request"]["due_by"]

    sign_in(context, runtime, centre.director)
    page = context.new_page()
    problems = watched(page)
    page.goto(f"{runtime.base_url}/people.html")
    section = page.locator("#erasure-section")
    section.wait_for(state="visible")

    # The director sees it at the top: the child's name, who asked, the deadline, no choice yet
    assert section.locator("h3").inner_text() == "Demandes d'effacement (1)"
    row = section.locator(f'li[data-child-id="{noah}"]')
    text = row.inner_text()
    assert "Noah X." in text
    assert "Demande faite par un responsable" in text
    assert f"À exécuter avant le {_french_moment(due_by)}" in text
    assert "Choix actuel : aucun" in text
    assert "24 heures" in section.inner_text()
    assert "certificat d'effacement" in section.inner_text()

    # When they choose "blur" with the keyboard alone and save
    page.locator("#content").focus()
    _tab_to(page, f"erasure-mode-{noah}-remove")
    page.keyboard.press("ArrowDown")
    assert page.evaluate(FOCUSED_ID) == f"erasure-mode-{noah}-blur"
    assert page.locator(f"#erasure-mode-{noah}-blur").is_checked()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.dataset.action") == "save-mode"
    page.keyboard.press("Enter")

    # Then the choice is saved, said in the live region, and the API holds it
    status = page.locator("#status")
    wait_for(lambda: "choix enregistré" in status.inner_text())
    assert "Flouter l'enfant quand c'est possible" in status.inner_text()
    assert _open_requests(runtime, centre)[noah]["mode"] == "blur"
    assert "Choix actuel : Flouter" in row.inner_text()
    assert page.locator(f"#erasure-mode-{noah}-blur").is_checked()
    assert page.evaluate("document.activeElement.dataset.action") == "save-mode"
    screenshot(page, "people-erasure", full_page=True)

    # When they record a request received by letter from Léa's panel
    page.locator(f'#children-list li[data-child-id="{lea}"] a[data-action=consent]').click()
    form = page.locator("#erasure-form")
    form.wait_for(state="visible")
    assert page.locator("#erasure-record-mode-later").is_checked()  # the choice is optional
    page.locator("#erasure-submit").click()  # without the confirmation: nothing is sent
    assert "Cochez la case" in form.locator(".form-error").inner_text()
    assert page.evaluate(FOCUSED_ID) == "erasure-confirm"
    screenshot(page, "people-erasure-letter", full_page=True)
    assert lea not in _open_requests(runtime, centre)
    page.check("#erasure-confirm")
    page.locator("#erasure-submit").click()
    wait_for(lambda: "Demande d'effacement enregistrée pour Lea X." in status.inner_text())
    assert page.locator("#erasure-open").is_visible()
    assert page.locator("#erasure-fields").is_hidden()
    recorded = _open_requests(runtime, centre)[lea]
    assert recorded["requested_by"] == "staff"
    assert recorded["mode"] is None

    # Back on the list: both requests, Noah's first (the most urgent)
    page.locator("a.back").click()
    page.locator("#people-view").wait_for(state="visible")
    assert section.locator("h3").inner_text() == "Demandes d'effacement (2)"
    rows = section.locator("li[data-child-id]")
    assert [rows.nth(i).get_attribute("data-child-id") for i in range(2)] == [noah, lea]
    assert "Demande enregistrée par le centre" in rows.nth(1).inner_text()

    # In English
    page.locator("#lang-switch").click()
    assert section.locator("h3").inner_text() == "Erasure requests (2)"
    assert "To be carried out before" in row.inner_text()
    assert "Current choice: Blur the child where possible" in row.inner_text()
    assert "Request made by a guardian" in row.inner_text()
    assert row.get_by_label("Remove the items").count() == 1
    assert "deletion certificate" in section.inner_text()
    page.locator("#lang-switch").click()
    assert section.locator("h3").inner_text() == "Demandes d'effacement (2)"
    assert problems == []

    # When the purge runs: Noah's request is carried out (a choice was made), Léa's waits
    runtime.run_purge([centre.tenant_id])
    # ...a choice saved from the page as it was is refused in plain words, the list refreshed
    row.locator("[data-action=save-mode]").click()
    error = page.locator("#erasure-error")
    error.wait_for(state="visible")
    assert error.inner_text().startswith("Noah X. : Aucune demande d'effacement en cours")
    wait_for(lambda: row.count() == 0)
    assert problems == [REFUSED_404]
    problems.clear()
    page.reload()
    page.locator("#people-view").wait_for(state="visible")
    section.wait_for(state="visible")
    assert section.locator("h3").inner_text() == "Demandes d'effacement (1)"
    assert section.locator(f'li[data-child-id="{noah}"]').count() == 0
    assert section.locator(f'li[data-child-id="{lea}"]').count() == 1
    assert page.locator(f'#children-list li[data-child-id="{noah}"]').count() == 0
    assert list(_open_requests(runtime, centre)) == [lea]
    assert problems == []
