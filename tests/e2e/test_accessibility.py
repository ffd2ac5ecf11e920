"""WCAG 2.1 A/AA automated checks of every page, with axe-core (pinned in package.json).

Each page is opened as the person it is for, with its real data, then axe-core runs in the
page (the context bypasses the CSP only to inject axe's script; the pages' own CSP is tested
everywhere else). Automated checks find a part of the problems (contrast, names, labels,
landmarks, ARIA); keyboard journeys are tested in the page tests.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from local.runtime import LocalRuntime
from tests.e2e.browsing import sign_in
from tests.e2e.conftest import wait_for
from tests.e2e.journeys import api as _call
from tests.e2e.journeys import centre_with_noah_consenting
from tests.e2e.journeys import processed_photo as _processed_photo
from tests.e2e.journeys import published_photo as _published_photo
from tests.integration.scenario import Scenario

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


@pytest.fixture(scope="module")
def runtime_options() -> dict[str, Any]:
    return {"workers": True}


@pytest.fixture(scope="module")
def centre(runtime: LocalRuntime) -> Scenario:
    """A centre with a published photo Léa's family sees, and a photo waiting for review."""
    centre = centre_with_noah_consenting(runtime)  # Noah: consent; Léa: none
    MEDIA.append(_published_photo(runtime, centre))

    def served() -> bool:
        read = _call(runtime, centre.families["g1"].session, "GET", "/api/family/albums")
        return read.status_code == 200 and bool(read.json()["albums"])

    wait_for(served, timeout=60)
    # Captions, and Léa's family's previous visit two hours ago: the photo is "Nouveau" to them
    for path, caption in (
        (f"/api/admin/albums/{centre.album_id}/caption", "Pique-nique au parc"),
        (f"/api/admin/media/{MEDIA[0]}/caption", "Le toboggan"),
    ):
        saved = _call(runtime, centre.director, "PUT", path, {"caption": caption})
        assert saved.status_code == 200, saved.text
    _previous_visit(centre, "g1", seconds_ago=2 * 3600)
    # Issue 18, item 5: the review queue with an item ready (tagged) and one that is not
    # (untagged), for the bulk approval and an error beside its button.
    tagged = _processed_photo(runtime, centre)
    retagged = _call(
        runtime,
        centre.animator,
        "PUT",
        f"/api/admin/media/{tagged}/tags",
        {"child_ids": [centre.children["noah"]]},
    )
    assert retagged.status_code == 200, retagged.text
    WAITING.append(_processed_photo(runtime, centre))
    # Issue 17: a relative Léa's guardian invited, with a session of their own.
    from pellicule.services import sessions
    from tests.integration.scenario import Family

    invited = _call(
        runtime,
        centre.families["g1"].session,
        "POST",
        "/api/family/relatives",
        {"email": "mamie.lea@famille.example", "may_download": False},
    )
    assert invited.status_code == 201, invited.text
    relative_id = invited.json()["relative"]["relative_id"]
    centre.families["relative"] = Family(
        relative_id, sessions.create(centre.tenant_id, "relative", relative_id, "relative")
    )
    return centre


# The published photo of the centre fixture (its id, for the review page's path).
MEDIA: list[str] = []
# Its untagged photo waiting for review (issue 18: the error beside the approve button).
WAITING: list[str] = []


def _previous_visit(centre: Scenario, who: str, *, seconds_ago: int) -> None:
    from pellicule.config import clock
    from pellicule.store import keys
    from pellicule.store.models import Guardian

    guardian = Guardian(
        keys.tenant_pk(centre.tenant_id), keys.guardian_sk(centre.families[who].guardian_id)
    )
    guardian.update(
        actions=[
            Guardian.gallery_seen_at.set(int(clock.now()) - seconds_ago),
            Guardian.gallery_new_since.remove(),
        ]
    )


@pytest.fixture
def context(browser: Any) -> Iterator[Any]:
    context = browser.new_context(locale="fr-FR", bypass_csp=True)
    yield context
    context.close()


def _violations(page: Any) -> list[dict[str, Any]]:
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        "async (tags) => (await axe.run(document, "
        "{runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})).violations",
        WCAG,
    )
    return [
        {
            "id": v["id"],
            "impact": v["impact"],
            "help": v["help"],
            "targets": [node["target"] for node in v["nodes"]][:5],
        }
        for v in result
    ]


def _visible(selector: str) -> Callable[[Any], None]:
    def ready(page: Any) -> None:
        page.locator(selector).first.wait_for(state="visible", timeout=30_000)

    return ready


def _mine_filter(page: Any) -> None:
    """The album under "Mon enfant": Léa is on none of its photos (the empty message)."""
    page.locator("#grid button").first.wait_for(state="visible", timeout=30_000)
    page.locator("#filter-mine").click()
    page.locator("#grid-empty").wait_for(state="visible", timeout=30_000)


def _caption_warning(page: Any) -> None:
    """A caption with a child's full name: the warning and its confirmation beside the field."""
    field = page.locator("#caption-input")
    field.wait_for(state="visible", timeout=30_000)
    wait_for(field.is_enabled, timeout=30)
    field.fill("Noah X. au toboggan")
    page.locator("#caption-form button[type=submit]").click()
    page.locator("#caption-warning").wait_for(state="visible", timeout=30_000)


def _ready_attribute(page: Any) -> None:
    wait_for(lambda: page.evaluate("document.body.dataset.ready === 'true'"), timeout=30)


def _confirming_revocation(page: Any) -> None:
    """The relatives page with a revocation's confirmation open (issue 17)."""
    _ready_attribute(page)
    page.locator("button.revoke").first.click()
    page.locator(".confirm-revoke").wait_for(state="visible")


def _viewer_zoomed(page: Any) -> None:
    """The gallery's full-screen viewer, its photo zoomed in (the + key)."""
    page.locator("#grid button").first.click()
    page.locator("#lightbox").wait_for(state="visible")
    page.locator("#stage img").wait_for(state="visible")
    page.keyboard.press("+")
    wait_for(lambda: page.locator("#stage").get_attribute("data-zoomed") == "true", timeout=5)


def _account_menu(page: Any) -> None:
    """The gallery's "Mon compte" menu open."""
    page.locator("#albums a").first.wait_for(state="visible", timeout=30_000)
    page.locator("#account-menu summary").click()
    page.locator("#downloads-link").wait_for(state="visible")


def _who_saw(page: Any) -> None:
    """The audit log's "who saw or downloaded the photos of a child" answer (issue 18)."""
    page.locator("#rows tr").first.wait_for(state="visible", timeout=30_000)
    wait_for(lambda: page.locator("#ws-child option").count() > 1, timeout=30)
    page.locator("#ws-child").select_option(index=1)
    page.locator("#ws-go").click()
    page.locator("#ws-result > *").first.wait_for(state="visible", timeout=30_000)


def _in_english(ready: Callable[[Any], None]) -> Callable[[Any], None]:
    def english(page: Any) -> None:
        ready(page)
        page.locator("#lang-switch").click()
        wait_for(lambda: page.evaluate("document.documentElement.lang") == "en", timeout=5)

    return english


def _archive_selection(page: Any) -> None:
    """The album in selection mode (web/gallery/archive.js), one item chosen."""
    page.locator("#archive-select").wait_for(state="visible", timeout=30_000)
    page.locator("#grid button").first.wait_for(state="visible", timeout=30_000)
    page.locator("#archive-select").click()
    page.locator("#grid input.archive-choose").first.check()
    page.locator("#archive-selection:not([disabled])").wait_for(timeout=30_000)


def _archive_prepared(page: Any) -> None:
    """The album's zip asked for and built: the status line and the download link."""
    page.locator("#archive-album").wait_for(state="visible", timeout=30_000)
    page.locator("#archive-album").click()
    page.locator("#archive-link").wait_for(state="visible", timeout=60_000)


def _souvenir_refused(page: Any) -> None:
    """The souvenir pack page (issue 17) after a tap with a link that does not work."""
    page.locator("#download-button:not([disabled])").click()
    page.locator("#status.error").wait_for(state="visible", timeout=30_000)


ROSTER_EXPORT = (
    Path(__file__).resolve().parents[1] / "fixtures/roster/export_reservation_latin1.csv"
)


def _upload_queue(page: Any) -> None:
    """Issue 18: the phone's upload queue, offline: a photo paused, a refused file, the summary."""
    from tests.support.images import jpeg_with_metadata

    page.locator("#items li").first.wait_for(state="visible", timeout=30_000)
    page.context.set_offline(True)
    page.locator("#file-input").set_input_files(
        [
            {"name": "photo.jpg", "mimeType": "image/jpeg", "buffer": jpeg_with_metadata()},
            {"name": "notes.txt", "mimeType": "text/plain", "buffer": b"notes"},
        ]
    )
    wait_for(
        lambda: (
            page.evaluate(
                "[...document.querySelectorAll('#uploads li')]"
                ".map(l => l.dataset.state + '/' + l.dataset.paused).join()"
            )
            == "waiting/true,failed/false"
        ),
        timeout=30,
    )
    page.locator("#upload-queue").wait_for(state="visible", timeout=30_000)


def _import_previewed(page: Any) -> None:
    """Issue 18: the people page's import section with a file's preview and its line errors
    (nothing is written: a preview)."""
    page.locator("#import-file").wait_for(state="visible", timeout=30_000)
    page.locator("#import-file").set_input_files(str(ROSTER_EXPORT))
    page.locator("#import-errors li").first.wait_for(state="visible", timeout=30_000)


def _campaign_started(page: Any) -> None:
    """Issue 18: the consent campaign started from its form (the board, per group)."""
    _ready_attribute(page)
    page.locator("#season").fill("2026-2027")
    page.locator("#start-submit").click()
    page.locator("#groups li").first.wait_for(state="visible", timeout=30_000)


def _campaign_closing(page: Any) -> None:
    """The campaign's board with the close confirmation open."""
    page.locator("#groups li").first.wait_for(state="visible", timeout=30_000)
    page.locator("#close").click()
    page.locator("#close-confirm").wait_for(state="visible")


def _bulk_panel(page: Any) -> None:
    """Issue 18, item 5: the bulk approval's panel, what is ready and what is not and why."""
    page.locator("#bulk-open").wait_for(state="visible", timeout=30_000)
    page.locator("#bulk-open").click()
    page.locator("#bulk-waiting li").first.wait_for(state="visible", timeout=30_000)


def _decision_error(page: Any) -> None:
    """Issue 18, item 5: an approval refused, its error beside the button; the shortcuts'
    help open."""
    page.locator("#approve").wait_for(state="visible", timeout=30_000)
    page.locator("#shortcuts summary").click()
    page.locator("#approve").click()
    page.locator("#decision-error").wait_for(state="visible", timeout=30_000)


def _on_a_phone(ready: Callable[[Any], None]) -> Callable[[Any], None]:
    def phone(page: Any) -> None:
        page.set_viewport_size({"width": 390, "height": 844})
        ready(page)

    return phone


def _group_tagged(page: Any) -> None:
    """Issue 18: the review page's chips (consent per audience) after "Tout le groupe"."""
    page.locator("#tag-group").wait_for(state="visible", timeout=30_000)
    page.locator("#tag-group").click()
    page.locator(".chip[aria-pressed='true']").first.wait_for(state="visible")


def _no_child_asked(page: Any) -> None:
    """Issue 18: "Aucun enfant identifiable" asks first, in a dialog (nothing is saved)."""
    page.locator("#no-child").wait_for(state="visible", timeout=30_000)
    page.locator("#no-child").click()
    page.locator("#no-child-dialog").wait_for(state="visible")


def _english_first(ready: Callable[[Any], None]) -> Callable[[Any], None]:
    """The page switched to English first (a modal dialog then leaves the switch inert)."""

    def english(page: Any) -> None:
        page.locator("#item").wait_for(state="visible", timeout=30_000)
        page.locator("#lang-switch").click()
        wait_for(lambda: page.evaluate("document.documentElement.lang") == "en", timeout=5)
        ready(page)

    return english


def _preview_zoomed(page: Any) -> None:
    """Issue 18: the review page's preview zoomed in (its frame scrolls, not the page)."""
    page.locator("#zoom-in").wait_for(state="visible", timeout=30_000)
    page.locator("#zoom-in").click()
    page.wait_for_function("document.getElementById('zoom-level').textContent === '150 %'")


FORGED_SOUVENIR = f"/souvenir.html#token=tnone.cnone.{'A' * 43}"


def _team_confirming(page: Any) -> None:
    """The team page with a suspension waiting for its confirmation (nothing is sent)."""
    page.locator("#members button.suspend").first.click()
    page.locator("#members .confirm").wait_for(state="visible")


# page path (with hash), who (None: anonymous, or a key of the session table), readiness
PAGES: list[tuple[str, str | None, Callable[[Any], None]]] = [
    ("/", None, _visible("#sign-in")),
    ("/login.html", None, _visible("main")),
    ("/unsubscribe.html", None, _visible("main")),
    ("/gallery.html", "g1", _visible("#albums a")),
    ("/gallery.html", "g1", _account_menu),
    ("/gallery.html#/album/ALBUM", "g1", _visible("#grid .badge-new")),
    ("/gallery.html#/album/ALBUM", "g1", _mine_filter),
    ("/gallery.html#/album/ALBUM", "g1", _viewer_zoomed),
    ("/downloads.html", "g1", _ready_attribute),
    ("/downloads.html", "g1", _in_english(_ready_attribute)),
    ("/login.html", None, _in_english(_visible("main"))),
    ("/gallery.html#/album/ALBUM", "g1", _archive_selection),
    ("/gallery.html#/album/ALBUM", "g1", _archive_prepared),
    ("/consents.html", "g1", _ready_attribute),
    ("/devices.html", "g1", _visible("#empty")),  # no trusted device yet
    ("/staff.html", "animator", _visible("#albums li")),
    ("/staff.html#/album/ALBUM", "animator", _visible("#items li")),
    ("/staff.html#/album/ALBUM", "animator", _upload_queue),  # issue 18: from a phone
    ("/staff.html#/album/ALBUM", "director", _caption_warning),
    ("/review.html#/media/MEDIA", "director", _caption_warning),
    ("/review.html", "director", _visible("#queue-section")),
    ("/review.html", "director", _bulk_panel),  # issue 18: validation at speed
    ("/review.html", "director", _in_english(_bulk_panel)),
    ("/review.html#/media/WAITING", "director", _decision_error),
    # Issue 18: tagging on a phone (the chips, the no-child dialog, the zoomed preview)
    ("/review.html#/media/MEDIA", "animator", _on_a_phone(_group_tagged)),
    ("/review.html#/media/MEDIA", "animator", _on_a_phone(_no_child_asked)),
    ("/review.html#/media/MEDIA", "animator", _on_a_phone(_english_first(_no_child_asked))),
    ("/review.html#/media/MEDIA", "animator", _on_a_phone(_preview_zoomed)),
    ("/audit.html", "director", _visible("#rows tr")),
    ("/audit.html", "animator", _visible("#refused")),
    ("/audit.html", "director", _who_saw),  # issue 18: the readable log, "who saw"
    ("/audit.html", "director", _in_english(_who_saw)),
    ("/settings.html", "director", _visible("#staff-section li")),
    ("/settings.html", "animator", _visible("#settings-form")),
    ("/people.html", "director", _visible("#glance-table tbody tr")),
    ("/people.html", "animator", _visible("#glance-table tbody tr")),
    ("/people.html", "director", _import_previewed),  # issue 18: the roster import
    ("/people.html", "director", _in_english(_import_previewed)),
    # Issue 17: relatives (the guardian's page, its confirmation; the relative's views).
    ("/relatives.html", "g1", _ready_attribute),
    ("/relatives.html#confirm", "g1", _confirming_revocation),
    ("/relatives.html", "relative", _ready_attribute),
    ("/gallery.html", "relative", _visible("#invited-by")),
    ("/gallery.html#/album/ALBUM", "relative", _visible("#grid button")),
    ("/consents.html", "relative", _ready_attribute),
    # Issue 17: a child's souvenir pack (the e-mail's page; no session).
    (FORGED_SOUVENIR, None, _visible("#download-button:not([disabled])")),
    (FORGED_SOUVENIR, None, _souvenir_refused),
    ("/souvenir.html", None, _in_english(_visible("#status"))),
    # Issue 18: the weekly "few or no photos" report (directors; an animator is refused).
    ("/coverage.html", "director", _visible("#groups li")),
    ("/coverage.html", "director", _in_english(_visible("#groups li"))),
    ("/coverage.html", "animator", _visible("#refused")),
    # Issue 18: the team page (directors; an animator is refused).
    ("/team.html", "director", _visible("#members li")),
    ("/team.html", "director", _in_english(_visible("#members li"))),
    ("/team.html", "director", _team_confirming),
    ("/team.html", "animator", _visible("#refused")),
    # Issue 18: the consent campaign (directors): the start form, the board, its closing.
    ("/campaign.html", "director", _visible("#start-form")),
    ("/campaign.html", "director", _campaign_started),
    ("/campaign.html", "director", _in_english(_visible("#groups li"))),
    ("/campaign.html", "director", _campaign_closing),
    ("/campaign.html", "animator", _visible("#refused")),
    # Issue 18: the director's home (an animator is refused).
    ("/dashboard.html", "director", _visible("#card-waiting")),
    ("/dashboard.html", "director", _in_english(_visible("#card-waiting"))),
    ("/dashboard.html", "animator", _visible("#refused")),
]


@pytest.mark.parametrize(
    ("path", "who", "ready"), PAGES, ids=[f"{p} as {w or 'anonymous'}" for p, w, _ in PAGES]
)
def test_the_page_has_no_wcag_a_or_aa_violation(
    runtime: LocalRuntime,
    centre: Scenario,
    context: Any,
    path: str,
    who: str | None,
    ready: Callable[[Any], None],
) -> None:
    sessions = {
        "animator": centre.animator,
        "director": centre.director,
        **{name: family.session for name, family in centre.families.items()},
    }
    if who is not None:
        sign_in(context, runtime, sessions[who])
    page = context.new_page()
    target = path.replace("ALBUM", centre.album_id).replace("MEDIA", MEDIA[0])
    page.goto(f"{runtime.base_url}{target.replace('WAITING', WAITING[0])}")
    ready(page)
    found = _violations(page)
    assert found == [], json.dumps(found, indent=1, ensure_ascii=False)


def test_the_check_finds_what_it_should(runtime: LocalRuntime, context: Any) -> None:
    """The harness itself: an image without a text alternative and an empty button are found."""
    page = context.new_page()
    page.goto(f"{runtime.base_url}/")
    page.evaluate(
        "() => { const i = document.createElement('img'); i.src = '/favicon.svg';"
        " document.querySelector('main').append(i, document.createElement('button')); }"
    )
    found = {v["id"] for v in _violations(page)}
    assert {"image-alt", "button-name"} <= found
