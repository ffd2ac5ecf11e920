"""What is new and what is mine (pellicule.domain.gallery_news): visits, "new" marks, "mine".

Properties over generated request times (a guardian's gallery requests, in order), run through
the same storage rule the store applies (a write replaces the stored state), and a table for
"mine".
"""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pellicule.domain.gallery_news import (
    VISIT_GAP_SECONDS,
    WRITE_EVERY_SECONDS,
    Visit,
    is_new,
    on_request,
    shows_own_child,
)

START = 1_780_000_000
# Gaps between two requests: within a visit, around the thresholds, and long absences.
gaps = st.one_of(
    st.integers(0, WRITE_EVERY_SECONDS * 3),
    st.integers(VISIT_GAP_SECONDS - 90, VISIT_GAP_SECONDS + 90),
    st.integers(0, 3 * 24 * 3600),
)


def _replay(times: list[int]) -> list[tuple[int, Visit, bool]]:
    """Each request's time, the visit it belongs to and whether it was written."""
    stored = Visit()
    out = []
    for now in times:
        step = on_request(stored, now)
        if step.write:
            stored = step.visit
        out.append((now, step.visit, step.write))
    return out


def _times(deltas: list[int]) -> list[int]:
    times, now = [], START
    for delta in deltas:
        now += delta
        times.append(now)
    return times


@settings(max_examples=300)
@given(st.lists(gaps, min_size=1, max_size=40))
def test_writes_are_at_least_a_minute_apart(deltas: list[int]) -> None:
    written = [now for now, _, write in _replay(_times(deltas)) if write]
    assert written, "the first request is always recorded"
    for before, after in itertools.pairwise(written):
        assert after - before >= WRITE_EVERY_SECONDS


@settings(max_examples=300)
@given(st.lists(gaps, min_size=1, max_size=40))
def test_a_visit_keeps_its_new_since_and_starts_after_a_half_hour_gap(deltas: list[int]) -> None:
    replayed = _replay(_times(deltas))
    # The oracle: the last recorded request before each one (what the store holds).
    recorded: int | None = None
    since: int | None = None
    for now, visit, write in replayed:
        if recorded is not None and now - recorded > VISIT_GAP_SECONDS:
            since = recorded  # a new visit: new since the end of the previous one
        assert visit.new_since == since
        assert visit.new_since is None or visit.new_since < now
        if write:
            recorded = now


@settings(max_examples=300)
@given(
    st.lists(gaps, min_size=2, max_size=30),
    st.integers(0, 3 * 24 * 3600),
)
def test_an_item_published_after_a_visit_is_new_during_the_whole_next_one(
    deltas: list[int], offset: int
) -> None:
    times = _times(deltas)
    replayed = _replay(times)
    for index, (now, visit, _) in enumerate(replayed):
        if visit.new_since is None:
            continue
        # published after the end of the previous visit (and before this request): new
        published = visit.new_since + 1 + offset % (now - visit.new_since)
        assert is_new(published, visit)
        # published before it: seen during the previous visit, never new
        assert not is_new(visit.new_since - offset, visit)
        # every later request of the same visit keeps it new
        for _, later, _ in replayed[index + 1 :]:
            if later.new_since != visit.new_since:
                break
            assert is_new(published, later)


def test_a_first_visit_marks_nothing_new() -> None:
    step = on_request(Visit(), START)
    assert step == step.__class__(Visit(seen_at=START, new_since=None), write=True)
    assert not is_new(START, step.visit)
    assert not is_new(START + 10, on_request(step.visit, START + 10).visit)


@pytest.mark.parametrize(
    ("stored", "now", "expected", "write"),
    [
        (Visit(1000, None), 1000 + 59, Visit(1000, None), False),
        (Visit(1000, 500), 1000 + 60, Visit(1060, 500), True),
        (Visit(1000, 500), 1000 + VISIT_GAP_SECONDS, Visit(1000 + VISIT_GAP_SECONDS, 500), True),
        (Visit(1000, 500), 1000 + VISIT_GAP_SECONDS + 1, Visit(2801, 1000), True),
        (Visit(1000, 500), 900, Visit(1000, 500), False),  # a clock that went back
    ],
)
def test_visit_table(stored: Visit, now: int, expected: Visit, write: bool) -> None:
    step = on_request(stored, now)
    assert (step.visit, step.write) == (expected, write)


def test_unpublished_or_undated_items_are_never_new() -> None:
    assert not is_new(None, Visit(10, 5))


@pytest.mark.parametrize(
    ("tagged", "blurred_out", "served_blurred", "own", "expected"),
    [
        ({"lea"}, set(), False, {"lea"}, True),
        ({"lea", "tom"}, set(), False, {"tom", "zoe"}, True),
        ({"tom"}, set(), False, {"lea"}, False),
        (set(), set(), False, {"lea"}, False),  # "no identifiable child"
        ({"lea"}, {"lea"}, True, {"lea"}, False),  # shown blurred: Léa's face is hidden
        ({"lea"}, {"lea"}, False, {"lea"}, True),  # shown as it is: Léa is seen
        ({"lea", "tom"}, {"tom"}, True, {"lea"}, True),
        ({"lea"}, set(), False, set(), False),
    ],
)
def test_mine_table(
    tagged: set[str], blurred_out: set[str], served_blurred: bool, own: set[str], expected: bool
) -> None:
    assert shows_own_child(tagged, blurred_out, served_blurred=served_blurred, own=own) is expected
