"""What the archive function's two builders share: the outcome of a build, the running
counts, the object's key and the zip entries' time (functions/archive/logic.py for album
archives, functions/archive/packs.py for a child's souvenir pack)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from pellicule.config import topology

if TYPE_CHECKING:
    from functions.archive.zipper import Entry
    from pellicule.adapters.s3stream import MultipartWriter
    from pellicule.store.archives import ArchiveRecord

PROGRESS_EVERY = 10  # items: the job's ``written`` moves on (one small write) for the page


@dataclass(frozen=True)
class Outcome:
    status: str
    written: int = 0
    blurred: int = 0
    dropped: int = 0
    size: int = 0
    parts: int = 0
    peak_buffer: int = 0


def archive_key(tenant_id: str, archive_id: str) -> str:
    """Outside ``t/``: no wildcard policy the gallery signs reaches it."""
    return f"{topology.ARCHIVES_PREFIX}{tenant_id}/{archive_id}.zip"


@dataclass
class Counts:
    blurred: int = 0
    dropped: int = 0
    yielded: int = 0  # entries handed to the zip writer so far


def date_time(album_date: str) -> tuple[int, int, int, int, int, int]:
    try:
        day = date.fromisoformat(album_date)
    except ValueError:
        return (1980, 1, 1, 0, 0, 0)
    return (max(day.year, 1980), day.month, day.day, 12, 0, 0)


@dataclass(frozen=True)
class Zipped:
    """A zip written and its upload completed: the entries in it, the writer (its size and
    parts) and the counts of the build."""

    names: list[Entry]
    writer: MultipartWriter
    counts: Counts


def write_zip(
    job: ArchiveRecord,
    entries: Callable[[Counts], Iterator[Entry | None]],
    *,
    part_size: int,
) -> Zipped | Outcome:
    """Stream the job's entries into ``archive_key`` through one multipart upload; nothing
    left to write (every item dropped) aborts it and marks the job failed (that Outcome).
    Any error aborts the upload and is raised."""
    from functions.archive import zipper
    from pellicule.adapters import aws, s3stream
    from pellicule.config import clock
    from pellicule.config.settings import get_settings
    from pellicule.store import archives

    writer = s3stream.MultipartWriter(
        aws.client("s3"),
        get_settings().media_bucket,
        archive_key(job.tenant_id, job.archive_id),
        content_type="application/zip",
        content_disposition=f'attachment; filename="{job.file_name}"',
        part_size=part_size,
    )
    counts = Counts()
    try:
        written = zipper.write_zip(writer, entries(counts))
        if not written:
            writer.abort()
            archives.mark_failed(job, reason="archive_nothing_left", now=int(clock.now()))
            return Outcome(archives.FAILED, dropped=counts.dropped)
        writer.complete()
    except BaseException:
        writer.abort()
        raise
    return Zipped(written, writer, counts)
