"""The whole product in real Chromium, on the local stack, page by page (issue 6).

An animator uploads three photos from the staff console and tags the children on the
validation page (blurring Léa, who has no consent, on one of them); the director validates;
a parent opens the magic link from the dev mailbox and sees exactly the allowed items, one of
them blurred, using the keyboard alone; Noah's guardian withdraws on the consents page; the
items showing Noah disappear from the other family's gallery on the next request.

`make screenshots` runs this journey with PELLICULE_SCREENSHOTS=docs/screenshots.
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from local.runtime import LocalRuntime
from tests.e2e.browsing import all_images_loaded, image_loaded, screenshot, sign_in, watched
from tests.e2e.conftest import wait_for
from tests.e2e.journeys import api as _call
from tests.e2e.journeys import centre_with_noah_consenting, mailed_link
from tests.e2e.test_staff_upload_browser import _item_states
from tests.integration.scenario import Scenario
from tests.support.images import jpeg_with_metadata, pattern

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture(scope="module")
def runtime_options() -> dict[str, Any]:
    return {"workers": True}


def _context(browser: Any, viewport: dict[str, int]) -> Any:
    return browser.new_context(locale="fr-FR", viewport=viewport)


def _photos(folder: Path) -> list[str]:
    paths = []
    for number in range(3):
        image = pattern((1200, 900)).rotate(number * 90, expand=False)
        path = folder / f"sortie-{number + 1}.jpg"
        path.write_bytes(jpeg_with_metadata((1200, 900), image=image))
        paths.append(str(path))
    return paths


def _open_for_review(runtime: LocalRuntime, page: Any, media_id: str) -> None:
    page.goto(f"{runtime.base_url}/review.html")
    entry = page.locator(f'#queue a[data-media-id="{media_id}"]')
    entry.wait_for(state="visible")
    entry.click()
    page.locator("#item").wait_for(state="visible")
    wait_for(lambda: image_loaded(page, "#photo"), timeout=30)


def _tag(page: Any, *child_ids: str) -> None:
    for child_id in child_ids:
        page.locator(f'#chips-main .chip[data-child-id="{child_id}"]').click()
    page.locator("#save").click()
    wait_for(lambda: page.locator("#save-status").inner_text() == "Enregistré.", timeout=30)


def _family_items(runtime: LocalRuntime, centre: Scenario, who: str) -> int:
    read = _call(runtime, centre.families[who].session, "GET", "/api/family/albums")
    albums = read.json().get("albums", []) if read.status_code == 200 else []
    return int(albums[0]["items"]) if albums else 0


def test_upload_tag_validate_view_withdraw(
    runtime: LocalRuntime, browser: Any, tmp_path: Path
) -> None:
    centre = centre_with_noah_consenting(runtime)  # Noah: consent; Léa: none
    lea, noah = centre.children["lea"], centre.children["noah"]
    contexts = []
    try:
        # 1. The animator uploads three photos from a phone
        animator_context = sign_in(_context(browser, PHONE), runtime, centre.animator)
        contexts.append(animator_context)
        upload = animator_context.new_page()
        upload_problems = watched(upload)
        upload.goto(f"{runtime.base_url}/staff.html#/album/{centre.album_id}")
        upload.locator("#album-view").wait_for(state="visible")
        upload.locator("#file-input").set_input_files(_photos(tmp_path))
        wait_for(lambda: sorted(_item_states(upload).values()) == ["ready"] * 3, timeout=120)
        wait_for(lambda: all_images_loaded(upload, "#items img"), timeout=30)
        screenshot(upload, "1-animator-upload", full_page=True)
        first, second, third = list(_item_states(upload))
        assert upload_problems == []

        # 2. ...tags them: Noah alone; Noah and Léa with Léa's face blurred; Léa alone
        review = animator_context.new_page()
        review_problems = watched(review)
        _open_for_review(runtime, review, first)
        _tag(review, noah)
        _open_for_review(runtime, review, second)
        _tag(review, noah, lea)
        review.locator("#overlay").scroll_into_view_if_needed()
        area = review.locator("#overlay").bounding_box()
        assert area
        x, y, width, height = area["x"], area["y"], area["width"], area["height"]
        review.mouse.move(x + 0.4 * width, y + 0.3 * height)
        review.mouse.down()
        review.mouse.move(x + 0.6 * width, y + 0.6 * height, steps=8)
        review.mouse.up()
        assert review.locator("#overlay .box").count() == 1
        review.select_option("#box-child-0", lea)
        review.locator("#save").click()
        review.locator("#blurred-figure").wait_for(state="visible", timeout=60_000)
        wait_for(lambda: image_loaded(review, "#blurred-photo"), timeout=30)
        screenshot(review, "2-animator-tags-and-blur", full_page=True)
        _open_for_review(runtime, review, third)
        _tag(review, lea)
        assert review_problems == []

        # 3. The director validates: the first two are published, the third cannot be
        director_context = sign_in(_context(browser, DESKTOP), runtime, centre.director)
        contexts.append(director_context)
        director = director_context.new_page()
        director_problems = watched(director)
        for media_id in (first, second):
            _open_for_review(runtime, director, media_id)
            if media_id == second:
                gate = director.locator('#gate li[data-audience="families_of_group"]')
                assert "floutée" in gate.inner_text()
                screenshot(director, "3-director-validation", full_page=True)
            director.locator("#approve").click()
            wait_for(lambda: "publiée" in director.locator("#status").inner_text(), timeout=30)
        _open_for_review(runtime, director, third)
        blocked = director.locator('#gate li[data-audience="families_of_group"]')
        assert "bloquée" in blocked.inner_text()
        director.locator("#approve").click()
        refusal = director.locator("#decision-error")  # beside the button (issue 18)
        wait_for(lambda: "Publication impossible" in refusal.inner_text())
        assert [p for p in director_problems if "409" not in p] == []

        # 4. A parent of Léa (same group) opens the magic link from the dev mailbox
        wait_for(lambda: _family_items(runtime, centre, "g1") == 2, timeout=60)
        link = mailed_link(runtime, SimpleNamespace(email="g1@famille.example"))  # type: ignore[arg-type]
        parent_context = _context(browser, PHONE)
        contexts.append(parent_context)
        parent = parent_context.new_page()
        parent_problems = watched(parent)
        parent.goto(link)
        parent.locator("#open-button").click()
        parent.wait_for_url(f"{runtime.base_url}/gallery.html")
        album_link = parent.locator(f'a[href="#/album/{centre.album_id}"]')
        album_link.wait_for(state="visible")
        wait_for(lambda: all_images_loaded(parent, "#albums img"), timeout=30)
        screenshot(parent, "4-parent-albums", full_page=True)
        # ...keyboard only: Tab to the album, Enter, Tab to the first photo, Enter
        for _ in range(15):
            parent.keyboard.press("Tab")
            if parent.evaluate("document.activeElement.getAttribute('href')") == (
                f"#/album/{centre.album_id}"
            ):
                break
        parent.keyboard.press("Enter")
        grid = parent.locator("#grid button")
        grid.first.wait_for(state="visible")
        # Exactly the two published items, the one with Léa blurred
        shown = {
            grid.nth(i).get_attribute("data-media-id"): grid.nth(i).get_attribute("aria-label")
            for i in range(grid.count())
        }
        assert set(shown) == {first, second}
        assert "floutée" in (shown[second] or "")
        assert "floutée" not in (shown[first] or "")
        wait_for(lambda: all_images_loaded(parent, "#grid img"), timeout=30)
        screenshot(parent, "5-parent-album", full_page=True)
        for _ in range(30):
            parent.keyboard.press("Tab")
            if parent.evaluate("document.activeElement.dataset.index") == "0":
                break
        parent.keyboard.press("Enter")
        parent.locator("#lightbox").wait_for(state="visible")
        parent.keyboard.press("ArrowRight")
        assert "2 sur 2" in parent.locator("#lightbox-caption").inner_text()
        wait_for(lambda: image_loaded(parent, "#stage img"), timeout=30)
        screenshot(parent, "6-parent-lightbox")
        parent.keyboard.press("Escape")
        parent.locator("#lightbox").wait_for(state="hidden")

        # 5. Noah's guardian withdraws his consent on the consents page
        noah_context = sign_in(_context(browser, PHONE), runtime, centre.families["g3"].session)
        contexts.append(noah_context)
        consents = noah_context.new_page()
        consents_problems = watched(consents)
        consents.goto(f"{runtime.base_url}/consents.html")
        card = consents.locator(f'section.child[data-child-id="{noah}"]')
        card.wait_for(state="visible")
        screenshot(consents, "7-parent-consents", full_page=True)
        card.locator('[data-part="withdraw"]').click()
        # ...the page asks once, saying what it hides
        card.locator('[data-part="withdraw-confirm"]').wait_for(state="visible")
        card.locator('[data-part="withdraw-yes"]').click()
        wait_for(lambda: "retiré" in card.locator('[data-part="summary"]').inner_text().lower())
        assert consents_problems == []

        # 6. ...and on the next request the items showing Noah are gone from Léa's gallery
        parent.reload()
        wait_for(lambda: parent.locator("#status").is_visible(), timeout=30)
        assert "plus disponible" in parent.locator("#status").inner_text()
        assert parent.locator("#grid button").count() == 0
        assert [p for p in parent_problems if "404" not in p] == []
    finally:
        for context in contexts:
            context.close()
