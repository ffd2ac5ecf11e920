"""Property tests of the publication decisions (``pellicule.domain.publication``): what a
publish request publishes, which scopes serve an item, what a family sees, and what a
reconciliation changes (docs/publication-gate.md, docs/delivery.md, docs/revocation.md)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from hypothesis import example, given, settings
from hypothesis import strategies as st

from pellicule.domain import publication as rules
from pellicule.domain.gate import (
    ALL_FAMILIES_OF_CENTRE,
    AUDIENCES,
    FAMILIES_OF_GROUP,
    MEDIA_KINDS,
    ConsentGrant,
    GateItem,
    Visibility,
    decide,
)
from pellicule.domain.publication import (
    HIDDEN,
    HIDDEN_BY_DIRECTOR,
    HIDDEN_BY_GATE,
    PUBLISHED,
    SCOPE_CENTRE,
    AlbumFacts,
    ItemFacts,
    Sources,
    Viewer,
)

Consents = dict[str, list[ConsentGrant]]

CHILDREN = ("c-1", "c-2", "c-3", "c-4")
GROUPS = ("g-1", "g-2")
# The states the decisions treat apart first (sampled_from favours the first ones).
STATES = (PUBLISHED, HIDDEN, "ready", "rejected", "processing")
HIDDEN_BY = (HIDDEN_BY_GATE, HIDDEN_BY_DIRECTOR, None)
times = st.integers(min_value=0, max_value=100).map(float)


def _pick(pool: Sequence[str], mask: int) -> frozenset[str]:
    return frozenset(v for i, v in enumerate(pool) if mask >> i & 1)


def subsets(pool: Sequence[str]) -> st.SearchStrategy[frozenset[str]]:
    return st.integers(0, 2 ** len(pool) - 1).map(lambda m: _pick(pool, m))


child_sets = subsets(CHILDREN)
audience_sets = subsets(AUDIENCES)


def grants(child_id: str) -> st.SearchStrategy[ConsentGrant]:
    def build(t: tuple[frozenset[str], frozenset[str], int, int, bool]) -> ConsentGrant:
        audiences, kinds, start, length, active = t
        return ConsentGrant(child_id, audiences, kinds, float(start), float(start + length), active)

    # Drawn so that a grant mostly covers the item's kind at any time, and covers each
    # audience or not: the interesting cases are an item shown to some audiences, clean or
    # blurred, and not to others (the gate's own properties explore windows and kinds).
    always = (frozenset(MEDIA_KINDS), 0, 200, True)
    other = st.tuples(subsets(MEDIA_KINDS), st.integers(0, 60), st.integers(0, 100), st.booleans())
    return st.tuples(st.just(frozenset(AUDIENCES)) | audience_sets, st.just(always) | other).map(
        lambda t: build((t[0], *t[1]))
    )


@st.composite
def consent_maps(draw: st.DrawFn) -> Consents:
    return {child: draw(st.lists(grants(child), min_size=1, max_size=2)) for child in CHILDREN}


def audience_consents() -> st.SearchStrategy[Consents]:
    """One grant per child, for any time and kind: who may be shown to which audience."""

    def one_each(masks: tuple[int, ...]) -> Consents:
        return {
            child: [ConsentGrant(child, _pick(AUDIENCES, mask), frozenset(MEDIA_KINDS), 0, 200)]
            for child, mask in zip(CHILDREN, masks, strict=True)
        }

    mask = st.integers(0, 2 ** len(AUDIENCES) - 1)
    return st.tuples(*(mask for _ in CHILDREN)).map(one_each) | consent_maps()


@st.composite
def gate_items(draw: st.DrawFn) -> GateItem:
    return GateItem(
        media_id="m",
        kind=draw(st.sampled_from(MEDIA_KINDS)),
        validated=draw(st.booleans()),
        tagged_child_ids=draw(child_sets),
        no_identifiable_child=draw(st.booleans()),
        blurred_child_ids=draw(child_sets),
        has_blurred_variant=draw(st.booleans()),
    )


@st.composite
def item_facts(draw: st.DrawFn) -> ItemFacts:
    # Mostly items reconciliation serves: published, or hidden by the gate.
    state, hidden_by = draw(
        st.sampled_from(((PUBLISHED, None), (HIDDEN, HIDDEN_BY_GATE)))
        | st.tuples(st.sampled_from(STATES), st.sampled_from(HIDDEN_BY))
    )
    gate = replace(draw(gate_items()), validated=state == PUBLISHED)
    return ItemFacts(
        gate=gate,
        state=state,
        hidden_by=hidden_by,
        published_audiences=draw(st.just(frozenset(AUDIENCES)) | audience_sets),
    )


# Children without a group are the roster's strays (a child in no known group).
child_group_maps = st.fixed_dictionaries(
    {},
    optional={child: st.sampled_from(GROUPS) for child in CHILDREN},
)
albums = st.builds(
    AlbumFacts, st.sampled_from((None, *GROUPS)), st.sampled_from((False, False, False, True))
)


@st.composite
def viewers(draw: st.DrawFn) -> Viewer:
    return Viewer("guardian", draw(child_sets), draw(subsets(GROUPS)))


def covered(child: str, audience: str, kind: str, consents: Consents, at: float) -> bool:
    """Independent oracle: a grant of the child covering (audience, kind) at ``at``."""
    return any(
        g.active
        and g.child_id == child
        and audience in g.audiences
        and kind in g.media_kinds
        and g.valid_from <= at < g.valid_until
        for g in consents.get(child, ())
    )


def respects(
    item: GateItem, audience: str, visibility: Visibility, consents: Consents, at: float
) -> bool:
    """What an audience is shown respects every tagged child: shown clean, each is covered;
    shown blurred, each uncovered one is hidden in an existing blurred variant; shown at all,
    an untagged item carries the "no identifiable child" flag."""
    if not visibility.visible:
        return True
    if not item.tagged_child_ids and not item.no_identifiable_child:
        return False
    uncovered = {
        c for c in item.tagged_child_ids if not covered(c, audience, item.kind, consents, at)
    }
    if visibility is Visibility.CLEAN:
        return not uncovered
    return item.has_blurred_variant and uncovered <= item.blurred_child_ids


# --- Publish requests ------------------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(STATES), gate_items(), audience_sets, consent_maps(), times)
def test_a_publish_request_publishes_only_where_every_tagged_child_may_be_shown(
    state: str, item: GateItem, requested: frozenset[str], consents: Consents, at: float
) -> None:
    outcome = rules.publish_request(state, item, requested, consents, at)
    assert set(outcome.allowed) <= requested
    assert set(outcome.allowed) | set(outcome.refused) == set(outcome.requested) == requested
    if state not in rules.PUBLISHABLE_STATES:
        assert not outcome.published
        assert not outcome.allowed
        return
    for audience in outcome.allowed:
        assert respects(item, audience, outcome.verdicts[audience].visibility, consents, at)
        assert outcome.verdicts[audience].visible
    # Publishing is the validation: an unvalidated item is judged as validated.
    assert outcome == rules.publish_request(
        state, replace(item, validated=True), requested, consents, at
    )


@settings(max_examples=200, deadline=None)
@given(
    st.sampled_from(STATES),
    gate_items(),
    audience_sets,
    consent_maps(),
    times,
    viewers(),
    albums,
    child_group_maps,
)
def test_untagged_without_the_flag_is_never_publishable_nor_shown(
    state: str,
    item: GateItem,
    requested: frozenset[str],
    consents: Consents,
    at: float,
    viewer: Viewer,
    album: AlbumFacts,
    groups: dict[str, str],
) -> None:
    untagged = replace(item, tagged_child_ids=frozenset(), no_identifiable_child=False)
    assert not rules.publish_request(state, untagged, requested, consents, at).published
    facts = ItemFacts(untagged, state, HIDDEN_BY_GATE, requested)
    assert rules.desired_scopes(facts, album, groups, consents, at) == {}
    assert not rules.viewer_decision(viewer, facts, album.group_id, groups, consents, at).visible


@settings(max_examples=200, deadline=None)
@given(
    st.sampled_from(("director", "animator")),
    st.sampled_from((rules.DIRECTOR_VALIDATES, rules.TRUSTED_ANIMATORS, "unknown")),
    st.booleans(),
    st.booleans(),
)
def test_only_directors_and_trusted_animators_where_allowed_publish(
    role: str, mode: str, trusted: bool, archived: bool
) -> None:
    may = rules.may_publish(role, mode, trusted=trusted, archived=archived)
    if role == "director":
        assert may
    else:
        assert may == (mode == rules.TRUSTED_ANIMATORS and trusted and not archived)


# --- Scopes and the read path ----------------------------------------------------------------


# A child of the family tagged, blurred, consented for the group only: the family sees the
# clean copy through the group, although every family of the centre sees it blurred.
GROUP_ONLY = (
    ItemFacts(
        GateItem("m", "photo", True, frozenset({"c-1"}), False, frozenset({"c-1"}), True),
        PUBLISHED,
        None,
        frozenset({FAMILIES_OF_GROUP, ALL_FAMILIES_OF_CENTRE}),
    ),
    AlbumFacts("g-1"),
    {"c-1": "g-1"},
    {"c-1": [ConsentGrant("c-1", frozenset({FAMILIES_OF_GROUP}), frozenset(MEDIA_KINDS), 0, 200)]},
    10.0,
    Viewer("guardian", frozenset({"c-1"}), frozenset({"g-1"})),
)


def audience_of(scope: str) -> str:
    return ALL_FAMILIES_OF_CENTRE if scope == SCOPE_CENTRE else FAMILIES_OF_GROUP


@settings(max_examples=300, deadline=None)
@given(item_facts(), albums, child_group_maps, audience_consents(), times)
@example(*GROUP_ONLY[:5])
def test_scopes_serve_only_what_their_audience_may_see(
    item: ItemFacts, album: AlbumFacts, groups: dict[str, str], consents: Consents, at: float
) -> None:
    wanted = rules.desired_scopes(item, album, groups, consents, at)
    if not rules.live(item.state, item.hidden_by) or album.archived:
        assert wanted == {}
    for scope, visibility in wanted.items():
        audience = audience_of(scope)
        assert audience in item.published_audiences
        assert visibility.visible
        assert respects(item.gate, audience, visibility, consents, at)
        if scope != SCOPE_CENTRE:
            # A group scope holds a copy only where it shows more than the whole centre sees.
            assert visibility.rank > wanted.get(SCOPE_CENTRE, Visibility.HIDDEN).rank
    assert rules.desired_scopes(item, None, groups, consents, at) == {}
    if not wanted:
        return
    # And no less: each family is served the best the gate allows through the audiences the
    # item is published to (its scope's copy or the centre's).
    scopes = rules.group_scopes(item.tagged, album.group_id, groups)
    assert set(wanted) <= {SCOPE_CENTRE, *scopes}
    centre = allows(item, ALL_FAMILIES_OF_CENTRE, consents, at)
    assert reach(wanted, SCOPE_CENTRE) == centre
    for scope in scopes:
        assert reach(wanted, scope) == max(centre, allows(item, FAMILIES_OF_GROUP, consents, at))


def allows(item: ItemFacts, audience: str, consents: Consents, at: float) -> int:
    """The gate's rank for a validated item and an audience it is published to (else 0)."""
    if audience not in item.published_audiences:
        return 0
    return decide(replace(item.gate, validated=True), audience, consents, at).visibility.rank


@settings(max_examples=500, deadline=None)
@given(item_facts(), albums, child_group_maps, audience_consents(), times, viewers())
@example(*GROUP_ONLY)
def test_a_family_sees_an_item_only_through_an_audience_it_was_published_to(
    item: ItemFacts,
    album: AlbumFacts,
    groups: dict[str, str],
    consents: Consents,
    at: float,
    viewer: Viewer,
) -> None:
    decision = rules.viewer_decision(viewer, item, album.group_id, groups, consents, at)
    through = [
        audience
        for audience in rules.viewer_audiences(viewer, item.tagged, album.group_id, groups)
        if audience in item.published_audiences
    ]
    # The family sees the best the gate allows through any of them.
    for audience in through:
        assert decision.visibility.rank >= decide(item.gate, audience, consents, at).visibility.rank
    if not decision.visible:
        return
    assert item.state == PUBLISHED
    assert through
    assert any(respects(item.gate, a, decision.visibility, consents, at) for a in through)
    # Through families_of_group: the family has a child in the item's groups, or tagged.
    if FAMILIES_OF_GROUP in through:
        tagged_groups = {groups[c] for c in item.tagged if c in groups}
        item_groups = {album.group_id} if album.group_id else tagged_groups
        assert viewer.group_ids & item_groups or viewer.child_ids & item.tagged


@st.composite
def narrowed(draw: st.DrawFn, consents: Consents) -> Consents:
    """The same consents with some grants dropped, withdrawn or narrowed; often one child's
    consent to one audience taken away altogether (every grant narrowed)."""
    strip_child, strip_audience = draw(st.sampled_from(CHILDREN)), draw(st.sampled_from(AUDIENCES))
    strip = draw(st.booleans())
    out: Consents = {}
    for child, found in consents.items():
        kept = []
        for grant in found:
            if strip and child == strip_child:
                grant = replace(grant, audiences=grant.audiences - {strip_audience})
            change = draw(st.sampled_from(("keep", "keep", "drop", "withdraw", "narrow")))
            if change == "drop":
                continue
            if change == "withdraw":
                grant = replace(grant, active=False)
            elif change == "narrow":
                grant = replace(
                    grant,
                    audiences=grant.audiences & draw(audience_sets),
                    media_kinds=grant.media_kinds & draw(subsets(MEDIA_KINDS)),
                )
            kept.append(grant)
        out[child] = kept
    return out


def reach(wanted: Mapping[str, Visibility], scope: str) -> int:
    """What a family in ``scope`` is served: the best of the centre's copy and the scope's."""
    return max(
        wanted.get(SCOPE_CENTRE, Visibility.HIDDEN).rank, wanted.get(scope, Visibility.HIDDEN).rank
    )


@settings(max_examples=300, deadline=None)
@given(
    item_facts(),
    albums,
    child_group_maps,
    audience_consents(),
    times,
    viewers(),
    st.sampled_from(STATES),
    st.data(),
)
def test_narrowing_consent_never_shows_more_to_anyone(
    item: ItemFacts,
    album: AlbumFacts,
    groups: dict[str, str],
    consents: Consents,
    at: float,
    viewer: Viewer,
    state: str,
    data: st.DataObject,
) -> None:
    fewer = data.draw(narrowed(consents))
    # Publishing: no audience published to that was refused before.
    before = rules.publish_request(state, item.gate, AUDIENCES, consents, at)
    after = rules.publish_request(state, item.gate, AUDIENCES, fewer, at)
    assert set(after.allowed) <= set(before.allowed)
    for audience in after.allowed:
        assert after.verdicts[audience].visibility.rank <= before.verdicts[audience].visibility.rank
    # Served copies: no family of any scope is served more than before.
    wide = rules.desired_scopes(item, album, groups, consents, at)
    narrow = rules.desired_scopes(item, album, groups, fewer, at)
    for scope in {SCOPE_CENTRE, *wide, *narrow}:
        assert reach(narrow, scope) <= reach(wide, scope)
    # The read path: this family sees no more than before.
    seen = rules.viewer_decision(viewer, item, album.group_id, groups, consents, at)
    now = rules.viewer_decision(viewer, item, album.group_id, groups, fewer, at)
    assert now.visibility.rank <= seen.visibility.rank


@settings(max_examples=300, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from((SCOPE_CENTRE, "g.g-1", "g.g-2", "k.c-1")),
        st.fixed_dictionaries({"v": st.sampled_from(("clean", "blurred", "junk"))}),
    ),
    subsets((SCOPE_CENTRE, "g.g-1", "g.g-2", "k.c-1")),
    st.sampled_from(list(Visibility)),
    subsets((SCOPE_CENTRE, "g.g-1", "g.g-2", "k.c-1")),
)
def test_the_read_path_never_hands_out_a_copy_showing_more_than_allowed(
    entries: dict[str, dict[str, Any]],
    scopes: frozenset[str],
    allowed: Visibility,
    unsafe: frozenset[str],
) -> None:
    choice = rules.choose(entries, scopes, allowed, unsafe)
    assert choice.visibility.rank <= allowed.rank
    if choice.scope is not None:
        assert choice.scope in scopes
        assert choice.scope not in unsafe
        assert choice.entry is entries[choice.scope]
    over = rules.over_exposed_scopes(entries, scopes, allowed)
    if over:
        assert choice.stale
    assert choice.scope not in over


# --- Reconciliation --------------------------------------------------------------------------

RENDITIONS = ("thumb", "web", "download")


@dataclass(frozen=True)
class Served:
    """An item's state and served copies, as a reconciliation finds and leaves them."""

    state: str
    hidden_by: str | None
    have: Mapping[str, Mapping[str, Any]]


def entry_from(sources: Sources, visibility: Visibility) -> dict[str, Any]:
    """The entry a reconciliation writes: copies of today's sources (the blurred variant's
    for a blurred copy)."""
    source = sources.blurred if visibility is Visibility.BLURRED else sources.clean
    entry: dict[str, Any] = {
        "v": visibility.value,
        "r": {
            n: {"key": f"copy/{n}", "src": source[n]["key"]}
            for n in rules.VIEW_RENDITIONS
            if n in source
        },
    }
    if rules.DOWNLOAD_RENDITION in source:
        entry["d"] = {"key": "copy/d", "src": source[rules.DOWNLOAD_RENDITION]["key"]}
    return entry


def apply(
    served: Served, plan: rules.ReconcilePlan, wanted: Mapping[str, Visibility], sources: Sources
) -> Served:
    have = {**plan.keep, **{s: entry_from(sources, wanted[s]) for s in plan.added}}
    state, hidden_by = served.state, served.hidden_by
    if plan.hide:
        state, hidden_by = HIDDEN, HIDDEN_BY_GATE
    if plan.restore:
        state, hidden_by = PUBLISHED, None
    return Served(state, hidden_by, have)


@st.composite
def sources_st(draw: st.DrawFn) -> Sources:
    def one(prefix: str) -> dict[str, Any]:
        names = draw(st.just(frozenset(RENDITIONS)) | subsets(RENDITIONS))
        return {n: {"key": f"{prefix}/{n}/{draw(st.integers(0, 1))}"} for n in names}

    return Sources(one("m"), one("b"))


@st.composite
def served_st(
    draw: st.DrawFn, sources: Sources, wanted: Mapping[str, Visibility]
) -> dict[str, dict[str, Any]]:
    """Served copies: of some scopes the gate wants (most often showing what it wants) and
    of others; each current or outdated."""
    have: dict[str, dict[str, Any]] = {}
    others = draw(subsets((SCOPE_CENTRE, "g.g-1", "g.g-2", "k.c-1", "k.c-2")))
    served = {scope for scope in wanted if draw(st.sampled_from((True, True, False)))}
    for scope in sorted(served | others):
        shown: tuple[Visibility, ...] = (Visibility.CLEAN, Visibility.BLURRED)
        if scope in wanted:
            shown = (wanted[scope],) * 4 + shown
        visibility = draw(st.sampled_from(shown))
        entry = entry_from(sources, visibility)
        if draw(st.booleans()):  # an outdated copy: older source keys, or another variant
            entry = draw(
                st.sampled_from(
                    [
                        {**entry, "v": "clean" if visibility is Visibility.BLURRED else "blurred"},
                        {**entry, "r": {"web": {"key": "k", "src": "old"}}},
                        {**entry, "d": {"key": "k", "src": "old"}},
                    ]
                )
            )
        have[scope] = entry
    return have


@settings(max_examples=500, deadline=None)
@given(item_facts(), albums, child_group_maps, audience_consents(), times, st.data())
def test_reconcile_is_idempotent_and_leaves_exactly_what_the_gate_allows(
    item: ItemFacts,
    album: AlbumFacts,
    groups: dict[str, str],
    consents: Consents,
    at: float,
    data: st.DataObject,
) -> None:
    sources = data.draw(sources_st())
    wanted = rules.desired_scopes(item, album, groups, consents, at)
    found = Served(item.state, item.hidden_by, data.draw(served_st(sources, wanted)))
    plan = rules.plan_reconcile(found.state, found.hidden_by, wanted, found.have, sources)
    # Every served entry is kept or removed; what is kept or added is exactly what is wanted.
    assert set(plan.keep) | set(plan.removed) == set(found.have)
    assert not set(plan.keep) & set(plan.removed)
    assert set(plan.keep) | set(plan.added) == set(wanted)
    assert plan.changes == (
        not rules.is_current(found.state, wanted, found.have, sources)
        or (rules.restorable(found.state, found.hidden_by) and bool(wanted))
    )
    # Only a published item is hidden, only one the gate hid is restored; a director's stays.
    assert not plan.hide or found.state == PUBLISHED
    assert not plan.restore or (found.state, found.hidden_by) == (HIDDEN, HIDDEN_BY_GATE)
    done = apply(found, plan, wanted, sources)
    again_wanted = rules.desired_scopes(
        replace(item, state=done.state, hidden_by=done.hidden_by), album, groups, consents, at
    )
    assert again_wanted == wanted
    again = rules.plan_reconcile(done.state, done.hidden_by, wanted, done.have, sources)
    assert not again.changes
    assert again.outcome == "unchanged"
    assert rules.is_current(done.state, wanted, done.have, sources)
    # Independently of the plan: an item served whatever the gate says ends published iff
    # some scope serves it; each copy left shows its scope's visibility from today's keys.
    if rules.live(found.state, found.hidden_by):
        assert (done.state == PUBLISHED) == bool(wanted)
    else:
        assert (done.state, done.hidden_by) == (found.state, found.hidden_by)
    for scope, visibility in wanted.items():
        assert copied_from(done.have[scope]) == copied_from(entry_from(sources, visibility))


def copied_from(entry: Mapping[str, Any]) -> tuple[Any, ...]:
    """What a served entry shows, and from which source keys."""
    renditions = {name: info.get("src") for name, info in (entry.get("r") or {}).items()}
    download = entry.get("d")
    return entry.get("v"), renditions, download.get("src") if download else None
