"""Retention dates: how long media, failed uploads, orphans and consent evidence are kept
(docs/retention.md).

Pure: no I/O, no clock reads (``now`` is a parameter, epoch seconds, UTC), so that the audit
chain, the purge and the album-date check share one set of rules without importing each other.
Tested by properties in ``tests/unit/test_retention_properties.py``.
"""

from __future__ import annotations

import calendar
import datetime
from typing import Final

DAY: Final = 24 * 3600
# Consent evidence (history, scanned forms, consent audit entries) is kept as proof this long
# after the consent ended or the child was erased: the French civil limitation period
# (Code civil, art. 2224: five years).
PROOF_SECONDS: Final = 5 * 365 * DAY
FAILED_KEPT_SECONDS: Final = 7 * DAY  # a failed upload stays visible to its uploader for a week
ORPHAN_GRACE_SECONDS: Final = DAY  # objects of no item: left alone while a pipeline may still write
ABANDONED_UPLOAD_SECONDS: Final = DAY  # the ingest bucket's lifecycle removes the bytes
# An album is dated at most this many days ahead (a trip being prepared), and no earlier than
# the centre's retention allows: an older date would be purged at once, with what is uploaded.
ALBUM_DAYS_AHEAD: Final = 31
# Every calendar month is at least this long (the bound of the index query of old uploads).
SHORTEST_MONTH_DAYS: Final = 28


def today(now: float) -> datetime.date:
    """The UTC day of the instant ``now``."""
    return datetime.datetime.fromtimestamp(now, tz=datetime.UTC).date()


def add_months(day: datetime.date, months: int) -> datetime.date:
    """``day`` plus ``months`` calendar months (clamped to the month's last day)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def purge_date(album_date: str, retention_months: int) -> datetime.date:
    """First day on which an album's media are past retention: they are kept through the
    day ``retention_months`` after the album's date and purged from the next day (UTC)."""
    return add_months(datetime.date.fromisoformat(album_date), retention_months) + (
        datetime.timedelta(days=1)
    )


def expired(album_date: str, retention_months: int, now: float) -> bool:
    """Whether media of an album dated ``album_date`` are past retention at ``now``."""
    try:
        return today(now) >= purge_date(album_date, retention_months)
    except ValueError:
        return False  # an unreadable date never deletes anything


def upload_day(created_at: float) -> str:
    """The UTC day an item was uploaded (its ``Media.created_at``), as ``YYYY-MM-DD``."""
    return today(created_at).isoformat()


def media_expired(album_date: str, created_at: float, retention_months: int, now: float) -> bool:
    """An item is past retention when its album is, or when it was uploaded longer ago than
    the retention, whatever its album's date says (a re-dated album keeps nothing longer)."""
    return expired(album_date, retention_months, now) or expired(
        upload_day(created_at), retention_months, now
    )


def uploaded_before(retention_months: int, now: float) -> float:
    """Every item uploaded past retention was uploaded before this instant (a month is at
    least 28 days): the bound of the index query that finds them."""
    return now - retention_months * SHORTEST_MONTH_DAYS * DAY


def album_date_bounds(retention_months: int, now: float) -> tuple[datetime.date, datetime.date]:
    """The earliest and the latest date an album may be given today (UTC)."""
    day = today(now)
    earliest = add_months(day, -retention_months)
    while expired(earliest.isoformat(), retention_months, now):
        earliest += datetime.timedelta(days=1)  # a shorter month clamped the day
    return earliest, day + datetime.timedelta(days=ALBUM_DAYS_AHEAD)


def proof_until(at: float) -> int:
    """Until when evidence written or ended at ``at`` is kept as proof (epoch seconds)."""
    return int(at) + PROOF_SECONDS


def proof_elapsed(at: float, now: float) -> bool:
    """Whether the proof period of evidence written or ended at ``at`` is over at ``now``."""
    return at + PROOF_SECONDS <= now
