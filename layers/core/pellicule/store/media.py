"""The media store, for the purge and erasures: a centre's albums, their items and the
children's tags, as the retention, orphans, lapsed and erasures steps read and change them
(docs/retention.md, docs/erasure.md). Key formats: ``pellicule.store.keys``.

The deletions themselves (objects first, then the items in one transaction with the run's
counts) are ``pellicule.services.retention``'s.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from pynamodb.exceptions import DoesNotExist, UpdateError

from pellicule.domain import publication as rules
from pellicule.domain.purge import FAILED
from pellicule.store import keys
from pellicule.store.models import Album, Media, MediaTag

# The item types callers hold (they change them only through this module and the services).
AlbumRecord = Album
MediaRecord = Media


# --- Albums ---------------------------------------------------------------------------------


def albums(tenant_id: str) -> list[Album]:
    """Every album of a centre."""
    return list(Album.query(keys.tenant_pk(tenant_id), Album.sk.startswith(keys.ALBUM)))


def album_ref(tenant_id: str, album_id: str) -> Album:
    """An album by its key only (to delete it in a transaction)."""
    return Album(keys.tenant_pk(tenant_id), keys.album_sk(album_id))


# --- Items ----------------------------------------------------------------------------------


def album_items(tenant_id: str, album_id: str, *, created_before: int | None = None) -> list[Media]:
    """The items of an album, oldest upload first; with ``created_before`` (epoch seconds)
    only those uploaded before it (the album index is sorted by upload time)."""
    index = keys.album_media_gsi(tenant_id, album_id)
    if created_before is None:
        return list(Media.by_gsi1.query(index))
    bound = keys.album_media_gsi_sk_bound(created_before)
    return list(Media.by_gsi1.query(index, Media.gsi1sk < bound))


def centre_items(tenant_id: str) -> Iterator[Media]:
    """Every item of a centre (consistent read)."""
    return Media.query(
        keys.tenant_pk(tenant_id), Media.sk.startswith(keys.MEDIA), consistent_read=True
    )


def in_state_or_hidden_by(
    tenant_id: str, state: str, *, hidden: str, hidden_by: str
) -> Iterator[Media]:
    """The items of a centre in ``state``, and those in state ``hidden`` because of
    ``hidden_by`` (the lapsed step: published items and those the gate hid)."""
    return Media.query(
        keys.tenant_pk(tenant_id),
        Media.sk.startswith(keys.MEDIA),
        filter_condition=(Media.state == state)
        | ((Media.state == hidden) & (Media.hidden_by == hidden_by)),
    )


def item(tenant_id: str, media_id: str) -> Media | None:
    """One item (consistent read); ``None`` if it is gone."""
    try:
        return Media.get(keys.tenant_pk(tenant_id), keys.media_sk(media_id), consistent_read=True)
    except DoesNotExist:
        return None


def mark_failed(media: Media, *, was: str, reason: str, at: int) -> bool:
    """An upload that never finished becomes ``failed`` with the reason its uploader sees;
    ``False`` if it left state ``was`` meanwhile (nothing written)."""
    try:
        media.update(
            actions=[
                Media.state.set(FAILED),
                Media.failure_reason.set(reason),
                Media.updated_at.set(at),
            ],
            condition=Media.state == was,
        )
    except UpdateError:
        return False
    return True


# --- Tags -----------------------------------------------------------------------------------


def tagged_media_ids(tenant_id: str, child_id: str) -> Iterator[str]:
    """The items a child is tagged on (by their tags, in key order)."""
    found = MediaTag.query(
        keys.tenant_pk(tenant_id), MediaTag.sk.startswith(keys.tag_prefix(child_id))
    )
    return (tag.media_id for tag in found)


def tag_ref(tenant_id: str, child_id: str, media_id: str) -> MediaTag:
    """A tag by its key only (to delete it in a transaction)."""
    return MediaTag(keys.tenant_pk(tenant_id), keys.tag_sk(child_id, media_id))


def drop_tag(tenant_id: str, child_id: str, media_id: str) -> None:
    """Delete one tag (a stray one: its item is gone)."""
    tag_ref(tenant_id, child_id, media_id).delete()


# --- Families, digest and publication -------------------------------------------------------


def album(tenant_id: str, album_id: str, *, consistent: bool = False) -> Album | None:
    """One album; ``None`` if there is none."""
    try:
        return Album.get(
            keys.tenant_pk(tenant_id), keys.album_sk(album_id), consistent_read=consistent
        )
    except DoesNotExist:
        return None


def item_read(tenant_id: str, media_id: str) -> Media | None:
    """One item (an eventually consistent read: a family's download); ``None`` if it is gone."""
    try:
        return Media.get(keys.tenant_pk(tenant_id), keys.media_sk(media_id))
    except DoesNotExist:
        return None


def published_since(tenant_id: str, earliest: int) -> Iterator[Media]:
    """The published items of a centre whose publication time is ``earliest`` or later."""
    return Media.query(
        keys.tenant_pk(tenant_id),
        Media.sk.startswith(keys.MEDIA),
        filter_condition=(Media.state == rules.PUBLISHED) & (Media.published_at >= earliest),
    )


def mark_stale(media: Media, at: int, retry_seconds: int) -> bool:
    """Touch a published item so the stream hands it to the revocation function
    (``stale_at``), unless that was done less than ``retry_seconds`` ago; ``False`` if
    nothing was written."""
    try:
        media.update(
            actions=[Media.stale_at.set(at)],
            condition=(Media.state == rules.PUBLISHED)
            & (Media.stale_at.does_not_exist() | (Media.stale_at < at - retry_seconds)),
        )
    except UpdateError:
        return False
    return True


def save_served(
    media: Media, entries: Mapping[str, Any], *, at: int, hide: bool, restore: bool
) -> bool:
    """Record the item's served copies (and, with ``hide``, that the gate hid it; with
    ``restore``, that it is published again), provided the item, its face boxes and its state
    did not change since it was read (nor, for an item the gate hid, did a director take it
    down meanwhile). ``False`` if it did: nothing was written."""
    actions: list[Any] = [Media.updated_at.set(at)]
    actions.append(Media.served.set(dict(entries)) if entries else Media.served.remove())
    if hide:
        actions += [Media.state.set(rules.HIDDEN), Media.hidden_by.set(rules.HIDDEN_BY_GATE)]
    if restore:
        actions += [Media.state.set(rules.PUBLISHED), Media.hidden_by.remove()]
    condition = (
        (Media.version == media.version)
        & (Media.blur_revision == media.blur_revision)
        & (Media.state == media.state)
    )
    if rules.restorable(media.state, media.hidden_by):
        condition &= Media.hidden_by == rules.HIDDEN_BY_GATE
    try:
        media.update(actions=actions, condition=condition)
    except UpdateError:
        return False
    return True
