"""The readable audit log's rules (pellicule.domain.audit_reading): the centre's clock across
daylight-saving changes, periods, filters and the "who saw" grouping."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from pellicule.domain import audit_reading as reading


def _ms(*parts: int) -> int:
    return int(datetime(*parts, tzinfo=UTC).timestamp() * 1000)


@pytest.mark.parametrize(
    ("utc", "local"),
    [
        ((2026, 3, 29, 0, 59, 59), "2026-03-29T01:59:59+01:00"),  # last second of winter time
        ((2026, 3, 29, 1, 0, 0), "2026-03-29T03:00:00+02:00"),  # summer time starts
        ((2026, 7, 14, 8, 0, 0), "2026-07-14T10:00:00+02:00"),
        ((2026, 10, 25, 0, 59, 59), "2026-10-25T02:59:59+02:00"),
        ((2026, 10, 25, 1, 0, 0), "2026-10-25T02:00:00+01:00"),  # winter time is back
        ((2026, 12, 31, 23, 30, 0), "2027-01-01T00:30:00+01:00"),  # a new local year
        ((2027, 3, 28, 1, 0, 0), "2027-03-28T03:00:00+02:00"),
    ],
)
def test_local_time_follows_paris_summer_time(utc: tuple[int, ...], local: str) -> None:
    assert reading.local_time(_ms(*utc)) == local


def test_a_period_is_whole_local_days_across_a_dst_change() -> None:
    low, high = reading.period_ms("2026-03-29", "2026-03-29")
    assert low == _ms(2026, 3, 28, 23, 0, 0)  # local midnight, winter time
    assert high == _ms(2026, 3, 29, 22, 0, 0)  # next local midnight, summer time: a 23-hour day
    low, high = reading.period_ms("2026-10-25", "2026-10-25")
    assert high is not None
    assert low is not None
    assert high - low == 25 * 3600 * 1000


@pytest.mark.parametrize(
    ("start", "end", "code"),
    [("2026-13-01", None, "audit_bad_date"), ("2026-07-15", "2026-07-14", "audit_period_reversed")],
)
def test_a_bad_period_has_a_code(start: str, end: str | None, code: str) -> None:
    with pytest.raises(reading.ReadingError) as caught:
        reading.period_ms(start, end)
    assert caught.value.code == code


def test_person_refs_are_people_only() -> None:
    assert reading.person_ref("relative:r-1") == "relative:r-1"
    for bad in ("child:c1", "staff:", "staff:a b", "guardian:x@y.fr"):
        with pytest.raises(reading.ReadingError):
            reading.person_ref(bad)


def _entry(action: str, actor: str, subject: str, at: int = 1000, **details: object) -> dict:
    return {"action": action, "actor": actor, "subject": subject, "at": at, "details": details}


def test_filters_keep_the_child_its_items_the_person_and_the_period() -> None:
    wanted = reading.Filters(child="child:c1", child_items=frozenset({"media:m1"}))
    assert wanted.keeps(_entry("tagging", "staff:s", "media:m1"))
    assert wanted.keeps(_entry("consent_given", "guardian:g", "child:c1"))
    assert not wanted.keeps(_entry("download", "guardian:g", "media:m2"))
    person = reading.Filters(person="guardian:g", low_ms=500, high_ms=2000, action="view")
    assert person.keeps(_entry("view", "guardian:g", "album:a"))
    assert not person.keeps(_entry("view", "guardian:h", "album:a"))
    assert not person.keeps(_entry("view", "guardian:g", "album:a", at=2000))
    assert not person.keeps(_entry("download", "guardian:g", "album:a"))


def test_who_saw_counts_views_downloads_and_archives_per_person() -> None:
    items, albums = frozenset({"media:m1"}), frozenset({"album:a1"})
    log = [
        _entry("view", "guardian:g", "album:a1", at=1000),
        _entry("download", "guardian:g", "media:m1", at=2000),
        _entry("download", "guardian:g", "media:m9", at=9000),  # another child's photo
        _entry("download", "relative:r", "album:a1", at=3000, archive="x"),
        _entry("download", "guardian:h", "child:c1", at=4000, archive="y", souvenir="child_left"),
        _entry("view", "guardian:h", "album:a2", at=5000),  # an album without the child
        _entry("tagging", "staff:s", "media:m1", at=6000),
    ]
    people = reading.who_saw(log, "child:c1", items, albums)
    assert [p["person"] for p in people] == ["guardian:h", "relative:r", "guardian:g"]
    by = {p["person"]: p for p in people}
    assert (by["guardian:g"]["views"], by["guardian:g"]["downloads"]) == (1, 1)
    assert by["relative:r"]["archives"] == 1
    assert by["guardian:h"]["archives"] == 1
    assert by["guardian:h"]["views"] == 0
