"""A centre's settings: safe defaults, hard caps, validation with messages a director can act on.

Stored as a map on the tenant item; anything missing takes its default, so a new setting never
needs a migration.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any

from pynamodb.exceptions import DoesNotExist

from pellicule import data, topology
from pellicule.errors import BadRequest
from pellicule.models import Tenant, tenant_pk

MB = 1024 * 1024
_VIDEO_SECONDS = int(topology.VIDEO_LIMITS.max_duration_seconds)
_VIDEO_EDGE = topology.VIDEO_LIMITS.max_long_edge

# Media types accepted for upload, and their kind. Never SVG, HTML or anything scriptable.
MEDIA_TYPES: dict[str, str] = {
    "image/jpeg": "photo",
    "image/png": "photo",
    "image/webp": "photo",
    "image/heic": "photo",
    "image/heif": "photo",
    "video/mp4": "video",
    "video/quicktime": "video",
}


@dataclass(frozen=True)
class Limit:
    default: int
    minimum: int
    maximum: int
    label_fr: str
    label_en: str


LIMITS: dict[str, Limit] = {
    "max_photo_bytes": Limit(
        40 * MB, 1 * MB, 100 * MB, "taille maximale d'une photo", "maximum photo size"
    ),
    "max_video_bytes": Limit(
        1024 * MB, 10 * MB, 5 * 1024 * MB, "taille maximale d'une vidéo", "maximum video size"
    ),
    # A centre may lower the video caps, not raise them above what one invocation handles.
    "max_video_seconds": Limit(
        _VIDEO_SECONDS,
        10,
        _VIDEO_SECONDS,
        "durée maximale d'une vidéo (s)",
        "maximum video duration (s)",
    ),
    "max_video_edge": Limit(
        _VIDEO_EDGE,
        640,
        _VIDEO_EDGE,
        "définition maximale d'une vidéo (px)",
        "maximum video resolution (px)",
    ),
}


@dataclass(frozen=True)
class TenantSettings:
    max_photo_bytes: int = LIMITS["max_photo_bytes"].default
    max_video_bytes: int = LIMITS["max_video_bytes"].default
    max_video_seconds: int = LIMITS["max_video_seconds"].default
    max_video_edge: int = LIMITS["max_video_edge"].default

    def max_bytes(self, kind: str) -> int:
        return self.max_photo_bytes if kind == "photo" else self.max_video_bytes

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def validate(raw: dict[str, Any], base: TenantSettings | None = None) -> TenantSettings:
    """Settings from ``raw`` over ``base`` (defaults), or ``BadRequest`` naming every problem."""
    values = (base or TenantSettings()).as_dict()
    problems = []
    known = {f.name for f in fields(TenantSettings)}
    for name, value in raw.items():
        if name not in known:
            problems.append(f"« {name} » : réglage inconnu / unknown setting")
            continue
        limit = LIMITS[name]
        if not isinstance(value, int) or isinstance(value, bool):
            problems.append(
                f"{limit.label_fr} : nombre entier attendu / {limit.label_en}: "
                "an integer is expected"
            )
        elif not limit.minimum <= value <= limit.maximum:
            problems.append(
                f"{limit.label_fr} : entre {limit.minimum} et {limit.maximum} / "
                f"{limit.label_en}: between {limit.minimum} and {limit.maximum}"
            )
        else:
            values[name] = value
    if problems:
        raise BadRequest("; ".join(problems))
    return TenantSettings(**values)


def for_tenant(tenant_id: str) -> TenantSettings:
    """The tenant's settings; stored values outside today's caps fall back to the default."""
    data.ready()
    try:
        tenant = Tenant.get(tenant_pk(tenant_id), "PROFILE")
    except DoesNotExist:
        return TenantSettings()
    stored = tenant.settings.as_dict() if tenant.settings else {}
    usable = {}
    for name, value in stored.items():
        try:
            validate({name: value})
        except BadRequest:
            continue
        usable[name] = value
    return validate(usable)
