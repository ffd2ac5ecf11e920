""" "Mes téléchargements" on a phone (issue 17, item 8), in real Chromium at 390x844.

A parent downloads a photo from the viewer, follows "Mes téléchargements" from the gallery and
finds it there, newest first, with its thumbnail (signed, loaded), its album and when; in
English on request; an album archive recorded later is listed above it by its name.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

from local.runtime import LocalRuntime
from tests.e2e.browsing import all_images_loaded, image_loaded, screenshot, sign_in, watched
from tests.e2e.conftest import wait_for
from tests.e2e.journeys import api as _call
from tests.e2e.journeys import centre_with_noah_consenting
from tests.e2e.journeys import published_photo as _published_photo

pytestmark = [pytest.mark.e2e, pytest.mark.browser]


@pytest.fixture(scope="module")
def runtime_options() -> dict[str, Any]:
    return {"workers": True}


@pytest.fixture
def phone(browser: Any) -> Iterator[Any]:
    context = browser.new_context(
        locale="fr-FR", viewport={"width": 390, "height": 844}, has_touch=True
    )
    yield context
    context.close()


def test_a_parent_finds_what_they_downloaded(runtime: LocalRuntime, phone: Any) -> None:
    from pellicule.store import downloads

    centre = centre_with_noah_consenting(runtime)
    media_id = _published_photo(runtime, centre)
    family = centre.families["g3"].session

    def served() -> bool:
        read = _call(runtime, family, "GET", f"/api/family/albums/{centre.album_id}")
        return read.status_code == 200 and len(read.json()["items"]) == 1

    wait_for(served, timeout=60)
    sign_in(phone, runtime, family)
    page = phone.new_page()
    problems = watched(page)

    # Given the parent downloads the photo from the viewer
    page.goto(f"{runtime.base_url}/gallery.html#/album/{centre.album_id}")
    page.locator("#grid button").first.tap()
    page.locator("#lightbox").wait_for(state="visible")
    with page.expect_download():
        page.locator("#download").tap()
    page.keyboard.press("Escape")

    # When they follow "Mes téléchargements"
    page.locator("#account-menu summary").tap()  # "Mon compte"
    page.locator('a[href="/downloads.html"]').tap()
    page.wait_for_url(f"{runtime.base_url}/downloads.html")
    rows = page.locator("#downloads li")
    rows.first.wait_for(state="visible")

    # Then the photo is listed with its thumbnail, its album and when
    assert rows.count() == 1
    assert rows.first.get_attribute("data-kind") == "item"
    text = rows.first.inner_text()
    assert "Photo du" in text
    assert "Téléchargé le" in text
    wait_for(lambda: image_loaded(page, "#downloads li img"), timeout=30)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "downloads-phone")

    # English on request: every line of the list follows
    page.locator("#lang-switch").tap()
    wait_for(lambda: "Downloaded on" in rows.first.inner_text(), timeout=5)
    assert "Photo of" in rows.first.inner_text()
    assert "Téléchargé" not in page.locator("main").inner_text()
    assert page.locator("h2").inner_text() == "My downloads"
    page.locator("#lang-switch").tap()
    wait_for(lambda: "Téléchargé le" in rows.first.inner_text(), timeout=5)

    # When an album archive is recorded for them later (the archive route), it comes first
    downloads.record(
        centre.tenant_id,
        centre.families["g3"].guardian_id,
        kind="archive",
        album_id=centre.album_id,
        album_title="Sortie",
        name="2026-06-14_sortie.zip",
        at=time.time() + 5,
    )
    page.reload()
    rows.nth(1).wait_for(state="visible")
    assert rows.first.get_attribute("data-kind") == "archive"
    assert "2026-06-14_sortie.zip" in rows.first.inner_text()
    assert rows.nth(1).get_attribute("data-kind") == "item"
    assert media_id  # the item row is the downloaded photo (one entry per download)
    wait_for(lambda: all_images_loaded(page, "#downloads li img"), timeout=30)

    # With more than a page (20), "Voir plus" brings the rest, older, after them
    for n in range(20):
        downloads.record(
            centre.tenant_id,
            centre.families["g3"].guardian_id,
            kind="archive",
            album_id=centre.album_id,
            name=f"archive-{n:02d}.zip",
            at=time.time() + 10 + n,
        )
    page.reload()
    rows.nth(19).wait_for(state="visible")
    assert rows.count() == 20
    assert "archive-19.zip" in rows.first.inner_text()
    page.locator("#more").tap()
    rows.nth(21).wait_for(state="visible")
    assert rows.count() == 22
    assert page.locator("#more").is_hidden()
    assert rows.nth(21).get_attribute("data-kind") == "item"
    assert problems == []
