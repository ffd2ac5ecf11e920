"""Property tests of the erasure plan (docs/erasure.md, ``pellicule.domain.erasure``)."""

from __future__ import annotations

from collections.abc import Sequence

from hypothesis import given
from hypothesis import strategies as st

from pellicule.domain import erasure
from pellicule.domain.erasure import (
    BLUR,
    BLUR_OUT,
    CARRY_OUT,
    DEFAULT_MODE_BEFORE_DEADLINE_SECONDS,
    DELETE_EVIDENCE,
    DONE,
    DROP_TAG,
    REMOVE,
    REMOVE_ITEM,
    REQUESTED,
    RequestState,
    TaggedItem,
    can_blur,
    next_action,
    plan,
)
from pellicule.domain.retention import PROOF_SECONDS

CHILD = "c-0"
CHILDREN = (CHILD, "c-1", "c-2", "c-3")
modes = st.sampled_from([BLUR, REMOVE, None])
times = st.integers(0, 10**10)


def _pick(pool: Sequence[str], mask: int) -> frozenset[str]:
    return frozenset(v for i, v in enumerate(pool) if mask >> i & 1)


child_sets = st.integers(0, 2 ** len(CHILDREN) - 1).map(lambda m: _pick(CHILDREN, m))


@st.composite
def items(draw: st.DrawFn, media_id: str) -> TaggedItem:
    """Mostly a photo whose current blurred variant hides some tagged children (what "blur"
    keeps), with each condition of that broken now and then (a video, a stale variant, no
    box over the child...)."""
    tagged = draw(child_sets) | (frozenset({CHILD}) if draw(st.booleans()) else frozenset())
    revision = draw(st.integers(0, 3))
    conditions = ["kind", "box", "variant", "stale", "renditions"]
    # Often one condition broken alone (the one a wrong check would miss), sometimes several.
    broken = {draw(st.one_of(st.none(), st.sampled_from(conditions)))}
    if draw(st.integers(0, 3)) == 0:
        broken.add(draw(st.sampled_from(conditions)))
    return TaggedItem(
        media_id=media_id,
        kind="video" if "kind" in broken else "photo",
        tagged_child_ids=tagged,
        blurred_child_ids=draw(child_sets) & (frozenset(CHILDREN) if "box" in broken else tagged),
        has_blurred_variant="variant" not in broken,
        blurred_revision=draw(st.sampled_from([None, revision + 1]))
        if "stale" in broken
        else revision,
        blur_revision=revision,
        has_renditions="renditions" not in broken,
        published=draw(st.booleans()),
    )


@st.composite
def centres(draw: st.DrawFn) -> dict[str, TaggedItem]:
    """A centre's items (the child tagged on some of them)."""
    count = draw(st.integers(0, 8))
    return {f"m-{i}": draw(items(f"m-{i}")) for i in range(count)}


def tags_of(child_id: str, found: dict[str, TaggedItem], gone: int) -> dict[str, TaggedItem | None]:
    """What the purge reads: the child's tags (media id order), each with its item, ``None``
    for a stray tag of an item already gone."""
    tagged: dict[str, TaggedItem | None] = {
        media_id: item for media_id, item in found.items() if child_id in item.tagged_child_ids
    }
    tagged.update({f"gone-{i}": None for i in range(gone)})
    return dict(sorted(tagged.items()))


@given(centres(), st.integers(0, 2), modes, times)
def test_every_item_the_child_is_tagged_on_is_covered_and_no_other(
    centre: dict[str, TaggedItem], gone: int, mode: str | None, now: int
) -> None:
    tagged = tags_of(CHILD, centre, gone)
    done = plan(CHILD, mode, tagged, now)
    assert [step.media_id for step in done.steps] == list(tagged)
    for step in done.steps:
        # Gone items only lose their stray tag; the others are removed or blurred.
        assert (step.action == DROP_TAG) == (tagged[step.media_id] is None)


@given(centres(), st.integers(0, 2), modes, times)
def test_after_the_plan_no_tag_of_the_child_is_left_and_other_children_keep_theirs(
    centre: dict[str, TaggedItem], gone: int, mode: str | None, now: int
) -> None:
    # Given the centre's items, When the plan is carried out (as erasing.py does)
    tagged = tags_of(CHILD, centre, gone)
    after = dict(centre)
    for step in plan(CHILD, mode, tagged, now).steps:
        item = centre.get(step.media_id)
        assert CHILD in step.untag
        if step.action == REMOVE_ITEM:
            del after[step.media_id]
        elif step.action == BLUR_OUT:
            assert item is not None
            assert step.untag <= item.tagged_child_ids | {CHILD}
            after[step.media_id] = TaggedItem(step.media_id, item.kind, step.keep_tags)
    # Then the child is tagged nowhere, and an item kept lost only the tags of the children
    # its face boxes hide
    assert not [m for m, item in after.items() if CHILD in item.tagged_child_ids]
    for media_id, item in after.items():
        before = centre[media_id]
        assert item.tagged_child_ids == before.tagged_child_ids - (
            {CHILD} | before.blurred_child_ids if media_id in tagged else set()
        )
    # And replanning finds nothing to do
    assert plan(CHILD, mode, tags_of(CHILD, after, 0), now).steps == ()


@given(centres(), modes, times)
def test_an_item_is_blurred_only_when_asked_and_a_current_box_hides_the_child(
    centre: dict[str, TaggedItem], mode: str | None, now: int
) -> None:
    tagged = tags_of(CHILD, centre, 0)
    for step in plan(CHILD, mode, tagged, now).steps:
        item = centre[step.media_id]
        hidden_by_current_box = (
            item.kind == "photo"
            and CHILD in item.blurred_child_ids
            and item.has_blurred_variant
            and item.has_renditions
            and item.blurred_revision == item.blur_revision
        )
        assert can_blur(item, CHILD) == hidden_by_current_box
        blurrable = mode == BLUR and hidden_by_current_box
        assert step.action == (BLUR_OUT if blurrable else REMOVE_ITEM)
        assert step.republish == (blurrable and item.published)
        if step.action == BLUR_OUT:
            assert not step.keep_tags & item.blurred_child_ids
            assert step.no_identifiable_child == (not step.keep_tags)


@given(centres(), modes, times)
def test_the_evidence_is_kept_the_proof_period_and_the_mode_defaults_to_removal(
    centre: dict[str, TaggedItem], mode: str | None, now: int
) -> None:
    done = plan(CHILD, mode, tags_of(CHILD, centre, 0), now)
    assert done.evidence_until == now + PROOF_SECONDS
    assert done.mode == (mode or REMOVE)


# --- When a run acts on a request -----------------------------------------------------------

NOW = 2_000_000_000
# Times near the run's, where a wrong comparison shows.
near = st.integers(-2, 2).map(lambda d: NOW + d) | st.integers(-4 * 3600, 4 * 3600).map(
    lambda d: NOW + d
)
states = st.builds(
    RequestState,
    status=st.sampled_from([REQUESTED, DONE]),
    due_by=near.map(lambda t: t + DEFAULT_MODE_BEFORE_DEADLINE_SECONDS),
    mode=modes,
    certificate_sent_at=st.one_of(st.none(), near),
    evidence_until=st.one_of(st.none(), near),
)


@given(states, st.just(NOW))
def test_an_open_request_waits_for_the_director_until_three_hours_before_its_deadline(
    request: RequestState, now: int
) -> None:
    action = next_action(request, now)
    if request.status == REQUESTED:
        soon = now >= request.due_by - DEFAULT_MODE_BEFORE_DEADLINE_SECONDS
        assert (action == CARRY_OUT) == (bool(request.mode) or soon)
        assert action != DELETE_EVIDENCE


@given(states, st.just(NOW))
def test_evidence_goes_only_after_the_certificate_and_the_proof_period(
    request: RequestState, now: int
) -> None:
    action = next_action(request, now)
    if action == DELETE_EVIDENCE:
        assert request.status == DONE
        assert request.certificate_sent_at is not None
        assert request.evidence_until is not None
        assert request.evidence_until <= now
    if request.status == DONE and request.certificate_sent_at is None:
        assert action == CARRY_OUT  # the certificate is mailed first
    if (
        request.status == DONE
        and request.certificate_sent_at is not None
        and request.evidence_until is not None
        and request.evidence_until <= now
    ):
        assert action == DELETE_EVIDENCE


def test_a_request_is_carried_out_within_its_deadline_by_an_hourly_run() -> None:
    # The default mode applies 3 hours before the deadline: an hourly run has 3 chances.
    assert erasure.DEFAULT_MODE_BEFORE_DEADLINE_SECONDS >= 3600
    assert erasure.DEADLINE_SECONDS == 24 * 3600
