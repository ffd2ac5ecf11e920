"""Albums: create, retitle, redate, move to another group (its date decides how long its
photos are kept, so a change of date is audited with the album, in one transaction).

Album items are still read and written here with PynamoDB (their store comes with the media
store)."""

from __future__ import annotations

import re
from typing import Any

from pynamodb.exceptions import DoesNotExist

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
from pellicule.domain.errors import BadRequest, Conflict, NotFound
from pellicule.services import audit, tenant_settings
from pellicule.services.sessions import Principal
from pellicule.store import data, keys
from pellicule.store.models import Album

_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
# At most this many albums are listed.
LIST_LIMIT = 2000


def album_or_404(tenant_id: str, album_id: str) -> Album:
    """The album (read consistently), or 404; an id that cannot name one is not read."""
    data.ready()
    if not _ID.match(album_id):
        raise NotFound("Album introuvable. / Album not found.")
    try:
        return Album.get(keys.tenant_pk(tenant_id), keys.album_sk(album_id), consistent_read=True)
    except DoesNotExist:
        raise NotFound("Album introuvable. / Album not found.") from None


def _albums(tenant_id: str) -> list[Album]:
    data.ready()
    return list(
        Album.query(keys.tenant_pk(tenant_id), Album.sk.startswith(keys.ALBUM), limit=LIST_LIMIT)
    )


def _created(album: Album) -> audit.Companion:
    return audit.Companion(album, Album.pk.does_not_exist())


def _updated(album: Album, actions: list[Any]) -> audit.Companion:
    return audit.Companion(album, Album.pk.exists(), op="update", actions=tuple(actions))


def _album_view(album: Album) -> dict[str, Any]:
    return {
        "album_id": album.album_id,
        "title": album.title,
        "date": album.album_date,
        "group_id": album.group_id,
        "archived": bool(album.archived),
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
        ahead = retention.ALBUM_DAYS_AHEAD
        raise BadRequest(
            f"Date de l'album : entre le {earliest.isoformat()} et le {latest.isoformat()} "
            f"(au plus {ahead} jours à l'avance, et pas avant la durée de conservation du "
            f"centre, {months} mois). / Album date: between {earliest.isoformat()} and "
            f"{latest.isoformat()} (at most {ahead} days ahead, and not older than the "
            f"centre's retention, {months} months)."
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
        raise Conflict(
            "Modification concurrente ; réessayez. / Concurrent change; retry."
        ) from None


def list_albums(principal: Principal) -> dict[str, Any]:
    require_staff(principal)
    albums = sorted(_albums(principal.tenant_id), key=lambda a: a.album_date, reverse=True)
    return {"albums": [_album_view(a) for a in albums]}


def create_album(principal: Principal, body: c.AlbumCreate) -> dict[str, Any]:
    require_staff(principal)
    group_id = body.group_id
    if group_id is not None:
        group_id = active_group(principal.tenant_id, group_id).group_id
    album_id = new_id()
    album = Album(
        keys.tenant_pk(principal.tenant_id),
        keys.album_sk(album_id),
        tenant_id=principal.tenant_id,
        album_id=album_id,
        title=tidy(body.title, "title", "Titre"),
        album_date=_date(principal.tenant_id, body.date),
        group_id=group_id,
        created_at=int(clock.now()),
    )
    _album_audited(
        principal, album_id, {"change": "created", "date": album.album_date}, _created(album)
    )
    return _album_view(album)


def update_album(principal: Principal, album_id: str, body: c.AlbumChange) -> dict[str, Any]:
    require_staff(principal)
    album = album_or_404(principal.tenant_id, album_id)
    actions: list[Any] = []
    if body.title is not ABSENT:
        actions.append(Album.title.set(tidy(body.title, "title", "Titre")))
    redated: dict[str, Any] = {}
    if body.date is not ABSENT:
        date = _date(principal.tenant_id, body.date)
        if date != album.album_date:  # the same date sent again is no change to record
            actions.append(Album.album_date.set(date))
            redated = {"change": "redated", "date": date, "previous_date": album.album_date}
    if body.group_id is not ABSENT:
        require_director(principal)  # changes who may see the album
        group_id = body.group_id
        if group_id is None:
            actions.append(Album.group_id.remove())
        else:
            actions.append(Album.group_id.set(active_group(principal.tenant_id, group_id).group_id))
    if not actions:
        if body.date is not ABSENT:  # only the date it had: nothing changes, nothing recorded
            return _album_view(album)
        raise BadRequest("Rien à modifier. / Nothing to change.")
    if redated:
        _album_audited(principal, album_id, redated, _updated(album, actions))
        album.refresh(consistent_read=True)
    else:
        album.update(actions=actions)
    return _album_view(album)
