"""Property tests of the publication gate (invariants listed in docs/publication-gate.md)."""

from __future__ import annotations

import copy
import random
from collections.abc import Mapping, Sequence
from dataclasses import replace

from hypothesis import given, settings
from hypothesis import strategies as st

from pellicule.domain.gate import (
    AUDIENCES,
    MEDIA_KINDS,
    ConsentGrant,
    GateItem,
    Visibility,
    decide,
    is_covered,
)

Consents = dict[str, list[ConsentGrant]]

CHILDREN = ("c-1", "c-2", "c-3", "c-4")
# Mostly known values, sometimes junk, to exercise the fail-closed paths too.
AUDIENCE_POOL = (*AUDIENCES, "everyone")
KIND_POOL = (*MEDIA_KINDS, "gif")
audiences_st = st.sampled_from(AUDIENCE_POOL)
kinds_st = st.sampled_from(KIND_POOL)
times = st.integers(min_value=0, max_value=100).map(float)


# Strategies draw small integers (bit masks) and map them: much cheaper to generate than
# nested sets, which keeps 300 examples per property well under the time budget.
def _pick(pool: Sequence[str], mask: int) -> frozenset[str]:
    return frozenset(v for i, v in enumerate(pool) if mask >> i & 1)


child_sets = st.integers(0, 2 ** len(CHILDREN) - 1).map(lambda m: _pick(CHILDREN, m))


def grants(child_id: str | None = None) -> st.SearchStrategy[ConsentGrant]:
    def build(t: tuple[int, int, int, int, int, bool]) -> ConsentGrant:
        aud, kinds, start, length, who, active = t
        return ConsentGrant(
            child_id=child_id if child_id is not None else CHILDREN[who],
            audiences=_pick(AUDIENCE_POOL, aud),
            media_kinds=_pick(KIND_POOL, kinds),
            valid_from=float(start),
            valid_until=float(start + length),
            active=active,
        )

    return st.tuples(
        st.integers(0, 2 ** len(AUDIENCE_POOL) - 1),
        st.integers(0, 2 ** len(KIND_POOL) - 1),
        st.integers(0, 100),
        st.integers(0, 60),
        st.integers(0, len(CHILDREN) - 1),
        st.booleans(),
    ).map(build)


@st.composite
def consent_maps(draw: st.DrawFn) -> Consents:
    out: Consents = {}
    for child in _pick(CHILDREN, draw(st.integers(0, 2 ** len(CHILDREN) - 1))):
        # Mostly well-keyed grants; sometimes a grant filed under the wrong key.
        own = draw(st.lists(grants(child_id=child), max_size=3))
        stray = draw(st.lists(grants(), max_size=1))
        out[child] = own + stray
    return out


def _item(t: tuple[frozenset[str], int, bool, bool, frozenset[str], bool]) -> GateItem:
    tagged, kind, validated, flag, blurred, has_variant = t
    return GateItem(
        media_id="m",
        kind=KIND_POOL[kind],
        validated=validated,
        tagged_child_ids=tagged,
        no_identifiable_child=flag,
        blurred_child_ids=blurred,
        has_blurred_variant=has_variant,
    )


def items() -> st.SearchStrategy[GateItem]:
    return st.tuples(
        child_sets,
        st.integers(0, len(KIND_POOL) - 1),
        st.booleans(),
        st.booleans(),
        child_sets,
        st.booleans(),
    ).map(_item)


def uncovered(
    item: GateItem, audience: str, consents: Mapping[str, Sequence[ConsentGrant]], at: float
) -> frozenset[str]:
    """Independent oracle: tagged children without a grant that covers them."""
    return frozenset(
        c
        for c in item.tagged_child_ids
        if not any(
            g.active
            and g.child_id == c
            and audience in g.audiences
            and item.kind in g.media_kinds
            and g.valid_from <= at < g.valid_until
            for g in consents.get(c, ())
        )
    )


def rank(item: GateItem, audience: str, consents: Consents, at: float) -> int:
    return decide(item, audience, consents, at).visibility.rank


def _pick_grant(consents: Consents, data: st.DataObject) -> tuple[str, int] | None:
    keys = [k for k, gs in consents.items() if gs]
    if not keys:
        return None
    key = data.draw(st.sampled_from(keys))
    return key, data.draw(st.integers(0, len(consents[key]) - 1))


def _with_grant(consents: Consents, key: str, i: int, new: ConsentGrant | None) -> Consents:
    gs = list(consents[key])
    if new is None:
        del gs[i]
    else:
        gs[i] = new
    return {**consents, key: gs}


# --- invariants on one decision ---------------------------------------------------------------
# Each check is one invariant of docs/publication-gate.md. They run on the same generated
# inputs (hypothesis' per-example overhead dominates, so one test per invariant would be
# several times slower for no extra coverage).


def check_1_never_clean_with_uncovered(
    item: GateItem, audience: str, c: Consents, at: float
) -> None:
    d = decide(item, audience, c, at)
    if uncovered(item, audience, c, at):
        assert d.visibility is not Visibility.CLEAN
    if d.visibility is Visibility.CLEAN:
        assert audience in AUDIENCES
        assert item.kind in MEDIA_KINDS
        assert item.validated
        assert item.tagged_child_ids or item.no_identifiable_child


def check_2_never_visible_unvalidated(
    item: GateItem, audience: str, c: Consents, at: float
) -> None:
    d = decide(replace(item, validated=False), audience, c, at)
    assert d.visibility is Visibility.HIDDEN
    assert {"not_validated", "unknown_audience", "unknown_kind"} & set(d.reasons)


def check_5_outside_every_window_not_clean(
    item: GateItem, audience: str, c: Consents, at: float
) -> None:
    for child in item.tagged_child_ids:
        if all(not (g.valid_from <= at < g.valid_until) for g in c.get(child, ())):
            assert decide(item, audience, c, at).visibility is not Visibility.CLEAN


def check_6_blurred_needs_covering_variant(
    item: GateItem, audience: str, c: Consents, at: float
) -> None:
    d = decide(item, audience, c, at)
    expected = uncovered(item, audience, c, at)
    if audience in AUDIENCES and item.kind in MEDIA_KINDS:
        assert d.uncovered_child_ids == expected
    if d.visibility is Visibility.BLURRED:
        assert item.has_blurred_variant
        assert expected
        assert expected <= item.blurred_child_ids
        assert d.uncovered_child_ids <= item.blurred_child_ids


def check_7_deterministic_and_pure(item: GateItem, audience: str, c: Consents, at: float) -> None:
    before_consents, before_item = copy.deepcopy(c), copy.deepcopy(item)
    first = decide(item, audience, c, at)
    second = decide(item, audience, c, at)
    assert first == second
    assert c == before_consents
    assert item == before_item


def check_8_grant_order_independent(
    item: GateItem, audience: str, c: Consents, at: float, rnd: random.Random
) -> None:
    shuffled: Consents = {}
    for key in rnd.sample(list(c), len(c)):
        gs = list(c[key])
        rnd.shuffle(gs)
        shuffled[key] = gs
    reference = decide(item, audience, c, at)
    assert decide(item, audience, shuffled, at) == reference
    as_tuples = {k: tuple(v) for k, v in c.items()}
    assert decide(item, audience, as_tuples, at) == reference


def check_is_covered_matches_oracle(item: GateItem, audience: str, c: Consents, at: float) -> None:
    for child in CHILDREN:
        probe = replace(item, tagged_child_ids=frozenset({child}))
        assert is_covered(child, audience, item.kind, c, at) == (
            not uncovered(probe, audience, c, at)
        )


@settings(max_examples=300, deadline=None)
@given(items(), audiences_st, consent_maps(), times, st.randoms(use_true_random=False))
def test_decision_invariants(
    item: GateItem, audience: str, consents: Consents, at: float, rnd: random.Random
) -> None:
    check_1_never_clean_with_uncovered(item, audience, consents, at)
    check_2_never_visible_unvalidated(item, audience, consents, at)
    check_5_outside_every_window_not_clean(item, audience, consents, at)
    check_6_blurred_needs_covering_variant(item, audience, consents, at)
    check_7_deterministic_and_pure(item, audience, consents, at)
    check_8_grant_order_independent(item, audience, consents, at, rnd)
    check_is_covered_matches_oracle(item, audience, consents, at)
    # Random times rarely land exactly on a window edge: check every edge explicitly too.
    edges = {t for gs in consents.values() for g in gs for t in (g.valid_from, g.valid_until)}
    for edge in sorted(edges):
        check_1_never_clean_with_uncovered(item, audience, consents, edge)
        check_6_blurred_needs_covering_variant(item, audience, consents, edge)


# --- (3) monotonicity: taking consent away or adding a tag never makes it more visible -------


@settings(max_examples=300, deadline=None)
@given(items(), audiences_st, consent_maps(), times, st.sampled_from(CHILDREN), st.data())
def test_monotonicity(
    item: GateItem,
    audience: str,
    consents: Consents,
    at: float,
    child: str,
    data: st.DataObject,
) -> None:
    base = rank(item, audience, consents, at)

    picked = _pick_grant(consents, data)
    if picked is not None:
        key, i = picked
        g = consents[key][i]
        # Removing a grant
        assert rank(item, audience, _with_grant(consents, key, i, None), at) <= base
        # Withdrawing a grant
        withdrawn = replace(g, active=False)
        assert rank(item, audience, _with_grant(consents, key, i, withdrawn), at) <= base
        # Narrowing its audiences and/or kinds (any subsets)
        narrowed = replace(
            g,
            audiences=_pick(sorted(g.audiences), data.draw(st.integers(0, 15))),
            media_kinds=_pick(sorted(g.media_kinds), data.draw(st.integers(0, 7))),
        )
        assert narrowed.audiences <= g.audiences
        assert narrowed.media_kinds <= g.media_kinds
        assert rank(item, audience, _with_grant(consents, key, i, narrowed), at) <= base

    # Adding a tag. The first tag is excluded on purpose: an untagged item is governed by the
    # "no identifiable child" rule (untagged and unflagged is HIDDEN, being possibly not yet
    # tagged), and tagging it is exactly what can make it publishable.
    if item.tagged_child_ids:
        more = replace(item, tagged_child_ids=item.tagged_child_ids | {child})
        assert rank(more, audience, consents, at) <= base


# --- (4) withdrawing every grant of a tagged, non-blurred child => HIDDEN ---------------------


@settings(max_examples=300, deadline=None)
@given(items(), audiences_st, consent_maps(), times, st.data())
def test_withdrawing_every_grant_of_an_unblurred_child_hides(
    item: GateItem, audience: str, consents: Consents, at: float, data: st.DataObject
) -> None:
    candidates = sorted(item.tagged_child_ids - item.blurred_child_ids)
    if not candidates:
        return
    child = data.draw(st.sampled_from(candidates))
    withdrawn = {**consents, child: [replace(g, active=False) for g in consents.get(child, [])]}
    assert decide(item, audience, withdrawn, at).visibility is Visibility.HIDDEN
    # And dropping them altogether gives the same answer
    dropped = {k: v for k, v in consents.items() if k != child}
    assert decide(item, audience, dropped, at).visibility is Visibility.HIDDEN
