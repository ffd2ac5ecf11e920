"""One language at a time on every page, and every string follows the switch (issue 17, item 8).

For each page of ``web/`` (families and staff), with its real data, in Chromium: the page loads
in French; every string it shows (visible text, aria-labels, placeholders, titles, alt texts,
the document's title) is collected; after "English", none of the French strings may still be
shown except language-neutral ones (names, titles and dates given by the data, "Pellicule");
every marked catalogue node (data-i18n) must have changed; back to French, the page shows what
it showed at first. A status line shown before the switch follows it too.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from local.runtime import LocalRuntime
from tests.e2e.browsing import sign_in, watched
from tests.e2e.conftest import wait_for
from tests.e2e.journeys import api as _call
from tests.e2e.journeys import centre_with_noah_consenting
from tests.e2e.journeys import published_photo as _published_photo
from tests.integration.scenario import Scenario

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

# Strings that are the same in both languages (the product's name, words both languages share).
NEUTRAL = {
    "Pellicule",
    "Album",
    "Albums",
    "Photo",
    "Photos",
    "English",
    "Français",
    "Date",
    "Validation",
}
# Data, not catalogue: e-mail addresses, numbers, codes, ids, dates written with digits only.
DATA = re.compile(
    r"^([\w.+-]+@[\w.-]+|[\d\s:./,()%×x-]+|[A-Za-z0-9_-]{20,}|[a-z]+-\d+|\d+ ?(Ko|Mo|KB|MB|%))$"
)


@pytest.fixture(scope="module")
def runtime_options() -> dict[str, Any]:
    return {"workers": True}


@pytest.fixture(scope="module")
def centre(runtime: LocalRuntime) -> Scenario:
    """Noah's family sees a published photo (and downloaded it); Léa's has no consent."""
    centre = centre_with_noah_consenting(runtime)
    media_id = _published_photo(runtime, centre)
    family = centre.families["g3"].session

    def served() -> bool:
        read = _call(runtime, family, "GET", "/api/family/albums")
        return read.status_code == 200 and bool(read.json()["albums"])

    wait_for(served, timeout=60)
    downloaded = _call(runtime, family, "GET", f"/api/family/media/{media_id}/download")
    assert downloaded.status_code == 200, downloaded.text
    return centre


@pytest.fixture
def context(browser: Any) -> Iterator[Any]:
    context = browser.new_context(locale="fr-FR", viewport={"width": 390, "height": 844})
    yield context
    context.close()


def _visible(selector: str) -> Callable[[Any], None]:
    def ready(page: Any) -> None:
        page.locator(selector).first.wait_for(state="visible", timeout=30_000)

    return ready


def _hidden(selector: str) -> Callable[[Any], None]:
    """Ready once ``selector`` (a "loading" line) is gone."""

    def ready(page: Any) -> None:
        page.locator(selector).first.wait_for(state="hidden", timeout=30_000)

    return ready


def _ready_attribute(page: Any) -> None:
    wait_for(lambda: page.evaluate("document.body.dataset.ready === 'true'"), timeout=30)


# Every string a page shows: visible text lines, then the attributes people hear or read.
SHOWN = """() => {
  const seen = (el) => !!(el.offsetWidth || el.offsetHeight || el.getClientRects().length);
  const texts = document.body.innerText.split('\\n').map((s) => s.trim()).filter(Boolean);
  for (const el of document.querySelectorAll('[aria-label], [placeholder], [title], img[alt]')) {
    if (!seen(el)) continue;
    for (const a of ['aria-label', 'placeholder', 'title', 'alt']) {
      const v = el.getAttribute(a);
      if (v && v.trim()) texts.push(v.trim());
    }
  }
  texts.push(document.title);
  return texts;
}"""

# The page's marked catalogue nodes and attributes that are shown now: [key, text].
CATALOGUE = """() => {
  const seen = (el) => !!(el.offsetWidth || el.offsetHeight || el.getClientRects().length)
    || el.tagName === 'TITLE';
  const found = [];
  for (const el of document.querySelectorAll('[data-i18n]')) {
    if (seen(el) && el.textContent.trim()) found.push([el.dataset.i18n, el.textContent.trim()]);
  }
  const attrs = {i18nAria: 'aria-label', i18nPlaceholder: 'placeholder', i18nTitle: 'title'};
  for (const [data, attr] of Object.entries(attrs)) {
    const sel = '[data-' + data.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase()) + ']';
    for (const el of document.querySelectorAll(sel)) {
      const v = el.getAttribute(attr);
      if (v) found.push([attr + ':' + el.dataset[data], v.trim()]);
    }
  }
  return found;
}"""


# The scenario's names (tests/integration/scenario.py): children, groups, the album's title.
SCENARIO_DATA = {"Noah", "Léa", "Lea", "Zoé", "Zoe", "X.", "loutres", "renards", "Sortie", "Centre"}


def _settled(differences: Callable[[], Any], timeout: float = 5.0) -> Any:
    """``differences()`` once it is empty (a page that reads again draws within a moment), or
    what it still finds after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    found = differences()
    while any(found.values()) if isinstance(found, dict) else found:
        if time.monotonic() > deadline:
            break
        time.sleep(0.1)
        found = differences()
    return found


def _neutral(text: str, data: set[str]) -> bool:
    """A text made only of neutral words and the page's data (no catalogue word left)."""
    rest = text
    for part in sorted(NEUTRAL | data, key=len, reverse=True):
        if part:
            rest = rest.replace(part, " ")
    rest = re.sub(r"\b[0-9a-f]{12,}\b", " ", rest)  # an id shown for a missing name
    return not re.search(r"[^\W\d_]{2,}", rest) or bool(DATA.match(text))


PAGES: list[tuple[str, str | None, Callable[[Any], None]]] = [
    ("/", None, _visible("#sign-in")),
    ("/login.html", None, _visible("#ask-link")),
    ("/unsubscribe.html", None, _visible("#status")),
    ("/gallery.html", "g3", _visible("#albums a")),
    ("/gallery.html#/album/ALBUM", "g3", _visible("#grid button")),
    ("/downloads.html", "g3", _visible("#downloads li")),
    ("/consents.html", "g3", _ready_attribute),
    ("/staff.html", "animator", _visible("#albums li")),
    ("/staff.html#/album/ALBUM", "animator", _visible("#items li")),
    ("/review.html", "director", _hidden("#queue-loading")),
    ("/people.html", "director", _visible("#glance-table tbody tr")),
    ("/settings.html", "director", _visible("#staff-section li")),
    ("/audit.html", "director", _visible("#rows tr")),
    ("/team.html", "director", _visible("#members li")),
    ("/campaign.html", "director", _visible("#start-form")),
    ("/dashboard.html", "director", _visible("#card-waiting")),  # issue 18: the director's home
]


def _data_of(centre: Scenario, page: Any) -> set[str]:
    """What the page shows from the centre's data (names, titles), not from a catalogue."""
    names = page.evaluate(
        "() => [...document.querySelectorAll('#centre-name, #album-title, .title, td, th, "
        ".child-name, code, option, label.chip, [data-data]')].map((n) => n.innerText.trim())"
    )
    return {
        n for n in names if n and not re.search(r"[a-zàâçéèêëîïôûù]{4,} [a-zàâçéèêëîïôûù]{3,}", n)
    }


@pytest.mark.parametrize(
    ("path", "who", "ready"),
    PAGES,
    ids=[f"{p} as {w or 'anonymous'} ({r.__name__})" for p, w, r in PAGES],
)
def test_english_leaves_no_french_and_french_comes_back(
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
    problems = watched(page)
    page.goto(f"{runtime.base_url}{path.replace('ALBUM', centre.album_id)}")
    ready(page)
    page.wait_for_timeout(300)  # the page's remaining reads (counts, dates) are drawn
    assert page.evaluate("document.documentElement.lang") == "fr"
    french = page.evaluate(SHOWN)
    catalogue = dict(page.evaluate(CATALOGUE))
    data = _data_of(centre, page) | SCENARIO_DATA
    assert catalogue, "the page marks its French texts (data-i18n)"

    # When the person switches to English
    page.locator("#lang-switch").click()
    wait_for(lambda: page.evaluate("document.documentElement.lang") == "en", timeout=5)

    # Then no French string is left: every marked node changed, and no shown French string
    # (catalogue or dynamic: status lines, counts, dates, labels) is still shown
    def french_left() -> dict[str, Any]:
        english = page.evaluate(SHOWN)
        after = dict(page.evaluate(CATALOGUE))
        unchanged = {
            key: text
            for key, text in catalogue.items()
            if after.get(key) == text and not _neutral(text, data)
        }
        left = sorted({text for text in french if text in english and not _neutral(text, data)})
        return {"unchanged catalogue": unchanged, "French left": left}

    assert _settled(french_left) == {"unchanged catalogue": {}, "French left": []}

    # When they switch back, the page shows what it showed in French
    page.locator("#lang-switch").click()
    wait_for(lambda: page.evaluate("document.documentElement.lang") == "fr", timeout=5)
    assert _settled(lambda: sorted(set(page.evaluate(SHOWN)) ^ set(french))) == []
    assert problems == []


def test_a_status_line_shown_before_the_switch_follows_it(
    runtime: LocalRuntime, centre: Scenario, context: Any
) -> None:
    # Given a staff member on the families' gallery: its status line says so, in French
    sign_in(context, runtime, centre.animator)
    page = context.new_page()
    page.goto(f"{runtime.base_url}/gallery.html")
    status = page.locator("#status")
    status.wait_for(state="visible")
    french = status.inner_text()
    assert "familles" in french
    # When they switch to English, the same line is in English; back, in French again
    page.locator("#lang-switch").click()
    wait_for(lambda: "families" in status.inner_text(), timeout=5)
    assert status.inner_text() != french
    page.locator("#lang-switch").click()
    wait_for(lambda: status.inner_text() == french, timeout=5)

    # The same on a staff page: "nothing to save" on the settings page, then English
    sign_in(context, runtime, centre.director)
    settings = context.new_page()
    settings.goto(f"{runtime.base_url}/settings.html")
    settings.locator("#save").wait_for(state="visible")
    settings.locator("#save").click()
    saved = settings.locator("#settings-status")
    wait_for(lambda: "changement" in saved.inner_text(), timeout=10)
    settings.locator("#lang-switch").click()
    wait_for(lambda: saved.inner_text() == "Nothing to save.", timeout=5)
    settings.locator("#lang-switch").click()
    wait_for(lambda: "changement" in saved.inner_text(), timeout=5)

    # The same on the sign-in page after asking for a link (the API's message)
    login = context.new_page()
    login.goto(f"{runtime.base_url}/login.html")
    login.locator("#link-email").fill("nobody@example.org")
    login.locator("#link-form button").click()
    answer = login.locator("#status")
    answer.wait_for(state="visible")
    in_french = answer.inner_text()
    login.locator("#lang-switch").click()
    wait_for(lambda: answer.inner_text() != in_french, timeout=5)
    assert "e-mail" in answer.inner_text().lower() or "link" in answer.inner_text().lower()
    login.locator("#lang-switch").click()
    wait_for(lambda: answer.inner_text() == in_french, timeout=5)


def test_the_viewer_speaks_the_language_chosen(
    runtime: LocalRuntime, centre: Scenario, context: Any
) -> None:
    # (the switch is behind the open viewer: the viewer opened after switching)
    sign_in(context, runtime, centre.families["g3"].session)
    page = context.new_page()
    page.goto(f"{runtime.base_url}/gallery.html#/album/{centre.album_id}")
    page.locator("#grid button").first.wait_for(state="visible")
    page.locator("#grid button").first.click()
    page.locator("#lightbox").wait_for(state="visible")
    french = set(page.evaluate(SHOWN))
    assert "Fermer" in french
    page.keyboard.press("Escape")
    page.locator("#lang-switch").click()
    page.locator("#grid button").first.click()
    page.locator("#lightbox").wait_for(state="visible")
    english = set(page.evaluate(SHOWN))
    assert "Close" in english
    assert any(text.endswith("1 of 1") for text in english), english
    left = sorted(t for t in french & english if not _neutral(t, SCENARIO_DATA))
    assert left == [], left
    hint = page.locator("#zoom-hint").text_content() or ""
    assert hint.startswith("Pinch")
