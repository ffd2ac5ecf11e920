"""Property tests of the session and sign-in link rules (docs/authentication.md,
``pellicule.domain.sessions``)."""

from __future__ import annotations

from dataclasses import dataclass

from hypothesis import example, given
from hypothesis import strategies as st

from pellicule.domain.sessions import (
    ABSOLUTE_TIMEOUT_SECONDS,
    IDLE_TIMEOUT_SECONDS,
    MAX_CODE_ATTEMPTS,
    SESSION_EXPIRED,
    SESSION_UNKNOWN,
    TOKEN_TTL_SECONDS,
    TOUCH_EVERY_SECONDS,
    LinkState,
    SessionTimes,
    code_attempt_counted,
    codes_issued_since,
    is_valid,
    link_expiry,
    link_usable,
    opened,
    refusal,
    slid,
)

NOW = 1_800_000_000  # 2027-01-15 (the draws move around it)
KINDS = st.sampled_from(sorted(IDLE_TIMEOUT_SECONDS))
STARTS = st.integers(NOW - 400 * 86400, NOW + 400 * 86400)


@dataclass(frozen=True)
class Use:
    """One request of a session's browser: when, and what the rules answered."""

    at: int
    before: SessionTimes  # the clock as read
    valid: bool
    after: SessionTimes  # the clock as written (unchanged when nothing was written)


def replay(kind: str, start: int, gaps: list[int]) -> list[Use]:
    """A session opened at ``start``, then a request after each gap, as the service carries
    them out: refused requests change nothing, valid ones slide the clock when the rules say."""
    times = opened(kind, start)
    at = start
    uses = []
    for gap in gaps:
        at += gap
        valid = is_valid(times, at)
        after = (slid(times, kind, at) or times) if valid else times
        uses.append(Use(at, times, valid, after))
        times = after
    return uses


def gaps(idle: int) -> st.SearchStrategy[list[int]]:
    """Gaps between requests around the interesting lengths: under a minute, around the idle
    timeout (often exactly it, give or take a second), long."""
    return st.lists(
        st.one_of(
            st.integers(0, 2 * TOUCH_EVERY_SECONDS),
            st.integers(idle - 2 * TOUCH_EVERY_SECONDS, idle + 2),
            st.sampled_from([idle - 1, idle, idle + 1]),
            st.integers(0, 2 * max(ABSOLUTE_TIMEOUT_SECONDS.values())),
        ),
        max_size=40,
    )


@st.composite
def activity(draw: st.DrawFn) -> tuple[str, int, list[int]]:
    """A kind, an opening time and the gaps between requests: any gaps, or a busy browser
    whose requests keep the session alive up to (and past) its absolute limit."""
    kind = draw(KINDS)
    idle = IDLE_TIMEOUT_SECONDS[kind]
    steady = st.lists(
        st.integers(idle - 2 * TOUCH_EVERY_SECONDS, idle - TOUCH_EVERY_SECONDS),
        min_size=ABSOLUTE_TIMEOUT_SECONDS[kind] // (idle - 2 * TOUCH_EVERY_SECONDS),
        max_size=ABSOLUTE_TIMEOUT_SECONDS[kind] // (idle - 2 * TOUCH_EVERY_SECONDS) + 3,
    )
    return kind, draw(STARTS), draw(gaps(idle) | steady)


# --- Sessions --------------------------------------------------------------------------------


@given(KINDS, STARTS)
def test_a_new_session_is_valid_with_both_expiries_set_from_its_opening(
    kind: str, start: int
) -> None:
    times = opened(kind, start)
    assert is_valid(times, start)
    assert times.created_at == times.last_seen_at == start
    assert times.absolute_expires_at == start + ABSOLUTE_TIMEOUT_SECONDS[kind]
    assert times.expires_at == min(times.absolute_expires_at, start + IDLE_TIMEOUT_SECONDS[kind])


@given(activity())
def test_never_valid_at_or_past_the_absolute_limit_whatever_the_activity(
    drawn: tuple[str, int, list[int]],
) -> None:
    kind, start, gaps = drawn
    limit = start + ABSOLUTE_TIMEOUT_SECONDS[kind]
    for use in replay(kind, start, gaps):
        assert use.after.absolute_expires_at == limit  # no request moves it
        if use.at >= limit:
            assert not use.valid
            assert refusal(use.before, use.at) == SESSION_EXPIRED


@given(activity())
# The boundary, from the opening and from a slide: a gap of exactly the idle timeout.
@example(("guardian", NOW, [IDLE_TIMEOUT_SECONDS["guardian"]]))
@example(("staff", NOW, [TOUCH_EVERY_SECONDS, IDLE_TIMEOUT_SECONDS["staff"]]))
def test_never_valid_after_an_idle_gap_of_the_idle_timeout_or_more(
    drawn: tuple[str, int, list[int]],
) -> None:
    kind, start, gaps = drawn
    last_activity = start
    for use in replay(kind, start, gaps):
        if use.at - last_activity >= IDLE_TIMEOUT_SECONDS[kind]:
            assert not use.valid
            assert refusal(use.before, use.at) == SESSION_EXPIRED
        if use.valid:
            last_activity = use.at


@given(activity())
def test_activity_keeps_a_session_valid_until_its_absolute_limit(
    drawn: tuple[str, int, list[int]],
) -> None:
    """Requests less than (idle timeout - one touch interval) apart never find it expired:
    the idle expiry lags the last request by less than a touch interval."""
    kind, start, gaps = drawn
    limit = start + ABSOLUTE_TIMEOUT_SECONDS[kind]
    alive = True
    previous = start
    for use in replay(kind, start, gaps):
        alive = alive and use.at - previous <= IDLE_TIMEOUT_SECONDS[kind] - TOUCH_EVERY_SECONDS
        if alive and use.at < limit:
            assert use.valid
        previous = use.at


@given(activity())
def test_sliding_never_extends_beyond_the_absolute_limit_nor_moves_backwards(
    drawn: tuple[str, int, list[int]],
) -> None:
    kind, start, gaps = drawn
    for use in replay(kind, start, gaps):
        assert use.after.expires_at <= use.after.absolute_expires_at
        assert use.after.expires_at >= use.before.expires_at
        assert use.after.last_seen_at >= use.before.last_seen_at
        assert use.after.created_at == use.before.created_at
        if use.after != use.before:  # slid: from this request, capped by the absolute limit
            assert use.after.last_seen_at == use.at
            assert use.after.expires_at == min(
                use.after.absolute_expires_at, use.at + IDLE_TIMEOUT_SECONDS[kind]
            )


@given(KINDS, STARTS, st.integers(0, 3 * TOUCH_EVERY_SECONDS))
def test_the_clock_is_written_at_most_once_per_touch_interval(
    kind: str, start: int, since_seen: int
) -> None:
    times = opened(kind, start)
    moved = slid(times, kind, start + since_seen)
    assert (moved is None) == (since_seen < TOUCH_EVERY_SECONDS)


@given(STARTS)
def test_a_revoked_or_unknown_session_is_never_valid(now: int) -> None:
    assert not is_valid(None, now)
    assert refusal(None, now) == SESSION_UNKNOWN


@st.composite
def clocks(draw: st.DrawFn) -> SessionTimes:
    """Any clock a session may have (the idle expiry at or before the absolute one)."""
    kind = draw(KINDS)
    times = opened(kind, draw(STARTS))
    seen = times.created_at + draw(st.integers(0, ABSOLUTE_TIMEOUT_SECONDS[kind]))
    return slid(times, kind, seen) or times


@given(clocks())
def test_the_boundaries_are_exact(times: SessionTimes) -> None:
    """Valid up to the second before either expiry; refused at the expiry itself."""
    first = min(times.expires_at, times.absolute_expires_at)
    assert is_valid(times, first - 1)
    assert refusal(times, first) == SESSION_EXPIRED
    assert refusal(times, times.absolute_expires_at) == SESSION_EXPIRED
    assert refusal(times, times.expires_at) == SESSION_EXPIRED


# --- Sign-in links ---------------------------------------------------------------------------


@st.composite
def links(draw: st.DrawFn) -> tuple[LinkState, int]:
    """A link and a moment near its life (its expiry and limits are where the draws go)."""
    created = draw(STARTS)
    expires = link_expiry(created, draw(st.sampled_from([TOKEN_TTL_SECONDS, 86400])))
    used = draw(st.none() | st.integers(created, expires + 10))
    attempts = draw(st.integers(0, MAX_CODE_ATTEMPTS + 2))
    now = draw(st.integers(created, expires + 5) | st.integers(expires - 2, expires + 2))
    return LinkState(expires_at=expires, used_at=used, attempts=attempts), now


# The boundaries: the last attempt spent, the last second of its life.
@given(links())
@example((LinkState(expires_at=NOW + 1, attempts=MAX_CODE_ATTEMPTS), NOW))
@example((LinkState(expires_at=NOW + 1, attempts=MAX_CODE_ATTEMPTS - 1), NOW))
@example((LinkState(expires_at=NOW, attempts=0), NOW))
def test_a_link_is_usable_exactly_when_unused_unexpired_with_attempts_left(
    drawn: tuple[LinkState, int],
) -> None:
    link, now = drawn
    assert link_usable(link, now) == (
        link.used_at is None and now < link.expires_at and link.attempts < MAX_CODE_ATTEMPTS
    )


@given(links())
def test_a_used_link_and_an_expired_one_are_never_usable(drawn: tuple[LinkState, int]) -> None:
    link, now = drawn
    if link.used_at is not None or now >= link.expires_at:
        assert not link_usable(link, now)
        assert not code_attempt_counted(link, now)
    assert not link_usable(None, now)


@given(links())
@example((LinkState(expires_at=NOW + 1, attempts=MAX_CODE_ATTEMPTS), NOW))
@example((LinkState(expires_at=NOW + 1, attempts=MAX_CODE_ATTEMPTS + 1), NOW))
def test_a_link_dies_when_its_code_attempts_are_spent(drawn: tuple[LinkState, int]) -> None:
    link, now = drawn
    if link.attempts >= MAX_CODE_ATTEMPTS:
        assert not link_usable(link, now)
    # The attempt counted for the code being compared is itself allowed, one more is not.
    if link.used_at is None and now < link.expires_at:
        assert code_attempt_counted(link, now) == (link.attempts <= MAX_CODE_ATTEMPTS)


# A link's age: anything, often within a few seconds of its expiry.
AGES = st.integers(0, 2 * TOKEN_TTL_SECONDS) | st.integers(
    TOKEN_TTL_SECONDS - 3, TOKEN_TTL_SECONDS + 3
)


@given(STARTS, AGES)
@example(NOW, TOKEN_TTL_SECONDS - 1)
@example(NOW, TOKEN_TTL_SECONDS)
def test_a_link_expires_at_its_ttl_to_the_second(created: int, age: int) -> None:
    link = LinkState(expires_at=link_expiry(created))
    assert link.expires_at == created + TOKEN_TTL_SECONDS
    assert link_usable(link, created + age) == (age < TOKEN_TTL_SECONDS)


@given(STARTS, AGES)
@example(NOW, TOKEN_TTL_SECONDS - 1)
def test_the_code_lookup_covers_every_live_link(created: int, age: int) -> None:
    now = created + age
    if link_usable(LinkState(expires_at=link_expiry(created)), now):
        assert created >= codes_issued_since(now)
