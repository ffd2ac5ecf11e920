"""Consents recorded by the director: a child's consent and its history, a signed paper form
with its scan as evidence, a withdrawal made by letter, phone or in person, the scan's
short-lived link, and erasure requests (recorded, listed, what happens to the items)."""

from __future__ import annotations

import contextlib
import hashlib
import secrets
from collections.abc import Iterable, Iterator
from typing import Any

from functions.admin import contract as c
from functions.admin.children import child_view
from functions.admin.common import require_director, staff_ref, unique_ids
from pellicule.adapters import aws
from pellicule.config import clock, topology
from pellicule.config.settings import get_settings
from pellicule.domain.errors import BadRequest, Conflict, NotFound
from pellicule.services import consent, tenant_settings
from pellicule.services.sessions import Principal

SCAN_TYPES = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}
SCAN_MAGIC = {
    "application/pdf": (b"%PDF-",),
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
}
MAX_SCAN_BYTES = c.MAX_SCAN_BYTES


def child_consent(principal: Principal, child_id: str) -> dict[str, Any]:
    require_director(principal)
    child = consent.require_child(principal.tenant_id, child_id)
    return {
        "child": child_view(child, None),
        "consent": consent.describe(consent.current(principal.tenant_id, child_id)),
        "history": consent.history(principal.tenant_id, child_id),
    }


def erasure_requests(principal: Principal) -> dict[str, Any]:
    """Open erasure requests of the centre, the most urgent first (docs/erasure.md)."""
    from pellicule.services import erasure

    require_director(principal)
    return {"requests": erasure.pending(principal.tenant_id)}


def request_erasure(principal: Principal, child_id: str, body: c.ErasureRecord) -> dict[str, Any]:
    """The director records a guardian's erasure request (e.g. made on paper)."""
    from pellicule.services import erasure

    require_director(principal)
    child = consent.require_child(principal.tenant_id, child_id)
    if not body.confirm:
        raise BadRequest("erasure_confirm")
    found, created = erasure.request(
        principal.tenant_id, child.child_id, staff_ref(principal), mode=body.mode
    )
    return {"request": erasure.describe(found), "created": created}


def choose_erasure_mode(
    principal: Principal, child_id: str, body: c.ErasureChoice
) -> dict[str, Any]:
    """The director chooses what happens to the items showing the child: ``{"mode":
    "remove"}`` deletes them, ``{"mode": "blur"}`` keeps those where a face box hides the
    child, re-rendered with the child blurred (docs/erasure.md)."""
    from pellicule.services import erasure

    require_director(principal)
    found = erasure.choose_mode(principal.tenant_id, child_id, body.mode, staff_ref(principal))
    return {"request": erasure.describe(found)}


def _scan_key(tenant_id: str, child_id: str, scan_id: str) -> str:
    return f"{topology.INGEST_EVIDENCE_PREFIX}t/{tenant_id}/c/{child_id}/{scan_id}"


def scan_grant(principal: Principal, child_id: str, body: c.ScanRequest) -> dict[str, Any]:
    """A presigned POST for the scan of a signed consent form (exact key, type and size)."""
    require_director(principal)
    consent.require_child(principal.tenant_id, child_id)
    content_type, size = body.type, body.size  # PDF, JPEG or PNG of 1 byte to 15 MB (type)
    scan_id = f"{secrets.token_urlsafe(16)}.{SCAN_TYPES[content_type]}"
    key = _scan_key(principal.tenant_id, child_id, scan_id)
    post = aws.client("s3").generate_presigned_post(
        Bucket=get_settings().ingest_bucket,
        Key=key,
        Fields={"Content-Type": content_type},
        Conditions=[{"Content-Type": content_type}, ["content-length-range", size, size]],
        ExpiresIn=topology.UPLOAD.grant_expiry_seconds,
    )
    return {"scan_id": scan_id, "url": post["url"], "fields": post["fields"]}


def _take_scan(tenant_id: str, child_id: str, scan_id: str) -> dict[str, Any]:
    """Check the uploaded scan (size, magic bytes) and move it to the evidence bucket."""
    settings = get_settings()
    s3 = aws.client("s3")
    key = _scan_key(tenant_id, child_id, scan_id)
    try:
        obj = s3.get_object(Bucket=settings.ingest_bucket, Key=key)
    except s3.exceptions.ClientError:
        raise BadRequest("consent_scan_not_found") from None
    content_type = str(obj.get("ContentType") or "")
    body = obj["Body"].read(MAX_SCAN_BYTES + 1)
    if (
        content_type not in SCAN_MAGIC
        or len(body) > MAX_SCAN_BYTES
        or not body.startswith(SCAN_MAGIC[content_type])
    ):
        s3.delete_object(Bucket=settings.ingest_bucket, Key=key)
        raise BadRequest("consent_scan_invalid")
    evidence_key = f"{topology.EVIDENCE_PREFIX}{tenant_id}/c/{child_id}/{scan_id}"
    s3.put_object(
        Bucket=settings.evidence_bucket,
        Key=evidence_key,
        Body=body,
        ContentType=content_type,
        ServerSideEncryption="AES256",
    )
    s3.delete_object(Bucket=settings.ingest_bucket, Key=key)
    return {
        "scan_key": evidence_key,
        "scan_sha256": hashlib.sha256(body).hexdigest(),
        "scan_type": content_type,
        "scan_bytes": len(body),
    }


def _signatories(child: Any, ids: Iterable[str]) -> list[str]:
    signed_by = unique_ids(ids)
    unknown = set(signed_by) - set(child.guardian_ids or ())
    if unknown:
        raise BadRequest("consent_signatories_not_guardians")
    return signed_by


def record_paper_consent(
    principal: Principal, child_id: str, body: c.PaperConsent
) -> dict[str, Any]:
    """Record the consent on a signed paper form; its scan is the evidence."""
    require_director(principal)
    child = consent.require_child(principal.tenant_id, child_id)
    if child.archived:
        raise Conflict("child_archived")
    settings = tenant_settings.for_tenant(principal.tenant_id)
    now = clock.now()
    requested = {
        "audiences": list(body.audiences),
        "media_kinds": list(body.media_kinds),
        "valid_from": body.valid_from,
        "valid_until": body.valid_until,
    }
    terms = consent.parse_terms(requested, settings, now)
    signed_by = _signatories(child, body.signed_by)
    if not signed_by:
        raise BadRequest("consent_signatory_missing")
    evidence = {
        "kind": "paper_form",
        "recorded_by": principal.principal_id,
        "signed_by": sorted(signed_by),
        **_take_scan(principal.tenant_id, child_id, body.scan_id),
    }
    with _scan_kept_only_if_recorded(evidence):
        outcome = consent.change(
            principal.tenant_id,
            child,
            actor=staff_ref(principal),
            requested=terms,
            evidence=evidence,
            agreeing=signed_by,
            settings=settings,
            at=now,
        )
    if outcome.action == "unchanged":
        _drop_scan(evidence)  # nothing recorded: the scan proves nothing new
    return outcome.as_dict()


@contextlib.contextmanager
def _scan_kept_only_if_recorded(evidence: dict[str, Any]) -> Iterator[None]:
    """A scan whose consent could not be recorded is not kept (no orphaned evidence)."""
    try:
        yield
    except BaseException:
        _drop_scan(evidence)
        raise


def _drop_scan(evidence: dict[str, Any]) -> None:
    if evidence.get("scan_key"):
        aws.client("s3").delete_object(
            Bucket=get_settings().evidence_bucket, Key=str(evidence["scan_key"])
        )


def record_withdrawal(principal: Principal, child_id: str, body: c.Withdrawal) -> dict[str, Any]:
    """A guardian withdrew by letter, phone or in person: the director records it at once."""
    require_director(principal)
    child = consent.require_child(principal.tenant_id, child_id)
    signed_by = _signatories(child, body.requested_by)
    evidence: dict[str, Any] = {
        "kind": "recorded_by_staff",
        "recorded_by": principal.principal_id,
        "requested_by": sorted(signed_by),
    }
    if body.scan_id is not None:
        evidence.update(_take_scan(principal.tenant_id, child_id, body.scan_id))
    with _scan_kept_only_if_recorded(evidence):
        outcome = consent.change(
            principal.tenant_id,
            child,
            actor=staff_ref(principal),
            requested=None,
            evidence=evidence,
            agreeing=signed_by,
            settings=tenant_settings.for_tenant(principal.tenant_id),
        )
    if outcome.action == "unchanged":
        _drop_scan(evidence)
    return outcome.as_dict()


def evidence_url(principal: Principal, child_id: str) -> dict[str, Any]:
    """A short-lived link to the scan of the consent in force (directors only)."""
    require_director(principal)
    consent.require_child(principal.tenant_id, child_id)
    record = consent.current(principal.tenant_id, child_id)
    key = record.evidence.as_dict().get("scan_key") if record and record.evidence else None
    if not key:
        raise NotFound("consent_no_scan")
    url = aws.client("s3").generate_presigned_url(
        "get_object",
        Params={"Bucket": get_settings().evidence_bucket, "Key": key},
        ExpiresIn=300,
    )
    return {"url": url, "expires_in": 300}
