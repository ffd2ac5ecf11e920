"""Upload grants: presigned POSTs to an exact, server-chosen ingest key (security req. 5)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from pynamodb.exceptions import DoesNotExist

from pellicule import aws, clock, data, ingest, topology
from pellicule.errors import BadRequest, NotFound, TooLarge
from pellicule.models import Album, Media, tenant_pk
from pellicule.sessions import Principal
from pellicule.settings import get_settings

MAX_FILES_PER_REQUEST = 50
# Photo types the processor can decode today (HEIC/HEIF and video arrive with the full
# media pipeline). SVG, HTML and anything else are never accepted.
ACCEPTED_TYPES: dict[str, str] = {
    "image/jpeg": "photo",
    "image/png": "photo",
    "image/webp": "photo",
}


@dataclass(frozen=True)
class FileRequest:
    name: str
    content_type: str
    size: int


@dataclass(frozen=True)
class Grant:
    media_id: str
    name: str
    url: str
    fields: dict[str, str]
    expires_at: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "media_id": self.media_id,
            "name": self.name,
            "url": self.url,
            "fields": self.fields,
            "expires_at": self.expires_at,
        }


def parse_files(body: dict[str, Any]) -> tuple[str, list[FileRequest]]:
    """Validate the request body; every problem is reported in words a person can act on."""
    album_id = body.get("album_id")
    if not isinstance(album_id, str) or not album_id:
        raise BadRequest("Indiquez l'album (album_id). / album_id is required.")
    files = body.get("files")
    if not isinstance(files, list) or not files:
        raise BadRequest("Ajoutez au moins un fichier. / Add at least one file.")
    if len(files) > MAX_FILES_PER_REQUEST:
        raise BadRequest(
            f"Au plus {MAX_FILES_PER_REQUEST} fichiers à la fois. / "
            f"At most {MAX_FILES_PER_REQUEST} files per request."
        )
    parsed = []
    for index, item in enumerate(files, start=1):
        if not isinstance(item, dict):
            raise BadRequest(f"Fichier n°{index} : description invalide. / File {index}: invalid.")
        name = str(item.get("name") or f"fichier-{index}")[:200]
        content_type = str(item.get("type") or "").lower()
        size = item.get("size")
        if content_type not in ACCEPTED_TYPES:
            raise BadRequest(
                f"« {name} » : type {content_type or 'inconnu'} non accepté (JPEG, PNG ou WebP). "
                f"/ '{name}': type not accepted (JPEG, PNG or WebP)."
            )
        if not isinstance(size, int) or isinstance(size, bool) or size <= 0:
            raise BadRequest(f"« {name} » : taille invalide. / '{name}': invalid size.")
        if size > topology.UPLOAD.max_photo_bytes:
            limit_mb = topology.UPLOAD.max_photo_bytes // (1024 * 1024)
            raise TooLarge(
                f"« {name} » dépasse {limit_mb} Mo. / '{name}' is larger than {limit_mb} MB."
            )
        parsed.append(FileRequest(name=name, content_type=content_type, size=size))
    return album_id, parsed


def request_grants(principal: Principal, album_id: str, files: list[FileRequest]) -> list[Grant]:
    data.ready()
    try:
        Album.get(tenant_pk(principal.tenant_id), f"ALBUM#{album_id}")
    except DoesNotExist:
        raise NotFound("Album introuvable. / Album not found.") from None
    settings = get_settings()
    s3 = aws.client("s3")
    now = int(clock.now())
    expiry = topology.UPLOAD.grant_expiry_seconds
    grants = []
    for file in files:
        media_id = uuid.uuid4().hex
        key = ingest.ingest_key(ACCEPTED_TYPES[file.content_type], principal.tenant_id, media_id)
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
        Media(
            tenant_pk(principal.tenant_id),
            f"MEDIA#{media_id}",
            tenant_id=principal.tenant_id,
            media_id=media_id,
            album_id=album_id,
            kind=ACCEPTED_TYPES[file.content_type],
            state="uploading",
            declared_type=file.content_type,
            declared_size=file.size,
            ingest_key=key,
            uploaded_by=principal.principal_id,
            created_at=now,
            updated_at=now,
            gsi1pk=f"ALBUM#{principal.tenant_id}#{album_id}",
            gsi1sk=f"MEDIA#{now:012d}#{media_id}",
        ).save(condition=Media.pk.does_not_exist())
        grants.append(
            Grant(
                media_id=media_id,
                name=file.name,
                url=post["url"],
                fields=post["fields"],
                expires_at=now + expiry,
            )
        )
    return grants
