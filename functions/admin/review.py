"""Tagging, validation and publication of items: the children who appear (or "no
identifiable child"), the queue of items waiting for a decision with the gate's preview,
approve or reject, publish to the audiences the gate allows, take down.

Items and their tags are read and written through the media store (``pellicule.store.media``);
the children tagged are read through the roster store."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from typing import Any

from functions.admin import contract as c
from functions.admin.albums import album_or_404
from functions.admin.common import (
    PAGE,
    active_children,
    may_publish,
    require_director,
    require_staff,
    staff_ref,
    tidy,
    unique_ids,
)
from pellicule.config import clock
from pellicule.domain import messages, tagging
from pellicule.domain import publication as rules
from pellicule.domain.errors import Conflict, Forbidden
from pellicule.domain.gate import (
    AUDIENCES,
    publishable,
)
from pellicule.services import audit, consent, publication, tenant_settings
from pellicule.services.sessions import Principal
from pellicule.store import media as media_store

MediaRecord = media_store.MediaRecord
# At most this many items of the centre are read for the queue.
LIST_LIMIT = PAGE * 4


def _media(principal: Principal, media_id: str) -> MediaRecord:
    """The item (read consistently), for staff only, or 404."""
    require_staff(principal)
    return media_store.item_or_404(principal.tenant_id, media_id)


def _every_media(tenant_id: str) -> list[MediaRecord]:
    return list(media_store.centre_items(tenant_id, limit=LIST_LIMIT, consistent=False))


def _preview(media: MediaRecord, at: float) -> dict[str, Any]:
    """Per audience, what the gate would show if the item were published now."""
    item = dataclasses.replace(publication.gate_item(media), validated=True)
    found = publishable(item, AUDIENCES, consent.grants(media.tenant_id, item.tagged_child_ids), at)
    return {
        audience: {
            "visibility": decision.visibility.value,
            "reasons": list(decision.reasons),
            "uncovered_child_ids": sorted(decision.uncovered_child_ids),
        }
        for audience, decision in found.items()
    }


def gate_problems(reasons: Iterable[str]) -> messages.Clauses:
    """The gate's reasons in words: a :class:`messages.Term` each, keyed by the gate's code
    (``no_consent:<child>``: programs read it) and said by its ``gate_*`` message."""
    return messages.Clauses(
        messages.Term(reason, "gate_" + reason.partition(":")[0]) for reason in reasons
    )


def media_view(media: MediaRecord, at: float) -> dict[str, Any]:
    return {
        "media_id": media.media_id,
        "album_id": media.album_id,
        "kind": media.kind,
        "state": media.state,
        "tagged_child_ids": sorted(media.tagged_child_ids or ()),
        "no_identifiable_child": bool(media.no_identifiable_child),
        "blurred_child_ids": sorted(media.blurred_child_ids or ()),
        "has_blurred_variant": bool(media.blurred and media.blurred.as_dict()),
        "published_audiences": sorted(media.published_audiences or ()),
        "rejection_reason": media.rejection_reason,
        # hidden: "gate" (no audience may see it now; back by itself when consents allow it)
        # or "director" (taken down by hand); null otherwise.
        "hidden_by": _hidden_by(media),
        "uploaded_by": media.uploaded_by,
        "caption": media.caption,
        "version": int(media.version or 0),
        "gate": _preview(media, at),
    }


def _hidden_by(media: MediaRecord) -> str | None:
    if media.state != "hidden":
        return None
    if media.hidden_by == publication.HIDDEN_BY_GATE:
        return publication.HIDDEN_BY_GATE
    return publication.HIDDEN_BY_DIRECTOR


def _write_media(
    principal: Principal,
    media: MediaRecord,
    action: str,
    details: dict[str, Any],
    changes: Mapping[str, Any],
    *,
    at: float,
    also: Iterable[audit.Companion] = (),
) -> None:
    """Update ``media`` and write its audit entry in one transaction, provided nobody changed
    the item since it was read (its version and state); then reload it."""
    try:
        audit.append(
            principal.tenant_id,
            action,
            staff_ref(principal),
            f"media:{media.media_id}",
            details,
            at=at,
            companions=(media_store.edited(media, changes, at=at), *also),
        )
    except audit.CompanionConflictError:
        raise Conflict("media_changed_meanwhile") from None
    media_store.reloaded(media)


EDITABLE_STATES = ("ready", "published", "hidden", "rejected")


def set_tags(principal: Principal, media_id: str, body: c.Tags) -> dict[str, Any]:
    """Tag the children who appear (roster chips), or mark "no identifiable child"."""
    media = _media(principal, media_id)
    if media.state not in EDITABLE_STATES:
        raise Conflict("media_not_processed_yet")
    child_ids = unique_ids(body.child_ids)  # at most MAX_TAGS (type)
    flag = body.no_identifiable_child
    tagging.check(child_ids, flag)  # the flag with children tagged is contradictory
    active_children(principal.tenant_id, child_ids)  # every id exists in this centre, not archived
    expected_version = body.version
    if expected_version is not None and expected_version != int(media.version or 0):
        raise Conflict("media_changed_meanwhile")
    before = set(media.tagged_child_ids or ())
    after = set(child_ids)
    tenant_id = principal.tenant_id
    tag_writes = [
        media_store.tag_created(tenant_id, child_id, media) for child_id in sorted(after - before)
    ] + [
        media_store.tag_deleted(tenant_id, child_id, media_id)
        for child_id in sorted(before - after)
    ]
    changes: dict[str, Any] = {
        "tagged_child_ids": after,  # none: removed
        "no_identifiable_child": flag,
        # A blur chosen for a child who is no longer tagged means nothing any more.
        "blurred_child_ids": set(media.blurred_child_ids or ()) & after,
    }
    if media.state == "hidden":
        # An item the gate hid and whose children then changed is not put back by the gate
        # alone: a director publishes it again (nothing reaches families unvalidated).
        changes["hidden_by"] = publication.HIDDEN_BY_DIRECTOR
    _write_media(
        principal,
        media,
        "tagging",
        {"children": len(after), "no_identifiable_child": "true" if flag else "false"},
        changes,
        at=clock.now(),
        also=tag_writes,
    )
    return media_view(media, clock.now())


def validation_queue(principal: Principal) -> dict[str, Any]:
    """Processed items waiting for a decision, oldest first, with the gate's preview; and the
    hidden items (by the gate or by a director), most recently hidden first, which a director
    may publish again."""
    require_staff(principal)
    now = clock.now()
    items = _every_media(principal.tenant_id)
    waiting = [m for m in items if m.state == "ready"]
    waiting.sort(key=lambda m: (m.created_at, m.media_id))
    hidden = [m for m in items if m.state == "hidden"]
    hidden.sort(key=lambda m: (-int(m.updated_at or 0), m.media_id))
    return {
        "items": [media_view(m, now) for m in waiting[:PAGE]],
        "hidden": [media_view(m, now) for m in hidden[:PAGE]],
    }


def _default_audiences(tenant_id: str, media: MediaRecord) -> list[str]:
    return list(rules.default_audiences(album_or_404(tenant_id, media.album_id).group_id))


def review(principal: Principal, media_id: str, body: c.Review) -> dict[str, Any]:
    """Approve (and publish to the audiences the gate allows) or reject with a reason."""
    media = _media(principal, media_id)
    settings = tenant_settings.for_tenant(principal.tenant_id)
    if not may_publish(principal, settings):
        raise Forbidden("validation_directors_only")
    if body.decision == "reject":
        return _reject(principal, media, body.reason)
    return publish(
        principal,
        media_id,
        c.Publication(audiences=body.audiences),
        media=media,
        settings=settings,
    )


def _reject(principal: Principal, media: MediaRecord, reason: str | None) -> dict[str, Any]:
    reason = tidy(reason or "", "reason")
    if media.state not in ("ready", "hidden"):
        raise Conflict("media_not_awaiting_review")
    now = int(clock.now())
    _write_media(
        principal,
        media,
        "validation",
        {"decision": "rejected"},
        {
            "state": "rejected",
            "hidden_by": None,
            "rejection_reason": reason,
            "reviewed_by": principal.principal_id,
            "reviewed_at": now,
        },
        at=now,
    )
    return media_view(media, now)


def publish(
    principal: Principal,
    media_id: str,
    body: c.Publication,
    *,
    media: MediaRecord | None = None,
    settings: tenant_settings.TenantSettings | None = None,
) -> dict[str, Any]:
    """Publish to the requested audiences that the gate allows now; refuse if none."""
    media = media or _media(principal, media_id)
    settings = settings or tenant_settings.for_tenant(principal.tenant_id)
    if not may_publish(principal, settings):
        raise Forbidden("publication_directors_only")
    requested = (
        sorted(set(body.audiences))
        if body.audiences is not None
        else _default_audiences(principal.tenant_id, media)
    )
    now = clock.now()
    item = publication.gate_item(media)
    outcome = rules.publish_request(
        media.state, item, requested, consent.grants(media.tenant_id, item.tagged_child_ids), now
    )
    if not outcome.state_ok:
        raise Conflict("media_not_publishable")
    allowed = list(outcome.allowed)
    if not allowed:
        reasons = sorted({r for a in outcome.requested for r in outcome.verdicts[a].reasons})
        raise Conflict("publication_refused", problems=gate_problems(reasons))
    _write_media(
        principal,
        media,
        "publication",
        {
            "audiences": ",".join(allowed),
            "refused": ",".join(sorted(set(requested) - set(allowed))) or "none",
            "visibility": ",".join(f"{a}={outcome.verdicts[a].visibility.value}" for a in allowed),
        },
        {
            "state": "published",
            "hidden_by": None,
            "published_audiences": set(allowed),
            "published_at": int(now),
            "reviewed_by": principal.principal_id,
            "reviewed_at": int(now),
            "rejection_reason": None,
        },
        at=now,
    )
    view = media_view(media, now)
    view["refused_audiences"] = sorted(set(requested) - set(allowed))
    return view


def unpublish(principal: Principal, media_id: str) -> dict[str, Any]:
    """Take an item down at once (its served copies are then replaced by revocation)."""
    require_director(principal)
    media = _media(principal, media_id)
    if media.state != "published":
        raise Conflict("media_not_published")
    now = int(clock.now())
    _write_media(
        principal,
        media,
        "unpublication",
        {"reason": "director"},
        {"state": "hidden", "hidden_by": publication.HIDDEN_BY_DIRECTOR},
        at=now,
    )
    return media_view(media, now)


# --- Captions ------------------------------------------------------------------------------


def _may_caption(principal: Principal, media: MediaRecord) -> bool:
    """Directors caption every processed item; other staff an item awaiting validation (the
    director validates its caption with it), and any processed item where they may publish
    (a caption reaches families with the item, so it is no less than a publication)."""
    if media.state not in EDITABLE_STATES:
        return False
    if principal.role == "director" or media.state == "ready":
        return True
    return may_publish(principal, tenant_settings.for_tenant(principal.tenant_id))


def _caption_view(principal: Principal, media: MediaRecord) -> dict[str, Any]:
    return {
        "media_id": media.media_id,
        "caption": media.caption,
        "may_edit": _may_caption(principal, media),
    }


def item_caption(principal: Principal, media_id: str) -> dict[str, Any]:
    """An item's caption, and whether this person may change it now."""
    return _caption_view(principal, _media(principal, media_id))


def caption_item(principal: Principal, media_id: str, body: c.CaptionChange) -> dict[str, Any]:
    """Set an item's caption, with its audit entry (never the text: its length)."""
    from functions.admin.albums import caption_details, checked_caption
    from pellicule.domain import captions

    media = _media(principal, media_id)
    if media.state not in EDITABLE_STATES:
        raise Conflict("media_not_processed_yet")
    if not _may_caption(principal, media):
        raise Forbidden("caption_directors_only")
    caption = checked_caption(principal.tenant_id, body, captions.ITEM_MAX)
    try:
        audit.append(
            principal.tenant_id,
            "caption_changed",
            staff_ref(principal),
            f"media:{media.media_id}",
            caption_details(caption, body),
            companions=(media_store.item_captioned(media, caption),),
        )
    except audit.CompanionConflictError:
        raise Conflict("media_changed_meanwhile") from None
    return _caption_view(principal, media_store.reloaded(media))
