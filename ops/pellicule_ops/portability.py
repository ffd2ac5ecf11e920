"""Portability (GDPR art. 20) and the end of a contract (art. 28(3)(g)): a centre's data as
JSON and its media as a zip, for the operator's ``pellicule export`` (docs/cli.md).

Streamed: media go from S3 into the zip chunk by chunk, never whole in memory. Secrets (TOTP,
recovery codes, unsubscribe token hashes) and the delivery's bookkeeping are never exported.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import time
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pellicule.adapters import aws
from pellicule.domain.errors import Conflict
from pellicule.services import audit, tenant_settings
from pellicule.store import keys
from pellicule.store.models import (
    Album,
    Child,
    Consent,
    ConsentEvent,
    ErasureRequest,
    Group,
    Guardian,
    Media,
    MediaTag,
    Site,
    Staff,
    tenant_pk,
)
from pellicule_ops import tenants

# Media items the export carries (the full-size file of each).
EXPORTED_STATES = ("ready", "published", "hidden")
# The rendition an export carries, per kind (docs/media-pipeline.md).
FULL_SIZE = {"photo": "download", "video": "video"}
_EXTENSIONS = {
    "image/jpeg": "jpg",
    "image/png": "png",
    "image/webp": "webp",
    "video/mp4": "mp4",
    "video/quicktime": "mov",
    "application/pdf": "pdf",
}
_CHUNK = 1024 * 1024

EXPORT_FORMAT = "pellicule-export"
EXPORT_VERSION = 1
# Never exported: keys, index keys, secrets (TOTP, recovery codes, unsubscribe token hashes)
# and the delivery's internal bookkeeping (served copies, blurred variants' keys, quarantine).
_ALWAYS_DROPPED = frozenset({"pk", "sk", "gsi1pk", "gsi1sk"})
_DROPPED: dict[str, frozenset[str]] = {
    "staff": frozenset({"second_factor", "second_factor_renewal"}),
    "guardians": frozenset({"unsubscribe_hashes"}),
    "media": frozenset({"served", "stale_at", "upload_id", "ingest_key", "blurred"}),
}


def _plain(value: Any) -> Any:
    """A PynamoDB attribute value as JSON-ready data (maps, sorted sets, numbers)."""
    if hasattr(value, "as_dict"):
        value = value.as_dict()
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, set | frozenset):
        return sorted(_plain(v) for v in value)
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if value is None or isinstance(value, str | int | float | bool):
        return value
    try:  # Decimal and other numbers
        number = float(value)
    except (TypeError, ValueError):
        return str(value)
    return int(number) if number.is_integer() else number


def _record(item: Any, kind: str) -> dict[str, Any]:
    dropped = _ALWAYS_DROPPED | _DROPPED.get(kind, frozenset())
    return {
        name: _plain(value)
        for name, value in sorted(item.attribute_values.items())
        if name not in dropped
    }


def scan_path(tenant_id: str, key: str) -> str:
    """Where a consent scan ``t/<t>/c/<child>/<file>`` lies in the export's zip."""
    return "consent-scans/" + key.removeprefix(f"{tenants.evidence_prefix(tenant_id)}c/")


def _evidence(tenant_id: str, value: Any) -> Any:
    """``value`` with every scan's storage key (``scan_key``, in a consent's evidence, its
    pending widening, its history) replaced by the scan's place in the zip (``scan_file``)."""
    if isinstance(value, list):
        return [_evidence(tenant_id, v) for v in value]
    if not isinstance(value, dict):
        return value
    found = {k: _evidence(tenant_id, v) for k, v in value.items() if k != "scan_key"}
    key = value.get("scan_key")
    if isinstance(key, str):
        found["scan_file"] = scan_path(tenant_id, key)
    return found


def slug(text: str, limit: int = 60) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    cleaned = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return cleaned[:limit].strip("-") or "album"


def _extension(rendition: dict[str, Any]) -> str:
    known = _EXTENSIONS.get(str(rendition.get("type") or ""))
    if known:
        return known
    suffix = str(rendition.get("key") or "").rsplit("/", 1)[-1].rpartition(".")[2]
    return suffix.lower() if suffix and suffix.isalnum() and len(suffix) <= 5 else "bin"


@dataclass(frozen=True)
class Export:
    json_path: Path
    zip_path: Path
    counts: dict[str, int]


def _query(model: Any, tenant_id: str, prefix: str) -> list[Any]:
    return list(
        model.query(tenant_pk(tenant_id), model.sk.startswith(prefix), consistent_read=True)
    )


def export(
    tenant_id: str,
    output_dir: Path,
    *,
    buckets: tenants.Buckets,
    actor: str = tenants.OPERATOR,
    now: float | None = None,
) -> Export:
    """``<dir>/<id>-export.json`` (the centre's data and audit log, no secret) and
    ``<dir>/<id>-media.zip`` (full-size files of the ready, published and hidden items, the
    consent scans and a manifest), streamed object by object."""
    tenant = tenants.get(tenant_id)
    if tenants.status_of(tenant) == tenants.DELETING:
        raise Conflict("tenant_being_deleted", id=tenant_id)
    moment = tenants.now_or(now)
    output_dir.mkdir(parents=True, exist_ok=True)
    json_path = output_dir / f"{tenant_id}-export.json"
    zip_path = output_dir / f"{tenant_id}-media.zip"

    albums = _query(Album, tenant_id, "ALBUM#")
    media = _query(Media, tenant_id, "MEDIA#")
    tags: dict[str, list[str]] = {}
    for tag in _query(MediaTag, tenant_id, "TAG#"):
        tags.setdefault(tag.media_id, []).append(tag.child_id)
    history: dict[str, list[dict[str, Any]]] = {}
    for event in _query(ConsentEvent, tenant_id, "CONSENTLOG#"):
        record = _evidence(tenant_id, _record(event, "consent_history"))
        history.setdefault(event.child_id, []).append(record)
    consents = []
    for current in _query(Consent, tenant_id, "CONSENT#"):
        record = _evidence(tenant_id, _record(current, "consents"))
        record["history"] = history.pop(current.child_id, [])
        consents.append(record)
    for child_id, events in sorted(history.items()):  # history without a current item
        consents.append({"child_id": child_id, "status": "none", "history": events})
    staff = []
    for member in _query(Staff, tenant_id, keys.STAFF):
        record = _record(member, "staff")
        factor = _plain(member.second_factor) if member.second_factor is not None else None
        record["second_factor_enrolled"] = bool(
            isinstance(factor, dict) and factor.get("confirmed")
        )
        staff.append(record)
    media_records = []
    for item in media:
        record = _record(item, "media")
        record["tags"] = sorted(tags.get(item.media_id, []))
        media_records.append(record)
    document: dict[str, Any] = {
        "format": EXPORT_FORMAT,
        "version": EXPORT_VERSION,
        "exported_at": tenants.iso(moment),
        "tenant": {
            "id": tenant.tenant_id,
            "name": tenant.name,
            "status": tenants.status_of(tenant),
            "created_at": int(tenant.created_at),
            "suspended_at": _plain(tenant.suspended_at),
            "settings_stored": _plain(tenant.settings) if tenant.settings else {},
            "settings": tenant_settings.for_tenant(tenant_id).as_dict(),
        },
        "sites": [_record(s, "sites") for s in _query(Site, tenant_id, keys.SITE)],
        "groups": [_record(g, "groups") for g in _query(Group, tenant_id, keys.GROUP)],
        "children": [_record(c, "children") for c in _query(Child, tenant_id, keys.CHILD)],
        "guardians": [_record(g, "guardians") for g in _query(Guardian, tenant_id, keys.GUARDIAN)],
        "staff": staff,
        "consents": consents,
        "albums": [_record(a, "albums") for a in albums],
        "media": media_records,
        "erasure_requests": [
            _record(e, "erasure_requests") for e in _query(ErasureRequest, tenant_id, "ERASURE#")
        ],
        "audit": audit.export_rows(tenant_id),
        "media_archive": zip_path.name,
    }
    files, scans, missing = _write_zip(tenant_id, zip_path, albums, media, buckets, moment)
    _write_atomically(
        json_path,
        (json.dumps(document, ensure_ascii=False, indent=2, sort_keys=False) + "\n").encode(),
    )
    counts = {
        "sites": len(document["sites"]),
        "groups": len(document["groups"]),
        "children": len(document["children"]),
        "guardians": len(document["guardians"]),
        "staff": len(staff),
        "consents": len(consents),
        "albums": len(albums),
        "media": len(media),
        "media_files": files,
        "media_missing": missing,
        "consent_scans": scans,
        "erasure_requests": len(document["erasure_requests"]),
        "audit_entries": len(document["audit"]),
    }
    audit.append(
        tenant_id, "tenant_exported", actor, tenants.subject_of(tenant_id), counts, at=moment
    )
    return Export(json_path, zip_path, counts)


def _write_atomically(path: Path, content: bytes) -> None:
    partial = path.with_name(path.name + ".part")
    partial.write_bytes(content)
    os.replace(partial, path)


def _stream(s3: Any, bucket: str, key: str, archive: zipfile.ZipFile, name: str) -> tuple[int, str]:
    """Copy one object into the archive chunk by chunk: (bytes, sha256)."""
    body = s3.get_object(Bucket=bucket, Key=key)["Body"]
    digest = hashlib.sha256()
    size = 0
    info = zipfile.ZipInfo(name, date_time=time.gmtime()[:6])
    info.compress_type = zipfile.ZIP_STORED  # JPEG, MP4, PDF: compressed already
    with archive.open(info, "w", force_zip64=True) as target:
        for chunk in body.iter_chunks(_CHUNK):
            target.write(chunk)
            digest.update(chunk)
            size += len(chunk)
    return size, digest.hexdigest()


def _write_zip(
    tenant_id: str,
    path: Path,
    albums: list[Album],
    media: list[Media],
    buckets: tenants.Buckets,
    moment: int,
) -> tuple[int, int, int]:
    """Write the media archive (to a ``.part`` file, renamed at the end): (files, scans,
    items whose full-size file is missing)."""
    s3 = aws.client("s3")
    by_id = {album.album_id: album for album in albums}
    manifest: dict[str, Any] = {
        "format": f"{EXPORT_FORMAT}-media",
        "version": EXPORT_VERSION,
        "tenant_id": tenant_id,
        "exported_at": tenants.iso(moment),
        "media": [],
        "consent_scans": [],
        "missing": [],
    }
    partial = path.with_name(path.name + ".part")
    with zipfile.ZipFile(partial, "w", allowZip64=True) as archive:
        for item in sorted(media, key=lambda m: (m.album_id, int(m.created_at), m.media_id)):
            if item.state not in EXPORTED_STATES:
                continue
            renditions = _plain(item.renditions) if item.renditions is not None else {}
            rendition = renditions.get(FULL_SIZE.get(item.kind, "download"))
            if not isinstance(rendition, dict) or not rendition.get("key"):
                manifest["missing"].append({"media_id": item.media_id, "reason": "no rendition"})
                continue
            album = by_id.get(item.album_id)
            folder = (
                f"{album.album_date}_{slug(album.title)}" if album else f"album-{item.album_id}"
            )
            name = f"{folder}/{item.media_id}.{_extension(rendition)}"
            try:
                size, digest = _stream(s3, buckets.media, str(rendition["key"]), archive, name)
            except s3.exceptions.NoSuchKey:
                manifest["missing"].append({"media_id": item.media_id, "reason": "no object"})
                continue
            manifest["media"].append(
                {
                    "path": name,
                    "media_id": item.media_id,
                    "album_id": item.album_id,
                    "album_title": album.title if album else None,
                    "album_date": album.album_date if album else None,
                    "kind": item.kind,
                    "state": item.state,
                    "capture_date": item.capture_date,
                    "tagged_child_ids": sorted(item.tagged_child_ids or ()),
                    "bytes": size,
                    "sha256": digest,
                }
            )
        paginator = s3.get_paginator("list_objects_v2")
        for page in paginator.paginate(
            Bucket=buckets.evidence, Prefix=tenants.evidence_prefix(tenant_id)
        ):
            for entry in page.get("Contents", []) or []:
                key = str(entry["Key"])
                name = scan_path(tenant_id, key)
                size, digest = _stream(s3, buckets.evidence, key, archive, name)
                child_id = key.removeprefix(f"{tenants.evidence_prefix(tenant_id)}c/").split(
                    "/", 1
                )[0]
                manifest["consent_scans"].append(
                    {"path": name, "child_id": child_id, "bytes": size, "sha256": digest}
                )
        info = zipfile.ZipInfo("manifest.json", date_time=time.gmtime()[:6])
        info.compress_type = zipfile.ZIP_DEFLATED
        archive.writestr(info, json.dumps(manifest, ensure_ascii=False, indent=2) + "\n")
    os.replace(partial, path)
    return len(manifest["media"]), len(manifest["consent_scans"]), len(manifest["missing"])
