"""The sessions store: Session and LoginToken items (docs/authentication.md), what every request
reads of the session's person and centre, and the staff member's second factor as sign-in
writes it (docs/second-factor.md). Key formats: ``pellicule.store.keys``; the rules these items
follow: ``pellicule.domain.sessions``.

- Sessions (``SESSION#<sha256 of the id>`` / ``SESSION``): opened with a new key only, read
  consistently, their idle expiry slid, their second-factor state changed, ended one at a time
  or every session of a person (gsi1 ``SESSIONS#<tenant>#<kind>#<id>``). Every change but the
  opening is conditional on the item still existing, so a revoked session is never recreated.
- Sign-in links (``LOGIN#<sha256 of the token>`` / ``LOGIN``): written with a new key only;
  used at most once by ONE atomic conditional write (unused, unexpired, attempts left -> used),
  so any number of parallel exchanges of a link succeed once; each code attempt is an atomic
  conditional increment made before the code is compared.
- The person and the centre of a session, read together in one consistent transactional read
  (this module rather than the tenants store: it is the session's check on every request).
- The staff second factor: a map on the Staff item, written on condition that it is exactly as
  read (two submissions of one code cannot both pass).

Expected outcomes are values (``None``, ``False``); PynamoDB exceptions never leave this module:
any other failure of DynamoDB is a :class:`StoreError`.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from typing import Any, ParamSpec, TypeVar

from pynamodb.attributes import MapAttribute
from pynamodb.exceptions import DoesNotExist, PynamoDBException, UpdateError
from pynamodb.expressions.condition import Condition
from pynamodb.transactions import TransactGet

from pellicule.domain.sessions import MAX_CODE_ATTEMPTS, LinkState, SessionTimes
from pellicule.store import audit, data, keys
from pellicule.store.models import Guardian, LoginToken, Relative, Session, Staff, Tenant

# The item types callers hold (they read their attributes; they write them only through this
# module's functions).
SessionRecord = Session
LinkRecord = LoginToken
StaffRecord = Staff
GuardianRecord = Guardian
RelativeRecord = Relative  # issue 17: a guardian's invited relative
PersonRecord = Staff | Guardian
TenantRecord = Tenant

P = ParamSpec("P")
T = TypeVar("T")


class StoreError(RuntimeError):
    """DynamoDB failed (unreachable, throttled, a key already taken...): the operation may or
    may not have been applied. The message names the failure's type, never a key."""


def _translated(function: Callable[P, T]) -> Callable[P, T]:
    """PynamoDB's exceptions, which no caller handles, become :class:`StoreError`."""

    @functools.wraps(function)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
        try:
            return function(*args, **kwargs)
        except PynamoDBException as error:
            raise StoreError(type(error).__name__) from error

    return wrapper


def _condition_failed(error: UpdateError) -> bool:
    return bool(error.cause_response_code == "ConditionalCheckFailedException")


# --- Sessions ------------------------------------------------------------------------------


def _session(session_hash: str) -> Session:
    """A session by its key only (to update or delete it)."""
    return Session(keys.session_pk(session_hash), keys.SESSION_SK)


@_translated
def open_session(
    session_hash: str,
    *,
    tenant_id: str,
    kind: str,
    principal_id: str,
    role: str,
    times: SessionTimes,
    second_factor_pending: bool,
    cleared_for: Iterable[str],
    device: str | None = None,
) -> None:
    """Write a new session, on condition that no item has its key (a new id at every sign-in;
    a taken key, which 256 random bits never give, is a :class:`StoreError`)."""
    data.ready()
    Session(
        keys.session_pk(session_hash),
        keys.SESSION_SK,
        tenant_id=tenant_id,
        principal_kind=kind,
        principal_id=principal_id,
        role=role,
        created_at=times.created_at,
        last_seen_at=times.last_seen_at,
        absolute_expires_at=times.absolute_expires_at,
        expires_at=times.expires_at,
        second_factor_pending=second_factor_pending,
        cleared_for=",".join(sorted(cleared_for)),
        device=device,
        gsi1pk=keys.principal_sessions_gsi(tenant_id, kind, principal_id),
        gsi1sk=keys.session_pk(session_hash),
    ).save(condition=Session.pk.does_not_exist())


@_translated
def session(session_hash: str) -> Session | None:
    """A session (a consistent read), or ``None``: never opened, ended or purged."""
    data.ready()
    try:
        return Session.get(keys.session_pk(session_hash), keys.SESSION_SK, consistent_read=True)
    except DoesNotExist:
        return None


def times_of(record: Session) -> SessionTimes:
    """A session's clock, as the rules read it."""
    return SessionTimes(
        created_at=int(record.created_at),
        last_seen_at=int(record.last_seen_at),
        expires_at=int(record.expires_at),
        absolute_expires_at=int(record.absolute_expires_at),
    )


def cleared_for(record: Session) -> frozenset[str] | None:
    """The reasons to need a second factor a session was opened with (None: opened before
    sessions recorded them)."""
    if record.cleared_for is None:
        return None
    return frozenset(r for r in record.cleared_for.split(",") if r)


@_translated
def slide(session_hash: str, times: SessionTimes) -> bool:
    """Record a request: the new ``last_seen_at`` and idle expiry of ``times``, on condition
    that the session still exists; ``False`` if it was ended meanwhile (nothing written)."""
    data.ready()
    try:
        _session(session_hash).update(
            actions=[
                Session.last_seen_at.set(times.last_seen_at),
                Session.expires_at.set(times.expires_at),
            ],
            condition=Session.pk.exists(),
        )
    except UpdateError as error:
        if _condition_failed(error):
            return False
        raise
    return True


@_translated
def complete_second_factor(session_hash: str) -> bool:
    """A pending session becomes a full one (second factor passed), on condition that it is
    still there and pending; whether it was."""
    data.ready()
    try:
        _session(session_hash).update(
            actions=[
                Session.second_factor_pending.set(False),
                Session.second_factor_passed.set(True),
            ],
            condition=Session.pk.exists() & (Session.second_factor_pending == True),  # noqa: E712
        )
    except UpdateError as error:
        if _condition_failed(error):
            return False
        raise
    return True


@_translated
def count_second_factor_failure(session_hash: str) -> int | None:
    """Count one wrong code on a session (an atomic increment, on condition that the session
    exists); the failures so far, or ``None`` if the session is gone."""
    data.ready()
    record = _session(session_hash)
    try:
        record.update(
            actions=[Session.second_factor_failures.add(1)],
            condition=Session.pk.exists(),
        )
    except UpdateError as error:
        if _condition_failed(error):
            return None
        raise
    return int(record.second_factor_failures or 0)  # the update reads back ALL_NEW


@_translated
def end(session_hash: str) -> None:
    """Delete one session (nothing happens if it is already gone)."""
    data.ready()
    _session(session_hash).delete()


@_translated
def end_all(tenant_id: str, kind: str, principal_id: str) -> int:
    """Delete every session of one person found through gsi1 (eventually consistent: one
    opened a split second earlier may be missed); how many were deleted."""
    data.ready()
    ended = 0
    for record in Session.by_gsi1.query(keys.principal_sessions_gsi(tenant_id, kind, principal_id)):
        Session(record.pk, keys.SESSION_SK).delete()
        ended += 1
    return ended


# --- Sign-in links -------------------------------------------------------------------------


def _link(token_hash: str) -> LoginToken:
    return LoginToken(keys.login_pk(token_hash), keys.LOGIN_SK)


@_translated
def save_link(
    token_hash: str,
    *,
    tenant_id: str,
    kind: str,
    principal_id: str,
    code_hash: str,
    created_at: int,
    expires_at: int,
    address: str | None,
    landing: str | None = None,  # issue 17 (welcome e-mail): where the link leads
) -> None:
    """Write a new link, on condition that no item has its key. ``address`` (the digest of
    the e-mail address) puts it under the address's code lookup; None keeps it out (no code
    can ever open it). ``landing``: the page the signed-in person goes to (null: home)."""
    data.ready()
    lookup: dict[str, Any] = {}
    if landing is not None:
        lookup["landing"] = landing
    if address is not None:
        lookup = {
            "gsi1pk": keys.login_code_gsi(address),
            "gsi1sk": keys.login_code_gsi_sk(created_at, token_hash),
        }
    LoginToken(
        keys.login_pk(token_hash),
        keys.LOGIN_SK,
        tenant_id=tenant_id,
        principal_kind=kind,
        principal_id=principal_id,
        code_hash=code_hash,
        attempts=0,
        created_at=created_at,
        expires_at=expires_at,
        **lookup,
    ).save(condition=LoginToken.pk.does_not_exist())


def _live(now: int) -> Condition:
    """Condition of a link that may still be used (``domain.sessions.link_usable``), and that
    exists: an update without it would create the item."""
    return (
        LoginToken.pk.exists()
        & LoginToken.used_at.does_not_exist()
        & (LoginToken.expires_at > now)
        & (LoginToken.attempts < MAX_CODE_ATTEMPTS)
    )


def _updated(token_hash: str, actions: list[Any], condition: Condition) -> LoginToken | None:
    """The link after a conditional update (read back: ALL_NEW), or None when the condition
    failed (nothing written)."""
    record = _link(token_hash)
    try:
        record.update(actions=actions, condition=condition)
    except UpdateError as error:
        if _condition_failed(error):
            return None
        raise
    return record


@_translated
def use_link(token_hash: str, now: int) -> LoginToken | None:
    """Mark a link used at ``now`` in one atomic conditional write (it exists, is unused,
    unexpired, with attempts left): the link, or None if it may not be used."""
    data.ready()
    return _updated(token_hash, [LoginToken.used_at.set(now)], _live(now))


@_translated
def code_candidates(address: str, since: int) -> list[LoginToken]:
    """The links under an address's code lookup created at or after ``since``."""
    data.ready()
    return list(
        LoginToken.by_gsi1.query(
            keys.login_code_gsi(address),
            LoginToken.gsi1sk >= keys.login_code_gsi_sk_bound(since),
        )
    )


@_translated
def spend_code_attempt(token_hash: str, now: int) -> LoginToken | None:
    """Count one code attempt on a link (an atomic conditional increment, on condition that
    it may still be used): the link as counted, or None (nothing counted)."""
    data.ready()
    return _updated(token_hash, [LoginToken.attempts.add(1)], _live(now))


@_translated
def use_link_after_attempt(token_hash: str, now: int) -> LoginToken | None:
    """Mark a link used by the code whose attempt was just counted (the limit allows that
    attempt: ``attempts <= MAX``), in one conditional write: the link, or None."""
    data.ready()
    condition = (
        LoginToken.used_at.does_not_exist()
        & (LoginToken.expires_at > now)
        & (LoginToken.attempts <= MAX_CODE_ATTEMPTS)
    )
    return _updated(token_hash, [LoginToken.used_at.set(now)], condition)


@_translated
def link(token_hash: str) -> LoginToken | None:
    """A link (a consistent read), or None."""
    data.ready()
    try:
        return LoginToken.get(keys.login_pk(token_hash), keys.LOGIN_SK, consistent_read=True)
    except DoesNotExist:
        return None


def token_hash_of(record: LoginToken) -> str:
    return str(record.pk).removeprefix(keys.LOGIN)


def link_state(record: LoginToken) -> LinkState:
    """What the rules read of a link."""
    return LinkState(
        expires_at=int(record.expires_at),
        used_at=None if record.used_at is None else int(record.used_at),
        attempts=int(record.attempts or 0),
    )


# --- The person and the centre of a session ------------------------------------------------


@_translated
def person_and_centre(
    tenant_id: str, kind: str, principal_id: str
) -> tuple[Staff | Guardian | Relative | None, Tenant | None]:
    """The person's item (Staff for ``kind`` staff, Relative for ``relative``, else Guardian)
    and the centre's profile, as they are now: one consistent, transactional read of both;
    ``None`` for one absent."""
    data.ready()
    pk = keys.tenant_pk(tenant_id)
    model: type[Staff] | type[Guardian] | type[Relative] = Staff if kind == "staff" else Guardian
    sk = keys.staff_sk(principal_id) if kind == "staff" else keys.guardian_sk(principal_id)
    if kind == "relative":  # issue 17 (docs/relatives.md)
        model, sk = Relative, keys.relative_sk(principal_id)
    with TransactGet(connection=Tenant._get_connection().connection) as reads:
        person_read = reads.get(model, pk, sk)
        centre_read = reads.get(Tenant, pk, keys.PROFILE)
    try:
        centre: Tenant | None = centre_read.get()
    except DoesNotExist:
        centre = None
    try:
        person: Staff | Guardian | Relative | None = person_read.get()
    except DoesNotExist:
        person = None
    return person, centre


# The person as they are now (a consistent read, unlike the roster's lists), for sign-in.
@_translated
def staff_now(tenant_id: str, staff_id: str) -> Staff | None:
    """A staff member read consistently (as they are now), or None."""
    data.ready()
    try:
        return Staff.get(keys.tenant_pk(tenant_id), keys.staff_sk(staff_id), consistent_read=True)
    except DoesNotExist:
        return None


@_translated
def guardian_now(tenant_id: str, guardian_id: str) -> Guardian | None:
    """A guardian read consistently (as they are now), or None."""
    data.ready()
    try:
        return Guardian.get(
            keys.tenant_pk(tenant_id), keys.guardian_sk(guardian_id), consistent_read=True
        )
    except DoesNotExist:
        return None


@_translated
def relative_now(tenant_id: str, relative_id: str) -> Relative | None:
    """A relative read consistently (as they are now), or None (issue 17)."""
    data.ready()
    try:
        return Relative.get(
            keys.tenant_pk(tenant_id), keys.relative_sk(relative_id), consistent_read=True
        )
    except DoesNotExist:
        return None


# --- The staff second factor (a map on the Staff item) -------------------------------------
# A staff member's second factor (on their Staff item): read and written with the sign-in
# rules it serves; the roster store keeps the rest of the Staff item.

# ``renewal`` arguments: the renewal map as read (None: there was none), or UNCHECKED.
UNCHECKED = False


def _as_dict(raw: Any) -> dict[str, Any] | None:
    if raw is None:
        return None
    if isinstance(raw, MapAttribute):
        return dict(raw.as_dict())
    return dict(raw)


def factor_of(staff: Staff) -> dict[str, Any] | None:
    """The factor's map exactly as read (the condition of the next write)."""
    return _as_dict(staff.second_factor)


def renewal_of(staff: Staff) -> dict[str, Any] | None:
    """The renewal's map exactly as read (the condition of the next write)."""
    return _as_dict(staff.second_factor_renewal)


def _unchanged(stored: dict[str, Any] | None, renewal: dict[str, Any] | bool | None) -> Any:
    """The condition of a write: the person still there, not archived, the factor (and the
    renewal, unless ``renewal`` is UNCHECKED) exactly as read."""
    condition = (
        Staff.pk.exists()
        & (Staff.archived == False)  # noqa: E712
        & (
            Staff.second_factor.does_not_exist()
            if stored is None
            else Staff.second_factor == stored  # the whole map: step and recovery hashes
        )
    )
    if renewal is not UNCHECKED:
        condition &= (
            Staff.second_factor_renewal.does_not_exist()
            if renewal is None
            else Staff.second_factor_renewal == renewal
        )
    return condition


@_translated
def save_factor(
    staff: Staff,
    stored: dict[str, Any] | None,
    factor: dict[str, Any],
    *,
    renewal: dict[str, Any] | bool | None = UNCHECKED,
    new_renewal: dict[str, Any] | None = None,
) -> bool:
    """Write ``factor`` (and ``new_renewal``, if given) if the stored factor is still
    ``stored`` (and the renewal still ``renewal``, unless UNCHECKED); whether it was written."""
    actions: list[Any] = [Staff.second_factor.set(factor)]
    if new_renewal is not None:
        actions.append(Staff.second_factor_renewal.set(new_renewal))
    try:
        staff.update(actions=actions, condition=_unchanged(stored, renewal))
    except UpdateError as error:
        if _condition_failed(error):
            return False
        raise
    return True


def factor_changed(
    staff: Staff,
    stored: dict[str, Any] | None,
    factor: dict[str, Any],
    *,
    renewal: dict[str, Any] | bool | None = UNCHECKED,
    drop_renewal: bool = False,
) -> audit.Companion:
    """The write of a new ``factor`` (and, with ``drop_renewal``, the renewal's removal) on
    condition that the factor (and the renewal, unless UNCHECKED) is exactly as read: the
    caller commits it with its audit entry (``audit.append``; a failed condition is
    ``audit.CompanionConflictError``)."""
    actions: tuple[Any, ...] = (Staff.second_factor.set(factor),)
    if drop_renewal:
        actions += (Staff.second_factor_renewal.remove(),)
    return audit.Companion(staff, _unchanged(stored, renewal), op="update", actions=actions)
