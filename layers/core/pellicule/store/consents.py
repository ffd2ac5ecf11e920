"""The consents store: the only module that reads and writes Consent and ConsentEvent items.

A child's current consent (``CONSENT#<child>``) is read as a plain
:class:`~pellicule.domain.consent.ConsentState`; a change is saved as the new current item,
one history entry (``CONSENTLOG#<child>#<version>``) and one audit entry, in ONE transaction
conditioned on the version the change was decided on (no lost update, nothing half-saved).
Key formats: ``pellicule.store.keys``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from pynamodb.exceptions import DoesNotExist

from pellicule.domain.consent import ConsentState, Decision, HistoryEntry, Pending, Terms
from pellicule.store import audit, data, keys, roster
from pellicule.store.models import Consent, ConsentEvent

# The item types callers may hold (they read them only through this module's functions).
ConsentRecord = Consent
ChildRecord = roster.ChildRecord


class StaleConsentError(RuntimeError):
    """A concurrent change was saved first: nothing was written."""


# --- Reading -------------------------------------------------------------------------------


def current(tenant_id: str, child_id: str, *, consistent: bool = True) -> Consent | None:
    """The current consent item of a child (``None``: never given nor asked)."""
    data.ready()
    try:
        return Consent.get(
            keys.tenant_pk(tenant_id), keys.consent_sk(child_id), consistent_read=consistent
        )
    except DoesNotExist:
        return None


def child(tenant_id: str, child_id: str) -> ChildRecord | None:
    """The child whose consent it is (its guardians decide on a widening)."""
    return roster.child(tenant_id, child_id)


def every_current(tenant_id: str) -> list[Consent]:
    """The current consent items of a centre's children (at most ``roster.LIST_LIMIT``)."""
    data.ready()
    return list(
        Consent.query(
            keys.tenant_pk(tenant_id),
            Consent.sk.startswith(keys.CONSENT),
            limit=roster.LIST_LIMIT,
        )
    )


def _map(raw: Any) -> dict[str, Any] | None:
    return raw.as_dict() if raw else None


def state_of(record: Consent | None, child_id: str = "") -> ConsentState:
    """The plain state of a current consent item (``None``: the child has none yet)."""
    if record is None:
        return ConsentState(child_id=child_id)
    pending = _map(record.pending)
    return ConsentState(
        child_id=record.child_id,
        status=record.status,
        terms=Terms(
            audiences=frozenset(record.audiences or ()),
            media_kinds=frozenset(record.media_kinds or ()),
            valid_from=int(record.valid_from),
            valid_until=int(record.valid_until),
        ),
        evidence=_map(record.evidence),
        pending=Pending.from_dict(pending) if pending is not None else None,
        version=int(record.version),
        updated_at=int(record.updated_at),
        updated_by=record.updated_by,
    )


def states(tenant_id: str, child_ids: Iterable[str]) -> Iterator[ConsentState]:
    """The current consents of ``child_ids`` that exist (one batch read, eventually
    consistent: the read path of the publication gate)."""
    wanted = sorted(set(child_ids))
    if not wanted:
        return
    data.ready()
    pk = keys.tenant_pk(tenant_id)
    for record in Consent.batch_get([(pk, keys.consent_sk(child_id)) for child_id in wanted]):
        yield state_of(record)


def history(tenant_id: str, child_id: str) -> list[HistoryEntry]:
    """A child's consent history, oldest first."""
    data.ready()
    return [
        HistoryEntry(
            child_id=child_id,
            version=int(event.version),
            action=event.action,
            actor=event.actor,
            at=int(event.at),
            restricts=bool(event.restricts),
            before=_map(event.before),
            after=_map(event.after),
            evidence=_map(event.evidence),
        )
        for event in ConsentEvent.query(
            keys.tenant_pk(tenant_id),
            ConsentEvent.sk.startswith(keys.consent_log_prefix(child_id)),
            consistent_read=True,
        )
    ]


# --- Writing -------------------------------------------------------------------------------


def save(tenant_id: str, decision: Decision) -> None:
    """Write what ``decision`` says: the new current consent, its history entry and the audit
    entry, in one transaction conditioned on ``decision.previous_version``.

    Raises :class:`StaleConsentError` when a concurrent change was saved first.
    """
    state, entry = decision.state, decision.entry
    if state is None or entry is None or state.terms is None:
        raise ValueError("nothing to save: the decision writes nothing")
    pk = keys.tenant_pk(tenant_id)
    item = Consent(
        pk,
        keys.consent_sk(state.child_id),
        tenant_id=tenant_id,
        child_id=state.child_id,
        status=state.status,
        audiences=set(state.terms.audiences),
        media_kinds=set(state.terms.media_kinds),
        valid_from=state.terms.valid_from,
        valid_until=state.terms.valid_until,
        evidence=dict(state.evidence or {}),
        pending=state.pending.as_dict() if state.pending is not None else None,
        version=state.version,
        updated_at=state.updated_at,
        updated_by=state.updated_by,
    )
    event = ConsentEvent(
        pk,
        keys.consent_log_sk(entry.child_id, entry.version),
        tenant_id=tenant_id,
        child_id=entry.child_id,
        version=entry.version,
        action=entry.action,
        actor=entry.actor,
        at=entry.at,
        restricts=entry.restricts,
        before=dict(entry.before) if entry.before is not None else None,
        after=dict(entry.after) if entry.after is not None else None,
        evidence=dict(entry.evidence) if entry.evidence is not None else None,
    )
    previous = decision.previous_version
    condition = Consent.version == previous if previous else Consent.pk.does_not_exist()
    try:
        audit.append(
            tenant_id,
            decision.audit_action,
            entry.actor,
            f"child:{entry.child_id}",
            decision.audit_details(),
            at=entry.at,
            companions=(
                audit.Companion(item, condition),
                audit.Companion(event, ConsentEvent.pk.does_not_exist()),
            ),
        )
    except audit.CompanionConflictError:
        raise StaleConsentError(state.child_id) from None


# --- The purge -----------------------------------------------------------------------------


def all_current(tenant_id: str) -> Iterator[Consent]:
    """The current consent items of a centre's children, however many (the purge's lapsed
    step compares every published item with them), read page by page as the caller goes."""
    data.ready()
    return Consent.query(keys.tenant_pk(tenant_id), Consent.sk.startswith(keys.CONSENT))


# --- Erasure -------------------------------------------------------------------------------


def current_ref(tenant_id: str, child_id: str) -> Consent:
    """A child's current consent by its key only (to delete it in a transaction)."""
    return Consent(keys.tenant_pk(tenant_id), keys.consent_sk(child_id))


def history_refs(tenant_id: str, child_id: str) -> list[ConsentEvent]:
    """A child's consent history entries by their keys only, oldest first (to delete them in
    transactions once an erasure's proof period is over)."""
    pk = keys.tenant_pk(tenant_id)
    return [
        ConsentEvent(pk, event.sk)
        for event in ConsentEvent.query(
            pk, ConsentEvent.sk.startswith(keys.consent_log_prefix(child_id))
        )
    ]
