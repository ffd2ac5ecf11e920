"""Erasure requests: a guardian (or the director on their behalf) asks that every image of a
child and the child's data be erased (GDPR art. 17).

This module records the request - one open request per child, with its audit entry in the
same transaction - and the director's choice of what happens to the items (remove them, or
keep them with the child blurred), and answers what is pending. The purge function carries it
out within 24 hours (``functions/purge/erasing.py``, by the plan of ``pellicule.domain.erasure``;
docs/erasure.md).
"""

from __future__ import annotations

from typing import Any

from pellicule.config import clock
from pellicule.domain.erasure import DEADLINE_SECONDS, MODES, REQUESTED
from pellicule.domain.errors import BadRequest, Conflict, NotFound
from pellicule.services import audit
from pellicule.store import data, erasures
from pellicule.store.erasures import RequestRecord as ErasureRequest


def current(tenant_id: str, child_id: str) -> ErasureRequest | None:
    data.ready()
    return erasures.current(tenant_id, child_id)


def describe(found: ErasureRequest | None) -> dict[str, Any] | None:
    if found is None:
        return None
    return {
        "child_id": found.child_id,
        "status": found.status,
        "requested_at": int(found.requested_at),
        "due_by": int(found.due_by),
        "requested_by": found.requested_by.split(":", 1)[0],  # guardian | staff
        "mode": found.mode,
        "done_at": int(found.done_at) if found.done_at is not None else None,
        "certificate_id": found.certificate_id,
        "removed_items": int(found.removed_items) if found.removed_items is not None else None,
        "blurred_items": int(found.blurred_items) if found.blurred_items is not None else None,
    }


def _mode(value: Any) -> str:
    if value not in MODES:
        raise BadRequest("erasure_mode_unknown")
    return str(value)


def choose_mode(tenant_id: str, child_id: str, mode: Any, actor: str) -> ErasureRequest:
    """The director's choice for an open request (audited); ``NotFound`` if none is open."""
    chosen = _mode(mode)
    found = current(tenant_id, child_id)
    if found is None or found.status != REQUESTED:
        raise NotFound("erasure_not_open")
    try:
        audit.append(
            tenant_id,
            "erasure_requested",
            actor,
            f"child:{child_id}",
            {"mode": chosen},
            companions=(erasures.mode_chosen(found, chosen, actor),),
        )
    except audit.CompanionConflictError as error:
        raise Conflict("erasure_just_done") from error
    return erasures.reloaded(found)


def request(
    tenant_id: str,
    child_id: str,
    actor: str,
    *,
    at: float | None = None,
    mode: Any = None,
) -> tuple[ErasureRequest, bool]:
    """Record a request (``created`` False: one was already open, it is returned as is).
    ``mode``: the director's choice when they record it themselves (else chosen later)."""
    chosen = _mode(mode) if mode is not None else None
    existing = current(tenant_id, child_id)
    if existing is not None and existing.status == REQUESTED:
        return existing, False
    now = int(clock.now() if at is None else at)
    item, opened = erasures.opened(tenant_id, child_id, actor, at=now, mode=chosen)
    try:
        audit.append(
            tenant_id,
            "erasure_requested",
            actor,
            f"child:{child_id}",
            {"due_by": now + DEADLINE_SECONDS, **({"mode": chosen} if chosen else {})},
            at=now,
            companions=(opened,),
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
    found = [describe(item) for item in erasures.of_centre(tenant_id) if item.status == REQUESTED]
    return sorted((f for f in found if f), key=lambda f: (int(f["due_by"]), str(f["child_id"])))
