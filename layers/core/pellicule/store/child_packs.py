"""Souvenir packs of a child who left the centre: ``ARCHIVE#<id>`` jobs of kind ``child`` in
the centre's partition (the archive function builds them as it builds album archives;
docs/delivery.md "Album archives", docs/notifications.md "When a child leaves").

One pack per child and guardian: its id is derived from both (:func:`pack_id`), and it is
created by one conditional write, so a second archive call (or a retry) creates nothing. The
e-mail is claimed by a conditional update (``mail_state`` due -> sending), then marked sent
with the SHA-256 of its link's token, or given back (due again) for the digest's run.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

from pynamodb.exceptions import PutError, UpdateError

from pellicule.store import data, keys
from pellicule.store.models import ArchiveJob

KIND = "child"
MAIL_DUE = "due"
MAIL_SENDING = "sending"
MAIL_SENT = "sent"
CLAIM_STALE_SECONDS = 3600  # a claim older than this (a crash mid-send) may be taken again


@dataclass(frozen=True)
class PackItem:
    media_id: str
    album_id: str
    position: int  # 1-based, among this pack's items of that album
    blurred: bool  # served blurred to this family when the child left: never more in the zip


def pack_id(child_id: str, guardian_id: str) -> str:
    """The same id for the same child and guardian (no personal data: a hash of two ids)."""
    return "c" + hashlib.sha256(f"{child_id}#{guardian_id}".encode()).hexdigest()[:40]


def _condition_failed(error: PutError | UpdateError) -> bool:
    return error.cause_response_code == "ConditionalCheckFailedException"


def create(
    tenant_id: str,
    *,
    child_id: str,
    guardian_id: str,
    viewer_child_ids: Sequence[str],
    viewer_group_ids: Sequence[str],
    items: Sequence[PackItem],
    file_name: str,
    now: int,
    expires_at: int,
) -> ArchiveJob | None:
    """The pack, queued with its e-mail due; ``None`` if this child's pack for this guardian
    exists already."""
    data.ready()
    archive_id = pack_id(child_id, guardian_id)
    job = ArchiveJob(
        keys.tenant_pk(tenant_id),
        keys.archive_sk(archive_id),
        tenant_id=tenant_id,
        archive_id=archive_id,
        guardian_id=guardian_id,
        album_id="",  # several albums: each item names its own ("a")
        items=[{"m": i.media_id, "p": i.position, "a": i.album_id, "b": i.blurred} for i in items],
        selection=False,
        status="queued",
        created_at=now,
        updated_at=now,
        file_name=file_name,
        expires_at=expires_at,
        kind=KIND,
        child_id=child_id,
        viewer_child_ids=sorted(viewer_child_ids),
        viewer_group_ids=sorted(viewer_group_ids),
        mail_state=MAIL_DUE,
        token_until=expires_at,
    )
    try:
        job.save(condition=ArchiveJob.sk.does_not_exist())
    except PutError as error:
        if _condition_failed(error):
            return None
        raise
    return job


def items_of(job: ArchiveJob) -> list[PackItem]:
    return [
        PackItem(str(e["m"]), str(e.get("a") or ""), int(e["p"]), bool(e.get("b")))
        for e in job.items or ()
    ]


def albums_of(job: ArchiveJob) -> set[str]:
    """Every album a job holds items of (one for an album archive)."""
    if job.kind != KIND:
        return {job.album_id}
    return {str(e.get("a")) for e in job.items or () if e.get("a")}


def is_pack(job: ArchiveJob | None) -> bool:
    return job is not None and job.kind == KIND


def claim_mail(job: ArchiveJob, *, token_hash: str, now: int) -> bool:
    """Take the e-mail to send, with the hash of the token it carries (one conditional
    update, before the e-mail goes): False if it is sent, or being sent."""
    try:
        job.update(
            actions=[
                ArchiveJob.mail_state.set(MAIL_SENDING),
                ArchiveJob.mail_claimed_at.set(now),
                ArchiveJob.token_hash.set(token_hash),
            ],
            condition=(ArchiveJob.mail_state == MAIL_DUE)
            | (
                (ArchiveJob.mail_state == MAIL_SENDING)
                & (ArchiveJob.mail_claimed_at < now - CLAIM_STALE_SECONDS)
            ),
        )
    except UpdateError as error:
        if _condition_failed(error):
            return False
        raise
    return True


def mail_sent(job: ArchiveJob) -> None:
    job.update(actions=[ArchiveJob.mail_state.set(MAIL_SENT)])


def release_mail(job: ArchiveJob) -> None:
    """The e-mail could not be sent: due again (the digest's run tries again)."""
    job.update(actions=[ArchiveJob.mail_state.set(MAIL_DUE), ArchiveJob.token_hash.remove()])
