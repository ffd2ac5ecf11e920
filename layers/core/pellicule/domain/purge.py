"""The purge plan (docs/retention.md): which of a centre's albums and items the daily purge
deletes, and why.

Pure: the purge function (``functions/purge/logic.py``) reads the albums and items, asks
:func:`retention_plan` (its ``retention`` step) and :func:`orphan_plan` (its ``orphans``
step), and carries them out; :func:`plan` is the two in the order of a run. Each reason is
the name the evidence record counts it under. Tested by properties in
``tests/unit/test_purge_plan.py``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final

from pellicule.domain import messages, retention

# Why an item is deleted (its count's name in the run's evidence record).
EXPIRED_MEDIA: Final = "expired_media"  # its album, or its upload, is past retention
ORPHAN_MEDIA: Final = "orphan_media"  # its album is gone
FAILED_MEDIA: Final = "failed_media"  # a failed upload, shown to its uploader for a week

UPLOADING: Final = "uploading"
PROCESSING: Final = "processing"
FAILED: Final = "failed"

# An upload never finished after a day becomes ``failed``, with the reason its uploader sees
# (a catalogue code, by the state it was stuck in).
ABANDONED_REASONS: Final = {
    UPLOADING: "upload_never_completed",
    PROCESSING: "processing_interrupted",
}


@dataclass(frozen=True)
class AlbumFacts:
    album_id: str
    album_date: str  # YYYY-MM-DD (an unreadable date never expires)


@dataclass(frozen=True)
class ItemFacts:
    media_id: str
    album_id: str
    state: str
    created_at: float  # uploaded (epoch seconds)
    updated_at: float  # last state change (epoch seconds)


@dataclass(frozen=True)
class Doomed:
    media_id: str
    reason: str


@dataclass(frozen=True)
class Abandoned:
    """An upload never finished: marked ``failed`` (if still in ``state``), with ``reason``
    (a catalogue code) as its failure."""

    media_id: str
    state: str
    reason: str

    @property
    def failure_reason(self) -> str:
        """What the item keeps (``Media.failure_reason``): the code and both texts, as JSON
        (``messages.record``; read back with ``messages.read_record``)."""
        return messages.record(self.reason, messages.both(self.reason))


@dataclass(frozen=True)
class RetentionPlan:
    expired_albums: tuple[str, ...]  # deleted after their items
    items: tuple[Doomed, ...]  # all :data:`EXPIRED_MEDIA`


@dataclass(frozen=True)
class OrphanPlan:
    items: tuple[Doomed, ...]  # :data:`ORPHAN_MEDIA` or :data:`FAILED_MEDIA`
    abandoned: tuple[Abandoned, ...]
    known: frozenset[str]  # every item: objects of any other are orphans
    uploading: frozenset[str]  # uploads under way: their multipart uploads are kept


@dataclass(frozen=True)
class PurgePlan:
    retention: RetentionPlan
    orphans: OrphanPlan

    @property
    def items(self) -> tuple[Doomed, ...]:
        return self.retention.items + self.orphans.items

    @property
    def expired_albums(self) -> tuple[str, ...]:
        return self.retention.expired_albums


def retention_plan(
    albums: Iterable[AlbumFacts], items: Iterable[ItemFacts], months: int, now: float
) -> RetentionPlan:
    """Albums past the centre's retention (``months`` after their date) with every item of
    theirs; in the albums kept, the items uploaded longer ago than the retention. Items of
    no album given are left to :func:`orphan_plan`."""
    dates = {a.album_id: a.album_date for a in albums}
    expired = {album: retention.expired(date, months, now) for album, date in dates.items()}
    doomed = tuple(
        Doomed(item.media_id, EXPIRED_MEDIA)
        for item in items
        if item.album_id in expired
        and (
            expired[item.album_id]
            or retention.media_expired(dates[item.album_id], item.created_at, months, now)
        )
    )
    return RetentionPlan(tuple(a for a, gone in expired.items() if gone), doomed)


def _orphan_step(
    item: ItemFacts, album_ids: frozenset[str], now: float
) -> Doomed | Abandoned | None:
    if item.album_id not in album_ids:
        return Doomed(item.media_id, ORPHAN_MEDIA)
    if item.state == FAILED and item.updated_at <= now - retention.FAILED_KEPT_SECONDS:
        return Doomed(item.media_id, FAILED_MEDIA)  # never served to anyone
    if (
        item.state in ABANDONED_REASONS
        and item.updated_at <= now - retention.ABANDONED_UPLOAD_SECONDS
    ):
        return Abandoned(item.media_id, item.state, ABANDONED_REASONS[item.state])
    return None


def orphan_plan(album_ids: Iterable[str], items: Iterable[ItemFacts], now: float) -> OrphanPlan:
    """Items of no album (``album_ids``: the centre's), failed uploads after a week, uploads
    never finished after a day (to be marked failed: the uploader sees why)."""
    albums = frozenset(album_ids)
    listed = list(items)
    steps = [_orphan_step(item, albums, now) for item in listed]
    return OrphanPlan(
        items=tuple(s for s in steps if isinstance(s, Doomed)),
        abandoned=tuple(s for s in steps if isinstance(s, Abandoned)),
        known=frozenset(item.media_id for item in listed),
        uploading=frozenset(
            item.media_id
            for item in listed
            if item.state == UPLOADING
            and item.updated_at > now - retention.ABANDONED_UPLOAD_SECONDS
        ),
    )


def plan(
    albums: Iterable[AlbumFacts], items: Iterable[ItemFacts], months: int, now: float
) -> PurgePlan:
    """What one daily run decides for a centre: the retention step, then the orphans step
    on what it left."""
    albums, items = list(albums), list(items)
    first = retention_plan(albums, items, months, now)
    gone = {d.media_id for d in first.items}
    kept = [a.album_id for a in albums if a.album_id not in set(first.expired_albums)]
    left = [item for item in items if item.media_id not in gone]
    return PurgePlan(first, orphan_plan(kept, left, now))
