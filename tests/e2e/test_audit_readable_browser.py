"""The readable audit log in real Chromium (issue 18, docs/audit.md "The readable view").

The director reads the log in French (actions in words, dates in the centre's time zone, names
instead of ids), then in English; filters by child; opens "qui a vu ou téléchargé les photos
de mon enfant ?" for Léa: her two guardians and the relative, with counts. An album title
holding markup is shown as text. At 390 px the page never scrolls sideways.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from local.runtime import LocalRuntime
from tests.e2e.browsing import screenshot, sign_in, watched
from tests.e2e.conftest import wait_for
from tests.integration.scenario import Scenario, build

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

MARKUP = '<img src=x onerror="window.__xss=1">Piscine'


@pytest.fixture
def contexts(browser: Any) -> Iterator[list[Any]]:
    opened: list[Any] = []
    yield opened
    for context in opened:
        context.close()


def _seeded() -> Scenario:
    """Léa on a photo of an album whose title holds markup; Noah on another photo. Léa's two
    guardians and a relative view and download; Noah's family downloads Noah's photo."""
    from pellicule.config import clock
    from pellicule.services import audit
    from pellicule.store import keys, media, relatives
    from pellicule.store.models import Media, MediaTag

    centre = build()
    tenant = centre.tenant_id
    now = int(clock.now())
    album = "albxss1"
    media.new_album(
        tenant, album, title=MARKUP, album_date="2026-07-14", group_id=None, created_at=now
    ).save()
    for media_id, child in (("m-lea", "lea"), ("m-noah", "noah")):
        Media(
            keys.tenant_pk(tenant),
            keys.media_sk(media_id),
            tenant_id=tenant,
            media_id=media_id,
            album_id=album,
            kind="photo",
            state="published",
            declared_type="image/jpeg",
            declared_size=1000,
            ingest_key=f"ingest/{media_id}",
            uploaded_by="dir-1",
            created_at=now,
            updated_at=now,
            capture_date="2026-07-14",
        ).save()
        MediaTag(
            keys.tenant_pk(tenant),
            keys.tag_sk(centre.children[child], media_id),
            tenant_id=tenant,
            child_id=centre.children[child],
            media_id=media_id,
            album_id=album,
        ).save()
    g1, g2, g3 = (f"guardian:{centre.families[k].guardian_id}" for k in ("g1", "g2", "g3"))
    relatives.new_relative(
        tenant,
        "rel-e2e",
        email="mamie@famille.example",
        invited_by=centre.families["g1"].guardian_id,
        may_download=True,
        at=now,
    ).save()
    for actor, action, subject, details in (
        (g1, "view", f"album:{album}", {"items": 2}),
        (g1, "download", "media:m-lea", {"blurred": "false"}),
        (g2, "view", f"album:{album}", {"items": 2}),
        ("relative:rel-e2e", "download", f"album:{album}", {"archive": "a1", "items": 2}),
        (g3, "download", "media:m-noah", {"blurred": "false"}),
        ("staff:dir-1", "erasure", "child:erased-child", {"mode": "blur"}),
    ):
        audit.append(tenant, action, actor, subject, details)
    return centre


def _page(
    browser: Any, contexts: list[Any], runtime: LocalRuntime, session: str, **options: Any
) -> tuple[Any, list[str]]:
    settings = {"locale": "fr-FR", "viewport": {"width": 1280, "height": 900}, **options}
    context = browser.new_context(accept_downloads=True, **settings)
    contexts.append(context)
    page = sign_in(context, runtime, session).new_page()
    return page, watched(page)


def _no_markup(page: Any) -> None:
    assert page.locator("main img").count() == 0
    assert page.evaluate("() => window.__xss") is None


def test_the_director_reads_filters_and_asks_who_saw(
    runtime: LocalRuntime, browser: Any, contexts: list[Any]
) -> None:
    centre = _seeded()
    page, problems = _page(browser, contexts, runtime, centre.director)
    page.goto(f"{runtime.base_url}/audit.html")
    page.locator("#journal").wait_for(state="visible")
    rows = page.locator("#rows")
    text = rows.inner_text()
    # Words, names and dates (French): no raw action code, no epoch.
    assert "Téléchargement" in text
    assert "responsable de Lea X. — g1@famille.example" in text
    assert "enfant effacé" in text
    assert "photo du 14 juillet 2026" in text
    assert "mode : floutage" in text
    assert MARKUP in text  # the title as text
    _no_markup(page)

    # Filter by child: Noah's photo only, not Léa's.
    page.locator("#child-filter").select_option(centre.children["noah"])
    page.locator("#apply-filters").click()
    wait_for(lambda: page.locator("#rows tr").count() >= 1 and "m-lea" not in rows.inner_text())
    assert "g3@famille.example" in rows.inner_text()
    page.locator("#clear-filters").click()
    wait_for(lambda: "enfant effacé" in rows.inner_text())

    # The readable CSV: the rows on screen, with names, cells quoted (formula-safe).
    with page.expect_download() as readable:
        page.locator("#export-readable").click()
    assert readable.value.suggested_filename.startswith("journal-lisible-")
    csv_text = Path(readable.value.path()).read_text(encoding="utf-8-sig")
    assert '"responsable de Lea X. — g1@famille.example"' in csv_text
    assert '"enfant effacé"' in csv_text
    assert csv_text.splitlines()[0].startswith('"Date et heure";')

    # Who saw Léa's photos: her two guardians and the relative, never Noah's family.
    page.locator("#ws-child").select_option(centre.children["lea"])
    page.locator("#ws-go").click()
    result = page.locator("#ws-result")
    wait_for(lambda: result.locator("tbody tr").count() == 3)
    seen = result.inner_text()
    assert "3 personne(s) ont vu ou téléchargé les photos de Lea X." in seen
    assert "proche de la famille de Lea X. — mamie@famille.example" in seen
    assert "g3@famille.example" not in seen
    _no_markup(page)
    screenshot(page, "audit-who-saw")

    # English: every string follows the switch.
    page.locator("#lang-switch").click()
    wait_for(lambda: "Download" in rows.inner_text())
    assert "guardian of Lea X." in rows.inner_text()
    assert "photo of 14 July 2026" in rows.inner_text()
    assert "people viewed" not in result.inner_text()
    assert "person(s) viewed or downloaded Lea X.'s photos" in result.inner_text()
    assert page.locator("#who-title").inner_text().startswith("Who saw")
    assert problems == []


def test_the_readable_log_on_a_phone(
    runtime: LocalRuntime, browser: Any, contexts: list[Any]
) -> None:
    centre = _seeded()
    page, problems = _page(
        browser, contexts, runtime, centre.director, viewport={"width": 390, "height": 844}
    )
    page.goto(f"{runtime.base_url}/audit.html")
    page.locator("#rows tr").first.wait_for(state="visible")
    page.locator("#ws-child").select_option(centre.children["lea"])
    page.locator("#ws-go").click()
    page.locator("#ws-result tbody tr").first.wait_for(state="visible")
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    screenshot(page, "audit-readable-phone", full_page=True)
    assert problems == []
