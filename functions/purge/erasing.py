"""Carrying out erasure requests (GDPR art. 17) within 24 hours (docs/erasure.md).

For each item showing the child: remove it, or - when the director chose "blur" and a face box
already hides the child in a blurred variant rendered from the current boxes - make that
blurred variant the item's only picture (every clean rendition and every copy served from it
is destroyed). Then the child's data goes (child, current consent, tags, guardian links); the
consent evidence (history, scanned forms) stays as proof until ``evidence_until`` and is then
deleted with the request itself. A certificate is recorded in the audit log and e-mailed to
the child's guardians.

Every step can be repeated: an interrupted erasure resumes on the next purge run.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from pynamodb.exceptions import DoesNotExist

from pellicule.adapters import cdn, outbox
from pellicule.config import clock
from pellicule.config.observability import logger
from pellicule.config.settings import get_settings
from pellicule.domain import retention as rules
from pellicule.services import audit, publication, retention
from pellicule.services.erasure import BLUR, REMOVE, REQUESTED
from pellicule.store.models import (
    Child,
    Consent,
    ConsentEvent,
    ErasureRequest,
    Guardian,
    Media,
    MediaTag,
    tenant_pk,
)

DONE = "done"
# Without a choice by then, the deadline wins: the items are removed.
DEFAULT_MODE_BEFORE_DEADLINE_SECONDS = 3 * 3600
ACTOR = "system:purge"


def due(request: ErasureRequest, now: float) -> bool:
    """Whether the purge carries the request out now."""
    if request.status != REQUESTED:
        return False
    return bool(request.mode) or now >= int(request.due_by) - DEFAULT_MODE_BEFORE_DEADLINE_SECONDS


def can_blur(media: Media, child_id: str) -> bool:
    """A photo whose current blurred variant (rendered from today's boxes) hides the child."""
    return (
        media.kind == "photo"
        and child_id in (media.blurred_child_ids or set())
        and bool(media.blurred)
        and media.blurred_revision is not None
        and int(media.blurred_revision) == int(media.blur_revision or 0)
        and bool(media.renditions)
    )


def _blur_out(
    tenant_id: str, media: Media, request: ErasureRequest, tally: retention.Tally
) -> list[str]:
    """Make the blurred variant the item's only picture; returns CDN paths to invalidate."""
    settings = get_settings()
    blurred = dict(media.blurred.as_dict()) if media.blurred else {}
    keep = [str(info["key"]) for info in blurred.values()]
    served_keys = [
        key
        for entry in publication.served(media).values()
        for key in publication.served_keys(entry)
    ]
    paths = retention.cdn_paths(tenant_id, media)
    # Objects first (a crash leaves an item pointing at nothing, never a clean copy served):
    # the served copies, then every version under the item's prefix but the blurred variant.
    retention.delete_keys(settings.media_bucket, served_keys)
    retention.delete_prefix(
        settings.media_bucket,
        retention.media_prefix(tenant_id, media.media_id),
        keep_current=keep,
    )
    if media.ingest_key:
        retention.delete_keys(settings.ingest_bucket, [media.ingest_key])
    # Children hidden by the boxes are no longer identifiable: they are untagged too.
    untag = {request.child_id} | set(media.blurred_child_ids or set())
    remaining = set(media.tagged_child_ids or set()) - untag
    pk = tenant_pk(tenant_id)
    actions: list[Any] = [
        Media.renditions.set(blurred),
        Media.blurred.remove(),
        Media.blurred_revision.remove(),
        Media.face_boxes.remove(),
        Media.blurred_child_ids.remove(),
        Media.tagged_child_ids.set(remaining) if remaining else Media.tagged_child_ids.remove(),
        Media.no_identifiable_child.set(not remaining),
        Media.served.remove(),
        Media.blur_revision.set(int(media.blur_revision or 0) + 1),
        Media.version.set(int(media.version or 0) + 1),
        Media.updated_at.set(int(clock.now())),
    ]
    tags = [
        MediaTag(pk, f"TAG#{child}#{media.media_id}")
        for child in sorted(untag & set(media.tagged_child_ids or set()))
    ]
    updates: list[retention.Update] = [
        (media, actions),
        (request, [ErasureRequest.blurred_items.add(1)]),
        *tally.pending(erasure_items_blurred=1),
    ]
    retention.transact(tags, updates)
    tally.commit(erasure_items_blurred=1)
    if media.state == publication.PUBLISHED:
        # Families get the blurred picture again (new copies; the old ones are gone).
        publication.reconcile(tenant_id, media.media_id, reason="erasure")
    return paths


def _items(
    tenant_id: str, request: ErasureRequest, tally: retention.Tally, check: Callable[[], None]
) -> None:
    pk = tenant_pk(tenant_id)
    mode = request.mode or REMOVE
    paths: list[str] = []
    for tag in MediaTag.query(pk, MediaTag.sk.startswith(f"TAG#{request.child_id}#")):
        check()
        try:
            media = Media.get(pk, f"MEDIA#{tag.media_id}", consistent_read=True)
        except DoesNotExist:
            tag.delete()  # a stray tag of an item already gone
            continue
        if mode == BLUR and can_blur(media, request.child_id):
            paths += _blur_out(tenant_id, media, request, tally)
        else:
            removed, versions, item_paths = retention.purge_item(
                tenant_id,
                media,
                [
                    (request, [ErasureRequest.removed_items.add(1)]),
                    *tally.pending(erasure_items_removed=1),
                ],
            )
            paths += item_paths
            tally.add(object_versions=versions)
            if removed:
                tally.commit(erasure_items_removed=1)
        if len(paths) > 500:
            cdn.invalidate(paths)
            paths = []
    cdn.invalidate(paths)


def _forget_child(tenant_id: str, request: ErasureRequest) -> None:
    """Delete the child, its current consent and its guardians' links (one transaction);
    the guardians to notify and the child's label wait on the request for the e-mail."""
    pk = tenant_pk(tenant_id)
    try:
        child = Child.get(pk, f"CHILD#{request.child_id}", consistent_read=True)
    except DoesNotExist:
        return  # already done by an earlier, interrupted run
    guardian_ids = set(child.guardian_ids or set())
    for guardian in Guardian.query(pk, Guardian.sk.startswith("GUARDIAN#")):
        if request.child_id in (guardian.child_ids or set()):
            guardian_ids.add(guardian.guardian_id)
    updates: list[retention.Update] = [
        (Guardian(pk, f"GUARDIAN#{gid}"), [Guardian.child_ids.delete({request.child_id})])
        for gid in sorted(guardian_ids)
    ]
    request_actions: list[Any] = [
        ErasureRequest.child_label.set(f"{child.first_name} {child.initial}.".strip())
    ]
    if guardian_ids:
        request_actions.append(ErasureRequest.notify_guardian_ids.set(guardian_ids))
    updates.append((request, request_actions))
    retention.transact(
        [Child(pk, f"CHILD#{request.child_id}"), Consent(pk, f"CONSENT#{request.child_id}")],
        updates,
    )


def _certify(tenant_id: str, request: ErasureRequest, now: float) -> None:
    """The audit entry and the request's new state, in one transaction (exactly once)."""
    certificate = secrets.token_hex(8)
    evidence_until = rules.proof_until(now)
    request.refresh(consistent_read=True)
    mode = request.mode or REMOVE
    try:
        audit.append(
            tenant_id,
            "erasure",
            ACTOR,
            f"child:{request.child_id}",
            {
                "certificate": certificate,
                "mode": mode,
                "removed_items": int(request.removed_items or 0),
                "blurred_items": int(request.blurred_items or 0),
                "evidence_until": evidence_until,
            },
            at=now,
            companions=(
                audit.Companion(
                    request,
                    ErasureRequest.status == REQUESTED,
                    op="update",
                    actions=(
                        ErasureRequest.status.set(DONE),
                        ErasureRequest.mode.set(mode),
                        ErasureRequest.done_at.set(int(now)),
                        ErasureRequest.certificate_id.set(certificate),
                        ErasureRequest.evidence_until.set(evidence_until),
                    ),
                ),
            ),
        )
    except audit.CompanionConflictError:
        return  # another run certified it first


def _day(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, tz=UTC).strftime("%d/%m/%Y")


def certificate_message(request: ErasureRequest) -> outbox.Message:
    label = request.child_label or ""
    removed = int(request.removed_items or 0)
    blurred = int(request.blurred_items or 0)
    done = _day(float(request.done_at or 0))
    until = _day(float(request.evidence_until or 0))
    certificate = request.certificate_id or ""
    text = (
        f"Bonjour,\n\n"
        f"Votre demande d'effacement concernant {label} a été exécutée le {done} "
        f"(certificat n° {certificate}).\n"
        f"- Photos et vidéos supprimées : {removed}\n"
        f"- Photos conservées avec l'enfant flouté de façon irréversible : {blurred}\n"
        f"- Fiche de l'enfant, consentement en cours et identifications : supprimés\n"
        f"La preuve des consentements donnés (historique, formulaire signé) est conservée "
        f"jusqu'au {until} (prescription civile), puis supprimée.\n\n"
        f"---\n\n"
        f"Hello,\n\n"
        f"Your erasure request for {label} was carried out on {done} "
        f"(certificate no. {certificate}).\n"
        f"- Photos and videos deleted: {removed}\n"
        f"- Photos kept with the child irreversibly blurred: {blurred}\n"
        f"- The child's record, current consent and tags: deleted\n"
        f"The proof of the consents given (history, signed form) is kept until {until} "
        f"(civil limitation period), then deleted.\n"
    )
    html = "".join(
        f"<p>{_escape(paragraph)}</p>".replace("\n", "<br>") for paragraph in text.split("\n\n")
    )
    return outbox.Message(
        subject="Certificat d'effacement / Erasure certificate", text=text, html=html
    )


def _escape(value: str) -> str:
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _mail_certificate(tenant_id: str, request: ErasureRequest, now: float) -> int:
    """E-mail the certificate to the guardians; then forget whom and the child's label."""
    request.refresh(consistent_read=True)
    pk = tenant_pk(tenant_id)
    sender = get_settings().mail_from
    sent = 0
    recipients = sorted(request.notify_guardian_ids or set())
    if recipients and not sender:
        logger("purge").warning(
            "no sender configured: erasure certificate not e-mailed",
            extra={"tenant": tenant_id, "certificate": request.certificate_id},
        )
    elif recipients:
        message = certificate_message(request)
        ses = outbox.client()
        for guardian_id in recipients:
            try:
                guardian = Guardian.get(pk, f"GUARDIAN#{guardian_id}")
            except DoesNotExist:
                continue
            outbox.send(ses, sender, guardian.email, message)
            sent += 1
    request.update(
        actions=[
            ErasureRequest.notify_guardian_ids.remove(),
            ErasureRequest.child_label.remove(),
            ErasureRequest.certificate_sent_at.set(int(now)),
        ]
    )
    return sent


def carry_out(
    tenant_id: str,
    request: ErasureRequest,
    now: float,
    tally: retention.Tally,
    check: Callable[[], None],
) -> None:
    """Erase one child (resumable: each step is safe to repeat)."""
    if request.status == REQUESTED:
        _items(tenant_id, request, tally, check)
        check()
        _forget_child(tenant_id, request)
        _certify(tenant_id, request, now)
        request.refresh(consistent_read=True)
        if request.status != DONE:
            return
        tally.add(erasures_done=1)
    if request.certificate_sent_at is None:
        tally.add(certificates_mailed=_mail_certificate(tenant_id, request, now))


def delete_evidence(tenant_id: str, request: ErasureRequest, tally: retention.Tally) -> None:
    """After the proof period: the consent history and scanned forms, then the request."""
    pk = tenant_pk(tenant_id)
    history = [
        ConsentEvent(pk, event.sk)
        for event in ConsentEvent.query(
            pk, ConsentEvent.sk.startswith(f"CONSENTLOG#{request.child_id}#")
        )
    ]
    for start in range(0, len(history), 90):
        batch = history[start : start + 90]
        retention.transact(batch, tally.pending(consent_records_deleted=len(batch)))
        tally.commit(consent_records_deleted=len(batch))
    settings = get_settings()
    if settings.evidence_bucket:
        scans = retention.delete_prefix(
            settings.evidence_bucket, f"t/{tenant_id}/c/{request.child_id}/"
        )
        tally.add(object_versions=scans)
    if retention.transact(
        [ErasureRequest(pk, request.sk)],
        tally.pending(erasure_evidence_deleted=1),
        first_must_exist=True,
    ):
        tally.commit(erasure_evidence_deleted=1)
