"""Revocation propagation: table-stream records -> the items whose served copies must change.

Two kinds of records matter (the event source mapping filters on them; this module checks
again, so a record that slips through does nothing):

- a new consent-history entry (``CONSENTLOG#<child>#<version>``): every item tagged with that
  child is reconciled (a restriction removes served copies; a widening adds them);
- a change to an item that is or was published and alters what the gate decides or what is
  served (state, tags, "no identifiable child", blurred children, audiences, rendition or
  blurred keys), or a read path's request (``stale_at``). Changes made by reconciliation
  itself (the ``served`` map) are ignored, so it never feeds itself.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from pellicule.services import publication
from pellicule.store import media
from pellicule.store.keys import CONSENT_LOG, MEDIA

# Attributes whose change on a published item can change the gate's answer.
GATE_ATTRIBUTES = (
    "state",
    "tagged_child_ids",
    "no_identifiable_child",
    "blurred_child_ids",
    "published_audiences",
    "renditions",
    "blurred",
    "stale_at",
)


@dataclass(frozen=True)
class Work:
    tenant_id: str
    media_ids: tuple[str, ...]
    reason: str


def _string(image: dict[str, Any], name: str) -> str | None:
    value = image.get(name, {})
    return value.get("S") if isinstance(value, dict) else None


def _comparable(image: dict[str, Any], name: str) -> Any:
    value = image.get(name)
    if isinstance(value, dict) and "SS" in value:
        return sorted(value["SS"])
    return value


def work_for(record: dict[str, Any]) -> Work | None:
    """What one stream record asks for (``None``: nothing)."""
    change = record.get("dynamodb") or {}
    keys = change.get("Keys") or {}
    sk = _string(keys, "sk") or ""
    new = change.get("NewImage") or {}
    old = change.get("OldImage") or {}
    if record.get("eventName") == "INSERT" and sk.startswith(CONSENT_LOG):
        tenant_id, child_id = _string(new, "tenant_id"), _string(new, "child_id")
        if not tenant_id or not child_id:
            return None
        return Work(tenant_id, media.child_media_ids(tenant_id, child_id), "consent")
    if record.get("eventName") == "MODIFY" and sk.startswith(MEDIA):
        if publication.PUBLISHED not in (_string(old, "state"), _string(new, "state")):
            return None
        if all(_comparable(old, a) == _comparable(new, a) for a in GATE_ATTRIBUTES):
            return None
        tenant_id, media_id = _string(new, "tenant_id"), _string(new, "media_id")
        if not tenant_id or not media_id:
            return None
        return Work(tenant_id, (media_id,), "publication")
    return None


def records(event: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield from event.get("Records") or []


def handle(event: dict[str, Any]) -> dict[str, Any]:
    """Reconcile what each record asks for; report the first failure (stream semantics)."""
    from pellicule.config.observability import logger

    log = logger("revocation")
    for record in records(event):
        try:
            work = work_for(record)
            if work is None:
                continue
            for media_id in work.media_ids:
                result = publication.reconcile(work.tenant_id, media_id, reason=work.reason)
                if result.outcome != "unchanged":
                    log.info(
                        "served copies reconciled",
                        extra={
                            "tenant": work.tenant_id,
                            "media": media_id,
                            "outcome": result.outcome,
                            "removed": result.removed_keys,
                        },
                    )
        except Exception:
            log.exception("reconciliation failed", extra={"event_id": record.get("eventID")})
            sequence = (record.get("dynamodb") or {}).get("SequenceNumber")
            # Stream batches are ordered: report this record, Lambda retries from it.
            return {"batchItemFailures": [{"itemIdentifier": sequence}]}
    return {"batchItemFailures": []}
