"""Erasure requests: asked by a guardian (or the director for them), one open per child,
recorded with its audit entry; carried out by the retention work (docs/erasure.md)."""

from __future__ import annotations

import pytest

from pellicule.services import audit
from tests.conftest import Aws
from tests.integration.scenario import Scenario, build


@pytest.fixture
def centre(aws: Aws) -> Scenario:
    return build()


def _ask(centre: Scenario, who: str, child: str, confirm: object = True) -> dict:
    return centre.family(
        who, "POST", f"children/{centre.children[child]}/erasure-request", {"confirm": confirm}
    )


def _erasure_entries(centre: Scenario) -> list[dict]:
    return [r for r in audit.export_rows(centre.tenant_id) if r["action"] == "erasure_requested"]


def test_a_guardian_asks_once_and_both_guardians_see_the_same_request(
    aws: Aws, centre: Scenario
) -> None:
    lea = centre.children["lea"]
    # Nothing is asked without an explicit confirmation
    assert _ask(centre, "g1", "lea", confirm=False)["statusCode"] == 400
    assert _ask(centre, "g1", "lea", confirm="yes")["statusCode"] == 400
    assert _erasure_entries(centre) == []
    # When Léa's guardian confirms
    first = centre.ok(_ask(centre, "g1", "lea"))
    assert first["created"] is True
    request = first["request"]
    assert request["status"] == "requested"
    assert request["due_by"] - request["requested_at"] == 24 * 3600
    assert request["requested_by"] == "guardian"
    [entry] = _erasure_entries(centre)
    assert entry["subject"] == f"child:{lea}"
    assert entry["actor"] == f"guardian:{centre.families['g1'].guardian_id}"
    # Asking again (either guardian) returns the open request, and records nothing more
    again = centre.ok(_ask(centre, "g2", "lea"))
    assert again == {"request": request, "created": False}
    assert len(_erasure_entries(centre)) == 1
    assert centre.ok(centre.family("g2", "GET", f"children/{lea}/erasure-request")) == {
        "request": request
    }
    assert audit.verify(centre.tenant_id).ok


def test_another_family_cannot_ask_for_or_see_a_childs_erasure(aws: Aws, centre: Scenario) -> None:
    lea = centre.children["lea"]
    assert _ask(centre, "g3", "lea")["statusCode"] == 404  # Noah's guardian, not Léa's
    assert centre.family("g3", "GET", f"children/{lea}/erasure-request")["statusCode"] == 404
    assert _erasure_entries(centre) == []
    # Another centre's director does not see it either
    centre.ok(_ask(centre, "g1", "lea"))
    other = build()
    assert centre.ok(other.admin("GET", "erasure-requests")) == {"requests": []}
    assert (
        other.admin("POST", f"children/{lea}/erasure-request", {"confirm": True})["statusCode"]
        == 404
    )


def test_the_director_lists_requests_and_records_one_for_a_family(
    aws: Aws, centre: Scenario
) -> None:
    centre.ok(_ask(centre, "g1", "lea"))
    noah = centre.children["noah"]
    recorded = centre.ok(
        centre.admin("POST", f"children/{noah}/erasure-request", {"confirm": True})
    )
    assert recorded["created"] is True
    assert recorded["request"]["requested_by"] == "staff"
    listed = centre.ok(centre.admin("GET", "erasure-requests"))["requests"]
    assert sorted(r["child_id"] for r in listed) == sorted([centre.children["lea"], noah])
    assert [r["due_by"] for r in listed] == sorted(r["due_by"] for r in listed)  # most urgent first
    # Animators neither list nor record
    assert centre.admin("GET", "erasure-requests", session=centre.animator)["statusCode"] == 403
    assert (
        centre.admin(
            "POST",
            f"children/{centre.children['zoe']}/erasure-request",
            {"confirm": True},
            session=centre.animator,
        )["statusCode"]
        == 403
    )
