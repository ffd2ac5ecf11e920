"""The weekly "few or no photos" report (issue 18, item 9; docs/notifications.md): which active
children appear in no or few items published during one ISO week, per group, counted by the
items' tags (never by looking at faces).

Weeks are ISO weeks (Monday to Sunday) in the centres' time zone, Europe/Paris. The zone's
rule is written here (the European Union's summer time: from the last Sunday of March to the
last Sunday of October, changing at 01:00 UTC) rather than read from the system's time zone
database, which the Lambda runtime does not promise; tests/unit/test_coverage.py checks it
against ``zoneinfo`` across years.

Pure: no I/O.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

# A child tagged on at most this many items of the week is listed ("few"; 0 is "none").
FEW = 1
WEEK_PATTERN = re.compile(r"^(\d{4})-W(\d{2})$")
_WINTER = datetime.timedelta(hours=1)  # CET
_SUMMER = datetime.timedelta(hours=2)  # CEST


def _last_sunday(year: int, month: int) -> datetime.date:
    last = datetime.date(year, month, 31)  # March and October both have 31 days
    return last - datetime.timedelta(days=(last.weekday() + 1) % 7)


def paris_offset(instant: datetime.datetime) -> datetime.timedelta:
    """Europe/Paris's offset from UTC at an aware instant."""
    utc = instant.astimezone(datetime.UTC)
    start = datetime.datetime.combine(
        _last_sunday(utc.year, 3), datetime.time(1), tzinfo=datetime.UTC
    )
    end = datetime.datetime.combine(
        _last_sunday(utc.year, 10), datetime.time(1), tzinfo=datetime.UTC
    )
    return _SUMMER if start <= utc < end else _WINTER


def paris_midnight(day: datetime.date) -> int:
    """The epoch second at which ``day`` begins in Paris (midnight is never in a DST gap)."""
    naive = datetime.datetime.combine(day, datetime.time(), tzinfo=datetime.UTC)
    # The offset at local midnight is the one a few hours earlier in UTC: changes happen at
    # 01:00 UTC (02:00 or 03:00 local), never around midnight.
    return int((naive - paris_offset(naive - _SUMMER)).timestamp())


def paris_date(now: float) -> datetime.date:
    instant = datetime.datetime.fromtimestamp(now, tz=datetime.UTC)
    return (instant + paris_offset(instant)).date()


@dataclass(frozen=True)
class Week:
    """One ISO week: its label (``2026-W49``), first and last day, and its span in epoch
    seconds, ``start`` included and ``end`` excluded (Monday 00:00 to the next Monday 00:00,
    Paris time)."""

    label: str
    first_day: datetime.date
    last_day: datetime.date
    start: int
    end: int


def week(year: int, number: int) -> Week:
    """ISO week ``number`` of ``year``; ValueError if there is no such week."""
    monday = datetime.date.fromisocalendar(year, number, 1)
    sunday = monday + datetime.timedelta(days=6)
    return Week(
        label=f"{year:04d}-W{number:02d}",
        first_day=monday,
        last_day=sunday,
        start=paris_midnight(monday),
        end=paris_midnight(sunday + datetime.timedelta(days=1)),
    )


def parse_week(text: str) -> Week:
    """``YYYY-Www`` (ISO week); ValueError if malformed or no such week."""
    found = WEEK_PATTERN.match(text)
    if found is None:
        raise ValueError("malformed week")
    return week(int(found.group(1)), int(found.group(2)))


def week_of(now: float) -> Week:
    """The week (Paris time) that contains the instant ``now``."""
    year, number, _ = paris_date(now).isocalendar()
    return week(year, number)


def last_complete_week(now: float) -> Week:
    """The latest week that has ended at ``now`` (the one before ``week_of(now)``)."""
    current = week_of(now)
    year, number, _ = (current.first_day - datetime.timedelta(days=1)).isocalendar()
    return week(year, number)


@dataclass(frozen=True)
class Child:
    child_id: str
    name: str  # first name and initial, as the roster stores them
    group_id: str


@dataclass(frozen=True)
class Listed:
    child_id: str
    name: str
    items: int  # published items of the week that tag the child (0 .. FEW)


@dataclass(frozen=True)
class GroupCoverage:
    group_id: str
    name: str
    children: tuple[Listed, ...]


@dataclass(frozen=True)
class Coverage:
    week: Week
    items: int  # items published during the week
    groups: tuple[GroupCoverage, ...]  # only the groups with a child listed

    @property
    def listed(self) -> int:
        return sum(len(g.children) for g in self.groups)


def coverage(
    the_week: Week,
    children: Iterable[Child],
    group_names: Mapping[str, str],
    tagged: Iterable[Iterable[str]],
) -> Coverage:
    """Which of ``children`` (the active ones) appear in at most :data:`FEW` of the week's
    published items, whose tagged child ids are ``tagged`` (one entry per item), per group
    (groups by name, children by name). A child counts once per item."""
    counts: dict[str, int] = {}
    items = 0
    for ids in tagged:
        items += 1
        for child_id in set(ids):
            counts[child_id] = counts.get(child_id, 0) + 1
    by_group: dict[str, list[Listed]] = {}
    for child in children:
        seen = counts.get(child.child_id, 0)
        if seen <= FEW:
            by_group.setdefault(child.group_id, []).append(Listed(child.child_id, child.name, seen))
    groups = [
        GroupCoverage(
            group_id,
            group_names.get(group_id, ""),
            tuple(sorted(listed, key=lambda c: (c.items, c.name.casefold(), c.child_id))),
        )
        for group_id, listed in by_group.items()
    ]
    groups.sort(key=lambda g: (g.name.casefold(), g.group_id))
    return Coverage(the_week, items, tuple(groups))
