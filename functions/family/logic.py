"""Guardian use cases: their children's consents and the gallery behind the gate.

A guardian reaches only their own children: any other child id is "not found", exactly like
an id that does not exist. Every read of an item goes through the publication gate with the
consents of that moment, so a withdrawal hides items on the very next request.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from functions.family import contract
from functions.family.contract import AlbumPageQuery, ConsentRequest, ErasureRequestBody
from pellicule.adapters import delivery
from pellicule.config import clock, topology
from pellicule.domain.errors import BadRequest, Conflict, Forbidden, NotFound, TooLarge
from pellicule.domain.gate import Visibility
from pellicule.services import audit, consent, publication, tenant_settings
from pellicule.services.sessions import Principal
from pellicule.store import data, roster
from pellicule.store import media as media_store
from pellicule.store.media import AlbumRecord, MediaRecord
from pellicule.store.roster import ChildRecord, GuardianRecord

_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
PAGE = contract.PAGE


def _guardian(principal: Principal) -> GuardianRecord:
    if principal.kind != "guardian":
        raise Forbidden("families_only")
    data.ready()
    guardian = roster.guardian(principal.tenant_id, principal.principal_id, consistent=False)
    if guardian is None:
        raise Forbidden("family_access_unknown")
    if guardian.archived:
        raise Forbidden("family_access_closed")
    return guardian


def _children_of(principal: Principal, guardian: GuardianRecord) -> dict[str, ChildRecord]:
    """The child items the guardian's record names (linked or not: see
    ``publication.linked_children``)."""
    return roster.children_named(principal.tenant_id, guardian.child_ids or ())


def _own_children(principal: Principal, guardian: GuardianRecord) -> list[ChildRecord]:
    """The guardian's children, as linked on both sides (never from the request)."""
    return publication.linked_children(guardian, _children_of(principal, guardian))


def _own_child(principal: Principal, child_id: str) -> tuple[GuardianRecord, ChildRecord]:
    guardian = _guardian(principal)
    if _ID.match(child_id):
        for child in _own_children(principal, guardian):
            if child.child_id == child_id:
                return guardian, child
    raise NotFound("child_not_found")


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
    from pellicule.domain import consent_text  # the consent routes only

    _, child = _own_child(principal, child_id)
    return {
        "consent": consent.describe(consent.current(principal.tenant_id, child.child_id)),
        "history": consent.history(principal.tenant_id, child.child_id),
        "text": consent_text.as_dict(),
    }


def give_or_change(principal: Principal, child_id: str, body: ConsentRequest) -> dict[str, Any]:
    """Give, widen or narrow electronically, accepting the current consent text."""
    from pellicule.domain import consent_text  # the consent routes only

    guardian, child = _own_child(principal, child_id)
    if body.text_sha256 != consent_text.CURRENT.sha256:
        raise Conflict("consent_text_changed")
    settings = tenant_settings.for_tenant(principal.tenant_id)
    now = clock.now()
    terms = consent.parse_terms(
        {
            "audiences": list(body.audiences),
            "media_kinds": list(body.media_kinds),
            "valid_from": body.valid_from,
            "valid_until": body.valid_until,
        },
        settings,
        now,
    )
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
    return publication.viewer_of(guardian, _children_of(principal, guardian))


def _published(tenant_id: str, album_id: str) -> list[MediaRecord]:
    """Published items of an album, in upload order."""
    return [
        m for m in media_store.album_items(tenant_id, album_id) if m.state == publication.PUBLISHED
    ]


@dataclass(frozen=True)
class Shown:
    media: MediaRecord
    choice: publication.Choice


@dataclass(frozen=True)
class _Context:
    """What the gate needs besides the items: every child's group and the consents of the
    tagged children, read once per request."""

    groups: dict[str, str]
    grants: dict[str, Any]


def _context(tenant_id: str, items: list[MediaRecord]) -> _Context:
    tagged = {c for m in items for c in (m.tagged_child_ids or ())}
    return _Context(publication.child_groups(tenant_id), consent.grants(tenant_id, tagged))


def _visible(
    principal: Principal,
    viewer: publication.Viewer,
    album: AlbumRecord,
    items: list[MediaRecord],
    context: _Context | None = None,
) -> list[Shown]:
    """The items ``viewer`` gets, each with the served copy they get it from.

    The gate decides with the consents of this moment; a served copy showing more than it
    allows is never handed out, and a scope holding one is not signed at all for this
    request (its wildcard would reach that copy); such items are sent for reconciliation.
    ``context``: the groups and consents, when the caller read them for several albums.
    """
    if not viewer.child_ids:
        return []
    context = context or _context(principal.tenant_id, items)
    groups, grants = context.groups, context.grants
    now = clock.now()
    scopes = publication.viewer_scopes(viewer)
    allowed = [
        publication.viewer_decision(viewer, media, album, groups, grants, now).visibility
        for media in items
    ]
    unsafe: set[str] = set()
    for media, visibility in zip(items, allowed, strict=True):
        unsafe |= publication.over_exposed_scopes(publication.served(media), scopes, visibility)
    shown, stale = [], []
    for media, visibility in zip(items, allowed, strict=True):
        choice = publication.choose(
            publication.served(media), scopes, visibility, frozenset(unsafe)
        )
        if choice.stale:
            stale.append(media)
        if choice.scope is not None:
            shown.append(Shown(media, choice))
    for media in stale[:STALE_REQUESTS_PER_READ]:
        publication.request_reconcile(media, now)
    return shown


STALE_REQUESTS_PER_READ = 20


def _item_view(
    principal: Principal, album_id: str, shown: Shown, signer: delivery.PrefixSigner
) -> dict[str, Any]:
    """One item of a page: URLs of the copies in the chosen scope, under its one policy."""
    choice = shown.choice
    assert choice.scope is not None
    prefix = publication.scope_prefix(principal.tenant_id, album_id, choice.scope)
    renditions = choice.entry.get("r") or {}
    return {
        "media_id": shown.media.media_id,
        "kind": shown.media.kind,
        "blurred": choice.visibility is Visibility.BLURRED,
        "renditions": {
            name: {
                "url": signer.url(str(info["key"]), prefix),
                "width": int(info["width"]),
                "height": int(info["height"]),
                "type": info.get("type", "image/jpeg"),
            }
            for name, info in sorted(renditions.items())
            if name in publication.VIEW_RENDITIONS
        },
        "capture_date": shown.media.capture_date,
    }


def _cover(
    principal: Principal, album_id: str, visible: list[Shown], signer: delivery.PrefixSigner
) -> dict[str, Any] | None:
    """The album's cover: the thumbnail (a video's poster) of its first visible item shown as
    it is, never a blurred one; no cover when every item is shown blurred."""
    shown = next((s for s in visible if s.choice.visibility is not Visibility.BLURRED), None)
    if shown is None:
        return None
    renditions = _item_view(principal, album_id, shown, signer)["renditions"]
    for name in ("thumb", "poster"):
        if name in renditions:
            cover: dict[str, Any] = renditions[name]
            return cover
    return None


def albums(principal: Principal) -> dict[str, Any]:
    viewer = _viewer(principal)
    if not viewer.child_ids:
        return {"albums": []}
    signer = delivery.PrefixSigner()
    found = []
    published = {
        album.album_id: (album, _published(principal.tenant_id, album.album_id))
        for album in media_store.albums(principal.tenant_id)
        if not album.archived
    }
    # The children's groups and the tagged children's consents: read once for every album.
    context = _context(principal.tenant_id, [m for _, items in published.values() for m in items])
    for album, items in published.values():
        visible = _visible(principal, viewer, album, items, context)
        if visible:
            found.append(
                {
                    "album_id": album.album_id,
                    "title": album.title,
                    "date": album.album_date,
                    "items": len(visible),
                    "cover": _cover(principal, album.album_id, visible, signer),
                }
            )
    found.sort(key=lambda a: str(a["date"]), reverse=True)
    return {"albums": found}


def _album(principal: Principal, album_id: str) -> AlbumRecord:
    if not _ID.match(album_id):
        raise NotFound("album_not_found")
    album = media_store.album(principal.tenant_id, album_id)
    if album is None or album.archived:
        raise NotFound("album_not_found")
    return album


def album(principal: Principal, album_id: str, query: AlbumPageQuery) -> dict[str, Any]:
    """One page of the items of an album this family may see now, in upload order.

    ``next_cursor`` (opaque to clients) fetches the following page; it is ``None`` at the end.
    The whole album is checked on every page, so no page signs a scope that holds a copy the
    family may no longer see.
    """
    cursor, limit = query.cursor, query.limit
    viewer = _viewer(principal)
    found = _album(principal, album_id)
    visible = _visible(principal, viewer, found, _published(principal.tenant_id, album_id))
    # Whatever the cursor: an album with nothing this family may see does not exist for it
    # (a cursor must never turn a 404 into the album's title and date).
    if not visible:
        raise NotFound("album_not_found")
    remaining = [s for s in visible if cursor is None or str(s.media.gsi1sk) > cursor]
    page = remaining[:limit]
    signer = delivery.PrefixSigner()
    items = [_item_view(principal, album_id, shown, signer) for shown in page]
    audit.append(
        principal.tenant_id,
        "view",
        _ref(principal),
        f"album:{album_id}",
        {
            "items": len(page),
            "blurred": sum(s.choice.visibility is Visibility.BLURRED for s in page),
        },
    )
    return {
        "album": {"album_id": found.album_id, "title": found.title, "date": found.album_date},
        "items": items,
        "next_cursor": page[-1].media.gsi1sk if len(remaining) > limit else None,
        "downloads": tenant_settings.for_tenant(principal.tenant_id).allow_downloads,
    }


def download(principal: Principal, media_id: str) -> dict[str, Any]:
    """A short-lived link to the full-size file, if the gate and the centre allow it now."""
    viewer = _viewer(principal)
    if not tenant_settings.for_tenant(principal.tenant_id).allow_downloads:
        raise Forbidden("downloads_not_allowed")
    if not _ID.match(media_id):
        raise NotFound("media_not_found")
    media = media_store.item_read(principal.tenant_id, media_id)
    if media is None:
        raise NotFound("media_not_found")
    try:
        found = _album(principal, media.album_id)
    except NotFound:
        raise NotFound("media_not_found") from None
    visible = _visible(principal, viewer, found, [media] if media.state == "published" else [])
    if not visible:
        raise NotFound("media_not_found")
    choice = visible[0].choice
    info = (
        (choice.entry.get("r") or {}).get("video")
        if media.kind == "video"
        else choice.entry.get("d")
    )
    if not info:
        raise NotFound("media_not_found")
    blurred = choice.visibility is Visibility.BLURRED
    audit.append(
        principal.tenant_id,
        "download",
        _ref(principal),
        f"media:{media_id}",
        {"blurred": "true" if blurred else "false"},
    )
    return {
        "media_id": media_id,
        "blurred": blurred,
        # One object, one policy: downloads live outside the prefixes a page signs.
        "url": delivery.PrefixSigner().exact(str(info["key"])),
        "width": int(info["width"]),
        "height": int(info["height"]),
        "type": info.get("type", "image/jpeg"),
    }


def erasure_of(principal: Principal, child_id: str) -> dict[str, Any]:
    from pellicule.services import erasure  # the erasure routes only

    _, child = _own_child(principal, child_id)
    return {"request": erasure.describe(erasure.current(principal.tenant_id, child.child_id))}


def request_erasure(
    principal: Principal, child_id: str, body: ErasureRequestBody
) -> dict[str, Any]:
    """Ask for the erasure of a child's images and data (confirmed explicitly: it cannot be
    undone once carried out)."""
    from pellicule.services import erasure  # the erasure routes only

    _, child = _own_child(principal, child_id)
    if not body.confirm:
        raise BadRequest("erasure_confirm")
    found, created = erasure.request(principal.tenant_id, child.child_id, _ref(principal))
    return {"request": erasure.describe(found), "created": created}


def consent_text_view() -> dict[str, Any]:
    from pellicule.domain import consent_text  # the consent routes only

    return consent_text.as_dict()


# --- Album archives (zip downloads; docs/delivery.md "Album archives") ----------------------

ARCHIVES_PER_HOUR = 20  # per guardian: each one reads a whole album from the bucket


def create_archive(
    principal: Principal, album_id: str, body: contract.ArchiveRequest
) -> dict[str, Any]:
    """Record what the gate lets this family download in the album NOW (or in a selection of
    it), then queue the archive's building. Any id of the selection that is not an item this
    family may download in this album makes the whole request "not found"."""
    import secrets

    from pellicule.adapters import archive_queue
    from pellicule.services import archives as archive_rules
    from pellicule.store import archives as archive_store
    from pellicule.store import ratelimit

    viewer = _viewer(principal)
    if not tenant_settings.for_tenant(principal.tenant_id).allow_downloads:
        raise Forbidden("downloads_not_allowed")
    found = _album(principal, album_id)
    now = clock.now()
    visible = archive_rules.visible_sources(principal.tenant_id, viewer, found, now)
    if not visible:
        raise NotFound("album_not_found")
    wanted = visible
    if body.media_ids is not None:
        by_id = archive_rules.positions(visible)
        if any(media_id not in by_id for media_id in body.media_ids):
            raise NotFound("media_not_found")
        wanted = sorted(by_id[media_id] for media_id in set(body.media_ids))
    if len(wanted) > archive_rules.MAX_ITEMS:
        raise TooLarge("archive_too_large", limit=archive_rules.MAX_ITEMS)
    ratelimit.enforce(
        (
            ratelimit.Limit("archive-guardian", ARCHIVES_PER_HOUR, 3600),
            f"{principal.tenant_id}:{principal.principal_id}",
        )
    )
    job = archive_store.create(
        principal.tenant_id,
        secrets.token_urlsafe(16),
        guardian_id=principal.principal_id,
        album_id=found.album_id,
        items=[archive_store.Wanted(source.media_id, position) for position, source in wanted],
        selection=body.media_ids is not None,
        file_name=archive_rules.zip_name(found.album_date, found.title),
        now=int(now),
        expires_at=int(now) + topology.ARCHIVE_EXPIRATION_DAYS * 86400,
    )
    archive_queue.enqueue(principal.tenant_id, job.archive_id)
    return _archive_view(job)


def archive_status(principal: Principal, archive_id: str) -> dict[str, Any]:
    """The archive's progress, to the guardian who asked for it only (anyone else: "not
    found"); once built, a link signed for that one object."""
    from pellicule.store import archives as archive_store

    _guardian(principal)
    job = archive_store.get(principal.tenant_id, archive_id) if _ID.match(archive_id) else None
    if job is None or job.guardian_id != principal.principal_id:
        raise NotFound("archive_not_found")
    if (
        job.status == archive_store.READY
        and not tenant_settings.for_tenant(principal.tenant_id).allow_downloads
    ):
        raise Forbidden("downloads_not_allowed")
    return _archive_view(job)


def _archive_view(job: Any) -> dict[str, Any]:
    from pellicule.domain import messages
    from pellicule.store import archives as archive_store

    ready = job.status == archive_store.READY and job.object_key
    return {
        "archive_id": job.archive_id,
        "album_id": job.album_id,
        "status": job.status,
        "items": len(job.items or ()),
        "written": _count(job.written),
        "blurred": _count(job.blurred),
        "dropped": _count(job.dropped),
        "size": _count(job.size),
        "file_name": job.file_name,
        "url": delivery.signed_archive_url(str(job.object_key)) if ready else None,
        "failure": job.failure,
        "failure_message": dict(messages.both(job.failure)) if job.failure else None,
    }


def _count(value: Any) -> int | None:
    return None if value is None else int(value)
