"""The album archives store: ``ARCHIVE#<id>`` items in a centre's partition (a family's zip of
an album, docs/delivery.md "Album archives"). Key formats: ``pellicule.store.keys``.

A job is created ``queued`` by the family function with the items the gate allowed then, set
``building`` by the archive function, then ``ready`` (the object key, counts and size) or
``failed``. DynamoDB's TTL removes it after the archive object's own expiry.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from pynamodb.exceptions import DoesNotExist, PutError

from pellicule.store import data, keys
from pellicule.store.models import ArchiveJob, SouvenirNotice

# The item type callers hold.
ArchiveRecord = ArchiveJob

QUEUED = "queued"
BUILDING = "building"
READY = "ready"
FAILED = "failed"


@dataclass(frozen=True)
class Wanted:
    """One item of a job: the media id and its 1-based position in the album."""

    media_id: str
    position: int


def create(
    tenant_id: str,
    archive_id: str,
    *,
    guardian_id: str,
    album_id: str,
    items: Sequence[Wanted],
    selection: bool,
    file_name: str,
    now: int,
    expires_at: int,
) -> ArchiveJob:
    data.ready()
    job = ArchiveJob(
        keys.tenant_pk(tenant_id),
        keys.archive_sk(archive_id),
        tenant_id=tenant_id,
        archive_id=archive_id,
        guardian_id=guardian_id,
        album_id=album_id,
        items=[{"m": w.media_id, "p": w.position} for w in items],
        selection=selection,
        status=QUEUED,
        created_at=now,
        updated_at=now,
        file_name=file_name,
        expires_at=expires_at,
    )
    job.save(condition=ArchiveJob.sk.does_not_exist())
    return job


def get(tenant_id: str, archive_id: str) -> ArchiveJob | None:
    data.ready()
    try:
        return ArchiveJob.get(
            keys.tenant_pk(tenant_id), keys.archive_sk(archive_id), consistent_read=True
        )
    except DoesNotExist:
        return None


def wanted(job: ArchiveJob) -> list[Wanted]:
    return [Wanted(str(entry["m"]), int(entry["p"])) for entry in job.items or ()]


def mark_building(job: ArchiveJob, *, now: int) -> None:
    job.update(actions=[ArchiveJob.status.set(BUILDING), ArchiveJob.updated_at.set(now)])


def mark_progress(job: ArchiveJob, *, written: int, now: int) -> None:
    """How many items are in the zip so far (the family's progress bar)."""
    job.update(actions=[ArchiveJob.written.set(written), ArchiveJob.updated_at.set(now)])


def mark_ready(
    job: ArchiveJob,
    *,
    object_key: str,
    written: int,
    blurred: int,
    dropped: int,
    size: int,
    now: int,
) -> None:
    job.update(
        actions=[
            ArchiveJob.status.set(READY),
            ArchiveJob.object_key.set(object_key),
            ArchiveJob.written.set(written),
            ArchiveJob.blurred.set(blurred),
            ArchiveJob.dropped.set(dropped),
            ArchiveJob.size.set(size),
            ArchiveJob.updated_at.set(now),
        ]
    )


def mark_failed(job: ArchiveJob, *, reason: str, now: int) -> None:
    job.update(
        actions=[
            ArchiveJob.status.set(FAILED),
            ArchiveJob.failure.set(reason),
            ArchiveJob.updated_at.set(now),
        ]
    )


def of_centre(tenant_id: str, *, album_id: str | None = None) -> list[ArchiveJob]:
    """The centre's archive jobs (one query of its partition), or only those holding items of
    one album."""
    data.ready()
    found = ArchiveJob.query(
        keys.tenant_pk(tenant_id), ArchiveJob.sk.startswith(keys.ARCHIVE), consistent_read=True
    )
    if album_id is None:
        return list(found)
    from pellicule.store import child_packs

    # A child's souvenir pack holds items of several albums: it goes with any of them.
    return [job for job in found if album_id in child_packs.albums_of(job)]


def forget(job: ArchiveJob) -> None:
    """The job goes (its object is deleted by the caller): the family asks again if need be."""
    job.delete()


# --- Souvenir notices (the e-mail before an album's purge) ------------------------------------


def claim_souvenir(
    tenant_id: str, album_id: str, guardian_id: str, *, now: int, expires_at: int
) -> bool:
    """Record that this family is told about this album; False if it was already (one
    conditional write: two runs at once, or a retried one, send one e-mail)."""
    data.ready()
    notice = SouvenirNotice(
        keys.tenant_pk(tenant_id),
        keys.souvenir_sk(album_id, guardian_id),
        tenant_id=tenant_id,
        album_id=album_id,
        guardian_id=guardian_id,
        at=now,
        expires_at=expires_at,
    )
    try:
        notice.save(condition=SouvenirNotice.sk.does_not_exist())
    except PutError as error:
        if error.cause_response_code == "ConditionalCheckFailedException":
            return False
        raise
    return True


def release_souvenir(tenant_id: str, album_id: str, guardian_id: str) -> None:
    """The e-mail could not be sent: the next run tries again."""
    SouvenirNotice(keys.tenant_pk(tenant_id), keys.souvenir_sk(album_id, guardian_id)).delete()
