"""The daily digest e-mail: French first, then English; plain text and HTML; through SES.

``compose`` is pure (tested on its own); ``send`` is the only AWS call. It names the centre
and the albums with new items and counts them; never a child, never an image. Links are built
from the configured public URL handed in by the caller, never from a request header.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

# Re-exported: callers (and tests) use mail.send / mail.client.
from pellicule.adapters.outbox import Message as Message
from pellicule.adapters.outbox import client as client
from pellicule.adapters.outbox import send as send

UNSUBSCRIBE_PAGE = "/unsubscribe.html"
LOGIN_PAGE = "/login.html"


@dataclass(frozen=True)
class AlbumNews:
    title: str
    date: str  # ISO date of the album (ordering only)
    photos: int
    videos: int


def unsubscribe_url(public_url: str, token: str) -> str:
    """The token rides in the fragment: never sent to a server, so never in an access log."""
    return f"{public_url.rstrip('/')}{UNSUBSCRIBE_PAGE}#{token}"


def _count_fr(photos: int, videos: int) -> str:
    parts = []
    if photos:
        parts.append(f"{photos} photo{'s' if photos > 1 else ''}")
    if videos:
        parts.append(f"{videos} vidéo{'s' if videos > 1 else ''}")
    return ", ".join(parts)


def _count_en(photos: int, videos: int) -> str:
    parts = []
    if photos:
        parts.append(f"{photos} photo{'s' if photos > 1 else ''}")
    if videos:
        parts.append(f"{videos} video{'s' if videos > 1 else ''}")
    return ", ".join(parts)


def subject(centre: str) -> str:
    return f"{centre} : nouvelles photos et vidéos / new photos and videos"


def compose(
    *,
    public_url: str,
    centre: str,
    albums: list[AlbumNews],
    login_link: str,
    link_hours: int,
    unsubscribe_link: str,
) -> Message:
    """The digest of one guardian: counts per album, a fresh sign-in link, an unsubscribe link."""
    ordered = sorted(albums, key=lambda a: (a.date, a.title), reverse=True)
    photos = sum(a.photos for a in ordered)
    videos = sum(a.videos for a in ordered)
    login_page = f"{public_url.rstrip('/')}{LOGIN_PAGE}"
    lines_fr = "\n".join(f"• {a.title} : {_count_fr(a.photos, a.videos)}" for a in ordered)
    lines_en = "\n".join(f"• {a.title}: {_count_en(a.photos, a.videos)}" for a in ordered)
    text = (
        "Bonjour,\n\n"
        f"{_count_fr(photos, videos)} de plus à voir pour vous, de « {centre} », sur "
        "Pellicule :\n\n"
        f"{lines_fr}\n\n"
        f"Pour les voir, ouvrez ce lien (valable {link_hours} heures, il ne sert qu'une fois), "
        "puis appuyez sur « Ouvrir ma galerie » :\n"
        f"{login_link}\n"
        f"Ensuite, demandez un nouveau lien sur {login_page}\n\n"
        "Vous recevez au plus un e-mail de ce type par jour, seulement s'il y a du nouveau. "
        f"Pour ne plus en recevoir : {unsubscribe_link}\n\n"
        "-- English --\n\n"
        "Hello,\n\n"
        f'{_count_en(photos, videos)} more for you to see from "{centre}" on Pellicule:\n\n'
        f"{lines_en}\n\n"
        f"To see them, open this link (valid for {link_hours} hours, it works once), then "
        'press "Open my gallery":\n'
        f"{login_link}\n"
        f"After that, ask for a new link at {login_page}\n\n"
        "You get at most one such e-mail a day, only when there is something new. To stop "
        f"them: {unsubscribe_link}\n"
    )

    def items_html(english: bool) -> str:
        count = _count_en if english else _count_fr
        colon = ":" if english else "&nbsp;:"
        return (
            "<ul>"
            + "".join(
                f"<li><strong>{html.escape(a.title)}</strong>{colon} "
                f"{html.escape(count(a.photos, a.videos))}</li>"
                for a in ordered
            )
            + "</ul>"
        )

    login = html.escape(login_link, quote=True)
    page = html.escape(login_page, quote=True)
    unsubscribe = html.escape(unsubscribe_link, quote=True)
    name = html.escape(centre)
    title = html.escape(subject(centre))
    body = (
        '<!doctype html><html lang="fr"><head><meta charset="utf-8">'
        f"<title>{title}</title></head><body>"
        "<p>Bonjour,</p>"
        f"<p>{html.escape(_count_fr(photos, videos))} de plus à voir pour vous, de "
        f"«&nbsp;{name}&nbsp;», sur Pellicule&nbsp;:</p>"
        f"{items_html(False)}"
        f'<p><a href="{login}">Ouvrir ma galerie</a> (lien valable {link_hours}&nbsp;heures, '
        "il ne sert qu'une fois&nbsp;; la page qu'il ouvre a un bouton «&nbsp;Ouvrir ma "
        f'galerie&nbsp;»). Ensuite, demandez un nouveau lien sur <a href="{page}">{page}</a>.'
        "</p>"
        "<p>Vous recevez au plus un e-mail de ce type par jour, seulement s'il y a du nouveau. "
        f'<a href="{unsubscribe}">Ne plus recevoir ces e-mails</a>.</p>'
        '<hr><div lang="en">'
        "<p>Hello,</p>"
        f"<p>{html.escape(_count_en(photos, videos))} more for you to see from "
        f"&quot;{name}&quot; on Pellicule:</p>"
        f"{items_html(True)}"
        f'<p><a href="{login}">Open my gallery</a> (link valid for {link_hours} hours, it '
        'works once; the page it opens has an "Open my gallery" button). After that, ask '
        f'for a new link at <a href="{page}">{page}</a>.</p>'
        "<p>You get at most one such e-mail a day, only when there is something new. "
        f'<a href="{unsubscribe}">Stop these e-mails</a>.</p>'
        "</div></body></html>"
    )
    return Message(subject(centre), text, body)
