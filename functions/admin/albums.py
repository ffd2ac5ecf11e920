"""Albums: create, retitle, redate, move to another group (its date decides how long its
photos are kept, so a change of date is audited with the album, in one transaction).

Albums are read and written through the media store (``pellicule.store.media``)."""

from __future__ import annotations

from typing import Any

from functions.admin import contract as c
from functions.admin.common import (
    active_group,
    new_id,
    require_director,
    require_staff,
    staff_ref,
    tidy,
)
from pellicule.api.schema import ABSENT
from pellicule.config import clock
from pellicule.domain.errors import BadRequest, Conflict
from pellicule.services import audit, tenant_settings
from pellicule.services.sessions import Principal
from pellicule.store import media as media_store

# At most this many albums are listed.
LIST_LIMIT = 2000


def album_or_404(tenant_id: str, album_id: str) -> media_store.AlbumRecord:
    """The album (read consistently), or 404; an id that cannot name one is not read."""
    return media_store.album_or_404(tenant_id, album_id)


def _album_view(album: media_store.AlbumRecord) -> dict[str, Any]:
    return {
        "album_id": album.album_id,
        "title": album.title,
        "date": album.album_date,
        "group_id": album.group_id,
        "archived": bool(album.archived),
        "caption": album.caption,
    }


def _date(tenant_id: str, value: str) -> str:
    """The album's date, within the bounds of ``retention.album_date_bounds``: an album dated
    far ahead would otherwise keep its photos past the centre's retention (docs/retention.md).
    """
    import datetime

    from pellicule.domain import retention

    day = datetime.date.fromisoformat(value)  # a real day (type)
    months = tenant_settings.for_tenant(tenant_id).media_retention_months
    earliest, latest = retention.album_date_bounds(months, clock.now())
    if not earliest <= day <= latest:
        raise BadRequest(
            "album_date_out_of_bounds",
            earliest=earliest.isoformat(),
            latest=latest.isoformat(),
            ahead=retention.ALBUM_DAYS_AHEAD,
            months=months,
        )
    return day.isoformat()


def _album_audited(
    principal: Principal, album_id: str, details: dict[str, Any], write: audit.Companion
) -> None:
    """Write an album and the audit entry of its date in one transaction (all or nothing):
    its date decides how long its photos are kept."""
    try:
        audit.append(
            principal.tenant_id,
            "album_changed",
            staff_ref(principal),
            f"album:{album_id}",
            details,
            companions=(write,),
        )
    except audit.CompanionConflictError:
        raise Conflict("album_changed_meanwhile") from None


# --- Captions --------------------------------------------------------------------------------


def checked_caption(tenant_id: str, body: c.CaptionChange, maximum: int) -> str | None:
    """The caption as kept (``None``: none): NFC, trimmed, at most ``maximum`` characters, no
    control character (400); one holding a child's full name needs ``confirm_names`` (409)."""
    from pellicule.domain import captions
    from pellicule.store import roster

    try:
        caption = captions.normalise(body.caption, maximum)
    except captions.CaptionError as error:
        raise BadRequest(error.reason, **error.params) from None
    if caption is not None and not body.confirm_names:
        names = (
            captions.RosterName(child.first_name, child.initial)
            for child in roster.every_child(tenant_id)
        )
        if captions.names_a_child(caption, names):
            raise Conflict("caption_full_name")
    return caption


def caption_details(caption: str | None, body: c.CaptionChange) -> dict[str, Any]:
    """The audit entry's details of a caption change: never the text itself."""
    return {
        "change": "captioned" if caption is not None else "caption_removed",
        "length": len(caption or ""),
        "names_confirmed": "true" if body.confirm_names else "false",
    }


def caption_album(principal: Principal, album_id: str, body: c.CaptionChange) -> dict[str, Any]:
    """Set an album's caption (staff: like its title), with its audit entry."""
    from pellicule.domain import captions

    require_staff(principal)
    album = album_or_404(principal.tenant_id, album_id)
    if album.archived:
        raise Conflict("album_archived")
    caption = checked_caption(principal.tenant_id, body, captions.ALBUM_MAX)
    try:
        audit.append(
            principal.tenant_id,
            "caption_changed",
            staff_ref(principal),
            f"album:{album_id}",
            caption_details(caption, body),
            companions=(media_store.album_captioned(album, caption),),
        )
    except audit.CompanionConflictError:
        raise Conflict("album_changed_meanwhile") from None
    return _album_view(media_store.reloaded(album))


def list_albums(principal: Principal) -> dict[str, Any]:
    require_staff(principal)
    albums = sorted(
        media_store.albums(principal.tenant_id, limit=LIST_LIMIT),
        key=lambda a: a.album_date,
        reverse=True,
    )
    return {"albums": [_album_view(a) for a in albums]}


def create_album(principal: Principal, body: c.AlbumCreate) -> dict[str, Any]:
    require_staff(principal)
    group_id = body.group_id
    if group_id is not None:
        group_id = active_group(principal.tenant_id, group_id).group_id
    album_id = new_id()
    album = media_store.new_album(
        principal.tenant_id,
        album_id,
        title=tidy(body.title, "title"),
        album_date=_date(principal.tenant_id, body.date),
        group_id=group_id,
        created_at=int(clock.now()),
    )
    _album_audited(
        principal,
        album_id,
        {"change": "created", "date": album.album_date},
        media_store.album_created(album),
    )
    return _album_view(album)


def update_album(principal: Principal, album_id: str, body: c.AlbumChange) -> dict[str, Any]:
    require_staff(principal)
    album = album_or_404(principal.tenant_id, album_id)
    changes: dict[str, str | None] = {}
    if body.title is not ABSENT:
        changes["title"] = tidy(body.title, "title")
    redated: dict[str, Any] = {}
    if body.date is not ABSENT:
        date = _date(principal.tenant_id, body.date)
        if date != album.album_date:  # the same date sent again is no change to record
            changes["album_date"] = date
            redated = {"change": "redated", "date": date, "previous_date": album.album_date}
    if body.group_id is not ABSENT:
        require_director(principal)  # changes who may see the album
        group_id = body.group_id
        changes["group_id"] = (
            None if group_id is None else active_group(principal.tenant_id, group_id).group_id
        )
    if not changes:
        if body.date is not ABSENT:  # only the date it had: nothing changes, nothing recorded
            return _album_view(album)
        raise BadRequest("album_nothing_to_change")
    if redated:
        _album_audited(principal, album_id, redated, media_store.album_updated(album, changes))
        album = media_store.reloaded(album)
    else:
        media_store.update_album(album, changes)
    return _album_view(album)
