"""The rules of sessions and sign-in links (security requirements 1 and 3;
docs/authentication.md): when a session may still be used, when and how far its idle expiry
slides, and when a sign-in link may still be used.

Pure: time comes as a parameter (whole seconds since the epoch). ``pellicule.services.sessions``
and ``pellicule.services.magic_links`` read the items (``pellicule.store.sessions``), ask these
functions, and write what they say; the store's conditional writes hold the same rules again at
write time (a link's exchange is one atomic conditional write). Tested by properties in
``tests/unit/test_session_rules.py``.

A session is refused when its item is gone (signed out, revoked server-side, purged), at or
after its idle expiry, and at or after its absolute expiry (set once, at sign-in: no activity
moves it). The idle expiry is ``last seen + idle timeout``, never past the absolute one; a
request slides it only when the last recorded activity is at least ``TOUCH_EVERY_SECONDS`` old,
so a busy session is written at most once a minute.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Final

STAFF: Final = "staff"
GUARDIAN: Final = "guardian"
# Issue 17 (relatives, docs/relatives.md): a relative a guardian invited signs in like a
# guardian and keeps a family's timeouts.
RELATIVE: Final = "relative"

IDLE_TIMEOUT_SECONDS: Final = {STAFF: 2 * 3600, GUARDIAN: 30 * 60, RELATIVE: 30 * 60}
ABSOLUTE_TIMEOUT_SECONDS: Final = {STAFF: 12 * 3600, GUARDIAN: 24 * 3600, RELATIVE: 24 * 3600}
TOUCH_EVERY_SECONDS: Final = 60  # refresh last_seen_at at most this often

# Why a session is refused (catalogue reasons).
SESSION_UNKNOWN: Final = "session_unknown"  # no such session: never was, signed out, revoked
SESSION_EXPIRED: Final = "session_expired"  # idle or absolute timeout reached

# Sign-in links (magic links and their 6-digit codes).
TOKEN_TTL_SECONDS: Final = 15 * 60
MAX_CODE_ATTEMPTS: Final = 5


# --- Sessions ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class SessionTimes:
    """A session's clock: when it opened, was last seen, and its two expiries (epoch seconds;
    at the expiry itself the session is already refused)."""

    created_at: int
    last_seen_at: int
    expires_at: int  # the idle expiry (slides with activity, never past the absolute one)
    absolute_expires_at: int


def opened(kind: str, now: int) -> SessionTimes:
    """The clock of a session opened at ``now`` by a ``kind`` (staff | guardian) principal;
    ``ValueError`` for any other kind."""
    if kind not in IDLE_TIMEOUT_SECONDS:
        raise ValueError(f"unknown principal kind {kind!r}")
    absolute = now + ABSOLUTE_TIMEOUT_SECONDS[kind]
    return SessionTimes(
        created_at=now,
        last_seen_at=now,
        expires_at=min(absolute, now + IDLE_TIMEOUT_SECONDS[kind]),
        absolute_expires_at=absolute,
    )


def refusal(times: SessionTimes | None, now: int) -> str | None:
    """Why a session may not be used at ``now`` (``SESSION_UNKNOWN``: its item is gone, e.g.
    revoked; ``SESSION_EXPIRED``), or None when it may."""
    if times is None:
        return SESSION_UNKNOWN
    if now >= times.expires_at or now >= times.absolute_expires_at:
        return SESSION_EXPIRED
    return None


def is_valid(times: SessionTimes | None, now: int) -> bool:
    return refusal(times, now) is None


def slid(times: SessionTimes, kind: str, now: int) -> SessionTimes | None:
    """The clock after a request at ``now`` of a session valid at ``now``: the idle expiry
    slides to ``now + idle timeout`` (capped by the absolute expiry) when the last recorded
    activity is at least ``TOUCH_EVERY_SECONDS`` old; None: nothing to write."""
    if now - times.last_seen_at < TOUCH_EVERY_SECONDS:
        return None
    return replace(
        times,
        last_seen_at=now,
        expires_at=min(times.absolute_expires_at, now + IDLE_TIMEOUT_SECONDS[kind]),
    )


# --- Sign-in links ----------------------------------------------------------------------------


@dataclass(frozen=True)
class LinkState:
    """What decides whether a sign-in link may still be used."""

    expires_at: int
    used_at: int | None = None
    attempts: int = 0  # wrong codes spent on it (every live link of an address spends one)


def link_expiry(now: int, ttl_seconds: int = TOKEN_TTL_SECONDS) -> int:
    return now + ttl_seconds


def link_usable(link: LinkState | None, now: int) -> bool:
    """Whether a link may be exchanged (or spend a code attempt) at ``now``: it exists, was
    never used, has not expired, and its code attempts are not exhausted. The store's
    conditional write checks the same at write time."""
    return (
        link is not None
        and link.used_at is None
        and now < link.expires_at
        and link.attempts < MAX_CODE_ATTEMPTS
    )


def code_attempt_counted(link: LinkState, now: int) -> bool:
    """Whether a link whose attempt for this code was just counted (``attempts`` includes it)
    may be used by that code: the counted attempt itself is within the limit."""
    return link.used_at is None and now < link.expires_at and link.attempts <= MAX_CODE_ATTEMPTS


def codes_issued_since(now: int) -> int:
    """The oldest creation time of a link that may still be live at ``now`` (the lower bound
    of the code lookup)."""
    return now - TOKEN_TTL_SECONDS
