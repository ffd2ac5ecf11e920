"""Building a child's souvenir pack (docs/notifications.md, "When a child leaves").

The pack's items were chosen when the director archived the child: what the gate let this
family see just then (``pellicule.services.child_souvenir``). Here each one is checked again,
just before it is written, for what must still hold:

- the item still exists, is published and its album is neither archived nor past retention
  (the purge and an erasure delete the pack as well: this covers the minutes in between);
- the gate still lets this family see it, read now with the consents of every tagged child
  (another child's consent withdrawn meanwhile drops the item or blurs it) and with the
  family as it was when the child left (their viewer, kept on the pack): the departing
  child's own items stay allowed for their own family, whose access ended only by the
  archive;
- never more than the family saw then: an item they were served blurred stays blurred.

One audit entry per pack (``download``, subject ``child:<id>``, pseudonymous ids and counts).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

from functions.archive import zipper
from functions.archive.common import (
    PROGRESS_EVERY,
    Counts,
    Outcome,
    archive_key,
    date_time,
    write_zip,
)
from pellicule.adapters import aws, s3stream
from pellicule.config import clock
from pellicule.config.settings import get_settings
from pellicule.domain import retention as retention_rules
from pellicule.domain.gate import Visibility
from pellicule.domain.publication import Viewer
from pellicule.services import archives as rules
from pellicule.services import audit, tenant_settings
from pellicule.store import archives, child_packs, roster
from pellicule.store import media as media_store
from pellicule.store.archives import ArchiveRecord
from pellicule.store.media import AlbumRecord

logger = logging.getLogger("pellicule.archive")


def _refusal(job: ArchiveRecord) -> str | None:
    guardian = roster.guardian(job.tenant_id, job.guardian_id, consistent=True)
    if guardian is None or guardian.archived:
        return "family_access_closed"
    if not tenant_settings.for_tenant(job.tenant_id).allow_downloads:
        return "downloads_not_allowed"
    return None


def _viewer(job: ArchiveRecord) -> Viewer:
    return Viewer(
        guardian_id=job.guardian_id,
        child_ids=frozenset(job.viewer_child_ids or ()),
        group_ids=frozenset(job.viewer_group_ids or ()),
    )


def build(job: ArchiveRecord, *, part_size: int = s3stream.PART_SIZE) -> Outcome:
    now = int(clock.now())
    refusal = _refusal(job)
    if refusal is not None:
        archives.mark_failed(job, reason=refusal, now=now)
        return Outcome(archives.FAILED)
    archives.mark_building(job, now=now)
    zipped = write_zip(job, lambda counts: _entries(job, counts), part_size=part_size)
    if isinstance(zipped, Outcome):
        return zipped
    key = archive_key(job.tenant_id, job.archive_id)
    written, counts, writer = zipped.names, zipped.counts, zipped.writer
    archives.mark_ready(
        job,
        object_key=key,
        written=len(written),
        blurred=counts.blurred,
        dropped=counts.dropped,
        size=writer.size,
        now=int(clock.now()),
    )
    audit.record(  # chained later in a batch (docs/audit.md)
        job.tenant_id,
        "download",
        f"guardian:{job.guardian_id}",
        f"child:{job.child_id}",
        {
            "archive": job.archive_id,
            "souvenir": "child_left",
            "items": len(written),
            "blurred": counts.blurred,
            "dropped": counts.dropped,
        },
    )
    return Outcome(
        archives.READY,
        written=len(written),
        blurred=counts.blurred,
        dropped=counts.dropped,
        size=writer.size,
        parts=writer.parts,
        peak_buffer=writer.peak_buffer,
    )


def _entries(job: ArchiveRecord, counts: Counts) -> Iterator[zipper.Entry | None]:
    tenant_id = job.tenant_id
    viewer = _viewer(job)
    groups = rules.groups_of(tenant_id)
    months = tenant_settings.for_tenant(tenant_id).media_retention_months
    bucket = get_settings().media_bucket
    s3 = aws.client("s3")
    albums: dict[str, AlbumRecord | None] = {}
    for wanted in child_packs.items_of(job):
        if counts.yielded and counts.yielded % PROGRESS_EVERY == 0:
            archives.mark_progress(job, written=counts.yielded, now=int(clock.now()))
        if wanted.album_id not in albums:
            found = media_store.album(tenant_id, wanted.album_id)
            live = found is not None and not found.archived
            live = live and not retention_rules.expired(found.album_date, months, clock.now())  # type: ignore[union-attr]
            albums[wanted.album_id] = found if live else None
        album = albums[wanted.album_id]
        cap = Visibility.BLURRED if wanted.blurred else Visibility.CLEAN
        source = (
            None
            if album is None
            else rules.recheck(tenant_id, viewer, album, wanted.media_id, groups, clock.now(), cap)
        )
        if album is None or source is None:
            counts.dropped += 1
            yield None
            continue
        counts.blurred += source.blurred
        counts.yielded += 1
        yield zipper.Entry(
            name=rules.entry_name(album.album_date, album.title, wanted.position, source),
            size=source.size,
            date_time=date_time(album.album_date),
            data=s3stream.chunks(s3, bucket, source.key),
        )
