"""Property tests of the consent decision (``pellicule.domain.consent``, docs/consent.md).

States are *reachable* ones: built by folding random requests through :func:`decide` from a
child with no consent, in a household of one to three guardians, with or without the
two-guardian rule. Each property was seen failing on a deliberate mutation of the rule (noted
in its docstring).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, replace

from hypothesis import assume, given
from hypothesis import strategies as st

from pellicule.domain.consent import (
    ACTIVE,
    EMPTY_TERMS,
    ENDED,
    NOT_A_GUARDIAN,
    UNKNOWN_TERMS,
    ConsentState,
    Decision,
    Household,
    Kind,
    Request,
    Terms,
    decide,
    grant,
    parse_terms,
)
from pellicule.domain.gate import AUDIENCES, MEDIA_KINDS

NOW = 1_800_000_000  # 2027-01-15
GUARDIANS = ("g1", "g2", "g3")
CHILD = "c-1"


@dataclass(frozen=True)
class Season:
    season_end: str = "08-31"


def _pick(pool: Sequence[str], mask: int) -> frozenset[str]:
    return frozenset(v for i, v in enumerate(pool) if mask >> i & 1)


# One to three guardians, the centre requiring both to widen or not.
HOUSEHOLDS = st.builds(
    lambda n, both: Household(frozenset(GUARDIANS[:n]), both),
    st.integers(1, len(GUARDIANS)),
    st.booleans(),
)


# The two-guardian rule applies (two or more guardians, the centre requires both).
BOTH_REQUIRED = st.builds(
    lambda n: Household(frozenset(GUARDIANS[:n]), True), st.integers(2, len(GUARDIANS))
)


def terms_at(now: int) -> st.SearchStrategy[Terms]:
    """Terms a parser would accept at ``now``: known names, a window ending after ``now``."""
    return st.builds(
        lambda aud, kinds, start, length: Terms(
            _pick(AUDIENCES, aud),
            _pick(MEDIA_KINDS, kinds),
            now + start,
            max(now, now + start) + length,
        ),
        st.integers(1, 2 ** len(AUDIENCES) - 1),
        st.integers(1, 2 ** len(MEDIA_KINDS) - 1),
        st.integers(-100, 100),
        st.integers(1, 200),
    )


def guardian_asks(guardian: str, terms: Terms | None, now: int) -> Request:
    evidence = {"kind": "electronic", "guardian": guardian, "at": now}
    return Request(terms, f"guardian:{guardian}", frozenset({guardian}), evidence)


@st.composite
def requests(draw: st.DrawFn, household: Household, now: int) -> Request:
    """A guardian acting through their link, or the director recording a paper form (signed
    by some of the guardians) or a withdrawal."""
    terms = draw(st.none() | terms_at(now) | terms_at(now))  # withdrawals a third of the time
    guardians = sorted(household.guardians)
    if draw(st.booleans()):
        return guardian_asks(draw(st.sampled_from(guardians)), terms, now)
    signed = frozenset(draw(st.lists(st.sampled_from(guardians), max_size=3)))
    evidence = {"kind": "paper_form", "signed_by": sorted(signed), "at": now}
    return Request(terms, "staff:director", signed, evidence)


def after(state: ConsentState, decision: Decision) -> ConsentState:
    return decision.state if decision.state is not None else state


@dataclass(frozen=True)
class Story:
    household: Household
    state: ConsentState
    now: int
    decisions: tuple[Decision, ...]


@st.composite
def stories(
    draw: st.DrawFn, max_steps: int = 6, households: st.SearchStrategy[Household] = HOUSEHOLDS
) -> Story:
    """A household and a reachable state: random requests folded through the rule."""
    household = draw(households)
    state, now, decisions = ConsentState(CHILD), NOW, []
    for _ in range(draw(st.integers(0, max_steps))):
        now += draw(st.integers(0, 60))
        decision = decide(state, draw(requests(household, now)), household, now)
        decisions.append(decision)
        state = after(state, decision)
    return Story(household, state, now + draw(st.integers(0, 60)), tuple(decisions))


@st.composite
def narrower(draw: st.DrawFn, terms: Terms, now: int) -> Terms:
    """Terms ``terms`` cover (fewer audiences or kinds, a later start, an earlier end),
    still ending after ``now``."""
    assume(terms.valid_until > now + 1)
    audiences = draw(st.sampled_from(_subsets(terms.audiences)))
    kinds = draw(st.sampled_from(_subsets(terms.media_kinds)))
    end = draw(st.integers(max(now, terms.valid_from) + 1, terms.valid_until))
    start = draw(st.integers(terms.valid_from, end - 1))
    return Terms(audiences, kinds, start, end)


def _subsets(values: frozenset[str]) -> list[frozenset[str]]:
    ordered = sorted(values)
    return [
        frozenset(c) for n in range(1, len(ordered) + 1) for c in itertools.combinations(ordered, n)
    ]


def everyone_gives(story: Story, data: st.DataObject) -> ConsentState:
    """The story's state, or (if nothing is in force) every guardian having then agreed to
    the same terms: a reachable state with something in force."""
    state = story.state
    if state.in_force is None:
        terms = data.draw(terms_at(story.now))
        for guardian in sorted(story.household.guardians):
            request = guardian_asks(guardian, terms, story.now)
            state = after(state, decide(state, request, story.household, story.now))
    return state


def allowed(state: ConsentState) -> Terms | None:
    return state.in_force


def covered(old: Terms | None, new: Terms | None) -> bool:
    """``new`` allows nothing ``old`` does not."""
    return new is None or (old is not None and old.covers(new))


# --- Restricting --------------------------------------------------------------------------


@given(stories(), st.data())
def test_a_restriction_never_widens_and_applies_at_once(story: Story, data: st.DataObject) -> None:
    """Either guardian restricts at once, whatever the centre's setting; the result allows
    nothing the consent did not, and cancels a pending widening.

    Mutation seen failing: a restriction sent through the two-guardian check
    (``and not household.needed`` added to the covering test in ``decide``)."""
    state = everyone_gives(story, data)
    in_force = allowed(state)
    assert in_force is not None
    requested = data.draw(narrower(in_force, story.now))
    guardian = data.draw(st.sampled_from(sorted(story.household.guardians)))

    request = guardian_asks(guardian, requested, story.now)

    decision = decide(state, request, story.household, story.now)

    assert decision.kind in (Kind.NARROW, Kind.NOOP)
    assert decision.applied
    assert covered(in_force, decision.terms)
    assert decision.terms is not None
    assert decision.terms.same_proposal(requested)
    assert after(state, decision).pending is None


# --- Widening -----------------------------------------------------------------------------


@given(stories(max_steps=4, households=BOTH_REQUIRED), st.data())
def test_one_guardian_alone_never_widens_where_both_are_required(
    story: Story, data: st.DataObject
) -> None:
    """With the two-guardian rule and two or more guardians, any run of requests by ONE
    guardian, from a state with no widening pending, never allows more than before.

    Mutation seen failing: ``needed <= approvals`` weakened to ``approvals`` (any one
    agreement is enough)."""
    household = story.household
    assume(story.state.pending is None)
    guardian = data.draw(st.sampled_from(sorted(household.guardians)))
    state, now, before = story.state, story.now, allowed(story.state)
    for _ in range(data.draw(st.integers(1, 5))):
        now += data.draw(st.integers(0, 60))
        terms = data.draw(st.none() | terms_at(now) | terms_at(now))
        decision = decide(state, guardian_asks(guardian, terms, now), household, now)
        state = after(state, decision)
        assert covered(before, allowed(state))
        before = allowed(state)


@given(BOTH_REQUIRED, st.data())
def test_a_guardian_cannot_confirm_their_own_widening(
    household: Household, data: st.DataObject
) -> None:
    """Repeating one's own proposal never applies it; the other guardians' agreement does,
    to exactly the terms proposed.

    Mutation seen failing: a pending widening counted as agreed by whoever repeats it
    (``or earlier is not None`` added to the agreement test)."""
    first, *others = sorted(household.guardians)
    proposal = data.draw(terms_at(NOW))
    state = ConsentState(CHILD)
    for _ in range(data.draw(st.integers(1, 4))):
        decision = decide(state, guardian_asks(first, proposal, NOW), household, NOW)
        state = after(state, decision)
        assert decision.kind is Kind.PENDING
        assert not decision.applied
        assert state.in_force is None
        assert state.pending is not None
        assert state.pending.awaiting == frozenset(others)
    for guardian in others:
        decision = decide(state, guardian_asks(guardian, proposal, NOW), household, NOW)
        state = after(state, decision)
    assert decision.kind is Kind.CONFIRM
    assert state.in_force == proposal
    assert state.pending is None


@given(stories(), st.data())
def test_every_guardian_agreeing_puts_exactly_those_terms_in_force(
    story: Story, data: st.DataObject
) -> None:
    """Whatever came before (a narrowing, a pending widening, a withdrawal), when every
    guardian in turn asks for the same terms, those terms are in force and nothing waits.

    Mutation seen failing: the earlier approvals forgotten (``approvals = request.agreeing``)."""
    requested = data.draw(terms_at(story.now))
    order = data.draw(st.permutations(sorted(story.household.guardians)))
    state = story.state
    for guardian in order:
        request = guardian_asks(guardian, requested, story.now)
        state = after(state, decide(state, request, story.household, story.now))
    in_force = state.in_force
    assert in_force is not None
    assert in_force.same_proposal(requested)
    if requested.valid_from > story.now:
        assert in_force.valid_from == requested.valid_from
    else:  # "from now on": the start already reached is kept
        assert in_force.valid_from <= story.now
    assert state.pending is None


# --- Withdrawing --------------------------------------------------------------------------


@given(stories(), st.data())
def test_a_withdrawal_leaves_nothing_in_force(story: Story, data: st.DataObject) -> None:
    """Anyone of the child's guardians, or the staff recording it, withdraws at once: no
    audience is left, the gate sees an inactive grant, no widening waits.

    Mutation seen failing: the withdrawn status dropped from ``_status`` (the consent stays
    ``active``)."""
    guardians = sorted(story.household.guardians)
    if data.draw(st.booleans()):
        request = guardian_asks(data.draw(st.sampled_from(guardians)), None, story.now)
    else:
        request = Request(None, "staff:director", frozenset(), {"kind": "recorded_by_staff"})

    decision = decide(story.state, request, story.household, story.now)
    state = after(story.state, decision)

    assert decision.applied
    assert state.in_force is None
    assert state.pending is None
    assert not grant(state).active
    if decision.kind is Kind.NOOP:  # nothing to withdraw: already withdrawn
        assert story.state.in_force is None
        assert story.state.pending is None
        assert story.state.status == "withdrawn"
    else:  # a child never answered for: the refusal itself is recorded
        assert state.status == "withdrawn"
        assert decision.kind is Kind.WITHDRAW


# --- Every change -------------------------------------------------------------------------


@given(stories(max_steps=10))
def test_history_versions_strictly_increase(story: Story) -> None:
    """Each change writes one entry whose version follows the last; nothing is written for
    a no-op or a refusal.

    Mutation seen failing: the new version not incremented when a widening was pending."""
    version = 0
    for decision in story.decisions:
        if decision.entry is None:
            assert decision.state is None
            assert decision.kind in (Kind.NOOP, Kind.REFUSE)
            assert decision.version == version
            continue
        assert decision.state is not None
        assert decision.previous_version == version
        assert decision.entry.version == decision.state.version == decision.version == version + 1
        version = decision.version
    assert story.state.version == version


@given(stories(), st.data())
def test_restricts_says_exactly_whether_something_allowed_is_no_longer(
    story: Story, data: st.DataObject
) -> None:
    """``restricts`` (which drives the revocation of served copies) is true exactly when the
    terms in force after the change no longer cover the terms before.

    Mutation seen failing: a mixed change (wider somewhere, narrower elsewhere) applied with
    ``restricts=False``."""
    request = data.draw(requests(story.household, story.now))
    decision = decide(story.state, request, story.household, story.now)
    before, now_allowed = allowed(story.state), allowed(after(story.state, decision))
    shrunk = before is not None and (now_allowed is None or not now_allowed.covers(before))
    assert decision.restricts == shrunk
    if decision.entry is not None:
        assert decision.entry.restricts == shrunk


@given(stories(max_steps=10))
def test_the_evidence_kept_is_the_proof_of_the_terms_in_force(story: Story) -> None:
    """A proposal awaiting agreement (or repeating the terms in force) never replaces the
    proof of the terms in force; a change of those terms, or a withdrawal, brings its own.

    Mutation seen failing: the request's evidence always stored with the new state."""
    state, proof = ConsentState(CHILD), None
    for decision in story.decisions:
        if decision.state is None or decision.entry is None:
            continue
        if decision.action == "withdrawn" or decision.state.in_force != state.in_force:
            proof = decision.entry.evidence
        state = decision.state
        assert (state.evidence or None) == (proof or None)


@given(stories(), st.data())
def test_the_decision_ignores_the_order_of_audiences_and_kinds(
    story: Story, data: st.DataObject
) -> None:
    """A request's audiences and kinds are sets: any order (or repetition) in the body
    leads to the same decision.

    Mutation seen failing: the parser keeping as many names as there are distinct ones
    (``frozenset(raw[: len(set(raw))])``: order-dependent with repeats)."""
    audiences = data.draw(st.lists(st.sampled_from(AUDIENCES), min_size=1, max_size=5))
    kinds = data.draw(st.lists(st.sampled_from(MEDIA_KINDS), min_size=1, max_size=3))
    other_audiences = data.draw(st.permutations(audiences))
    other_kinds = data.draw(st.permutations(kinds))
    guardian = data.draw(st.sampled_from(sorted(story.household.guardians)))

    def decided(aud: list[str], kinds: list[str]) -> Decision:
        terms = parse_terms({"audiences": aud, "media_kinds": kinds}, Season(), story.now)
        request = guardian_asks(guardian, terms, story.now)
        return decide(story.state, request, story.household, story.now)

    assert decided(audiences, kinds) == decided(list(other_audiences), list(other_kinds))


@given(stories(), st.data())
def test_a_refused_request_changes_nothing(story: Story, data: st.DataObject) -> None:
    """Someone who is not a guardian of the child, an unknown audience, empty terms or terms
    already ended are refused with a stable code, and nothing is written.

    Mutation seen failing: the guardian check dropped from ``_refusal``."""
    stranger = Request(
        data.draw(st.none() | terms_at(story.now)),
        "guardian:stranger",
        frozenset({"stranger"}),
        {"kind": "electronic"},
    )
    good = data.draw(terms_at(story.now))
    unknown = replace(good, audiences=frozenset({"everyone"}))
    empty = replace(good, audiences=frozenset())
    ended = replace(good, valid_from=story.now - 10, valid_until=story.now)
    cases = [
        (stranger, NOT_A_GUARDIAN),
        (guardian_asks("g1", unknown, story.now), UNKNOWN_TERMS),
        (guardian_asks("g1", empty, story.now), EMPTY_TERMS),
        (guardian_asks("g1", ended, story.now), ENDED),
    ]
    for request, code in cases:
        decision = decide(story.state, request, story.household, story.now)
        assert decision.kind is Kind.REFUSE
        assert decision.refusal == code
        assert decision.state is None
        assert decision.entry is None
        assert decision.terms == story.state.in_force


# --- The decision's shape, one example per kind -------------------------------------------


TWO = Household(frozenset({"g1", "g2"}), two_guardian_widening=True)
GROUP = frozenset({"families_of_group"})
CENTRE = frozenset({"families_of_group", "all_families_of_centre"})
PUBLIC = frozenset({"families_of_group", "public_communication"})
PHOTO = frozenset({"photo"})


def terms(audiences: frozenset[str]) -> Terms:
    return Terms(audiences, PHOTO, NOW, NOW + 1000)


def test_the_kinds_of_decision_on_one_story() -> None:
    # Given a child with two guardians in a centre requiring both to widen
    state = ConsentState(CHILD)
    # When the first guardian gives consent, it waits for the second
    first = decide(state, guardian_asks("g1", terms(CENTRE), NOW), TWO, NOW)
    assert (first.kind, first.action, first.applied) == (Kind.PENDING, "proposed", False)
    assert first.state is not None
    assert first.state.status == "none"
    assert first.entry is not None
    assert first.entry.after == {"pending": terms(CENTRE).as_dict()}
    # When the second agrees to the same terms, they are in force
    second = decide(first.state, guardian_asks("g2", terms(CENTRE), NOW), TWO, NOW)
    assert (second.kind, second.action, second.applied) == (Kind.CONFIRM, "given", True)
    assert second.audit_action == "consent_given"
    assert second.state is not None
    assert second.state.status == ACTIVE
    # When one guardian swaps the whole centre for public communication, the restricting part
    # applies at once and the widening waits
    mixed = decide(second.state, guardian_asks("g1", terms(PUBLIC), NOW), TWO, NOW)
    assert (mixed.kind, mixed.action, mixed.restricts) == (Kind.PENDING, "narrowed", True)
    assert mixed.terms == terms(GROUP)
    assert mixed.pending is not None
    assert mixed.pending.awaiting == frozenset({"g2"})
    assert mixed.audit_details()["pending_audiences"] == "families_of_group,public_communication"
    # When the other guardian asks for the group only, the pending widening is cancelled
    assert mixed.state is not None
    narrow = decide(mixed.state, guardian_asks("g2", terms(GROUP), NOW), TWO, NOW)
    assert (narrow.kind, narrow.action, narrow.restricts) == (Kind.NARROW, "narrowed", False)
    assert narrow.state is not None
    assert narrow.state.pending is None
    # Asking again for what is in force is a no-op; withdrawing is at once
    same = decide(narrow.state, guardian_asks("g1", terms(GROUP), NOW), TWO, NOW)
    assert (same.kind, same.action, same.state) == (Kind.NOOP, "unchanged", None)
    gone = decide(narrow.state, guardian_asks("g1", None, NOW), TWO, NOW)
    assert (gone.kind, gone.action, gone.restricts) == (Kind.WITHDRAW, "withdrawn", True)
    assert gone.audit_action == "consent_withdrawn"
    # A paper form signed by both widens in one action
    assert gone.state is not None
    form = Request(terms(CENTRE), "staff:director", frozenset({"g1", "g2"}), {"kind": "paper"})
    both = decide(gone.state, form, TWO, NOW)
    assert (both.kind, both.action, both.applied) == (Kind.WIDEN, "given", True)
