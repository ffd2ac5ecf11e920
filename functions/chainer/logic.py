"""The audit chainer: table-stream records of new waiting events -> ``audit.chain_pending``.

A family's album view or download is written as ONE ``PENDING#`` item under ``AUDIT#<t>``
(``pellicule.store.audit.record``); the event source mapping hands this function the INSERTs
of such items (``topology.AUDIT_CHAIN_STREAM``: a window of seconds, large batches), and it
chains the waiting events of every centre named in the batch, so a view is tamper-evident
seconds after it was recorded instead of at the next daily purge.

Every record is checked again here (the filters only save invocations): an INSERT whose
partition key is ``AUDIT#<t>`` with a valid tenant id and whose sort key starts with
``PENDING#``. The records themselves are only a signal: ``chain_pending`` reads what waits
(consistent reads), so one call per centre chains every record of that centre in the batch,
and those written since.

Failures: each centre is chained on its own; when one fails, the others still are, and the
answer names, as the batch item failure, the centre's earliest record in the batch (the
lowest of them when several fail). Lambda checkpoints before it and delivers the rest again:
every centre whose records all come before it was chained, and chaining again what follows is
harmless (``chain_pending`` is idempotent: an event leaves the waiting set in the transaction
that chains it). Nothing is lost meanwhile: a waiting event stays in the table until it is
chained, by this function, the daily purge or a director's reading of the log.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pellicule.domain import audit_chain
from pellicule.services import audit
from pellicule.store import data
from pellicule.store.keys import AUDIT, AUDIT_PENDING


def _string(image: dict[str, Any], name: str) -> str | None:
    value = image.get(name, {})
    return value.get("S") if isinstance(value, dict) else None


def tenant_of(record: dict[str, Any]) -> str | None:
    """The centre whose waiting event ``record`` announces (``None``: not such a record)."""
    if record.get("eventName") != "INSERT":
        return None
    keys = (record.get("dynamodb") or {}).get("Keys") or {}
    pk, sk = _string(keys, "pk") or "", _string(keys, "sk") or ""
    if not pk.startswith(AUDIT) or not sk.startswith(AUDIT_PENDING):
        return None
    tenant_id = pk[len(AUDIT) :]
    try:
        audit_chain.validate_tenant_id(tenant_id)
    except audit.AuditError:
        return None
    return tenant_id


def _sequence(record: dict[str, Any]) -> str | None:
    sequence = (record.get("dynamodb") or {}).get("SequenceNumber")
    return sequence if isinstance(sequence, str) else None


def first_records(event: dict[str, Any]) -> dict[str, str]:
    """Each centre named in the batch -> the sequence number of its first record (batch
    order is stream order)."""
    first: dict[str, str] = {}
    for record in records(event):
        tenant_id = tenant_of(record)
        sequence = _sequence(record)
        if tenant_id is not None and sequence is not None:
            first.setdefault(tenant_id, sequence)
    return first


def records(event: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield from event.get("Records") or []


def handle(event: dict[str, Any]) -> dict[str, Any]:
    """Chain the waiting events of every centre in the batch; report the earliest record of
    any centre that failed (stream semantics: Lambda retries from it)."""
    from pellicule.config.observability import logger

    log = logger("chainer")
    failed: list[str] = []
    centres = first_records(event)
    if centres:
        data.ready()  # the audit store leaves binding the models to its callers
    for tenant_id, sequence in centres.items():
        try:
            chained = audit.chain_pending(tenant_id)
        except Exception:
            log.exception("chaining failed", extra={"tenant": tenant_id, "sequence": sequence})
            failed.append(sequence)
            continue
        if chained:
            log.info("waiting events chained", extra={"tenant": tenant_id, "chained": chained})
    # Stream batches are ordered and Lambda checkpoints at the lowest failed sequence number:
    # report that one (sequence numbers are decimal strings, compared as numbers).
    if failed:
        return {"batchItemFailures": [{"itemIdentifier": min(failed, key=int)}]}
    return {"batchItemFailures": []}
