"""Messages as data: one French/English catalogue for API answers, e-mails and the web.

Code raises ``NotFound("child_not_found")`` or ``TooLarge("upload_too_large", name=...,
megabytes=...)``: a stable snake_case *code* and its parameters, never words. The words live
here, once per language, as ``{param}`` templates; :func:`render` fills one in, :func:`both`
gives ``{"fr": ..., "en": ...}`` (what an API answer carries, for the page to pick). Tests
assert codes, never copy, so the copy can change here alone.

The catalogue is one dict merged from sections (one module per area: ``requests``,
``sign_in``, ``uploads``...); a code defined twice stops the import. Adding a message: pick the
section (or add one to ``_SECTIONS``), add ``"code": Message("Français {x}.", "English {x}.")``
with the same placeholders in both languages; ``tests/unit/test_messages.py`` checks the rest.

Parameters: strings and numbers as they are; lists and tuples joined with ", " (a
:class:`Clauses` with semicolons); a :class:`Phrase` (another message, rendered in the same
language) or a :class:`Term` (an identifier said in words: its key for programs, its words in
the text). A missing or unknown parameter is a programming error (:class:`MessageError`), caught
by the tests. A parameter may quote what a person sent (a file name, an address): messages go
to that person, never to a log (``str()`` of an error is its code alone).

Pure: no I/O.
"""

from __future__ import annotations

import json
import re
import string
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from html import escape as _escape
from typing import Any, Final, Literal, TypedDict

from pellicule.domain.messages import (
    albums,
    archives,
    audit_log,
    campaign,
    consent,
    coverage,
    erasure,
    family,
    fields,
    mail,
    operator,
    processing,
    relatives,
    requests,
    roster,
    roster_import,
    settings,
    sign_in,
    uploads,
)
from pellicule.domain.messages.base import Message

Language = Literal["fr", "en"]
LANGUAGES: Final[tuple[Language, ...]] = ("fr", "en")
CODE = re.compile(r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$")


class Texts(TypedDict):
    """A message in both languages: what an API answer's ``message`` is."""

    fr: str
    en: str


class MessageError(TypeError):
    """A message asked with an unknown code, or with the wrong parameters: a bug."""


class Markup(str):
    """Text already safe in HTML (``render(..., html=True)`` does not escape it)."""

    __slots__ = ()


def merge(*sections: Mapping[str, Message]) -> dict[str, Message]:
    """One catalogue from its sections; a code defined twice is an error."""
    merged: dict[str, Message] = {}
    for section in sections:
        for code, message in section.items():
            if code in merged:
                raise ValueError(f"message code defined twice: {code}")
            merged[code] = message
    return merged


_SECTIONS: Final = (
    requests.MESSAGES,
    sign_in.MESSAGES,
    uploads.MESSAGES,
    processing.MESSAGES,
    mail.MESSAGES,
    fields.MESSAGES,
    family.MESSAGES,
    archives.MESSAGES,
    roster.MESSAGES,
    erasure.MESSAGES,
    consent.MESSAGES,
    settings.MESSAGES,
    operator.MESSAGES,
    albums.MESSAGES,
    relatives.MESSAGES,  # issue 17
    coverage.MESSAGES,
    campaign.MESSAGES,
    roster_import.MESSAGES,  # issue 18
    audit_log.MESSAGES,  # issue 18
)
MESSAGES: Final[dict[str, Message]] = merge(*_SECTIONS)


def is_code(value: str) -> bool:
    """Whether ``value`` has the shape of a code (known or not): ``snake_case``."""
    return bool(CODE.match(value))


def _fields(template: str) -> frozenset[str]:
    return frozenset(name for _, name, _, _ in string.Formatter().parse(template) if name)


@cache
def placeholders(code: str) -> frozenset[str]:
    """The parameters a message takes (those of its French template)."""
    return _fields(_message(code).fr)


def _message(code: str) -> Message:
    try:
        return MESSAGES[code]
    except KeyError:
        raise MessageError(f"unknown message code {code!r}") from None


def check(code: str, params: Mapping[str, Any]) -> None:
    """Raise :class:`MessageError` unless ``code`` exists and takes exactly ``params``."""
    expected = placeholders(code)
    given = frozenset(params)
    if given != expected:
        missing, unknown = sorted(expected - given), sorted(given - expected)
        raise MessageError(f"{code}: missing parameters {missing}, unknown {unknown}")


@dataclass(frozen=True)
class Phrase:
    """Another message as a parameter, rendered in the same language (``{"reason", "params"}``
    in an API answer's ``params``). Checked when made: a wrong code or parameter fails at once."""

    code: str
    params: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        check(self.code, self.params)


@dataclass(frozen=True)
class Term:
    """An identifier said in words: ``key`` for programs (an API answer's ``params`` carry it,
    e.g. the setting a page marks), the message ``code`` (no parameters) in the text."""

    key: str
    code: str

    def __post_init__(self) -> None:
        check(self.code, {})


class Clauses(tuple[Any, ...]):
    """A list whose items are clauses (with commas of their own): joined with " ; " in French,
    "; " in English, each clause said once."""

    __slots__ = ()


def _text(value: Any, lang: Language, escape: bool) -> str:
    if isinstance(value, Phrase):
        return render(value.code, lang, value.params, html=escape)
    if isinstance(value, Term):
        return render(value.code, lang, html=escape)
    if isinstance(value, list | tuple | set | frozenset):
        items = sorted(value, key=str) if isinstance(value, set | frozenset) else value
        if isinstance(value, Clauses):
            # A clause is said once, however many items say it (two children without
            # consent: one "a tagged child has no consent" clause).
            said = dict.fromkeys(_text(item, lang, escape) for item in items)
            return (" ; " if lang == "fr" else "; ").join(said)
        return ", ".join(_text(item, lang, escape) for item in items)
    text = str(value)
    if escape and not isinstance(value, Markup):
        return _escape(text, quote=True)
    return text


def render(
    code: str, lang: Language, params: Mapping[str, Any] | None = None, *, html: bool = False
) -> str:
    """The message ``code`` in ``lang`` with ``params`` filled in.

    ``html=True``: the template's own text and every parameter are escaped, except
    :class:`Markup` parameters (already HTML).
    """
    values = dict(params or {})
    check(code, values)
    message = _message(code)
    template = message.en if lang == "en" else message.fr
    parts: list[str] = []
    for literal, name, _, _ in string.Formatter().parse(template):
        parts.append(_escape(literal, quote=False) if html else literal)
        if name:
            parts.append(_text(values[name], lang, html))
    return "".join(parts)


def both(code: str, params: Mapping[str, Any] | None = None) -> Texts:
    """The message in French and in English: ``{"fr": ..., "en": ...}``."""
    return {"fr": render(code, "fr", params), "en": render(code, "en", params)}


def safe_params(params: Mapping[str, Any]) -> dict[str, Any]:
    """Parameters as JSON values, for an API answer (to the person the message is for)."""

    def value(item: Any) -> Any:
        if isinstance(item, Phrase):
            return {"reason": item.code, "params": safe_params(item.params)}
        if isinstance(item, Term):
            return item.key
        if item is None or isinstance(item, bool | int | float | str):
            return item
        if isinstance(item, list | tuple | set | frozenset):
            return [value(x) for x in item]
        return str(item)

    return {name: value(item) for name, item in params.items()}


# --- Stored messages ------------------------------------------------------------------------
# A message kept on an item and shown later (a failed upload's reason): its code and both
# texts as rendered when it was written, as one JSON string.


def record(reason: str, texts: Texts) -> str:
    """The stored form of a message: ``{"reason": reason, "fr": ..., "en": ...}`` as JSON
    (e.g. ``record(error.reason, error.texts)``, or ``record(code, both(code, params))``)."""
    return json.dumps({"reason": reason, "fr": texts["fr"], "en": texts["en"]}, ensure_ascii=False)


class Recorded(TypedDict):
    reason: str | None
    fr: str
    en: str


def read_record(stored: str) -> Recorded:
    """A stored message: written by :func:`record`, or an older bilingual literal
    ("Français. / English.", reason None)."""
    try:
        found = json.loads(stored)
    except ValueError:
        found = None
    if isinstance(found, dict) and isinstance(found.get("fr"), str):
        reason = found.get("reason")
        return {
            "reason": reason if isinstance(reason, str) else None,
            "fr": found["fr"],
            "en": str(found.get("en", found["fr"])),
        }
    return {"reason": None, **_split_literal(stored)}


# Items stored before the catalogue hold a bilingual literal ("Texte français. / English text.").


def _split_literal(text: str) -> Texts:
    """A bilingual literal split at its last " / " (a one-language text goes to both)."""
    french, separator, english = text.rpartition(" / ")
    if separator and french.strip() and english.strip():
        return {"fr": french.strip(), "en": english.strip()}
    return {"fr": text, "en": text}
