"""Upload grants: an exact, server-chosen ingest key per file (security requirement 5).

Photos and small videos get a presigned POST (exact key, exact Content-Type, exact size,
at most 15 minutes). Large videos use S3 multipart upload: the server creates the upload
for the exact key and signs part URLs on request, so a phone can resume after a drop.
"""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass
from typing import Any

from functions.upload import contract
from pellicule.adapters import aws
from pellicule.config import clock, topology
from pellicule.config.settings import get_settings
from pellicule.domain import faces, messages
from pellicule.domain.errors import BadRequest, Conflict, NotFound, TooLarge
from pellicule.services import audit, ingest, tenant_settings
from pellicule.services.sessions import Principal
from pellicule.store import data
from pellicule.store import media as media_store

MAX_FILES_PER_REQUEST = contract.MAX_FILES_PER_REQUEST
ACCEPTED = ("JPEG", "PNG", "WebP", "HEIC", "MP4", "MOV")


@dataclass(frozen=True)
class FileRequest:
    name: str
    content_type: str
    size: int

    @property
    def kind(self) -> str:
        return tenant_settings.MEDIA_TYPES[self.content_type]


def _megabytes(size: int) -> int:
    return size // (1024 * 1024)


def parse_files(
    files: tuple[contract.FileRequest, ...], limits: tenant_settings.TenantSettings
) -> list[FileRequest]:
    """The files' types and sizes against what the centre accepts; every problem is reported
    in words a person can act on (the request's shape and bounds were parsed already)."""
    parsed = []
    for index, item in enumerate(files, start=1):
        name = (item.name or f"fichier-{index}")[:200]
        content_type = (item.type or "").lower()
        if not content_type:
            raise BadRequest("upload_type_unknown", name=name, accepted=ACCEPTED)
        if content_type not in tenant_settings.MEDIA_TYPES:
            raise BadRequest(
                "upload_type_not_accepted", name=name, type=content_type, accepted=ACCEPTED
            )
        request = FileRequest(name=name, content_type=content_type, size=item.size)
        limit = limits.max_bytes(request.kind)
        if item.size > limit:
            raise TooLarge("upload_too_large", name=name, megabytes=_megabytes(limit))
        parsed.append(request)
    return parsed


def _require_album(tenant_id: str, album_id: str) -> None:
    if media_store.album(tenant_id, album_id) is None:
        raise NotFound("album_not_found")


def _uses_multipart(file: FileRequest) -> bool:
    return file.kind == "video" and file.size > topology.UPLOAD.multipart_threshold_bytes


def request_grants(principal: Principal, command: contract.GrantsRequest) -> list[dict[str, Any]]:
    data.ready()
    limits = tenant_settings.for_tenant(principal.tenant_id)
    album_id = command.album_id
    files = parse_files(command.files, limits)
    _require_album(principal.tenant_id, album_id)
    grants = [_grant(principal, album_id, file) for file in files]
    audit.append(
        principal.tenant_id,
        "upload",
        f"staff:{principal.principal_id}",
        f"album:{album_id}",
        {
            "files": len(grants),
            "photos": sum(g["kind"] == "photo" for g in grants),
            "videos": sum(g["kind"] == "video" for g in grants),
        },
    )
    return grants


def _grant(principal: Principal, album_id: str, file: FileRequest) -> dict[str, Any]:
    settings = get_settings()
    s3 = aws.client("s3")
    now = int(clock.now())
    expiry = topology.UPLOAD.grant_expiry_seconds
    media_id = uuid.uuid4().hex
    key = ingest.ingest_key(file.kind, principal.tenant_id, media_id)
    grant: dict[str, Any] = {"media_id": media_id, "name": file.name, "kind": file.kind}
    upload_id = None
    if _uses_multipart(file):
        upload_id = s3.create_multipart_upload(
            Bucket=settings.ingest_bucket, Key=key, ContentType=file.content_type
        )["UploadId"]
        part_bytes = topology.UPLOAD.multipart_part_bytes
        grant["multipart"] = {
            "part_size": part_bytes,
            "part_count": math.ceil(file.size / part_bytes),
        }
    else:
        post = s3.generate_presigned_post(
            Bucket=settings.ingest_bucket,
            Key=key,
            Fields={"Content-Type": file.content_type},
            Conditions=[
                {"Content-Type": file.content_type},
                ["content-length-range", file.size, file.size],
            ],
            ExpiresIn=expiry,
        )
        grant.update(url=post["url"], fields=post["fields"], expires_at=now + expiry)
    media_store.create_upload(
        principal.tenant_id,
        media_id,
        album_id=album_id,
        kind=file.kind,
        declared_type=file.content_type,
        declared_size=file.size,
        ingest_key=key,
        upload_id=upload_id,
        uploaded_by=principal.principal_id,
        at=now,
    )
    return grant


# --- Multipart (large videos) ---------------------------------------------------------------


def _multipart_item(principal: Principal, media_id: str) -> media_store.MediaRecord:
    media = media_store.item(principal.tenant_id, media_id)
    if media is None:
        raise NotFound("upload_not_found")
    if not media.upload_id:
        raise BadRequest("upload_not_multipart")
    if media.state != "uploading":
        raise Conflict("upload_finished")
    return media


def _part_count(media: media_store.MediaRecord) -> int:
    return math.ceil(int(media.declared_size) / topology.UPLOAD.multipart_part_bytes)


def sign_parts(
    principal: Principal, media_id: str, command: contract.PartsRequest
) -> dict[str, Any]:
    """Presigned PUT URLs for the requested part numbers of this upload only."""
    media = _multipart_item(principal, media_id)
    numbers = command.part_numbers
    count = _part_count(media)
    if len(numbers) > topology.UPLOAD.max_parts_per_request or not all(n <= count for n in numbers):
        raise BadRequest("upload_part_numbers", count=count)
    s3 = aws.client("s3")
    expiry = topology.UPLOAD.grant_expiry_seconds
    bucket = get_settings().ingest_bucket
    urls = {
        str(number): s3.generate_presigned_url(
            "upload_part",
            Params={
                "Bucket": bucket,
                "Key": media.ingest_key,
                "UploadId": media.upload_id,
                "PartNumber": number,
            },
            ExpiresIn=expiry,
        )
        for number in sorted(set(numbers))
    }
    return {"urls": urls, "expires_at": int(clock.now()) + expiry}


def uploaded_parts(principal: Principal, media_id: str) -> dict[str, Any]:
    """The parts S3 already has (a client resumes by sending the others)."""
    media = _multipart_item(principal, media_id)
    parts = _list_parts(media)
    return {
        "part_size": topology.UPLOAD.multipart_part_bytes,
        "part_count": _part_count(media),
        "parts": [
            {"part_number": p["PartNumber"], "etag": p["ETag"], "size": p["Size"]} for p in parts
        ],
    }


def _list_parts(media: media_store.MediaRecord) -> list[dict[str, Any]]:
    s3 = aws.client("s3")
    parts: list[dict[str, Any]] = []
    marker = 0
    while True:
        page = s3.list_parts(
            Bucket=get_settings().ingest_bucket,
            Key=media.ingest_key,
            UploadId=media.upload_id,
            PartNumberMarker=marker,
        )
        parts.extend(page.get("Parts", []))
        if not page.get("IsTruncated"):
            return parts
        marker = int(page["NextPartNumberMarker"])


def complete(principal: Principal, media_id: str) -> dict[str, Any]:
    """Assemble the parts S3 holds; refuse (and discard) an upload of the wrong size."""
    media = _multipart_item(principal, media_id)
    parts = _list_parts(media)
    numbers = [p["PartNumber"] for p in parts]
    total = sum(int(p["Size"]) for p in parts)
    if numbers != list(range(1, _part_count(media) + 1)):
        missing = sorted(set(range(1, _part_count(media) + 1)) - set(numbers))
        raise Conflict("upload_parts_missing", parts=missing[:10])
    if total != int(media.declared_size):
        abort(principal, media_id, reason="upload_size_mismatch")
        raise BadRequest("upload_discarded_wrong_size")
    aws.client("s3").complete_multipart_upload(
        Bucket=get_settings().ingest_bucket,
        Key=media.ingest_key,
        UploadId=media.upload_id,
        MultipartUpload={
            "Parts": [{"PartNumber": p["PartNumber"], "ETag": p["ETag"]} for p in parts]
        },
    )
    # Received: the processor may already have moved the item on (then nothing is written).
    media_store.mark_received(media, at=int(clock.now()))
    return {"media_id": media_id, "state": "processing"}


def abort(
    principal: Principal, media_id: str, *, reason: str = "upload_cancelled"
) -> dict[str, Any]:
    """Abandon a multipart upload; ``reason``: the catalogue code stored as its failure."""
    media = _multipart_item(principal, media_id)
    aws.client("s3").abort_multipart_upload(
        Bucket=get_settings().ingest_bucket, Key=media.ingest_key, UploadId=media.upload_id
    )
    failed = media_store.mark_failed(
        media,
        was="uploading",
        reason=messages.record(reason, messages.both(reason)),
        at=int(clock.now()),
    )
    if not failed:  # it left ``uploading`` meanwhile
        raise Conflict("upload_finished")
    return {"media_id": media_id, "state": "failed"}


# --- Face boxes (blurred variants) ----------------------------------------------------------


def set_face_boxes(
    principal: Principal, media_id: str, command: contract.FacesRequest
) -> dict[str, Any]:
    """Store the boxes and ask the processor to re-render the blurred variants."""
    boxes = faces.parse_boxes([list(box) for box in command.boxes])
    media = media_store.item(principal.tenant_id, media_id)
    if media is None:
        raise NotFound("media_not_found")
    if media.kind != "photo" or media.state != "ready":
        raise Conflict("faces_photo_only")
    hides = _hidden_children(media, command.hides, boxes)
    revision = int(media.blur_revision or 0) + 1
    # A concurrent edit that changed the revision first: media_store.ItemChangedError.
    media_store.set_face_boxes(media, boxes, hides=hides, revision=revision, at=int(clock.now()))
    audit.append(
        principal.tenant_id,
        "faces_edited",
        f"staff:{principal.principal_id}",
        f"media:{media_id}",
        {"boxes": len(boxes), "hides": len(hides), "revision": revision},
    )
    sqs = aws.client("sqs")
    queue_url = sqs.get_queue_url(QueueName=get_settings().photo_queue)["QueueUrl"]
    sqs.send_message(
        QueueUrl=queue_url,
        MessageBody=faces.blur_message(principal.tenant_id, media_id, revision),
    )
    return {
        "media_id": media_id,
        "boxes": boxes,
        "hides": sorted(hides),
        "blur_revision": revision,
    }


def _hidden_children(
    media: media_store.MediaRecord, raw: tuple[str, ...] | None, boxes: list[list[float]]
) -> set[str]:
    """Tagged children the boxes hide (the gate serves the blurred variant in their place)."""
    if raw is None:
        return set()
    hides = set(raw)
    if hides and not boxes:
        raise BadRequest("faces_draw_first")
    untagged = hides - set(media.tagged_child_ids or ())
    if untagged:
        raise BadRequest("faces_tagged_only")
    return hides
