"""Validation at speed (issue 18, item 5) in real Chromium, on the local stack.

A director, at laptop size, approves in bulk every item that passes the gate while an
untagged one stays waiting with its reason in words; the numbers of the queue never change
after a decision; the keyboard approves and the next photo opens by itself; an error shows
beside the button that met it, in French, never as an internal code. The bulk panel is also
used at 390x844.
"""

from __future__ import annotations

import re
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

LAPTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def contexts(browser: Any) -> Iterator[list[Any]]:
    opened: list[Any] = []
    yield opened
    for context in opened:
        context.close()


def _director_page(
    browser: Any, contexts: list[Any], runtime: LocalRuntime, centre: Scenario, viewport: Any
) -> tuple[Any, list[str]]:
    context = browser.new_context(locale="fr-FR", viewport=viewport)
    contexts.append(context)
    sign_in(context, runtime, centre.director)
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda msg: problems.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.goto(f"{runtime.base_url}/review.html")
    page.locator("#queue a.queue-item").first.wait_for(state="visible", timeout=30_000)
    return page, problems


def _tag(runtime: LocalRuntime, centre: Scenario, media_id: str, body: dict[str, Any]) -> None:
    tagged = _call(runtime, centre.animator, "PUT", f"/api/admin/media/{media_id}/tags", body)
    assert tagged.status_code == 200, tagged.text


def _state(runtime: LocalRuntime, centre: Scenario, media_id: str) -> str:
    read = _call(runtime, centre.director, "GET", f"/api/gallery/media/{media_id}")
    assert read.status_code == 200, read.text
    return str(read.json()["state"])


def _titles(page: Any) -> dict[str, str]:
    """Each queue entry's title, by item."""
    titles: dict[str, str] = page.evaluate(
        "() => Object.fromEntries([...document.querySelectorAll('#queue a.queue-item')]"
        ".map((a) => [a.dataset.mediaId, a.querySelector('.queue-title').textContent]))"
    )
    return titles


def _open(page: Any) -> str:
    """The item in the page's address (the flow writes it with the History API)."""
    return str(page.evaluate("window.location.hash"))


def _focused_title(page: Any) -> None:
    """The item opened and announced: the focus on its title (tabindex -1)."""
    wait_for(lambda: page.evaluate("document.activeElement.id") == "item-title")


def _catalogue_codes() -> list[str]:
    """Every catalogue code with an underscore (the ones a page could leak), and the gate's."""
    from pellicule.domain import gate, messages

    codes = {code for code in messages.MESSAGES if "_" in code}
    codes |= {
        value
        for name, value in vars(gate).items()
        if name.isupper() and isinstance(value, str) and "_" in value
    }
    return sorted(codes)


def _no_internal_code(page: Any) -> None:
    text = page.locator("body").inner_text()
    leaked = [code for code in _catalogue_codes() if re.search(rf"\b{re.escape(code)}\b", text)]
    assert leaked == [], leaked


def test_the_director_approves_every_ready_item_at_once(
    runtime: LocalRuntime, browser: Any, contexts: list[Any]
) -> None:
    centre = _centre_with_noah_consenting(runtime)
    noah = [_processed_photo(runtime, centre) for _ in range(2)]
    nobody = _processed_photo(runtime, centre)
    untagged = _processed_photo(runtime, centre)
    for media_id in noah:
        _tag(runtime, centre, media_id, {"child_ids": [centre.children["noah"]]})
    _tag(runtime, centre, nobody, {"no_identifiable_child": True})
    ready = {*noah, nobody}

    # Given the director on the validation page (laptop)
    page, problems = _director_page(browser, contexts, runtime, centre, LAPTOP)
    before = _titles(page)
    assert set(before) == {*ready, untagged}
    assert sorted(re.sub(r" — .*", "", t) for t in before.values()) == [
        f"Photo {n} sur 4" for n in range(1, 5)
    ]
    bulk = page.locator("#bulk-open")
    assert bulk.inner_text() == "Valider tout ce qui est prêt (3)"

    # When they open the bulk approval: what is ready, what is not and why, to whom
    bulk.click()
    wait_for(lambda: page.evaluate("document.activeElement.id") == "bulk-title")
    assert bulk.get_attribute("aria-expanded") == "true"
    listed = page.evaluate(
        "(s) => [...document.querySelectorAll(s)].map((li) => li.dataset.mediaId)", "#bulk-ready li"
    )
    assert set(listed) == ready
    waiting = page.locator(f'#bulk-waiting li[data-media-id="{untagged}"]')
    assert "aucun enfant identifié" in waiting.inner_text()
    assert page.locator("#bulk-summary").inner_text() == (
        "3 photos seront publiées : 3 pour Familles du groupe."
    )
    assert page.locator("#bulk-confirm").inner_text() == "Publier ces 3 photos"
    _no_internal_code(page)

    # ...and confirm
    page.locator("#bulk-confirm").click()
    wait_for(lambda: "3 photos validées et publiées" in page.locator("#status").inner_text())
    assert {media_id: _state(runtime, centre, media_id) for media_id in (*ready, untagged)} == {
        **dict.fromkeys(ready, "published"),
        untagged: "ready",
    }
    # Then the three are marked "Validée" where they were, and no number changed
    for media_id in ready:
        entry = page.locator(f'#queue a[data-media-id="{media_id}"]')
        wait_for(lambda entry=entry: "Validée" in entry.inner_text())
    assert _titles(page) == before
    still = page.locator(f'#queue a[data-media-id="{untagged}"]')
    assert still.get_attribute("data-outcome") is None
    assert bulk.inner_text() == "Valider tout ce qui est prêt (0)"
    assert page.locator("#queue-count").inner_text() == "(1)"
    assert page.locator("#bulk-panel").is_hidden()
    assert wait_for(lambda: page.evaluate("document.activeElement.id") == "bulk-open")
    _no_internal_code(page)
    assert problems == []


def test_keyboard_approval_opens_the_next_photo_and_errors_show_beside_the_button(
    runtime: LocalRuntime, browser: Any, contexts: list[Any]
) -> None:
    centre = _centre_with_noah_consenting(runtime)
    untagged = _processed_photo(runtime, centre)
    tagged = [_processed_photo(runtime, centre) for _ in range(2)]
    for media_id in tagged:
        _tag(runtime, centre, media_id, {"child_ids": [centre.children["noah"]]})
    page, problems = _director_page(browser, contexts, runtime, centre, LAPTOP)
    before = _titles(page)
    order = list(before)  # the queue's order, numbers 1 to 3

    # The shortcuts are documented on the page
    page.locator("#shortcuts summary").click()
    shortcuts = page.locator("#shortcuts").inner_text()
    for words in ("J", "photo suivante", "K", "photo précédente", "A", "valider", "R", "refus"):
        assert words in shortcuts

    # Given the untagged photo open: A tries to approve it, and the refusal shows beside the
    # button, in French words, never as a code, and not at the top of the page
    page.locator(f'#queue a[data-media-id="{untagged}"]').click()
    _focused_title(page)
    page.keyboard.press("a")
    error = page.locator("#decision-error")
    error.wait_for(state="visible")
    assert error.inner_text().startswith("Publication impossible")
    assert "aucun enfant identifié" in error.inner_text()
    assert page.locator("#approve").get_attribute("aria-describedby") == "decision-error"
    assert error.get_attribute("role") == "alert"
    assert page.locator("#error").is_hidden()
    _no_internal_code(page)
    assert _state(runtime, centre, untagged) == "ready"

    # Typing in the refusal's reason never fires a shortcut
    page.keyboard.press("r")
    assert page.evaluate("document.activeElement.id") == "reject-reason"
    page.keyboard.type("aj")
    assert page.locator("#reject-reason").input_value() == "aj"
    assert _state(runtime, centre, untagged) == "ready"
    assert _open(page).endswith(f"/media/{untagged}")
    page.locator("#reject-reason").fill("")

    # "Photo suivante" / J / K move through the queue in its order
    page.locator("#item-title").focus()
    index = order.index(untagged)
    if index < len(order) - 1:
        page.locator("#next-item").click()
        wait_for(lambda: _open(page).endswith(f"/media/{order[index + 1]}"))
        _focused_title(page)
        page.keyboard.press("k")
        wait_for(lambda: _open(page).endswith(f"/media/{untagged}"))
    else:
        page.locator("#previous-item").click()
        wait_for(lambda: _open(page).endswith(f"/media/{order[index - 1]}"))
        _focused_title(page)
        page.keyboard.press("j")
        wait_for(lambda: _open(page).endswith(f"/media/{untagged}"))
    last = index == len(order) - 1
    wait_for(lambda: page.locator("#next-item").is_disabled() == last)
    wait_for(lambda: page.locator("#previous-item").is_disabled() == (index == 0))

    # When the first tagged photo is approved with A, the next one waiting opens by itself
    first, second = (m for m in order if m in tagged)
    page.locator(f'#queue a[data-media-id="{first}"]').click()
    _focused_title(page)
    assert page.locator("#decision-error").is_hidden()  # the other item's error is gone
    page.keyboard.press("a")
    waiting_after = [m for m in order[order.index(first) + 1 :] + order if m != first]
    expected_next = waiting_after[0]
    wait_for(lambda: _open(page).endswith(f"/media/{expected_next}"), timeout=30)
    wait_for(lambda: "ouverte" in page.locator("#status").inner_text())
    status = page.locator("#status").inner_text()
    assert status.startswith("Photo publiée pour : Familles du groupe.")
    assert before[expected_next].split(" — ")[0] in status
    _focused_title(page)
    assert _state(runtime, centre, first) == "published"
    # The approved one stays in the list, marked; no number moved
    assert "Validée" in page.locator(f'#queue a[data-media-id="{first}"]').inner_text()
    assert _titles(page) == before
    assert (
        page.locator("#item-title").inner_text().startswith(before[expected_next].split(" — ")[0])
    )

    # Rejecting the untagged one: marked "Refusée", still numbered
    page.locator(f'#queue a[data-media-id="{untagged}"]').click()
    number = before[untagged].split(" — ")[0]  # the item opened (not the one still shown)
    wait_for(lambda: page.locator("#item-title").inner_text().startswith(number))
    page.locator("#reject-reason").fill("Photo floue")
    page.locator("#reject").click()
    entry = page.locator(f'#queue a[data-media-id="{untagged}"]')
    wait_for(lambda: "Refusée" in entry.inner_text(), timeout=30)
    assert _titles(page) == before
    assert _state(runtime, centre, second) == "ready"
    # Only the refused approval (a 409 answer the browser logs) reached the console
    assert all("409" in problem for problem in problems), problems


def test_the_bulk_approval_on_a_phone(
    runtime: LocalRuntime, browser: Any, contexts: list[Any]
) -> None:
    centre = _centre_with_noah_consenting(runtime)
    ready = _processed_photo(runtime, centre)
    untagged = _processed_photo(runtime, centre)
    _tag(runtime, centre, ready, {"no_identifiable_child": True})
    page, problems = _director_page(browser, contexts, runtime, centre, PHONE)
    page.locator("#bulk-open").click()
    page.locator("#bulk-panel").wait_for(state="visible")
    for selector in ("#bulk-open", "#bulk-panel", "#bulk-confirm", "#bulk-cancel"):
        box = page.locator(selector).bounding_box()
        assert box is not None
        assert box["x"] >= 0
        assert box["x"] + box["width"] <= PHONE["width"], selector
        assert box["height"] >= 44 or selector == "#bulk-panel", selector
    assert page.locator("#bulk-summary").inner_text() == (
        "1 photo sera publiée : 1 pour Familles du groupe."
    )
    assert page.locator(f'#bulk-waiting li[data-media-id="{untagged}"]').is_visible()
    page.locator("#bulk-confirm").click()
    wait_for(lambda: "1 photo validée et publiée" in page.locator("#status").inner_text())
    assert _state(runtime, centre, ready) == "published"
    # English on request: the button and the list follow
    page.locator("#lang-switch").click()
    assert page.locator("#bulk-open").inner_text() == "Approve everything ready (0)"
    assert "Approved" in page.locator(f'#queue a[data-media-id="{ready}"]').inner_text()
    assert problems == []
