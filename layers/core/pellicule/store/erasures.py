"""The erasure requests store: ``ERASURE#<child>`` items (docs/erasure.md); what carrying one
out reads of the child's guardians is the roster's (``pellicule.store.roster``). Key formats:
``pellicule.store.keys``.

Each request is also in the erasure index (gsi1 ``ERASURES`` / ``<time:012d>#<tenant>#<child>``,
``keys.erasure_gsi_sk``): the time from which the purge must look at it - when it was asked
while it is open or its certificate is not mailed yet, then the end of its proof period. The
hourly run reads that index up to now (:func:`due_centres`) instead of listing every centre;
the request leaves it with its item, once its evidence is deleted.

Writes that land with an audit entry are :class:`audit.Companion` (``audit.append``); those
that land with a purge run's counts are :data:`writes.Update` (``writes.transact``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from pynamodb.exceptions import DoesNotExist

from pellicule.domain.erasure import DEADLINE_SECONDS, DONE, REQUESTED
from pellicule.store import audit, data, keys, writes
from pellicule.store.models import ErasureRequest

# The item type callers hold.
RequestRecord = ErasureRequest


def current(tenant_id: str, child_id: str) -> ErasureRequest | None:
    """The child's request (open or done; consistent read), ``None`` if there is none."""
    try:
        return ErasureRequest.get(
            keys.tenant_pk(tenant_id), keys.erasure_sk(child_id), consistent_read=True
        )
    except DoesNotExist:
        return None


def of_centre(tenant_id: str) -> Iterator[ErasureRequest]:
    """Every request of a centre, open or done."""
    return ErasureRequest.query(
        keys.tenant_pk(tenant_id), ErasureRequest.sk.startswith(keys.ERASURE)
    )


def ref(tenant_id: str, child_id: str) -> ErasureRequest:
    """A request by its key only (to delete it in a transaction)."""
    return ErasureRequest(keys.tenant_pk(tenant_id), keys.erasure_sk(child_id))


def reloaded(record: ErasureRequest) -> ErasureRequest:
    """``record`` read again, consistently (after a write)."""
    record.refresh(consistent_read=True)
    return record


# --- The erasure index ----------------------------------------------------------------------


def due_centres(now: float) -> list[str]:
    """The centres with a request the purge must look at by ``now`` (open, its certificate
    not mailed, or its proof period over), sorted: one query of the erasure index, reading
    those requests' index entries only (keys only)."""
    data.ready()
    bound = keys.erasure_gsi_sk_bound(int(now) + 1)
    found = ErasureRequest.by_gsi1.query(
        keys.ERASURES_GSI,
        ErasureRequest.gsi1sk < bound,
        attributes_to_get=["pk", "sk", "gsi1pk", "gsi1sk"],
    )
    return sorted({keys.erasure_gsi_tenant(entry.gsi1sk) for entry in found})


def indexed(record: ErasureRequest) -> bool:
    """Whether the request is in the erasure index (requests written before it was are not)."""
    return record.gsi1pk is not None


def index(record: ErasureRequest) -> None:
    """Put a request written before the index existed into it (the one-off backfill,
    ``pellicule_ops.tenants.index_all``): at once while it is open or its certificate is not
    mailed, else at the end of its proof period."""
    mailed = record.status == DONE and record.certificate_sent_at is not None
    at = int(record.evidence_until or 0) if mailed else int(record.requested_at)
    record.update(
        actions=[
            ErasureRequest.gsi1pk.set(keys.ERASURES_GSI),
            ErasureRequest.gsi1sk.set(keys.erasure_gsi_sk(at, record.tenant_id, record.child_id)),
        ]
    )


# --- Asking, choosing -----------------------------------------------------------------------


def opened(
    tenant_id: str, child_id: str, actor: str, *, at: int, mode: str | None
) -> tuple[ErasureRequest, audit.Companion]:
    """A new open request (due ``DEADLINE_SECONDS`` after ``at``), in the erasure index from
    ``at``; saved with its audit entry on condition that the child has no open one."""
    item = ErasureRequest(
        keys.tenant_pk(tenant_id),
        keys.erasure_sk(child_id),
        tenant_id=tenant_id,
        child_id=child_id,
        status=REQUESTED,
        requested_by=actor,
        requested_at=at,
        due_by=at + DEADLINE_SECONDS,
        mode=mode,
        mode_chosen_by=actor if mode else None,
        gsi1pk=keys.ERASURES_GSI,
        gsi1sk=keys.erasure_gsi_sk(at, tenant_id, child_id),
    )
    condition = ErasureRequest.sk.does_not_exist() | (ErasureRequest.status != REQUESTED)
    return item, audit.Companion(item, condition)


def mode_chosen(record: ErasureRequest, mode: str, actor: str) -> audit.Companion:
    """The director's choice for an open request, with its audit entry, on condition that it
    is still open."""
    return audit.Companion(
        record,
        ErasureRequest.status == REQUESTED,
        op="update",
        actions=(
            ErasureRequest.mode.set(mode),
            ErasureRequest.mode_chosen_by.set(actor),
        ),
    )


# --- Carrying it out (the purge) ------------------------------------------------------------


def item_blurred(record: ErasureRequest) -> writes.Update:
    """Count one item kept blurred (in the transaction that blurs it out)."""
    return (record, [ErasureRequest.blurred_items.add(1)])


def item_removed(record: ErasureRequest) -> writes.Update:
    """Count one item removed (in the transaction that deletes it)."""
    return (record, [ErasureRequest.removed_items.add(1)])


def child_forgotten(
    record: ErasureRequest, *, child_label: str, notify: Iterable[str]
) -> writes.Update:
    """Keep whom to tell and the child's label for the certificate e-mail (in the transaction
    that deletes the child)."""
    guardian_ids = set(notify)
    actions = [ErasureRequest.child_label.set(child_label)]
    if guardian_ids:
        actions.append(ErasureRequest.notify_guardian_ids.set(guardian_ids))
    return (record, actions)


def certified(
    record: ErasureRequest, *, mode: str, at: float, certificate: str, evidence_until: int
) -> audit.Companion:
    """The request done (with its certificate, written with the ``erasure`` audit entry) on
    condition that it is still open: exactly once."""
    return audit.Companion(
        record,
        ErasureRequest.status == REQUESTED,
        op="update",
        actions=(
            ErasureRequest.status.set(DONE),
            ErasureRequest.mode.set(mode),
            ErasureRequest.done_at.set(int(at)),
            ErasureRequest.certificate_id.set(certificate),
            ErasureRequest.evidence_until.set(evidence_until),
        ),
    )


def certificate_sent(record: ErasureRequest, *, at: float) -> None:
    """The certificate e-mailed: forget whom to and the child's label; the request waits in
    the erasure index until the end of its proof period (``evidence_until``)."""
    until = int(record.evidence_until or at)
    record.update(
        actions=[
            ErasureRequest.notify_guardian_ids.remove(),
            ErasureRequest.child_label.remove(),
            ErasureRequest.certificate_sent_at.set(int(at)),
            ErasureRequest.gsi1pk.set(keys.ERASURES_GSI),
            ErasureRequest.gsi1sk.set(
                keys.erasure_gsi_sk(until, record.tenant_id, record.child_id)
            ),
        ]
    )
