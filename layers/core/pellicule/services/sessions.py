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

from pynamodb.exceptions import DoesNotExist, UpdateError

from pellicule.config import clock
from pellicule.domain.errors import Unauthenticated
from pellicule.store import data
from pellicule.store.models import Session

COOKIE_NAME = "__Host-pellicule-session"
IDLE_TIMEOUT_SECONDS = {"staff": 2 * 3600, "guardian": 30 * 60}
ABSOLUTE_TIMEOUT_SECONDS = {"staff": 12 * 3600, "guardian": 24 * 3600}
TOUCH_EVERY_SECONDS = 60  # refresh last_seen_at at most this often


@dataclass(frozen=True)
class Principal:
    """Who is calling: always taken from the session, never from the request."""

    tenant_id: str
    kind: str  # staff | guardian
    principal_id: str
    role: str  # director | animator | guardian
    session_hash: str
    # The first factor passed, the TOTP step not yet: ``http.principal`` refuses it, only
    # ``http.pending_principal`` (the TOTP routes) accepts it.
    second_factor_pending: bool = False
    # This session passed the TOTP step; else the reasons to need one it was opened with
    # (``totp.factor_reasons``): a person elevated since must sign in again (``elevated``).
    second_factor_passed: bool = False
    cleared_for: frozenset[str] = frozenset()

    @property
    def is_staff(self) -> bool:
        return self.kind == "staff"


def _hash(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


def _pk(session_hash: str) -> str:
    return f"SESSION#{session_hash}"


def _owner_key(tenant_id: str, kind: str, principal_id: str) -> str:
    """gsi1 partition of every session of one person."""
    return f"SESSIONS#{tenant_id}#{kind}#{principal_id}"


def create(
    tenant_id: str,
    kind: str,
    principal_id: str,
    role: str,
    second_factor_pending: bool = False,
    cleared_for: Iterable[str] | None = None,
) -> str:
    """Open a new session and return its id (to be set as the cookie value only).

    ``second_factor_pending``: staff who must still pass TOTP (``docs/second-factor.md``).
    ``cleared_for``: the reasons to need a second factor this session is valid for without
    passing it. The sign-in passes none (``()``): whoever needed one got a pending session.
    None (tools, the demo seed, tests) takes the person's standing as it is now.
    """
    if kind not in IDLE_TIMEOUT_SECONDS:
        raise ValueError(f"unknown principal kind {kind!r}")
    data.ready()
    if cleared_for is None:
        cleared_for = _standing(tenant_id, kind, principal_id, role)
    session_id = secrets.token_urlsafe(32)
    now = int(clock.now())
    absolute = now + ABSOLUTE_TIMEOUT_SECONDS[kind]
    session_hash = _hash(session_id)
    Session(
        _pk(session_hash),
        "SESSION",
        tenant_id=tenant_id,
        principal_kind=kind,
        principal_id=principal_id,
        role=role,
        created_at=now,
        last_seen_at=now,
        absolute_expires_at=absolute,
        expires_at=min(absolute, now + IDLE_TIMEOUT_SECONDS[kind]),
        second_factor_pending=second_factor_pending,
        cleared_for=",".join(sorted(cleared_for)),
        gsi1pk=_owner_key(tenant_id, kind, principal_id),
        gsi1sk=_pk(session_hash),
    ).save(condition=Session.pk.does_not_exist())
    return session_id


def resolve(session_id: str | None) -> Principal:
    """The principal of a live session, or ``Unauthenticated``."""
    if not session_id or len(session_id) > 128:
        raise Unauthenticated("sign_in_required")
    data.ready()
    session_hash = _hash(session_id)
    try:
        record = Session.get(_pk(session_hash), "SESSION", consistent_read=True)
    except DoesNotExist:
        raise Unauthenticated("session_unknown") from None
    now = int(clock.now())
    if now >= record.expires_at or now >= record.absolute_expires_at:
        raise Unauthenticated("session_expired")
    if now - record.last_seen_at >= TOUCH_EVERY_SECONDS:
        record.update(
            actions=[
                Session.last_seen_at.set(now),
                Session.expires_at.set(
                    min(
                        record.absolute_expires_at,
                        now + IDLE_TIMEOUT_SECONDS[record.principal_kind],
                    )
                ),
            ]
        )
    return Principal(
        tenant_id=record.tenant_id,
        kind=record.principal_kind,
        principal_id=record.principal_id,
        role=record.role,
        session_hash=session_hash,
        second_factor_pending=bool(record.second_factor_pending),
        second_factor_passed=bool(record.second_factor_passed),
        cleared_for=_cleared(record),
    )


def _standing(tenant_id: str, kind: str, principal_id: str, role: str) -> frozenset[str]:
    """The reasons this person needs a second factor now (``totp.factor_reasons``)."""
    from pellicule.domain import totp
    from pellicule.services import tenant_settings
    from pellicule.store.models import Staff, tenant_pk

    if kind != "staff":
        return frozenset()
    try:
        trusted = bool(Staff.get(tenant_pk(tenant_id), f"STAFF#{principal_id}").trusted)
    except DoesNotExist:
        trusted = False
    setting = tenant_settings.for_tenant(tenant_id).staff_second_factor
    return totp.factor_reasons(role, trusted, setting)


def _cleared(record: Session) -> frozenset[str]:
    if record.cleared_for is None:  # opened before sessions recorded it: the role says
        return frozenset({"director"}) if record.role == "director" else frozenset()
    return frozenset(r for r in record.cleared_for.split(",") if r)


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
    data.ready()
    try:
        Session(_pk(session_hash), "SESSION").update(
            actions=[
                Session.second_factor_pending.set(False),
                Session.second_factor_passed.set(True),
            ],
            condition=Session.pk.exists() & (Session.second_factor_pending == True),  # noqa: E712
        )
    except UpdateError as error:
        if _condition_failed(error):
            raise Unauthenticated("session_unknown") from None
        raise


def record_second_factor_failure(session_hash: str, limit: int) -> bool:
    """Count one wrong TOTP or recovery code on a pending session; at ``limit`` failures the
    session is revoked. Returns whether the session is still usable."""
    data.ready()
    try:
        record = Session(_pk(session_hash), "SESSION")
        record.update(
            actions=[Session.second_factor_failures.add(1)],
            condition=Session.pk.exists(),
        )
    except UpdateError as error:
        if _condition_failed(error):
            return False
        raise
    failures = int(record.second_factor_failures or 0)  # the update reads back ALL_NEW
    if failures >= limit:
        revoke_hash(session_hash)
        return False
    return True


def _condition_failed(error: UpdateError) -> bool:
    return bool(error.cause_response_code == "ConditionalCheckFailedException")


def revoke(session_id: str) -> None:
    revoke_hash(_hash(session_id))


def revoke_hash(session_hash: str) -> None:
    """End one session, known by its hash (e.g. ``Principal.session_hash``)."""
    data.ready()
    Session(_pk(session_hash), "SESSION").delete()


def revoke_all(tenant_id: str, kind: str, principal_id: str) -> int:
    """End every session of one person ("sign out everywhere"); returns how many ended.

    The index is eventually consistent: a session opened a split second earlier may be
    missed, so callers also revoke the session they were called with by its hash.
    """
    data.ready()
    ended = 0
    for record in Session.by_gsi1.query(_owner_key(tenant_id, kind, principal_id)):
        Session(record.pk, "SESSION").delete()
        ended += 1
    return ended


def cookie_header(session_id: str, kind: str) -> str:
    """``Set-Cookie`` value for a new session."""
    return (
        f"{COOKIE_NAME}={session_id}; Path=/; Secure; HttpOnly; SameSite=Strict; "
        f"Max-Age={ABSOLUTE_TIMEOUT_SECONDS[kind]}"
    )
