"""Every staff page carries the same header navigation (the pages are static HTML with no
build step, so each repeats it): a page added or a link added to some pages only is caught
here, before a director meets a page without its way home."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

WEB = Path(__file__).resolve().parents[2] / "web"
EXPECTED = [
    ("/dashboard.html", "navHome"),
    ("/staff.html", "navAlbums"),
    ("/review.html", "navReview"),
    ("/people.html", "navPeople"),
    ("/audit.html", "navAudit"),
    ("/settings.html", "navSettings"),
]


class _Nav(HTMLParser):
    """The links of the header's staff navigation (the nav named "Espace équipe")."""

    def __init__(self) -> None:
        super().__init__()
        self.inside = False
        self.links: list[tuple[str, str]] = []
        self.current: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "nav" and found.get("aria-label") == "Espace équipe":
            self.inside = True
        elif tag == "a" and self.inside:
            self.links.append((found.get("href") or "", found.get("data-i18n") or ""))
            if found.get("aria-current") == "page":
                self.current.append(found.get("href") or "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "nav":
            self.inside = False


def _staff_pages() -> list[Path]:
    pages = [p for p in sorted(WEB.glob("*.html")) if 'aria-label="Espace équipe"' in p.read_text()]
    return pages


def test_the_staff_pages_are_the_ones_we_know() -> None:
    names = {p.name for p in _staff_pages()}
    assert {"dashboard.html", "staff.html", "review.html", "people.html", "audit.html"} <= names
    assert {"settings.html", "team.html", "campaign.html", "coverage.html"} <= names


def test_every_staff_page_has_the_whole_navigation_in_the_same_order() -> None:
    for page in _staff_pages():
        nav = _Nav()
        nav.feed(page.read_text())
        assert nav.links == EXPECTED, page.name
        # The page says where the reader is when it is one of the destinations
        here = f"/{page.name}"
        if here in {href for href, _ in EXPECTED}:
            assert nav.current == [here], page.name
        else:
            assert nav.current == [], page.name


def test_the_navigation_words_have_their_english() -> None:
    words = (WEB / "lib" / "staff.js").read_text()
    for _, key in EXPECTED:
        assert re.search(rf"\b{key}:", words), key
