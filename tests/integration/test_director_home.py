"""The director's home (issue 18, item 4): ``GET /api/admin/home`` through the staff API's real
handler with moto - the items waiting for a decision, the open erasure requests with their
deadline, the consents in force ending within 30 days (29 and 30 days in, 31 out), the last
purge run; nothing of another centre. And the e-mail to the directors when a family asks for
an erasure: once per request, the child never named in its subject."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import Aws, Centre
from tests.integration.auth_helpers import SentMail
from tests.integration.coverage_helpers import fresh_sessions
from tests.integration.digest_helpers import publish
from tests.integration.helpers import drain, put_as_browser, request_grant
from tests.integration.purge_helpers import counts, move_clock_to, purge
from tests.integration.scenario import Scenario, build, consent_text_hash
from tests.support.images import jpeg_with_metadata

NOW = "2026-12-02T10:00:00"
DAY = 24 * 3600
ALERT_SUBJECT = (
    "demande d'effacement à traiter sous 24 heures / erasure request to handle within 24 hours"
)


def _consent_until(centre: Scenario, who: str, child: str, until: int) -> None:
    centre.ok(
        centre.family(
            who,
            "POST",
            f"children/{centre.children[child]}/consent",
            {
                "audiences": ["families_of_group"],
                "media_kinds": ["photo"],
                "text_sha256": consent_text_hash(),
                "valid_until": until,
            },
        )
    )


def _waiting_item(aws: Aws, centre: Scenario) -> str:
    """A processed item, not yet decided on (the validation queue's)."""
    as_centre = Centre(centre.tenant_id, centre.album_id, centre.animator, "")
    data = jpeg_with_metadata((320, 240))
    grant = request_grant(as_centre, data)
    put_as_browser(aws, grant, data)
    drain(aws)
    return str(grant["media_id"])


def _home(centre: Scenario, session: str | None = None) -> Any:
    return centre.ok(centre.admin("GET", "home", session=session))


def _ask_erasure(centre: Scenario, who: str, child: str) -> Any:
    return centre.ok(
        centre.family(
            who, "POST", f"children/{centre.children[child]}/erasure-request", {"confirm": True}
        )
    )


def alerts(outbox: list[SentMail], since: int = 0) -> list[SentMail]:
    return [m for m in outbox[since:] if m.subject.endswith(ALERT_SUBJECT)]


@pytest.fixture
def centre(aws: Aws) -> Scenario:
    move_clock_to(NOW)
    return build()


def test_the_home_counts_what_needs_the_director(
    aws: Aws, centre: Scenario, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pellicule.config import clock

    now = int(clock.now())
    other = build()  # another centre's items, requests and consents are never counted
    # Nothing yet
    empty = _home(centre)
    assert empty["waiting"] == {"count": 0, "oldest_at": None, "complete": True}
    assert empty["erasures"] == []
    assert empty["consents_ending"]["count"] == 0
    assert empty["last_purge"] is None
    # Two items waiting for a decision, one published (not waiting); one waiting elsewhere
    first = _waiting_item(aws, centre)
    _waiting_item(aws, centre)
    publish(aws, centre)
    _waiting_item(aws, other)
    # Consents ending in 29, 30 and 31 days (Léa has two guardians: both agree)
    _consent_until(centre, "g1", "lea", now + 29 * DAY)
    _consent_until(centre, "g2", "lea", now + 29 * DAY)
    _consent_until(centre, "g3", "noah", now + 30 * DAY)
    _consent_until(centre, "g4", "zoe", now + 31 * DAY)
    _consent_until(other, "g3", "noah", now + 5 * DAY)
    # An erasure request from Noah's guardian; one in the other centre
    asked = _ask_erasure(centre, "g3", "noah")["request"]
    _ask_erasure(other, "g4", "zoe")
    # Read at the moment the consents were counted from: 30 days to the second is in
    with monkeypatch.context() as frozen:
        frozen.setattr(clock, "now", lambda: float(now))
        home = _home(centre)
    assert home["now"] == now  # the server's clock, which the page counts from
    waiting = home["waiting"]
    assert waiting["count"] == 2
    assert waiting["complete"] is True
    from pellicule.store import media

    oldest = media.item(centre.tenant_id, first)
    assert oldest is not None
    assert waiting["oldest_at"] == int(oldest.created_at)  # the first one sent
    [erasure] = home["erasures"]
    assert erasure["child_id"] == centre.children["noah"]
    assert erasure["child_name"] == "Noah X."
    assert erasure["requested_by"] == "guardian"
    assert erasure["due_by"] == asked["due_by"] == asked["requested_at"] + DAY
    assert erasure["seconds_left"] == asked["due_by"] - home["now"]
    assert erasure["urgent"] is False
    ending = home["consents_ending"]
    assert ending["count"] == 2
    assert ending["within_days"] == 30
    assert [(c["child_name"], c["valid_until"]) for c in ending["first"]] == [
        ("Lea X.", now + 29 * DAY),
        ("Noah X.", now + 30 * DAY),
    ]
    assert ending["first"][0]["audiences"] == ["families_of_group"]
    assert ending["first"][0]["last_day"] == "2026-12-31"  # 10:00 on 31 Dec: its last day
    # Archived children: their consents are no longer listed; an open request keeps its name
    for child in ("lea", "noah"):
        centre.ok(centre.admin("POST", f"children/{centre.children[child]}/archive"))
    with monkeypatch.context() as frozen:
        frozen.setattr(clock, "now", lambda: float(now))
        archived = _home(centre)
    assert archived["consents_ending"] == {
        "count": 0,
        "within_days": 30,
        "complete": True,
        "first": [],
    }
    assert [e["child_name"] for e in archived["erasures"]] == ["Noah X."]
    # Later: 19 hours on, the request is urgent (less than 6 hours left)
    move_clock_to("2026-12-03T05:00:01")
    later = _home(fresh_sessions(centre))
    assert later["erasures"][0]["seconds_left"] == asked["due_by"] - later["now"] < 6 * 3600
    assert later["erasures"][0]["urgent"] is True


def test_the_last_purge_run_and_its_counts(aws: Aws, centre: Scenario) -> None:
    report = purge()
    run = _home(centre)["last_purge"]
    assert run is not None
    assert run["status"] == "done"
    assert run["counts"] == counts(report, centre.tenant_id)
    first_id = run["run_id"]
    move_clock_to("2026-12-03T10:00:00")
    purge()
    again = _home(fresh_sessions(centre))["last_purge"]
    assert again["run_id"] != first_id
    assert again["run_id"] > first_id  # the most recent one
    assert again["started_at"] > run["started_at"]


def test_animators_and_families_are_refused(aws: Aws, centre: Scenario) -> None:
    assert centre.admin("GET", "home", session=centre.animator)["statusCode"] == 403
    assert centre.admin("GET", "home", session=centre.families["g1"].session)["statusCode"] in (
        401,
        403,
    )


def test_the_directors_are_emailed_once_when_a_family_asks_for_an_erasure(
    aws: Aws, centre: Scenario, outbox: list[SentMail]
) -> None:
    from pellicule.store import roster
    from pellicule.store.models import Staff, tenant_pk

    # A second director, and one archived: only the active directors are told
    Staff(
        tenant_pk(centre.tenant_id),
        "STAFF#dir-2",
        tenant_id=centre.tenant_id,
        staff_id="dir-2",
        role="director",
        display_name="dir-2",
        email="dir-2@centre.example",
    ).save()
    Staff(
        tenant_pk(centre.tenant_id),
        "STAFF#dir-3",
        tenant_id=centre.tenant_id,
        staff_id="dir-3",
        role="director",
        display_name="dir-3",
        email="dir-3@centre.example",
        archived=True,
    ).save()
    assert len(roster.every_staff(centre.tenant_id)) == 4
    asked = _ask_erasure(centre, "g1", "lea")
    assert asked["created"] is True
    sent = alerts(outbox)
    assert sorted(to for m in sent for to in m.to) == [
        "dir-1@centre.example",
        "dir-2@centre.example",
    ]
    mail = sent[0]
    assert mail.subject == f"Centre : {ALERT_SUBJECT}"
    assert "Lea" not in mail.subject
    assert "Lea X." in mail.text  # the body names the child as the team does
    assert "03/12/2026 11:00" in mail.text  # the deadline, Paris time (UTC+1 in December)
    assert "/dashboard.html" in mail.text
    assert mail.text.index("Bonjour") < mail.text.index("Hello")  # French, then English
    # Asking again (either guardian): the open request stands, nobody is e-mailed again
    seen = len(outbox)
    assert _ask_erasure(centre, "g2", "lea")["created"] is False
    assert _ask_erasure(centre, "g1", "lea")["created"] is False
    assert alerts(outbox, since=seen) == []
    # A director recording a request on paper is not told by e-mail (they made it)
    centre.ok(
        centre.admin(
            "POST", f"children/{centre.children['zoe']}/erasure-request", {"confirm": True}
        )
    )
    assert alerts(outbox, since=seen) == []


def test_a_failed_alert_does_not_stop_the_request(
    aws: Aws,
    centre: Scenario,
    outbox: list[SentMail],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from pellicule.adapters import outbox as mail

    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("ses down for dir-1@centre.example")

    monkeypatch.setattr(mail, "send", broken)
    asked = _ask_erasure(centre, "g3", "noah")
    assert asked["created"] is True
    assert alerts(outbox) == []
    assert _home(centre)["erasures"][0]["child_id"] == centre.children["noah"]
    # The failure is logged by error code and staff ref: no address, no name
    logged = capsys.readouterr().out
    assert "erasure alert not sent" in logged
    assert "staff:dir-1" in logged
    assert "centre.example" not in logged
    assert "Noah" not in logged
