"""A parent's journey in real Chromium, on the local stack (issue 5 "done when").

A parent asks for a link, reads it in the dev mailbox, opens it, clicks, and lands on their
gallery: exactly the items the gate allows (one of them blurred), each image loaded through
a signed `/media/` URL the gateway checks like CloudFront; the lightbox works with the
keyboard; the English switch; signing out.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import requests

from local.runtime import LocalRuntime
from tests.e2e.conftest import wait_for
from tests.e2e.journeys import api as _call
from tests.e2e.journeys import centre_with_noah_consenting, mailed_link
from tests.e2e.journeys import processed_photo as _processed_photo
from tests.e2e.journeys import published_photo as _published_photo
from tests.integration.scenario import Scenario

pytestmark = [pytest.mark.e2e, pytest.mark.browser]


@pytest.fixture(scope="module")
def runtime_options() -> dict[str, Any]:
    return {"workers": True}


@pytest.fixture
def context(browser: Any) -> Iterator[Any]:
    context = browser.new_context(locale="fr-FR")
    yield context
    context.close()


def _blurred_photo(runtime: LocalRuntime, centre: Scenario) -> str:
    """Noah and Léa on one photo; Léa (no consent) hidden by a face box; published."""
    media_id = _processed_photo(runtime, centre)
    tagged = _call(
        runtime,
        centre.animator,
        "PUT",
        f"/api/admin/media/{media_id}/tags",
        {"child_ids": [centre.children["noah"], centre.children["lea"]]},
    )
    assert tagged.status_code == 200, tagged.text
    faces = _call(
        runtime,
        centre.animator,
        "PUT",
        f"/api/upload/media/{media_id}/faces",
        {"boxes": [[0.4, 0.3, 0.2, 0.3]], "hides": [centre.children["lea"]]},
    )
    assert faces.status_code == 200, faces.text

    def rendered() -> bool:
        item = _call(runtime, centre.director, "GET", f"/api/gallery/media/{media_id}").json()
        return bool(item["blurred"])

    wait_for(rendered, timeout=60)
    approved = _call(
        runtime,
        centre.director,
        "POST",
        f"/api/admin/media/{media_id}/review",
        {"decision": "approve"},
    )
    assert approved.status_code == 200, approved.text
    return media_id


def _gate_allows_two_one_blurred(runtime: LocalRuntime) -> tuple[Scenario, str, str]:
    centre = centre_with_noah_consenting(runtime)  # Noah: consent; Léa: none
    clean = _published_photo(runtime, centre)  # Noah: consent -> clean
    blurred = _blurred_photo(runtime, centre)
    _processed_photo(runtime, centre)  # waiting for review: no family sees it
    return centre, clean, blurred


def test_a_parent_opens_the_mailed_link_and_sees_what_the_gate_allows(
    runtime: LocalRuntime, context: Any
) -> None:
    centre, clean, blurred = _gate_allows_two_one_blurred(runtime)
    parent = SimpleNamespace(email="g1@famille.example")  # Léa's guardian, same group

    def served_both() -> bool:  # publication reaches families through the stream
        read = _call(runtime, centre.families["g1"].session, "GET", "/api/family/albums")
        albums = read.json().get("albums", []) if read.status_code == 200 else []
        return bool(albums) and albums[0]["items"] == 2

    wait_for(served_both, timeout=60)
    link = mailed_link(runtime, parent)  # type: ignore[arg-type]
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda msg: problems.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    media: list[tuple[str, int]] = []
    page.on(
        "response",
        lambda r: media.append((r.url, r.status)) if "/media/" in r.url else None,
    )

    # When the parent opens the link and presses the button
    page.goto(link)
    page.locator("#open-button").click()
    page.wait_for_url(f"{runtime.base_url}/gallery.html")

    # Then their album is listed with its cover and its two items
    album_link = page.locator(f'a[href="#/album/{centre.album_id}"]')
    album_link.wait_for(state="visible")
    assert "Sortie" in album_link.inner_text()
    assert "2 éléments" in album_link.inner_text()
    album_link.click()

    # And the album shows exactly the two published items, one of them blurred
    grid = page.locator("#grid button")
    grid.first.wait_for(state="visible")
    assert grid.count() == 2
    shown = {
        grid.nth(i).get_attribute("data-media-id"): grid.nth(i).get_attribute("aria-label") or ""
        for i in range(2)
    }
    assert set(shown) == {clean, blurred}
    assert "floutée" in shown[blurred]
    assert "floutée" not in shown[clean]
    # (polled from Python: the page's CSP forbids the eval Playwright's wait_for_function uses)
    wait_for(
        lambda: page.evaluate(
            "[...document.querySelectorAll('#grid img')]"
            ".every(i => i.complete && i.naturalWidth > 0)"
        ),
        timeout=30,
    )
    # ...every image came through a signed /media/ URL the gateway accepted
    assert media
    assert all(status == 200 and "Signature=" in url for url, status in media)

    # The lightbox: open, next with the keyboard, close with Escape (focus returns)
    grid.first.click()
    dialog = page.locator("#lightbox")
    dialog.wait_for(state="visible")
    assert "1 sur 2" in page.locator("#lightbox-caption").inner_text()
    page.keyboard.press("ArrowRight")
    assert "2 sur 2" in page.locator("#lightbox-caption").inner_text()
    wait_for(
        lambda: page.evaluate("document.querySelector('#stage img')?.naturalWidth > 0"), timeout=30
    )
    # Download (the centre allows it): the full-size JPEG through a one-object signed URL
    with page.expect_download() as downloading:
        page.locator("#download").click()
    download = downloading.value
    assert "Signature=" in download.url
    assert "/media/" in download.url
    saved = download.path()
    assert saved is not None
    assert Path(saved).read_bytes()[:3] == b"\xff\xd8\xff"
    page.keyboard.press("Escape")
    dialog.wait_for(state="hidden")
    # (polled: the close event that also restores focus runs a task after the dialog hides)
    wait_for(lambda: page.evaluate("document.activeElement.dataset.index") == "1", timeout=5)

    # English on request
    page.locator("#lang-switch").click()
    assert page.locator("#sign-out").inner_text() == "Sign out"
    assert page.evaluate("document.documentElement.lang") == "en"
    assert problems == []

    # Signing out ends the session: the API refuses the old cookie
    page.locator("#sign-out").click()
    page.wait_for_url(f"{runtime.base_url}/login.html")
    assert page.request.get(f"{runtime.base_url}/api/family/albums").status == 401


def test_the_gallery_without_a_session_goes_to_sign_in(runtime: LocalRuntime, context: Any) -> None:
    page = context.new_page()
    page.goto(f"{runtime.base_url}/gallery.html")
    page.wait_for_url(f"{runtime.base_url}/login.html")
    assert requests.get(f"{runtime.base_url}/gallery.html", timeout=30).status_code == 200


def test_on_a_phone_thumbnails_are_square_and_the_viewer_outlives_its_signed_urls(
    runtime: LocalRuntime, browser: Any
) -> None:
    """Issue 13, item 8, at 390x844: square thumbnails; a photo opened after its signed URLs
    expired (or were about to) is fetched again, and the viewer stays on the same item."""
    from pellicule.config import clock
    from tests.e2e.browsing import sign_in

    centre = centre_with_noah_consenting(runtime)
    first = _published_photo(runtime, centre)
    second = _published_photo(runtime, centre)
    family = centre.families["g3"].session  # Noah's guardian

    def served_both() -> bool:
        read = _call(runtime, family, "GET", f"/api/family/albums/{centre.album_id}")
        return read.status_code == 200 and len(read.json()["items"]) == 2

    wait_for(served_both, timeout=60)
    context = browser.new_context(
        locale="fr-FR", viewport={"width": 390, "height": 844}, has_touch=True
    )
    gateway = runtime.gateway
    checking_clock = gateway.clock
    shifted = 0
    try:
        sign_in(context, runtime, family)
        page = context.new_page()
        page.clock.install()  # the phone's clock, moved forward below
        problems: list[str] = []
        page.on("console", lambda msg: problems.append(msg.text) if msg.type == "error" else None)
        page.on("pageerror", lambda error: problems.append(str(error)))
        album_reads: list[str] = []
        page.on(
            "request",
            lambda r: album_reads.append(r.url) if "/api/family/albums/" in r.url else None,
        )
        page.goto(f"{runtime.base_url}/gallery.html#/album/{centre.album_id}")
        grid = page.locator("#grid button")
        grid.nth(1).wait_for(state="visible")
        wait_for(
            lambda: page.evaluate(
                "[...document.querySelectorAll('#grid img')]"
                ".every(i => i.complete && i.naturalWidth > 0)"
            ),
            timeout=30,
        )
        order = [grid.nth(i).get_attribute("data-media-id") for i in range(2)]
        assert set(order) == {first, second}

        # The grid: square thumbnails, several per row, nothing wider than the phone
        for i in range(2):
            for part in (grid.nth(i), grid.nth(i).locator("img")):
                box = part.bounding_box()
                assert box is not None
                assert abs(box["width"] - box["height"]) <= 1, box
                assert 100 <= box["width"] <= 200, box
        rows = {round(grid.nth(i).bounding_box()["y"]) for i in range(2)}  # type: ignore[index]
        assert len(rows) == 1
        assert page.evaluate("document.documentElement.scrollWidth") <= 390

        # When the parent opens a photo five minutes after the album loaded (the signed URLs
        # are about to expire)
        reads = len(album_reads)
        page.clock.fast_forward("05:00")
        grid.first.tap()
        dialog = page.locator("#lightbox")
        dialog.wait_for(state="visible")
        # Then the album is fetched again first and the photo shows (fresh URLs)
        wait_for(
            lambda: page.evaluate("document.querySelector('#stage img')?.naturalWidth > 0"),
            timeout=30,
        )
        # (the server's clock did not move: it may hand back the same still-valid policy, so
        # the URLs themselves may or may not differ; the page asked again, and the photo shows)
        assert len(album_reads) > reads
        assert "1 sur 2" in page.locator("#lightbox-caption").inner_text()

        # When the URLs the viewer holds expire without the phone noticing (its clock is
        # behind the CDN's), the next photo fails to load...
        shifted = 400
        clock.advance(shifted)  # the product signs from its own clock
        gateway.clock = lambda: checking_clock() + shifted  # the CDN checks from "now"
        reads = len(album_reads)
        page.locator("#next").tap()
        # ...then the viewer fetches the album again and shows the same (second) item
        wait_for(
            lambda: page.evaluate("document.querySelector('#stage img')?.naturalWidth > 0"),
            timeout=30,
        )
        assert len(album_reads) > reads
        assert "2 sur 2" in page.locator("#lightbox-caption").inner_text()
        assert dialog.is_visible()
        # (the expired URL's 403 is logged by Chromium as a failed load: the only message)
        assert problems
        assert all("403" in problem for problem in problems), problems
    finally:
        gateway.clock = checking_clock
        clock.advance(-shifted)
        context.close()
