"""A souvenir pack when a child leaves the centre (issue 17, item 5; docs/notifications.md,
"When a child leaves").

When a director archives a child, the family's access to that child's photos ends at once.
Just before the roster write, :func:`families_before` takes each active guardian's family as
the gate saw it then (the departing child still linked); right after it, :func:`offer` records
for each of them ONE pack (``pellicule.store.child_packs``): the items showing that child, in
the albums still within retention, that the gate let this family see at that moment (a
blurred variant where they were served blurred), queues its building by the archive function
and sends one e-mail whose link carries a single-purpose token. :func:`redeem` turns that
token into a short-lived link to the zip (the family API's public ``POST souvenir``).

Never raises into the archive of the child: a queue or e-mail failure leaves the pack due and
the daily digest run retries it (:func:`retry`). Logs carry ids and error codes only.
"""

from __future__ import annotations

import contextlib
import datetime
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pellicule.config import clock, topology
from pellicule.config.observability import logger
from pellicule.config.settings import get_settings
from pellicule.domain import pack_tokens
from pellicule.domain import publication as gate_rules
from pellicule.domain import retention as retention_rules
from pellicule.domain.errors import BadRequest, error_code
from pellicule.services import archives as archive_rules
from pellicule.services import consent, publication, tenant_settings
from pellicule.store import archives, child_packs, roster
from pellicule.store import media as media_store
from pellicule.store.archives import ArchiveRecord as ArchiveJob
from pellicule.store.media import AlbumRecord, MediaRecord
from pellicule.store.roster import ChildRecord, GuardianRecord

LOG = "souvenir"
DAY = 24 * 3600
# The pack, its token and its job live as long as the zip's lifecycle rule keeps the object
# (it is written minutes after the job: the rule, counted from the object, outlasts both).
VALID_DAYS = topology.ARCHIVE_EXPIRATION_DAYS
STALE_QUEUED_SECONDS = 3600  # a pack still queued after this is sent to the queue again
PAGE = "/souvenir.html"
INVALID = "souvenir_link_invalid"


class InvalidSouvenirLink(BadRequest):
    """Malformed, unknown, expired or someone else's token: one answer for all."""

    code = "invalid_souvenir_link"


@dataclass(frozen=True)
class Family:
    """One guardian's family as the gate saw it just before the child left."""

    guardian: GuardianRecord
    viewer: gate_rules.Viewer


def families_before(tenant_id: str, child: ChildRecord) -> list[Family]:
    """The active guardians of ``child`` (with an address) and their families, read BEFORE
    the child is archived. Never raises (nothing is offered then)."""
    try:
        found = []
        for guardian_id in sorted(child.guardian_ids or ()):
            guardian = roster.guardian(tenant_id, guardian_id, consistent=True)
            if guardian is None or guardian.archived or not guardian.email:
                continue
            children = roster.children_named(tenant_id, guardian.child_ids or ())
            children[child.child_id] = child
            viewer = publication.viewer_of(guardian, children)
            if child.child_id in viewer.child_ids:
                found.append(Family(guardian, viewer))
        return found
    except Exception as error:  # noqa: BLE001 - never blocks the archive of the child
        logger(LOG).error(
            "souvenir families not read",
            extra={"child": f"child:{child.child_id}", "error": error_code(error)},
        )
        return []


def offer(tenant_id: str, child_id: str, families: list[Family], now: float | None = None) -> int:
    """After the archive of ``child_id``: one pack and one e-mail per family (packs that
    exist already are left alone). Returns the packs created. Never raises."""
    moment = int(clock.now() if now is None else now)
    try:
        if not families or not tenant_settings.for_tenant(tenant_id).allow_downloads:
            return 0
        chosen = _candidates(tenant_id, child_id, moment)
        created = 0
        for family in families:
            job = _create(tenant_id, child_id, family, chosen, moment)
            if job is not None:
                created += 1
                _enqueue(job)
                send_mail(job, now=moment)
        return created
    except Exception as error:  # noqa: BLE001 - never blocks the archive of the child
        logger(LOG).error(
            "souvenir packs not offered",
            extra={"child": f"child:{child_id}", "error": error_code(error)},
        )
        return 0


@dataclass(frozen=True)
class _Candidates:
    items: list[tuple[AlbumRecord, MediaRecord]]  # in album date then upload order
    groups: Mapping[str, str]
    grants: Any


def _candidates(tenant_id: str, child_id: str, moment: int) -> _Candidates:
    """The published items showing the child, in albums still within retention (one query
    of the child's tags, the items by key in batches of 100, each album by key: no scan)."""
    months = tenant_settings.for_tenant(tenant_id).media_retention_months
    albums: dict[str, AlbumRecord | None] = {}
    found: list[tuple[AlbumRecord, MediaRecord]] = []
    tagged_ids = list(media_store.tagged_media_ids(tenant_id, child_id))
    for media in media_store.items_read(tenant_id, tagged_ids):
        if media.state != publication.PUBLISHED:
            continue
        if media.album_id not in albums:
            album = media_store.album(tenant_id, media.album_id)
            keep = album is not None and not album.archived
            keep = keep and not retention_rules.expired(album.album_date, months, moment)  # type: ignore[union-attr]
            albums[media.album_id] = album if keep else None
        album = albums[media.album_id]
        if album is not None:
            found.append((album, media))
    # Albums by date, then each album's items in its own order (upload second, then id).
    found.sort(key=lambda p: (p[0].album_date, p[0].album_id, int(p[1].created_at), p[1].media_id))
    tagged = {c for _, m in found for c in (m.tagged_child_ids or ())}
    grants = consent.grants(tenant_id, tagged)
    return _Candidates(found, publication.child_groups(tenant_id), grants)


def _create(
    tenant_id: str, child_id: str, family: Family, chosen: _Candidates, moment: int
) -> ArchiveJob | None:
    items: list[child_packs.PackItem] = []
    per_album: dict[str, int] = {}
    for album, media in chosen.items:
        source = archive_rules.source_of(
            family.viewer, media, album, chosen.groups, chosen.grants, moment
        )
        if source is None:
            continue
        per_album[album.album_id] = per_album.get(album.album_id, 0) + 1
        items.append(
            child_packs.PackItem(
                media.media_id, album.album_id, per_album[album.album_id], source.blurred
            )
        )
    if not items:
        return None
    return child_packs.create(
        tenant_id,
        child_id=child_id,
        guardian_id=family.guardian.guardian_id,
        viewer_child_ids=sorted(family.viewer.child_ids),
        viewer_group_ids=sorted(family.viewer.group_ids),
        items=items[: archive_rules.MAX_ITEMS],
        file_name=f"pellicule_souvenirs_{retention_rules.today(moment).isoformat()}.zip",
        now=moment,
        expires_at=moment + VALID_DAYS * DAY,
    )


def _enqueue(job: ArchiveJob) -> bool:
    from pellicule.adapters import archive_queue

    try:
        archive_queue.enqueue(job.tenant_id, job.archive_id)
    except Exception as error:  # noqa: BLE001 - the digest's run sends it again
        logger(LOG).error(
            "souvenir pack not queued", extra={"pack": job.archive_id, "error": error_code(error)}
        )
        return False
    return True


def send_mail(job: ArchiveJob, *, now: int) -> str:
    """``sent``, ``not_due`` (sent, or being sent) or ``failed`` (due again). Never raises."""
    ref = f"guardian:{job.guardian_id}"
    issued = pack_tokens.issue(job.tenant_id, job.archive_id)
    try:
        if not child_packs.claim_mail(job, token_hash=issued.digest, now=now):
            return "not_due"
    except Exception as error:  # noqa: BLE001
        logger(LOG).error(
            "souvenir not claimed", extra={"guardian": ref, "error": error_code(error)}
        )
        return "failed"
    try:
        _deliver(job, issued.token)
        child_packs.mail_sent(job)
    except Exception as error:  # noqa: BLE001 - given back: the digest's run tries again
        with contextlib.suppress(Exception):  # else the claim goes stale, taken again later
            child_packs.release_mail(job)
        # The error's code only: SES messages may quote the recipient's address.
        logger(LOG).error("souvenir not sent", extra={"guardian": ref, "error": error_code(error)})
        return "failed"
    logger(LOG).info("souvenir pack mailed", extra={"guardian": ref, "pack": job.archive_id})
    return "sent"


def _deliver(job: ArchiveJob, token: str) -> None:
    from pellicule.adapters import delivery, outbox
    from pellicule.domain import child_pack_mail
    from pellicule.store import tenants

    settings = get_settings()
    if not settings.mail_from:
        raise RuntimeError("no_sender")
    tenant = tenants.profile(job.tenant_id)
    guardian = roster.guardian(job.tenant_id, job.guardian_id, consistent=True)
    if tenant is None or guardian is None or not guardian.email:
        raise RuntimeError("recipient_gone")
    public_url = delivery.public_url()
    until = datetime.datetime.fromtimestamp(int(job.token_until or job.expires_at), tz=datetime.UTC)
    rendered = child_pack_mail.compose(
        public_url=public_url,
        centre=tenant.name,
        link=f"{public_url.rstrip('/')}{PAGE}#token={token}",
        until=until.date().isoformat(),
    )
    message = outbox.Message(rendered.subject, rendered.text, rendered.html)
    outbox.send(outbox.client(), settings.mail_from, guardian.email, message)


def retry(tenant_id: str, now: float | None = None) -> dict[str, int]:
    """The daily digest's retry path: the centre's packs whose e-mail is still due get it,
    those still queued long after they were asked for go to the queue again (one query of the
    centre's archive jobs)."""
    moment = int(clock.now() if now is None else now)
    counts = {"souvenir_packs_mailed": 0, "souvenir_packs_requeued": 0}
    for job in archives.of_centre(tenant_id):
        if not child_packs.is_pack(job) or int(job.expires_at) <= moment:
            continue
        if job.mail_state != child_packs.MAIL_SENT:
            counts["souvenir_packs_mailed"] += send_mail(job, now=moment) == "sent"
        stale = int(job.updated_at) < moment - STALE_QUEUED_SECONDS
        if job.status == archives.QUEUED and stale and _enqueue(job):
            counts["souvenir_packs_requeued"] += 1
    return counts


def redeem(token: object, now: float | None = None) -> dict[str, Any]:
    """The pack a token opens: its state and, once built, a link signed for that one zip.
    One error for every token that does not work; nothing about the pack is changed."""
    from pellicule.adapters import delivery
    from pellicule.domain import messages

    moment = int(clock.now() if now is None else now)
    parsed = pack_tokens.parse(token)
    if parsed is None:
        raise InvalidSouvenirLink(INVALID)
    job = archives.get(parsed.tenant_id, parsed.pack_id)
    if (
        job is None
        or not child_packs.is_pack(job)
        or not pack_tokens.matches(job.token_hash, parsed.secret)
        or int(job.token_until or 0) <= moment
    ):
        raise InvalidSouvenirLink(INVALID)
    guardian = roster.guardian(job.tenant_id, job.guardian_id, consistent=True)
    if guardian is None or guardian.archived:
        raise InvalidSouvenirLink(INVALID)
    if not tenant_settings.for_tenant(job.tenant_id).allow_downloads:
        from pellicule.domain.errors import Forbidden

        raise Forbidden("downloads_not_allowed")
    ready = job.status == archives.READY and bool(job.object_key)
    return {
        "status": job.status,
        "items": len(job.items or ()),
        "written": None if job.written is None else int(job.written),
        "file_name": job.file_name,
        "url": delivery.signed_archive_url(str(job.object_key)) if ready else None,
        "available_until": int(job.token_until or job.expires_at),
        "failure": job.failure,
        "failure_message": dict(messages.both(job.failure)) if job.failure else None,
    }
