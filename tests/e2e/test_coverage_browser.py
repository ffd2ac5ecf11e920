"""The weekly "few or no photos" report page (/coverage.html, issue 18 item 9) in real
Chromium, on the local stack: the director, on a laptop and at 390 px, sees the week (from
the address, as the weekly e-mail's link gives it), its dates and, per group, the children
tagged on few or no published items; switches to English and back; goes to the previous
week. An animator is told the report is for directors."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from local.runtime import LocalRuntime
from pellicule.config import clock
from pellicule.domain import coverage as rules
from tests.e2e.browsing import sign_in, watched
from tests.integration.scenario import build

pytestmark = [pytest.mark.e2e, pytest.mark.browser]


@pytest.fixture
def contexts(browser: Any) -> Iterator[list[Any]]:
    opened: list[Any] = []
    yield opened
    for context in opened:
        context.close()


@pytest.mark.parametrize("viewport", [(1280, 900), (390, 844)], ids=["laptop", "phone"])
def test_the_director_reads_the_weeks_report_in_both_languages(
    runtime: LocalRuntime, browser: Any, contexts: list[Any], viewport: tuple[int, int]
) -> None:
    centre = build()
    week = rules.week_of(clock.now())
    width, height = viewport
    context = browser.new_context(locale="fr-FR", viewport={"width": width, "height": height})
    contexts.append(context)
    page = sign_in(context, runtime, centre.director).new_page()
    problems = watched(page)
    page.goto(f"{runtime.base_url}/coverage.html?week={week.label}")
    page.locator("#groups li").first.wait_for(state="visible")
    title = page.locator("#week-title").inner_text()
    assert f"Semaine {week.label}" in title
    assert "Aucun élément publié" in page.locator("#summary").inner_text()
    groups = page.locator("#groups section").all_inner_texts()
    assert any("loutres" in g and "Lea X." in g and "Noah X." in g for g in groups), groups
    assert any("renards" in g and "Zoe X." in g for g in groups), groups
    assert page.locator("#next").is_disabled()  # the current week: no next one
    # Nothing wider than the screen
    assert page.evaluate("() => document.documentElement.scrollWidth") <= width
    # English, and back
    page.locator("#lang-switch").click()
    assert f"Week {week.label}" in page.locator("#week-title").inner_text()
    assert page.locator("h2").inner_text() == "Children with few or no photos"
    assert "no item" in page.locator("#groups").inner_text()
    page.locator("#lang-switch").click()
    assert page.locator("h2").inner_text() == "Enfants peu ou pas photographiés"
    # The previous week, in the address too
    page.locator("#previous").click()
    page.wait_for_url(lambda url: "week=" in url and week.label not in url)
    assert page.locator("#next").is_enabled()
    assert problems == []


def test_an_animator_is_told_the_report_is_for_directors(
    runtime: LocalRuntime, browser: Any, contexts: list[Any]
) -> None:
    centre = build()
    context = browser.new_context(locale="fr-FR", viewport={"width": 390, "height": 844})
    contexts.append(context)
    page = sign_in(context, runtime, centre.animator).new_page()
    page.goto(f"{runtime.base_url}/coverage.html")
    page.locator("#refused").wait_for(state="visible")
    assert page.locator("#report").is_hidden()
    assert "Lea" not in page.content()
