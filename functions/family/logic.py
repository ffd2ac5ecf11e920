"""Guardian use cases: their children's consents and the gallery behind the gate.

A guardian reaches only their own children: any other child id is "not found", exactly like
an id that does not exist. Every read of an item goes through the publication gate with the
consents of that moment, so a withdrawal hides items on the very next request.
"""

from __future__ import annotations

import re
from typing import Any

from pynamodb.exceptions import DoesNotExist

from pellicule import (
    audit,
    clock,
    consent,
    consent_text,
    data,
    delivery,
    publication,
    tenant_settings,
)
from pellicule.errors import BadRequest, Conflict, Forbidden, NotFound
from pellicule.gate import Visibility
from pellicule.models import Album, Child, Guardian, Media, tenant_pk
from pellicule.sessions import Principal

_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_CURSOR = re.compile(r"^MEDIA#\d{12}#[A-Za-z0-9_-]{1,64}$")
PAGE = 100


def _guardian(principal: Principal) -> Guardian:
    if principal.kind != "guardian":
        raise Forbidden("Réservé aux familles. / Families only.")
    data.ready()
    try:
        guardian = Guardian.get(
            tenant_pk(principal.tenant_id), f"GUARDIAN#{principal.principal_id}"
        )
    except DoesNotExist:
        raise Forbidden("Accès familial inconnu. / Unknown family access.") from None
    if guardian.archived:
        raise Forbidden("Accès familial clos. / Family access closed.")
    return guardian


def _own_children(principal: Principal, guardian: Guardian) -> list[Child]:
    """The guardian's children, as linked on both sides (never from the request)."""
    found = []
    for child_id in sorted(guardian.child_ids or ()):
        try:
            child = Child.get(tenant_pk(principal.tenant_id), f"CHILD#{child_id}")
        except DoesNotExist:
            continue
        if not child.archived and guardian.guardian_id in (child.guardian_ids or ()):
            found.append(child)
    return found


def _own_child(principal: Principal, child_id: str) -> tuple[Guardian, Child]:
    guardian = _guardian(principal)
    if _ID.match(child_id):
        for child in _own_children(principal, guardian):
            if child.child_id == child_id:
                return guardian, child
    raise NotFound("Enfant introuvable. / Child not found.")


def _ref(principal: Principal) -> str:
    return f"guardian:{principal.principal_id}"


def me(principal: Principal) -> dict[str, Any]:
    guardian = _guardian(principal)
    children = []
    for child in _own_children(principal, guardian):
        children.append(
            {
                "child_id": child.child_id,
                "first_name": child.first_name,
                "initial": child.initial,
                "consent": consent.describe(consent.current(principal.tenant_id, child.child_id)),
                "other_guardians": len(set(child.guardian_ids or ()) - {guardian.guardian_id}),
            }
        )
    return {"guardian_id": guardian.guardian_id, "children": children}


def consent_of(principal: Principal, child_id: str) -> dict[str, Any]:
    _, child = _own_child(principal, child_id)
    return {
        "consent": consent.describe(consent.current(principal.tenant_id, child.child_id)),
        "history": consent.history(principal.tenant_id, child.child_id),
        "text": consent_text.as_dict(),
    }


def give_or_change(principal: Principal, child_id: str, body: dict[str, Any]) -> dict[str, Any]:
    """Give, widen or narrow electronically, accepting the current consent text."""
    guardian, child = _own_child(principal, child_id)
    text_hash = body.get("text_sha256")
    if text_hash != consent_text.CURRENT.sha256:
        raise Conflict(
            "Le texte du consentement a changé : relisez-le puis validez. / "
            "The consent text changed: read it again, then confirm."
        )
    settings = tenant_settings.for_tenant(principal.tenant_id)
    now = clock.now()
    terms = consent.parse_terms(body, settings, now)
    outcome = consent.change(
        principal.tenant_id,
        child,
        actor=_ref(principal),
        requested=terms,
        evidence={
            "kind": "electronic",
            "guardian": guardian.guardian_id,
            "accepted_at": int(now),
            "text_version": consent_text.CURRENT.version,
            "text_sha256": consent_text.CURRENT.sha256,
        },
        agreeing=[guardian.guardian_id],
        settings=settings,
        at=now,
    )
    return outcome.as_dict()


def withdraw(principal: Principal, child_id: str) -> dict[str, Any]:
    """One action, no question asked: every audience, every kind, at once."""
    guardian, child = _own_child(principal, child_id)
    now = clock.now()
    outcome = consent.change(
        principal.tenant_id,
        child,
        actor=_ref(principal),
        requested=None,
        evidence={"kind": "electronic", "guardian": guardian.guardian_id, "at": int(now)},
        agreeing=[guardian.guardian_id],
        settings=tenant_settings.for_tenant(principal.tenant_id),
        at=now,
    )
    return outcome.as_dict()


# --- Gallery -------------------------------------------------------------------------------


def _viewer(principal: Principal) -> publication.Viewer:
    guardian = _guardian(principal)
    children = _own_children(principal, guardian)
    return publication.Viewer(
        guardian_id=guardian.guardian_id,
        child_ids=frozenset(c.child_id for c in children),
        group_ids=frozenset(c.group_id for c in children),
    )


def _child_groups(tenant_id: str) -> dict[str, str]:
    return {
        c.child_id: c.group_id
        for c in Child.query(tenant_pk(tenant_id), Child.sk.startswith("CHILD#"))
    }


def _published(tenant_id: str, album_id: str, after: str | None = None) -> list[Media]:
    """Published items of an album in upload order (after the ``after`` cursor if given)."""
    condition = Media.gsi1sk > after if after else None
    return [
        m
        for m in Media.by_gsi1.query(f"ALBUM#{tenant_id}#{album_id}", condition)
        if m.state == publication.PUBLISHED
    ]


def _visible(
    principal: Principal, viewer: publication.Viewer, album: Album, items: list[Media]
) -> list[tuple[Media, Visibility]]:
    if not viewer.child_ids:
        return []
    groups = _child_groups(principal.tenant_id)
    tagged = {c for m in items for c in (m.tagged_child_ids or ())}
    grants = consent.grants(principal.tenant_id, tagged)
    now = clock.now()
    shown = []
    for media in items:
        decision = publication.viewer_decision(viewer, media, album, groups, grants, now)
        if decision.visible:
            shown.append((media, decision.visibility))
    return shown


def _signed(renditions: Any, names: tuple[str, ...]) -> dict[str, Any]:
    available = renditions.as_dict() if renditions else {}
    return {
        name: {
            "url": delivery.signed_media_url(str(available[name]["key"])),
            "width": int(available[name]["width"]),
            "height": int(available[name]["height"]),
            "type": available[name].get("type", "image/jpeg"),
        }
        for name in names
        if name in available
    }


VIEW_RENDITIONS = ("thumb", "web", "poster", "video")


def _item_view(media: Media, visibility: Visibility) -> dict[str, Any]:
    # A blurred item is served ONLY from its blurred variants: the clean keys never leave.
    source = media.blurred if visibility is Visibility.BLURRED else media.renditions
    return {
        "media_id": media.media_id,
        "kind": media.kind,
        "blurred": visibility is Visibility.BLURRED,
        "renditions": _signed(source, VIEW_RENDITIONS),
        "capture_date": media.capture_date,
    }


def albums(principal: Principal) -> dict[str, Any]:
    viewer = _viewer(principal)
    found = []
    for album in Album.query(tenant_pk(principal.tenant_id), Album.sk.startswith("ALBUM#")):
        if album.archived:
            continue
        visible = _visible(
            principal, viewer, album, _published(principal.tenant_id, album.album_id)
        )
        if visible:
            found.append(
                {
                    "album_id": album.album_id,
                    "title": album.title,
                    "date": album.album_date,
                    "items": len(visible),
                }
            )
    found.sort(key=lambda a: str(a["date"]), reverse=True)
    return {"albums": found}


def _album(principal: Principal, album_id: str) -> Album:
    if not _ID.match(album_id):
        raise NotFound("Album introuvable. / Album not found.")
    try:
        album = Album.get(tenant_pk(principal.tenant_id), f"ALBUM#{album_id}")
    except DoesNotExist:
        raise NotFound("Album introuvable. / Album not found.") from None
    if album.archived:
        raise NotFound("Album introuvable. / Album not found.")
    return album


def album(
    principal: Principal, album_id: str, *, cursor: str | None = None, limit: int = PAGE
) -> dict[str, Any]:
    """One page of the items of an album this family may see now, in upload order.

    ``next_cursor`` (opaque to clients) fetches the following page; it is ``None`` at the end.
    """
    if cursor is not None and not _CURSOR.match(cursor):
        raise BadRequest("Curseur de page invalide. / Invalid page cursor.")
    if not 1 <= limit <= PAGE:
        raise BadRequest(f"limit : entre 1 et {PAGE}. / limit: between 1 and {PAGE}.")
    viewer = _viewer(principal)
    found = _album(principal, album_id)
    visible = _visible(principal, viewer, found, _published(principal.tenant_id, album_id, cursor))
    if not visible and cursor is None:
        raise NotFound("Album introuvable. / Album not found.")
    page = visible[:limit]
    audit.append(
        principal.tenant_id,
        "view",
        _ref(principal),
        f"album:{album_id}",
        {"items": len(page), "blurred": sum(v is Visibility.BLURRED for _, v in page)},
    )
    return {
        "album": {"album_id": found.album_id, "title": found.title, "date": found.album_date},
        "items": [_item_view(m, v) for m, v in page],
        "next_cursor": page[-1][0].gsi1sk if len(visible) > limit else None,
        "downloads": tenant_settings.for_tenant(principal.tenant_id).allow_downloads,
    }


def download(principal: Principal, media_id: str) -> dict[str, Any]:
    """A short-lived link to the full-size file, if the gate and the centre allow it now."""
    viewer = _viewer(principal)
    if not tenant_settings.for_tenant(principal.tenant_id).allow_downloads:
        raise Forbidden(
            "Le centre ne permet pas le téléchargement. / The centre does not allow downloads."
        )
    if not _ID.match(media_id):
        raise NotFound("Élément introuvable. / Item not found.")
    try:
        media = Media.get(tenant_pk(principal.tenant_id), f"MEDIA#{media_id}")
    except DoesNotExist:
        raise NotFound("Élément introuvable. / Item not found.") from None
    try:
        found = _album(principal, media.album_id)
    except NotFound:
        raise NotFound("Élément introuvable. / Item not found.") from None
    visible = _visible(principal, viewer, found, [media] if media.state == "published" else [])
    if not visible:
        raise NotFound("Élément introuvable. / Item not found.")
    _, visibility = visible[0]
    source = media.blurred if visibility is Visibility.BLURRED else media.renditions
    name = "video" if media.kind == "video" else "download"
    links = _signed(source, (name,))
    if name not in links:
        raise NotFound("Élément introuvable. / Item not found.")
    audit.append(
        principal.tenant_id,
        "download",
        _ref(principal),
        f"media:{media_id}",
        {"blurred": "true" if visibility is Visibility.BLURRED else "false"},
    )
    return {"media_id": media_id, "blurred": visibility is Visibility.BLURRED, **links[name]}


def consent_text_view() -> dict[str, Any]:
    return consent_text.as_dict()
