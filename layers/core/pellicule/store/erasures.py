"""The erasure requests store: ``ERASURE#<child>`` items (docs/erasure.md); what carrying one
out reads of the child's guardians is the roster's (``pellicule.store.roster``). Key formats:
``pellicule.store.keys``."""

from __future__ import annotations

from collections.abc import Iterator

from pynamodb.exceptions import DoesNotExist

from pellicule.store import keys
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
