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
from functions.family.contract import (
    AlbumPageQuery,
    ConsentRequest,
    DownloadsQuery,
    ErasureRequestBody,
)
from pellicule.adapters import delivery
from pellicule.config import clock, topology
from pellicule.domain import gallery_news
from pellicule.domain.errors import BadRequest, Conflict, Forbidden, NotFound, TooLarge
from pellicule.domain.gate import Visibility
from pellicule.services import audit, consent, publication, tenant_settings
from pellicule.services.sessions import Principal
from pellicule.store import data, roster, visits
from pellicule.store import downloads as download_store
from pellicule.store import media as media_store
from pellicule.store.media import AlbumRecord, MediaRecord
from pellicule.store.roster import ChildRecord, GuardianRecord

_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
PAGE = contract.PAGE


def _guardian(principal: Principal) -> GuardianRecord:
    if principal.kind == "relative":  # issue 17: a relative reads, never acts
        raise Forbidden("relative_read_only")
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
    """``guardian:<id>``, or ``relative:<id>`` for a relative's views and downloads."""
    return f"{principal.kind}:{principal.principal_id}"


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
    """The family whose eyes the request sees through: the guardian's, or, for a relative
    (issue 17), the inviting guardian's, read live (never more than that family sees)."""
    guardian = _family_guardian(principal)
    return publication.viewer_of(guardian, _children_of(principal, guardian))


@dataclass(frozen=True)
class _Family:
    """The family behind a gallery request: who they are, and the visit it belongs to."""

    viewer: publication.Viewer
    visit: gallery_news.Visit


def _family(principal: Principal) -> _Family:
    """The viewer, and the visit this gallery request belongs to (recorded on the guardian's
    own item when the domain says so: a new visit, or a minute later in the same one)."""
    guardian = _family_guardian(principal)
    if principal.kind == "relative":
        # A relative's visits are not recorded (the marks live on the guardian's own item,
        # which are the guardian's visits): nothing shows as new to them.
        step = gallery_news.on_request(gallery_news.Visit(), int(clock.now()))
    else:
        read = visits.stored(guardian)
        step = gallery_news.on_request(read, int(clock.now()))
        if step.write:
            visits.record(principal.tenant_id, guardian.guardian_id, read=read, visit=step.visit)
    viewer = publication.viewer_of(guardian, _children_of(principal, guardian))
    return _Family(viewer, step.visit)


def _mine(shown: Shown, viewer: publication.Viewer) -> bool:
    return gallery_news.shows_own_child(
        shown.media.tagged_child_ids or (),
        shown.media.blurred_child_ids or (),
        served_blurred=shown.choice.visibility is Visibility.BLURRED,
        own=viewer.child_ids,
    )


def _new(shown: Shown, visit: gallery_news.Visit) -> bool:
    return gallery_news.is_new(shown.media.published_at, visit)


def _family_guardian(principal: Principal) -> GuardianRecord:
    if principal.kind == "relative":
        from pellicule.services import relatives

        data.ready()
        return relatives.family_of(principal)[1]
    return _guardian(principal)


def _downloads_allowed(principal: Principal) -> bool:
    """The centre allows downloads, and, for a relative, their guardian allowed them too."""
    centre = tenant_settings.for_tenant(principal.tenant_id).allow_downloads
    if principal.kind != "relative":
        return centre
    from pellicule.domain import relatives as rules
    from pellicule.services import relatives

    relative, _ = relatives.family_of(principal)
    return rules.may_download(centre, bool(relative.may_download))


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
    principal: Principal,
    album_id: str,
    shown: Shown,
    signer: delivery.PrefixSigner,
    family: _Family | None = None,
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
        "caption": shown.media.caption,
        "new": family is not None and _new(shown, family.visit),
        "mine": family is not None and _mine(shown, family.viewer),
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
    family = _family(principal)
    viewer = family.viewer
    if not viewer.child_ids:
        return {"albums": [], "children": 0}
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
                    "caption": album.caption,
                    "items": len(visible),
                    "new": sum(_new(s, family.visit) for s in visible),
                    "mine": sum(_mine(s, viewer) for s in visible),
                    "cover": _cover(principal, album.album_id, visible, signer),
                }
            )
    found.sort(key=lambda a: str(a["date"]), reverse=True)
    return {"albums": found, "children": len(viewer.child_ids)}


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
    limit = query.limit
    family = _family(principal)
    viewer = family.viewer
    found = _album(principal, album_id)
    visible = _visible(principal, viewer, found, _published(principal.tenant_id, album_id))
    # Whatever the cursor and the filter: an album with nothing this family may see does not
    # exist for it (a cursor must never turn a 404 into the album's title and date).
    if not visible:
        raise NotFound("album_not_found")
    mine = [s for s in visible if _mine(s, viewer)]
    chosen = mine if query.filter == "mine" else visible
    cursor = _position(query.cursor, query.filter)
    remaining = [s for s in chosen if cursor is None or str(s.media.gsi1sk) > cursor]
    page = remaining[:limit]
    signer = delivery.PrefixSigner()
    items = [_item_view(principal, album_id, shown, signer, family) for shown in page]
    audit.record(  # chained later in a batch (docs/audit.md)
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
        "album": {
            "album_id": found.album_id,
            "title": found.title,
            "date": found.album_date,
            "caption": found.caption,
        },
        "items": items,
        "next_cursor": (
            _cursor(str(page[-1].media.gsi1sk), query.filter) if len(remaining) > limit else None
        ),
        "downloads": _downloads_allowed(principal),
        "filter": query.filter,
        "counts": {
            "all": len(visible),
            "mine": len(mine),
            "new": sum(_new(s, family.visit) for s in visible),
        },
        "children": len(viewer.child_ids),
    }


def _cursor(position: str, filter: str) -> str:
    """The cursor of the page after ``position``, saying which filter it belongs to."""
    return contract.MINE_CURSOR + position if filter == "mine" else position


def _position(cursor: str | None, filter: str) -> str | None:
    """The position a cursor names, provided it was made for ``filter`` (400 otherwise)."""
    if cursor is None:
        return None
    made_for_mine = cursor.startswith(contract.MINE_CURSOR)
    if made_for_mine != (filter == "mine"):
        raise BadRequest("album_cursor_filter_mismatch")
    return cursor.removeprefix(contract.MINE_CURSOR)


def download(principal: Principal, media_id: str) -> dict[str, Any]:
    """A short-lived link to the full-size file, if the gate and the centre allow it now."""
    viewer = _viewer(principal)
    if not tenant_settings.for_tenant(principal.tenant_id).allow_downloads:
        raise Forbidden("downloads_not_allowed")
    if not _downloads_allowed(principal):  # issue 17: the guardian's choice for a relative
        raise Forbidden("relative_download_not_allowed")
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
    audit.record(  # chained later in a batch (docs/audit.md)
        principal.tenant_id,
        "download",
        _ref(principal),
        f"media:{media_id}",
        {"blurred": "true" if blurred else "false"},
    )
    download_store.record(
        principal.tenant_id,
        principal.principal_id,
        kind="item",
        album_id=found.album_id,
        album_title=found.title,
        media_id=media_id,
        media_kind=media.kind,
        capture_date=media.capture_date,
        blurred=blurred,
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


# --- My downloads -----------------------------------------------------------------------------


def downloads(principal: Principal, query: DownloadsQuery) -> dict[str, Any]:
    """What this family member downloaded, newest first, one page at a time.

    Only their own entries (the query is on their id, never on the request's). An item's
    thumbnail is given only while the publication gate lets them see it now (its current
    copy: blurred if that is how it reaches them); otherwise the entry is listed by its album,
    kind and date alone. The album's current title when it still exists.
    """
    viewer = _viewer(principal)
    found = download_store.page(
        principal.tenant_id, principal.principal_id, limit=query.limit, cursor=query.cursor
    )
    albums = {
        album_id: media_store.album(principal.tenant_id, album_id)
        for album_id in {e.album_id for e in found.entries}
        if _ID.match(album_id)
    }
    thumbnails = _download_thumbnails(principal, viewer, albums, found.entries)
    listed = []
    for entry in found.entries:
        album = albums.get(entry.album_id)
        listed.append(
            {
                "download_id": entry.entry_id,
                "at": int(entry.at) // 1000,
                "kind": entry.kind,
                "album_id": entry.album_id,
                "album_title": album.title if album is not None else entry.album_title,
                "media_id": entry.media_id,
                "media_kind": entry.media_kind,
                "capture_date": entry.capture_date,
                "blurred": bool(entry.blurred),
                "name": entry.name,
                "thumbnail": thumbnails.get(entry.media_id or ""),
            }
        )
    return {"downloads": listed, "next_cursor": found.next_cursor}


def _download_thumbnails(
    principal: Principal,
    viewer: publication.Viewer,
    albums: dict[str, AlbumRecord | None],
    entries: list[download_store.DownloadRecord],
) -> dict[str, dict[str, Any]]:
    """media id -> the thumbnail (a video's poster) of each listed item the gate lets this
    family see now; items gone, unpublished or hidden from them get none."""
    wanted: dict[str, set[str]] = {}
    for entry in entries:
        if entry.kind == "item" and entry.media_id and _ID.match(entry.media_id):
            wanted.setdefault(entry.album_id, set()).add(entry.media_id)
    thumbnails: dict[str, dict[str, Any]] = {}
    signer: delivery.PrefixSigner | None = None
    for album_id, media_ids in wanted.items():
        album = albums.get(album_id)
        if album is None or album.archived:
            continue
        read = (media_store.item_read(principal.tenant_id, m) for m in sorted(media_ids))
        items = [
            m
            for m in read
            if m is not None and m.album_id == album_id and m.state == publication.PUBLISHED
        ]
        if not items:
            continue
        signer = signer or delivery.PrefixSigner()
        for shown in _visible(principal, viewer, album, items):
            renditions = _item_view(principal, album_id, shown, signer)["renditions"]
            thumbnail = renditions.get("thumb") or renditions.get("poster")
            if thumbnail:
                thumbnails[shown.media.media_id] = thumbnail
    return thumbnails


def erasure_of(principal: Principal, child_id: str) -> dict[str, Any]:
    from pellicule.services import erasure  # the erasure routes only

    _, child = _own_child(principal, child_id)
    return {"request": erasure.describe(erasure.current(principal.tenant_id, child.child_id))}


def request_erasure(
    principal: Principal, child_id: str, body: ErasureRequestBody
) -> dict[str, Any]:
    """Ask for the erasure of a child's images and data (confirmed explicitly: it cannot be
    undone once carried out); a new request is e-mailed to the centre's directors."""
    from pellicule.services import erasure  # the erasure routes only

    _, child = _own_child(principal, child_id)
    if not body.confirm:
        raise BadRequest("erasure_confirm")
    found, created = erasure.request(principal.tenant_id, child.child_id, _ref(principal))
    if created:  # the directors are told once: asking again finds the open request
        from pellicule.services import erasure_alert

        erasure_alert.send(principal.tenant_id, child.child_id, int(found.due_by))
    return {"request": erasure.describe(found), "created": created}


def consent_text_view() -> dict[str, Any]:
    from pellicule.domain import consent_text  # the consent routes only

    return consent_text.as_dict()


# --- Relatives (issue 17, docs/relatives.md) ---------------------------------------------------


def relatives_list(principal: Principal) -> dict[str, Any]:
    from pellicule.services import relatives

    return relatives.listed(_guardian(principal))


def relative_invite(principal: Principal, body: contract.RelativeInvite) -> dict[str, Any]:
    from pellicule.services import relatives

    guardian = _guardian(principal)
    if not _own_children(principal, guardian):
        raise Forbidden("family_access_closed")  # a guardian with no child invites nobody
    email = body.email.strip().lower()
    return relatives.invite(guardian, email, body.may_download)


def relative_revoke(principal: Principal, relative_id: str) -> dict[str, Any]:
    from pellicule.services import relatives

    return relatives.revoke(_guardian(principal), relative_id)


def invitation(principal: Principal) -> dict[str, Any]:
    """A relative's own view: who invited them, and whether they may download."""
    from pellicule.services import relatives

    if principal.kind != "relative":
        raise Forbidden("families_only")
    data.ready()
    relative, guardian = relatives.family_of(principal)
    return {"invited_by": guardian.email, "may_download": bool(relative.may_download)}


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

    # Archives are the guardian's (the worker builds them through the guardian's eyes): a
    # relative downloads item by item, where allowed.
    _guardian(principal)
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
