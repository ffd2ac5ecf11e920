"""Captions (pellicule.domain.captions): what is kept, what is refused, the full-name warning."""

from __future__ import annotations

import pytest

from pellicule.domain.captions import (
    ALBUM_MAX,
    ITEM_MAX,
    CaptionError,
    RosterName,
    names_a_child,
    normalise,
)

ROSTER = [RosterName("Léa", "M."), RosterName("Marie-Lou", "B."), RosterName("Zoé", "É.")]


@pytest.mark.parametrize(
    ("raw", "kept"),
    [
        ("  Sortie au parc  ", "Sortie au parc"),
        ("", None),
        ("   ", None),
        ("e\u0301te\u0301", "\u00e9t\u00e9"),  # decomposed accents: NFC, 3 characters
        ("Pique-nique 🌳 👨\u200d👩\u200d👧", "Pique-nique 🌳 👨\u200d👩\u200d👧"),  # ZWJ kept
        ("<img src=x onerror=alert(1)>", "<img src=x onerror=alert(1)>"),  # text, shown as text
    ],
)
def test_what_is_kept(raw: str, kept: str | None) -> None:
    assert normalise(raw, ALBUM_MAX) == kept


@pytest.mark.parametrize(
    "raw",
    [
        "Ligne\nsuivante",
        "a\tb",
        "nul\x00",
        "bell\x07",
        "\x1b[31mrouge",
        "abc\u202edcba",
        "x\u2066y",
        "lone \ud800 surrogate",
        "line\u2028separator",
    ],
)
def test_control_characters_are_refused(raw: str) -> None:
    with pytest.raises(CaptionError) as refused:
        normalise(raw, ALBUM_MAX)
    assert refused.value.reason == "caption_control_character"


def test_length_is_counted_in_characters_after_nfc_and_trimming() -> None:
    decomposed = "e\u0301" * ITEM_MAX  # 400 code points, 200 characters once composed
    assert normalise(f"  {decomposed}  ", ITEM_MAX) == "\u00e9" * ITEM_MAX
    with pytest.raises(CaptionError) as refused:
        normalise("é" * (ITEM_MAX + 1), ITEM_MAX)
    assert (refused.value.reason, refused.value.params) == (
        "caption_too_long",
        {"maximum": ITEM_MAX, "length": ITEM_MAX + 1},
    )


@pytest.mark.parametrize(
    ("caption", "warned"),
    [
        ("Léa Martin au parc", True),
        ("LEA MARTIN", True),
        ("lea martin", True),
        ("MARTIN Léa", True),  # surname first
        ("Léa M. rit aux éclats", True),
        ("Marie-Lou Bernard", True),
        ("marie lou b.", True),
        ("Zoe Eyraud", True),  # accents on both sides
        ("Léa et Tom au parc", False),  # a first name alone
        ("Léanne Martin", False),  # word boundaries: another name
        ("Ma Léa", True),  # a warning, not a rule: staff confirm
        ("Tom Bernard", False),  # no such child
        ("Sortie au parc", False),
        ("", False),
    ],
)
def test_full_name_warning(caption: str, warned: bool) -> None:
    assert names_a_child(caption, ROSTER) is warned
