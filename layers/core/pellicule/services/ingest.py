"""The shared path of every processing function: one quarantined object -> clean outputs.

A function (photos, videos) supplies only its renderer; this module does the rest the same
way for all: S3 event parsing, the idempotency claim on bucket/key/version (so duplicates and
replays produce one set of outputs), matching the object to its upload grant, the size
re-check (S3 emulators do not enforce POST policies), writing outputs under random keys,
state transitions, and clean-up. Failures a person can fix become state ``failed`` with a
readable reason; anything else is retried and ends in the DLQ.
"""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote_plus

from pellicule.adapters import aws
from pellicule.config import clock, topology
from pellicule.config.observability import logger
from pellicule.config.settings import get_settings
from pellicule.domain import messages
from pellicule.domain.errors import RejectedMedia
from pellicule.store import data
from pellicule.store import ingest as claims
from pellicule.store import media as media_store

KINDS = {"photo": topology.INGEST_PHOTO_PREFIX, "video": topology.INGEST_VIDEO_PREFIX}
_INGEST_KEY = re.compile(
    rf"^{re.escape(topology.INGEST_PREFIX)}(?P<kind>photo|video)/"
    r"t/(?P<tenant>[A-Za-z0-9_-]{1,64})/m/(?P<media>[0-9a-f]{32})/[A-Za-z0-9_-]{8,64}$"
)
CLAIM_KEEP_SECONDS = 7 * 24 * 3600


@dataclass(frozen=True)
class IngestObject:
    bucket: str
    key: str
    version: str
    size: int


@dataclass(frozen=True)
class Output:
    """One file to store in the media bucket (bytes in memory, or a local file path)."""

    name: str  # rendition name: thumb, web, download, video, poster...
    content_type: str
    extension: str
    width: int
    height: int
    data: bytes | None = None
    path: str | None = None

    def size(self) -> int:
        if self.data is not None:
            return len(self.data)
        import os

        return os.path.getsize(self.path or "")


@dataclass(frozen=True)
class Rendered:
    width: int  # upright size of the original
    height: int
    capture_date: str | None  # date only
    outputs: tuple[Output, ...]
    duration_seconds: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)


# A renderer gets the S3 client, the object and its media item, and returns the outputs or
# raises RejectedMedia with a reason a person can act on.
Renderer = Callable[[Any, IngestObject, media_store.MediaRecord], Rendered]


def objects_in(message_body: str) -> list[IngestObject]:
    """The S3 objects announced by one SQS message (none for S3's test event)."""
    event = json.loads(message_body)
    if event.get("Event") == "s3:TestEvent":
        return []
    found = []
    for record in event.get("Records", []):
        if not str(record.get("eventName", "")).startswith("ObjectCreated:"):
            continue
        s3 = record["s3"]
        obj = s3["object"]
        found.append(
            IngestObject(
                bucket=s3["bucket"]["name"],
                key=unquote_plus(obj["key"]),  # keys arrive URL-encoded
                version=str(obj.get("versionId") or obj.get("eTag") or obj.get("sequencer")),
                size=int(obj.get("size", 0)),
            )
        )
    return found


def ingest_key(kind: str, tenant_id: str, media_id: str) -> str:
    """The exact key of one upload: kind- and tenant-prefixed, unguessable, one per grant."""
    return f"{KINDS[kind]}t/{tenant_id}/m/{media_id}/{secrets.token_urlsafe(16)}"


def random_token() -> str:
    """128 random bits, URL-safe: what makes a stored key unguessable."""
    return secrets.token_urlsafe(16)


def media_key(tenant_id: str, media_id: str, extension: str) -> str:
    """A fresh random media-bucket key: no output's key can be derived from another's."""
    return (
        f"{topology.MEDIA_PREFIX}{tenant_id}/m/{media_id}/{secrets.token_urlsafe(16)}.{extension}"
    )


def _claim(obj: IngestObject, lease_seconds: int) -> claims.ClaimRecord | None:
    """Take the processing lease of this object version, or None if it is done or taken."""
    return claims.claim(
        obj.bucket,
        obj.key,
        obj.version,
        now=int(clock.now()),
        lease_seconds=lease_seconds,
        keep_seconds=CLAIM_KEEP_SECONDS,
    )


class Pipeline:
    """Processing of one kind of media (``photo`` or ``video``) by ``renderer``."""

    def __init__(self, kind: str, renderer: Renderer, *, lease_seconds: int) -> None:
        self.kind = kind
        self.renderer = renderer
        self.lease_seconds = lease_seconds
        self.log = logger(f"ingest-{kind}")

    def handle_message(self, message_body: str) -> None:
        for obj in objects_in(message_body):
            self.handle(obj)

    def handle(self, obj: IngestObject) -> None:
        data.ready()
        if obj.bucket != get_settings().ingest_bucket:
            self.log.warning("event for an unexpected bucket ignored")
            return
        claim = _claim(obj, self.lease_seconds)
        if claim is None:
            self.log.info("duplicate event skipped")
            return
        written: list[str] = []
        try:
            outcome = self._process(obj, written)
        except Exception:
            # Retryable: remove partial outputs and release the lease for the next delivery.
            delete_media_keys(written)
            claims.release(claim)
            raise
        claims.finish(claim)
        self.log.info("ingest object handled", extra={"outcome": outcome})

    def _process(self, obj: IngestObject, written: list[str]) -> str:
        s3 = aws.client("s3")
        if not obj.key.startswith(KINDS[self.kind]):
            # Another pipeline's object (S3 never sends one here: the notification filters by
            # prefix). Not ours to delete: this role may touch only its own prefix; the ingest
            # bucket's lifecycle removes what nobody claims.
            return "other-kind-ignored"
        match = _INGEST_KEY.match(obj.key)
        if not match:
            s3.delete_object(Bucket=obj.bucket, Key=obj.key)
            return "unexpected-key-deleted"
        tenant_id, media_id = match["tenant"], match["media"]
        media = media_store.item(tenant_id, media_id)
        if media is None:
            s3.delete_object(Bucket=obj.bucket, Key=obj.key)
            return "no-grant-deleted"
        if media.ingest_key != obj.key or media.state not in ("uploading", "processing"):
            s3.delete_object(Bucket=obj.bucket, Key=obj.key)
            return "stale-deleted"
        media_store.start_processing(media, at=int(clock.now()))
        try:
            self._check_size(s3, obj, media)
            rendered = self.renderer(s3, obj, media)
        except RejectedMedia as rejected:
            media_store.mark_rejected(
                media,
                reason=messages.record(rejected.reason, rejected.texts),
                at=int(clock.now()),
            )
            s3.delete_object(Bucket=obj.bucket, Key=obj.key)
            self.log.info("media rejected", extra={"media_id": media_id})
            return "rejected"
        stored = store_outputs(tenant_id, media_id, rendered.outputs, written)
        # Still ``processing``, or media_store.ItemChangedError: retried like any failure.
        media_store.mark_ready(
            media,
            renditions=stored,
            width=rendered.width,
            height=rendered.height,
            capture_date=rendered.capture_date,
            duration_seconds=rendered.duration_seconds,
            at=int(clock.now()),
        )
        s3.delete_object(Bucket=obj.bucket, Key=obj.key)
        return "ready"

    @staticmethod
    def _check_size(s3: Any, obj: IngestObject, media: media_store.MediaRecord) -> None:
        head = s3.head_object(Bucket=obj.bucket, Key=obj.key)
        if int(head["ContentLength"]) != int(media.declared_size):
            raise RejectedMedia("upload_size_mismatch")


def store_outputs(
    tenant_id: str, media_id: str, outputs: tuple[Output, ...], written: list[str]
) -> dict[str, Any]:
    """Write outputs under fresh random keys; ``written`` collects keys for clean-up."""
    s3 = aws.client("s3")
    bucket = get_settings().media_bucket
    stored: dict[str, Any] = {}
    for output in outputs:
        key = media_key(tenant_id, media_id, output.extension)
        extra = {"ContentType": output.content_type, "CacheControl": "private, max-age=300"}
        if output.data is not None:
            s3.put_object(Bucket=bucket, Key=key, Body=output.data, **extra)
        else:
            s3.upload_file(output.path, bucket, key, ExtraArgs=extra)
        written.append(key)
        stored[output.name] = {
            "key": key,
            "width": output.width,
            "height": output.height,
            "bytes": output.size(),
            "type": output.content_type,
        }
    return stored


def delete_media_keys(keys: list[str]) -> None:
    """Delete media-bucket objects (the versioned bucket keeps a noncurrent version, which its
    lifecycle rule expires; the purge removes versions explicitly)."""
    if not keys:
        return
    s3 = aws.client("s3")
    bucket = get_settings().media_bucket
    s3.delete_objects(
        Bucket=bucket, Delete={"Objects": [{"Key": key} for key in keys], "Quiet": True}
    )
