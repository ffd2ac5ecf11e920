"""The roster import on the people page (/people.html, "Importer depuis un fichier") in real
Chromium, on the local stack (issue 18, item 1).

A director picks a booking-software export (Latin-1, semicolons, two guardians on a line, a
line without e-mail, lines with errors), sees the detected encoding, the proposed column
mapping, the preview table as it will be stored (initials, no surname) and the errors per
line; checks without saving, imports, reads the counts, and the children appear in the page's
lists. Importing again creates nothing. At 390 px the section fits the screen. No console
error anywhere.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from local.runtime import LocalRuntime
from tests.e2e.browsing import sign_in, watched
from tests.e2e.conftest import wait_for
from tests.integration.scenario import build

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

REFUSED_400 = "Failed to load resource: the server responded with a status of 400 (Bad Request)"
FIXTURE = (
    Path(__file__).resolve().parents[1] / "fixtures" / "roster" / "export_reservation_latin1.csv"
)


@pytest.fixture(scope="module")
def runtime_options() -> dict[str, Any]:
    return {"workers": False}  # the roster only


@pytest.fixture
def contexts(browser: Any) -> Iterator[list[Any]]:
    opened: list[Any] = []
    yield opened
    for context in opened:
        context.close()


def _page(
    browser: Any, contexts: list[Any], runtime: LocalRuntime, session: str, width: int
) -> Any:
    context = browser.new_context(locale="fr-FR", viewport={"width": width, "height": 900})
    contexts.append(context)
    sign_in(context, runtime, session)
    page = context.new_page()
    page.goto(f"{runtime.base_url}/people.html")
    page.locator("#people-view").wait_for(state="visible")
    return page


def test_a_director_imports_a_booking_export(
    runtime: LocalRuntime, browser: Any, contexts: list[Any]
) -> None:
    centre = build()
    page = _page(browser, contexts, runtime, centre.director, 1280)
    problems = watched(page)
    page.locator("#import-section").wait_for(state="visible")
    assert page.locator("#import-title").inner_text() == "Importer depuis un fichier"

    # When the director picks the file, the preview says what was detected and proposed
    page.locator("#import-file").set_input_files(str(FIXTURE))
    page.locator("#import-table").wait_for(state="visible")
    assert "Latin-1" in page.locator("#import-detected").inner_text()
    assert "point-virgule" in page.locator("#import-detected").inner_text()
    assert page.locator("#import-column-0").input_value() == "last_name"
    assert page.locator("#import-column-1").input_value() == "first_name"
    assert page.locator("#import-column-2").input_value() == "ignore"  # the birth date
    assert "initiale" in page.locator("#import-notes").inner_text()
    first = page.locator("#import-table tbody tr").first.inner_text()
    assert "Léa" in first
    assert "D." in first
    assert "Dupré" not in first
    # the errors per line, beside the preview, in words
    errors = page.locator("#import-errors li")
    assert errors.count() == 3
    assert errors.nth(0).get_attribute("data-line") == "6"
    assert "manquant" in errors.nth(0).inner_text()

    # Changing a column's field asks the preview again (the group column ignored: refused)
    page.locator("#import-column-3").select_option("ignore")
    page.locator("#import-error").wait_for(state="visible")
    assert "groupe" in page.locator("#import-error").inner_text()
    page.locator("#import-column-3").select_option("group")
    page.locator("#import-error").wait_for(state="hidden")

    # A check writes nothing; the import writes and says the counts
    page.locator("#import-check").click()
    wait_for(lambda: "Vérification" in page.locator("#import-result").inner_text())
    assert "4 enfant(s) créé(s)" in page.locator("#import-result").inner_text()
    assert page.locator("#children-list").inner_text().count("Chloé") == 0
    page.locator("#import-run").click()
    wait_for(lambda: "Import terminé" in page.locator("#import-result").inner_text())
    result = page.locator("#import-result").inner_text()
    assert "4 enfant(s) créé(s)" in result
    assert "3 responsable(s) créé(s)" in result
    assert "bienvenue" in result  # the welcome e-mails go with the next daily run
    wait_for(lambda: "Chloé L." in page.locator("#children-list").inner_text())

    # Importing the same file again creates nothing
    page.locator("#import-run").click()
    wait_for(lambda: "4 inchangé(s)" in page.locator("#import-result").inner_text())
    assert "0 enfant(s) créé(s)" in page.locator("#import-result").inner_text()
    titles = page.locator("#children-list .row-title").all_inner_texts()
    assert titles.count("Chloé L.") == 1

    # In English, the section follows the switch
    page.locator("#lang-switch").click()
    wait_for(lambda: page.locator("#import-title").inner_text() == "Import from a file")
    assert "separator" in page.locator("#import-detected").inner_text()
    assert page.locator("#import-caption").inner_text().startswith("Preview")
    assert "Import done" in page.locator("#import-result").inner_text()
    assert page.locator("#import-errors li").nth(0).inner_text().startswith("Line 6")
    assert problems == [REFUSED_400]  # the incomplete mapping, answered in words


def test_the_import_fits_a_phone_and_is_hidden_from_animators(
    runtime: LocalRuntime, browser: Any, contexts: list[Any]
) -> None:
    centre = build()
    page = _page(browser, contexts, runtime, centre.director, 390)
    problems = watched(page)
    page.locator("#import-file").set_input_files(str(FIXTURE))
    page.locator("#import-table").wait_for(state="visible")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, width
    assert problems == []

    animator = _page(browser, contexts, runtime, centre.animator, 1280)
    wait_for(lambda: animator.locator("#glance-table tbody tr").count() > 0)
    assert animator.locator("#import-section").is_hidden()
