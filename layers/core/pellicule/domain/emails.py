"""E-mails as templates: written once as structured content, rendered to plain text and HTML.

A template is a list of blocks (:class:`Paragraph`, :class:`Action`, :class:`Bullets`) whose
words are codes of the message catalogue (``pellicule.domain.messages``). :func:`render`
writes one bilingual e-mail (the recipient's language is unknown): French, then English,
each as plain text and as HTML, under a "French / English" subject.

Parameters are plain values (escaped in HTML, always) or typed pieces of the e-mail:
:class:`Strong` (bold in HTML), :class:`Url` (an address: a link in HTML), :class:`Phrase`
(another catalogue text, e.g. a count) and lists of them (joined with ", ").

Pure: no I/O (sending is ``pellicule.adapters.outbox``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from html import escape
from typing import Any

from pellicule.domain import messages
from pellicule.domain.messages import Language, Markup

# Re-exported: a catalogue text used as another's parameter (templates import it from here).
from pellicule.domain.messages import Phrase as Phrase

TEXT_SEPARATOR = "-- English --"


@dataclass(frozen=True)
class Strong:
    """A value to stand out (a centre's name, a code): bold in HTML."""

    value: str


@dataclass(frozen=True)
class Url:
    """An address shown as it is: a link to itself in HTML."""

    href: str


@dataclass(frozen=True)
class Paragraph:
    code: str
    params: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Action:
    """A link on a line of its own: ``label : https://...`` in text, the label as the link in
    HTML."""

    label: str  # a catalogue code
    href: str


Line = Paragraph | Action


@dataclass(frozen=True)
class Bullets:
    """A list; each item is one or more lines."""

    items: Sequence[Sequence[Line]]


Block = Paragraph | Action | Bullets


@dataclass(frozen=True)
class Email:
    """``subject``: a catalogue code; ``subject_name`` (a centre's name, optional) opens it."""

    subject: str
    blocks: Sequence[Block]
    subject_name: str | None = None


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str


def render(email: Email) -> Rendered:
    """The e-mail in French then English, as plain text and as HTML."""
    subject = " / ".join(messages.render(email.subject, lang) for lang in messages.LANGUAGES)
    if email.subject_name:
        subject = f"{email.subject_name} : {subject}"
    french, english = (_text(email.blocks, lang) for lang in messages.LANGUAGES)
    text = f"{french}\n\n{TEXT_SEPARATOR}\n\n{english}\n"
    body = (
        '<!doctype html><html lang="fr"><head><meta charset="utf-8">'
        f"<title>{escape(subject)}</title></head><body>"
        f"{_html(email.blocks, 'fr')}"
        f'<hr><div lang="en">{_html(email.blocks, "en")}</div></body></html>'
    )
    return Rendered(subject, text, body)


# --- Plain text -----------------------------------------------------------------------------


def _plain(value: Any, lang: Language) -> Any:
    if isinstance(value, Strong):
        return value.value
    if isinstance(value, Url):
        return value.href
    if isinstance(value, Phrase):
        return messages.render(value.code, lang, _params(value.params, lang, _plain))
    if isinstance(value, list | tuple):
        return [_plain(item, lang) for item in value]
    return value


def _params(params: Mapping[str, Any], lang: Language, convert: Any) -> dict[str, Any]:
    return {name: convert(value, lang) for name, value in params.items()}


def _line_text(line: Line, lang: Language) -> str:
    if isinstance(line, Action):
        label = messages.render(line.label, lang)
        return messages.render("mail_action", lang, {"label": label, "url": line.href})
    return messages.render(line.code, lang, _params(line.params, lang, _plain))


def _text(blocks: Sequence[Block], lang: Language) -> str:
    parts = []
    for block in blocks:
        if isinstance(block, Bullets):
            items = []
            for item in block.items:
                first, *rest = (_line_text(line, lang) for line in item)
                items.append("\n".join([f"• {first}", *(f"  {line}" for line in rest)]))
            # Items of several lines are set apart by a blank line.
            spaced = any(len(item) > 1 for item in block.items)
            parts.append(("\n\n" if spaced else "\n").join(items))
        else:
            parts.append(_line_text(block, lang))
    return "\n\n".join(parts)


# --- HTML -----------------------------------------------------------------------------------

# French typography: a no-break space before ":", ";", "!", "?" and inside « ».
_FRENCH_SPACES = {" :": "&nbsp;:", " ;": "&nbsp;;", " !": "&nbsp;!", " ?": "&nbsp;?"}
_FRENCH_SPACES |= {"« ": "«&nbsp;", " »": "&nbsp;»"}


def _markup(value: Any, lang: Language) -> Any:
    if isinstance(value, Strong):
        return Markup(f"<strong>{escape(value.value)}</strong>")
    if isinstance(value, Url):
        href = escape(value.href, quote=True)
        return Markup(f'<a href="{href}">{href}</a>')
    if isinstance(value, Phrase):
        return Markup(_html_text(value.code, lang, value.params))
    if isinstance(value, list | tuple):
        return [_markup(item, lang) for item in value]
    return value  # escaped by messages.render


def _html_text(code: str, lang: Language, params: Mapping[str, Any]) -> str:
    rendered = messages.render(code, lang, _params(params, lang, _markup), html=True)
    if lang == "fr":
        for plain, spaced in _FRENCH_SPACES.items():
            rendered = rendered.replace(plain, spaced)
    return rendered


def _line_html(line: Line, lang: Language) -> str:
    if isinstance(line, Action):
        href = escape(line.href, quote=True)
        return f'<a href="{href}">{_html_text(line.label, lang, {})}</a>'
    return _html_text(line.code, lang, line.params)


def _html(blocks: Sequence[Block], lang: Language) -> str:
    parts = []
    for block in blocks:
        if isinstance(block, Bullets):
            items = ("<br>".join(_line_html(line, lang) for line in item) for item in block.items)
            parts.append("<ul>" + "".join(f"<li>{item}</li>" for item in items) + "</ul>")
        else:
            parts.append(f"<p>{_line_html(block, lang)}</p>")
    return "".join(parts)
