"""Property tests of the retention dates (docs/retention.md, ``pellicule.domain.retention``)."""

from __future__ import annotations

import calendar
import datetime

from hypothesis import assume, given
from hypothesis import strategies as st

from pellicule.domain import retention
from pellicule.domain.retention import (
    ALBUM_DAYS_AHEAD,
    DAY,
    PROOF_SECONDS,
    add_months,
    album_date_bounds,
    expired,
    media_expired,
    proof_elapsed,
    proof_until,
    purge_date,
    upload_day,
    uploaded_before,
)

EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)
FIRST = datetime.date(1971, 1, 1)
LAST = datetime.date(2199, 12, 31)

dates = st.dates(min_value=FIRST, max_value=LAST)
# Around month ends, where clamping happens, more often than uniformly.
month_ends = st.builds(
    lambda year, month, back: datetime.date(
        year, month, calendar.monthrange(year, month)[1] - back
    ),
    st.integers(1971, 2199),
    st.integers(1, 12),
    st.integers(0, 3),
)
any_dates = st.one_of(dates, month_ends)
months = st.integers(1, 36)  # the centre's setting (tenant_settings: 1 to 36)


def instant(day: datetime.date, seconds: int = 0) -> int:
    """``seconds`` after 00:00 UTC on ``day``."""
    start = datetime.datetime(day.year, day.month, day.day, tzinfo=datetime.UTC)
    return int((start - EPOCH).total_seconds()) + seconds


# Any moment, and moments of the last days of a month more often.
instants = st.one_of(
    st.integers(instant(datetime.date(1972, 1, 1)), instant(datetime.date(2190, 1, 1))),
    st.builds(instant, month_ends, st.integers(0, DAY - 1)),
)


# --- Calendar months ------------------------------------------------------------------------


@given(any_dates, st.integers(-36, 36))
def test_add_months_moves_the_month_and_clamps_the_day(day: datetime.date, n: int) -> None:
    assume(FIRST.year + 3 <= day.year <= LAST.year - 3)
    moved = add_months(day, n)
    assert (moved.year * 12 + moved.month) - (day.year * 12 + day.month) == n
    assert moved.day == min(day.day, calendar.monthrange(moved.year, moved.month)[1])


# --- When an album's media expire -----------------------------------------------------------


@given(any_dates, months, st.integers(0, DAY - 1), st.integers(-40, 40))
def test_media_are_kept_through_the_day_n_months_after_and_purged_from_the_next(
    album: datetime.date, n: int, second: int, shift: int
) -> None:
    # Given an album dated `album` and a retention of `n` months, at any moment of a day
    # around the last day kept
    last_kept = add_months(album, n)
    day = last_kept + datetime.timedelta(days=shift)
    now = instant(day, second)
    # Then its media are expired exactly from the day after the last day kept
    assert expired(album.isoformat(), n, now) == (day > last_kept)
    assert purge_date(album.isoformat(), n) == last_kept + datetime.timedelta(days=1)


@given(any_dates, months, st.integers(-3, 3), st.integers(0, DAY - 1), st.integers(0, 400 * DAY))
def test_once_expired_always_expired(
    album: datetime.date, n: int, shift: int, second: int, later: int
) -> None:
    # Around the first day purged, where a wrong comparison would show
    now = instant(purge_date(album.isoformat(), n) + datetime.timedelta(days=shift), second)
    if expired(album.isoformat(), n, now):
        assert expired(album.isoformat(), n, now + later)


@given(any_dates, months, st.integers(1, 35), instants)
def test_a_shorter_retention_never_keeps_longer(
    album: datetime.date, n: int, shorter: int, now: int
) -> None:
    assume(shorter < n)
    if expired(album.isoformat(), n, now):
        assert expired(album.isoformat(), shorter, now)


@given(st.text(max_size=12), months, instants)
def test_an_unreadable_date_never_deletes_anything(text: str, n: int, now: int) -> None:
    try:
        datetime.date.fromisoformat(text)
    except ValueError:
        assert not expired(text, n, now)


# --- No item outlives the retention after its upload ----------------------------------------


@given(
    st.one_of(any_dates.map(datetime.date.isoformat), st.sampled_from(["9999-12-31", "x"])),
    instants,
    months,
    st.integers(0, 3 * 365 * DAY),
)
def test_no_item_outlives_the_retention_after_its_upload(
    album_date: str, created_at: int, n: int, after: int
) -> None:
    # Whatever its album's date says (far ahead, unreadable), an item uploaded at created_at
    # is past retention from the purge date of its upload day on.
    now = instant(purge_date(upload_day(created_at), n)) + after
    assert media_expired(album_date, created_at, n, now)


@given(any_dates, instants, months, instants)
def test_an_item_expires_when_its_album_or_its_upload_does(
    album: datetime.date, created_at: int, n: int, now: int
) -> None:
    assert media_expired(album.isoformat(), created_at, n, now) == (
        expired(album.isoformat(), n, now) or expired(upload_day(created_at), n, now)
    )


@given(instants, months, st.integers(0, 100), st.integers(0, DAY - 1))
def test_the_index_bound_reaches_every_upload_past_retention(
    now: int, n: int, percent: int, second: int
) -> None:
    # The purge reads only the items uploaded before uploaded_before(): none past retention
    # may be after it (uploads 27n to 32n days old: where the bound lies).
    created_at = now - 27 * n * DAY - percent * 5 * n * DAY // 100 - second
    if expired(upload_day(created_at), n, now):
        assert created_at < uploaded_before(n, now)


# --- Album dates ----------------------------------------------------------------------------


@given(months, instants, st.integers(0, 400))
def test_every_date_an_album_may_be_given_keeps_its_media_within_the_cap(
    n: int, now: int, offset: int
) -> None:
    earliest, latest = album_date_bounds(n, now)
    today = retention.today(now)
    assert latest == today + datetime.timedelta(days=ALBUM_DAYS_AHEAD)
    assert earliest <= today <= latest
    for day in (earliest, min(earliest + datetime.timedelta(days=offset), latest), latest):
        # Not purged at once (what is uploaded into it stays the retention)...
        assert not expired(day.isoformat(), n, now)
        # ...and never kept longer than the retention plus the days it may be dated ahead.
        assert (purge_date(day.isoformat(), n) - today).days <= 31 * n + ALBUM_DAYS_AHEAD + 1


@given(months, instants)
def test_the_bounds_refuse_only_what_would_be_purged_or_is_too_far_ahead(n: int, now: int) -> None:
    earliest, latest = album_date_bounds(n, now)
    assert expired((earliest - datetime.timedelta(days=1)).isoformat(), n, now)
    assert (latest + datetime.timedelta(days=1) - retention.today(now)).days > ALBUM_DAYS_AHEAD


# --- Proof period ---------------------------------------------------------------------------


@given(instants, st.integers(-2 * DAY, 2 * DAY))
def test_evidence_is_kept_exactly_the_proof_period(at: int, around: int) -> None:
    until = proof_until(at)
    assert until - at == PROOF_SECONDS >= 5 * 365 * DAY
    assert proof_elapsed(at, until + around) == (around >= 0)
