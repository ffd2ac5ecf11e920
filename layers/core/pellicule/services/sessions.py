"""Server-side sessions (security requirement 3).

The session id is 256 random bits, sent only in a ``__Host-`` cookie; the table stores its
SHA-256. Sessions have an idle and an absolute timeout, checked on every read (DynamoDB TTL
can lag by days), and can be revoked server-side: one (logout) or every session of a person
("sign out everywhere", through gsi1 ``SESSIONS#<tenant>#<kind>#<id>``).
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from dataclasses import dataclass

from pellicule.config import clock
from pellicule.domain import sessions as rules
from pellicule.domain.errors import Unauthenticated
from pellicule.store import sessions as store

COOKIE_NAME = "__Host-pellicule-session"
# The rules (``pellicule.domain.sessions``), named here too for the callers of this module.
IDLE_TIMEOUT_SECONDS = rules.IDLE_TIMEOUT_SECONDS
ABSOLUTE_TIMEOUT_SECONDS = rules.ABSOLUTE_TIMEOUT_SECONDS
TOUCH_EVERY_SECONDS = rules.TOUCH_EVERY_SECONDS


@dataclass(frozen=True)
class Principal:
    """Who is calling: always taken from the session, never from the request."""

    tenant_id: str
    kind: str  # staff | guardian | relative (issue 17: a guardian's invited relative)
    principal_id: str
    role: str  # director | animator | guardian | relative
    session_hash: str
    # The first factor passed, the TOTP step not yet: ``http.principal`` refuses it, only
    # ``http.pending_principal`` (the TOTP routes) accepts it.
    second_factor_pending: bool = False
    # This session passed the TOTP step; else the reasons to need one it was opened with
    # (``totp.factor_reasons``): a person elevated since must sign in again (``elevated``).
    second_factor_passed: bool = False
    cleared_for: frozenset[str] = frozenset()
    # The trusted device chain that opened this session (its hash), if one did.
    device: str | None = None

    @property
    def is_staff(self) -> bool:
        return self.kind == "staff"


def _hash(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


def create(
    tenant_id: str,
    kind: str,
    principal_id: str,
    role: str,
    second_factor_pending: bool = False,
    cleared_for: Iterable[str] | None = None,
    device: str | None = None,
) -> str:
    """Open a new session and return its id (to be set as the cookie value only).

    ``second_factor_pending``: staff who must still pass TOTP (``docs/second-factor.md``).
    ``cleared_for``: the reasons to need a second factor this session is valid for without
    passing it. The sign-in passes none (``()``): whoever needed one got a pending session.
    None (tools, the demo seed, tests) takes the person's standing as it is now.
    ``device``: the hash of the trusted device chain that opened it (its end ends it).
    """
    if kind not in IDLE_TIMEOUT_SECONDS:
        raise ValueError(f"unknown principal kind {kind!r}")
    if cleared_for is None:
        cleared_for = _standing(tenant_id, kind, principal_id, role)
    session_id = secrets.token_urlsafe(32)
    store.open_session(
        _hash(session_id),
        tenant_id=tenant_id,
        kind=kind,
        principal_id=principal_id,
        role=role,
        times=rules.opened(kind, int(clock.now())),
        second_factor_pending=second_factor_pending,
        cleared_for=cleared_for,
        device=device,
    )
    return session_id


def resolve(session_id: str | None) -> Principal:
    """The principal of a live session, or ``Unauthenticated``."""
    if not session_id or len(session_id) > 128:
        raise Unauthenticated("sign_in_required")
    session_hash = _hash(session_id)
    record = store.session(session_hash)
    if record is None:  # never opened, signed out, revoked or purged
        raise Unauthenticated("session_unknown")
    times = store.times_of(record)
    now = int(clock.now())
    refused = rules.refusal(times, now)
    if refused is not None:
        raise Unauthenticated(refused)
    slid = rules.slid(times, record.principal_kind, now)
    if slid is not None and not store.slide(session_hash, slid):
        raise Unauthenticated("session_unknown")  # ended while this request was checked
    return Principal(
        tenant_id=record.tenant_id,
        kind=record.principal_kind,
        principal_id=record.principal_id,
        role=record.role,
        session_hash=session_hash,
        second_factor_pending=bool(record.second_factor_pending),
        second_factor_passed=bool(record.second_factor_passed),
        cleared_for=_cleared(record),
        device=record.device,
    )


def _standing(tenant_id: str, kind: str, principal_id: str, role: str) -> frozenset[str]:
    """The reasons this person needs a second factor now (``totp.factor_reasons``)."""
    from pellicule.domain import totp
    from pellicule.services import tenant_settings
    from pellicule.store import roster

    if kind != "staff":
        return frozenset()
    staff = roster.staff_member(tenant_id, principal_id)
    trusted = bool(staff.trusted) if staff is not None else False
    setting = tenant_settings.for_tenant(tenant_id).staff_second_factor
    return totp.factor_reasons(role, trusted, setting)


def _cleared(record: store.SessionRecord) -> frozenset[str]:
    cleared = store.cleared_for(record)
    if cleared is None:  # opened before sessions recorded it: the role says
        return frozenset({"director"}) if record.role == "director" else frozenset()
    return cleared


def elevated(found: Principal, reasons: frozenset[str]) -> bool:
    """Whether this session's person now needs a second factor for a reason the session was
    not opened with, and the session never passed one: a promotion to director, becoming a
    trusted animator, the centre requiring TOTP of animators. Such a session must end."""
    if not found.is_staff or found.second_factor_pending or found.second_factor_passed:
        return False
    return not reasons <= found.cleared_for


def complete_second_factor(session_hash: str) -> None:
    """The TOTP step passed: the pending session becomes a full one (same id: it was created
    at this very login, with a new id). Conditional on it being pending and still there."""
    if not store.complete_second_factor(session_hash):
        raise Unauthenticated("session_unknown")


def record_second_factor_failure(session_hash: str, limit: int) -> bool:
    """Count one wrong TOTP or recovery code on a pending session; at ``limit`` failures the
    session is revoked. Returns whether the session is still usable."""
    failures = store.count_second_factor_failure(session_hash)
    if failures is None:
        return False
    if failures >= limit:
        revoke_hash(session_hash)
        return False
    return True


def revoke(session_id: str) -> None:
    revoke_hash(_hash(session_id))


def revoke_hash(session_hash: str) -> None:
    """End one session, known by its hash (e.g. ``Principal.session_hash``)."""
    store.end(session_hash)


def revoke_all(tenant_id: str, kind: str, principal_id: str) -> int:
    """End every session of one person ("sign out everywhere"); returns how many ended.

    The index is eventually consistent: a session opened a split second earlier may be
    missed, so callers also revoke the session they were called with by its hash.
    """
    return store.end_all(tenant_id, kind, principal_id)


def cookie_header(session_id: str, kind: str) -> str:
    """``Set-Cookie`` value for a new session."""
    return (
        f"{COOKIE_NAME}={session_id}; Path=/; Secure; HttpOnly; SameSite=Strict; "
        f"Max-Age={ABSOLUTE_TIMEOUT_SECONDS[kind]}"
    )
