"""Captions of albums and items (issue 17, item 3; docs/family-gallery.md).

Pure. A caption is kept as typed, normalised to Unicode NFC and trimmed; its length is counted
in characters after that. Control characters (and the bidirectional overrides that make a text
read otherwise than it is stored, and lone surrogates) are refused. An empty caption removes it.

A caption that holds a child's full name gets a warning: the roster keeps the first name and
the initial of the surname only (data minimisation), so "full name" means the first name next to
a word beginning with the surname's initial ("Léa Martin", "MARTIN Léa", "lea m."), compared
without case or accents, on word boundaries. It is a warning, not a rule: "Léa mange" matches
too, and staff confirm.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final

ALBUM_MAX: Final = 300
ITEM_MAX: Final = 200
# Bidirectional embeddings, overrides and isolates (category Cf, but they reorder what is shown).
_BIDI: Final = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
# Control characters, line and paragraph separators, and lone surrogates (no text: JSON may
# carry them, storage may not).
_REFUSED: Final = frozenset({"Cc", "Cs", "Zl", "Zp"})
_WORD: Final = re.compile(r"[^\W_]+")


class CaptionError(ValueError):
    """A caption that may not be kept; ``reason`` is a catalogue code, ``params`` its values."""

    def __init__(self, reason: str, **params: int) -> None:
        super().__init__(reason)
        self.reason = reason
        self.params = params


def normalise(raw: str, maximum: int) -> str | None:
    """The caption as kept (NFC, trimmed), or ``None`` when nothing is left (no caption).

    Raises :class:`CaptionError` (``caption_control_character``, ``caption_too_long``)."""
    text = unicodedata.normalize("NFC", raw).strip()
    if any(unicodedata.category(ch) in _REFUSED or ch in _BIDI for ch in text):
        raise CaptionError("caption_control_character")
    if len(text) > maximum:
        raise CaptionError("caption_too_long", maximum=maximum, length=len(text))
    return text or None


def _fold(text: str) -> str:
    """Lower case, without accents (NFKD, combining marks dropped)."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _words(text: str) -> list[str]:
    return _WORD.findall(_fold(text))


@dataclass(frozen=True)
class RosterName:
    """A child as the roster names them: first name and the initial of the surname."""

    first_name: str
    initial: str


def _matches(words: list[str], first: list[str], initial: str) -> bool:
    size = len(first)
    for start in range(len(words) - size + 1):
        if words[start : start + size] != first:
            continue
        after = words[start + size] if start + size < len(words) else ""
        before = words[start - 1] if start > 0 else ""
        if after.startswith(initial) or before.startswith(initial):
            return True
    return False


def names_a_child(caption: str, roster: Iterable[RosterName]) -> bool:
    """Whether ``caption`` holds the full name of a child of ``roster`` (see the module)."""
    words = _words(caption)
    if not words:
        return False
    for child in roster:
        first = _words(child.first_name)
        initial = "".join(_words(child.initial))[:1]
        if first and initial and _matches(words, first, initial):
            return True
    return False
