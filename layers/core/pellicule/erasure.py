"""Erasure requests: a guardian (or the director on their behalf) asks that every image of a
child and the child's data be erased (GDPR art. 17).

This module records the request - one open request per child, with its audit entry in the
same transaction - and answers what is pending; carrying it out within 24 hours (remove or
re-render the items with the child blurred, delete the data, then the consent evidence after
the proof period, and a deletion certificate) is the retention work's (docs/erasure.md).
"""

from __future__ import annotations

from typing import Any

from pynamodb.exceptions import DoesNotExist

from pellicule import audit, clock, data
from pellicule.models import ErasureRequest, tenant_pk

DEADLINE_SECONDS = 24 * 3600
REQUESTED = "requested"


def _sk(child_id: str) -> str:
    return f"ERASURE#{child_id}"


def current(tenant_id: str, child_id: str) -> ErasureRequest | None:
    data.ready()
    try:
        return ErasureRequest.get(tenant_pk(tenant_id), _sk(child_id), consistent_read=True)
    except DoesNotExist:
        return None


def describe(found: ErasureRequest | None) -> dict[str, Any] | None:
    if found is None:
        return None
    return {
        "child_id": found.child_id,
        "status": found.status,
        "requested_at": int(found.requested_at),
        "due_by": int(found.due_by),
        "requested_by": found.requested_by.split(":", 1)[0],  # guardian | staff
    }


def request(
    tenant_id: str, child_id: str, actor: str, *, at: float | None = None
) -> tuple[ErasureRequest, bool]:
    """Record a request (``created`` False: one was already open, it is returned as is)."""
    existing = current(tenant_id, child_id)
    if existing is not None and existing.status == REQUESTED:
        return existing, False
    now = int(clock.now() if at is None else at)
    item = ErasureRequest(
        tenant_pk(tenant_id),
        _sk(child_id),
        tenant_id=tenant_id,
        child_id=child_id,
        status=REQUESTED,
        requested_by=actor,
        requested_at=now,
        due_by=now + DEADLINE_SECONDS,
    )
    condition = ErasureRequest.sk.does_not_exist() | (ErasureRequest.status != REQUESTED)
    try:
        audit.append(
            tenant_id,
            "erasure_requested",
            actor,
            f"child:{child_id}",
            {"due_by": now + DEADLINE_SECONDS},
            at=now,
            companions=(audit.Companion(item, condition),),
        )
    except audit.CompanionConflictError:
        found = current(tenant_id, child_id)  # a concurrent request won: that one stands
        if found is None:
            raise
        return found, False
    return item, True


def pending(tenant_id: str) -> list[dict[str, Any]]:
    """Open requests of a centre, the most urgent first."""
    data.ready()
    found = [
        describe(item)
        for item in ErasureRequest.query(
            tenant_pk(tenant_id), ErasureRequest.sk.startswith("ERASURE#")
        )
        if item.status == REQUESTED
    ]
    return sorted((f for f in found if f), key=lambda f: (int(f["due_by"]), str(f["child_id"])))
