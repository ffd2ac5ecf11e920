"""A child leaves the centre; their parent keeps a souvenir, on a phone (390x844) in real
Chromium on the local stack (issue 17, item 5): the director archives the child through the
staff API, the archive function the runtime drains builds the pack, the parent opens the link
of the e-mail in the dev mailbox (French first, English on the switch; opening it asks for
nothing), taps the button, and the zip downloads under its readable name, holding the photos
of the child with readable names - although the family's gallery no longer shows them."""

from __future__ import annotations

import html
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from local.runtime import LocalRuntime
from pellicule.api import http
from tests.conftest import ALBUM_DATE
from tests.e2e.browsing import screenshot, watched
from tests.e2e.conftest import wait_for
from tests.e2e.journeys import api as _call
from tests.e2e.journeys import centre_with_noah_consenting
from tests.e2e.journeys import published_photo as _published_photo
from tests.integration.scenario import Scenario

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

PHONE = {"width": 390, "height": 844}
LINK = re.compile(r'href="(http://[^"]+/souvenir\.html#token=[^"]+)"')
EMAIL = "g3@famille.example"


@pytest.fixture(scope="module")
def runtime_options() -> dict[str, Any]:
    return {"workers": True}


@pytest.fixture
def centre(runtime: LocalRuntime) -> Scenario:
    """Noah's family (g3) sees two published photos of him."""
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
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(locale="fr-FR", viewport=PHONE, accept_downloads=True)
    page = context.new_page()
    yield page
    context.close()


def _pack(runtime: LocalRuntime, link: str) -> dict[str, Any]:
    token = link.split("#token=", 1)[1]
    answer = requests.post(
        f"{runtime.base_url}/api/family/souvenir",
        json={"token": token},
        headers={http.CSRF_HEADER: "1"},
        timeout=30,
    )
    assert answer.status_code == 200, answer.text
    found: dict[str, Any] = answer.json()
    return found


def test_a_parent_downloads_the_souvenir_of_a_child_who_left(
    runtime: LocalRuntime, centre: Scenario, page: Any, tmp_path: Path
) -> None:
    before = len(runtime.sent_mail())
    # When the director archives Noah (he leaves the centre)
    left = _call(
        runtime, centre.director, "POST", f"/api/admin/children/{centre.children['noah']}/archive"
    )
    assert left.status_code == 200, left.text
    # The family's gallery no longer shows his photos
    albums = _call(runtime, centre.families["g3"].session, "GET", "/api/family/albums")
    assert albums.status_code != 200 or albums.json().get("albums") == []

    # One e-mail to his guardian, with the pack's link
    def newest() -> list[Any] | None:
        mails = runtime.sent_mail()  # newest first
        return [m for m in mails[: len(mails) - before] if EMAIL in m.to] or None

    [mail] = wait_for(newest, timeout=30)
    [link] = dict.fromkeys(html.unescape(url) for url in LINK.findall(mail.html))
    assert link.startswith(f"{runtime.base_url}/souvenir.html#token=")
    wait_for(lambda: _pack(runtime, link)["status"] == "ready", timeout=60)

    # The parent opens the link: French first, the token leaves the address bar, nothing asked
    problems = watched(page)
    page.goto(link)
    heading = page.get_by_role("heading", name="Un souvenir de vos photos")
    heading.wait_for(state="visible")
    assert page.url == f"{runtime.base_url}/souvenir.html"
    button = page.get_by_role("button", name="Télécharger le souvenir (zip)")
    assert button.is_enabled()
    # The page fits the phone's width
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    # English on the switch, then French again
    page.locator("#lang-switch").click()
    page.get_by_role("button", name="Download the souvenir (zip)").wait_for(state="visible")
    page.locator("#lang-switch").click()
    button.wait_for(state="visible")
    screenshot(page, "souvenir-pack-390")

    # When the parent taps the button, the zip downloads under its readable name
    with page.expect_download(timeout=60_000) as downloading:
        button.click()
    download = downloading.value
    assert re.fullmatch(r"pellicule_souvenirs_\d{4}-\d{2}-\d{2}\.zip", download.suggested_filename)
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    with zipfile.ZipFile(saved) as archive:
        assert archive.testzip() is None
        assert sorted(archive.namelist()) == [
            f"{ALBUM_DATE}_sortie_001.jpg",
            f"{ALBUM_DATE}_sortie_002.jpg",
        ]
    page.locator("#status.success").wait_for(state="visible")
    assert problems == []
