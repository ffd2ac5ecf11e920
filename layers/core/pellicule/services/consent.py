"""Consent of a child: current terms, append-only history, the two-guardian rule.

Rules (docs/consent.md):

- A consent is per child. Its *terms* are audiences, media kinds and a validity window.
- Every change writes the new current item, one history entry and one audit entry in ONE
  transaction (nothing half-saved), conditioned on the version read (no lost update).
- Restricting (fewer audiences or kinds, an earlier end) or withdrawing applies at once,
  whoever of the child's guardians asks; withdrawal is one action.
- Widening (including a first consent) needs every guardian of the child when the centre
  requires both (``two_guardian_widening``) and the child has two or more guardians. A widening
  that lacks an agreement is **not applied**: it is recorded (history and audit) and kept as
  *pending* until the other guardian agrees to the same terms. Its restricting part, if any,
  applies at once. Any restriction or withdrawal cancels a pending widening.
- Terms are validated against the known audiences and media kinds; ``valid_until`` defaults
  to the end of the centre's season.

Time is a parameter (``at``, epoch seconds): the module reads the product clock only in its
public write functions' defaults.
"""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from pynamodb.exceptions import DoesNotExist

from pellicule.config import clock
from pellicule.domain.errors import BadRequest, Conflict, NotFound
from pellicule.domain.gate import AUDIENCES, MEDIA_KINDS, ConsentGrant
from pellicule.services import audit
from pellicule.services.tenant_settings import TenantSettings
from pellicule.store import data
from pellicule.store.models import Child, Consent, ConsentEvent, tenant_pk

MAX_VALIDITY_SECONDS = 3 * 366 * 24 * 3600  # a consent is renewed at least every three years
# Dates a consent may name (as YYYY-MM-DD or epoch seconds): anything else is a typo or an
# attack, and would overflow the calendar when the season end is computed from it.
EARLIEST_YEAR, LATEST_YEAR = 2000, 2100
EARLIEST_DATE = int(datetime.datetime(EARLIEST_YEAR, 1, 1, tzinfo=datetime.UTC).timestamp())
LATEST_DATE = int(datetime.datetime(LATEST_YEAR, 12, 31, tzinfo=datetime.UTC).timestamp())


@dataclass(frozen=True)
class Terms:
    """What a consent allows: audiences and media kinds within ``[valid_from, valid_until)``."""

    audiences: frozenset[str]
    media_kinds: frozenset[str]
    valid_from: int
    valid_until: int

    def covers(self, other: Terms) -> bool:
        """Whether everything ``other`` allows is already allowed by ``self``."""
        return (
            other.audiences <= self.audiences
            and other.media_kinds <= self.media_kinds
            and self.valid_from <= other.valid_from
            and other.valid_until <= self.valid_until
        )

    def same_proposal(self, other: Terms) -> bool:
        """Same audiences, kinds and end: a second guardian agreeing later agrees to this."""
        return (
            self.audiences == other.audiences
            and self.media_kinds == other.media_kinds
            and self.valid_until == other.valid_until
        )

    def intersect(self, other: Terms) -> Terms:
        return Terms(
            audiences=self.audiences & other.audiences,
            media_kinds=self.media_kinds & other.media_kinds,
            valid_from=max(self.valid_from, other.valid_from),
            valid_until=min(self.valid_until, other.valid_until),
        )

    @property
    def empty(self) -> bool:
        return not self.audiences or not self.media_kinds or self.valid_until <= self.valid_from

    def as_dict(self) -> dict[str, Any]:
        return {
            "audiences": sorted(self.audiences),
            "media_kinds": sorted(self.media_kinds),
            "valid_from": self.valid_from,
            "valid_until": self.valid_until,
        }

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> Terms:
        return cls(
            audiences=frozenset(raw.get("audiences") or ()),
            media_kinds=frozenset(raw.get("media_kinds") or ()),
            valid_from=int(raw["valid_from"]),
            valid_until=int(raw["valid_until"]),
        )


def season_end(after: float, month_day: str) -> int:
    """The first end of season (``MM-DD``, end of that day, UTC) strictly after ``after``."""
    moment = datetime.datetime.fromtimestamp(after, tz=datetime.UTC)
    month, day = (int(part) for part in month_day.split("-"))
    for year in (moment.year, moment.year + 1, moment.year + 2):
        try:
            last_day = datetime.datetime(year, month, day, tzinfo=datetime.UTC)
        except ValueError:  # 02-29 in a common year: the 28th
            last_day = datetime.datetime(year, month, day - 1, tzinfo=datetime.UTC)
        end = int((last_day + datetime.timedelta(days=1)).timestamp())
        if end > after:
            return end
    raise ValueError("no season end within two years")  # unreachable for valid MM-DD


def _names(raw: Any, allowed: tuple[str, ...], what_fr: str, what_en: str) -> frozenset[str]:
    if not isinstance(raw, list) or not all(isinstance(v, str) for v in raw):
        raise BadRequest(f"{what_fr} : liste attendue. / {what_en}: a list is expected.")
    unknown = sorted(set(raw) - set(allowed))
    if unknown:
        raise BadRequest(
            f"{what_fr} inconnus : {', '.join(unknown)} (possibles : {', '.join(allowed)}). / "
            f"Unknown {what_en}: {', '.join(unknown)}."
        )
    if not raw:
        raise BadRequest(
            f"{what_fr} : cochez-en au moins un, ou retirez le consentement. / "
            f"{what_en}: choose at least one, or withdraw the consent."
        )
    return frozenset(raw)


def _epoch(raw: Any, name: str) -> int | None:
    if raw is None:
        return None
    if isinstance(raw, bool) or not isinstance(raw, int | str):
        raise BadRequest(f"{name} : date attendue. / {name}: a date is expected.")
    if isinstance(raw, int):
        moment = raw
    else:
        try:
            day = datetime.date.fromisoformat(raw)
        except ValueError:
            raise BadRequest(
                f"{name} : date AAAA-MM-JJ attendue. / {name}: YYYY-MM-DD expected."
            ) from None
        moment = int(
            datetime.datetime(day.year, day.month, day.day, tzinfo=datetime.UTC).timestamp()
        )
    if not EARLIEST_DATE <= moment <= LATEST_DATE:
        raise BadRequest(
            f"{name} : date entre {EARLIEST_YEAR} et {LATEST_YEAR} attendue. / "
            f"{name}: a date between {EARLIEST_YEAR} and {LATEST_YEAR} is expected."
        )
    return moment


def parse_terms(body: Mapping[str, Any], settings: TenantSettings, at: float) -> Terms:
    """Terms from a request body; every problem is reported in words a person can act on."""
    audiences = _names(body.get("audiences"), AUDIENCES, "Publics", "audiences")
    kinds = _names(body.get("media_kinds"), MEDIA_KINDS, "Types de médias", "media kinds")
    valid_from = _epoch(body.get("valid_from"), "valid_from")
    valid_until = _epoch(body.get("valid_until"), "valid_until")
    start = int(at) if valid_from is None else valid_from
    # A date given for the end means "until the end of that day".
    if valid_until is None:
        end = season_end(max(start, at), settings.season_end)
    elif isinstance(body.get("valid_until"), str):
        end = valid_until + 24 * 3600
    else:
        end = valid_until
    if end <= start or end <= at:
        raise BadRequest(
            "La fin de validité doit être après le début et dans le futur. / "
            "The end of validity must follow the start and lie in the future."
        )
    if end - start > MAX_VALIDITY_SECONDS:
        raise BadRequest(
            "Un consentement vaut au plus trois ans. / A consent lasts at most three years."
        )
    return Terms(audiences, kinds, start, end)


# --- Reading -------------------------------------------------------------------------------


def _sk(child_id: str) -> str:
    return f"CONSENT#{child_id}"


def _event_sk(child_id: str, version: int) -> str:
    return f"CONSENTLOG#{child_id}#{version:08d}"


def current(tenant_id: str, child_id: str, *, consistent: bool = True) -> Consent | None:
    data.ready()
    try:
        return Consent.get(tenant_pk(tenant_id), _sk(child_id), consistent_read=consistent)
    except DoesNotExist:
        return None


def terms_of(record: Consent | None) -> Terms | None:
    """The terms in force, or ``None`` when nothing is granted (no consent or withdrawn)."""
    if record is None or record.status != "active":
        return None
    return Terms(
        audiences=frozenset(record.audiences or ()),
        media_kinds=frozenset(record.media_kinds or ()),
        valid_from=int(record.valid_from),
        valid_until=int(record.valid_until),
    )


def grant_of(record: Consent) -> ConsentGrant:
    return ConsentGrant(
        child_id=record.child_id,
        audiences=frozenset(record.audiences or ()),
        media_kinds=frozenset(record.media_kinds or ()),
        valid_from=float(record.valid_from),
        valid_until=float(record.valid_until),
        active=record.status == "active",
    )


def grants(tenant_id: str, child_ids: Iterable[str]) -> dict[str, list[ConsentGrant]]:
    """Effective grants of ``child_ids`` for the publication gate (read on every request)."""
    wanted = sorted(set(child_ids))
    if not wanted:
        return {}
    data.ready()
    pk = tenant_pk(tenant_id)
    found: dict[str, list[ConsentGrant]] = {child: [] for child in wanted}
    for record in Consent.batch_get([(pk, _sk(child)) for child in wanted]):
        if record.child_id in found:
            found[record.child_id].append(grant_of(record))
    return found


def history(tenant_id: str, child_id: str) -> list[dict[str, Any]]:
    data.ready()
    return [
        {
            "version": int(event.version),
            "action": event.action,
            "actor": event.actor,
            "at": int(event.at),
            "restricts": bool(event.restricts),
            "before": event.before.as_dict() if event.before else None,
            "after": event.after.as_dict() if event.after else None,
            "evidence": _public_evidence(event.evidence.as_dict() if event.evidence else None),
        }
        for event in ConsentEvent.query(
            tenant_pk(tenant_id),
            ConsentEvent.sk.startswith(f"CONSENTLOG#{child_id}#"),
            consistent_read=True,
        )
    ]


def _public_evidence(evidence: dict[str, Any] | None) -> dict[str, Any] | None:
    """Evidence as shown through the API: the scan's storage key stays server-side."""
    if evidence is None:
        return None
    return {k: v for k, v in evidence.items() if k != "scan_key"}


def describe(record: Consent | None) -> dict[str, Any]:
    """The current consent as the API returns it."""
    if record is None:
        return {"status": "none", "terms": None, "pending": None, "version": 0}
    pending = record.pending.as_dict() if record.pending else None
    return {
        "status": record.status,
        "terms": terms.as_dict() if (terms := terms_of(record)) else None,
        "pending": pending,
        "version": int(record.version),
        "updated_at": int(record.updated_at),
        "updated_by": record.updated_by,
        "evidence": _public_evidence(record.evidence.as_dict() if record.evidence else None),
    }


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

    def as_dict(self) -> dict[str, Any]:
        return {
            "action": self.action,
            "applied": self.applied,
            "terms": self.terms.as_dict() if self.terms else None,
            "pending": self.pending,
            "version": self.version,
            "awaiting_other_guardian": self.pending is not None and not self.applied,
        }


def required_guardians(child: Child, settings: TenantSettings) -> frozenset[str]:
    """Guardians whose agreement a widening needs (empty: any one guardian is enough)."""
    guardians = frozenset(child.guardian_ids or ())
    if settings.two_guardian_widening and len(guardians) >= 2:
        return guardians
    return frozenset()


_AUDIT_ACTION = {
    "given": "consent_given",
    "withdrawn": "consent_withdrawn",
}


def change(
    tenant_id: str,
    child: Child,
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
    record = current(tenant_id, child.child_id)
    in_force = terms_of(record)
    version = int(record.version) if record else 0
    agreeing = frozenset(agreeing)
    pending_before = record.pending.as_dict() if record and record.pending else None

    if (
        requested is not None
        and in_force is not None
        and requested.valid_from <= now
        and in_force.valid_from <= now
    ):
        # Two starts already reached mean the same thing ("in force now"): a guardian renewing
        # or widening a second later must not read as narrowing the past start.
        requested = dataclasses.replace(requested, valid_from=in_force.valid_from)

    new_terms: Terms | None
    pending: dict[str, Any] | None = None
    if requested is None:
        if in_force is None and pending_before is None:
            return Outcome("unchanged", True, None, None, version, False)
        action, new_terms, applied, restricts = "withdrawn", None, True, in_force is not None
    elif in_force is not None and in_force.covers(requested):
        if requested == in_force and pending_before is None:
            return Outcome("unchanged", True, in_force, None, version, False)
        action, new_terms, applied = "narrowed", requested, True
        restricts = requested != in_force
    else:
        needed = required_guardians(child, settings)
        earlier = (
            pending_before
            if pending_before is not None
            and Terms.from_dict(pending_before["terms"]).same_proposal(requested)
            else None
        )
        approvals = agreeing | (frozenset(earlier["approvals"]) if earlier else frozenset())
        if not needed or needed <= approvals:
            action = "given" if in_force is None else "widened"
            new_terms, applied, restricts = requested, True, False
            if in_force is not None and not requested.covers(in_force):
                action, restricts = "changed", True  # wider somewhere, narrower elsewhere
        else:
            applied = False
            pending = {
                "terms": requested.as_dict(),
                "approvals": sorted(approvals),
                "awaiting": sorted(needed - approvals),
                "proposed_at": int(earlier["proposed_at"]) if earlier else now,
                "evidence": dict(evidence),
            }
            narrowed = in_force.intersect(requested) if in_force is not None else None
            if narrowed is not None and narrowed != in_force:
                # The restricting part applies at once; the widening waits.
                action, restricts = "narrowed", True
                new_terms = None if narrowed.empty else narrowed
            else:
                action, new_terms, restricts = "proposed", in_force, False

    if new_terms is not None:
        status = "active"
    elif action in ("withdrawn", "narrowed"):
        status = "withdrawn"
    else:
        status = record.status if record else "none"  # a first consent awaiting agreement
    stored_terms = new_terms or in_force or Terms(frozenset(), frozenset(), now, now + 1)
    next_version = version + 1
    pk = tenant_pk(tenant_id)
    item = Consent(
        pk,
        _sk(child.child_id),
        tenant_id=tenant_id,
        child_id=child.child_id,
        status=status,
        audiences=set(stored_terms.audiences),
        media_kinds=set(stored_terms.media_kinds),
        valid_from=stored_terms.valid_from,
        valid_until=stored_terms.valid_until,
        evidence=(
            dict(evidence)
            if new_terms != in_force or action == "withdrawn"
            else (record.evidence.as_dict() if record and record.evidence else {})
        ),
        pending=pending,
        version=next_version,
        updated_at=now,
        updated_by=actor,
    )
    event = ConsentEvent(
        pk,
        _event_sk(child.child_id, next_version),
        tenant_id=tenant_id,
        child_id=child.child_id,
        version=next_version,
        action=action,
        actor=actor,
        at=now,
        restricts=restricts,
        before=in_force.as_dict() if in_force else None,
        after=(
            new_terms.as_dict()
            if new_terms
            else ({"pending": pending["terms"]} if pending else None)
        ),
        evidence=dict(evidence),
    )
    condition = Consent.version == version if record else Consent.pk.does_not_exist()
    details: dict[str, Any] = {
        "change": action,
        "applied": "true" if applied else "false",
        "version": next_version,
    }
    if new_terms is not None:
        details["audiences"] = ",".join(sorted(new_terms.audiences))
        details["media_kinds"] = ",".join(sorted(new_terms.media_kinds))
    if pending is not None:
        details["pending_audiences"] = ",".join(pending["terms"]["audiences"])
        details["awaiting"] = len(pending["awaiting"])
    details["evidence"] = str(evidence.get("kind", "unknown"))
    try:
        audit.append(
            tenant_id,
            _AUDIT_ACTION.get(action, "consent_changed"),
            actor,
            f"child:{child.child_id}",
            details,
            at=now,
            companions=(
                audit.Companion(item, condition),
                audit.Companion(event, ConsentEvent.pk.does_not_exist()),
            ),
        )
    except audit.CompanionConflictError:
        raise Conflict(
            "Le consentement vient d'être modifié ; rechargez la page. / "
            "The consent was just changed; please reload."
        ) from None
    return Outcome(action, applied, new_terms, pending, next_version, restricts)


def require_child(tenant_id: str, child_id: str) -> Child:
    data.ready()
    try:
        return Child.get(tenant_pk(tenant_id), f"CHILD#{child_id}", consistent_read=True)
    except DoesNotExist:
        raise NotFound("Enfant introuvable. / Child not found.") from None
