"""Tagging, validation and publication of items: the children who appear (or "no
identifiable child"), the queue of items waiting for a decision with the gate's preview,
approve or reject, publish to the audiences the gate allows, take down.

Media and MediaTag items are still read and written here with PynamoDB (their store comes with
the media store); the children tagged are read through the roster store."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable
from typing import Any

from pynamodb.exceptions import DoesNotExist

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
from pellicule.domain.errors import BadRequest, Conflict, Forbidden, NotFound
from pellicule.domain.gate import (
    ALL_FAMILIES_OF_CENTRE,
    AUDIENCES,
    FAMILIES_OF_GROUP,
    Visibility,
    publishable,
)
from pellicule.services import audit, consent, publication, tenant_settings
from pellicule.services.sessions import Principal
from pellicule.store import data, keys
from pellicule.store.models import Media, MediaTag

_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
# At most this many items of the centre are read for the queue.
LIST_LIMIT = PAGE * 4


def _media(principal: Principal, media_id: str) -> Media:
    """The item (read consistently), for staff only, or 404."""
    require_staff(principal)
    data.ready()
    if not _ID.match(media_id):
        raise NotFound("Élément introuvable. / Item not found.")
    try:
        return Media.get(
            keys.tenant_pk(principal.tenant_id), keys.media_sk(media_id), consistent_read=True
        )
    except DoesNotExist:
        raise NotFound("Élément introuvable. / Item not found.") from None


def _every_media(tenant_id: str) -> list[Media]:
    data.ready()
    return list(
        Media.query(keys.tenant_pk(tenant_id), Media.sk.startswith(keys.MEDIA), limit=LIST_LIMIT)
    )


def _preview(media: Media, at: float) -> dict[str, Any]:
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


def media_view(media: Media, at: float) -> dict[str, Any]:
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
        "version": int(media.version or 0),
        "gate": _preview(media, at),
    }


def _hidden_by(media: Media) -> str | None:
    if media.state != "hidden":
        return None
    if media.hidden_by == publication.HIDDEN_BY_GATE:
        return publication.HIDDEN_BY_GATE
    return publication.HIDDEN_BY_DIRECTOR


CHANGED = "L'élément a changé ; rechargez. / The item changed; please reload."


def _write_media(
    principal: Principal,
    media: Media,
    action: str,
    details: dict[str, Any],
    actions: Iterable[Any],
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
            companions=(
                audit.Companion(
                    media,
                    (Media.version == media.version) & (Media.state == media.state),
                    op="update",
                    actions=(
                        *actions,
                        Media.version.set(int(media.version or 0) + 1),
                        Media.updated_at.set(int(at)),
                    ),
                ),
                *also,
            ),
        )
    except audit.CompanionConflictError:
        raise Conflict(CHANGED) from None
    media.refresh(consistent_read=True)


EDITABLE_STATES = ("ready", "published", "hidden", "rejected")


def set_tags(principal: Principal, media_id: str, body: c.Tags) -> dict[str, Any]:
    """Tag the children who appear (roster chips), or mark "no identifiable child"."""
    media = _media(principal, media_id)
    if media.state not in EDITABLE_STATES:
        raise Conflict("L'élément n'est pas encore traité. / The item is not processed yet.")
    child_ids = unique_ids(body.child_ids)  # at most MAX_TAGS (type)
    flag = body.no_identifiable_child
    if flag and child_ids:
        raise BadRequest(
            "Un élément avec des enfants identifiés ne peut pas être marqué « aucun enfant "
            "identifiable ». / An item with tagged children cannot be marked "
            "'no identifiable child'."
        )
    active_children(principal.tenant_id, child_ids)  # every id exists in this centre, not archived
    expected_version = body.version
    if expected_version is not None and expected_version != int(media.version or 0):
        raise Conflict("L'élément a changé ; rechargez. / The item changed; please reload.")
    before = set(media.tagged_child_ids or ())
    after = set(child_ids)
    pk = keys.tenant_pk(principal.tenant_id)
    blurred_left = set(media.blurred_child_ids or ()) & after
    tag_writes = [
        audit.Companion(
            MediaTag(
                pk,
                keys.tag_sk(child_id, media_id),
                tenant_id=principal.tenant_id,
                child_id=child_id,
                media_id=media_id,
                album_id=media.album_id,
            )
        )
        for child_id in sorted(after - before)
    ] + [
        audit.Companion(MediaTag(pk, keys.tag_sk(child_id, media_id)), op="delete")
        for child_id in sorted(before - after)
    ]
    _write_media(
        principal,
        media,
        "tagging",
        {"children": len(after), "no_identifiable_child": "true" if flag else "false"},
        (
            Media.tagged_child_ids.set(after) if after else Media.tagged_child_ids.remove(),
            Media.no_identifiable_child.set(flag),
            # A blur chosen for a child who is no longer tagged means nothing any more.
            Media.blurred_child_ids.set(blurred_left)
            if blurred_left
            else Media.blurred_child_ids.remove(),
            # An item the gate hid and whose children then changed is not put back by the
            # gate alone: a director publishes it again (nothing reaches families unvalidated).
            *(
                (Media.hidden_by.set(publication.HIDDEN_BY_DIRECTOR),)
                if media.state == "hidden"
                else ()
            ),
        ),
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


def _default_audiences(tenant_id: str, media: Media) -> list[str]:
    album = album_or_404(tenant_id, media.album_id)
    return [FAMILIES_OF_GROUP] if album.group_id else [ALL_FAMILIES_OF_CENTRE]


def review(principal: Principal, media_id: str, body: c.Review) -> dict[str, Any]:
    """Approve (and publish to the audiences the gate allows) or reject with a reason."""
    media = _media(principal, media_id)
    settings = tenant_settings.for_tenant(principal.tenant_id)
    if not may_publish(principal, settings):
        raise Forbidden("Seule la direction valide les photos. / Only directors validate items.")
    if body.decision == "reject":
        return _reject(principal, media, body.reason)
    return publish(
        principal,
        media_id,
        c.Publication(audiences=body.audiences),
        media=media,
        settings=settings,
    )


def _reject(principal: Principal, media: Media, reason: str | None) -> dict[str, Any]:
    reason = tidy(reason or "", "reason", "Motif du refus")
    if media.state not in ("ready", "hidden"):
        raise Conflict(
            "Cet élément n'attend pas de validation. / This item is not awaiting review."
        )
    now = int(clock.now())
    _write_media(
        principal,
        media,
        "validation",
        {"decision": "rejected"},
        (
            Media.state.set("rejected"),
            Media.hidden_by.remove(),
            Media.rejection_reason.set(reason),
            Media.reviewed_by.set(principal.principal_id),
            Media.reviewed_at.set(now),
        ),
        at=now,
    )
    return media_view(media, now)


def publish(
    principal: Principal,
    media_id: str,
    body: c.Publication,
    *,
    media: Media | None = None,
    settings: tenant_settings.TenantSettings | None = None,
) -> dict[str, Any]:
    """Publish to the requested audiences that the gate allows now; refuse if none."""
    media = media or _media(principal, media_id)
    settings = settings or tenant_settings.for_tenant(principal.tenant_id)
    if not may_publish(principal, settings):
        raise Forbidden("Seule la direction publie. / Only directors publish.")
    if media.state not in ("ready", "published", "hidden"):
        raise Conflict(
            "Seul un élément traité et non refusé se publie. / Only a processed, non-rejected "
            "item can be published."
        )
    requested = (
        sorted(set(body.audiences))
        if body.audiences is not None
        else _default_audiences(principal.tenant_id, media)
    )
    now = clock.now()
    preview = _preview(media, now)
    allowed = [a for a in requested if preview[a]["visibility"] != Visibility.HIDDEN.value]
    if not allowed:
        problems = sorted({r for a in requested for r in preview[a]["reasons"]})
        raise Conflict(
            "Publication impossible : " + ", ".join(problems) + ". Identifiez les enfants (ou "
            "cochez « aucun enfant identifiable »), floutez ceux sans consentement. / Cannot "
            "publish: tag the children (or mark 'no identifiable child') and blur those without "
            "consent."
        )
    _write_media(
        principal,
        media,
        "publication",
        {
            "audiences": ",".join(allowed),
            "refused": ",".join(sorted(set(requested) - set(allowed))) or "none",
            "visibility": ",".join(f"{a}={preview[a]['visibility']}" for a in allowed),
        },
        (
            Media.state.set("published"),
            Media.hidden_by.remove(),
            Media.published_audiences.set(set(allowed)),
            Media.published_at.set(int(now)),
            Media.reviewed_by.set(principal.principal_id),
            Media.reviewed_at.set(int(now)),
            Media.rejection_reason.remove(),
        ),
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
        raise Conflict("Cet élément n'est pas publié. / This item is not published.")
    now = int(clock.now())
    _write_media(
        principal,
        media,
        "unpublication",
        {"reason": "director"},
        (Media.state.set("hidden"), Media.hidden_by.set(publication.HIDDEN_BY_DIRECTOR)),
        at=now,
    )
    return media_view(media, now)
