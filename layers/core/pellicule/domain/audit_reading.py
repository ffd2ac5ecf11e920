"""Reading the audit log as a director does (docs/audit.md, "The readable view"), without I/O.

The centre's clock (dates and periods in its time zone), the filters an entry must pass, and
the "who saw or downloaded my child's photos" grouping. Names never come from here: the
stored log stays pseudonymous, and the names are looked up at read time
(``pellicule.services.audit_names``).

Time zone: centres have no time-zone setting yet; every centre is read in
:data:`CENTRE_TIME_ZONE` (Europe/Paris), whose offsets follow the EU summer-time rule (UTC+2
from 01:00 UTC on the last Sunday of March to 01:00 UTC on the last Sunday of October,
UTC+1 otherwise). It is computed here so that the Lambda runtime needs no tz database.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

CENTRE_TIME_ZONE = "Europe/Paris"
PERSON_KINDS = ("staff", "guardian", "relative")
# The most entries one request may read (newest first) to fill a page or answer "who saw":
# the answer says when it stopped there (``complete: false``) and where to go on.
READ_LIMIT = 2000
PAGE = 50

_PERSON = re.compile(r"^(staff|guardian|relative):[A-Za-z0-9_.\-]{1,64}$")


class ReadingError(ValueError):
    """A filter that cannot be applied; ``code`` is the API's 400 code."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


# --- The centre's clock --------------------------------------------------------------------


def _last_sunday(year: int, month: int) -> date:
    last = date(year, month + 1, 1) - timedelta(days=1)
    return last - timedelta(days=(last.weekday() + 1) % 7)


def _summer(year: int) -> tuple[datetime, datetime]:
    """The UTC instants summer time starts and ends in ``year`` (EU rule)."""
    start = datetime.combine(_last_sunday(year, 3), datetime.min.time(), UTC) + timedelta(hours=1)
    end = datetime.combine(_last_sunday(year, 10), datetime.min.time(), UTC) + timedelta(hours=1)
    return start, end


def offset_at(instant: datetime) -> timedelta:
    """The Europe/Paris offset from UTC at ``instant`` (an aware datetime)."""
    utc = instant.astimezone(UTC)
    start, end = _summer(utc.year)
    return timedelta(hours=2) if start <= utc < end else timedelta(hours=1)


def local_time(at_ms: int) -> str:
    """An entry's instant (epoch ms) as the centre's local ISO time with its offset."""
    utc = datetime.fromtimestamp(at_ms / 1000, UTC).replace(microsecond=0)
    offset = offset_at(utc)
    return utc.astimezone(timezone(offset)).isoformat()


def local_midnight_ms(day: date) -> int:
    """The epoch ms of 00:00 on ``day`` in the centre (midnight is never in a DST gap here)."""
    naive = datetime.combine(day, datetime.min.time(), UTC)
    # The offset at local midnight: the offset in force one hour before (UTC+1 is a safe guess
    # because the switch happens at 01:00 UTC, never near midnight local time).
    offset = offset_at(naive - timedelta(hours=1))
    return int((naive - offset).timestamp() * 1000)


def period_ms(start: str | None, end: str | None) -> tuple[int | None, int | None]:
    """The bounds ``[from, to)`` in epoch ms of the local days ``start``..``end`` (inclusive)."""
    first = _day(start) if start else None
    last = _day(end) if end else None
    if first and last and first > last:
        raise ReadingError("audit_period_reversed")
    low = local_midnight_ms(first) if first else None
    high = local_midnight_ms(last + timedelta(days=1)) if last else None
    return low, high


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as error:
        raise ReadingError("audit_bad_date") from error


# --- Filters -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Filters:
    """What the director asked for. ``child_items``: refs of the items the child is tagged on
    (``media:<id>``), found by the caller; an entry about one of them is about the child."""

    action: str | None = None
    child: str | None = None  # "child:<id>"
    person: str | None = None  # "staff:<id>" | "guardian:<id>" | "relative:<id>"
    low_ms: int | None = None
    high_ms: int | None = None
    child_items: frozenset[str] = field(default_factory=frozenset)

    def keeps(self, entry: Mapping[str, Any]) -> bool:
        if self.action and entry["action"] != self.action:
            return False
        at = int(entry["at"])
        if self.low_ms is not None and at < self.low_ms:
            return False
        if self.high_ms is not None and at >= self.high_ms:
            return False
        refs = {entry["actor"], entry["subject"]}
        if self.person and self.person not in refs:
            return False
        return not self.child or self.child in refs or entry["subject"] in self.child_items


def person_ref(text: str) -> str:
    """``text`` checked as a person's reference (staff, guardian or relative)."""
    if not _PERSON.match(text):
        raise ReadingError("audit_bad_person")
    return text


# --- Who saw or downloaded a child's photos ------------------------------------------------


@dataclass
class Watcher:
    person: str
    views: int = 0
    downloads: int = 0
    archives: int = 0
    last_at: int = 0

    def answer(self) -> dict[str, Any]:
        return {
            "person": self.person,
            "views": self.views,
            "downloads": self.downloads,
            "archives": self.archives,
            "last_time": local_time(self.last_at),
        }


def who_saw(
    entries: Iterable[Mapping[str, Any]],
    child: str,
    items: frozenset[str],
    albums: frozenset[str],
) -> list[dict[str, Any]]:
    """Per person, the views and downloads of the child's items: an album page opened where the
    child appears (``view`` on ``album:<id>``), an item downloaded (``download`` on
    ``media:<id>``), an album archive (``download`` on ``album:<id>`` with ``archive``) or the
    child's souvenir pack (``download`` on the child). Most recent first."""
    found: dict[str, Watcher] = {}
    for entry in entries:
        action, subject = entry["action"], entry["subject"]
        details = entry.get("details") or {}
        kind = _seen(action, subject, details, child, items, albums)
        if kind is None:
            continue
        watcher = found.setdefault(entry["actor"], Watcher(entry["actor"]))
        setattr(watcher, kind, getattr(watcher, kind) + 1)
        watcher.last_at = max(watcher.last_at, int(entry["at"]))
    ranked = sorted(found.values(), key=lambda w: (-w.last_at, w.person))
    return [w.answer() for w in ranked]


def _seen(
    action: str,
    subject: str,
    details: Mapping[str, Any],
    child: str,
    items: frozenset[str],
    albums: frozenset[str],
) -> str | None:
    if action == "view" and subject in albums:
        return "views"
    if action != "download":
        return None
    if subject in items:
        return "downloads"
    if "archive" in details and (subject in albums or subject == child):
        return "archives"
    return None
