"""Property tests of the purge plan (docs/retention.md, ``pellicule.domain.purge``)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, replace

from hypothesis import given
from hypothesis import strategies as st

from pellicule.domain import messages, retention
from pellicule.domain.purge import (
    ABANDONED_REASONS,
    EXPIRED_MEDIA,
    FAILED,
    FAILED_MEDIA,
    ORPHAN_MEDIA,
    Abandoned,
    AlbumFacts,
    Doomed,
    ItemFacts,
    PurgePlan,
    orphan_plan,
    plan,
    retention_plan,
)
from pellicule.domain.retention import ABANDONED_UPLOAD_SECONDS, DAY, FAILED_KEPT_SECONDS

# The states the plan treats apart first (sampled_from favours the first ones).
STATES = ("failed", "uploading", "processing", "published", "ready", "hidden", "rejected")
NOW = 1_800_000_000  # 2027-01-15 (the draws move around it)


@dataclass(frozen=True)
class Centre:
    albums: tuple[AlbumFacts, ...]
    items: tuple[ItemFacts, ...]
    months: int
    now: int

    def album(self, album_id: str) -> AlbumFacts | None:
        return next((a for a in self.albums if a.album_id == album_id), None)

    def plan(self, *, months: int | None = None, now: int | None = None) -> PurgePlan:
        return plan(
            self.albums,
            self.items,
            self.months if months is None else months,
            self.now if now is None else now,
        )


@st.composite
def centres(draw: st.DrawFn) -> Centre:
    now = NOW + draw(st.integers(-400 * DAY, 400 * DAY))
    months = draw(st.integers(1, 36))
    today = retention.today(now)
    # The last album date (and upload day) kept today, give or take a few days: the boundary.
    boundary = retention.add_months(today, -months)
    album_ids = [f"a-{i}" for i in range(draw(st.integers(0, 4)))]
    album_dates = st.one_of(
        st.integers(-31, 3 * 366).map(lambda back: today - datetime.timedelta(days=back)),
        st.integers(-3, 3).map(lambda d: boundary + datetime.timedelta(days=d)),
    ).map(datetime.date.isoformat) | st.sampled_from(["9999-12-31", "not a date"])
    albums = tuple(AlbumFacts(album_id, draw(album_dates)) for album_id in album_ids)
    boundary_s = boundary - datetime.date(1970, 1, 1)
    uploads = st.integers(0, 3 * 366 * DAY).map(lambda back: now - back) | st.integers(
        -3 * DAY, 3 * DAY
    ).map(lambda d: int(boundary_s.total_seconds()) + d)
    items = []
    for i in range(draw(st.integers(0, 10))):
        created = min(draw(uploads), now)
        # Some time after the upload, often a day or a week before now (the periods).
        period = draw(st.sampled_from([DAY, FAILED_KEPT_SECONDS, None]))
        if period is None:
            updated = draw(st.integers(created, now))
        else:
            updated = max(created, now - period + draw(st.integers(-2, 2)))
        items.append(
            ItemFacts(
                media_id=f"m-{i}",
                # Mostly an album of the centre, sometimes one that is gone.
                album_id=draw(st.sampled_from([*album_ids, "a-gone"])),
                state=draw(st.sampled_from(STATES)),
                created_at=created,
                updated_at=updated,
            )
        )
    return Centre(albums, tuple(items), months, now)


def doomed(p: PurgePlan) -> dict[str, str]:
    return {d.media_id: d.reason for d in p.items}


def past_retention(centre: Centre, item: ItemFacts) -> bool:
    album = centre.album(item.album_id)
    assert album is not None
    return retention.media_expired(album.album_date, item.created_at, centre.months, centre.now)


@given(centres())
def test_an_item_of_a_live_album_within_retention_is_never_purged(centre: Centre) -> None:
    p = centre.plan()
    gone = doomed(p)
    for item in centre.items:
        if centre.album(item.album_id) is None or past_retention(centre, item):
            continue
        if item.state != FAILED:
            assert item.media_id not in gone
        else:  # a failed upload is shown to its uploader for a week
            old = item.updated_at <= centre.now - FAILED_KEPT_SECONDS
            assert (gone.get(item.media_id) == FAILED_MEDIA) == old


@given(centres())
def test_an_item_past_retention_is_always_purged_as_expired(centre: Centre) -> None:
    gone = doomed(centre.plan())
    for item in centre.items:
        if centre.album(item.album_id) is not None and past_retention(centre, item):
            assert gone[item.media_id] == EXPIRED_MEDIA


@given(centres())
def test_albums_past_retention_go_with_every_item_and_items_of_no_album_go_too(
    centre: Centre,
) -> None:
    p = centre.plan()
    gone = doomed(p)
    assert set(p.expired_albums) == {
        a.album_id
        for a in centre.albums
        if retention.expired(a.album_date, centre.months, centre.now)
    }
    for item in centre.items:
        if item.album_id in p.expired_albums:
            assert gone[item.media_id] == EXPIRED_MEDIA
        if centre.album(item.album_id) is None:
            assert gone[item.media_id] == ORPHAN_MEDIA


@given(centres())
def test_each_item_is_decided_once(centre: Centre) -> None:
    p = centre.plan()
    ids = [d.media_id for d in p.items] + [a.media_id for a in p.orphans.abandoned]
    assert len(ids) == len(set(ids))
    assert set(ids) <= {item.media_id for item in centre.items}
    assert p.orphans.known == {item.media_id for item in centre.items} - {
        d.media_id for d in p.retention.items
    }


@given(centres())
def test_uploads_never_finished_are_marked_failed_the_next_day_and_others_kept(
    centre: Centre,
) -> None:
    p = centre.plan()
    gone = doomed(p)
    abandoned = {a.media_id: a for a in p.orphans.abandoned}
    for item in centre.items:
        stale = item.updated_at <= centre.now - ABANDONED_UPLOAD_SECONDS
        live = centre.album(item.album_id) is not None and not past_retention(centre, item)
        if item.state in ABANDONED_REASONS and live:
            assert (item.media_id in abandoned) == stale
            assert item.media_id not in gone
        else:
            assert item.media_id not in abandoned
        if item.media_id in abandoned:
            assert abandoned[item.media_id].state == item.state
            assert abandoned[item.media_id].reason == ABANDONED_REASONS[item.state]
        # An upload under way keeps its multipart upload (the retention step's items are
        # gone before the orphans step looks).
        under_way = item.state == "uploading" and not stale
        assert (item.media_id in p.orphans.uploading) == (
            under_way and gone.get(item.media_id) != EXPIRED_MEDIA
        )


def test_an_abandoned_upload_keeps_a_catalogue_reason_and_older_texts_still_read() -> None:
    for state, code in ABANDONED_REASONS.items():
        assert code in messages.MESSAGES
        stored = Abandoned("m1", state, code).failure_reason
        # Stored like a processing failure: the code and both texts (messages.record)
        assert messages.read_record(stored) == {"reason": code, **messages.both(code)}
    # An item marked failed before the catalogue holds a bilingual text: it still reads
    older = "Envoi jamais terminé. / The upload was never completed."
    assert messages.read_record(older) == {
        "reason": None,
        "fr": "Envoi jamais terminé.",
        "en": "The upload was never completed.",
    }


@given(centres())
def test_carrying_the_plan_out_then_planning_again_finds_nothing(centre: Centre) -> None:
    p = centre.plan()
    gone = doomed(p)
    abandoned = {a.media_id for a in p.orphans.abandoned}
    after = Centre(
        albums=tuple(a for a in centre.albums if a.album_id not in p.expired_albums),
        items=tuple(
            replace(item, state=FAILED, updated_at=centre.now)
            if item.media_id in abandoned
            else item
            for item in centre.items
            if item.media_id not in gone
        ),
        months=centre.months,
        now=centre.now,
    )
    again = after.plan()
    assert again.items == ()
    assert again.expired_albums == ()
    assert again.orphans.abandoned == ()


@given(centres(), st.integers(1, 8).map(lambda days: days * DAY) | st.integers(0, 800 * DAY))
def test_what_is_purged_now_would_be_purged_later(centre: Centre, later: int) -> None:
    assert set(doomed(centre.plan())) <= set(doomed(centre.plan(now=centre.now + later)))


@given(centres(), st.integers(1, 36))
def test_a_shorter_retention_never_keeps_more(centre: Centre, shorter: int) -> None:
    if shorter < centre.months:
        assert set(doomed(centre.plan())) <= set(doomed(centre.plan(months=shorter)))


@given(centres(), st.integers(0, 2**10 - 1))
def test_the_retention_step_decides_each_item_alone(centre: Centre, mask: int) -> None:
    # The purge reads an album's items in part (only the oldest of a kept album), one album
    # at a time: the plan of a part is the part of the plan.
    whole = retention_plan(centre.albums, centre.items, centre.months, centre.now)
    parts: list[tuple[tuple[AlbumFacts, ...], list[ItemFacts]]] = [
        ((album,), [item for item in centre.items if item.album_id == album.album_id and keep])
        for album in centre.albums
        for keep in (True, False)  # all its items; none (a kept album's oldest: often none)
    ]
    parts.append((centre.albums, [item for i, item in enumerate(centre.items) if mask >> i & 1]))
    for albums, items in parts:
        some = retention_plan(albums, items, centre.months, centre.now)
        ids = {item.media_id for item in items}
        names = {album.album_id for album in albums}
        assert some.items == tuple(d for d in whole.items if d.media_id in ids)
        assert some.expired_albums == tuple(a for a in whole.expired_albums if a in names)


@given(centres())
def test_a_generator_of_albums_or_items_is_read_once(centre: Centre) -> None:
    args = (centre.months, centre.now)
    assert retention_plan(iter(centre.albums), iter(centre.items), *args) == retention_plan(
        centre.albums, centre.items, *args
    )
    album_ids = [album.album_id for album in centre.albums]
    assert orphan_plan(iter(album_ids), iter(centre.items), centre.now) == orphan_plan(
        album_ids, centre.items, centre.now
    )
    assert plan(iter(centre.albums), iter(centre.items), *args) == centre.plan()


@given(centres())
def test_the_orphans_step_decides_each_item_alone(centre: Centre) -> None:
    # The purge plans a centre's items page by page: the pages' plans make the whole one.
    album_ids = [album.album_id for album in centre.albums]
    whole = orphan_plan(album_ids, centre.items, centre.now)
    pages = [orphan_plan(album_ids, centre.items[start::2], centre.now) for start in (0, 1)]

    def ordered(found: tuple[Doomed, ...] | tuple[Abandoned, ...]) -> list[str]:
        return sorted(repr(step) for step in found)

    assert ordered(whole.items) == ordered(pages[0].items + pages[1].items)
    assert ordered(whole.abandoned) == ordered(pages[0].abandoned + pages[1].abandoned)
    assert whole.known == pages[0].known | pages[1].known
    assert whole.uploading == pages[0].uploading | pages[1].uploading
