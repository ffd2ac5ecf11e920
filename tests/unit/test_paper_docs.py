"""The paper documents (docs/paper/) say what the product does.

The model consent form must offer exactly the audiences and media kinds Pellicule records,
with the product's own labels, and quote the text a guardian accepts online; the retention
figures quoted in the documents must be the settings' default and cap. Change a label, the
text or a limit in the code, and these tests fail until the documents follow.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from pellicule.domain import consent_text, gate
from pellicule.services import erasure, tenant_settings

DOCS = Path(__file__).resolve().parents[2] / "docs"
FORM = DOCS / "paper" / "consent-form.md"
ENGLISH_HEADING = "# Parental consent"  # the English translation starts here
CHECKBOX = "☐"
RETENTION = tenant_settings.LIMITS["media_retention_months"]
MONTHS_FR = {"08": "août"}


def _flat(text: str) -> str:
    """Whitespace collapsed, so that a wrapped line still matches."""
    return " ".join(text.split())


def _halves() -> tuple[str, str]:
    text = FORM.read_text(encoding="utf-8")
    french, found, english = text.partition(ENGLISH_HEADING)
    assert found, f"{FORM.name}: no English translation ('{ENGLISH_HEADING}...')"
    return french, english


def _boxes(text: str) -> list[str]:
    """The label of every checkbox line (``☐ label``)."""
    return [
        line.strip()[len(CHECKBOX) :].strip()
        for line in text.splitlines()
        if line.strip().startswith(CHECKBOX)
    ]


def test_every_audience_and_kind_is_a_checkbox_with_the_products_label() -> None:
    # Given the labels the product shows and records
    french, english = _halves()
    fr_boxes, en_boxes = _boxes(french), _boxes(english)
    # Then each is a checkbox of the form, verbatim, in French and in the translation
    for audience in gate.AUDIENCES:
        fr, en = consent_text.AUDIENCE_LABELS[audience]
        assert fr in fr_boxes, f"audience {audience}: '{fr}' is not a checkbox of the form"
        assert en in en_boxes, f"audience {audience}: '{en}' is not a checkbox of the translation"
    for kind in gate.MEDIA_KINDS:
        fr, en = consent_text.KIND_LABELS[kind]
        assert fr in fr_boxes, f"media kind {kind}: '{fr}' is not a checkbox of the form"
        assert en in en_boxes, f"media kind {kind}: '{en}' is not a checkbox of the translation"


def test_the_form_offers_no_choice_the_product_does_not_record() -> None:
    french, english = _halves()
    known_fr = {fr for fr, _ in consent_text.AUDIENCE_LABELS.values()}
    known_fr |= {fr for fr, _ in consent_text.KIND_LABELS.values()}
    known_en = {en for _, en in consent_text.AUDIENCE_LABELS.values()}
    known_en |= {en for _, en in consent_text.KIND_LABELS.values()}
    # The one other box: the child was involved (Code civil art. 372-1), not a choice.
    extra_fr = [b for b in _boxes(french) if b not in known_fr and "372-1" not in b]
    extra_en = [b for b in _boxes(english) if b not in known_en and "372-1" not in b]
    assert extra_fr == [], f"checkboxes the product does not record: {extra_fr}"
    assert extra_en == [], f"checkboxes the product does not record: {extra_en}"


def test_every_product_label_is_known_to_the_gate() -> None:
    # A new audience or kind in the gate without a label would be missing from the form.
    assert set(consent_text.AUDIENCE_LABELS) == set(gate.AUDIENCES)
    assert set(consent_text.KIND_LABELS) == set(gate.MEDIA_KINDS)


def test_the_form_quotes_the_current_online_text_and_its_version() -> None:
    french, english = _halves()
    current = consent_text.CURRENT
    assert _flat(current.fr) in _flat(french), "the French text differs from consent_text.py"
    assert _flat(current.en) in _flat(english), "the English text differs from consent_text.py"
    assert f"version {current.version}" in french
    assert f"version {current.version}" in english


def test_the_default_season_end_is_the_one_quoted() -> None:
    month, day = str(tenant_settings.CHOICES["season_end"].default).split("-")
    french, _ = _halves()
    assert f"le {int(day)} {MONTHS_FR[month]}" in _flat(french)


def test_the_erasure_deadline_is_the_one_quoted() -> None:
    hours = erasure.DEADLINE_SECONDS // 3600
    french, english = _halves()
    assert f"sous {hours} heures" in _flat(french)
    assert f"within {hours} hours" in _flat(english)


# Each document that quotes the retention, with the phrases that carry the two numbers.
RETENTION_PHRASES: dict[str, tuple[str, str]] = {
    "paper/consent-form.md": (r"(\d+) mois après la date de l'album", r"au plus (\d+) mois"),
    "paper/consent-form.md#en": (r"(\d+) months after the album date", r"at most (\d+) months"),
    "paper/record-of-processing.md": (
        r"(\d+) months after the album date",
        r"at most (\d+) months",
    ),
    "paper/dpia.md": (r"(\d+) months after the album date", r"at most (\d+) months"),
    "operator-guide.md": (r"(\d+) months after the album date", r"at most (\d+) months"),
}


@pytest.mark.parametrize("document", sorted(RETENTION_PHRASES))
def test_retention_default_and_cap_match_the_settings(document: str) -> None:
    # Given the document's text (the English half of the form for "#en")
    name, _, half = document.partition("#")
    text = _flat((DOCS / name).read_text(encoding="utf-8"))
    if name == "paper/consent-form.md":
        french, english = (_flat(part) for part in _halves())
        text = english if half == "en" else french
    default_pattern, cap_pattern = RETENTION_PHRASES[document]
    # Then every default it quotes is the setting's default, every cap its maximum
    defaults = [int(n) for n in re.findall(default_pattern, text)]
    caps = [int(n) for n in re.findall(cap_pattern, text)]
    assert defaults, f"{document}: no '{default_pattern}'"
    assert caps, f"{document}: no '{cap_pattern}'"
    assert set(defaults) == {RETENTION.default}, f"{document}: retention default {defaults}"
    assert set(caps) == {RETENTION.maximum}, f"{document}: retention cap {caps}"
