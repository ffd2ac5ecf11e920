"""Storage limitation: deleting an item for good (docs/retention.md); when media expire is
``pellicule.domain.retention`` (pure).

A purged item leaves nothing behind: every version and delete marker of every key it ever had
in the media bucket (renditions, blurred variants, the copies families were served, their
downloads), its ingest object, its tags and its item; the CDN forgets its objects by itself
within the edge TTL of ``/media/*`` (``topology.MEDIA_EDGE_TTL_SECONDS``: no invalidation).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable
from typing import Any

from pellicule.adapters import aws
from pellicule.config import topology
from pellicule.config.settings import get_settings
from pellicule.services import publication
from pellicule.store import media as media_store
from pellicule.store import purge_runs
from pellicule.store.media import MediaRecord
from pellicule.store.writes import Update, transact

__all__ = [
    "Tally",
    "Update",
    "abort_uploads",
    "delete_keys",
    "delete_objects_of",
    "delete_prefix",
    "forget_item",
    "item_keys",
    "media_prefix",
    "purge_item",
    "transact",
]

# --- Object versions -----------------------------------------------------------------------


def _versions(s3: Any, bucket: str, prefix: str) -> Iterable[dict[str, Any]]:
    paginator = s3.get_paginator("list_object_versions")
    for page in paginator.paginate(Bucket=bucket, Prefix=prefix):
        yield from page.get("Versions", [])
        yield from page.get("DeleteMarkers", [])


def _delete(s3: Any, bucket: str, targets: list[dict[str, str]]) -> int:
    for start in range(0, len(targets), 1000):
        s3.delete_objects(
            Bucket=bucket, Delete={"Objects": targets[start : start + 1000], "Quiet": True}
        )
    return len(targets)


def delete_prefix(
    bucket: str,
    prefix: str,
    *,
    keep_current: Iterable[str] = (),
    older_than: float | None = None,
    keep: Callable[[str], bool] | None = None,
) -> int:
    """Delete every version and delete marker under ``prefix``, but: the current version of
    the keys in ``keep_current``, versions written after ``older_than`` (epoch seconds) and
    keys for which ``keep(key)`` is true. Returns how many were deleted."""
    if not prefix:
        raise ValueError("refusing to delete a whole bucket")
    s3 = aws.client("s3")
    current = set(keep_current)

    def doomed(entry: dict[str, Any]) -> bool:
        if entry["Key"] in current and entry.get("IsLatest") and "Size" in entry:
            return False
        if older_than is not None and entry["LastModified"].timestamp() > older_than:
            return False
        return not (keep is not None and keep(entry["Key"]))

    targets = [
        {"Key": entry["Key"], "VersionId": entry["VersionId"]}
        for entry in _versions(s3, bucket, prefix)
        if doomed(entry)
    ]
    return _delete(s3, bucket, targets)


def abort_uploads(bucket: str, prefix: str, *, keep: Callable[[str], bool]) -> int:
    """Abort the multipart uploads under ``prefix`` but those whose key ``keep`` accepts.

    (Their start time is not used: S3 emulators do not report it faithfully.)
    """
    s3 = aws.client("s3")
    aborted = 0
    paginator = s3.get_paginator("list_multipart_uploads")
    for page in paginator.paginate(Bucket=bucket, Prefix=prefix):
        for upload in page.get("Uploads", []):
            if not keep(upload["Key"]):
                s3.abort_multipart_upload(
                    Bucket=bucket, Key=upload["Key"], UploadId=upload["UploadId"]
                )
                aborted += 1
    return aborted


def delete_keys(bucket: str, keys: Iterable[str]) -> int:
    """Delete every version and delete marker of each of ``keys`` (exact keys)."""
    s3 = aws.client("s3")
    total = 0
    for key in sorted(set(keys)):
        targets = [
            {"Key": key, "VersionId": entry["VersionId"]}
            for entry in _versions(s3, bucket, key)
            if entry["Key"] == key
        ]
        total += _delete(s3, bucket, targets)
    return total


# --- Items ---------------------------------------------------------------------------------


def media_prefix(tenant_id: str, media_id: str) -> str:
    """Where the processors write an item's renditions and blurred variants."""
    return f"{topology.MEDIA_PREFIX}{tenant_id}/m/{media_id}/"


def _keys_of(value: Any) -> list[str]:
    raw = value.as_dict() if hasattr(value, "as_dict") else (value or {})
    return [str(info["key"]) for info in raw.values() if isinstance(info, dict) and "key" in info]


def item_keys(media: MediaRecord) -> list[str]:
    """Every media-bucket key the item refers to now."""
    keys = _keys_of(media.renditions) + _keys_of(media.blurred)
    for entry in publication.served(media).values():
        keys += publication.served_keys(entry)
    return keys


def delete_objects_of(tenant_id: str, media: MediaRecord) -> int:
    """Every stored version of the item's objects (media bucket and its ingest object)."""
    settings = get_settings()
    deleted = delete_keys(settings.media_bucket, item_keys(media))
    deleted += delete_prefix(settings.media_bucket, media_prefix(tenant_id, media.media_id))
    if media.ingest_key:
        s3 = aws.client("s3")
        if media.upload_id:
            # A multipart upload never completed (or completed already: nothing to abort).
            with contextlib.suppress(s3.exceptions.ClientError):
                s3.abort_multipart_upload(
                    Bucket=settings.ingest_bucket, Key=media.ingest_key, UploadId=media.upload_id
                )
        deleted += delete_keys(settings.ingest_bucket, [media.ingest_key])
    return deleted


class Tally:
    """What a purge run has deleted so far, stored on its run record (``store.purge_runs``).

    ``pending(n=1)`` gives the update that stores the counts *with* those additions, to be
    written in the same transaction as the deletion it counts; ``commit(n=1)`` then adds them
    in memory once that transaction succeeded. ``add`` counts what no transaction covers
    (object versions): it is stored with the next write.
    """

    def __init__(
        self, run: purge_runs.RunRecord | None = None, counts: dict[str, int] | None = None
    ) -> None:
        self.run = run
        stored = purge_runs.counts_of(run) if run is not None else {}
        self.counts: dict[str, int] = {k: int(v) for k, v in (counts or stored).items()}

    def _merged(self, adds: dict[str, int]) -> dict[str, int]:
        merged = dict(self.counts)
        for name, n in adds.items():
            merged[name] = merged.get(name, 0) + int(n)
        return {k: v for k, v in merged.items() if v}

    def pending(self, **adds: int) -> list[Update]:
        if self.run is None:
            return []
        return [purge_runs.counts_update(self.run, self._merged(adds))]

    def commit(self, **adds: int) -> None:
        self.counts = self._merged(adds)

    add = commit

    def save(self, *, steps_done: list[str] | None = None) -> None:
        """Store the counts (and, with ``steps_done``, the run's finished steps)."""
        if self.run is not None:
            purge_runs.save_counts(self.run, self.counts, steps_done=steps_done)


def forget_item(
    tenant_id: str,
    media: MediaRecord,
    updates: Iterable[Update] = (),
    *,
    untag: Iterable[str] = (),
) -> bool:
    """Delete the item and its tags (those it lists, and those of the children ``untag``)
    with ``updates`` (e.g. the run's counts) in the same transaction; ``False``: the item was
    already gone (nothing written)."""
    tagged = set(media.tagged_child_ids or ()) | set(untag)
    return media_store.forget(tenant_id, media.media_id, tagged, updates)


def purge_item(
    tenant_id: str, media: MediaRecord, updates: Iterable[Update] = (), *, untag: Iterable[str] = ()
) -> tuple[bool, int]:
    """Delete the item for good: its objects first (every version), then its items with
    ``updates`` in the same transaction. Returns (deleted now, object versions deleted).
    Safe to repeat: an interruption leaves the item, the next run finishes it."""
    versions = delete_objects_of(tenant_id, media)
    return forget_item(tenant_id, media, updates, untag=untag), versions
