"""What is new, what is mine, and captions, in real Chromium at 390x844 (issue 17, items 2, 3).

A parent on a phone sees "2 nouveaux" and "2 avec votre enfant" on the album card, the album's
caption under its title, "Nouveau" on the new thumbnails, the filter "Tout / Mon enfant", and an
item's caption in its label and in the viewer; a caption written as HTML stays text. A director
writes captions on the album page and on the review page, and a child's full name asks for a
confirmation beside the field.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest

from local.runtime import LocalRuntime
from pellicule.config import clock
from tests.e2e.browsing import screenshot, sign_in, watched
from tests.e2e.conftest import wait_for
from tests.e2e.journeys import api as _call
from tests.e2e.journeys import centre_with_noah_consenting, processed_photo
from tests.e2e.journeys import published_photo as _published_photo
from tests.integration.scenario import Scenario

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

PHONE = {"width": 390, "height": 844}
XSS = "<img src=x onerror=\"document.title='pwned'\">"
# Where to save this journey's full-page screenshots when asked (PELLICULE_NEWS_SHOTS=/tmp/...).
SHOTS = os.environ.get("PELLICULE_NEWS_SHOTS")


@pytest.fixture(scope="module")
def runtime_options() -> dict[str, Any]:
    return {"workers": True}


@pytest.fixture
def contexts(browser: Any) -> Iterator[list[Any]]:
    opened: list[Any] = []
    yield opened
    for context in opened:
        context.close()


def _phone(browser: Any, contexts: list[Any], runtime: LocalRuntime, session: str) -> Any:
    context = browser.new_context(locale="fr-FR", viewport=PHONE, has_touch=True)
    contexts.append(context)
    return sign_in(context, runtime, session)


def _shot(page: Any, name: str) -> None:
    screenshot(page, name)
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/{name}.png", full_page=True)


def _age(media_id: str, tenant_id: str, seconds: int) -> None:
    """Publish an item ``seconds`` earlier than it was (a photo the family saw before)."""
    from pellicule.store import keys
    from pellicule.store.models import Media

    item = Media.get(keys.tenant_pk(tenant_id), keys.media_sk(media_id), consistent_read=True)
    item.update(actions=[Media.published_at.set(int(item.published_at) - seconds)])


def _last_visit_ago(centre: Scenario, who: str, seconds: int) -> None:
    """The family's previous gallery visit ended ``seconds`` ago."""
    from pellicule.store import keys
    from pellicule.store.models import Guardian

    guardian = Guardian(
        keys.tenant_pk(centre.tenant_id), keys.guardian_sk(centre.families[who].guardian_id)
    )
    guardian.update(
        actions=[
            Guardian.gallery_seen_at.set(int(clock.now()) - seconds),
            Guardian.gallery_new_since.remove(),
        ]
    )


def _put(runtime: LocalRuntime, session: str, path: str, body: dict[str, Any]) -> Any:
    answer = _call(runtime, session, "PUT", path, body)
    assert answer.status_code == 200, answer.text
    return answer.json()


def _noah_family_with_news(runtime: LocalRuntime) -> tuple[Scenario, dict[str, str]]:
    """Noah's family (g3): one photo of Noah seen at their last visit, then a new photo of
    Noah (captioned) and a new one with no identifiable child; the album captioned."""
    centre = centre_with_noah_consenting(runtime)
    seen = _published_photo(runtime, centre)
    new_noah = _published_photo(runtime, centre)
    group = processed_photo(runtime, centre)
    tagged = _call(
        runtime,
        centre.animator,
        "PUT",
        f"/api/admin/media/{group}/tags",
        {"no_identifiable_child": True},
    )
    assert tagged.status_code == 200, tagged.text
    approved = _call(
        runtime,
        centre.director,
        "POST",
        f"/api/admin/media/{group}/review",
        {"decision": "approve"},
    )
    assert approved.status_code == 200, approved.text
    _put(
        runtime,
        centre.director,
        f"/api/admin/albums/{centre.album_id}/caption",
        {"caption": "Pique-nique au parc 🌳"},
    )
    _put(
        runtime,
        centre.director,
        f"/api/admin/media/{new_noah}/caption",
        {"caption": f"Le toboggan {XSS}"},
    )

    def served() -> bool:
        read = _call(runtime, centre.families["g3"].session, "GET", "/api/family/albums")
        albums = read.json().get("albums", []) if read.status_code == 200 else []
        return bool(albums) and albums[0]["items"] == 3

    wait_for(served, timeout=60)
    _age(seen, centre.tenant_id, 3 * 3600)  # published before the last visit
    _last_visit_ago(centre, "g3", 2 * 3600)  # which ended two hours ago
    return centre, {"seen": seen, "new_noah": new_noah, "group": group}


def test_a_parent_sees_new_marks_the_filter_and_captions_on_a_phone(
    runtime: LocalRuntime, browser: Any, contexts: list[Any]
) -> None:
    centre, items = _noah_family_with_news(runtime)
    page = _phone(browser, contexts, runtime, centre.families["g3"].session).new_page()
    problems = watched(page)

    # When the parent opens their gallery
    page.goto(f"{runtime.base_url}/gallery.html")
    card = page.locator(f'a[href="#/album/{centre.album_id}"]')
    card.wait_for(state="visible")
    # Then the album says what is new and how many show their child, under its caption
    text = card.inner_text()
    assert "Pique-nique au parc 🌳" in text
    assert "2 nouveaux" in text
    assert "2 avec votre enfant" in text
    assert "3 éléments" in text
    _shot(page, "family-news-albums")

    # When they open the album (the same visit: the marks are still there)
    card.click()
    grid = page.locator("#grid button")
    grid.first.wait_for(state="visible")
    assert page.locator("#album-caption").inner_text() == "Pique-nique au parc 🌳"
    assert "2 nouveaux" in page.locator("#album-date").inner_text()
    labels = {
        grid.nth(i).get_attribute("data-media-id"): grid.nth(i).get_attribute("aria-label") or ""
        for i in range(grid.count())
    }
    assert set(labels) == set(items.values())
    assert labels[items["new_noah"]].endswith(", nouveau")
    assert "nouveau" not in labels[items["seen"]]
    # ...the item's caption is in its label, as text: the HTML in it did nothing
    assert f"Le toboggan {XSS}" in labels[items["new_noah"]]
    new_badges = page.locator("#grid .badge-new")
    assert new_badges.count() == 2
    assert new_badges.first.inner_text() == "Nouveau"
    assert page.evaluate("document.querySelectorAll('img[src=\"x\"]').length") == 0
    assert "pwned" not in page.title()
    # ...the filter says "Mon enfant" (one child) beside "Tout"
    everything = page.locator("#filter-all")
    mine = page.locator("#filter-mine")
    assert everything.inner_text() == "Tout (3)"
    assert mine.inner_text() == "Mon enfant (2)"
    assert everything.get_attribute("aria-pressed") == "true"
    box = mine.bounding_box()
    assert box is not None
    assert box["height"] >= 44
    assert box["x"] + box["width"] <= PHONE["width"]
    _shot(page, "8-parent-album-new-and-mine")

    # When they keep only their child's photos
    mine.click()
    wait_for(lambda: mine.get_attribute("aria-pressed") == "true")
    wait_for(lambda: grid.count() == 2)
    shown = {grid.nth(i).get_attribute("data-media-id") for i in range(grid.count())}
    assert shown == {items["seen"], items["new_noah"]}
    _shot(page, "family-news-mine")

    # And the viewer shows the item's caption, as text
    page.locator(f'#grid button[data-media-id="{items["new_noah"]}"]').click()
    caption = page.locator("#lightbox-caption")
    caption.wait_for(state="visible")
    assert f"Le toboggan {XSS}" in caption.inner_text()
    assert page.evaluate("document.querySelectorAll('img[src=\"x\"]').length") == 0
    page.keyboard.press("Escape")

    # The English switch follows
    page.locator("#lang-switch").click()
    wait_for(lambda: page.locator("#filter-mine").inner_text() == "My child (2)")
    assert page.locator("#filter-mine").get_attribute("aria-pressed") == "true"
    assert "2 new" in page.locator("#album-date").inner_text()
    assert problems == []


def test_a_family_of_two_children_reads_mes_enfants(
    runtime: LocalRuntime, browser: Any, contexts: list[Any]
) -> None:
    centre, _ = _noah_family_with_news(runtime)
    # Given Noah's guardian is Léa's guardian too
    linked = _call(
        runtime,
        centre.director,
        "PATCH",
        f"/api/admin/guardians/{centre.families['g3'].guardian_id}",
        {"child_ids": [centre.children["noah"], centre.children["lea"]]},
    )
    assert linked.status_code == 200, linked.text
    page = _phone(browser, contexts, runtime, centre.families["g3"].session).new_page()
    page.goto(f"{runtime.base_url}/gallery.html")
    card = page.locator(f'a[href="#/album/{centre.album_id}"]')
    card.wait_for(state="visible")
    # Then the words are plural
    assert "2 avec vos enfants" in card.inner_text()
    card.click()
    page.locator("#grid button").first.wait_for(state="visible")
    assert page.locator("#filter-mine").inner_text() == "Mes enfants (2)"


def test_a_director_captions_and_confirms_a_full_name(
    runtime: LocalRuntime, browser: Any, contexts: list[Any]
) -> None:
    centre = centre_with_noah_consenting(runtime)  # Noah X. is on the roster
    media_id = processed_photo(runtime, centre)
    page = _phone(browser, contexts, runtime, centre.director).new_page()
    problems = watched(page)

    # On the album page: a caption with Noah's full name gets a warning beside the field
    page.goto(f"{runtime.base_url}/staff.html#/album/{centre.album_id}")
    field = page.locator("#caption-input")
    field.wait_for(state="visible")
    field.fill("Noah Xavier au toboggan")
    page.locator("#caption-form button[type=submit]").click()
    warning = page.locator("#caption-warning")
    warning.wait_for(state="visible")
    assert "nom complet" in warning.inner_text()
    assert field.get_attribute("aria-invalid") == "true"
    confirm = page.locator("#caption-confirm")
    assert confirm.is_visible()
    _shot(page, "staff-caption-warning")
    # ...nothing was saved yet
    albums = _call(runtime, centre.director, "GET", "/api/admin/albums").json()["albums"]
    assert [a["caption"] for a in albums if a["album_id"] == centre.album_id] == [None]
    # When the director confirms, it is saved
    confirm.click()
    wait_for(lambda: page.locator("#caption-status").inner_text() == "Légende enregistrée.")
    assert warning.is_hidden()
    albums = _call(runtime, centre.director, "GET", "/api/admin/albums").json()["albums"]
    assert [a["caption"] for a in albums if a["album_id"] == centre.album_id] == [
        "Noah Xavier au toboggan"
    ]

    # On the review page: the item's caption, and a too long one says why
    page.goto(f"{runtime.base_url}/review.html#/media/{media_id}")
    field = page.locator("#caption-input")
    field.wait_for(state="visible")
    wait_for(lambda: field.is_enabled())
    field.fill("x" * 201)
    page.locator("#caption-form button[type=submit]").click()
    error = page.locator("#caption-error")
    error.wait_for(state="visible")
    assert "200" in error.inner_text()
    field.fill("Le grand toboggan")
    page.locator("#caption-form button[type=submit]").click()
    wait_for(lambda: page.locator("#caption-status").inner_text() == "Légende enregistrée.")
    assert error.is_hidden()
    read = _call(runtime, centre.director, "GET", f"/api/admin/media/{media_id}/caption").json()
    assert read["caption"] == "Le grand toboggan"
    # ...and a full name there asks too
    field.fill("noah x. rit")
    page.locator("#caption-form button[type=submit]").click()
    page.locator("#caption-warning").wait_for(state="visible")
    _shot(page, "review-caption-warning")
    # Typing again withdraws the warning
    field.fill("Noah rit")
    assert page.locator("#caption-warning").is_hidden()
    # (the API's 409 and 400 answers are logged by the browser; nothing else is)
    expected = ("status of 409 (Conflict)", "status of 400 (Bad Request)")
    assert [p for p in problems if not p.endswith(expected)] == []
