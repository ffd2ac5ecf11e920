"""The consent campaign's pure rules (pellicule.domain.campaign): a child's state on the
board, who is due a reminder, what a sending pass does, the counts per group."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from pellicule.domain import campaign as rules
from pellicule.domain.campaign import Campaign, ChildView, ConsentView, GuardianView, Send

START = 1_800_000_000
DAY = rules.DAY_SECONDS


def campaign(**changes: object) -> Campaign:
    fields: dict[str, object] = {
        "campaign_id": "c1",
        "season": "2026-2027",
        "group_ids": (),
        "text_version": "2026-09",
        "created_by": "staff:dir",
        "started_at": START,
        "reminder_days": 7,
        "max_reminders": 2,
    }
    fields.update(changes)
    return Campaign(**fields)  # type: ignore[arg-type]


LEA = ChildView("lea", "loutres", frozenset({"g1", "g2"}))
ZOE = ChildView("zoe", "renards", frozenset({"g4"}))
ORPHAN = ChildView("oscar", "renards", frozenset())
GUARDIANS = {
    "g1": GuardianView("g1", True),
    "g2": GuardianView("g2", True),
    "g4": GuardianView("g4", True),
}


def sent(guardian_id: str, at: int = START, reminders: int = 0) -> Send:
    return Send(guardian_id, rules.SENT, at, at, reminders)


def test_an_answer_after_the_start_counts_on_paper_or_online_alike() -> None:
    c = campaign()
    given_now = ConsentView("active", START + 10)
    assert rules.child_state(c, LEA, given_now, GUARDIANS, {}) == rules.ANSWERED
    # A widening waiting for the other guardian: a guardian answered.
    assert rules.child_state(c, LEA, ConsentView("none", START), GUARDIANS, {}) == rules.ANSWERED


def test_a_consent_from_before_the_campaign_is_no_answer_to_it() -> None:
    before = ConsentView("active", START - 1)
    assert rules.child_state(campaign(), LEA, before, GUARDIANS, {}) == rules.WAITING
    withdrawn_before = ConsentView("withdrawn", START - 1)
    assert rules.child_state(campaign(), LEA, withdrawn_before, GUARDIANS, {}) == rules.WAITING


def test_a_withdrawal_after_the_start_is_a_refusal() -> None:
    refused = ConsentView("withdrawn", START + 1)
    assert rules.child_state(campaign(), LEA, refused, GUARDIANS, {}) == rules.REFUSED


def test_a_child_nobody_can_be_mailed_about_is_bounced() -> None:
    c = campaign()
    assert rules.child_state(c, ORPHAN, None, GUARDIANS, {}) == rules.BOUNCED
    rejected = {"g4": Send("g4", rules.REJECTED)}
    assert rules.child_state(c, ZOE, None, GUARDIANS, rejected) == rules.BOUNCED
    no_address = {"g4": GuardianView("g4", False)}
    assert rules.child_state(c, ZOE, None, no_address, {}) == rules.BOUNCED
    # One guardian refused, the other still reachable: waiting.
    one = {"g1": Send("g1", rules.REJECTED), "g2": sent("g2")}
    assert rules.child_state(c, LEA, None, GUARDIANS, one) == rules.WAITING


def test_reminders_after_the_interval_up_to_the_maximum() -> None:
    c = campaign(reminder_days=7, max_reminders=2)
    assert not rules.reminder_due(c, sent("g1"), START + 7 * DAY - 1)
    assert rules.reminder_due(c, sent("g1"), START + 7 * DAY)
    assert rules.reminder_due(c, sent("g1", reminders=1), START + 7 * DAY)
    assert not rules.reminder_due(c, sent("g1", reminders=2), START + 70 * DAY)
    assert not rules.reminder_due(c, Send("g1", rules.REJECTED), START + 70 * DAY)
    assert not rules.reminder_due(c, Send("g1", rules.SENDING), START + 70 * DAY)
    closed = campaign(closed_at=START + DAY)
    assert not rules.reminder_due(closed, sent("g1"), START + 70 * DAY)


def test_reminders_now_skip_the_interval_but_not_the_minimum_gap() -> None:
    c = campaign(reminder_days=7)
    assert not rules.reminder_due(c, sent("g1"), START + rules.MIN_GAP_SECONDS - 1, force=True)
    assert rules.reminder_due(c, sent("g1"), START + rules.MIN_GAP_SECONDS, force=True)


def test_the_plan_mails_the_waiting_families_once_and_records_missing_addresses() -> None:
    c = campaign()
    guardians = {**GUARDIANS, "g5": GuardianView("g5", False)}
    noah = ChildView("noah", "loutres", frozenset({"g5"}))
    answered = {"zoe": ConsentView("active", START + 1)}
    first = rules.plan(c, [LEA, ZOE, noah], guardians, answered, {}, START, reminders=True)
    assert first.first == ["g1", "g2"]  # Zoe answered: nothing to g4
    assert first.no_email == ["g5"]
    assert first.reminders == []
    sends = {"g1": sent("g1"), "g2": sent("g2"), "g5": Send("g5", rules.NO_EMAIL)}
    later = rules.plan(
        c, [LEA, ZOE, noah], guardians, answered, sends, START + 7 * DAY, reminders=True
    )
    assert (later.first, later.reminders, later.no_email) == ([], ["g1", "g2"], [])
    without = rules.plan(c, [LEA], guardians, {}, sends, START + 7 * DAY, reminders=False)
    assert without.reminders == []


def test_the_audience_is_the_chosen_groups_or_the_whole_centre() -> None:
    assert rules.audience(campaign(), [LEA, ZOE]) == [LEA, ZOE]
    assert rules.audience(campaign(group_ids=("renards",)), [LEA, ZOE]) == [ZOE]
    chosen = campaign(group_ids=("renards",))
    assert rules.plan(chosen, [LEA, ZOE], GUARDIANS, {}, {}, START, reminders=False).first == ["g4"]


def test_settings_are_bounded() -> None:
    assert rules.validate_settings("2026-2027", 7, 2) is None
    assert rules.validate_settings("   ", 7, 2) == "campaign_season_invalid"
    assert rules.validate_settings("x" * 61, 7, 2) == "campaign_season_invalid"
    assert rules.validate_settings("s", 0, 2) == "campaign_reminder_days_invalid"
    assert rules.validate_settings("s", 31, 2) == "campaign_reminder_days_invalid"
    assert rules.validate_settings("s", 7, 6) == "campaign_max_reminders_invalid"


STATE = st.sampled_from(["none", "active", "withdrawn"])


@given(
    consents=st.dictionaries(
        st.sampled_from(["lea", "zoe", "oscar"]),
        st.builds(ConsentView, STATE, st.integers(START - 10 * DAY, START + 10 * DAY)),
    ),
    rejected=st.sets(st.sampled_from(["g1", "g2", "g4"])),
    now=st.integers(START, START + 60 * DAY),
)
def test_property_nobody_answered_or_unreachable_is_ever_mailed(
    consents: dict[str, ConsentView], rejected: set[str], now: int
) -> None:
    c = campaign()
    children = [LEA, ZOE, ORPHAN]
    sends = {g: Send(g, rules.REJECTED) for g in rejected}
    sends.update({g: sent(g) for g in {"g1", "g2", "g4"} - rejected})
    done = rules.plan(c, children, GUARDIANS, consents, sends, now, reminders=True)
    mailed = set(done.first) | set(done.reminders)
    assert not mailed & rejected
    for child in children:
        state = rules.child_state(c, child, consents.get(child.child_id), GUARDIANS, sends)
        if state in (rules.ANSWERED, rules.REFUSED):  # (no guardian shared between them)
            assert not mailed & child.guardian_ids
    # Every count adds up to the audience.
    total = rules.counts(
        (x.group_id, rules.child_state(c, x, consents.get(x.child_id), GUARDIANS, sends))
        for x in children
    )
    assert sum(sum(g.counts.values()) for g in total) == len(children)
