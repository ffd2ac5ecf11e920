"""The weekly "few or no photos" report's pure decisions (pellicule.domain.coverage)."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

import pytest

from pellicule.domain import coverage as cov

PARIS = ZoneInfo("Europe/Paris")


def _epoch(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> int:
    return int(datetime.datetime(year, month, day, hour, minute, tzinfo=PARIS).timestamp())


@pytest.mark.parametrize("year", range(2019, 2040))
def test_paris_offset_matches_the_time_zone_database_around_both_changes(year: int) -> None:
    for month in (3, 10):
        last = max(
            d for d in (datetime.date(year, month, n) for n in range(25, 32)) if d.weekday() == 6
        )
        change = datetime.datetime.combine(last, datetime.time(1), tzinfo=datetime.UTC)
        for delta in (-3601, -1, 0, 1, 3600):
            instant = change + datetime.timedelta(seconds=delta)
            assert cov.paris_offset(instant) == instant.astimezone(PARIS).utcoffset()


@pytest.mark.parametrize("year", range(2019, 2040))
def test_every_week_of_a_year_starts_at_paris_midnight_monday(year: int) -> None:
    weeks = datetime.date(year, 12, 28).isocalendar()[1]
    for number in range(1, weeks + 1):
        w = cov.week(year, number)
        assert w.start == int(
            datetime.datetime.combine(w.first_day, datetime.time(), PARIS).timestamp()
        )
        assert w.end == cov.week(*(w.last_day + datetime.timedelta(days=1)).isocalendar()[:2]).start
        assert w.first_day.weekday() == 0
        assert w.last_day.weekday() == 6


def test_dst_weeks_are_167_and_169_hours() -> None:
    assert cov.parse_week("2026-W13").end - cov.parse_week("2026-W13").start == 167 * 3600
    assert cov.parse_week("2026-W43").end - cov.parse_week("2026-W43").start == 169 * 3600
    assert cov.parse_week("2026-W20").end - cov.parse_week("2026-W20").start == 168 * 3600


def test_iso_week_across_the_new_year() -> None:
    # 2026-12-31 is a Thursday: ISO week 2026-W53; 2027-01-03 (Sunday) still belongs to it.
    assert cov.week_of(_epoch(2027, 1, 3, 23, 59)).label == "2026-W53"
    assert cov.week_of(_epoch(2027, 1, 4, 0, 0)).label == "2027-W01"
    assert cov.last_complete_week(_epoch(2027, 1, 4, 7, 0)).label == "2026-W53"
    # Sunday 23:30 in Paris is Sunday 22:30 UTC in winter: still the week, not the next one.
    assert cov.week_of(_epoch(2026, 12, 6, 23, 30)).label == "2026-W49"
    assert cov.week_of(_epoch(2026, 12, 7, 0, 30)).label == "2026-W50"


@pytest.mark.parametrize(
    "text", ["2026-W54", "2025-W53", "2026-W00", "2026W49", "2026-w49", "26-W49", "", "2026-W4"]
)
def test_malformed_or_missing_weeks_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match=r"week|isocalendar|year|Invalid"):
        cov.parse_week(text)


def test_children_with_few_or_no_tags_are_listed_per_group() -> None:
    w = cov.parse_week("2026-W49")
    children = [
        cov.Child("c1", "Léa M.", "g1"),
        cov.Child("c2", "Tom B.", "g1"),
        cov.Child("c3", "Ana R.", "g2"),
        cov.Child("c4", "Zoé K.", "g2"),
    ]
    tagged = [["c1", "c1", "c3"], ["c1"], ["c2", "c3"], []]
    report = cov.coverage(w, children, {"g1": "Loutres", "g2": "Castors"}, tagged)
    assert report.items == 4
    assert [(g.name, [(c.child_id, c.items) for c in g.children]) for g in report.groups] == [
        ("Castors", [("c4", 0)]),
        ("Loutres", [("c2", 1)]),
    ]
    assert report.listed == 2


def test_few_is_inclusive_and_more_is_not_listed() -> None:
    w = cov.parse_week("2026-W49")
    children = [cov.Child("c1", "Léa M.", "g1")]
    assert cov.coverage(w, children, {}, [["c1"]] * cov.FEW).listed == 1
    assert cov.coverage(w, children, {}, [["c1"]] * (cov.FEW + 1)).listed == 0
