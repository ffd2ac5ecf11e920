"""The director's home (issue 18, item 4; docs/web.md): which consents count as "ending
soon", how long an erasure request has left, and how a child is named on the home and in the
directors' alert e-mail. Pure."""

from __future__ import annotations

import datetime
from typing import Final

DAY: Final = 24 * 3600
ENDING_WITHIN_DAYS: Final = 30  # a consent whose end falls within this many days is listed
ENDING_LISTED: Final = 20  # at most this many of them, the soonest first (the count is whole)
URGENT_SECONDS: Final = 6 * 3600  # an erasure request with less than this left is urgent


def ends_soon(valid_until: float, now: float, days: int = ENDING_WITHIN_DAYS) -> bool:
    """Whether a consent in force ends after ``now`` and at most ``days`` days from it (the
    end is exclusive: ``valid_until`` is the first second it no longer covers)."""
    return now < valid_until <= now + days * DAY


def last_day(valid_until: float) -> datetime.date:
    """The last day a consent covers (its end is exclusive, midnight UTC of the next day for a
    consent given until a date)."""
    return datetime.datetime.fromtimestamp(int(valid_until) - 1, tz=datetime.UTC).date()


def seconds_left(due_by: float, now: float) -> int:
    """What an erasure request has left before its deadline (0 once it is past)."""
    return max(0, int(due_by) - int(now))


def urgent(due_by: float, now: float) -> bool:
    return seconds_left(due_by, now) < URGENT_SECONDS


def child_label(first_name: str, initial: str) -> str:
    """A child as the team names them: first name and initial ("Léa M."), never more."""
    initial = initial.strip().rstrip(".")
    return f"{first_name.strip()} {initial}.".strip() if initial else first_name.strip()
