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
from collections.abc import Callable, Iterable, Iterator
from itertools import islice
from typing import Any, TypeVar

from pellicule.adapters import outbox
from pellicule.config import clock
from pellicule.config.observability import logger
from pellicule.config.settings import get_settings
from pellicule.domain import emails, erasure, home
from pellicule.domain import retention as rules
from pellicule.domain.erasure import DONE, REQUESTED
from pellicule.services import audit, publication, retention
from pellicule.store import consents, erasures, roster
from pellicule.store import media as media_store
from pellicule.store.erasures import RequestRecord as ErasureRequest
from pellicule.store.media import MediaRecord as Media

ACTOR = "system:purge"
PAGE = 100  # tags read (and planned) at a time

_T = TypeVar("_T")


def pages(items: Iterable[_T], size: int) -> Iterator[list[_T]]:
    """``items`` in lists of at most ``size`` (the last one shorter)."""
    iterator = iter(items)
    while page := list(islice(iterator, size)):
        yield page


def state_of(request: ErasureRequest) -> erasure.RequestState:
    """What decides whether a run acts on ``request`` (``erasure.next_action``)."""
    return erasure.RequestState(
        status=request.status,
        due_by=float(request.due_by),
        mode=request.mode,
        certificate_sent_at=_number(request.certificate_sent_at),
        evidence_until=_number(request.evidence_until),
    )


def _number(value: Any) -> float | None:
    return None if value is None else float(value)


def tagged_item(media: Media) -> erasure.TaggedItem:
    """What the erasure plan needs to know of an item."""
    return erasure.TaggedItem(
        media_id=media.media_id,
        kind=media.kind,
        tagged_child_ids=frozenset(media.tagged_child_ids or ()),
        blurred_child_ids=frozenset(media.blurred_child_ids or ()),
        has_blurred_variant=bool(media.blurred),
        blurred_revision=None if media.blurred_revision is None else int(media.blurred_revision),
        blur_revision=int(media.blur_revision or 0),
        has_renditions=bool(media.renditions),
        published=media.state == publication.PUBLISHED,
    )


def _blur_out(
    tenant_id: str,
    media: Media,
    step: erasure.ItemStep,
    request: ErasureRequest,
    tally: retention.Tally,
) -> None:
    """Make the blurred variant the item's only picture (the edge forgets the deleted copies
    within ``topology.MEDIA_EDGE_TTL_SECONDS``: no invalidation)."""
    settings = get_settings()
    blurred = dict(media.blurred.as_dict()) if media.blurred else {}
    keep = [str(info["key"]) for info in blurred.values()]
    served_keys = [
        key
        for entry in publication.served(media).values()
        for key in publication.served_keys(entry)
    ]
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
    # Children hidden by the boxes are no longer identifiable: the plan untags them too.
    tags = [media_store.tag_ref(tenant_id, child, media.media_id) for child in sorted(step.untag)]
    updates: list[retention.Update] = [
        media_store.blurred_out(
            media,
            renditions=blurred,
            keep_tags=step.keep_tags,
            no_identifiable_child=step.no_identifiable_child,
            at=int(clock.now()),
        ),
        erasures.item_blurred(request),
        *tally.pending(erasure_items_blurred=1),
    ]
    retention.transact(tags, updates)
    tally.commit(erasure_items_blurred=1)
    if step.republish:
        # Families get the blurred picture again (new copies; the old ones are gone).
        publication.reconcile(tenant_id, media.media_id, reason="erasure")


def _remove(
    tenant_id: str,
    media: Media,
    step: erasure.ItemStep,
    request: ErasureRequest,
    tally: retention.Tally,
) -> None:
    """Delete the item for good (every object version, the item, its tags)."""
    removed, versions = retention.purge_item(
        tenant_id,
        media,
        [
            erasures.item_removed(request),
            *tally.pending(erasure_items_removed=1),
        ],
        untag=step.untag,
    )
    tally.add(object_versions=versions)
    if removed:
        tally.commit(erasure_items_removed=1)


def _items(
    tenant_id: str,
    request: ErasureRequest,
    now: float,
    tally: retention.Tally,
    check: Callable[[], None],
) -> None:
    """Every item the child is tagged on, by the plan: removed, or kept blurred; stray tags
    of items already gone are dropped."""
    child_id = request.child_id
    for page in pages(media_store.tagged_media_ids(tenant_id, child_id), PAGE):
        found = {media_id: media_store.item(tenant_id, media_id) for media_id in page}
        tagged = {media_id: tagged_item(m) if m else None for media_id, m in found.items()}
        for step in erasure.plan(child_id, request.mode, tagged, now).steps:
            check()
            item = found[step.media_id]
            if item is None:  # erasure.DROP_TAG: a stray tag of an item already gone
                media_store.drop_tag(tenant_id, child_id, step.media_id)
            elif step.action == erasure.BLUR_OUT:
                _blur_out(tenant_id, item, step, request, tally)
            else:
                _remove(tenant_id, item, step, request, tally)


def _forget_child(tenant_id: str, request: ErasureRequest) -> None:
    """Delete the child, its current consent and its guardians' links (one transaction);
    the guardians to notify and the child's label wait on the request for the e-mail."""
    child = consents.child(tenant_id, request.child_id)
    if child is None:
        return  # already done by an earlier, interrupted run
    guardian_ids = set(child.guardian_ids or set())
    guardian_ids |= roster.guardians_linked(tenant_id, request.child_id)
    updates: list[retention.Update] = [
        roster.guardian_unlinked(tenant_id, gid, request.child_id) for gid in sorted(guardian_ids)
    ]
    updates.append(
        erasures.child_forgotten(
            request,
            child_label=_label(child.first_name, child.initial),
            notify=guardian_ids,
        )
    )
    retention.transact(
        [
            roster.child_ref(tenant_id, request.child_id),
            consents.current_ref(tenant_id, request.child_id),
        ],
        updates,
    )


def _certify(tenant_id: str, request: ErasureRequest, now: float) -> None:
    """The audit entry and the request's new state, in one transaction (exactly once)."""
    certificate = secrets.token_hex(8)
    evidence_until = rules.proof_until(now)  # the plan's ``evidence_until``
    erasures.reloaded(request)
    mode = erasure.effective_mode(request.mode)
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
                erasures.certified(
                    request,
                    mode=mode,
                    at=now,
                    certificate=certificate,
                    evidence_until=evidence_until,
                ),
            ),
        )
    except audit.CompanionConflictError:
        return  # another run certified it first


def certificate_message(request: ErasureRequest) -> outbox.Message:
    """The certificate e-mail of a request carried out (``erasure.certificate_email``)."""
    certificate = erasure.Certificate(
        child_label=request.child_label or "",
        certificate_id=request.certificate_id or "",
        done_at=float(request.done_at or 0),
        evidence_until=float(request.evidence_until or 0),
        removed_items=int(request.removed_items or 0),
        blurred_items=int(request.blurred_items or 0),
    )
    rendered = emails.render(erasure.certificate_email(certificate))
    return outbox.Message(rendered.subject, rendered.text, rendered.html)


def _mail_certificate(tenant_id: str, request: ErasureRequest, now: float) -> int:
    """E-mail the certificate to the guardians; then forget whom and the child's label."""
    erasures.reloaded(request)
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
            guardian = roster.guardian(tenant_id, guardian_id)
            if guardian is None:
                continue
            outbox.send(ses, sender, guardian.email, message)
            sent += 1
    erasures.certificate_sent(request, at=now)
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
        _items(tenant_id, request, now, tally, check)
        check()
        _forget_child(tenant_id, request)
        _certify(tenant_id, request, now)
        erasures.reloaded(request)
        if request.status != DONE:
            return
        tally.add(erasures_done=1)
    if request.certificate_sent_at is None:
        tally.add(certificates_mailed=_mail_certificate(tenant_id, request, now))


def delete_evidence(tenant_id: str, request: ErasureRequest, tally: retention.Tally) -> None:
    """After the proof period: the consent history and scanned forms, then the request."""
    history = consents.history_refs(tenant_id, request.child_id)
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
        [erasures.ref(tenant_id, request.child_id)],
        tally.pending(erasure_evidence_deleted=1),
        first_must_exist=True,
    ):
        tally.commit(erasure_evidence_deleted=1)


def _label(first_name: str, initial: str | None) -> str:
    """ "Léa M." for the certificate e-mail: the stored initial keeps its dot ("M.")."""
    return home.child_label(first_name, initial or "")
