"""The family gallery's full-screen viewer on a phone (issue 17, item 8), in real Chromium.

At 390x844 with touch: the viewer fills the screen over a dark background with the photo
contained; two fingers (real touch events through CDP's ``Input.dispatchTouchEvent``) zoom the
photo in; one finger then pans it instead of changing item; a double tap zooms back out, and a
swipe then goes to the next item; + and - zoom from the keyboard; Escape closes and gives
focus back to the item shown.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from local.runtime import LocalRuntime
from tests.e2e.browsing import image_loaded, screenshot, sign_in, watched
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
def album(runtime: LocalRuntime) -> tuple[Scenario, str]:
    """Noah's family (g3) sees two published photos of one album."""
    centre = centre_with_noah_consenting(runtime)
    _published_photo(runtime, centre)
    _published_photo(runtime, centre)
    family = centre.families["g3"].session

    def served_both() -> bool:
        read = _call(runtime, family, "GET", f"/api/family/albums/{centre.album_id}")
        return read.status_code == 200 and len(read.json()["items"]) == 2

    wait_for(served_both, timeout=60)
    return centre, family


@pytest.fixture
def phone(browser: Any, runtime: LocalRuntime, album: tuple[Scenario, str]) -> Iterator[Any]:
    context = browser.new_context(locale="fr-FR", viewport=PHONE, has_touch=True)
    sign_in(context, runtime, album[1])
    yield context
    context.close()


def _scale(page: Any) -> float:
    """The photo's scale from its computed transform (1 when it has none)."""
    transform = page.evaluate("getComputedStyle(document.querySelector('#stage img')).transform")
    if transform in (None, "none"):
        return 1.0
    return float(re.match(r"matrix\(([-0-9.e]+)", transform).group(1))  # type: ignore[union-attr]


def _offset_x(page: Any) -> float:
    transform = page.evaluate("getComputedStyle(document.querySelector('#stage img')).transform")
    if transform in (None, "none"):
        return 0.0
    return float(transform.strip("matrix()").split(",")[4])


class Fingers:
    """Real touch input: CDP's Input.dispatchTouchEvent (what a touch screen sends)."""

    def __init__(self, context: Any, page: Any) -> None:
        self.cdp = context.new_cdp_session(page)

    def _send(self, kind: str, points: list[tuple[float, float]]) -> None:
        self.cdp.send(
            "Input.dispatchTouchEvent",
            {
                "type": kind,
                "touchPoints": [{"x": x, "y": y, "id": n} for n, (x, y) in enumerate(points)],
            },
        )

    def gesture(self, path: list[list[tuple[float, float]]]) -> None:
        """Fingers down at path[0], moved through path[1:], then lifted."""
        self._send("touchStart", path[0])
        for points in path[1:]:
            self._send("touchMove", points)
        self._send("touchEnd", [])

    def pinch(self, centre: tuple[float, float], start: float, end: float, steps: int = 8) -> None:
        cx, cy = centre
        path = []
        for i in range(steps + 1):
            half = (start + (end - start) * i / steps) / 2
            path.append([(cx - half, cy), (cx + half, cy)])
        self.gesture(path)

    def swipe(self, start: tuple[float, float], end: tuple[float, float], steps: int = 8) -> None:
        (x0, y0), (x1, y1) = start, end
        self.gesture(
            [[(x0 + (x1 - x0) * i / steps, y0 + (y1 - y0) * i / steps)] for i in range(steps + 1)]
        )

    def tap(self, point: tuple[float, float]) -> None:
        self.gesture([[point]])


def test_pinch_zooms_a_swipe_then_pans_and_a_double_tap_zooms_out(
    runtime: LocalRuntime, album: tuple[Scenario, str], phone: Any
) -> None:
    centre, _ = album
    page = phone.new_page()
    problems = watched(page)
    page.goto(f"{runtime.base_url}/gallery.html#/album/{centre.album_id}")
    grid = page.locator("#grid button")
    grid.nth(1).wait_for(state="visible")
    grid.first.tap()
    dialog = page.locator("#lightbox")
    dialog.wait_for(state="visible")
    wait_for(lambda: image_loaded(page, "#stage img"), timeout=30)
    caption = page.locator("#lightbox-caption")
    assert "1 sur 2" in caption.inner_text()

    # The viewer fills the phone's screen, dark, the photo contained in it
    box = dialog.bounding_box()
    assert box == {"x": 0, "y": 0, "width": PHONE["width"], "height": PHONE["height"]}, box
    assert page.evaluate(
        "getComputedStyle(document.querySelector('#lightbox')).backgroundColor"
    ) in (
        "rgb(0, 0, 0)",
        "rgba(0, 0, 0, 1)",
    )
    stage = page.locator("#stage").bounding_box()
    image = page.locator("#stage img").bounding_box()
    assert stage is not None
    assert image is not None
    assert stage["height"] > 0.6 * PHONE["height"], stage
    assert image["x"] >= stage["x"] - 1
    assert image["y"] >= stage["y"] - 1
    assert image["x"] + image["width"] <= stage["x"] + stage["width"] + 1
    assert image["y"] + image["height"] <= stage["y"] + stage["height"] + 1
    assert max(image["width"] / stage["width"], image["height"] / stage["height"]) > 0.98
    # ...and every control is on the screen, big enough for a finger
    for control in ("#prev", "#next", "#close", "#download"):
        found = page.locator(control).bounding_box()
        assert found is not None, control
        assert found["y"] >= 0, control
        assert found["y"] + found["height"] <= PHONE["height"], control
        assert found["x"] >= 0, control
        assert found["x"] + found["width"] <= PHONE["width"], control
        assert found["height"] >= 44, (control, found)
    screenshot(page, "viewer-phone")
    centre_point = (stage["x"] + stage["width"] / 2, stage["y"] + stage["height"] / 2)
    fingers = Fingers(phone, page)
    width_before = image["width"]

    # When two fingers spread apart on the photo
    fingers.pinch(centre_point, 60, 220)

    # Then the photo is zoomed in (its scale and its size on screen grow)
    scale = _scale(page)
    assert scale > 2.5, scale
    zoomed = page.locator("#stage img").bounding_box()
    assert zoomed is not None
    assert zoomed["width"] > 2.5 * width_before
    assert page.locator("#stage").get_attribute("data-zoomed") == "true"
    screenshot(page, "viewer-phone-zoomed")

    # When one finger swipes left while zoomed
    before = _offset_x(page)
    fingers.swipe(
        (centre_point[0] + 100, centre_point[1]), (centre_point[0] - 100, centre_point[1])
    )

    # Then the photo pans (clamped to its edges) and the viewer stays on the same item
    after = _offset_x(page)
    assert after < before - 50, (before, after)
    assert "1 sur 2" in caption.inner_text()
    # ...panning far never shows past the photo's edge
    for _ in range(4):
        fingers.swipe(
            (centre_point[0] + 150, centre_point[1]), (centre_point[0] - 150, centre_point[1])
        )
    edge = page.locator("#stage img").bounding_box()
    assert edge is not None
    assert abs(edge["x"] + edge["width"] - (stage["x"] + stage["width"])) <= 2, edge
    assert "1 sur 2" in caption.inner_text()

    # When the parent double-taps: back to the whole photo
    fingers.tap(centre_point)
    fingers.tap(centre_point)
    wait_for(lambda: _scale(page) == 1.0, timeout=5)
    assert page.locator("#stage").get_attribute("data-zoomed") == "false"

    # When they swipe left, not zoomed: the next item
    fingers.swipe(
        (centre_point[0] + 100, centre_point[1]), (centre_point[0] - 100, centre_point[1])
    )
    wait_for(lambda: "2 sur 2" in caption.inner_text(), timeout=10)
    wait_for(lambda: image_loaded(page, "#stage img"), timeout=30)
    assert _scale(page) == 1.0

    # A double tap zooms in on the spot; + and - from the keyboard zoom too
    fingers.tap(centre_point)
    fingers.tap(centre_point)
    wait_for(lambda: _scale(page) > 2, timeout=5)
    page.keyboard.press("-")
    page.keyboard.press("-")
    page.keyboard.press("-")
    assert _scale(page) == 1.0
    page.keyboard.press("+")
    assert _scale(page) > 1.4
    # ...ArrowLeft pans while zoomed, and changes item once back to the whole photo
    page.keyboard.press("ArrowLeft")
    assert "2 sur 2" in caption.inner_text()
    page.keyboard.press("-")
    page.keyboard.press("ArrowLeft")
    wait_for(lambda: "1 sur 2" in caption.inner_text(), timeout=10)

    # Escape closes, focus on the item shown
    page.keyboard.press("Escape")
    dialog.wait_for(state="hidden")
    wait_for(lambda: page.evaluate("document.activeElement.dataset.index") == "0", timeout=5)
    assert problems == []


def test_a_double_click_zooms_on_a_laptop(
    runtime: LocalRuntime, album: tuple[Scenario, str], browser: Any
) -> None:
    centre, family = album
    context = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 800})
    try:
        sign_in(context, runtime, family)
        page = context.new_page()
        problems = watched(page)
        page.goto(f"{runtime.base_url}/gallery.html#/album/{centre.album_id}")
        page.locator("#grid button").first.click()
        page.locator("#lightbox").wait_for(state="visible")
        wait_for(lambda: image_loaded(page, "#stage img"), timeout=30)
        box = page.locator("#lightbox").bounding_box()
        assert box == {"x": 0, "y": 0, "width": 1280, "height": 800}, box
        image = page.locator("#stage img")
        image.dblclick()
        wait_for(lambda: _scale(page) > 2, timeout=5)
        # A mouse drag pans the zoomed photo; the item stays
        before = _offset_x(page)
        target = image.bounding_box()
        assert target is not None
        page.mouse.move(640, 400)
        page.mouse.down()
        page.mouse.move(440, 400, steps=5)
        page.mouse.up()
        assert _offset_x(page) < before
        assert "1 sur 2" in page.locator("#lightbox-caption").inner_text()
        image.dblclick()
        wait_for(lambda: _scale(page) == 1.0, timeout=5)
        assert problems == []

        # When the centre turns downloads off meanwhile, "Télécharger" says so in the viewer
        # (the page's own status line is behind it)
        off = _call(
            runtime, centre.director, "PUT", "/api/admin/settings", {"allow_downloads": False}
        )
        assert off.status_code == 200, off.text
        page.locator("#download").click()
        problem = page.locator("#viewer-status")
        problem.wait_for(state="visible")
        assert "erreur" in problem.inner_text()
        page.locator("#next").click()
        problem.wait_for(state="hidden")
    finally:
        _call(runtime, centre.director, "PUT", "/api/admin/settings", {"allow_downloads": True})
        context.close()


def _published_video(runtime: LocalRuntime, centre: Scenario, tmp_path: Path) -> str:
    """A short clip of Noah, uploaded, processed and approved."""
    import requests

    from tests.support import videos

    clip = videos.make(tmp_path, "clip.mp4", seconds=1.0, size=(640, 360))
    content = clip.read_bytes()
    grants = _call(
        runtime,
        centre.animator,
        "POST",
        "/api/upload/grants",
        {
            "album_id": centre.album_id,
            "files": [{"name": "clip.mp4", "type": "video/mp4", "size": len(content)}],
        },
    )
    assert grants.status_code == 201, grants.text
    grant = grants.json()["grants"][0]
    posted = requests.post(
        grant["url"], data=grant["fields"], files={"file": ("clip.mp4", content)}, timeout=30
    )
    posted.raise_for_status()
    media_id: str = grant["media_id"]

    def ready() -> bool:
        item = _call(runtime, centre.director, "GET", f"/api/gallery/media/{media_id}").json()
        return bool(item["state"] == "ready")

    wait_for(ready, timeout=90, interval=0.2)
    for method, path, body in (
        ("PUT", f"/api/admin/media/{media_id}/tags", {"child_ids": [centre.children["noah"]]}),
        ("POST", f"/api/admin/media/{media_id}/review", {"decision": "approve"}),
    ):
        done = _call(runtime, centre.director, method, path, body)
        assert done.status_code == 200, done.text
    return media_id


def test_a_video_still_plays_in_the_viewer_and_swipes_still_work(
    runtime: LocalRuntime, browser: Any, tmp_path: Path
) -> None:
    from tests.integration.scenario import consent_text_hash

    # Given Noah's family, consenting to photos and videos, and an album: a photo, then a clip
    centre = centre_with_noah_consenting(runtime)
    family = centre.families["g3"].session
    widened = _call(
        runtime,
        family,
        "POST",
        f"/api/family/children/{centre.children['noah']}/consent",
        {
            "audiences": ["families_of_group"],
            "media_kinds": ["photo", "video"],
            "text_sha256": consent_text_hash(),
        },
    )
    assert widened.status_code == 200, widened.text
    _published_photo(runtime, centre)
    _published_video(runtime, centre, tmp_path)

    def served_both() -> bool:
        read = _call(runtime, family, "GET", f"/api/family/albums/{centre.album_id}")
        return read.status_code == 200 and len(read.json()["items"]) == 2

    wait_for(served_both, timeout=60)
    context = browser.new_context(locale="fr-FR", viewport=PHONE, has_touch=True)
    try:
        sign_in(context, runtime, family)
        page = context.new_page()
        problems = watched(page)
        page.goto(f"{runtime.base_url}/gallery.html#/album/{centre.album_id}")
        buttons = page.locator("#grid button")
        buttons.nth(1).wait_for(state="visible")
        # Photo and clip were created in the same second: their order in the album is the
        # media ids' (random); open the photo, the clip is next or previous.
        labels = [buttons.nth(i).get_attribute("aria-label") or "" for i in range(2)]
        photo = 0 if labels[0].startswith("Photo") else 1
        buttons.nth(photo).tap()
        page.locator("#lightbox").wait_for(state="visible")
        # (the photo shown and laid out first: a swipe on an empty stage may be lost)
        wait_for(lambda: image_loaded(page, "#stage img"), timeout=30)
        stage = page.locator("#stage").bounding_box()
        assert stage is not None
        middle = (stage["x"] + stage["width"] / 2, stage["y"] + stage["height"] / 2)
        fingers = Fingers(context, page)
        towards_clip = -100 if photo == 0 else 100  # a swipe to the left shows the next item

        # When the parent swipes from the photo to the clip
        fingers.swipe((middle[0] - towards_clip, middle[1]), (middle[0] + towards_clip, middle[1]))
        video = page.locator("#stage video")
        video.wait_for(state="visible")
        assert "Vidéo" in page.locator("#lightbox-caption").inner_text()

        # Then the clip fits the screen and plays (its own controls, no zoom on it)
        box = video.bounding_box()
        assert box is not None
        assert box["width"] <= stage["width"] + 1
        assert box["height"] <= stage["height"] + 1
        wait_for(lambda: page.evaluate("document.querySelector('#stage video').readyState >= 1"))
        page.evaluate(
            "() => { const v = document.querySelector('#stage video'); v.muted = true; v.play(); }"
        )
        wait_for(
            lambda: page.evaluate("document.querySelector('#stage video').currentTime > 0.2"),
            timeout=20,
        )
        fingers.pinch(middle, 60, 220)
        assert page.locator("#stage").get_attribute("data-zoomed") == "false"
        # ...and a swipe back still goes to the photo
        fingers.swipe((middle[0] + towards_clip, middle[1]), (middle[0] - towards_clip, middle[1]))
        page.locator("#stage img").wait_for(state="visible")
        assert f"{photo + 1} sur 2" in page.locator("#lightbox-caption").inner_text()
        assert problems == []
    finally:
        context.close()
