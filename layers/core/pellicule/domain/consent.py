"""The consent of a child: its terms, and the decision a requested change leads to.

Pure (no I/O, no clock: ``now`` is a parameter). The use case
(``pellicule.services.consent.change``) loads a :class:`ConsentState` through the consents
store, calls :func:`decide`, and saves what the :class:`Decision` says in one transaction.

Rules (docs/consent.md):

- A consent's *terms* are audiences, media kinds and a validity window ``[from, until)``.
- Restricting (fewer audiences or kinds, an earlier end) or withdrawing applies at once,
  whoever of the child's guardians asks (or the staff recording their letter or form).
- Widening (including a first consent) needs every guardian of the child when the centre
  requires both (``two_guardian_widening``) and the child has two or more guardians. A widening
  that lacks an agreement is **not applied**: it is recorded (history and audit) and kept as
  *pending* until the other guardian agrees to the same audiences, kinds and end. Its
  restricting part, if any, applies at once. Any restriction or withdrawal cancels a pending
  widening.
- Two starts already reached mean the same thing ("in force now"): a guardian renewing or
  widening a second later does not narrow the past start.
"""

from __future__ import annotations

import dataclasses
import datetime
import enum
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final, Protocol

from pellicule.domain.errors import BadRequest
from pellicule.domain.gate import AUDIENCES, MEDIA_KINDS, ConsentGrant
from pellicule.domain.messages import Term

MAX_VALIDITY_YEARS = 3  # a consent is renewed at least every three years
MAX_VALIDITY_SECONDS = MAX_VALIDITY_YEARS * 366 * 24 * 3600
# Dates a consent may name (as YYYY-MM-DD or epoch seconds): anything else is a typo or an
# attack, and would overflow the calendar when the season end is computed from it.
EARLIEST_YEAR, LATEST_YEAR = 2000, 2100
EARLIEST_DATE = int(datetime.datetime(EARLIEST_YEAR, 1, 1, tzinfo=datetime.UTC).timestamp())
LATEST_DATE = int(datetime.datetime(LATEST_YEAR, 12, 31, tzinfo=datetime.UTC).timestamp())

# Current status of a child's consent.
NONE: Final = "none"  # never in force (possibly a first consent awaiting agreement)
ACTIVE: Final = "active"
WITHDRAWN: Final = "withdrawn"

# Actions, as the history, the audit log and the API name them.
GIVEN: Final = "given"
WIDENED: Final = "widened"
NARROWED: Final = "narrowed"
CHANGED: Final = "changed"  # wider somewhere, narrower elsewhere (applied)
WITHDRAWN_ACTION: Final = "withdrawn"
PROPOSED: Final = "proposed"  # a widening recorded, awaiting the other guardian(s)
UNCHANGED: Final = "unchanged"  # nothing written
REFUSED: Final = "refused"  # nothing written

# Stable codes of a refused change (never reached through the API, whose parsers and
# authorisation refuse earlier; kept so that the rule holds on its own). Message codes of the
# catalogue (``pellicule.domain.messages.consent``): the service raises them as they are.
NOT_A_GUARDIAN: Final = "consent_not_a_guardian"  # someone agreeing is not a guardian
UNKNOWN_TERMS: Final = "consent_unknown_terms"  # an audience or media kind the gate does not know
EMPTY_TERMS: Final = "consent_empty_terms"  # no audience, no kind or an empty window: withdraw
ENDED: Final = "consent_ended"  # the requested window ends before ``now``
REFUSALS: Final = (NOT_A_GUARDIAN, UNKNOWN_TERMS, EMPTY_TERMS, ENDED)

_AUDIT_ACTION: Final[Mapping[str, str]] = {
    GIVEN: "consent_given",
    WITHDRAWN_ACTION: "consent_withdrawn",
}


# --- Terms ---------------------------------------------------------------------------------


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


class SeasonSettings(Protocol):
    """What :func:`parse_terms` needs of a centre's settings."""

    @property
    def season_end(self) -> str: ...


# The lists of terms, said in words (``{field}`` of their messages; their key in the params).
_AUDIENCES = Term("audiences", "consent_field_audiences")
_MEDIA_KINDS = Term("media_kinds", "consent_field_media_kinds")


def _names(raw: Any, allowed: tuple[str, ...], what: Term) -> frozenset[str]:
    if not isinstance(raw, list) or not all(isinstance(v, str) for v in raw):
        raise BadRequest("consent_list_expected", field=what)
    unknown = sorted(set(raw) - set(allowed))
    if unknown:
        raise BadRequest("consent_values_unknown", field=what, unknown=unknown, allowed=allowed)
    if not raw:
        raise BadRequest("consent_choose_one", field=what)
    return frozenset(raw)


def _epoch(raw: Any, name: str) -> int | None:
    if raw is None:
        return None
    if isinstance(raw, bool) or not isinstance(raw, int | str):
        raise BadRequest("field_date_expected", field=name)
    if isinstance(raw, int):
        moment = raw
    else:
        try:
            day = datetime.date.fromisoformat(raw)
        except ValueError:
            raise BadRequest("field_date_expected", field=name) from None
        moment = int(
            datetime.datetime(day.year, day.month, day.day, tzinfo=datetime.UTC).timestamp()
        )
    if not EARLIEST_DATE <= moment <= LATEST_DATE:
        raise BadRequest("field_date_range", field=name, earliest=EARLIEST_YEAR, latest=LATEST_YEAR)
    return moment


def parse_terms(body: Mapping[str, Any], settings: SeasonSettings, at: float) -> Terms:
    """Terms from a request body; every problem is reported as a code a person can act on.

    ``valid_until`` defaults to the end of the centre's season (``settings.season_end``)."""
    audiences = _names(body.get("audiences"), AUDIENCES, _AUDIENCES)
    kinds = _names(body.get("media_kinds"), MEDIA_KINDS, _MEDIA_KINDS)
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
        raise BadRequest("consent_window_invalid")
    if end - start > MAX_VALIDITY_SECONDS:
        raise BadRequest("consent_too_long", years=MAX_VALIDITY_YEARS)
    return Terms(audiences, kinds, start, end)


# --- State ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Pending:
    """A widening awaiting the agreement of every guardian in ``awaiting``."""

    terms: Terms
    approvals: frozenset[str]
    awaiting: frozenset[str]
    proposed_at: int
    evidence: Mapping[str, Any]

    def as_dict(self) -> dict[str, Any]:
        return {
            "terms": self.terms.as_dict(),
            "approvals": sorted(self.approvals),
            "awaiting": sorted(self.awaiting),
            "proposed_at": self.proposed_at,
            "evidence": dict(self.evidence),
        }

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> Pending:
        return cls(
            terms=Terms.from_dict(raw["terms"]),
            approvals=frozenset(raw.get("approvals") or ()),
            awaiting=frozenset(raw.get("awaiting") or ()),
            proposed_at=int(raw["proposed_at"]),
            evidence=dict(raw.get("evidence") or {}),
        )


@dataclass(frozen=True)
class ConsentState:
    """The current consent of one child, as stored (``version`` 0: never stored).

    ``terms`` are the stored terms; they are in force only while ``status`` is ``active``
    (a withdrawn consent keeps the terms it withdrew). ``evidence`` proves the terms in force
    (``None``: none recorded).
    """

    child_id: str
    status: str = NONE
    terms: Terms | None = None
    evidence: Mapping[str, Any] | None = None
    pending: Pending | None = None
    version: int = 0
    updated_at: int = 0
    updated_by: str = ""

    @property
    def in_force(self) -> Terms | None:
        """The terms in force, or ``None`` when nothing is granted (none or withdrawn)."""
        return self.terms if self.status == ACTIVE else None


def grant(state: ConsentState) -> ConsentGrant:
    """The state as the publication gate reads it."""
    terms = state.terms or Terms(frozenset(), frozenset(), 0, 0)
    return ConsentGrant(
        child_id=state.child_id,
        audiences=terms.audiences,
        media_kinds=terms.media_kinds,
        valid_from=float(terms.valid_from),
        valid_until=float(terms.valid_until),
        active=state.status == ACTIVE,
    )


# --- The decision --------------------------------------------------------------------------


@dataclass(frozen=True)
class Request:
    """A requested change: new terms (``None``: withdraw) asked by ``actor``.

    ``actor`` is a pseudonymous reference (``guardian:<id>``, or ``staff:<id>`` recording a
    paper form or a withdrawal); ``agreeing`` are the guardians who agree to ``terms`` by this
    action (the guardian themselves, or the signatories of a paper form).
    """

    terms: Terms | None
    actor: str
    agreeing: frozenset[str]
    evidence: Mapping[str, Any]


@dataclass(frozen=True)
class Household:
    """Who must agree to a widening: the child's guardians and the centre's setting."""

    guardians: frozenset[str]
    two_guardian_widening: bool

    @property
    def needed(self) -> frozenset[str]:
        """Guardians whose agreement a widening needs (empty: any one guardian is enough)."""
        if self.two_guardian_widening and len(self.guardians) >= 2:
            return self.guardians
        return frozenset()


class Kind(enum.Enum):
    """What a change does, whatever word the history uses for it."""

    NOOP = "noop"  # nothing to record (same terms, or nothing to withdraw)
    REFUSE = "refuse"  # nothing recorded; ``Decision.refusal`` says why
    WITHDRAW = "withdraw"  # at once
    NARROW = "narrow"  # a restriction (or the same terms, cancelling a pending widening): at once
    WIDEN = "widen"  # applied now: nobody else's agreement needed, or all agree in this action
    CONFIRM = "confirm"  # applied now: completes a pending widening with the earlier approvals
    PENDING = "pending"  # recorded, not applied: awaiting the other guardian(s)


@dataclass(frozen=True)
class HistoryEntry:
    """One entry of a child's append-only consent history."""

    child_id: str
    version: int
    action: str
    actor: str
    at: int
    restricts: bool  # something allowed before is no longer allowed (drives revocation)
    before: Mapping[str, Any] | None
    after: Mapping[str, Any] | None
    evidence: Mapping[str, Any] | None


@dataclass(frozen=True)
class Decision:
    """What a request leads to.

    ``state`` and ``entry`` are what to write (the new current consent, the history entry),
    both ``None`` when nothing is written (``NOOP``, ``REFUSE``). ``terms`` are the terms in
    force after the change; ``applied`` says whether the requested terms are in force.
    """

    kind: Kind
    action: str
    applied: bool
    restricts: bool
    terms: Terms | None
    pending: Pending | None
    version: int
    state: ConsentState | None = None
    entry: HistoryEntry | None = None
    refusal: str | None = None

    @property
    def previous_version(self) -> int:
        """The version the change was decided on (the optimistic lock of the write)."""
        return self.version - 1 if self.entry is not None else self.version

    @property
    def audit_action(self) -> str:
        return _AUDIT_ACTION.get(self.action, "consent_changed")

    def audit_details(self) -> dict[str, str | int]:
        """The audit entry's details: pseudonymous, no evidence beyond its kind."""
        details: dict[str, str | int] = {
            "change": self.action,
            "applied": "true" if self.applied else "false",
            "version": self.version,
        }
        if self.terms is not None:
            details["audiences"] = ",".join(sorted(self.terms.audiences))
            details["media_kinds"] = ",".join(sorted(self.terms.media_kinds))
        if self.pending is not None:
            details["pending_audiences"] = ",".join(sorted(self.pending.terms.audiences))
            details["awaiting"] = len(self.pending.awaiting)
        evidence = self.entry.evidence if self.entry is not None else None
        details["evidence"] = str((evidence or {}).get("kind", "unknown"))
        return details


@dataclass(frozen=True)
class _Change:
    """The classified change, before it is turned into what to write."""

    kind: Kind
    action: str
    terms: Terms | None  # in force after
    applied: bool
    restricts: bool
    pending: Pending | None = None


def _refusal(request: Request, household: Household, now: int) -> str | None:
    if not request.agreeing <= household.guardians:
        return NOT_A_GUARDIAN
    terms = request.terms
    if terms is None:
        return None
    if not terms.audiences <= set(AUDIENCES) or not terms.media_kinds <= set(MEDIA_KINDS):
        return UNKNOWN_TERMS
    if terms.empty:
        return EMPTY_TERMS
    if terms.valid_until <= now:
        return ENDED
    return None


def _same_start(requested: Terms | None, in_force: Terms | None, now: int) -> Terms | None:
    """Two starts already reached are the same start: keep the one in force."""
    if (
        requested is not None
        and in_force is not None
        and requested.valid_from <= now
        and in_force.valid_from <= now
    ):
        return dataclasses.replace(requested, valid_from=in_force.valid_from)
    return requested


def _withdrawal(state: ConsentState) -> _Change | None:
    """Withdraw what is in force or waiting; for a child never answered for, record the
    refusal itself (a family answering "no" to the centre's request is an answer to keep)."""
    in_force = state.in_force
    if in_force is None and state.pending is None and state.status != NONE:
        return None  # already withdrawn: nothing to record
    return _Change(Kind.WITHDRAW, WITHDRAWN_ACTION, None, True, in_force is not None)


def _narrowing(state: ConsentState, requested: Terms) -> _Change | None:
    """``requested`` is covered by the terms in force: it applies at once."""
    if requested == state.in_force and state.pending is None:
        return None
    return _Change(Kind.NARROW, NARROWED, requested, True, requested != state.in_force)


def _widening(
    state: ConsentState, requested: Terms, request: Request, household: Household, now: int
) -> _Change:
    """``requested`` allows something the terms in force do not."""
    in_force = state.in_force
    needed = household.needed
    earlier = (
        state.pending
        if state.pending is not None and state.pending.terms.same_proposal(requested)
        else None
    )
    approvals = request.agreeing | (earlier.approvals if earlier is not None else frozenset())
    if not needed or needed <= approvals:
        kind = Kind.WIDEN if needed <= request.agreeing else Kind.CONFIRM
        if in_force is None:
            return _Change(kind, GIVEN, requested, True, False)
        if not requested.covers(in_force):  # wider somewhere, narrower elsewhere
            return _Change(kind, CHANGED, requested, True, True)
        return _Change(kind, WIDENED, requested, True, False)
    pending = Pending(
        terms=requested,
        approvals=approvals,
        awaiting=needed - approvals,
        proposed_at=earlier.proposed_at if earlier is not None else now,
        evidence=dict(request.evidence),
    )
    narrowed = in_force.intersect(requested) if in_force is not None else None
    if narrowed is not None and narrowed != in_force:
        # The restricting part applies at once; the widening waits.
        kept = None if narrowed.empty else narrowed
        return _Change(Kind.PENDING, NARROWED, kept, False, True, pending)
    return _Change(Kind.PENDING, PROPOSED, in_force, False, False, pending)


def _status(change: _Change, state: ConsentState) -> str:
    if change.terms is not None:
        return ACTIVE
    if change.action in (WITHDRAWN_ACTION, NARROWED):
        return WITHDRAWN
    return state.status  # a first consent awaiting agreement


def _recorded(state: ConsentState, change: _Change, request: Request, now: int) -> Decision:
    """The decision with what to write: the new current consent and its history entry."""
    in_force = state.in_force
    version = state.version + 1
    evidence = dict(request.evidence)
    if change.terms == in_force and change.action != WITHDRAWN_ACTION:
        kept_evidence = dict(state.evidence or {})  # the proof of the terms still in force
    else:
        kept_evidence = evidence
    pending = change.pending
    after: dict[str, Any] | None = None
    if change.terms is not None:
        after = change.terms.as_dict()
    elif pending is not None:
        after = {"pending": pending.terms.as_dict()}
    new_state = ConsentState(
        child_id=state.child_id,
        status=_status(change, state),
        # A withdrawn consent keeps the terms it withdrew; one never in force, a placeholder.
        terms=change.terms or in_force or Terms(frozenset(), frozenset(), now, now + 1),
        evidence=kept_evidence,
        pending=pending,
        version=version,
        updated_at=now,
        updated_by=request.actor,
    )
    entry = HistoryEntry(
        child_id=state.child_id,
        version=version,
        action=change.action,
        actor=request.actor,
        at=now,
        restricts=change.restricts,
        before=in_force.as_dict() if in_force is not None else None,
        after=after,
        evidence=evidence,
    )
    return Decision(
        change.kind,
        change.action,
        change.applied,
        change.restricts,
        change.terms,
        pending,
        version,
        new_state,
        entry,
    )


def decide(state: ConsentState, request: Request, household: Household, now: int) -> Decision:
    """The decision ``request`` leads to on ``state`` at ``now`` (epoch seconds)."""
    in_force = state.in_force
    refusal = _refusal(request, household, now)
    if refusal is not None:
        return Decision(
            Kind.REFUSE, REFUSED, False, False, in_force, None, state.version, refusal=refusal
        )
    requested = _same_start(request.terms, in_force, now)
    change: _Change | None
    if requested is None:
        change = _withdrawal(state)
    elif in_force is not None and in_force.covers(requested):
        change = _narrowing(state, requested)
    else:
        change = _widening(state, requested, request, household, now)
    if change is None:
        return Decision(Kind.NOOP, UNCHANGED, True, False, in_force, None, state.version)
    return _recorded(state, change, request, now)
