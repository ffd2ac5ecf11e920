"""Photo processing: the shared ingest pipeline with Pillow as its renderer (req. 5-8)."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from functions.process import imaging
from pellicule.adapters import aws
from pellicule.config import clock, topology
from pellicule.config.settings import get_settings
from pellicule.domain import faces
from pellicule.domain.errors import RejectedMedia
from pellicule.services import ingest
from pellicule.store import media as media_store

LEASE_SECONDS = topology.PROCESS_TIMEOUT_SECONDS + 30


def render(s3: Any, obj: ingest.IngestObject, media: media_store.MediaRecord) -> ingest.Rendered:
    body = s3.get_object(Bucket=obj.bucket, Key=obj.key)["Body"].read()
    sniffed = imaging.sniff(body[: imaging.SNIFF_BYTES])
    if sniffed is None or not imaging.accepts(media.declared_type, sniffed):
        raise RejectedMedia("media_content_mismatch", expected=imaging.FORMATS)
    result = imaging.render(body, sniffed)
    return ingest.Rendered(
        width=result.width,
        height=result.height,
        capture_date=result.capture_date,
        outputs=_outputs(result.renditions),
    )


def _outputs(renditions: tuple[imaging.Rendition, ...]) -> tuple[ingest.Output, ...]:
    return tuple(
        ingest.Output(
            name=r.name,
            content_type=r.content_type,
            extension="jpg",
            width=r.width,
            height=r.height,
            data=r.data,
        )
        for r in renditions
    )


@cache
def pipeline() -> ingest.Pipeline:
    return ingest.Pipeline("photo", render, lease_seconds=LEASE_SECONDS)


def process_message(message_body: str) -> None:
    """An S3 event from the ingest bucket, or a request to re-render blurred variants."""
    request = faces.parse_blur_message(json.loads(message_body))
    if request is None:
        pipeline().handle_message(message_body)
    else:
        render_blurred(*request)


def render_blurred(tenant_id: str, media_id: str, revision: int) -> str:
    """(Re-)render the blurred variants of a photo from its clean download rendition.

    The newest revision wins: a stale request does nothing, and the conditional write makes
    a request that raced with a newer edit leave no trace.
    """
    media = media_store.item(tenant_id, media_id)
    if media is None:
        return "gone"
    if int(media.blur_revision or 0) != revision or not media.renditions:
        return "stale"
    old = [str(v["key"]) for v in (media.blurred.as_dict() if media.blurred else {}).values()]
    boxes = [
        (float(box[0]), float(box[1]), float(box[2]), float(box[3]))
        for box in (media.face_boxes or [])
    ]
    written: list[str] = []
    stored = None
    if boxes:
        source_key = str(media.renditions.as_dict()["download"]["key"])
        source = (
            aws.client("s3")
            .get_object(Bucket=get_settings().media_bucket, Key=source_key)["Body"]
            .read()
        )
        variants = imaging.render_blurred(source, boxes)
        stored = ingest.store_outputs(tenant_id, media_id, _outputs(variants), written)
    if not media_store.set_blurred(media, stored, revision=revision, at=int(clock.now())):
        ingest.delete_media_keys(written)  # a newer edit won the race
        return "superseded"
    ingest.delete_media_keys(old)
    return "rendered" if stored else "cleared"
