"""A parent downloads an album, then a selection of it, as a zip, on a phone (390x844) in real
Chromium on the local stack: the archive is built by the archive function the local runtime
drains its queue into, served through a one-object signed /media/ URL the gateway checks like
CloudFront, with readable names; the buttons disappear where the centre turns downloads off.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from local.runtime import LocalRuntime
from tests.conftest import ALBUM_DATE
from tests.e2e.browsing import screenshot, sign_in, watched
from tests.e2e.conftest import wait_for
from tests.e2e.journeys import api as _call
from tests.e2e.journeys import centre_with_noah_consenting
from tests.e2e.journeys import published_photo as _published_photo
from tests.integration.scenario import Scenario

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def runtime_options() -> dict[str, Any]:
    return {"workers": True}


@pytest.fixture(scope="module")
def centre(runtime: LocalRuntime) -> Scenario:
    """Noah's family (g3) sees two published photos of the loutres' album."""
    centre = centre_with_noah_consenting(runtime)
    _published_photo(runtime, centre)
    _published_photo(runtime, centre)

    def served() -> bool:
        read = _call(runtime, centre.families["g3"].session, "GET", "/api/family/albums")
        albums = read.json().get("albums", []) if read.status_code == 200 else []
        return bool(albums) and albums[0]["items"] == 2

    wait_for(served, timeout=60)
    return centre


@pytest.fixture
def page(browser: Any, runtime: LocalRuntime, centre: Scenario) -> Iterator[Any]:
    context = browser.new_context(locale="fr-FR", viewport=PHONE, accept_downloads=True)
    sign_in(context, runtime, centre.families["g3"].session)
    page = context.new_page()
    yield page
    context.close()


def _names(path: Path) -> list[str]:
    with zipfile.ZipFile(path) as archive:
        assert archive.testzip() is None
        return sorted(archive.namelist())


def test_a_parent_downloads_the_album_then_a_selection(
    runtime: LocalRuntime, centre: Scenario, page: Any, tmp_path: Path
) -> None:
    problems = watched(page)
    page.goto(f"{runtime.base_url}/gallery.html#/album/{centre.album_id}")
    page.locator("#grid button").nth(1).wait_for(state="visible")
    button = page.get_by_role("button", name="Télécharger l'album (zip)")
    button.wait_for(state="visible")
    screenshot(page, "archive-album-390")

    # When the parent taps "Télécharger l'album (zip)", progress shows, then the zip downloads
    with page.expect_download(timeout=60_000) as downloading:
        button.click()
        page.locator("#archive-progress").wait_for(state="attached")
    download = downloading.value
    assert download.suggested_filename == f"pellicule_sortie_{ALBUM_DATE}.zip"
    saved = tmp_path / "album.zip"
    download.save_as(saved)
    assert _names(saved) == [f"{ALBUM_DATE}_sortie_001.jpg", f"{ALBUM_DATE}_sortie_002.jpg"]
    status = page.locator("#archive-status")
    wait_for(lambda: "Archive prête" in status.inner_text(), timeout=10)
    assert page.locator("#archive-progress").is_hidden()
    screenshot(page, "9-parent-album-zip")

    # Then a selection: "Sélectionner", tap the second photo, download the selection
    page.get_by_role("button", name="Sélectionner").click()
    selection = page.locator("#archive-selection")
    assert selection.is_disabled()
    page.locator("#grid button").nth(1).click()  # chooses it, does not open the viewer
    assert not page.locator("#lightbox").is_visible()
    assert page.locator("#grid input.archive-choose").nth(1).is_checked()
    assert selection.inner_text() == "Télécharger la sélection (1)"
    screenshot(page, "archive-selection-390")
    with page.expect_download(timeout=60_000) as downloading:
        selection.click()
    picked = tmp_path / "selection.zip"
    downloading.value.save_as(picked)
    assert _names(picked) == [f"{ALBUM_DATE}_sortie_002.jpg"]
    assert page.locator("#grid input.archive-choose").count() == 0  # back to browsing

    # In English, the same bar speaks English
    page.locator("#lang-switch").click()
    page.get_by_role("button", name="Download the album (zip)").wait_for(state="visible")
    assert problems == []


def test_no_zip_button_where_the_centre_turns_downloads_off(
    runtime: LocalRuntime, centre: Scenario, page: Any
) -> None:
    turned = _call(
        runtime, centre.director, "PUT", "/api/admin/settings", {"allow_downloads": False}
    )
    assert turned.status_code == 200, turned.text
    try:
        page.goto(f"{runtime.base_url}/gallery.html#/album/{centre.album_id}")
        page.locator("#grid button").first.wait_for(state="visible")
        assert page.locator("#archive").is_hidden()
        asked = _call(
            runtime,
            centre.families["g3"].session,
            "POST",
            f"/api/family/albums/{centre.album_id}/archive",
            {},
        )
        assert asked.status_code == 403
    finally:
        _call(runtime, centre.director, "PUT", "/api/admin/settings", {"allow_downloads": True})
