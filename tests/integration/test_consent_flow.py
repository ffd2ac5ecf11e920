"""Consent through the API: electronic acceptance, history, the two-guardian rule, audit."""

from __future__ import annotations

import json
from typing import Any
from unittest import mock

import pytest

from tests.conftest import Aws
from tests.integration.scenario import Scenario, build, consent_text_hash, give

GROUP = "families_of_group"
CENTRE = "all_families_of_centre"
PUBLIC = "public_communication"


@pytest.fixture
def centre(aws: Aws) -> Scenario:
    return build()


def consent_of(centre: Scenario, child: str) -> dict[str, Any]:
    return centre.ok(centre.admin("GET", f"children/{centre.children[child]}/consent"))


def audit_rows(centre: Scenario) -> list[dict[str, Any]]:
    from pellicule.services import audit

    return audit.export_rows(centre.tenant_id)


def test_single_guardian_gives_consent_electronically_with_proof(centre: Scenario) -> None:
    # Given Noah has one guardian; When they accept the current text for the group
    outcome = centre.ok(give(centre, "g3", "noah", [GROUP], ["photo"]))
    # Then it is in force, with its proof (text version and hash) in the history and the audit
    assert outcome["applied"] is True
    assert outcome["action"] == "given"
    state = consent_of(centre, "noah")
    assert state["consent"]["status"] == "active"
    assert state["consent"]["terms"]["audiences"] == [GROUP]
    assert state["consent"]["terms"]["media_kinds"] == ["photo"]
    [entry] = state["history"]
    assert entry["action"] == "given"
    assert entry["evidence"]["kind"] == "electronic"
    assert entry["evidence"]["text_sha256"] == consent_text_hash()
    given = [r for r in audit_rows(centre) if r["action"] == "consent_given"]
    assert len(given) == 1
    assert given[0]["subject"] == f"child:{centre.children['noah']}"
    assert "@" not in str(given[0])


def test_default_end_is_the_end_of_the_season(centre: Scenario) -> None:
    import datetime

    from pellicule.config import clock

    centre.ok(give(centre, "g3", "noah", [GROUP]))
    until = consent_of(centre, "noah")["consent"]["terms"]["valid_until"]
    end = datetime.datetime.fromtimestamp(until, tz=datetime.UTC)
    assert (end.month, end.day, end.hour) == (9, 1, 0)  # the day after 08-31, 00:00 UTC
    assert 0 < until - clock.now() <= 366 * 24 * 3600


def test_a_changed_consent_text_is_refused_and_nothing_is_saved(centre: Scenario) -> None:
    response = centre.family(
        "g3",
        "POST",
        f"children/{centre.children['noah']}/consent",
        {"audiences": [GROUP], "media_kinds": ["photo"], "text_sha256": "0" * 64},
    )
    assert response["statusCode"] == 409
    assert consent_of(centre, "noah")["consent"]["status"] == "none"
    assert consent_of(centre, "noah")["history"] == []


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        ({"audiences": ["everyone"], "media_kinds": ["photo"]}, "field_unknown_value"),
        ({"audiences": [], "media_kinds": ["photo"]}, "consent_choose_one"),
        ({"audiences": [GROUP], "media_kinds": ["audio"]}, "field_unknown_value"),
        (
            {"audiences": [GROUP], "media_kinds": ["photo"], "valid_until": "2020-01-01"},
            "consent_window_invalid",
        ),
        (
            {"audiences": [GROUP], "media_kinds": ["photo"], "valid_until": "demain"},
            "field_date_expected",
        ),
    ],
)
def test_bad_terms_get_a_clear_400(centre: Scenario, payload: dict[str, Any], reason: str) -> None:
    response = centre.family(
        "g3",
        "POST",
        f"children/{centre.children['noah']}/consent",
        {**payload, "text_sha256": consent_text_hash()},
    )
    assert response["statusCode"] == 400
    assert json.loads(response["body"])["reason"] == reason
    assert consent_of(centre, "noah")["history"] == []


def test_one_guardian_alone_cannot_give_where_both_are_required(centre: Scenario) -> None:
    # Given Léa has two guardians and the centre requires both to widen (the default)
    outcome = centre.ok(give(centre, "g1", "lea", [GROUP]))
    # Then the first guardian's consent is recorded but not in force
    assert outcome["applied"] is False
    assert outcome["awaiting_other_guardian"] is True
    state = consent_of(centre, "lea")
    assert state["consent"]["status"] == "none"
    assert state["consent"]["pending"]["awaiting"] == [centre.families["g2"].guardian_id]
    assert [e["action"] for e in state["history"]] == ["proposed"]
    recorded = [r for r in audit_rows(centre) if r["action"] == "consent_changed"]
    assert recorded
    assert recorded[-1]["details"]["applied"] == "false"
    # When the other guardian agrees to the same terms, it is in force
    agreed = centre.ok(give(centre, "g2", "lea", [GROUP]))
    assert agreed["applied"] is True
    assert agreed["action"] == "given"
    assert consent_of(centre, "lea")["consent"]["status"] == "active"
    assert consent_of(centre, "lea")["consent"]["pending"] is None


def both_give(centre: Scenario, audiences: list[str]) -> None:
    centre.ok(give(centre, "g1", "lea", audiences))
    centre.ok(give(centre, "g2", "lea", audiences))
    assert consent_of(centre, "lea")["consent"]["terms"]["audiences"] == sorted(audiences)


def test_a_later_start_already_reached_is_not_a_narrowing(centre: Scenario) -> None:
    """A guardian widening a minute after the consent was given starts "now" too: that is
    the same start as far as the gate goes, so it is a proposal, not a restriction."""
    from pellicule.config import clock

    both_give(centre, [GROUP])
    with mock.patch.object(clock, "now", return_value=clock.now() + 60):
        outcome = centre.ok(give(centre, "g1", "lea", [GROUP, PUBLIC]))
        state = consent_of(centre, "lea")
    assert outcome["applied"] is False
    assert state["history"][-1]["action"] == "proposed"
    assert state["history"][-1]["restricts"] is False
    assert state["consent"]["terms"]["audiences"] == [GROUP]


def test_one_guardian_widening_alone_is_refused_and_recorded(centre: Scenario) -> None:
    both_give(centre, [GROUP])
    before = len(audit_rows(centre))
    # When one guardian alone adds an audience
    outcome = centre.ok(give(centre, "g1", "lea", [GROUP, PUBLIC]))
    # Then the terms in force do not change, and the attempt is in the history and the audit
    assert outcome["applied"] is False
    state = consent_of(centre, "lea")
    assert state["consent"]["terms"]["audiences"] == [GROUP]
    assert state["consent"]["pending"]["terms"]["audiences"] == [GROUP, PUBLIC]
    assert state["history"][-1]["action"] == "proposed"
    assert len(audit_rows(centre)) == before + 1
    from pellicule.services import consent

    grants = consent.grants(centre.tenant_id, [centre.children["lea"]])
    assert grants[centre.children["lea"]][0].audiences == frozenset({GROUP})


def test_either_guardian_restricts_at_once_and_cancels_a_pending_widening(
    centre: Scenario,
) -> None:
    both_give(centre, [GROUP, CENTRE])
    centre.ok(give(centre, "g2", "lea", [GROUP, CENTRE, PUBLIC]))  # pending widening
    # When the other guardian alone narrows to the group
    outcome = centre.ok(give(centre, "g1", "lea", [GROUP]))
    # Then it applies at once and the widening is gone
    assert outcome["applied"] is True
    assert outcome["action"] == "narrowed"
    state = consent_of(centre, "lea")
    assert state["consent"]["terms"]["audiences"] == [GROUP]
    assert state["consent"]["pending"] is None
    assert state["history"][-1]["restricts"] is True


def test_a_mixed_change_restricts_now_and_waits_for_the_widening(centre: Scenario) -> None:
    both_give(centre, [GROUP, CENTRE])
    # One guardian swaps "whole centre" for "public communication"
    outcome = centre.ok(give(centre, "g1", "lea", [GROUP, PUBLIC]))
    assert outcome["applied"] is False
    state = consent_of(centre, "lea")
    assert state["consent"]["terms"]["audiences"] == [GROUP]  # the restriction applied
    assert state["consent"]["pending"]["terms"]["audiences"] == [GROUP, PUBLIC]


def test_withdrawal_is_one_action_and_takes_effect_at_once(centre: Scenario) -> None:
    from pellicule.services import consent

    centre.ok(give(centre, "g3", "noah", [GROUP, CENTRE]))
    outcome = centre.ok(
        centre.family("g3", "POST", f"children/{centre.children['noah']}/consent/withdraw")
    )
    assert outcome["action"] == "withdrawn"
    assert outcome["terms"] is None
    [grant] = consent.grants(centre.tenant_id, [centre.children["noah"]])[centre.children["noah"]]
    assert grant.active is False
    assert [r["action"] for r in audit_rows(centre)][-1] == "consent_withdrawn"
    # Withdrawing again changes nothing and writes nothing
    before = len(audit_rows(centre))
    again = centre.ok(
        centre.family("g3", "POST", f"children/{centre.children['noah']}/consent/withdraw")
    )
    assert again["action"] == "unchanged"
    assert len(audit_rows(centre)) == before


def test_a_centre_may_let_one_guardian_widen(centre: Scenario) -> None:
    centre.ok(centre.admin("PUT", "settings", {"two_guardian_widening": False}))
    outcome = centre.ok(give(centre, "g1", "lea", [GROUP]))
    assert outcome["applied"] is True


def test_a_concurrent_change_loses_cleanly_and_writes_nothing(centre: Scenario) -> None:
    from pellicule.services import consent

    centre.ok(give(centre, "g3", "noah", [GROUP, CENTRE]))
    stale = consent.current(centre.tenant_id, centre.children["noah"])
    centre.ok(give(centre, "g3", "noah", [GROUP]))  # someone else's change lands first
    before = len(audit_rows(centre))
    with mock.patch.object(consent, "current", return_value=stale):
        response = centre.family(
            "g3", "POST", f"children/{centre.children['noah']}/consent/withdraw"
        )
    assert response["statusCode"] == 409
    state = consent_of(centre, "noah")
    assert state["consent"]["status"] == "active"
    assert len(state["history"]) == 2
    assert len(audit_rows(centre)) == before


def test_history_is_append_only(centre: Scenario) -> None:
    from pynamodb.exceptions import PutError

    from pellicule.store.models import ConsentEvent, tenant_pk

    centre.ok(give(centre, "g3", "noah", [GROUP]))
    [event] = list(
        ConsentEvent.query(tenant_pk(centre.tenant_id), ConsentEvent.sk.startswith("CONSENTLOG#"))
    )
    event.action = "withdrawn"
    with pytest.raises(PutError):
        event.save(condition=ConsentEvent.pk.does_not_exist())


def test_the_audit_chain_of_the_consent_story_verifies(centre: Scenario) -> None:
    from pellicule.services import audit

    both_give(centre, [GROUP])
    centre.ok(give(centre, "g1", "lea", [GROUP, CENTRE]))
    centre.ok(centre.family("g2", "POST", f"children/{centre.children['lea']}/consent/withdraw"))
    assert audit.verify(centre.tenant_id).ok
    rows = audit_rows(centre)
    assert {"consent_given", "consent_changed", "consent_withdrawn"} <= {r["action"] for r in rows}


def test_guardian_sees_their_children_and_the_text(centre: Scenario) -> None:
    me = centre.ok(centre.family("g1", "GET", "me"))
    assert [c["child_id"] for c in me["children"]] == [centre.children["lea"]]
    assert me["children"][0]["other_guardians"] == 1
    text = centre.ok(centre.family("g1", "GET", "consent-text"))
    assert text["sha256"] == consent_text_hash()
    assert {a["id"] for a in text["audiences"]} == {GROUP, CENTRE, PUBLIC}
