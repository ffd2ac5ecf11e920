"""A consent campaign (issue 18, item 2) through the real staff and digest handlers with moto:
the director starts it (one e-mail per guardian, a link that lands on the consents page, a
retried start sends nothing twice), the board counts per group answered / waiting / refused
/ bounced (a paper form counts as an answer), reminders go after the interval to the
waiting ones only (in the daily run and on demand), an address SES refuses and a child
without any address are "bounced", and a closed campaign sends nothing more."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from tests.conftest import Aws
from tests.integration.auth_helpers import SentMail, auth, payload
from tests.integration.digest_helpers import run_digest
from tests.integration.scenario import Scenario, build, give
from tests.integration.staff_api import record_paper_consent

SUBJECT = "votre accord pour les photos de la saison"
REMINDER = "rappel : votre accord"
DAY = 24 * 3600


def campaign_mail(outbox: list[SentMail], since: int = 0) -> list[SentMail]:
    return [m for m in outbox[since:] if SUBJECT in m.subject]


def reminders(outbox: list[SentMail], since: int = 0) -> list[SentMail]:
    return [m for m in outbox[since:] if REMINDER in m.subject]


def addressed(mails: list[SentMail]) -> list[str]:
    return sorted(a for m in mails for a in m.to)


def fresh(centre: Scenario) -> Scenario:
    from pellicule.services import sessions

    return dataclasses.replace(
        centre, director=sessions.create(centre.tenant_id, "staff", "dir-1", "director")
    )


def later(seconds: float) -> None:
    from pellicule.config import clock

    clock.advance(seconds)


def start(centre: Scenario, **body: Any) -> dict[str, Any]:
    return centre.admin("POST", "campaign", {"season": "2026-2027", **body})


def board(centre: Scenario) -> dict[str, Any]:
    found: dict[str, Any] = centre.ok(centre.admin("GET", "campaign"))
    return found


def states(found: dict[str, Any]) -> dict[str, str]:
    return {c["name"]: c["state"] for c in found["children"]}


def group_counts(found: dict[str, Any]) -> dict[str, dict[str, int]]:
    return {g["name"]: g["counts"] for g in found["groups"]}


@pytest.fixture
def centre(aws: Aws) -> Scenario:
    return build()


def test_the_director_starts_a_campaign_every_guardian_gets_one_link_to_the_consents_page(
    centre: Scenario, outbox: list[SentMail]
) -> None:
    assert board(centre)["campaign"] is None
    started = centre.ok(start(centre), 201)
    assert started["campaign"]["open"] is True
    assert started["sending"]["sent"] == 4
    assert started["unsent"] == 0
    mails = campaign_mail(outbox)
    assert addressed(mails) == [f"g{n}@famille.example" for n in (1, 2, 3, 4)]
    assert all(m.subject.startswith("Centre : ") and "2026-2027" in m.text for m in mails)
    assert "Lea" not in mails[0].text  # never a child's name
    # Its link signs the guardian in on the consents page.
    [token] = mails[0].tokens
    exchanged = auth("POST", "/session", {"token": token})
    assert exchanged["statusCode"] == 200, exchanged.get("body")
    assert payload(exchanged)["next"] == "/consents.html"
    # The board: everyone waiting, per group.
    found = board(centre)
    assert found["total"] == {"answered": 0, "waiting": 3, "refused": 0, "bounced": 0}
    assert group_counts(found) == {
        "loutres": {"answered": 0, "waiting": 2, "refused": 0, "bounced": 0},
        "renards": {"answered": 0, "waiting": 1, "refused": 0, "bounced": 0},
    }
    lea = next(c for c in found["children"] if c["name"].startswith("Lea"))
    assert {g["state"] for g in lea["guardians"]} == {"sent"}
    # The same start again (a retry, a double click): nobody mailed twice, the same campaign.
    again = centre.ok(start(centre), 201)
    assert again["campaign"]["campaign_id"] == started["campaign"]["campaign_id"]
    assert len(campaign_mail(outbox)) == 4
    # Another campaign while this one is open: refused.
    other = start(centre, season="2027-2028")
    assert other["statusCode"] == 409
    assert payload(other)["reason"] == "campaign_already_open"


def test_answers_on_paper_and_online_and_a_refusal_are_counted_per_group(
    aws: Aws, centre: Scenario, outbox: list[SentMail]
) -> None:
    centre.ok(start(centre), 201)
    later(60)
    record_paper_consent(
        aws, centre.director, centre.children["noah"], [centre.families["g3"].guardian_id]
    )
    assert give(centre, "g4", "zoe", ["families_of_group"])["statusCode"] == 200
    assert give(centre, "g1", "lea", ["families_of_group"])["statusCode"] == 200
    withdrawn = centre.family("g1", "POST", f"children/{centre.children['lea']}/consent/withdraw")
    assert withdrawn["statusCode"] == 200, withdrawn
    found = board(centre)
    assert states(found) == {"Lea X.": "refused", "Noah X.": "answered", "Zoe X.": "answered"}
    assert group_counts(found) == {
        "loutres": {"answered": 1, "waiting": 0, "refused": 1, "bounced": 0},
        "renards": {"answered": 1, "waiting": 0, "refused": 0, "bounced": 0},
    }
    noah = next(c for c in found["children"] if c["name"].startswith("Noah"))
    assert noah["answered_at"] is not None


def test_a_family_that_never_answered_may_say_no_online_and_the_board_shows_it(
    centre: Scenario, outbox: list[SentMail]
) -> None:
    """The campaign's question asked of a child with no consent at all: "Je refuse" on the
    consents page records the family's "no" (a withdrawal with nothing in force is a
    refusal), once; the child's photos stay hidden; consenting later still works."""
    centre.ok(start(centre), 201)
    later(60)  # Zoé's only guardian (g4) answers
    path = f"children/{centre.children['zoe']}/consent"
    refused = centre.family("g4", "POST", f"{path}/withdraw")
    assert refused["statusCode"] == 200, refused
    assert payload(refused)["action"] == "withdrawn"
    current = centre.ok(centre.family("g4", "GET", path))
    assert current["consent"]["status"] == "withdrawn"
    assert [e["action"] for e in current["history"]] == ["withdrawn"]
    assert states(board(centre))["Zoe X."] == "refused"
    # Saying no twice records nothing more
    again = centre.ok(centre.family("g4", "POST", f"{path}/withdraw"))
    assert again["action"] == "unchanged"
    assert len(centre.ok(centre.family("g4", "GET", path))["history"]) == 1
    # A change of mind: the consent given later is the answer
    later(60)
    assert give(centre, "g4", "zoe", ["families_of_group"])["statusCode"] == 200
    assert states(board(centre))["Zoe X."] == "answered"


def test_a_consent_given_before_the_campaign_is_no_answer_to_it(
    centre: Scenario, outbox: list[SentMail]
) -> None:
    assert give(centre, "g4", "zoe", ["families_of_group"])["statusCode"] == 200
    later(5)
    centre.ok(start(centre, group_ids=[centre.groups["renards"]]), 201)
    found = board(centre)
    assert states(found) == {"Zoe X.": "waiting"}  # only the chosen group
    assert addressed(campaign_mail(outbox)) == ["g4@famille.example"]


def test_reminders_go_after_the_interval_to_the_waiting_ones_only(
    aws: Aws, centre: Scenario, outbox: list[SentMail]
) -> None:
    centre.ok(start(centre, reminder_days=7, max_reminders=2), 201)
    record_paper_consent(
        aws, centre.director, centre.children["noah"], [centre.families["g3"].guardian_id]
    )
    later(6 * DAY)
    run_digest()
    assert reminders(outbox) == []  # not yet
    later(DAY)
    run_digest()
    assert addressed(reminders(outbox)) == [
        "g1@famille.example",
        "g2@famille.example",
        "g4@famille.example",
    ]  # Noah's guardian answered on paper: no reminder
    seen = len(outbox)
    run_digest()  # the same day again: nothing
    assert reminders(outbox, seen) == []
    # The second reminder a week later, then no more (two at most).
    later(7 * DAY)
    run_digest()
    assert len(reminders(outbox, seen)) == 3
    later(7 * DAY)
    seen = len(outbox)
    run_digest()
    assert reminders(outbox, seen) == []
    director = fresh(centre)
    lea = next(c for c in board(director)["children"] if c["name"].startswith("Lea"))
    assert {g["reminders"] for g in lea["guardians"]} == {2}


def test_the_director_sends_the_reminders_now_but_never_twice_the_same_day(
    centre: Scenario, outbox: list[SentMail]
) -> None:
    centre.ok(start(centre), 201)
    later(3600)
    soon = centre.ok(centre.admin("POST", "campaign/reminders"))
    assert soon["sending"]["reminded"] == 0  # sent an hour ago: not again yet
    later(13 * 3600)
    director = fresh(centre)
    done = director.ok(director.admin("POST", "campaign/reminders"))
    assert done["sending"]["reminded"] == 4
    assert len(reminders(outbox)) == 4
    again = director.ok(director.admin("POST", "campaign/reminders"))
    assert again["sending"]["reminded"] == 0
    assert len(reminders(outbox)) == 4


def test_a_refused_address_and_a_child_without_any_address_are_bounced(
    centre: Scenario, outbox: list[SentMail], monkeypatch: pytest.MonkeyPatch
) -> None:
    from botocore.exceptions import ClientError

    from pellicule.adapters import outbox as ses_outbox

    oscar = centre.ok(
        centre.admin(
            "POST",
            "children",
            {"first_name": "Oscar", "initial": "X", "group_id": centre.groups["renards"]},
        ),
        201,
    )
    original = ses_outbox.send

    def refusing(ses: Any, sender: str, recipient: str, message: Any) -> None:
        if recipient == "g4@famille.example":
            error = {"Error": {"Code": "MessageRejected", "Message": "Address blacklisted."}}
            raise ClientError(error, "SendEmail")
        original(ses, sender, recipient, message)

    monkeypatch.setattr(ses_outbox, "send", refusing)
    started = centre.ok(start(centre), 201)
    assert started["sending"]["rejected"] == 1
    found = board(centre)
    assert states(found)["Zoe X."] == "bounced"
    assert states(found)["Oscar X."] == "bounced"  # no guardian, no address: a paper form
    zoe = next(c for c in found["children"] if c["name"].startswith("Zoe"))
    assert [g["state"] for g in zoe["guardians"]] == ["rejected"]
    assert group_counts(found)["renards"] == {
        "answered": 0,
        "waiting": 0,
        "refused": 0,
        "bounced": 2,
    }
    assert oscar["child_id"] in {c["child_id"] for c in found["children"]}
    # Never mailed again, not even reminded.
    monkeypatch.setattr(ses_outbox, "send", original)
    later(8 * DAY)
    run_digest()
    assert "g4@famille.example" not in addressed(reminders(outbox))
    assert len(reminders(outbox)) == 3


def test_a_failed_send_is_given_back_and_sent_later(
    centre: Scenario, outbox: list[SentMail], monkeypatch: pytest.MonkeyPatch
) -> None:
    from pellicule.adapters import outbox as ses_outbox

    original = ses_outbox.send

    def down(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("ses down")

    monkeypatch.setattr(ses_outbox, "send", down)
    started = centre.ok(start(centre), 201)
    assert started["sending"]["failed"] == 4
    assert started["unsent"] == 4
    monkeypatch.setattr(ses_outbox, "send", original)
    sent = centre.ok(centre.admin("POST", "campaign/send"))
    assert sent["sending"]["sent"] == 4
    assert sent["unsent"] == 0
    assert len(campaign_mail(outbox)) == 4


def test_a_closed_campaign_sends_nothing_more_and_another_may_start(
    centre: Scenario, outbox: list[SentMail]
) -> None:
    from pellicule.store import campaigns

    centre.ok(start(centre), 201)
    assert centre.tenant_id in set(campaigns.open_centres())
    closed = centre.ok(centre.admin("POST", "campaign/close"))
    assert closed["campaign"]["open"] is False
    assert centre.tenant_id not in set(campaigns.open_centres())
    later(8 * DAY)
    run_digest()
    assert reminders(outbox) == []
    director = fresh(centre)
    again = director.admin("POST", "campaign/close")
    assert again["statusCode"] == 409
    assert payload(again)["reason"] == "campaign_not_open"
    director.ok(start(director, season="2027-2028"), 201)
    assert len(campaign_mail(outbox)) == 8


def test_the_daily_run_reads_only_the_centres_with_an_open_campaign(
    centre: Scenario, outbox: list[SentMail], monkeypatch: pytest.MonkeyPatch
) -> None:
    from pellicule.services import campaigns as service

    quiet = build()
    centre.ok(start(centre), 201)
    read: list[str] = []
    original = service.current

    def counted(tenant_id: str) -> Any:
        read.append(tenant_id)
        return original(tenant_id)

    monkeypatch.setattr(service, "current", counted)
    run_digest()
    assert centre.tenant_id in read
    assert quiet.tenant_id not in read


def test_the_demo_seed_shows_a_campaign_in_progress(aws: Aws) -> None:
    """``make demo``'s centre (local/seed.py, without its photos): the board of its campaign
    has every case, and the daily run has nobody to remind on the first day."""
    from local import seed
    from pellicule.config import clock
    from pellicule.services import sessions
    from pellicule.store import data

    data.ready()
    now = int(clock.now())
    seed._people(now)
    seed._campaign(now)
    seed._consents(now)
    director = Scenario(
        tenant_id=seed.TENANT,
        director=sessions.create(seed.TENANT, "staff", "claire", "director"),
        animator="",
    )
    found = board(director)
    assert found["campaign"]["open"] is True
    assert found["total"] == {"answered": 2, "waiting": 1, "refused": 1, "bounced": 2}
    assert states(found) == {
        "Inès T.": "refused",
        "Jules L.": "bounced",
        "Léa M.": "answered",
        "Maya D.": "bounced",
        "Noah P.": "answered",
        "Sacha R.": "waiting",
    }
    sacha = next(c for c in found["children"] if c["name"] == "Sacha R.")
    assert [(g["state"], g["reminders"]) for g in sacha["guardians"]] == [("sent", 1)]
    maya = next(c for c in found["children"] if c["name"] == "Maya D.")
    assert [g["state"] for g in maya["guardians"]] == ["rejected"]
    from tests.integration.auth_helpers import recorded_mail

    with recorded_mail() as with_mail:
        run_digest()
    assert reminders(with_mail) == []  # Sacha's family was reminded three days ago


def test_a_family_added_during_the_campaign_is_asked_by_the_next_daily_run(
    centre: Scenario, outbox: list[SentMail]
) -> None:
    centre.ok(start(centre), 201)
    centre.ok(
        centre.admin(
            "POST",
            "guardians",
            {"email": "g5@famille.example", "child_ids": [centre.children["zoe"]]},
        ),
        201,
    )
    assert "g5@famille.example" not in addressed(campaign_mail(outbox))
    run_digest()
    assert addressed(campaign_mail(outbox)).count("g5@famille.example") == 1
    run_digest()
    assert addressed(campaign_mail(outbox)).count("g5@famille.example") == 1
    assert len(campaign_mail(outbox)) == 5
