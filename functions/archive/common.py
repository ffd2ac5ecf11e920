"""What the archive function's two builders share: the outcome of a build, the running
counts, the object's key and the zip entries' time (functions/archive/logic.py for album
archives, functions/archive/packs.py for a child's souvenir pack)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from pellicule.config import topology

PROGRESS_EVERY = 10  # items: the job's ``written`` moves on (one small write) for the page


@dataclass(frozen=True)
class Outcome:
    status: str
    written: int = 0
    blurred: int = 0
    dropped: int = 0
    size: int = 0
    parts: int = 0
    peak_buffer: int = 0


def archive_key(tenant_id: str, archive_id: str) -> str:
    """Outside ``t/``: no wildcard policy the gallery signs reaches it."""
    return f"{topology.ARCHIVES_PREFIX}{tenant_id}/{archive_id}.zip"


@dataclass
class Counts:
    blurred: int = 0
    dropped: int = 0
    yielded: int = 0  # entries handed to the zip writer so far


def date_time(album_date: str) -> tuple[int, int, int, int, int, int]:
    try:
        day = date.fromisoformat(album_date)
    except ValueError:
        return (1980, 1, 1, 0, 0, 0)
    return (max(day.year, 1980), day.month, day.day, 12, 0, 0)
