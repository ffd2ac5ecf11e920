"""Helpers of the weekly "few or no photos" report's tests: a centre where two items were
published during week 2026-W49 (Noah tagged on both, Zoe on one, Lea on none; Oscar
archived)."""

from __future__ import annotations

from tests.conftest import Aws
from tests.integration.digest_helpers import GROUP, publish
from tests.integration.purge_helpers import move_clock_to
from tests.integration.scenario import Scenario, build, consent_text_hash

WEDNESDAY = "2026-12-02T10:00:00"  # week 2026-W49 (Monday 30 November to Sunday 6 December)
NEXT_MONDAY = "2026-12-07T17:00:00"  # the digest's run after the week ended


def consent(centre: Scenario, who: str, child: str) -> None:
    """A consent that covers the week (the default, the season's end, may be over)."""
    centre.ok(
        centre.family(
            who,
            "POST",
            f"children/{centre.children[child]}/consent",
            {
                "audiences": [GROUP],
                "media_kinds": ["photo", "video"],
                "text_sha256": consent_text_hash(),
                "valid_until": "2027-06-30",
            },
        )
    )


def add_child(centre: Scenario, name: str, group: str) -> str:
    created = centre.ok(
        centre.admin(
            "POST",
            "children",
            {"first_name": name, "initial": "Q", "group_id": centre.groups[group]},
        ),
        201,
    )
    return str(created["child_id"])


def published_week(aws: Aws) -> Scenario:
    move_clock_to(WEDNESDAY)
    centre = build()
    gone = add_child(centre, "Oscar", "renards")
    centre.ok(centre.admin("POST", f"children/{gone}/archive"))
    consent(centre, "g3", "noah")
    consent(centre, "g4", "zoe")
    publish(aws, centre, "noah")
    publish(aws, centre, "noah", "zoe")
    return centre


def fresh_sessions(centre: Scenario) -> Scenario:
    """The same centre with new staff sessions (the ones opened during the week expired)."""
    import dataclasses

    from pellicule.services import sessions

    return dataclasses.replace(
        centre,
        director=sessions.create(centre.tenant_id, "staff", "dir-1", "director"),
        animator=sessions.create(centre.tenant_id, "staff", "anim-1", "animator"),
    )
