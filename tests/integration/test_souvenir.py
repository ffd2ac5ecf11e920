"""The souvenir e-mail before an album's purge (issue 17, item 5), through the digest's real
handler with moto: sent N days before the album's retention ends (the centre's setting), once
per album and family, only to the families that may download something there, never where
downloads are off; the purge still runs on time."""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from pellicule.domain import retention as rules
from tests.conftest import ALBUM_DATE, Aws
from tests.integration.auth_helpers import SentMail
from tests.integration.digest_helpers import GROUP, email, publish, run_digest
from tests.integration.purge_helpers import counts, move_clock_to, purge
from tests.integration.scenario import Scenario, build, consent_text_hash, give

SUBJECT = (
    "des photos bientôt supprimées : gardez un souvenir"
    " / photos to be deleted soon: keep a souvenir"
)
FIRST_PURGED = rules.purge_date(ALBUM_DATE, 12)  # the default retention: 12 months


def day(offset: int) -> str:
    """17:00 UTC (the digest's hour), ``offset`` days from the album's first purged day."""
    return f"{FIRST_PURGED + datetime.timedelta(days=offset)}T17:00:00"


def consent_until_after_the_purge(scenario: Scenario, who: str, child: str) -> None:
    """A consent that lasts past the album's retention (the default, the season's end, would
    have lapsed by then: nothing to see, so no souvenir)."""
    until = (FIRST_PURGED + datetime.timedelta(days=60)).isoformat()
    scenario.ok(
        scenario.family(
            who,
            "POST",
            f"children/{scenario.children[child]}/consent",
            {
                "audiences": [GROUP],
                "media_kinds": ["photo", "video"],
                "text_sha256": consent_text_hash(),
                "valid_until": until,
            },
        )
    )


@pytest.fixture
def centre(aws: Aws) -> Scenario:
    scenario = build()
    consent_until_after_the_purge(scenario, "g3", "noah")
    scenario.ok(give(scenario, "g4", "zoe", [GROUP]))
    publish(aws, scenario, "noah")  # the loutres' families may see it; the renards' may not
    return scenario


def souvenirs(outbox: list[SentMail], since: int = 0) -> dict[str, SentMail]:
    found: dict[str, SentMail] = {}
    for sent in outbox[since:]:
        if sent.subject.endswith(SUBJECT):
            [to] = sent.to
            assert to not in found, f"two souvenir e-mails to {to}"
            found[to] = sent
    return found


def test_families_are_told_once_n_days_before_the_purge_which_still_runs_on_time(
    aws: Aws, centre: Scenario, outbox: list[SentMail]
) -> None:
    # 31 days before: nothing yet
    move_clock_to(day(-31))
    run_digest()
    assert souvenirs(outbox) == {}
    # 30 days before (the default): each family of the loutres, once; not the renards'
    move_clock_to(day(-30))
    report: dict[str, Any] = run_digest()
    sent = souvenirs(outbox)
    assert sorted(sent) == [email("g1"), email("g2"), email("g3")]
    letter = sent[email("g3")]
    assert f"/gallery.html#/album/{centre.album_id}" in letter.text
    assert FIRST_PURGED.isoformat() in letter.text
    assert "Sortie" in letter.text
    assert "Noah" not in letter.text + letter.html  # never a child's name
    assert report is not None
    # The next days: no second e-mail for this album
    seen = len(outbox)
    for offset in (-29, -2, -1):
        move_clock_to(day(offset))
        run_digest()
    assert souvenirs(outbox, since=seen) == {}
    # And the purge deletes the album's media on its day, as before
    move_clock_to(f"{FIRST_PURGED}T02:30:00")
    found = counts(purge(), centre.tenant_id)
    assert found.get("expired_media") == 1


def test_a_centres_own_notice_period_and_downloads_off(
    aws: Aws, centre: Scenario, outbox: list[SentMail]
) -> None:
    centre.ok(centre.admin("PUT", "settings", {"souvenir_days": 7}))
    move_clock_to(day(-8))
    run_digest()
    assert souvenirs(outbox) == {}
    # Downloads off: no archive to offer, no e-mail
    from pellicule.services import sessions

    director = sessions.create(centre.tenant_id, "staff", "dir-1", "director")
    centre.ok(centre.admin("PUT", "settings", {"allow_downloads": False}, session=director))
    move_clock_to(day(-7))
    run_digest()
    assert souvenirs(outbox) == {}
    # Back on: the families are told (the next day, still within the 7 days)
    director = sessions.create(centre.tenant_id, "staff", "dir-1", "director")
    centre.ok(centre.admin("PUT", "settings", {"allow_downloads": True}, session=director))
    move_clock_to(day(-6))
    run_digest()
    assert sorted(souvenirs(outbox)) == [email("g1"), email("g2"), email("g3")]


def test_no_souvenir_where_the_centre_turned_it_off(
    aws: Aws, centre: Scenario, outbox: list[SentMail]
) -> None:
    centre.ok(centre.admin("PUT", "settings", {"souvenir_days": 0}))
    for offset in (-30, -1):
        move_clock_to(day(offset))
        run_digest()
    assert souvenirs(outbox) == {}
