"""The one clock of the product (tests and the demo may move it)."""

from __future__ import annotations

import time
from datetime import UTC, datetime

_offset_seconds = 0.0


def now() -> float:
    """Seconds since the epoch, shifted by any offset set through ``advance``."""
    return time.time() + _offset_seconds


def utcnow() -> datetime:
    return datetime.fromtimestamp(now(), tz=UTC)


def advance(seconds: float) -> None:
    """Move the clock forward (tests, demo)."""
    global _offset_seconds
    _offset_seconds += seconds


def reset() -> None:
    global _offset_seconds
    _offset_seconds = 0.0
