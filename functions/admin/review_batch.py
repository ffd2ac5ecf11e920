"""Approve in bulk (issue 18, item 5): the items waiting for review that pass the publication
gate are approved and published, each by the very rules of a single approval
(:func:`functions.admin.review.publish`: the gate, "tagged or explicitly no identifiable
child", the centre's validation mode), each with its own audit entry. The others stay where
they are and the answer says why, item by item, with a stable code and its words.

Partial success is normal. Sending the same batch again is harmless: an item already published
is answered ``unchanged`` and nothing is written for it."""

from __future__ import annotations

from typing import Any

from functions.admin import contract as c
from functions.admin import review
from functions.admin.common import may_publish, require_staff
from pellicule.config import clock
from pellicule.domain import messages
from pellicule.domain.errors import Conflict, Forbidden, NotFound, PelliculeError
from pellicule.services import tenant_settings
from pellicule.services.sessions import Principal
from pellicule.store import media as media_store

# Time spent on one batch before the items left are answered "not reached" (sent again, they
# go through): well inside the admin function's 15 s (pellicule.config.topology). Measured on
# the local moto stack: 50 items in 23 s (docs/publication-gate.md).
BUDGET_SECONDS = 10.0

APPROVED = "approved"
UNCHANGED = "unchanged"
REFUSED = "refused"


def _refusal(media_id: str, error: PelliculeError) -> dict[str, Any]:
    """A refused item: the catalogue code (programs compare it) and its words (pages show
    them; never the code)."""
    return {
        "media_id": media_id,
        "outcome": REFUSED,
        "reason": error.reason,
        "params": messages.safe_params(error.params),
        "message": error.texts,
        "item": None,
    }


def _one(
    principal: Principal,
    entry: c.BatchItem,
    default: c.Audiences | None,
    settings: tenant_settings.TenantSettings,
) -> dict[str, Any]:
    media = media_store.item_or_404(principal.tenant_id, entry.media_id)
    if media.state == "published":
        # Already approved (this batch sent again, or someone else meanwhile): nothing to do.
        return {
            "media_id": media.media_id,
            "outcome": UNCHANGED,
            "reason": None,
            "params": {},
            "message": None,
            "item": review.media_view(media, clock.now()),
        }
    if media.state != "ready":
        raise Conflict("media_not_awaiting_review")
    audiences = entry.audiences if entry.audiences is not None else default
    view = review.publish(
        principal,
        media.media_id,
        c.Publication(audiences=audiences),
        media=media,
        settings=settings,
    )
    return {
        "media_id": media.media_id,
        "outcome": APPROVED,
        "reason": None,
        "params": {},
        "message": None,
        "item": view,
    }


def approve_batch(principal: Principal, body: c.ApproveBatch) -> dict[str, Any]:
    """Approve every item of ``body`` that passes the gate; an answer per item, in the order
    sent (an id sent twice is answered once)."""
    require_staff(principal)
    settings = tenant_settings.for_tenant(principal.tenant_id)
    if not may_publish(principal, settings):
        raise Forbidden("validation_directors_only")
    seen: set[str] = set()
    results: list[dict[str, Any]] = []
    started = clock.now()
    for entry in body.items:
        if entry.media_id in seen:
            continue
        seen.add(entry.media_id)
        if results and clock.now() - started > BUDGET_SECONDS:
            # Nothing is lost: the item is left as it was, and the page sends it again.
            results.append(_refusal(entry.media_id, Conflict("review_batch_not_reached")))
            continue
        try:
            results.append(_one(principal, entry, body.audiences, settings))
        except (Conflict, NotFound, Forbidden) as error:
            results.append(_refusal(entry.media_id, error))
    return {
        "results": results,
        "approved": sum(1 for r in results if r["outcome"] == APPROVED),
        "unchanged": sum(1 for r in results if r["outcome"] == UNCHANGED),
        "refused": sum(1 for r in results if r["outcome"] == REFUSED),
    }
