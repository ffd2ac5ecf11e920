"""Building a family's album archive (docs/delivery.md, "Album archives").

A job (``pellicule.store.archives``) names the items the gate allowed when the guardian asked.
Here, for each one in turn, the gate is checked again with the consents of that moment
(``services.archives.recheck``): an item no longer allowed is dropped, an item now shown
blurred gets its blurred file. Each allowed file is read from the media bucket as a stream
and written, stored, into a zip that goes up to ``archives/<tenant>/<id>.zip`` through an S3
multipart upload holding one part in memory. One audit entry per archive (``download``,
pseudonymous ids and counts).
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator

from functions.archive import packs, zipper
from functions.archive.common import PROGRESS_EVERY, Outcome, archive_key, date_time, write_zip
from functions.archive.common import Counts as _Counts
from pellicule.adapters import aws, s3stream
from pellicule.config import clock, topology
from pellicule.config.settings import get_settings
from pellicule.domain.publication import Viewer
from pellicule.services import archives as rules
from pellicule.services import audit, tenant_settings
from pellicule.store import archives, data, roster
from pellicule.store import media as media_store
from pellicule.store.archives import ArchiveRecord
from pellicule.store.media import AlbumRecord

logger = logging.getLogger("pellicule.archive")

_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
MAX_ATTEMPTS = topology.ARCHIVE_QUEUE.max_receive_count


def process_message(body: str, *, last_attempt: bool = False) -> None:
    message = json.loads(body)
    tenant_id, archive_id = message.get("tenant_id"), message.get("archive_id")
    if not (isinstance(tenant_id, str) and _ID.match(tenant_id)):
        logger.warning("archive message without a valid centre: dropped")
        return
    if not (isinstance(archive_id, str) and _ID.match(archive_id)):
        logger.warning("archive message without a valid archive id: dropped")
        return
    try:
        build(tenant_id, archive_id)
    except Exception:
        if last_attempt:
            job = archives.get(tenant_id, archive_id)
            if job is not None and job.status != archives.READY:
                archives.mark_failed(job, reason="archive_failed", now=int(clock.now()))
        raise


def _refusal(job: ArchiveRecord) -> str | None:
    """Why the job can no longer be built (a message code), or ``None``."""
    guardian = roster.guardian(job.tenant_id, job.guardian_id, consistent=True)
    if guardian is None or guardian.archived:
        return "family_access_closed"
    if not tenant_settings.for_tenant(job.tenant_id).allow_downloads:
        return "downloads_not_allowed"
    album = media_store.album(job.tenant_id, job.album_id)
    if album is None or album.archived:
        return "album_not_found"
    return None


def build(tenant_id: str, archive_id: str, *, part_size: int = s3stream.PART_SIZE) -> Outcome:
    """Build the archive once (a job already ready or failed is left as it is)."""
    data.ready()
    job = archives.get(tenant_id, archive_id)
    if job is None or job.status in (archives.READY, archives.FAILED):
        return Outcome(job.status if job is not None else "gone")
    if job.kind is not None:  # a child's souvenir pack
        return packs.build(job, part_size=part_size)
    now = int(clock.now())
    refusal = _refusal(job)
    if refusal is not None:
        archives.mark_failed(job, reason=refusal, now=now)
        return Outcome(archives.FAILED)
    archives.mark_building(job, now=now)
    guardian = roster.guardian(tenant_id, job.guardian_id, consistent=True)
    album = media_store.album(tenant_id, job.album_id)
    assert guardian is not None  # checked by _refusal
    assert album is not None
    viewer = rules.family_viewer(tenant_id, guardian)
    zipped = write_zip(
        job, lambda counts: _entries(job, viewer, album, counts), part_size=part_size
    )
    if isinstance(zipped, Outcome):
        return zipped
    key = archive_key(tenant_id, archive_id)
    return _finish(job, key, zipped.names, zipped.counts, zipped.writer)


def _entries(
    job: ArchiveRecord, viewer: Viewer, album: AlbumRecord, counts: _Counts
) -> Iterator[zipper.Entry | None]:
    """The zip's entries, each decided by the gate just before it is written."""
    tenant_id = job.tenant_id
    groups = rules.groups_of(tenant_id)
    bucket = get_settings().media_bucket
    s3 = aws.client("s3")
    stamp = date_time(album.album_date)
    for wanted in archives.wanted(job):
        if counts.yielded and counts.yielded % PROGRESS_EVERY == 0:
            # The previous entries are written (the writer asks for the next one after).
            archives.mark_progress(job, written=counts.yielded, now=int(clock.now()))
        source = rules.recheck(tenant_id, viewer, album, wanted.media_id, groups, clock.now())
        if source is None:
            counts.dropped += 1
            yield None
            continue
        counts.blurred += source.blurred
        counts.yielded += 1
        yield zipper.Entry(
            name=rules.entry_name(album.album_date, album.title, wanted.position, source),
            size=source.size,
            date_time=stamp,
            data=s3stream.chunks(s3, bucket, source.key),
        )


def _finish(
    job: ArchiveRecord,
    key: str,
    written: list[zipper.Entry],
    counts: _Counts,
    writer: s3stream.MultipartWriter,
) -> Outcome:
    now = int(clock.now())
    archives.mark_ready(
        job,
        object_key=key,
        written=len(written),
        blurred=counts.blurred,
        dropped=counts.dropped,
        size=writer.size,
        now=now,
    )
    audit.record(  # chained later in a batch (docs/audit.md)
        job.tenant_id,
        "download",
        f"guardian:{job.guardian_id}",
        f"album:{job.album_id}",
        {
            "archive": job.archive_id,
            "items": len(written),
            "blurred": counts.blurred,
            "dropped": counts.dropped,
        },
    )
    record_archive_download(job)
    return Outcome(
        archives.READY,
        written=len(written),
        blurred=counts.blurred,
        dropped=counts.dropped,
        size=writer.size,
        parts=writer.parts,
        peak_buffer=writer.peak_buffer,
    )


def record_archive_download(job: ArchiveRecord) -> None:
    """The family's "Mes téléchargements" list (issue 17, item 8): one entry for the archive,
    under its file name and album (the list shows the album's current title)."""
    from pellicule.store import downloads

    downloads.record(
        job.tenant_id,
        job.guardian_id,
        kind="archive",
        album_id=job.album_id,
        name=job.file_name,
    )
