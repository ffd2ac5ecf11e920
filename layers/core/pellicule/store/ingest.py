"""The ingest claims store: the idempotency claim of one version of one quarantined object
(``pellicule.services.ingest``), so that duplicate and replayed events produce one set of
outputs. A claim is a lease: taken while an object is processed, released for a retry when
processing fails, marked done when it ends. Key formats: ``pellicule.store.keys``.
"""

from __future__ import annotations

from pynamodb.exceptions import PutError

from pellicule.store import data, keys
from pellicule.store.models import IngestClaim

# The item type callers hold (they change it only through this module).
ClaimRecord = IngestClaim

PROCESSING = "processing"
DONE = "done"


def claim(
    bucket: str, key: str, version: str, *, now: int, lease_seconds: int, keep_seconds: int
) -> IngestClaim | None:
    """Take the processing lease of this object version for ``lease_seconds``: ``None`` if it
    is done, or another delivery holds an unexpired lease. The claim is kept ``keep_seconds``
    (duplicates arrive within days)."""
    data.ready()
    record = IngestClaim(
        keys.ingest_pk(bucket, key, version),
        keys.INGEST_CLAIM,
        status=PROCESSING,
        lease_until=now + lease_seconds,
        expires_at=now + keep_seconds,
    )
    try:
        record.save(
            condition=IngestClaim.pk.does_not_exist()
            | ((IngestClaim.status == PROCESSING) & (IngestClaim.lease_until < now))
        )
    except PutError as error:
        if error.cause_response_code == "ConditionalCheckFailedException":
            return None
        raise
    return record


def release(record: IngestClaim) -> None:
    """Give the lease back (processing failed: the next delivery retries)."""
    record.delete()


def finish(record: IngestClaim) -> None:
    """The object is handled: later deliveries of it are skipped."""
    record.update(actions=[IngestClaim.status.set(DONE)])
