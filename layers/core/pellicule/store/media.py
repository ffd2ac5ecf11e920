"""The media store: a centre's albums, their items and the children's tags (the media
aggregate), as the admin API (albums, tagging, validation), the gallery, uploads, processing,
the family space, the digest, publication (served copies), revocation, the purge and erasures
read and change them (docs/retention.md, docs/erasure.md). Key formats: ``pellicule.store.keys``.

Reading: one album or item (``None`` when absent, or a 404 ``NotFound`` for the ``*_or_404``
helpers, which refuse an id that cannot name anything without reading), a centre's albums and
items, an album's items. Writing: an album change or a staff edit of an item is an
:class:`audit.Companion` the caller commits with its audit entry (``audit.append``, one
transaction); uploads and processing write here directly. A failed condition answers
``False`` or raises :class:`ItemChangedError`, never a PynamoDB exception (a failure of the
table itself still propagates: the request fails, or the processing is retried).

The deletions themselves (objects first, then the items in one transaction with the run's
counts) are ``pellicule.services.retention``'s.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from typing import Any, TypeVar

from pynamodb.exceptions import DoesNotExist, PutError, UpdateError
from pynamodb.expressions.update import Action

from pellicule.domain import publication as rules
from pellicule.domain.errors import NotFound
from pellicule.store import audit, data, keys, writes
from pellicule.store.models import Album, Media, MediaTag

# The item types callers hold (they change them only through this module and the services).
AlbumRecord = Album
MediaRecord = Media
R = TypeVar("R", Album, Media)

# What an id from a request may look like; anything else names nothing (404 without a read).
_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
# What an album change may set (``None`` removes it).
_ALBUM_CHANGES = frozenset({"title", "album_date", "group_id"})
# What a staff edit of an item may set: tagging, validation, publication (``None`` or an empty
# set removes it).
_EDITS = frozenset(
    {
        "tagged_child_ids",
        "no_identifiable_child",
        "blurred_child_ids",
        "state",
        "hidden_by",
        "rejection_reason",
        "reviewed_by",
        "reviewed_at",
        "published_audiences",
        "published_at",
    }
)
_CONDITION_FAILED = "ConditionalCheckFailedException"


class ItemChangedError(RuntimeError):
    """A write's condition failed: the item changed (or already exists); nothing was written."""


def _condition_failed(error: PutError | UpdateError) -> bool:
    return error.cause_response_code == _CONDITION_FAILED


def reloaded(record: R) -> R:
    """``record`` read again, consistently (after a write)."""
    record.refresh(consistent_read=True)
    return record


# --- Erasure -------------------------------------------------------------------------------


def blurred_out(
    media: Media,
    *,
    renditions: Mapping[str, Any],
    keep_tags: Iterable[str],
    no_identifiable_child: bool,
    at: int,
) -> writes.Update:
    """An erased child's item kept blurred (docs/erasure.md): its blurred variant
    (``renditions``) becomes its only picture - no blurred variant, face boxes, hidden
    children or served copies left - tagged with ``keep_tags`` only, a new blur revision and
    version; written in the erasure's transaction (``writes.transact``) once its objects are
    gone."""
    kept = set(keep_tags)
    actions: list[Any] = [
        Media.renditions.set(dict(renditions)),
        Media.blurred.remove(),
        Media.blurred_revision.remove(),
        Media.face_boxes.remove(),
        Media.blurred_child_ids.remove(),
        Media.tagged_child_ids.set(kept) if kept else Media.tagged_child_ids.remove(),
        Media.no_identifiable_child.set(no_identifiable_child),
        Media.served.remove(),
        Media.blur_revision.set(int(media.blur_revision or 0) + 1),
        Media.version.set(int(media.version or 0) + 1),
        Media.updated_at.set(int(at)),
    ]
    return (media, actions)


# --- Purge, revocation and video ------------------------------------------------------------


def child_media_ids(tenant_id: str, child_id: str) -> tuple[str, ...]:
    """The items a child is tagged on, read consistently (revocation: a consent change must
    reach every item the child is on), in key order."""
    data.ready()
    found = MediaTag.query(
        keys.tenant_pk(tenant_id),
        MediaTag.sk.startswith(keys.tag_prefix(child_id)),
        consistent_read=True,
    )
    return tuple(tag.media_id for tag in found)


def forget(
    tenant_id: str, media_id: str, child_ids: Iterable[str], updates: Iterable[writes.Update] = ()
) -> bool:
    """Delete the item and the tags of ``child_ids`` on it with ``updates`` (e.g. a purge
    run's counts) in ONE transaction, conditioned on the item still existing: ``False`` means
    it was already gone and nothing was written (what ``updates`` count is counted once)."""
    pk = keys.tenant_pk(tenant_id)
    deletes: list[Any] = [Media(pk, keys.media_sk(media_id))]
    deletes += [
        MediaTag(pk, keys.tag_sk(child_id, media_id)) for child_id in sorted(set(child_ids))
    ]
    return writes.transact(deletes, updates, first_must_exist=True)


# --- Albums ---------------------------------------------------------------------------------


def albums(tenant_id: str, *, limit: int | None = None) -> list[Album]:
    """Every album of a centre (at most ``limit``)."""
    data.ready()
    return list(
        Album.query(keys.tenant_pk(tenant_id), Album.sk.startswith(keys.ALBUM), limit=limit)
    )


def album(tenant_id: str, album_id: str, *, consistent: bool = False) -> Album | None:
    """One album, or ``None``."""
    data.ready()
    try:
        return Album.get(
            keys.tenant_pk(tenant_id), keys.album_sk(album_id), consistent_read=consistent
        )
    except DoesNotExist:
        return None


def album_or_404(tenant_id: str, album_id: str) -> Album:
    """The album (read consistently), or 404; an id that cannot name one is not read."""
    found = album(tenant_id, album_id, consistent=True) if _ID.match(album_id) else None
    if found is None:
        raise NotFound("album_not_found")
    return found


def album_ref(tenant_id: str, album_id: str) -> Album:
    """An album by its key only (to delete it in a transaction)."""
    return Album(keys.tenant_pk(tenant_id), keys.album_sk(album_id))


def new_album(
    tenant_id: str,
    album_id: str,
    *,
    title: str,
    album_date: str,
    group_id: str | None,
    created_at: int,
) -> Album:
    return Album(
        keys.tenant_pk(tenant_id),
        keys.album_sk(album_id),
        tenant_id=tenant_id,
        album_id=album_id,
        title=title,
        album_date=album_date,
        group_id=group_id,
        created_at=created_at,
    )


def album_created(record: Album) -> audit.Companion:
    """Save a new album, on condition that no item has its key (with its audit entry)."""
    return audit.Companion(record, Album.pk.does_not_exist())


def _album_actions(changes: Mapping[str, str | None]) -> list[Any]:
    actions = []
    for name, value in changes.items():
        if name not in _ALBUM_CHANGES:
            raise ValueError(f"Album.{name} cannot be changed")
        attribute = getattr(Album, name)
        actions.append(attribute.remove() if value is None else attribute.set(value))
    if not actions:
        raise ValueError("nothing to change")
    return actions


def album_updated(record: Album, changes: Mapping[str, str | None]) -> audit.Companion:
    """Set the attributes named in ``changes`` (title, album_date, group_id; ``None`` removes
    one), on condition that the album exists (with its audit entry)."""
    return audit.Companion(
        record, Album.pk.exists(), op="update", actions=tuple(_album_actions(changes))
    )


def update_album(record: Album, changes: Mapping[str, str | None]) -> None:
    """Set the attributes named in ``changes`` at once (a change no audit entry records);
    ``record`` then holds them."""
    record.update(actions=_album_actions(changes))


# --- Captions (pellicule.domain.captions) ---------------------------------------------------


def album_captioned(record: Album, caption: str | None) -> audit.Companion:
    """Set (or remove, ``None``) an album's caption, on condition that the album exists and is
    not archived (with its audit entry)."""
    action = Album.caption.remove() if caption is None else Album.caption.set(caption)
    condition = Album.pk.exists() & (
        Album.archived.does_not_exist() | (Album.archived == False)  # noqa: E712
    )
    return audit.Companion(record, condition, op="update", actions=(action,))


def item_captioned(media: Media, caption: str | None) -> audit.Companion:
    """Set (or remove, ``None``) an item's caption, on condition that the item exists and is
    still in the state it was read in (who may caption depends on it; with its audit entry).
    Its version is left alone: a caption is no tagging or validation edit."""
    action = Media.caption.remove() if caption is None else Media.caption.set(caption)
    condition = Media.pk.exists() & (Media.state == media.state)
    return audit.Companion(media, condition, op="update", actions=(action,))


# --- Items ----------------------------------------------------------------------------------


def album_items(
    tenant_id: str, album_id: str, *, created_before: int | None = None, limit: int | None = None
) -> list[Media]:
    """The items of an album, oldest upload first (at most ``limit``); with ``created_before``
    (epoch seconds) only those uploaded before it (the album index is sorted by upload time)."""
    data.ready()
    index = keys.album_media_gsi(tenant_id, album_id)
    if created_before is None:
        return list(Media.by_gsi1.query(index, limit=limit))
    bound = keys.album_media_gsi_sk_bound(created_before)
    return list(Media.by_gsi1.query(index, Media.gsi1sk < bound, limit=limit))


def centre_items(
    tenant_id: str, *, limit: int | None = None, consistent: bool = True
) -> Iterator[Media]:
    """Every item of a centre (at most ``limit``; a consistent read unless told)."""
    data.ready()
    return Media.query(
        keys.tenant_pk(tenant_id),
        Media.sk.startswith(keys.MEDIA),
        consistent_read=consistent,
        limit=limit,
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


def item(tenant_id: str, media_id: str, *, consistent: bool = True) -> Media | None:
    """One item (a consistent read unless told); ``None`` if it is gone."""
    data.ready()
    try:
        return Media.get(
            keys.tenant_pk(tenant_id), keys.media_sk(media_id), consistent_read=consistent
        )
    except DoesNotExist:
        return None


def item_or_404(tenant_id: str, media_id: str) -> Media:
    """The item (read consistently), or 404; an id that cannot name one is not read."""
    found = item(tenant_id, media_id) if _ID.match(media_id) else None
    if found is None:
        raise NotFound("media_not_found")
    return found


def edited(media: Media, changes: Mapping[str, Any], *, at: float) -> audit.Companion:
    """A staff edit of an item (tagging, validation, publication), with its audit entry: set
    the attributes named in ``changes`` (``None`` or an empty set removes one) and count a new
    version, on condition that nobody changed the item since it was read (its version and
    state). Read it again afterwards (:func:`reloaded`)."""
    actions = []
    for name, value in changes.items():
        if name not in _EDITS:
            raise ValueError(f"Media.{name} is not a staff edit")
        attribute = getattr(Media, name)
        empty = value is None or (isinstance(value, set | frozenset) and not value)
        actions.append(attribute.remove() if empty else attribute.set(value))
    return audit.Companion(
        media,
        (Media.version == media.version) & (Media.state == media.state),
        op="update",
        actions=(
            *actions,
            Media.version.set(int(media.version or 0) + 1),
            Media.updated_at.set(int(at)),
        ),
    )


def mark_failed(media: Media, *, was: str, reason: str, at: int) -> bool:
    """An upload that never finished becomes ``failed`` with the reason its uploader sees;
    ``False`` if it left state ``was`` meanwhile (nothing written)."""
    from pellicule.domain.purge import FAILED  # the purge's rules: views never import them

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


# --- Uploads and processing -----------------------------------------------------------------


def create_upload(
    tenant_id: str,
    media_id: str,
    *,
    album_id: str,
    kind: str,
    declared_type: str,
    declared_size: int,
    ingest_key: str,
    upload_id: str | None,
    uploaded_by: str,
    at: int,
) -> None:
    """The item of an upload granted (state ``uploading``), in its album's index; raises
    :class:`ItemChangedError` if an item has its key already."""
    data.ready()
    try:
        Media(
            keys.tenant_pk(tenant_id),
            keys.media_sk(media_id),
            tenant_id=tenant_id,
            media_id=media_id,
            album_id=album_id,
            kind=kind,
            state="uploading",
            declared_type=declared_type,
            declared_size=declared_size,
            ingest_key=ingest_key,
            upload_id=upload_id,
            uploaded_by=uploaded_by,
            created_at=at,
            updated_at=at,
            gsi1pk=keys.album_media_gsi(tenant_id, album_id),
            gsi1sk=keys.album_media_gsi_sk(at, media_id),
        ).save(condition=Media.pk.does_not_exist())
    except PutError as error:
        if _condition_failed(error):
            raise ItemChangedError(media_id) from None
        raise


def mark_received(media: Media, *, at: int) -> bool:
    """A multipart upload assembled: state ``processing``; ``False`` if it left
    ``uploading`` meanwhile (the processor may already have moved it on)."""
    try:
        media.update(
            actions=[Media.state.set("processing"), Media.updated_at.set(at)],
            condition=Media.state == "uploading",
        )
    except UpdateError:
        return False
    return True


def set_face_boxes(
    media: Media, boxes: list[list[float]], *, hides: set[str], revision: int, at: int
) -> None:
    """Store the face boxes drawn, the tagged children they hide and the new blur revision,
    on condition that the revision is still the one read (else :class:`ItemChangedError`)."""
    try:
        media.update(
            actions=[
                Media.face_boxes.set(boxes),
                Media.blurred_child_ids.set(hides) if hides else Media.blurred_child_ids.remove(),
                Media.blur_revision.set(revision),
                Media.updated_at.set(at),
            ],
            condition=Media.blur_revision == media.blur_revision,
        )
    except UpdateError as error:
        if _condition_failed(error):
            raise ItemChangedError(media.media_id) from None
        raise


def start_processing(media: Media, *, at: int) -> None:
    """The processor holds the item's claim: state ``processing``."""
    media.update(actions=[Media.state.set("processing"), Media.updated_at.set(at)])


def mark_rejected(media: Media, *, reason: str, at: int) -> None:
    """The processor refused the file: state ``failed`` with the reason its uploader sees (no
    condition: the processor holds the item's claim)."""
    from pellicule.domain.purge import FAILED  # the purge's rules: views never import them

    media.update(
        actions=[
            Media.state.set(FAILED),
            Media.failure_reason.set(reason),
            Media.updated_at.set(at),
        ]
    )


def mark_ready(
    media: Media,
    *,
    renditions: Mapping[str, Any],
    width: int,
    height: int,
    capture_date: str | None,
    duration_seconds: float | None,
    at: int,
) -> None:
    """The file processed: state ``ready`` with its renditions, on condition that it is still
    ``processing`` (else :class:`ItemChangedError`)."""
    actions: list[Action] = [
        Media.state.set("ready"),
        Media.renditions.set(dict(renditions)),
        Media.width.set(width),
        Media.height.set(height),
        Media.failure_reason.remove(),
        Media.updated_at.set(at),
    ]
    if capture_date:
        actions.append(Media.capture_date.set(capture_date))
    if duration_seconds is not None:
        actions.append(Media.duration_seconds.set(duration_seconds))
    try:
        media.update(actions=actions, condition=Media.state == "processing")
    except UpdateError as error:
        if _condition_failed(error):
            raise ItemChangedError(media.media_id) from None
        raise


def set_blurred(media: Media, blurred: Mapping[str, Any] | None, *, revision: int, at: int) -> bool:
    """The blurred variants rendered from blur ``revision`` (``None``: none any more);
    ``False`` if a newer edit changed the revision meanwhile (nothing written)."""
    try:
        media.update(
            actions=[
                Media.blurred.set(dict(blurred)) if blurred else Media.blurred.remove(),
                Media.blurred_revision.set(revision),
                Media.updated_at.set(at),
            ],
            condition=Media.blur_revision == revision,
        )
    except UpdateError:
        return False
    return True


# --- Tags -----------------------------------------------------------------------------------


def tag_created(tenant_id: str, child_id: str, media: Media) -> audit.Companion:
    """Tag a child on an item (written with the item's edit and its audit entry)."""
    return audit.Companion(
        MediaTag(
            keys.tenant_pk(tenant_id),
            keys.tag_sk(child_id, media.media_id),
            tenant_id=tenant_id,
            child_id=child_id,
            media_id=media.media_id,
            album_id=media.album_id,
        )
    )


def tag_deleted(tenant_id: str, child_id: str, media_id: str) -> audit.Companion:
    """Remove a child's tag from an item (written with the item's edit and its audit entry)."""
    return audit.Companion(tag_ref(tenant_id, child_id, media_id), op="delete")


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


def item_read(tenant_id: str, media_id: str) -> Media | None:
    """One item (an eventually consistent read: a family's download); ``None`` if it is gone."""
    try:
        return Media.get(keys.tenant_pk(tenant_id), keys.media_sk(media_id))
    except DoesNotExist:
        return None


def items_read(tenant_id: str, media_ids: Iterable[str]) -> list[Media]:
    """Several items by key (eventually consistent BatchGetItem, 100 keys a request; the
    items gone are left out), in no particular order."""
    pk = keys.tenant_pk(tenant_id)
    wanted = sorted(set(media_ids))
    return list(Media.batch_get([(pk, keys.media_sk(media_id)) for media_id in wanted]))


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
