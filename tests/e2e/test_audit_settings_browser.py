"""The audit log (/audit.html) and the centre settings (/settings.html) in real Chromium, on the
local stack (issue 6, staff console part 4).

The director, with the keyboard only, sets the retention to 6 months and turns family downloads
off: the API's settings follow; an out-of-range retention (40) shows the API's message
and changes nothing. They reset an animator's second factor from the staff list (after a
confirmation). The audit page lists the settings change in plain French, newest first, with a
filter by action and "show more"; the CSV and JSON exports download through the session; the
chain verifies as intact. The animator reads the settings without being able to change them and
is refused the audit log with a clear message.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from local.runtime import LocalRuntime
from tests.e2e.browsing import screenshot, sign_in, watched
from tests.e2e.conftest import wait_for
from tests.e2e.journeys import api as _call
from tests.integration.scenario import Scenario, build

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

CSV_HEADER = "seq,time,action,actor,subject,details,prev_hash,hash"


@pytest.fixture
def contexts(browser: Any) -> Iterator[list[Any]]:
    opened: list[Any] = []
    yield opened
    for context in opened:
        context.close()


def _page(
    browser: Any, contexts: list[Any], runtime: LocalRuntime, session: str, **options: Any
) -> tuple[Any, list[str]]:
    settings = {"locale": "fr-FR", "viewport": {"width": 1280, "height": 900}, **options}
    context = browser.new_context(accept_downloads=True, **settings)
    contexts.append(context)
    page = sign_in(context, runtime, session).new_page()
    return page, watched(page)


def _unexpected(problems: list[str], *statuses: int) -> list[str]:
    """Console errors, less Chromium's own line for an API refusal the page expects and shows
    ("Failed to load resource: the server responded with a status of 403 (Forbidden)")."""
    return [p for p in problems if not any(f"status of {s}" in p for s in statuses)]


def _settings(runtime: LocalRuntime, session: str) -> dict[str, Any]:
    answer = _call(runtime, session, "GET", "/api/admin/me")
    assert answer.status_code == 200, answer.text
    settings: dict[str, Any] = answer.json()["settings"]
    return settings


def _tab_to(page: Any, element_id: str, limit: int = 60) -> None:
    """Press Tab until the element has the focus (keyboard only, in the page's tab order)."""
    for _ in range(limit):
        if page.evaluate("() => document.activeElement && document.activeElement.id") == element_id:
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"#{element_id} never got the focus with Tab")


def _open_settings(runtime: LocalRuntime, page: Any) -> None:
    page.goto(f"{runtime.base_url}/settings.html")
    page.locator("#settings-form").wait_for(state="visible")
    assert page.locator('nav a[aria-current="page"]').get_attribute("href") == "/settings.html"


def _many_views(centre: Scenario, count: int) -> None:
    """Entries enough to need "show more" (a guardian looking at photos)."""
    from pellicule.services import audit

    guardian = centre.families["g1"].guardian_id
    for n in range(count):
        audit.append(centre.tenant_id, "view", f"guardian:{guardian}", f"media:m{n}", {"n": n})


def test_the_director_changes_the_settings_and_reads_the_audit_log(
    runtime: LocalRuntime, browser: Any, contexts: list[Any]
) -> None:
    centre = build()
    assert _settings(runtime, centre.director)["media_retention_months"] == 12
    page, problems = _page(browser, contexts, runtime, centre.director)
    _open_settings(runtime, page)
    assert page.locator("#centre-name").inner_text() == "Centre"
    assert page.locator("#media_retention_months").input_value() == "12"
    assert page.locator("#allow_downloads").is_checked()
    assert page.locator("#validation-director").is_checked()
    assert page.locator("#season_end").input_value() == "08-31"
    assert page.locator("#souvenir_days").input_value() == "30"  # the default (issue 17)
    assert page.locator("#role-note").is_hidden()

    # When the director, with the keyboard only, sets 6 months and turns downloads off
    _tab_to(page, "media_retention_months")
    page.keyboard.press("Control+A")
    page.keyboard.type("6")
    effect = page.locator("#retention-effect").inner_text()
    assert "effacées 6 mois après la date de l'album" in effect
    _tab_to(page, "allow_downloads")
    page.keyboard.press("Space")
    assert not page.locator("#allow_downloads").is_checked()
    _tab_to(page, "souvenir_days")
    page.keyboard.press("Control+A")
    page.keyboard.type("45")
    _tab_to(page, "save")
    page.keyboard.press("Enter")

    # Then the page says so (aria-live) and the API's settings follow
    wait_for(lambda: "Réglages enregistrés" in page.locator("#settings-status").inner_text())
    assert page.locator("#settings-status").get_attribute("aria-live") == "polite"
    settings = _settings(runtime, centre.director)
    assert settings["media_retention_months"] == 6
    assert settings["allow_downloads"] is False
    assert settings["souvenir_days"] == 45
    assert settings["season_end"] == "08-31"  # untouched

    # An out-of-range retention shows the API's message (in the page's language, French) and
    # changes nothing
    page.locator("#media_retention_months").fill("40")
    page.locator("#save").click()
    error = page.locator("#settings-error")
    error.wait_for(state="visible")
    assert "entre 1 et 36" in error.inner_text()
    assert "media retention" not in error.inner_text()  # one language at a time
    assert page.locator("#media_retention_months").get_attribute("aria-invalid") == "true"
    assert page.locator("#settings-status").inner_text() == ""
    assert _settings(runtime, centre.director)["media_retention_months"] == 6

    # The staff list: no reset for oneself; the animator's reset asks first, then ends sessions
    staff = page.locator("#staff")
    staff.locator(".person").first.wait_for()
    me = staff.locator('.person[data-staff-id="dir-1"]')
    assert "(vous)" in me.inner_text()
    assert "Direction" in me.inner_text()
    assert me.locator("button").count() == 0
    animator = staff.locator('.person[data-staff-id="anim-1"]')
    assert "Animation" in animator.inner_text()
    animator.locator("button.reset").click()
    confirm = animator.locator(".confirm")
    assert "déconnectée partout" in confirm.inner_text()
    assert page.evaluate("() => document.activeElement.className") == "cancel"
    confirm.locator("button.confirm-reset").click()
    wait_for(lambda: "réinitialisée" in page.locator("#staff-status").inner_text())
    assert "1 session(s) fermée(s)" in page.locator("#staff-status").inner_text()
    assert _call(runtime, centre.animator, "GET", "/api/admin/me").status_code == 401
    assert _unexpected(problems, 400) == []  # the refused 40 only
    screenshot(page, "settings-director", full_page=True)

    # The audit page: entries in plain French, newest first, 50 at a time
    _many_views(centre, 55)
    page.goto(f"{runtime.base_url}/audit.html")
    page.locator("#journal").wait_for(state="visible")
    assert page.locator('nav a[aria-current="page"]').get_attribute("href") == "/audit.html"
    rows = page.locator("#rows tr")
    assert rows.count() == 50
    seqs = [int(s) for s in rows.evaluate_all("rs => rs.map(r => r.dataset.seq)")]
    assert seqs == sorted(seqs, reverse=True)
    assert "Consultation" in rows.first.inner_text()
    more = page.locator("#more")
    assert more.is_visible()
    more.click()  # the API's next page (issue 18: the log is paginated by the API)
    wait_for(lambda: rows.count() > 50)
    wait_for(more.is_hidden)
    total = rows.count()

    # Filtered by action: the one settings change (the refused one wrote nothing)
    page.locator("#action-filter").select_option("settings_changed")
    wait_for(lambda: rows.count() == 1)
    entry = rows.first.inner_text()
    assert "Réglages du centre modifiés" in entry
    assert "durée de conservation" in entry
    assert "téléchargement par les familles" in entry
    assert "dir-1" in entry
    assert "(vous)" in entry
    page.locator("#action-filter").select_option("roster_changed")
    wait_for(lambda: "double authentification réinitialisée" in page.locator("#rows").inner_text())
    assert "double authentification réinitialisée" in page.locator("#rows").inner_text()

    # Export: CSV and JSON files, fetched with the session
    with page.expect_download() as csv_download:
        page.locator("#export-csv").click()
    assert csv_download.value.suggested_filename.endswith(".csv")
    lines = Path(csv_download.value.path()).read_text(encoding="utf-8").splitlines()
    assert lines[0] == CSV_HEADER
    assert len(lines) == total + 1
    with page.expect_download() as json_download:
        page.locator("#export-json").click()
    exported = json.loads(Path(json_download.value.path()).read_text(encoding="utf-8"))
    assert len(exported) == total
    assert "settings_changed" in {row["action"] for row in exported}

    # Verify: the chain is intact
    page.locator("#verify").click()
    wait_for(lambda: "Chaîne intègre" in page.locator("#verify-result").inner_text())
    assert f"({total} entrées vérifiées)" in page.locator("#verify-result").inner_text()
    page.locator("#action-filter").select_option("")
    screenshot(page, "audit-director")

    # English on request, the dynamic text included
    page.locator("#lang-switch").click()
    page.locator("#action-filter").select_option("settings_changed")
    wait_for(lambda: "Centre settings changed" in page.locator("#rows").inner_text())
    assert "Centre settings changed" in page.locator("#rows").inner_text()
    assert page.evaluate("document.documentElement.lang") == "en"
    assert _unexpected(problems, 400) == []


def test_the_animator_reads_the_settings_and_is_refused_the_audit_log(
    runtime: LocalRuntime, browser: Any, contexts: list[Any]
) -> None:
    centre = build()
    page, problems = _page(browser, contexts, runtime, centre.animator)

    # Settings: read-only, with the reason; no staff list
    _open_settings(runtime, page)
    assert page.locator("#media_retention_months").input_value() == "12"
    assert page.locator("#media_retention_months").is_disabled()
    assert page.locator("#allow_downloads").is_disabled()
    assert page.locator("#save").is_hidden()
    assert "lecture seule" in page.locator("#role-note").inner_text()
    assert page.locator("#staff-refused").is_visible()
    assert page.locator("#staff .person").count() == 0
    # The API refuses a change anyway
    refused = _call(
        runtime, centre.animator, "PUT", "/api/admin/settings", {"allow_downloads": False}
    )
    assert refused.status_code == 403
    assert _settings(runtime, centre.director)["allow_downloads"] is True
    # English on request, the dynamic text included
    page.locator("#lang-switch").click()
    assert "read-only" in page.locator("#role-note").inner_text()
    assert "12 months after the album's date" in page.locator("#retention-effect").inner_text()
    page.locator("#lang-switch").click()
    assert problems == []

    # The audit log: the API refuses, the page says it is for directors
    page.goto(f"{runtime.base_url}/audit.html")
    page.locator("#refused").wait_for(state="visible")
    assert "Réservé à la direction" in page.locator("#refused").inner_text()
    assert page.locator("#journal").is_hidden()
    assert page.locator("#loading").is_hidden()
    assert page.locator("#error").is_hidden()
    assert _unexpected(problems, 403) == []
    screenshot(page, "audit-animator")


def test_the_pages_on_a_phone(runtime: LocalRuntime, browser: Any, contexts: list[Any]) -> None:
    centre = build()
    page, problems = _page(
        browser, contexts, runtime, centre.director, viewport={"width": 360, "height": 740}
    )
    _open_settings(runtime, page)
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 360
    screenshot(page, "settings-phone", full_page=True)
    page.goto(f"{runtime.base_url}/audit.html")
    page.locator("#journal").wait_for(state="visible")
    assert page.locator("#rows tr").count() > 0
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 360
    screenshot(page, "audit-phone", full_page=True)
    assert problems == []
