"""Tagging on a phone (issue 18): the validation page at 390x844 in real Chromium, as an animator.

No page of the staff space scrolls sideways at 390 px. The animator tags the whole group in one
tap, removes the absent child, reads on each chip whether the child would be visible, blurred or
blocking the photo, draws a face box on the zoomed preview and saves everything with one button;
the processor renders the blurred variant (its box grown to cover the whole head), which shows
before any decision. Ticking "Aucun enfant identifiable" asks first, saying who will see the
photo. Two real fingers (CDP touch events) pinch the preview without leaving a box behind; one
finger draws. Leaving an item with unsaved changes asks first.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from local.runtime import LocalRuntime
from tests.e2e.browsing import screenshot, sign_in, watched
from tests.e2e.conftest import wait_for
from tests.e2e.journeys import api as _call
from tests.e2e.journeys import centre_with_noah_consenting
from tests.e2e.journeys import processed_photo as _processed_photo
from tests.integration.scenario import Scenario

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

PHONE = {"width": 390, "height": 844}
STAFF_PAGES = (
    "/review.html",
    "/staff.html",
    "/people.html",
    "/settings.html",
    "/audit.html",
    "/dashboard.html",
    "/team.html",
    "/campaign.html",
    "/coverage.html",
)


@pytest.fixture(scope="module")
def runtime_options() -> dict[str, Any]:
    return {"workers": True}


@pytest.fixture(scope="module")
def centre(runtime: LocalRuntime) -> Scenario:
    return centre_with_noah_consenting(runtime)  # loutres: Léa (no consent), Noah (group)


@pytest.fixture
def phone(browser: Any, runtime: LocalRuntime, centre: Scenario) -> Iterator[Any]:
    context = browser.new_context(
        locale="fr-FR", viewport=PHONE, is_mobile=True, has_touch=True, device_scale_factor=2
    )
    sign_in(context, runtime, centre.animator)
    yield context
    context.close()


def _item(runtime: LocalRuntime, centre: Scenario, media_id: str) -> dict[str, Any]:
    read = _call(runtime, centre.director, "GET", f"/api/gallery/media/{media_id}")
    assert read.status_code == 200, read.text
    item: dict[str, Any] = read.json()
    return item


def _loaded(page: Any, selector: str) -> bool:
    return bool(
        page.evaluate(
            "(s) => { const i = document.querySelector(s); "
            "return !!i && i.complete && i.naturalWidth > 0; }",
            selector,
        )
    )


def _open(runtime: LocalRuntime, page: Any, media_id: str) -> None:
    page.goto(f"{runtime.base_url}/review.html#/media/{media_id}")
    page.locator("#item").wait_for(state="visible")
    wait_for(lambda: _loaded(page, "#photo"), timeout=30)


def _scroll_width(page: Any) -> int:
    return int(page.evaluate("() => document.documentElement.scrollWidth"))


def test_no_staff_page_scrolls_sideways_on_a_phone(
    runtime: LocalRuntime, centre: Scenario, phone: Any
) -> None:
    # (an animator is refused some of the director's reads: no console check here)
    page = phone.new_page()
    for path in STAFF_PAGES:
        page.goto(f"{runtime.base_url}{path}")
        page.locator("#centre-name").wait_for(state="attached")
        wait_for(lambda: page.locator("#centre-name").inner_text() == "Centre", timeout=30)
        assert _scroll_width(page) <= PHONE["width"], path
        # every link of the header shown keeps a 44 px target (an animator's staff page
        # hides "Accueil", the director's home)
        heights = page.evaluate(
            "() => [...document.querySelectorAll('header nav a')]"
            ".filter((a) => a.getClientRects().length > 0)"
            ".map((a) => a.getBoundingClientRect().height)"
        )
        assert len(heights) >= 5, (path, heights)
        assert min(heights) >= 44, (path, heights)


def test_the_animator_tags_a_group_blurs_a_face_and_saves_once(
    runtime: LocalRuntime, centre: Scenario, phone: Any
) -> None:
    media_id = _processed_photo(runtime, centre)
    lea, noah = centre.children["lea"], centre.children["noah"]
    page = phone.new_page()
    problems = watched(page)
    _open(runtime, page, media_id)
    assert _scroll_width(page) <= PHONE["width"]
    # One save button for the children, the flag and the faces
    assert page.get_by_role("button", name="Enregistrer", exact=True).count() == 1
    assert page.locator("#save-tags, #save-faces").count() == 0

    # Each chip says, for the group's families, whether the child is visible or blocks
    lea_chip = page.locator(f'.chip[data-child-id="{lea}"]')
    noah_chip = page.locator(f'.chip[data-child-id="{noah}"]')
    assert "Groupe : bloqué" in lea_chip.inner_text()
    assert "Groupe : visible" in noah_chip.inner_text()
    # (its accessible name carries the state in words)
    named = page.get_by_role("button", name=re.compile(r"^Lea X\.\s*,\s*Groupe : bloqué$"))
    assert named.get_attribute("data-child-id") == lea

    # "Tout le groupe" presses every child of the album's group in one tap
    group = page.locator("#tag-group")
    assert group.inner_text() == "Tout le groupe (2)"
    group.click()
    assert "2 enfants choisis" in page.locator("#save-status").inner_text()
    assert lea_chip.get_attribute("aria-pressed") == "true"
    assert noah_chip.get_attribute("aria-pressed") == "true"
    assert page.locator(f'#chips-other .chip[data-child-id="{centre.children["zoe"]}"]').count()
    assert page.locator(".chip[aria-pressed='true']").count() == 2
    # ...then a tap removes the absent one
    noah_chip.click()
    assert noah_chip.get_attribute("aria-pressed") == "false"
    assert lea_chip.get_attribute("aria-pressed") == "true"

    # The preview fills the phone's width, and zooms
    viewport = page.locator("#viewport")
    box = viewport.bounding_box()
    assert box
    assert box["width"] >= PHONE["width"] - 1
    before = page.locator("#canvas").bounding_box()
    assert before
    page.locator("#zoom-in").click()
    assert page.locator("#zoom-level").inner_text() == "150 %"
    zoomed = page.locator("#canvas").bounding_box()
    assert zoomed
    assert zoomed["width"] == pytest.approx(1.5 * before["width"], rel=0.02)
    assert _scroll_width(page) <= PHONE["width"]  # the photo pans inside its frame, not the page

    # A box drawn on the zoomed preview, over the visible part of the photo: image coordinates
    overlay = page.locator("#overlay").bounding_box()
    assert overlay
    frame = viewport.bounding_box()
    assert frame
    x0, y0 = frame["x"] + 60, frame["y"] + 40
    x1, y1 = frame["x"] + 160, frame["y"] + 160
    page.mouse.move(x0, y0)
    page.mouse.down()
    page.mouse.move(x1, y1, steps=8)
    page.mouse.up()
    assert page.locator("#overlay .box").count() == 1
    expected = [
        (x0 - overlay["x"]) / overlay["width"],
        (y0 - overlay["y"]) / overlay["height"],
        (x1 - x0) / overlay["width"],
        (y1 - y0) / overlay["height"],
    ]
    # the dotted outline shows the area that will be blurred: the box grown to the whole head
    head = page.locator("#overlay .box .head").bounding_box()
    drawn = page.locator("#overlay .box").bounding_box()
    assert head
    assert drawn
    assert head["width"] == pytest.approx(1.7 * drawn["width"], rel=0.05)
    # ...said to hide Léa: her chip now says "flouté"
    page.select_option("#box-child-0", lea)
    wait_for(lambda: "Groupe : flouté" in lea_chip.inner_text())
    screenshot(page, "tagging-phone-390", full_page=True)

    # One save: the children, then the box; the blurred version shows before any decision
    page.locator("#save").click()
    status = page.locator("#save-status")
    wait_for(lambda: "prête" in status.inner_text(), timeout=90)
    page.locator("#blurred-figure").wait_for(state="visible")
    wait_for(lambda: _loaded(page, "#blurred-photo"), timeout=30)
    item = _item(runtime, centre, media_id)
    assert item["tagged_child_ids"] == [lea]
    assert item["blurred_child_ids"] == [lea]
    assert item["no_identifiable_child"] is False
    [saved] = item["face_boxes"]
    assert saved == pytest.approx(expected, abs=0.01)
    assert item["state"] == "ready"
    assert page.locator("#save-error").is_hidden()
    assert "dirty" not in (page.locator("#save").get_attribute("class") or "")
    assert _scroll_width(page) <= PHONE["width"]
    assert problems == []


def test_no_identifiable_child_asks_first_and_says_who_will_see_it(
    runtime: LocalRuntime, centre: Scenario, phone: Any
) -> None:
    media_id = _processed_photo(runtime, centre)
    lea = centre.children["lea"]
    page = phone.new_page()
    problems = watched(page)
    _open(runtime, page, media_id)
    page.locator(f'.chip[data-child-id="{lea}"]').click()

    # Ticking the box opens a confirmation that says who will see the photo
    page.locator("#no-child").click()
    dialog = page.locator("#no-child-dialog")
    dialog.wait_for(state="visible")
    text = dialog.inner_text()
    assert "les familles du groupe « loutres » la verront" in text
    assert "toutes les familles du centre et la communication publique" in text
    assert "de dos, des mains, un paysage" in text
    assert "Lea X. sera retiré·e" in text
    box = dialog.bounding_box()
    assert box
    assert box["x"] >= 0
    assert box["x"] + box["width"] <= PHONE["width"]
    # "Non, revenir": nothing changes
    page.locator("#no-child-cancel").click()
    dialog.wait_for(state="hidden")
    assert not page.locator("#no-child").is_checked()
    assert page.locator(f'.chip[data-child-id="{lea}"]').get_attribute("aria-pressed") == "true"

    # Confirmed: the flag is ticked, the chips released; one save writes it
    page.locator("#no-child").click()
    dialog.wait_for(state="visible")
    page.locator("#no-child-confirm").click()
    dialog.wait_for(state="hidden")
    wait_for(lambda: page.locator("#no-child").is_checked())
    assert page.locator(".chip[aria-pressed='true']").count() == 0
    page.locator("#save").click()
    wait_for(lambda: page.locator("#save-status").inner_text() == "Enregistré.", timeout=30)
    item = _item(runtime, centre, media_id)
    assert item["no_identifiable_child"] is True
    assert item["tagged_child_ids"] == []

    # The server refuses the flag together with a child, whatever the page sends
    refused = _call(
        runtime,
        centre.animator,
        "PUT",
        f"/api/admin/media/{media_id}/tags",
        {"child_ids": [lea], "no_identifiable_child": True},
    )
    assert refused.status_code == 400
    assert refused.json()["reason"] == "tags_with_no_identifiable_child"
    assert problems == []


def test_leaving_an_item_with_unsaved_changes_asks_first(
    runtime: LocalRuntime, centre: Scenario, phone: Any
) -> None:
    media_id = _processed_photo(runtime, centre)
    page = phone.new_page()
    _open(runtime, page, media_id)
    page.locator("#tag-group").click()
    asked: list[str] = []

    def refuse(dialog: Any) -> None:
        asked.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", refuse)
    page.evaluate("() => { window.location.hash = ''; }")
    # (the sync API hands the dialog over while it talks to the page)
    wait_for(lambda: page.locator("#item").count() > 0 and bool(asked))
    assert "ne sont pas enregistrés" in asked[0]
    # Refused: the item stays, with its changes
    assert page.evaluate("() => window.location.hash") == f"#/media/{media_id}"
    assert page.locator("#item").is_visible()
    assert page.locator(".chip[aria-pressed='true']").count() == 2


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


def test_two_fingers_pinch_the_preview_and_one_finger_draws_a_box(
    runtime: LocalRuntime, centre: Scenario, phone: Any
) -> None:
    media_id = _processed_photo(runtime, centre)
    page = phone.new_page()
    problems = watched(page)
    _open(runtime, page, media_id)
    page.locator("#viewport").scroll_into_view_if_needed()
    frame = page.locator("#viewport").bounding_box()
    assert frame
    fingers = Fingers(phone, page)
    cx, cy = frame["x"] + frame["width"] / 2, frame["y"] + min(frame["height"], 250) / 2

    # Two fingers spreading apart zoom in, and leave no box behind
    fingers.gesture(
        [
            [(cx - 20 - 10 * i, cy), (cx + 20 + 10 * i, cy)]  # 40 px apart, then 200 px
            for i in range(17)
        ]
    )
    wait_for(lambda: page.locator("#zoom-level").inner_text() != "100 %")
    level = int(page.locator("#zoom-level").inner_text().split()[0])
    assert level >= 300
    assert page.locator("#overlay .box").count() == 0
    assert _scroll_width(page) <= PHONE["width"]

    # One finger draws a box on the zoomed photo
    fingers.gesture([[(cx - 40 + 8 * i, cy - 40 + 8 * i)] for i in range(11)])
    wait_for(lambda: page.locator("#overlay .box").count() == 1)
    assert "dirty" in (page.locator("#save").get_attribute("class") or "")
    assert problems == []
