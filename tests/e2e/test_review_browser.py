"""The staff validation page (/review.html) in real Chromium, on the local stack (issue 6).

The animator tags Noah and Léa with the roster chips on an uploaded photo, draws a box over
Léa's face (she has no consent) and saves; the blurred variant is rendered by the real
processor. The director, in another browser, reads in the gate preview that the families of
the group would see the blurred version, approves, and the item leaves the queue published.
Also: tagging and face boxes with the keyboard only, and what an animator may not do.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from local.runtime import LocalRuntime
from tests.e2e.browsing import sign_in
from tests.e2e.conftest import wait_for
from tests.e2e.journeys import api as _call
from tests.e2e.journeys import centre_with_noah_consenting as _centre_with_noah_consenting
from tests.e2e.journeys import processed_photo as _processed_photo
from tests.integration.scenario import Scenario

pytestmark = [pytest.mark.e2e, pytest.mark.browser]


@pytest.fixture(scope="module")
def runtime_options() -> dict[str, Any]:
    return {"workers": True}


@pytest.fixture
def contexts(browser: Any) -> Iterator[list[Any]]:
    opened: list[Any] = []
    yield opened
    for context in opened:
        context.close()


def _signed_in(browser: Any, contexts: list[Any], runtime: LocalRuntime, session: str) -> Any:
    """A desktop browser context holding a staff session cookie."""
    context = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 900})
    contexts.append(context)
    return sign_in(context, runtime, session)


def _page(context: Any) -> tuple[Any, list[str]]:
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda msg: problems.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    return page, problems


def _item(runtime: LocalRuntime, centre: Scenario, media_id: str) -> dict[str, Any]:
    read = _call(runtime, centre.director, "GET", f"/api/gallery/media/{media_id}")
    assert read.status_code == 200, read.text
    item: dict[str, Any] = read.json()
    return item


def _image_loaded(page: Any, selector: str) -> bool:
    return bool(
        page.evaluate(
            "(s) => { const i = document.querySelector(s); "
            "return !!i && i.complete && i.naturalWidth > 0; }",
            selector,
        )
    )


def _open_item(runtime: LocalRuntime, page: Any, media_id: str) -> None:
    page.goto(f"{runtime.base_url}/review.html")
    entry = page.locator(f'#queue a[data-media-id="{media_id}"]')
    entry.wait_for(state="visible")
    entry.click()
    page.locator("#item").wait_for(state="visible")
    wait_for(lambda: _image_loaded(page, "#photo"), timeout=30)


def test_the_animator_tags_and_blurs_then_the_director_approves(
    runtime: LocalRuntime, browser: Any, contexts: list[Any]
) -> None:
    centre = _centre_with_noah_consenting(runtime)
    media_id = _processed_photo(runtime, centre)
    lea, noah = centre.children["lea"], centre.children["noah"]

    # Given the animator on the validation page
    page, problems = _page(_signed_in(browser, contexts, runtime, centre.animator))
    _open_item(runtime, page, media_id)
    assert page.locator("#centre-name").inner_text() == "Centre"
    assert page.locator('nav a[aria-current="page"]').get_attribute("href") == "/review.html"
    # The queue says, in plain words, that nothing is tagged yet
    entry = page.locator(f'#queue a[data-media-id="{media_id}"]')
    assert "Aucun enfant identifié" in entry.inner_text()
    assert "bloquée" in entry.inner_text()
    # An animator has no decision to take here
    assert page.locator("#decision").is_hidden()
    assert page.locator("#approve").is_hidden()
    assert "la direction valide" in page.locator("#role-note").inner_text()

    # When they tag Noah and Léa with the chips (Léa's says she would block the photo)
    lea_chip = page.locator(f'.chip[data-child-id="{lea}"]')
    noah_chip = page.locator(f'.chip[data-child-id="{noah}"]')
    assert "Groupe : bloqué" in lea_chip.inner_text()
    assert "Groupe : visible" in noah_chip.inner_text()
    assert page.locator(f'#chips-other .chip[data-child-id="{centre.children["zoe"]}"]').count()
    noah_chip.click()
    lea_chip.click()
    assert noah_chip.get_attribute("aria-pressed") == "true"
    assert lea_chip.get_attribute("aria-pressed") == "true"

    # ...draw a box over a face with the mouse (from 40 %, 30 % to 60 %, 60 % of the photo)
    page.locator("#overlay").scroll_into_view_if_needed()
    area = page.locator("#overlay").bounding_box()
    assert area
    assert area["width"] > 100
    page.mouse.move(area["x"] + 0.4 * area["width"], area["y"] + 0.3 * area["height"])
    page.mouse.down()
    page.mouse.move(area["x"] + 0.6 * area["width"], area["y"] + 0.6 * area["height"], steps=8)
    page.mouse.up()
    assert page.locator("#overlay .box").count() == 1
    # ...say that it hides Léa, and save the children and the box with the one button
    page.select_option("#box-child-0", lea)
    page.locator("#save").click()

    # Then the blurred version is rendered by the processor and shown
    page.locator("#blurred-figure").wait_for(state="visible", timeout=60_000)
    wait_for(lambda: _image_loaded(page, "#blurred-photo"), timeout=30)
    wait_for(lambda: "prête" in page.locator("#save-status").inner_text(), timeout=30)
    item = _item(runtime, centre, media_id)
    assert item["tagged_child_ids"] == sorted([lea, noah])
    assert item["blurred_child_ids"] == [lea]
    [box] = item["face_boxes"]
    assert box == pytest.approx([0.4, 0.3, 0.2, 0.3], abs=0.02)
    assert item["blurred"]
    assert item["state"] == "ready"
    # ...and the gate preview now says the group's families would see it blurred
    group_line = page.locator('#gate li[data-audience="families_of_group"]')
    wait_for(lambda: "floutée" in group_line.inner_text(), timeout=30)
    assert problems == []

    # When the director opens the same item in another browser
    director, director_problems = _page(_signed_in(browser, contexts, runtime, centre.director))
    _open_item(runtime, director, media_id)
    group_line = director.locator('#gate li[data-audience="families_of_group"]')
    text = group_line.inner_text()
    assert "floutée" in text
    assert "visage de Lea X. flouté (pas de consentement)" in text
    assert "par défaut" in text
    centre_line = director.locator('#gate li[data-audience="all_families_of_centre"]')
    assert "bloquée" in centre_line.inner_text()
    assert "n'ont pas de consentement pour ce public" in centre_line.inner_text()
    assert "le visage de Noah X. n'est pas flouté" in centre_line.inner_text()
    assert director.locator("#audience-families_of_group").is_checked()
    # ...and approves
    director.locator("#approve").click()

    # Then the item is published for the group's families; it stays in the list, marked
    # (numbers never shift, issue 18), and nothing is left to review
    status = director.locator("#status")
    wait_for(lambda: "publiée" in status.inner_text(), timeout=30)
    assert "Familles du groupe" in status.inner_text()
    assert "Il n'y a plus de photo à valider" in status.inner_text()
    entry = director.locator(f'#queue a[data-media-id="{media_id}"]')
    wait_for(lambda: entry.get_attribute("data-outcome") == "approved")
    assert "Validée" in entry.inner_text()
    assert director.locator("#queue-empty").is_visible()
    assert director.locator("#item-state").inner_text() == "Publiée"
    assert director.locator("#unpublish").is_visible()
    published = _item(runtime, centre, media_id)
    assert published["state"] == "published"
    assert published["published_audiences"] == ["families_of_group"]

    # The director can take it down at once, and publish it again
    director.locator("#unpublish").click()
    wait_for(lambda: "ne la voient plus" in status.inner_text(), timeout=30)
    assert _item(runtime, centre, media_id)["state"] == "hidden"
    assert director.locator("#unpublish").is_hidden()
    director.locator("#publish").click()
    wait_for(lambda: _item(runtime, centre, media_id)["state"] == "published", timeout=30)
    wait_for(lambda: director.locator("#unpublish").is_visible())
    assert director_problems == []

    # The animator's queue is empty too once reloaded
    page.reload()
    page.locator("#queue-empty").wait_for(state="visible")
    assert problems == []


def test_tagging_and_a_face_box_with_the_keyboard_only(
    runtime: LocalRuntime, browser: Any, contexts: list[Any]
) -> None:
    centre = _centre_with_noah_consenting(runtime)
    media_id = _processed_photo(runtime, centre)
    lea, noah = centre.children["lea"], centre.children["noah"]
    page, problems = _page(_signed_in(browser, contexts, runtime, centre.animator))
    page.goto(f"{runtime.base_url}/review.html")
    entry = page.locator(f'#queue a[data-media-id="{media_id}"]')
    entry.wait_for(state="visible")

    # Opening an item from the queue with Enter moves the focus to it
    entry.focus()
    page.keyboard.press("Enter")
    page.locator("#item").wait_for(state="visible")
    wait_for(lambda: page.evaluate("document.activeElement.id") == "item-title")

    # Tab reaches, past the photo's zoom and "Tout le groupe", the chips of the album's group
    # (Léa, then Noah); Space presses them
    for _ in range(8):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.dataset.childId"):
            break
    assert page.evaluate("document.activeElement.dataset.childId") == lea
    page.keyboard.press("Space")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.dataset.childId") == noah
    page.keyboard.press("Space")
    for chip in (lea, noah):
        pressed = page.locator(f'.chip[data-child-id="{chip}"]').get_attribute("aria-pressed")
        assert pressed == "true"
    # Space again releases a chip, and presses it back
    page.keyboard.press("Space")
    assert page.locator(f'.chip[data-child-id="{noah}"]').get_attribute("aria-pressed") == "false"
    page.keyboard.press("Space")

    # Tab on to the save button (past the other groups, the "no identifiable child" box and
    # "Ajouter un cadre")
    for _ in range(6):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "save":
            break
    assert page.evaluate("document.activeElement.id") == "save"
    page.keyboard.press("Enter")
    wait_for(lambda: page.locator("#save-status").inner_text() == "Enregistré.")
    assert _item(runtime, centre, media_id)["tagged_child_ids"] == sorted([lea, noah])
    assert "Lea X." in page.locator(f'#queue a[data-media-id="{media_id}"]').inner_text()

    # A box from the keyboard: added centred, moved with the arrows, resized with Shift
    page.locator("#add-box").focus()
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.classList.contains('box')")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("Shift+ArrowDown")
    label = page.evaluate("document.activeElement.getAttribute('aria-label')")
    assert "44 % du bord gauche" in label
    assert "32 % de haut" in label
    assert "44 % du bord gauche" in page.locator("#box-live").inner_text()
    page.locator("#box-child-0").focus()
    page.keyboard.press("ArrowDown")  # first child offered: Léa
    assert page.locator("#box-child-0").input_value() == lea
    page.locator("#save").focus()
    page.keyboard.press("Enter")
    page.locator("#blurred-figure").wait_for(state="visible", timeout=60_000)
    item = _item(runtime, centre, media_id)
    assert item["face_boxes"] == [pytest.approx([0.44, 0.35, 0.2, 0.32], abs=1e-4)]
    assert item["blurred_child_ids"] == [lea]

    # Delete removes the focused box
    page.locator("#overlay .box").focus()
    page.keyboard.press("Delete")
    assert page.locator("#overlay .box").count() == 0
    assert "retiré" in page.locator("#box-live").inner_text()

    # English on request (the dynamic text follows)
    page.locator("#lang-switch").click()
    assert page.locator("#save").inner_text().startswith("Save")
    assert "Families of the group" in page.locator("#gate").inner_text()
    assert page.evaluate("document.documentElement.lang") == "en"
    assert problems == []


def test_the_animator_cannot_decide_and_the_director_can_reject(
    runtime: LocalRuntime, browser: Any, contexts: list[Any]
) -> None:
    centre = _centre_with_noah_consenting(runtime)
    media_id = _processed_photo(runtime, centre)

    # The animator sees no decision; the API refuses one anyway, with its bilingual message
    page, problems = _page(_signed_in(browser, contexts, runtime, centre.animator))
    _open_item(runtime, page, media_id)
    assert page.locator("#approve").is_hidden()
    assert page.locator("#reject").is_hidden()
    refused = page.request.post(
        f"{runtime.base_url}/api/admin/media/{media_id}/review",
        data={"decision": "approve"},
        headers={"x-pellicule-csrf": "1"},
    )
    assert refused.status == 403
    assert problems == []

    # The director: approving an untagged item shows the API's refusal as it is, beside the
    # button (issue 18)
    director, director_problems = _page(_signed_in(browser, contexts, runtime, centre.director))
    _open_item(runtime, director, media_id)
    role_note = director.locator("#role-note").inner_text()
    assert "Vous identifiez, floutez, validez et publiez" in role_note
    group_line = director.locator('#gate li[data-audience="families_of_group"]').inner_text()
    assert "bloquée" in group_line
    assert "aucun enfant identifié" in group_line
    director.locator("#approve").click()
    error = director.locator("#decision-error")
    error.wait_for(state="visible")
    assert director.locator("#error").is_hidden()
    assert "Publication impossible" in error.inner_text()
    assert "Cannot publish" not in error.inner_text()  # the page's language only
    assert _item(runtime, centre, media_id)["state"] == "ready"

    # ...and rejecting needs a reason, then marks the item "Refusée" in the queue
    director.fill("#reject-reason", "Photo floue")
    director.locator("#reject").click()
    wait_for(lambda: "refusée" in director.locator("#status").inner_text())
    assert director.locator("#error").is_hidden()
    assert director.locator("#reject-error").is_hidden()
    rejected = _item(runtime, centre, media_id)
    assert (rejected["state"], rejected["rejection_reason"]) == ("rejected", "Photo floue")
    entry = director.locator(f'#queue a[data-media-id="{media_id}"]')
    assert entry.get_attribute("data-outcome") == "rejected"
    assert "Refusée" in entry.inner_text()
    assert "Photo floue" in director.locator("#item-state").inner_text()
    assert director.locator("#decision").is_hidden()
    # Only the refused approval (a 409 answer the browser logs) reached the console
    assert all("409" in problem for problem in director_problems), director_problems

    # Signing out ends the session
    page.locator("#sign-out").click()
    page.wait_for_url(f"{runtime.base_url}/login.html")
    assert page.request.get(f"{runtime.base_url}/api/admin/queue").status == 401


def test_the_director_finds_a_hidden_item_and_publishes_it_again(
    runtime: LocalRuntime, browser: Any, contexts: list[Any]
) -> None:
    """Issue 13, item 7: a hidden item is listed on the review page with why it is hidden,
    opens, and the director publishes it again; the family sees it again."""
    from tests.e2e.journeys import published_photo
    from tests.integration.scenario import consent_text_hash

    centre = _centre_with_noah_consenting(runtime)
    gate_hidden = published_photo(runtime, centre)
    taken_down = published_photo(runtime, centre)
    family = centre.families["g3"].session

    def album_items() -> set[str]:
        read = _call(runtime, family, "GET", f"/api/family/albums/{centre.album_id}")
        return {i["media_id"] for i in read.json()["items"]} if read.status_code == 200 else set()

    wait_for(lambda: album_items() == {gate_hidden, taken_down}, timeout=60)
    # Given one item taken down by the director, and (Noah's consent then withdrawn) the other
    # hidden by the gate
    down = _call(runtime, centre.director, "POST", f"/api/admin/media/{taken_down}/unpublish")
    assert down.status_code == 200, down.text
    gone = _call(
        runtime, family, "POST", f"/api/family/children/{centre.children['noah']}/consent/withdraw"
    )
    assert gone.status_code == 200, gone.text
    wait_for(lambda: _item(runtime, centre, gate_hidden)["state"] == "hidden", timeout=60)

    # When the director opens the review page on a phone
    context = browser.new_context(locale="fr-FR", viewport={"width": 390, "height": 844})
    contexts.append(context)
    sign_in(context, runtime, centre.director)
    page, problems = _page(context)
    page.goto(f"{runtime.base_url}/review.html")
    # Then both are listed under "Masquées aux familles", each with why
    hidden_list = page.locator("#hidden-queue")
    hidden_list.locator(f'a[data-media-id="{taken_down}"]').wait_for(state="visible")
    assert page.locator("#hidden-title").is_visible()
    assert "Masquées aux familles" in page.locator("#hidden-title").inner_text()
    gate_entry = hidden_list.locator(f'a[data-media-id="{gate_hidden}"]')
    assert "un consentement ne le permet plus" in gate_entry.inner_text()
    down_entry = hidden_list.locator(f'a[data-media-id="{taken_down}"]')
    assert "Retirée par la direction" in down_entry.inner_text()

    # When Noah's guardian gives consent again: the item the gate hid comes back by itself,
    # the one the director took down does not
    again = _call(
        runtime,
        family,
        "POST",
        f"/api/family/children/{centre.children['noah']}/consent",
        {
            "audiences": ["families_of_group"],
            "media_kinds": ["photo"],
            "text_sha256": consent_text_hash(),
        },
    )
    assert again.status_code == 200, again.text
    wait_for(lambda: album_items() == {gate_hidden}, timeout=60)
    assert _item(runtime, centre, taken_down)["state"] == "hidden"
    page.reload()
    down_entry.wait_for(state="visible")
    assert gate_entry.count() == 0

    # When the director opens the one they took down and publishes it again
    down_entry.click()
    page.locator("#item").wait_for(state="visible")
    assert "Retirée par la direction" in page.locator("#item-state").inner_text()
    publish = page.locator("#publish")
    assert publish.is_visible()
    publish.click()
    wait_for(lambda: "publiée pour" in page.locator("#status").inner_text(), timeout=30)
    # Then it leaves the hidden list and the family sees it again
    wait_for(lambda: down_entry.count() == 0)
    assert page.locator("#hidden-title").is_hidden()
    assert "Publiée" in page.locator("#item-state").inner_text()
    wait_for(lambda: album_items() == {gate_hidden, taken_down}, timeout=60)
    assert problems == []
