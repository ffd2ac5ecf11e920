"""The team's rules (pellicule.domain.team): a centre always keeps a director who can sign in."""

from __future__ import annotations

import pytest

from pellicule.domain import team
from pellicule.domain.team import Member

ME = Member("me", "director")
OTHER = Member("other", "director")
ANIM = Member("anim", "animator")


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ("suspend", "staff_cannot_suspend_self"),
        ("archive", "staff_cannot_archive_self"),
        ("demote", "staff_cannot_demote_self"),
    ],
)
def test_nobody_suspends_archives_or_demotes_themselves(change: team.Change, code: str) -> None:
    # Even with another director to take over
    assert team.refusal("me", ME, change, [ME, OTHER, ANIM]) == code


@pytest.mark.parametrize("change", ["suspend", "archive", "demote"])
def test_another_director_may_go_while_an_active_director_stays(change: team.Change) -> None:
    assert team.refusal("me", OTHER, change, [ME, OTHER, ANIM]) is None


@pytest.mark.parametrize("change", ["suspend", "archive", "demote"])
def test_the_last_active_director_stays(change: team.Change) -> None:
    # The caller is an operator-made director who is themselves suspended or archived: the
    # target is then the only director who can still sign in.
    for me in (Member("me", "director", suspended=True), Member("me", "director", archived=True)):
        assert team.refusal("me", OTHER, change, [me, OTHER, ANIM]) == team.LAST_DIRECTOR
    # And an animator never counts as a director
    assert team.refusal("anim", OTHER, change, [ANIM, OTHER]) == team.LAST_DIRECTOR


def test_animators_and_directors_already_out_are_never_held_back() -> None:
    assert team.refusal("me", ANIM, "suspend", [ME, ANIM]) is None
    gone = Member("gone", "director", suspended=True)
    # A suspended director is not an active one: archiving them keeps ``me`` in charge
    assert team.refusal("me", gone, "archive", [ME, gone]) is None
    # ...even if ``me`` were the only other one left out (nobody active at all: nothing to keep)
    assert team.refusal("x", gone, "archive", [gone]) is None


def test_the_second_factor_is_described_in_three_states() -> None:
    assert team.factor_state(None) == "none"
    assert team.factor_state({}) == "none"
    assert team.factor_state({"secret": "S", "confirmed": False}) == "enrolling"
    assert team.factor_state({"secret": "S", "confirmed": True}) == "active"
