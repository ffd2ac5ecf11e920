"""Gallery reads for staff: item state and short-lived signed rendition URLs.

Staff see every item of their centre with its tags and review state (they validate them);
families read through ``functions/family``, behind the publication gate.
"""

from __future__ import annotations

from typing import Any

from pellicule.adapters import delivery
from pellicule.domain import messages
from pellicule.domain.errors import NotFound
from pellicule.services.sessions import Principal
from pellicule.store import media as media_store

PAGE_SIZE = 100


def _signed(renditions: Any, signer: delivery.PrefixSigner, tenant_id: str) -> dict[str, Any]:
    # Staff see every object of their centre: one policy for the centre's prefix.
    prefix = delivery.tenant_prefix(tenant_id)
    return {
        name: {
            "url": signer.url(str(info["key"]), prefix),
            "width": int(info["width"]),
            "height": int(info["height"]),
            "type": info.get("type", "image/jpeg"),
        }
        for name, info in (renditions.as_dict() if renditions else {}).items()
    }


def _failure(stored: str | None) -> dict[str, Any] | None:
    """Why a failed upload failed, as stored (``messages.record``): its code and both texts.
    An item older than the catalogue holds a "Français / English" text: no code, its halves."""
    if not stored:
        return None
    found = messages.read_record(stored)
    return {"reason": found["reason"], "message": {"fr": found["fr"], "en": found["en"]}}


def _item(media: media_store.MediaRecord, signer: delivery.PrefixSigner) -> dict[str, Any]:
    ready = media.state in ("ready", "published", "hidden", "rejected")
    return {
        "media_id": media.media_id,
        "album_id": media.album_id,
        "kind": media.kind,
        "state": media.state,
        "failure_reason": _failure(media.failure_reason),
        "width": media.width and int(media.width),
        "height": media.height and int(media.height),
        "capture_date": media.capture_date,
        "duration_seconds": media.duration_seconds,
        "renditions": _signed(media.renditions, signer, media.tenant_id) if ready else {},
        "face_boxes": list(media.face_boxes or []),
        "tagged_child_ids": sorted(media.tagged_child_ids or ()),
        "no_identifiable_child": bool(media.no_identifiable_child),
        "blurred_child_ids": sorted(media.blurred_child_ids or ()),
        "published_audiences": sorted(media.published_audiences or ()),
        "rejection_reason": media.rejection_reason,
        "version": int(media.version or 0),
        "blur_revision": int(media.blur_revision or 0),
        "blurred": _signed(media.blurred, signer, media.tenant_id) if ready else {},
    }


def media_item(principal: Principal, media_id: str) -> dict[str, Any]:
    """``media_id``: an ``Id`` (the route parsed it)."""
    # The tenant comes from the session: another centre's id simply does not exist here.
    media = media_store.item(principal.tenant_id, media_id, consistent=False)
    if media is None:
        raise NotFound("media_not_found")
    return _item(media, delivery.PrefixSigner())


def album_items(principal: Principal, album_id: str) -> dict[str, Any]:
    album = media_store.album(principal.tenant_id, album_id)
    if album is None:
        raise NotFound("album_not_found")
    signer = delivery.PrefixSigner()
    items = [
        _item(media, signer)
        for media in media_store.album_items(principal.tenant_id, album_id, limit=PAGE_SIZE)
    ]
    return {
        "album": {"album_id": album.album_id, "title": album.title, "date": album.album_date},
        "items": items,
    }
