"""The audit store: the only module that reads and writes AuditEntry items (docs/audit.md).

One item per entry (``AUDIT#<t>`` / ``<seq:012d>``) plus the chain head (sort key ``HEAD``).
:func:`append` reads the head, builds the next entry by the chain's rule
(``pellicule.domain.audit_chain.next_entry``) and writes the new head and the entry in ONE
transaction conditioned on the head, retried with jittered backoff while other writers get
there first: concurrent appends never fork the chain or reuse a sequence number. Writes that
must land with their audit entry (a roster change, a consent) come as :class:`Companion`\\ s
and join that transaction. Key formats: ``pellicule.store.keys``.
"""

from __future__ import annotations

import random
import secrets
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from pynamodb.exceptions import TransactWriteError
from pynamodb.transactions import TransactWrite

from pellicule.config import clock
from pellicule.domain import audit_chain
from pellicule.domain.audit_chain import AuditError, ChainEntry, ChainHead, PendingEvent
from pellicule.store import keys
from pellicule.store.models import AuditEntry

# The item type callers hold (they read its attributes; entries are never changed).
AuditRecord = AuditEntry

MAX_ATTEMPTS = 30  # per append, under contention (each round lets one writer through)
MAX_BACKOFF_SECONDS = 0.2
MAX_COMPANIONS = 98  # a transaction holds at most 100 writes: the head, the entry, these
# The batch writer's transaction: the head, then per event its entry and its pending item's
# delete (1 + 2 x 49 = 99 <= 100 writes).
MAX_BATCH = 49

# Cancelled transactions on a chain head (another writer moved it first), since the process
# started: what the load test counts (tests/integration/test_audit_batched.py).
chain_conflicts = 0


class AuditConflictError(RuntimeError):
    """The head kept moving: the append could not be ordered after MAX_ATTEMPTS tries."""


class CompanionConflictError(RuntimeError):
    """A write made together with the entry failed its own condition (nothing was written)."""


@dataclass(frozen=True)
class Companion:
    """A write committed in the same transaction as the audit entry (all or nothing).

    ``op`` is ``save``, ``update`` or ``delete``; for ``update``, ``actions`` are PynamoDB
    update actions. A failed ``condition`` aborts the whole transaction and raises
    :class:`CompanionConflictError`: the caller's optimistic lock lost, nothing was written.
    """

    item: Any
    condition: Any = None
    op: Literal["save", "update", "delete"] = "save"
    actions: tuple[Any, ...] = ()


# --- Reading -------------------------------------------------------------------------------


def _get_head(tenant_id: str) -> ChainHead | None:
    """The chain head (consistent read); ``None`` for a chain never written."""
    try:
        item = AuditEntry.get(keys.audit_pk(tenant_id), keys.AUDIT_HEAD, consistent_read=True)
    except AuditEntry.DoesNotExist:
        return None
    return ChainHead(
        seq=int(item.seq),
        at=int(item.at),
        consent_count=int(item.consent_count or 0),
        hash=item.hash,
    )


def head(tenant_id: str) -> ChainHead | None:
    """The chain head (consistent read); ``None`` for a chain never written."""
    return _get_head(tenant_id)


def records(tenant_id: str) -> Iterator[AuditRecord]:
    """Every entry item of the tenant in sort-key order (consistent, paginated by PynamoDB)."""
    return AuditEntry.query(
        keys.audit_pk(tenant_id),
        AuditEntry.sk.between(keys.audit_sk(0), "9" * keys.AUDIT_SEQ_WIDTH),
        consistent_read=True,
        scan_index_forward=True,
    )


def newest_first(tenant_id: str, below: int | None = None) -> Iterator[AuditRecord]:
    """The tenant's entries newest first, those with a sequence number under ``below`` if
    given (one query on the tenant's partition, read lazily page by page)."""
    top = keys.audit_sk(below) if below is not None else "9" * keys.AUDIT_SEQ_WIDTH
    return AuditEntry.query(
        keys.audit_pk(tenant_id),
        AuditEntry.sk < top if below is not None else AuditEntry.sk.between(keys.audit_sk(0), top),
        scan_index_forward=False,
    )


def details_of(record: AuditRecord) -> dict[str, Any]:
    raw = record.details
    if raw is None:
        return {}
    return dict(raw.as_dict()) if hasattr(raw, "as_dict") else dict(raw)


def chain_entry(record: AuditRecord) -> ChainEntry:
    """The plain entry an item holds (missing attributes read as empty, as they are hashed)."""
    seq = int(record.seq)
    return ChainEntry(
        position=int(record.sk),
        seq=seq,
        at=int(record.at),
        action=record.action or "",
        actor=record.actor or "",
        subject=record.subject or "",
        details=details_of(record),
        prev_hash=record.prev_hash or "",
        prev_at=int(record.prev_at or 0),
        consent_count=int(record.consent_count or 0),
        hash=record.hash,
    )


def entries(tenant_id: str) -> Iterator[ChainEntry]:
    """Every entry of the tenant in sort-key order, as plain entries (read lazily)."""
    return (chain_entry(record) for record in records(tenant_id))


# --- Writing -------------------------------------------------------------------------------


def _is_conflict(error: TransactWriteError) -> bool:
    """Whether another writer got there first (counted in :data:`chain_conflicts`)."""
    global chain_conflicts
    reasons = error.cancellation_reasons or []
    conflict = error.cause_response_code == "TransactionConflictException" or any(
        r is not None and r.code in {"ConditionalCheckFailed", "TransactionConflict"}
        for r in reasons
    )
    chain_conflicts += int(conflict)
    return conflict


def _companion_failed(error: TransactWriteError) -> bool:
    reasons = error.cancellation_reasons or []
    return any(r is not None and r.code == "ConditionalCheckFailed" for r in reasons[2:])


def _add(tx: TransactWrite, companion: Companion) -> None:
    if companion.op == "save":
        tx.save(companion.item, condition=companion.condition)
    elif companion.op == "update":
        tx.update(companion.item, actions=list(companion.actions), condition=companion.condition)
    else:
        tx.delete(companion.item, condition=companion.condition)


def _items(tenant_id: str, entry: ChainEntry) -> tuple[AuditEntry, AuditEntry]:
    """The entry item and the new head item that ``entry`` is stored as."""
    pk = keys.audit_pk(tenant_id)
    item = AuditEntry(
        pk,
        keys.audit_sk(entry.seq),
        seq=entry.seq,
        at=entry.at,
        action=entry.action,
        actor=entry.actor,
        subject=entry.subject,
        details=dict(entry.details),
        prev_hash=entry.prev_hash,
        prev_at=entry.prev_at,
        consent_count=entry.consent_count,
        hash=entry.hash,
        expires_at=audit_chain.expires_at(entry.action, entry.at),
    )
    new_head = AuditEntry(
        pk,
        keys.AUDIT_HEAD,
        seq=entry.seq,
        at=entry.at,
        consent_count=entry.consent_count,
        hash=entry.hash,
    )
    return item, new_head


def append(
    tenant_id: str,
    action: str,
    actor: str,
    subject: str,
    details: Mapping[str, Any] | None = None,
    at: float | None = None,
    companions: tuple[Companion, ...] = (),
) -> AuditRecord:
    """Append one entry to the tenant's chain and return it.

    ``at`` is in seconds since the epoch (default: the product clock); it is stored in
    milliseconds and never goes backwards along the chain. ``companions`` are written in the
    same transaction (at most 98): the change and its audit entry exist together or not at all.
    Raises :class:`~pellicule.domain.audit_chain.AuditError` for an entry that may not be
    written, :class:`CompanionConflictError` when a companion's condition failed and
    :class:`AuditConflictError` when the head kept moving.
    """
    if len(companions) > MAX_COMPANIONS:
        raise AuditError(f"at most {MAX_COMPANIONS} companion writes per entry")
    audit_chain.validate_tenant_id(tenant_id)
    clean = audit_chain.validate(action, actor, subject, details)
    wanted_ms = round((clock.now() if at is None else at) * 1000)
    for attempt in range(MAX_ATTEMPTS):
        current = _get_head(tenant_id)
        entry = audit_chain.next_entry(tenant_id, current, action, actor, subject, clean, wanted_ms)
        item, new_head = _items(tenant_id, entry)
        head_condition = (
            AuditEntry.seq == current.seq if current else AuditEntry.pk.does_not_exist()
        )
        try:
            with TransactWrite(connection=AuditEntry._get_connection().connection) as tx:
                tx.save(new_head, condition=head_condition)
                tx.save(item, condition=AuditEntry.pk.does_not_exist())
                for companion in companions:
                    _add(tx, companion)
        except TransactWriteError as error:
            if _companion_failed(error):
                raise CompanionConflictError(action) from error
            if not _is_conflict(error):
                raise
            # Full jitter, exponential up to a cap: contenders spread out instead of colliding.
            delay = min(MAX_BACKOFF_SECONDS, 0.005 * 2**attempt)
            time.sleep(random.uniform(0, delay))  # noqa: S311 - jitter, not a secret
            continue
        return item
    raise AuditConflictError(f"could not append to the audit log of {tenant_id!r}")


# --- Batched entries: views and downloads (docs/audit.md, "Batched entries") ---------------


def _pending_query(tenant_id: str, *, newest_first: bool = False) -> Iterator[AuditEntry]:
    return AuditEntry.query(
        keys.audit_pk(tenant_id),
        AuditEntry.sk.startswith(keys.AUDIT_PENDING),
        consistent_read=True,
        scan_index_forward=not newest_first,
    )


def pending_event(record: AuditRecord) -> PendingEvent:
    """The plain event a pending item holds."""
    return PendingEvent(
        key=record.sk,
        at=int(record.at),
        action=record.action or "",
        actor=record.actor or "",
        subject=record.subject or "",
        details=details_of(record),
        digest=record.hash,
    )


def pending(tenant_id: str, *, newest_first: bool = False) -> Iterator[PendingEvent]:
    """The tenant's events waiting to be chained, oldest first (the order they are chained)."""
    return (pending_event(r) for r in _pending_query(tenant_id, newest_first=newest_first))


def record(
    tenant_id: str,
    action: str,
    actor: str,
    subject: str,
    details: Mapping[str, Any] | None = None,
    at: float | None = None,
) -> PendingEvent:
    """Record a view or a download: ONE unconditional put of a new item with a unique key,
    never a write on the chain head (nothing to contend on). :func:`chain_pending` chains it.

    Raises :class:`~pellicule.domain.audit_chain.AuditError` for an event that may not be
    written (the same checks as :func:`append`; only ``view`` and ``download`` go this way).
    """
    audit_chain.validate_tenant_id(tenant_id)
    if action not in audit_chain.BATCHED_ACTIONS:
        raise AuditError(f"only views and downloads are batched, not {action!r}")
    clean = audit_chain.validate(action, actor, subject, details)
    at_ms = round((clock.now() if at is None else at) * 1000)
    key = keys.audit_pending_sk(at_ms, secrets.token_hex(8))
    digest = audit_chain.event_digest(tenant_id, key, at_ms, action, actor, subject, clean)
    AuditEntry(
        keys.audit_pk(tenant_id),
        key,
        seq=0,  # not chained yet: the sort key, not a seq, identifies it
        at=at_ms,
        action=action,
        actor=actor,
        subject=subject,
        details=dict(clean),
        hash=digest,
        expires_at=audit_chain.expires_at(action, at_ms),
    ).save()
    return PendingEvent(key, at_ms, action, actor, subject, clean, digest)


def _chainable(tenant_id: str, limit: int) -> list[PendingEvent]:
    """The oldest ``limit`` pending events that may be chained (malformed or altered ones are
    left where they are: verify reports them)."""
    chosen: list[PendingEvent] = []
    for event in pending(tenant_id):
        if audit_chain.pending_problem(tenant_id, event) is None:
            chosen.append(event)
            if len(chosen) >= limit:
                break
    return chosen


def _chain_once(tenant_id: str, events: list[PendingEvent]) -> bool:
    """Chain ``events`` after the current head in ONE transaction: the head (conditioned on
    the seq read), each entry (on not existing) and each pending item's delete (on existing).
    All or nothing: a crash leaves every event pending; ``False`` if another writer got there
    first (nothing was written)."""
    current = _get_head(tenant_id)
    built = audit_chain.chain_batch(tenant_id, current, events)
    pk = keys.audit_pk(tenant_id)
    head_condition = AuditEntry.seq == current.seq if current else AuditEntry.pk.does_not_exist()
    try:
        with TransactWrite(connection=AuditEntry._get_connection().connection) as tx:
            tx.save(_items(tenant_id, built[-1])[1], condition=head_condition)
            for entry, event in zip(built, events, strict=True):
                tx.save(_items(tenant_id, entry)[0], condition=AuditEntry.pk.does_not_exist())
                tx.delete(AuditEntry(pk, event.key), condition=AuditEntry.pk.exists())
    except TransactWriteError as error:
        if not _is_conflict(error):
            raise
        return False
    return True


def chain_pending(tenant_id: str, max_events: int | None = None) -> int:
    """Chain the tenant's pending events, oldest first, in batches of :data:`MAX_BATCH`; return
    how many were chained. Idempotent and crash-safe: an event leaves the pending set in the
    same transaction that chains it, so re-running after a crash neither loses nor repeats one;
    two writers at once serialise on the head (the loser re-reads and goes on)."""
    audit_chain.validate_tenant_id(tenant_id)
    chained = 0
    conflicts = 0
    while max_events is None or chained < max_events:
        room = MAX_BATCH if max_events is None else min(MAX_BATCH, max_events - chained)
        events = _chainable(tenant_id, room)
        if not events:
            break
        if _chain_once(tenant_id, events):
            chained += len(events)
            conflicts = 0
            continue
        conflicts += 1
        if conflicts >= MAX_ATTEMPTS:
            raise AuditConflictError(f"could not chain the pending events of {tenant_id!r}")
        delay = min(MAX_BACKOFF_SECONDS, 0.005 * 2**conflicts)
        time.sleep(random.uniform(0, delay))  # noqa: S311 - jitter, not a secret
    return chained
