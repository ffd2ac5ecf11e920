"""Every audit action has words in French and English on the audit page (web/audit/words.js):
a new action without words fails here."""

from __future__ import annotations

import re
from pathlib import Path

from pellicule.domain.audit_chain import ACTIONS

WORDS = Path(__file__).resolve().parents[2] / "web" / "audit" / "words.js"


def _table(name: str) -> dict[str, tuple[str, str]]:
    source = WORDS.read_text(encoding="utf-8")
    body = re.search(rf"export const {name} = \{{(.*?)\n\}};", source, re.S)
    assert body, name
    pairs = re.findall(r'^\s*"?([a-z_]+)"?: \["([^"]+)", "([^"]+)"\],', body.group(1), re.M)
    return {key: (fr, en) for key, fr, en in pairs}


def test_every_action_has_words_in_both_languages() -> None:
    words = _table("ACTIONS")
    missing = sorted(ACTIONS - set(words))
    assert missing == [], f"audit actions without words in web/audit/words.js: {missing}"
    for fr, en in words.values():
        assert fr.strip()
        assert en.strip()


def test_no_words_for_an_action_that_does_not_exist() -> None:
    assert set(_table("ACTIONS")) <= ACTIONS
