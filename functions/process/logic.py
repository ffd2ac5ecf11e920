"""Photo processing: the shared ingest pipeline with Pillow as its renderer (req. 5-8)."""

from __future__ import annotations

from functools import cache
from typing import Any

from functions.process import imaging
from pellicule import ingest, topology
from pellicule.errors import RejectedMedia
from pellicule.models import Media

_SNIFF_BYTES = 64
LEASE_SECONDS = topology.PROCESS_TIMEOUT_SECONDS + 30


def render(s3: Any, obj: ingest.IngestObject, media: Media) -> ingest.Rendered:
    body = s3.get_object(Bucket=obj.bucket, Key=obj.key)["Body"].read()
    sniffed = imaging.sniff(body[:_SNIFF_BYTES])
    if sniffed is None or sniffed != media.declared_type:
        raise RejectedMedia(
            "Le contenu du fichier ne correspond pas à son type (JPEG, PNG ou WebP attendu). / "
            "The file content does not match its type (JPEG, PNG or WebP expected)."
        )
    result = imaging.render(body, sniffed)
    return ingest.Rendered(
        width=result.width,
        height=result.height,
        capture_date=result.capture_date,
        outputs=tuple(
            ingest.Output(
                name=r.name,
                content_type=r.content_type,
                extension="jpg",
                width=r.width,
                height=r.height,
                data=r.data,
            )
            for r in result.renditions
        ),
    )


@cache
def pipeline() -> ingest.Pipeline:
    return ingest.Pipeline("photo", render, lease_seconds=LEASE_SECONDS)


def process_message(message_body: str) -> None:
    pipeline().handle_message(message_body)
