"""The daily digest e-mail: one template (French then English; plain text and HTML); via SES.

``compose`` is pure (tested on its own); ``send`` is the only AWS call. It names the centre
and the albums with new items and counts them; never a child, never an image. Its words are in
the message catalogue (``pellicule.domain.messages.mail``), its shape below. Links are built
from the configured public URL handed in by the caller, never from a request header.
"""

from __future__ import annotations

from dataclasses import dataclass

# Re-exported: callers (and tests) use mail.send / mail.client.
from pellicule.adapters.outbox import Message as Message
from pellicule.adapters.outbox import client as client
from pellicule.adapters.outbox import send as send
from pellicule.domain import emails
from pellicule.domain.emails import Action, Bullets, Paragraph, Phrase, Strong, Url

UNSUBSCRIBE_PAGE = "/unsubscribe.html"
LOGIN_PAGE = "/login.html"
SUBJECT = "digest_mail_subject"


@dataclass(frozen=True)
class AlbumNews:
    title: str
    date: str  # ISO date of the album (ordering only)
    photos: int
    videos: int


def unsubscribe_url(public_url: str, token: str) -> str:
    """The token rides in the fragment: never sent to a server, so never in an access log."""
    return f"{public_url.rstrip('/')}{UNSUBSCRIBE_PAGE}#{token}"


def count(photos: int, videos: int) -> list[Phrase]:
    """ "3 photos, 1 vidéo": the kinds there are, singular or plural."""
    parts = []
    if photos:
        parts.append(Phrase(f"count_photos_{'one' if photos == 1 else 'many'}", {"count": photos}))
    if videos:
        parts.append(Phrase(f"count_videos_{'one' if videos == 1 else 'many'}", {"count": videos}))
    return parts


def template(
    *,
    public_url: str,
    centre: str,
    albums: list[AlbumNews],
    login_link: str,
    link_hours: int,
    unsubscribe_link: str,
) -> emails.Email:
    """The digest of one guardian: counts per album, a fresh sign-in link, an unsubscribe link."""
    ordered = sorted(albums, key=lambda a: (a.date, a.title), reverse=True)
    photos = sum(a.photos for a in ordered)
    videos = sum(a.videos for a in ordered)
    login_page = f"{public_url.rstrip('/')}{LOGIN_PAGE}"
    return emails.Email(
        SUBJECT,
        [
            Paragraph("mail_greeting"),
            Paragraph("digest_mail_intro", {"count": count(photos, videos), "centre": centre}),
            Bullets(
                [
                    [
                        Paragraph(
                            "digest_mail_album",
                            {"title": Strong(a.title), "count": count(a.photos, a.videos)},
                        )
                    ]
                    for a in ordered
                ]
            ),
            Action("digest_mail_open", login_link),
            Paragraph("digest_mail_link_note", {"hours": link_hours, "page": Url(login_page)}),
            Paragraph("digest_mail_frequency"),
            Action("digest_mail_unsubscribe", unsubscribe_link),
        ],
        subject_name=centre,
    )


def compose(
    *,
    public_url: str,
    centre: str,
    albums: list[AlbumNews],
    login_link: str,
    link_hours: int,
    unsubscribe_link: str,
) -> Message:
    rendered = emails.render(
        template(
            public_url=public_url,
            centre=centre,
            albums=albums,
            login_link=login_link,
            link_hours=link_hours,
            unsubscribe_link=unsubscribe_link,
        )
    )
    return Message(rendered.subject, rendered.text, rendered.html)
