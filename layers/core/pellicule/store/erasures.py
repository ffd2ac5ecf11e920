"""The erasure requests store: ``ERASURE#<child>`` items, and what carrying one out reads of
the child's guardians (docs/erasure.md). Key formats: ``pellicule.store.keys``."""

from __future__ import annotations

from collections.abc import Iterator

from pynamodb.exceptions import DoesNotExist

from pellicule.store import keys
from pellicule.store.models import ErasureRequest, Guardian

# The item types callers hold.
RequestRecord = ErasureRequest
GuardianRecord = Guardian


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


def guardian(tenant_id: str, guardian_id: str) -> Guardian | None:
    try:
        return Guardian.get(keys.tenant_pk(tenant_id), keys.guardian_sk(guardian_id))
    except DoesNotExist:
        return None


def guardians_linked(tenant_id: str, child_id: str) -> set[str]:
    """The guardians whose record names the child (the child's own list may miss one)."""
    return {
        found.guardian_id
        for found in Guardian.query(
            keys.tenant_pk(tenant_id), Guardian.sk.startswith(keys.GUARDIAN)
        )
        if child_id in (found.child_ids or set())
    }


def guardian_ref(tenant_id: str, guardian_id: str) -> Guardian:
    """A guardian by its key only (to update it in a transaction)."""
    return Guardian(keys.tenant_pk(tenant_id), keys.guardian_sk(guardian_id))
