"""What a catalogue entry is: a French and an English template (``{param}`` placeholders).

Kept apart from the package's ``__init__`` so that every section can import it.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Message:
    """One text in both languages. ``{name}`` marks a parameter (the same ones in both);
    write ``{{`` and ``}}`` for a literal brace."""

    fr: str
    en: str
