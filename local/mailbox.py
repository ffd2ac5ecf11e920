"""The development mailbox: e-mails sent through SES in moto, as JSON and as an HTML page.

moto keeps sent e-mails in memory and shows them at ``/moto-api/data.json`` (``ses`` backend):
``Message`` for ``SendEmail`` (moto keeps one body: the HTML part when there is one, else the
text part; no date) and ``RawMessage`` for ``SendRawEmail`` (the whole MIME message).
A message without a ``Date`` header is dated when the mailbox first sees it.

The page obeys the app's CSP (no inline script or style): HTML bodies are shown in a sandboxed
``iframe srcdoc`` (no scripts, links open in a new tab), text bodies escaped, with their
``http(s)`` links made clickable.
"""

from __future__ import annotations

import email
import email.policy
import email.utils
import html
import re
import threading
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from typing import Any

import requests

PAGE_TITLE = "Boîte de réception de développement"
STYLESHEET_PATH = "/_dev/mail.css"
_URL = re.compile(r"https?://[^\s<>\"']+")
_HTML_HINT = re.compile(r"<\s*(html|body|p|div|a|table|br|span|b|strong|h[1-6])\b", re.I)


@dataclass(frozen=True)
class Mail:
    id: str
    sender: str
    to: list[str]
    cc: list[str]
    subject: str
    date: str  # ISO 8601, UTC
    text: str
    html: str

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["from"] = data.pop("sender")
        return data


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _addresses(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [str(item) for item in value]
    return []


def _parse_raw(raw: str) -> tuple[dict[str, Any], datetime | None]:
    message = email.message_from_string(raw, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    text_part = message.get_body(preferencelist=("plain",))
    html_part = message.get_body(preferencelist=("html",))
    date: datetime | None = None
    if message["Date"]:
        try:
            date = email.utils.parsedate_to_datetime(str(message["Date"]))
        except (TypeError, ValueError):
            date = None
        if date is not None and date.tzinfo is None:
            date = date.replace(tzinfo=UTC)
    fields = {
        "sender": str(message["From"] or ""),
        "to": [str(a) for a in message.get_all("To", [])],
        "cc": [str(a) for a in message.get_all("Cc", [])],
        "subject": str(message["Subject"] or ""),
        "text": text_part.get_content() if text_part is not None else "",
        "html": html_part.get_content() if html_part is not None else "",
    }
    return fields, date


def _in_process_ses() -> dict[str, Any] | None:
    """SES's tracked model instances in this process, JSON-able attributes only (what
    moto's ``model_data`` endpoint does, for one service); None without moto's server here."""
    import json

    try:
        from moto.core.model_instances import model_data
    except ImportError:
        return None
    models = model_data.get("ses")
    if not models:
        return None
    found: dict[str, Any] = {}
    for name, model in models.items():
        rows = []
        for instance in list(getattr(model, "instances_tracked", [])):
            row = {}
            for attribute in dir(instance):
                if attribute.startswith("_"):
                    continue
                try:
                    value = getattr(instance, attribute)
                    json.dumps(value)
                except Exception:  # noqa: BLE001, S112 - moto's endpoint skips those too
                    continue
                row[attribute] = value
            rows.append(row)
        found[name] = rows
    return found


class Mailbox:
    """Reads moto's sent e-mails; remembers when it first saw each undated one."""

    def __init__(self, moto_url: str, *, timeout: float = 5.0) -> None:
        self.moto_url = moto_url.rstrip("/")
        self.timeout = timeout
        self._first_seen: dict[str, float] = {}
        self._lock = threading.Lock()

    def _seen(self, message_id: str) -> datetime:
        with self._lock:
            moment = self._first_seen.setdefault(message_id, time.time())
        return datetime.fromtimestamp(moment, UTC)

    def _ses(self) -> dict[str, Any]:
        """moto's SES models, as ``/moto-api/data.json`` shows them under ``ses``.

        The local runtime runs moto's server in this process: its models are read here
        directly, SES only. (The endpoint serialises every service, and answers 500 for good
        once S3 has held a multipart upload.) Elsewhere, the endpoint is asked.
        """
        local = _in_process_ses()
        if local is not None:
            return local
        response = requests.get(f"{self.moto_url}/moto-api/data.json", timeout=self.timeout)
        response.raise_for_status()
        ses: dict[str, Any] = response.json().get("ses") or {}
        return ses

    def messages(self) -> list[Mail]:
        """Every sent e-mail, newest first."""
        ses = self._ses()
        found: list[tuple[datetime, int, Mail]] = []
        order = 0
        for item in ses.get("Message", []):
            body = str(item.get("body") or "")
            is_html = bool(_HTML_HINT.search(body))
            destinations = item.get("destinations") or {}
            mail = Mail(
                id=str(item.get("id", "")),
                sender=str(item.get("source", "")),
                to=_addresses(destinations.get("ToAddresses")),
                cc=_addresses(destinations.get("CcAddresses")),
                subject=str(item.get("subject") or ""),
                date="",
                text="" if is_html else body,
                html=body if is_html else "",
            )
            found.append((self._seen(mail.id), order, mail))
            order += 1
        for item in ses.get("RawMessage", []):
            message_id = str(item.get("id", ""))
            fields, date = _parse_raw(str(item.get("raw_data") or ""))
            if not fields["sender"]:
                fields["sender"] = str(item.get("source") or "")
            if not fields["to"]:
                fields["to"] = _addresses(item.get("destinations"))
            moment = date or self._seen(message_id)
            found.append((moment, order, Mail(id=message_id, date="", **fields)))
            order += 1
        found.sort(key=lambda entry: (entry[0], entry[1]), reverse=True)
        return [Mail(**{**asdict(mail), "date": _iso(moment)}) for moment, _, mail in found]


def _linkified(text: str) -> str:
    """Escaped text with its http(s) URLs as links (each piece escaped on its own)."""
    pieces: list[str] = []
    position = 0
    for match in _URL.finditer(text):
        pieces.append(html.escape(text[position : match.start()]))
        url = match.group(0)
        pieces.append(
            f'<a href="{html.escape(url, quote=True)}" rel="noreferrer noopener" '
            f'target="_blank">{html.escape(url)}</a>'
        )
        position = match.end()
    pieces.append(html.escape(text[position:]))
    return "".join(pieces)


def render_page(mails: list[Mail]) -> str:
    """The mailbox page (French first). Every value from an e-mail is escaped."""
    items: list[str] = []
    for mail in mails:
        body_parts: list[str] = []
        if mail.text:
            body_parts.append(f'<pre class="text">{_linkified(mail.text)}</pre>')
        if mail.html:
            # A sandbox without allow-scripts/allow-same-origin: the HTML runs nothing and
            # reaches nothing; links open in a new top-level tab.
            document = f'<base target="_blank">{mail.html}'
            body_parts.append(
                '<iframe class="html" title="Contenu HTML / HTML content" '
                'sandbox="allow-popups allow-popups-to-escape-sandbox" '
                'referrerpolicy="no-referrer" '
                f'srcdoc="{html.escape(document, quote=True)}"></iframe>'
            )
        if not body_parts:
            body_parts.append('<p class="empty">(message vide / empty message)</p>')
        items.append(
            '<article class="mail">'
            f"<h2>{html.escape(mail.subject or '(sans objet / no subject)')}</h2>"
            '<dl class="meta">'
            f"<dt>De / From</dt><dd>{html.escape(mail.sender)}</dd>"
            f"<dt>À / To</dt><dd>{html.escape(', '.join(mail.to))}</dd>"
            + (f"<dt>Cc</dt><dd>{html.escape(', '.join(mail.cc))}</dd>" if mail.cc else "")
            + f'<dt>Date</dt><dd><time datetime="{html.escape(mail.date, quote=True)}">'
            f"{html.escape(mail.date)}</time></dd>"
            "</dl>" + "".join(body_parts) + "</article>"
        )
    if not items:
        items.append(
            '<p class="empty">Aucun e-mail envoyé pour l\'instant. / No e-mail sent yet.</p>'
        )
    return (
        '<!doctype html>\n<html lang="fr"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(PAGE_TITLE)} — Pellicule</title>"
        f'<link rel="stylesheet" href="{STYLESHEET_PATH}"></head><body>'
        f"<header><h1>{html.escape(PAGE_TITLE)}</h1>"
        "<p>Development inbox: e-mails sent through SES in the local runtime "
        f'(<a href="/_dev/mail.json">JSON</a>). Rechargez la page pour voir les nouveaux '
        "messages. / Reload the page to see new messages.</p></header>"
        f'<main><p class="count">{len(mails)} message(s)</p>{"".join(items)}</main>'
        "</body></html>\n"
    )


STYLESHEET = """\
body { font-family: system-ui, sans-serif; margin: 0 auto; max-width: 60rem; padding: 1rem;
       color: #1d1d1f; background: #f6f6f4; }
h1 { font-size: 1.5rem; }
.mail { background: #fff; border: 1px solid #ddd; border-radius: .5rem; margin: 1rem 0;
        padding: 1rem; }
.mail h2 { font-size: 1.1rem; margin: 0 0 .5rem; }
.meta { display: grid; grid-template-columns: max-content 1fr; gap: .25rem 1rem; margin: 0; }
.meta dt { font-weight: 600; }
.meta dd { margin: 0; }
pre.text { white-space: pre-wrap; word-break: break-word; background: #fafafa;
           padding: .75rem; border-radius: .25rem; }
iframe.html { width: 100%; min-height: 20rem; border: 1px solid #eee; background: #fff; }
.empty { color: #666; }
"""
