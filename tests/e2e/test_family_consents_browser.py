"""A guardian's consents page in real Chromium, on the local stack (issue 6, parent part).

A parent gives consent for their child (families of the group, photos), sees it active, sees
a published photo of the child in their gallery, withdraws with the keyboard alone, and the
gallery no longer shows the photo on the next request. With two guardians, a widening waits
for the other one, who can accept the proposal from the same page. No CSP violation anywhere.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from local.runtime import LocalRuntime
from pellicule.domain import consent_text, messages
from tests.e2e.browsing import sign_in as signed_in
from tests.e2e.browsing import watched
from tests.e2e.conftest import wait_for
from tests.e2e.journeys import api as _call
from tests.e2e.journeys import published_photo as _published_photo
from tests.integration.scenario import build

pytestmark = [pytest.mark.e2e, pytest.mark.browser]


@pytest.fixture(scope="module")
def runtime_options() -> dict[str, Any]:
    return {"workers": True}  # publication reaches families through the stream poller


@pytest.fixture
def context(browser: Any) -> Iterator[Any]:
    context = browser.new_context(locale="fr-FR")
    yield context
    context.close()


def open_consents(page: Any, runtime: LocalRuntime) -> None:
    page.goto(f"{runtime.base_url}/consents.html")
    wait_for(lambda: page.evaluate("document.body.dataset.ready === 'true'"), timeout=30)


def card(page: Any, child_id: str) -> Any:
    return page.locator(f'section.child[data-child-id="{child_id}"]')


def card_status(page: Any, child_id: str, expected: str) -> str:
    """Wait until the child's live status line says ``expected``; return it."""
    status = card(page, child_id).locator('[data-part="status"]')
    try:
        return str(wait_for(lambda: expected in (text := status.inner_text()) and text, timeout=30))
    except AssertionError:
        raise AssertionError(f"status {status.inner_text()!r}, expected {expected!r}") from None


def confirm_question(page: Any, child_id: str) -> str:
    """The withdrawal confirmation of the child's card, once shown (with the focus on it)."""
    panel = card(page, child_id).locator('[data-part="withdraw-confirm"]')
    panel.wait_for(state="visible")
    assert page.evaluate("document.activeElement.dataset.part") == "withdraw-question"
    return str(panel.locator('[data-part="withdraw-question"]').inner_text())


def _labels(form: Any) -> list[str]:
    """The texts of the audience and media-kind boxes' labels, in the page's order."""
    return [
        str(form.locator(f'label[for="{box.get_attribute("id")}"]').text_content())
        for box in form.locator('input[name="audiences"], input[name="media_kinds"]').all()
    ]


def _product_labels(language: int) -> list[str]:
    """consent_text's labels (0: French, 1: English), audiences then media kinds."""
    labels = [*consent_text.AUDIENCE_LABELS.values(), *consent_text.KIND_LABELS.values()]
    return [label[language] for label in labels]


def test_a_parent_gives_then_withdraws_with_the_keyboard_and_the_gallery_follows(
    runtime: LocalRuntime, context: Any
) -> None:
    centre = build()
    noah = centre.children["noah"]
    parent = centre.families["g3"]  # Noah's only guardian
    signed_in(context, runtime, parent.session)
    page = context.new_page()
    problems = watched(page)

    # Given a parent on their consents page, with no consent yet
    open_consents(page, runtime)
    noah_card = card(page, noah)
    assert noah_card.locator("h3").inner_text() == "Noah X."
    assert "Pas encore de consentement" in noah_card.locator('[data-part="summary"]').inner_text()
    # ...who may also say no outright (an answer the centre keeps), beside the form
    assert noah_card.locator('[data-part="withdraw"]').inner_text() == "Je refuse : aucune photo"
    form = noah_card.locator("form")
    assert form.is_visible()
    # ...the boxes are real labelled controls in fieldsets, none ticked in advance, named in
    # the consent text's own words (the text whose hash is kept as evidence)
    assert _labels(form) == _product_labels(0)
    group_box = form.get_by_label("Les familles du groupe de mon enfant")
    photo_box = form.get_by_label("Photos")
    assert not group_box.is_checked()
    assert not photo_box.is_checked()
    assert form.locator("fieldset legend").count() == 2
    assert "J'autorise le centre" in form.locator("blockquote").inner_text()

    # When they submit without accepting the text, nothing is saved and they are told why
    group_box.check()
    photo_box.check()
    form.locator('[data-part="submit"]').click()
    assert "cochez la case d'accord" in card_status(page, noah, "Pour enregistrer")
    assert page.evaluate("document.activeElement.name") == "accept"
    assert (
        _call(runtime, parent.session, "GET", "/api/family/me").json()["children"][0]["consent"][
            "status"
        ]
        == "none"
    )

    # When they accept the text and give their consent (families of the group, photos)
    form.get_by_label("J'ai lu ce texte").check()
    form.locator('[data-part="submit"]').click()

    # Then the page shows it active, the form folds away, the history records it
    card_status(page, noah, "votre accord pour Noah X. est actif")
    summary = noah_card.locator('[data-part="summary"]').inner_text()
    assert "Consentement actif" in summary
    terms = noah_card.locator('[data-part="terms"]').inner_text()
    assert "les familles du groupe de mon enfant" in terms
    assert "photos" in terms
    assert "vidéos" not in terms
    assert "inclus" in terms  # until the end of the season by default
    assert form.is_hidden()
    assert noah_card.locator('[data-part="withdraw"]').is_visible()
    history = noah_card.locator('[data-part="history"] li')
    assert history.count() == 1
    assert "Accord donné par vous" in history.first.text_content()
    stored = _call(runtime, parent.session, "GET", f"/api/family/children/{noah}/consent").json()
    assert stored["consent"]["status"] == "active"
    assert stored["consent"]["terms"]["audiences"] == ["families_of_group"]
    assert stored["consent"]["terms"]["media_kinds"] == ["photo"]
    assert stored["consent"]["evidence"]["kind"] == "electronic"

    # Given a published photo of Noah that reaches the family album (through the stream)
    media_id = _published_photo(runtime, centre)

    def in_album() -> bool:
        read = _call(runtime, parent.session, "GET", f"/api/family/albums/{centre.album_id}")
        return read.status_code == 200 and len(read.json()["items"]) == 1

    wait_for(in_album, timeout=60)
    page.goto(f"{runtime.base_url}/gallery.html#/album/{centre.album_id}")
    thumb = page.locator(f'#grid button[data-media-id="{media_id}"]')
    thumb.wait_for(state="visible")

    # When the parent goes to their consents from the gallery and withdraws, keyboard only
    page.locator("#account-menu summary").click()  # "Mon compte"
    page.locator('a[href="/consents.html"]').click()
    page.wait_for_url(f"{runtime.base_url}/consents.html")
    wait_for(lambda: page.evaluate("document.body.dataset.ready === 'true'"), timeout=30)
    withdraw = noah_card.locator('[data-part="withdraw"]')
    assert withdraw.inner_text() == "Retirer mon consentement"
    for _ in range(20):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.dataset.part") == "withdraw":
            break
    else:
        raise AssertionError("Tab never reached the withdraw button")
    # (the focus is visible: a real outline)
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline not in ("", "none")
    page.keyboard.press("Enter")
    # ...it asks once, saying what it hides; the next Tab reaches "Oui"
    assert "ne seront plus montrées" in confirm_question(page, noah)
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.dataset.part") == "withdraw-yes"
    page.keyboard.press("Enter")

    # Then the page says so at once, in its live region, and offers to give consent again
    message = card_status(page, noah, "Consentement retiré pour Noah X.")
    assert "dès maintenant" in message
    assert noah_card.locator('[data-part="status"]').get_attribute("aria-live") == "polite"
    assert "Consentement retiré" in noah_card.locator('[data-part="summary"]').inner_text()
    assert withdraw.is_hidden()
    assert form.is_visible()
    assert not form.get_by_label("Photos").is_checked()
    assert noah_card.locator('[data-part="history"] li').first.text_content().find("retiré") > 0
    assert page.evaluate("document.activeElement.tagName") == "H3"  # focus kept in the card

    assert problems == []

    # And the gallery no longer shows the photo: on the very next request
    page.goto(f"{runtime.base_url}/gallery.html#/album/{centre.album_id}")
    page.locator("#status").wait_for(state="visible")
    assert "plus disponible" in page.locator("#status").inner_text()
    assert page.locator("#grid button").count() == 0
    # (the album's 404 is logged by Chromium as a failed load: the only expected message)
    assert all("404" in problem for problem in problems), problems
    problems.clear()
    page.goto(f"{runtime.base_url}/gallery.html")
    page.locator("#albums-empty").wait_for(state="visible")

    # English on request, remembered
    open_consents(page, runtime)
    page.locator("#lang-switch").click()
    assert page.evaluate("document.documentElement.lang") == "en"
    assert page.locator("main h2").inner_text() == "My consents"
    assert page.title() == "My consents — Pellicule"
    assert "Consent withdrawn" in noah_card.locator('[data-part="summary"]').inner_text()
    assert _labels(form) == _product_labels(1)
    assert form.get_by_label("The families of my child's group").count() == 1
    assert "I allow the centre" in form.locator("blockquote").inner_text()
    assert form.locator("blockquote").get_attribute("lang") == "en"
    assert "Consent withdrawn by you" in noah_card.locator('[data-part="history"]').text_content()
    page.reload()
    wait_for(lambda: page.evaluate("document.body.dataset.ready === 'true'"), timeout=30)
    assert page.locator("#sign-out").inner_text() == "Sign out"
    page.locator("#lang-switch").click()
    assert page.evaluate("document.documentElement.lang") == "fr"
    assert problems == []


def test_a_widening_waits_for_the_other_guardian_who_accepts_it_from_the_page(
    runtime: LocalRuntime, browser: Any
) -> None:
    centre = build()  # Léa has two guardians; the centre requires both for a widening
    lea = centre.children["lea"]
    first = browser.new_context(locale="fr-FR")
    second = browser.new_context(locale="fr-FR")
    try:
        signed_in(first, runtime, centre.families["g1"].session)
        signed_in(second, runtime, centre.families["g2"].session)
        page = first.new_page()
        problems = watched(page)
        open_consents(page, runtime)
        lea_card = card(page, lea)
        assert "autre responsable" in lea_card.locator('[data-part="two-guardians"]').inner_text()

        # When the first guardian gives consent
        form = lea_card.locator("form")
        form.get_by_label("Toutes les familles du centre").check()
        form.get_by_label("Vidéos").check()
        form.get_by_label("J'ai lu ce texte").check()
        form.locator('[data-part="submit"]').click()

        # Then it is recorded but not applied: the page explains why, plainly
        message = card_status(page, lea, "en attente de l'accord de l'autre responsable")
        assert "pas encore appliqué" in message
        summary = lea_card.locator('[data-part="summary"]').inner_text()
        assert "Pas encore de consentement" in summary  # nothing applied yet
        pending = lea_card.locator('[data-part="pending"]').inner_text()
        assert "en attente de l'accord de l'autre responsable" in pending
        assert "toutes les familles du centre" in pending
        assert lea_card.locator('[data-part="adopt"]').is_hidden()
        assert "en attente" in lea_card.locator('[data-part="history"]').text_content()

        # When the other guardian opens the page: the proposal is shown, one button adopts it
        other = second.new_page()
        other_problems = watched(other)
        open_consents(other, runtime)
        other_card = card(other, lea)
        proposal = other_card.locator('[data-part="pending"]').inner_text()
        assert "L'autre responsable propose" in proposal
        other_card.locator('[data-part="adopt"]').click()
        other_form = other_card.locator("form")
        assert other_form.get_by_label("Toutes les familles du centre").is_checked()
        assert other_form.get_by_label("Vidéos").is_checked()
        assert not other_form.get_by_label("Photos").is_checked()

        # ...a text changed meanwhile (simulated) is refused with the API's message
        def stale_text(route: Any) -> None:
            body = json.loads(route.request.post_data or "{}")
            route.continue_(post_data=json.dumps({**body, "text_sha256": "0" * 64}))

        path = f"**/api/family/children/{lea}/consent"
        other.route(path, stale_text)
        other_form.get_by_label("J'ai lu ce texte").check()
        other_form.locator('[data-part="submit"]').click()
        card_status(other, lea, messages.render("consent_text_changed", "fr"))
        other.unroute(path)
        assert other_form.get_by_label("Vidéos").is_checked()  # the choices are kept

        # ...and accepting it applies it for both
        other_form.get_by_label("J'ai lu ce texte").check()
        other_form.locator('[data-part="submit"]').click()
        card_status(other, lea, "votre accord pour Lea X. est actif")
        assert "Consentement actif" in other_card.locator('[data-part="summary"]').inner_text()
        assert other_card.locator('[data-part="pending"]').is_hidden()
        current = _call(runtime, centre.families["g1"].session, "GET", "/api/family/me").json()
        terms = current["children"][0]["consent"]["terms"]
        assert terms["audiences"] == ["all_families_of_centre"]
        assert terms["media_kinds"] == ["video"]

        # And either guardian restricts at once: the first one withdraws, one click
        open_consents(page, runtime)
        lea_card.locator('[data-part="withdraw"]').click()
        lea_card.locator('[data-part="withdraw-yes"]').click()
        card_status(page, lea, "Consentement retiré")
        assert problems == []
        # (the simulated stale text's 409 is logged by Chromium as a failed load, nothing else)
        assert len(other_problems) == 1, other_problems
        assert "409" in other_problems[0]
    finally:
        first.close()
        second.close()


def test_the_consents_page_without_a_session_goes_to_sign_in(
    runtime: LocalRuntime, context: Any
) -> None:
    page = context.new_page()
    page.goto(f"{runtime.base_url}/consents.html")
    page.wait_for_url(f"{runtime.base_url}/login.html")


def test_a_parent_asks_for_the_erasure_of_their_childs_images(
    runtime: LocalRuntime, context: Any
) -> None:
    centre = build()
    noah = centre.children["noah"]
    signed_in(context, runtime, centre.families["g3"].session)
    page = context.new_page()
    problems = watched(page)
    open_consents(page, runtime)
    noah_card = card(page, noah)
    noah_card.locator('[data-part="erasure-box"] summary').click()
    submit = noah_card.locator('[data-part="erasure-submit"]')
    # Without the confirmation box, nothing is sent
    submit.click()
    card_status(page, noah, "Cochez la case")
    listed = _call(runtime, centre.director, "GET", "/api/admin/erasure-requests").json()
    assert listed == {"requests": []}
    # With it, the request is recorded and the page says by when the centre must act
    noah_card.locator('[data-part="erasure-confirm"]').check()
    submit.click()
    state = noah_card.locator('[data-part="erasure-state"]')
    wait_for(lambda: "au plus tard le" in state.inner_text(), timeout=30)
    listed = _call(runtime, centre.director, "GET", "/api/admin/erasure-requests").json()
    assert [r["child_id"] for r in listed["requests"]] == [noah]
    # After a reload the request is still shown, and cannot be sent twice
    open_consents(page, runtime)
    assert "au plus tard le" in card(page, noah).locator('[data-part="erasure-state"]').inner_text()
    assert card(page, noah).locator('[data-part="erasure-form"]').is_hidden()
    assert problems == []


def test_withdrawing_asks_first_on_a_phone_and_consent_given_again_brings_the_photo_back(
    runtime: LocalRuntime, browser: Any
) -> None:
    """Issue 13, item 7: withdrawing is never one stray tap (a confirmation that says what it
    hides, at 390x844); giving consent again brings back the photos the withdrawal hid."""
    from tests.e2e.journeys import centre_with_noah_consenting

    centre = centre_with_noah_consenting(runtime)
    noah = centre.children["noah"]
    parent = centre.families["g3"]
    media_id = _published_photo(runtime, centre)

    def album_items() -> list[str]:
        read = _call(runtime, parent.session, "GET", f"/api/family/albums/{centre.album_id}")
        return [i["media_id"] for i in read.json()["items"]] if read.status_code == 200 else []

    def status_of_consent() -> str:
        read = _call(runtime, parent.session, "GET", f"/api/family/children/{noah}/consent")
        return str(read.json()["consent"]["status"])

    wait_for(lambda: album_items() == [media_id], timeout=60)
    context = browser.new_context(
        locale="fr-FR", viewport={"width": 390, "height": 844}, has_touch=True
    )
    try:
        signed_in(context, runtime, parent.session)
        page = context.new_page()
        problems = watched(page)
        open_consents(page, runtime)
        noah_card = card(page, noah)
        withdraw = noah_card.locator('[data-part="withdraw"]')
        panel = noah_card.locator('[data-part="withdraw-confirm"]')
        assert panel.is_hidden()

        # When the parent taps "Retirer mon consentement"
        withdraw.tap()
        # Then nothing is withdrawn yet: the page asks, saying what will be hidden
        question = confirm_question(page, noah)
        assert "Retirer votre consentement pour Noah X. ?" in question
        assert "ne seront plus montrées aux familles" in question
        assert "elles reviendront" in question
        assert status_of_consent() == "active"
        yes = panel.locator('[data-part="withdraw-yes"]')
        no = panel.locator('[data-part="withdraw-no"]')
        assert yes.inner_text() == "Oui, retirer mon consentement"
        assert no.inner_text() == "Non, garder mon accord"
        # ...both answers fit the phone's width and are big enough to tap
        for button in (yes, no):
            box = button.bounding_box()
            assert box is not None
            assert box["x"] >= 0
            assert box["x"] + box["width"] <= 390
            assert box["height"] >= 44
        assert page.evaluate("document.documentElement.scrollWidth") <= 390

        # When they answer "Non": nothing changes, the question folds away
        no.tap()
        assert panel.is_hidden()
        assert status_of_consent() == "active"
        assert page.evaluate("document.activeElement.dataset.part") == "withdraw"
        assert album_items() == [media_id]

        # When they tap again and confirm: the consent is withdrawn, the photo is hidden
        withdraw.tap()
        confirm_question(page, noah)
        panel.locator('[data-part="withdraw-yes"]').tap()
        card_status(page, noah, "Consentement retiré pour Noah X.")
        assert panel.is_hidden()
        assert status_of_consent() == "withdrawn"
        assert album_items() == []

        def item_state() -> str:
            read = _call(runtime, centre.director, "GET", f"/api/gallery/media/{media_id}")
            return str(read.json()["state"])

        wait_for(lambda: item_state() == "hidden", timeout=60)  # the stream hid it

        # When they give consent again from the same page (no question: giving is one form)
        form = noah_card.locator("form")
        form.get_by_label("Les familles du groupe de mon enfant").check()
        form.get_by_label("Photos").check()
        form.get_by_label("J'ai lu ce texte").check()
        form.locator('[data-part="submit"]').click()
        card_status(page, noah, "votre accord pour Noah X. est actif")

        # Then the photo comes back to the family, through the gate and the served copies
        wait_for(lambda: item_state() == "published", timeout=60)
        wait_for(lambda: album_items() == [media_id], timeout=60)
        page.goto(f"{runtime.base_url}/gallery.html#/album/{centre.album_id}")
        page.locator(f'#grid button[data-media-id="{media_id}"]').wait_for(state="visible")
        wait_for(
            lambda: page.evaluate(
                "[...document.querySelectorAll('#grid img')]"
                ".every(i => i.complete && i.naturalWidth > 0)"
            ),
            timeout=30,
        )
        assert problems == []
    finally:
        context.close()


def test_a_parent_who_never_answered_declines_on_a_phone(
    runtime: LocalRuntime, browser: Any
) -> None:
    """Issue 18 (the consent campaign asks every family): a family with no consent yet answers
    "no" in one tap at 390x844; the refusal is recorded (the centre's board counts it) and
    the form stays there to give consent later."""
    centre = build()
    noah = centre.children["noah"]
    parent = centre.families["g3"]  # Noah's only guardian
    context = browser.new_context(
        locale="fr-FR", viewport={"width": 390, "height": 844}, has_touch=True
    )
    try:
        signed_in(context, runtime, parent.session)
        page = context.new_page()
        problems = watched(page)
        open_consents(page, runtime)
        noah_card = card(page, noah)
        decline = noah_card.locator('[data-part="withdraw"]')
        assert decline.inner_text() == "Je refuse : aucune photo"
        decline.tap()
        card_status(page, noah, "Votre refus est enregistré")
        summary = noah_card.locator('[data-part="summary"]').inner_text()
        assert summary.startswith("Consentement refusé"), summary
        read = _call(runtime, parent.session, "GET", f"/api/family/children/{noah}/consent")
        assert read.json()["consent"]["status"] == "withdrawn"
        # Declining again is not offered; giving consent later is
        assert decline.is_hidden()
        assert noah_card.locator("form").is_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        assert problems == []
    finally:
        context.close()
