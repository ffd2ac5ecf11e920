"""Consent of a child: the use cases (read, describe, change) over the consents store.

The rule itself (restrict at once, widen with every guardian when the centre requires it,
withdraw in one action, a pending widening) is the pure decision of
``pellicule.domain.consent`` (docs/consent.md); the items are read and written by
``pellicule.store.consents``, the only module that touches them. A change loads the child's
current consent, decides, and saves the new current item, one history entry and one audit
entry in ONE transaction conditioned on the version read (nothing half-saved, no lost update).

Time is a parameter (``at``, epoch seconds): the module reads the product clock only in
:func:`change`'s default.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from pellicule.config import clock
from pellicule.domain import consent as rules

# Re-exported: callers parse and build terms through this module.
from pellicule.domain.consent import Terms as Terms
from pellicule.domain.consent import parse_terms as parse_terms
from pellicule.domain.consent import season_end as season_end
from pellicule.domain.errors import BadRequest, Conflict, NotFound
from pellicule.domain.gate import ConsentGrant
from pellicule.services.tenant_settings import TenantSettings
from pellicule.store import consents
from pellicule.store.consents import ChildRecord, ConsentRecord

# --- Reading -------------------------------------------------------------------------------


def current(tenant_id: str, child_id: str, *, consistent: bool = True) -> ConsentRecord | None:
    return consents.current(tenant_id, child_id, consistent=consistent)


def terms_of(record: ConsentRecord | None) -> Terms | None:
    """The terms in force, or ``None`` when nothing is granted (no consent or withdrawn)."""
    return consents.state_of(record).in_force if record is not None else None


def grant_of(record: ConsentRecord) -> ConsentGrant:
    return rules.grant(consents.state_of(record))


def grants(tenant_id: str, child_ids: Iterable[str]) -> dict[str, list[ConsentGrant]]:
    """Effective grants of ``child_ids`` for the publication gate (read on every request)."""
    wanted = sorted(set(child_ids))
    found: dict[str, list[ConsentGrant]] = {child: [] for child in wanted}
    for state in consents.states(tenant_id, wanted):
        if state.child_id in found:
            found[state.child_id].append(rules.grant(state))
    return found


def history(tenant_id: str, child_id: str) -> list[dict[str, Any]]:
    return [
        {
            "version": entry.version,
            "action": entry.action,
            "actor": entry.actor,
            "at": entry.at,
            "restricts": entry.restricts,
            "before": entry.before,
            "after": entry.after,
            "evidence": _public_evidence(entry.evidence),
        }
        for entry in consents.history(tenant_id, child_id)
    ]


def _public_evidence(evidence: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """Evidence as shown through the API: the scan's storage key stays server-side."""
    if evidence is None:
        return None
    return {k: v for k, v in evidence.items() if k != "scan_key"}


def _public_pending(pending: rules.Pending | None) -> dict[str, Any] | None:
    """A pending widening as shown through the API: its evidence without the scan's key."""
    if pending is None:
        return None
    return {**pending.as_dict(), "evidence": _public_evidence(pending.evidence)}


def describe(record: ConsentRecord | None) -> dict[str, Any]:
    """The current consent as the API returns it."""
    if record is None:
        return {"status": "none", "terms": None, "pending": None, "version": 0}
    state = consents.state_of(record)
    return {
        "status": state.status,
        "terms": terms.as_dict() if (terms := state.in_force) else None,
        "pending": _public_pending(state.pending),
        "version": state.version,
        "updated_at": state.updated_at,
        "updated_by": state.updated_by,
        "evidence": _public_evidence(state.evidence),
    }


def require_child(tenant_id: str, child_id: str) -> ChildRecord:
    found = consents.child(tenant_id, child_id)
    if found is None:
        raise NotFound("child_not_found")
    return found


# --- Changing ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    """What a change did: the terms in force after it, and a widening left pending."""

    action: str  # given | widened | narrowed | changed | withdrawn | proposed | unchanged
    applied: bool  # the requested terms are in force
    terms: Terms | None
    pending: dict[str, Any] | None
    version: int
    restricts: bool

    @classmethod
    def of(cls, decision: rules.Decision) -> Outcome:
        pending = _public_pending(decision.pending)
        return cls(
            decision.action,
            decision.applied,
            decision.terms,
            pending,
            decision.version,
            decision.restricts,
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "action": self.action,
            "applied": self.applied,
            "terms": self.terms.as_dict() if self.terms else None,
            "pending": self.pending,
            "version": self.version,
            "awaiting_other_guardian": self.pending is not None and not self.applied,
        }


def household(child: ChildRecord, settings: TenantSettings) -> rules.Household:
    return rules.Household(
        guardians=frozenset(child.guardian_ids or ()),
        two_guardian_widening=settings.two_guardian_widening,
    )


def required_guardians(child: ChildRecord, settings: TenantSettings) -> frozenset[str]:
    """Guardians whose agreement a widening needs (empty: any one guardian is enough)."""
    return household(child, settings).needed


def change(
    tenant_id: str,
    child: ChildRecord,
    *,
    actor: str,
    requested: Terms | None,
    evidence: Mapping[str, Any],
    agreeing: Iterable[str],
    settings: TenantSettings,
    at: float | None = None,
) -> Outcome:
    """Apply a consent change for ``child`` (``requested=None``: withdraw).

    ``actor`` is a pseudonymous reference (``guardian:<id>`` or ``staff:<id>``); ``agreeing``
    are the guardians who agree to ``requested`` by this action (the guardian themselves, or
    the signatories of a paper form). Raises ``Conflict`` when a concurrent change won.
    """
    now = int(clock.now() if at is None else at)
    state = consents.state_of(current(tenant_id, child.child_id), child.child_id)
    request = rules.Request(requested, actor, frozenset(agreeing), evidence)
    decision = rules.decide(state, request, household(child, settings), now)
    if decision.refusal is not None:
        # A catalogue code (``rules.REFUSALS``). The API's parsers and authorisation refuse
        # these earlier; this guards direct callers.
        raise BadRequest(decision.refusal)
    if decision.state is not None:
        try:
            consents.save(tenant_id, decision)
        except consents.StaleConsentError:
            raise Conflict("consent_changed_meanwhile") from None
    return Outcome.of(decision)
