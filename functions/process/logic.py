"""Ingest processing: one S3 object in quarantine -> metadata-free renditions (req. 5–8).

Idempotent on bucket/key/version through a conditional write, so duplicate and replayed
events produce one set of outputs. Outputs go to the media bucket, which has no event
notifications: processing never re-triggers itself.
"""

from __future__ import annotations

import json
import re
import secrets
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote_plus

from pynamodb.exceptions import DoesNotExist, PutError
from pynamodb.expressions.update import Action

from functions.process import imaging
from pellicule import aws, clock, data, topology
from pellicule.errors import RejectedMedia
from pellicule.models import IngestClaim, Media, tenant_pk
from pellicule.observability import logger
from pellicule.settings import get_settings

_INGEST_KEY = re.compile(
    rf"^{re.escape(topology.INGEST_PREFIX)}t/(?P<tenant>[A-Za-z0-9_-]{{1,64}})"
    r"/m/(?P<media>[0-9a-f]{32})/[A-Za-z0-9_-]{8,64}$"
)
LEASE_SECONDS = topology.PROCESS_TIMEOUT_SECONDS + 30
CLAIM_KEEP_SECONDS = 7 * 24 * 3600
_SNIFF_BYTES = 64


@dataclass(frozen=True)
class IngestObject:
    bucket: str
    key: str
    version: str
    size: int


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


def _claim(obj: IngestObject) -> IngestClaim | None:
    """Take the processing lease of this object version, or None if it is done or taken."""
    now = int(clock.now())
    claim = IngestClaim(
        f"INGEST#{obj.bucket}/{obj.key}#{obj.version}",
        "CLAIM",
        status="processing",
        lease_until=now + LEASE_SECONDS,
        expires_at=now + CLAIM_KEEP_SECONDS,
    )
    try:
        claim.save(
            condition=IngestClaim.pk.does_not_exist()
            | ((IngestClaim.status == "processing") & (IngestClaim.lease_until < now))
        )
    except PutError as error:
        if error.cause_response_code == "ConditionalCheckFailedException":
            return None
        raise
    return claim


def process_message(message_body: str) -> None:
    for obj in objects_in(message_body):
        process_object(obj)


def process_object(obj: IngestObject) -> None:
    log = logger("process")
    settings = get_settings()
    data.ready()
    if obj.bucket != settings.ingest_bucket:
        log.warning("event for an unexpected bucket ignored")
        return
    claim = _claim(obj)
    if claim is None:
        log.info("duplicate event skipped")
        return
    written: list[str] = []
    try:
        outcome = _process(obj, written)
    except Exception:
        # Retryable: remove partial outputs and release the lease for the next delivery.
        _delete_media_keys(written)
        claim.delete()
        raise
    claim.update(actions=[IngestClaim.status.set("done")])
    log.info("ingest object handled", extra={"outcome": outcome})


def _process(obj: IngestObject, written: list[str]) -> str:
    settings = get_settings()
    s3 = aws.client("s3")
    match = _INGEST_KEY.match(obj.key)
    if not match:
        s3.delete_object(Bucket=obj.bucket, Key=obj.key)
        return "unexpected-key-deleted"
    tenant_id, media_id = match["tenant"], match["media"]
    try:
        media = Media.get(tenant_pk(tenant_id), f"MEDIA#{media_id}", consistent_read=True)
    except DoesNotExist:
        s3.delete_object(Bucket=obj.bucket, Key=obj.key)
        return "no-grant-deleted"
    if media.ingest_key != obj.key or media.state not in ("uploading", "processing"):
        s3.delete_object(Bucket=obj.bucket, Key=obj.key)
        return "stale-deleted"
    media.update(actions=[Media.state.set("processing"), Media.updated_at.set(int(clock.now()))])
    try:
        renditions = _render(s3, obj, media)
    except RejectedMedia as rejected:
        media.update(
            actions=[
                Media.state.set("failed"),
                Media.failure_reason.set(rejected.message),
                Media.updated_at.set(int(clock.now())),
            ]
        )
        s3.delete_object(Bucket=obj.bucket, Key=obj.key)
        logger("process").info("media rejected", extra={"media_id": media_id})
        return "rejected"
    stored: dict[str, Any] = {}
    for rendition in renditions.renditions:
        # Each rendition gets its own random name: no key can be derived from another.
        key = f"{topology.MEDIA_PREFIX}{tenant_id}/m/{media_id}/{secrets.token_urlsafe(16)}.jpg"
        s3.put_object(
            Bucket=settings.media_bucket,
            Key=key,
            Body=rendition.data,
            ContentType=rendition.content_type,
            CacheControl="private, max-age=300",
        )
        written.append(key)
        stored[rendition.name] = {
            "key": key,
            "width": rendition.width,
            "height": rendition.height,
            "bytes": len(rendition.data),
            "type": rendition.content_type,
        }
    actions: list[Action] = [
        Media.state.set("ready"),
        Media.renditions.set(stored),
        Media.width.set(renditions.width),
        Media.height.set(renditions.height),
        Media.failure_reason.remove(),
        Media.updated_at.set(int(clock.now())),
    ]
    if renditions.capture_date:
        actions.append(Media.capture_date.set(renditions.capture_date))
    media.update(actions=actions, condition=Media.state == "processing")
    s3.delete_object(Bucket=obj.bucket, Key=obj.key)
    return "ready"


def _render(s3: Any, obj: IngestObject, media: Media) -> imaging.Result:
    head = s3.head_object(Bucket=obj.bucket, Key=obj.key)
    size = int(head["ContentLength"])
    # S3 emulators do not enforce the POST policy: check the size against the grant here.
    if size != int(media.declared_size) or size > topology.UPLOAD.max_photo_bytes:
        raise RejectedMedia(
            "La taille du fichier reçu ne correspond pas à l'envoi annoncé. / "
            "The received file size does not match the upload grant."
        )
    body = s3.get_object(Bucket=obj.bucket, Key=obj.key)["Body"].read()
    sniffed = imaging.sniff(body[:_SNIFF_BYTES])
    if sniffed is None or sniffed != media.declared_type:
        raise RejectedMedia(
            "Le contenu du fichier ne correspond pas à son type (JPEG, PNG ou WebP attendu). / "
            "The file content does not match its type (JPEG, PNG or WebP expected)."
        )
    return imaging.render(body, sniffed)


def _delete_media_keys(keys: list[str]) -> None:
    if not keys:
        return
    aws.client("s3").delete_objects(
        Bucket=get_settings().media_bucket,
        Delete={"Objects": [{"Key": key} for key in keys], "Quiet": True},
    )
