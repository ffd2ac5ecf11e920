"""Append-only, hash-chained audit log of a centre (format and choices: docs/audit.md).

Entries hold pseudonymous ids only (``staff:<id>``, ``media:<id>``, ...): never a name, an
e-mail address or a token. Each entry's hash covers the previous entry's hash, so editing,
removing or reordering an entry is detected by ``verify``. The head item (sk ``HEAD``) and the
new entry are written in one DynamoDB transaction conditioned on the head, so concurrent appends
never fork the chain or reuse a sequence number.

The use cases: :func:`append` (the store's: a store commits its own writes with their audit
entry), :func:`record` (views and downloads: one uncontended put, chained later in batches by
:func:`chain_pending`, the store's too), :func:`verify`, :func:`export` and :func:`has_log`.
The rules (hashing, what may be written, the verify walk) are
``pellicule.domain.audit_chain``'s; the items and the append transaction are
``pellicule.store.audit``'s. Both are re-exported here for the callers.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any, Literal

from pellicule.config import clock
from pellicule.domain import audit_chain
from pellicule.domain.audit_chain import (
    ACTIONS,
    CONSENT_ACTIONS,
    GENESIS_HASH,
    MAX_DETAIL_LENGTH,
    MAX_DETAILS,
    PLATFORM_CHAIN,
    RETENTION_SECONDS,
    AuditError,
    VerifyReport,
    canonical_json,
    compute_hash,
    iso_utc,
    looks_like_email,
    validate,
)
from pellicule.store import audit as store
from pellicule.store.audit import (
    MAX_ATTEMPTS,
    MAX_BACKOFF_SECONDS,
    AuditConflictError,
    Companion,
    CompanionConflictError,
    append,
    chain_pending,
    record,
)
from pellicule.store.keys import AUDIT_HEAD as HEAD_SK
from pellicule.store.keys import AUDIT_SEQ_WIDTH as SEQ_WIDTH
from pellicule.store.keys import audit_pk
from pellicule.store.keys import audit_sk as seq_sk

__all__ = [
    "ACTIONS",
    "CONSENT_ACTIONS",
    "EXPORT_FIELDS",
    "GENESIS_HASH",
    "HEAD_SK",
    "MAX_ATTEMPTS",
    "MAX_BACKOFF_SECONDS",
    "MAX_DETAILS",
    "MAX_DETAIL_LENGTH",
    "PLATFORM_CHAIN",
    "RETENTION_SECONDS",
    "SEQ_WIDTH",
    "AuditConflictError",
    "AuditError",
    "Companion",
    "CompanionConflictError",
    "VerifyReport",
    "append",
    "audit_pk",
    "canonical_json",
    "chain_pending",
    "compute_hash",
    "export",
    "export_rows",
    "has_log",
    "iso_utc",
    "looks_like_email",
    "record",
    "seq_sk",
    "validate",
    "verify",
]


def has_log(tenant_id: str) -> bool:
    """Whether the tenant has a chain (a head, or at least one entry left)."""
    if store.head(tenant_id) is not None:
        return True
    if next(iter(store.records(tenant_id)), None) is not None:
        return True
    return next(iter(store.pending(tenant_id)), None) is not None


def verify(tenant_id: str, now: float | None = None) -> VerifyReport:
    """Walk the tenant's chain in order and report the first inconsistency, if any
    (the rules: ``pellicule.domain.audit_chain.verify``; ``now`` defaults to the clock)."""
    now_s = clock.now() if now is None else now
    head = store.head(tenant_id)
    report = audit_chain.verify(tenant_id, head, store.entries(tenant_id), now_s)
    if not report.ok and report.first_broken_seq is not None:
        return report
    # Views and downloads not chained yet: each must be well-formed and unaltered.
    waiting = 0
    for event in store.pending(tenant_id):
        problem = audit_chain.pending_problem(tenant_id, event)
        if problem is not None:
            return VerifyReport(
                False, report.checked, None, problem, pending=waiting, broken_event=event.key
            )
        waiting += 1
    if not report.ok and waiting == 0:
        return report  # nothing at all for this tenant
    return VerifyReport(True, report.checked, pending=waiting)


# --- Export --------------------------------------------------------------------------------

EXPORT_FIELDS = ("seq", "time", "action", "actor", "subject", "details", "prev_hash", "hash")


def export_rows(tenant_id: str) -> list[dict[str, Any]]:
    return [
        {
            "seq": int(entry.seq),
            "time": iso_utc(int(entry.at)),
            "action": entry.action,
            "actor": entry.actor,
            "subject": entry.subject,
            "details": store.details_of(entry),
            "prev_hash": entry.prev_hash,
            "hash": entry.hash,
        }
        for entry in store.records(tenant_id)
    ]


def export(tenant_id: str, fmt: Literal["json", "csv"] = "json") -> str:
    """Every surviving entry in order, as a JSON array or a CSV file (details JSON-encoded)."""
    rows = export_rows(tenant_id)
    if fmt == "json":
        return json.dumps(rows, ensure_ascii=False, indent=2) + "\n"
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=EXPORT_FIELDS, lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow(
                {**row, "details": json.dumps(row["details"], sort_keys=True, ensure_ascii=False)}
            )
        return buffer.getvalue()
    raise ValueError(f"unknown export format {fmt!r} (json or csv)")
