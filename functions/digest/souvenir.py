"""The souvenir e-mail before an album's purge (issue 17, item 5; docs/retention.md).

Run by the daily digest over each centre: the albums whose retention ends within the
centre's ``souvenir_days`` (default 30; 0: never) are read from the centre's own albums (one
query of its partition, no scan); each family that may see something there NOW (the
publication gate's read-path decision, as the digest and the album page make it; the archive
checks again item by item) gets ONE e-mail with a link to the album in the gallery, where
"Télécharger l'album (zip)" builds its archive. Once per album and family: a conditional
write (``archives.claim_souvenir``) before the e-mail, given back if the e-mail fails.
Nothing here delays the purge: it runs on its own schedule and deletes on time whatever was
sent.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from pellicule.config import clock
from pellicule.config.observability import logger
from pellicule.config.settings import get_settings
from pellicule.domain import emails
from pellicule.domain import retention as rules
from pellicule.domain.emails import Action, Paragraph, Strong, Url
from pellicule.domain.errors import error_code
from pellicule.services import consent, publication, tenant_settings
from pellicule.store import archives, roster
from pellicule.store import media as media_store
from pellicule.store.media import AlbumRecord
from pellicule.store.roster import GuardianRecord
from pellicule.store.tenants import TenantRecord

LOG = "digest"
DAY = 24 * 3600
GALLERY_PAGE = "/gallery.html"
LOGIN_PAGE = "/login.html"
KEPT_AFTER_PURGE_DAYS = 7  # the notices outlive the album a little (then DynamoDB's TTL)


@dataclass
class SouvenirCounts:
    souvenir_albums: int = 0  # albums within their notice period
    souvenir_sent: int = 0
    souvenir_already: int = 0  # told on an earlier day (or by another run)
    souvenir_failed: int = 0


def due_albums(
    albums: list[AlbumRecord], months: int, days: int, now: float
) -> list[tuple[AlbumRecord, datetime.date]]:
    """The albums whose media are purged within ``days`` days (not yet), with that day."""
    if days <= 0:
        return []
    today = rules.today(now)
    due = []
    for album in albums:
        try:
            first_purged = rules.purge_date(album.album_date, months)
        except ValueError:
            continue
        if today < first_purged <= today + datetime.timedelta(days=days):
            due.append((album, first_purged))
    return due


def run_tenant(
    tenant: TenantRecord,
    moment: int,
    *,
    albums: Callable[[], list[AlbumRecord]],
) -> SouvenirCounts:
    """``tenant``: the centre's profile as read (the digest reads it whole from the centres
    index: its settings are not read again); ``albums``: the centre's albums that are not
    archived, read once for every part of the centre's digest (``logic.CentreAlbums``)."""
    counts = SouvenirCounts()
    settings = tenant_settings.of_profile(tenant)
    if not settings.allow_downloads:  # the souvenir is the archive: nothing to offer
        return counts
    due = due_albums(albums(), settings.media_retention_months, settings.souvenir_days, moment)
    counts.souvenir_albums = len(due)
    if not due:
        return counts
    guardians = [g for g in roster.every_guardian(tenant.tenant_id) if g.email and not g.archived]
    children = {c.child_id: c for c in roster.every_child(tenant.tenant_id)}
    for album, first_purged in due:
        _album(tenant, album, first_purged, guardians, children, moment, counts)
    return counts


def _album(
    tenant: TenantRecord,
    album: AlbumRecord,
    first_purged: datetime.date,
    guardians: list[GuardianRecord],
    children: dict[str, roster.ChildRecord],
    moment: int,
    counts: SouvenirCounts,
) -> None:
    tenant_id = tenant.tenant_id
    items = [
        m
        for m in media_store.album_items(tenant_id, album.album_id)
        if m.state == publication.PUBLISHED
    ]
    if not items:
        return
    groups = {child_id: child.group_id for child_id, child in children.items()}
    grants = consent.grants(tenant_id, {c for m in items for c in (m.tagged_child_ids or ())})
    expires = int(
        datetime.datetime.combine(
            first_purged + datetime.timedelta(days=KEPT_AFTER_PURGE_DAYS),
            datetime.time(),
            tzinfo=datetime.UTC,
        ).timestamp()
    )
    for guardian in guardians:
        viewer = publication.viewer_of(guardian, children)
        if not viewer.child_ids or not any(
            publication.viewer_decision(viewer, m, album, groups, grants, moment).visible
            for m in items
        ):
            continue
        if not archives.claim_souvenir(
            tenant_id, album.album_id, guardian.guardian_id, now=moment, expires_at=expires
        ):
            counts.souvenir_already += 1
            continue
        if _send(tenant, guardian, album, first_purged):
            counts.souvenir_sent += 1
        else:
            archives.release_souvenir(tenant_id, album.album_id, guardian.guardian_id)
            counts.souvenir_failed += 1


def template(
    *, public_url: str, centre: str, album: AlbumRecord, first_purged: datetime.date
) -> emails.Email:
    """Names the centre and the album, never a child; the link opens the album."""
    base = public_url.rstrip("/")
    return emails.Email(
        "souvenir_mail_subject",
        [
            Paragraph("mail_greeting"),
            Paragraph(
                "souvenir_mail_intro",
                {"title": Strong(album.title), "date": first_purged.isoformat(), "centre": centre},
            ),
            Paragraph("souvenir_mail_keep"),
            Action("souvenir_mail_open", f"{base}{GALLERY_PAGE}#/album/{album.album_id}"),
            Paragraph("souvenir_mail_sign_in", {"page": Url(f"{base}{LOGIN_PAGE}")}),
            Paragraph("souvenir_mail_once"),
        ],
        subject_name=centre,
    )


def _send(
    tenant: TenantRecord, guardian: GuardianRecord, album: AlbumRecord, first_purged: datetime.date
) -> bool:
    from functions.digest import mail
    from pellicule.adapters import delivery

    ref = f"guardian:{guardian.guardian_id}"
    try:
        rendered = emails.render(
            template(
                public_url=delivery.public_url(),
                centre=tenant.name,
                album=album,
                first_purged=first_purged,
            )
        )
        message = mail.Message(rendered.subject, rendered.text, rendered.html)
        mail.send(mail.client(), get_settings().mail_from, guardian.email, message)
    except Exception as error:  # noqa: BLE001 - one family's failure must not stop the run
        logger(LOG).error("souvenir not sent", extra={"guardian": ref, "error": error_code(error)})
        return False
    logger(LOG).info(
        "souvenir sent",
        extra={"guardian": ref, "album": album.album_id, "at": int(clock.now())},
    )
    return True
