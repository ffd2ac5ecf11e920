"""The team (issue 18, item 3) through the real staff and sign-in handlers with moto: a new
staff member's invitation e-mail and its link, suspending and reactivating someone, the
second factor's state and its reset, the rules that keep a director in charge."""

from __future__ import annotations

import pytest

from pellicule.config import clock
from pellicule.services import audit, sessions
from tests.conftest import PUBLIC_URL, Aws, Centre
from tests.integration.auth_helpers import SentMail, auth, cookie_value, enrol_and_confirm
from tests.integration.auth_helpers import payload as auth_payload
from tests.integration.staff_api import admin, ok, payload, staff_session

pytestmark = pytest.mark.usefixtures("no_floor", "fresh_totp_step")

ANIM = "lea@centre.example"


def invite(session: str, email: str = ANIM, role: str = "animator", **extra: object) -> dict:
    body = {"email": email, "role": role, "display_name": "Léa Martin", **extra}
    return dict(ok(admin("POST", "/staff", session, body), 201))


def sign_in_with(token: str) -> dict:
    return auth("POST", "/session", {"token": token})


def asked_link(email: str, outbox: list[SentMail]) -> list[SentMail]:
    """Ask for a sign-in link; the e-mails it sent (none for an address that may not)."""
    before = len(outbox)
    assert auth("POST", "/link", {"email": email})["statusCode"] == 202
    return outbox[before:]


def member(session: str, staff_id: str) -> dict:
    [found] = [m for m in ok(admin("GET", "/staff", session))["staff"] if m["staff_id"] == staff_id]
    return dict(found)


def test_an_invited_animator_gets_an_e_mail_whose_link_signs_them_in_once(
    aws: Aws, centre: Centre, outbox: list[SentMail], capfd: pytest.CaptureFixture[str]
) -> None:
    # When the director adds an animator
    created = invite(centre.director_session)
    assert created["invitation"] == "sent"
    assert created | {"staff_id": "x"} == {
        "staff_id": "x",
        "role": "animator",
        "display_name": "Léa Martin",
        "email": ANIM,
        "trusted": False,
        "archived": False,
        "suspended": False,
        "second_factor": "none",
        "invitation": "sent",
    }
    # Then one e-mail goes to them: the centre, their name, a link with the token in the
    # fragment (never in the path or the query)
    [mail] = outbox
    assert mail.to == [ANIM]
    assert "Centre" in mail.subject
    assert "Léa Martin" in mail.text
    [link] = mail.links
    assert link.startswith(f"{PUBLIC_URL}/login.html#token=")
    assert link.endswith("&for=staff")
    [token] = mail.tokens
    # Opening the link asks for nothing; the click (a POST) opens a session, as that animator
    signed_in = sign_in_with(token)
    assert signed_in["statusCode"] == 200, signed_in["body"]
    me = ok(admin("GET", "/me", cookie_value(signed_in)))
    assert (me["staff_id"], me["role"]) == (created["staff_id"], "animator")
    # Once only
    assert sign_in_with(token)["statusCode"] == 401
    # The audit log says who invited whom, and that the e-mail went
    [entry] = [r for r in audit.export_rows(centre.tenant_id) if r["action"] == "staff_invited"]
    assert (entry["actor"], entry["subject"]) == ("staff:staff-1", f"staff:{created['staff_id']}")
    assert entry["details"] == {"invitation": "sent", "role": "animator"}
    # The logs name the person by id only: never the address, never the token
    logged = "".join(capfd.readouterr())
    assert "invitation sent" in logged
    assert ANIM not in logged
    assert token not in logged


def test_the_invitation_link_expires_after_a_day(
    aws: Aws, centre: Centre, outbox: list[SentMail]
) -> None:
    invite(centre.director_session)
    [token] = outbox[0].tokens
    clock.advance(24 * 3600 + 60)
    assert sign_in_with(token)["statusCode"] == 401


def test_a_suspended_animator_cannot_sign_in_and_their_sessions_end_at_once(
    aws: Aws, centre: Centre, outbox: list[SentMail]
) -> None:
    created = invite(centre.director_session)
    staff_id = created["staff_id"]
    [unused_token] = outbox[0].tokens
    # Given an animator signed in twice (a phone and a laptop)
    phone = staff_session(centre.tenant_id, staff_id, "animator")
    laptop = staff_session(centre.tenant_id, staff_id, "animator")
    assert admin("GET", "/me", phone)["statusCode"] == 200
    # When the director suspends them
    suspended = ok(admin("POST", f"/staff/{staff_id}/suspend", centre.director_session))
    assert suspended["suspended"] is True
    assert suspended["sessions_ended"] == 2
    # Then both sessions are dead, on the next request
    for session in (phone, laptop):
        assert admin("GET", "/me", session)["statusCode"] == 401
    # No sign-in link is sent any more (the answer is the same as for anyone), and the link
    # of the invitation, still unused and unexpired, opens nothing
    assert asked_link(ANIM, outbox) == []
    assert sign_in_with(unused_token)["statusCode"] == 401
    # The list shows it; the audit log says who suspended whom and the sessions ended
    assert member(centre.director_session, staff_id)["suspended"] is True
    rows = audit.export_rows(centre.tenant_id)
    subject = f"staff:{staff_id}"
    assert any(
        r["action"] == "roster_changed"
        and r["subject"] == subject
        and r["details"] == {"change": "suspended"}
        for r in rows
    )
    assert any(
        r["action"] == "logout"
        and r["subject"] == subject
        and r["details"] == {"scope": "suspended", "sessions": 2}
        for r in rows
    )


def test_a_session_the_index_missed_is_still_refused_once_suspended(
    aws: Aws, centre: Centre, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The sessions index is eventually consistent: even a session that ``revoke_all`` did not
    # find is refused, because every request reads the person as they are now.
    staff_id = invite(centre.director_session)["staff_id"]
    session = staff_session(centre.tenant_id, staff_id, "animator")
    monkeypatch.setattr(sessions, "revoke_all", lambda *_: 0)
    ok(admin("POST", f"/staff/{staff_id}/suspend", centre.director_session))
    refused = admin("GET", "/me", session)
    assert refused["statusCode"] == 401
    assert payload(refused)["reason"] == "access_closed"


def test_a_reactivated_animator_signs_in_again(
    aws: Aws, centre: Centre, outbox: list[SentMail]
) -> None:
    staff_id = invite(centre.director_session)["staff_id"]
    ok(admin("POST", f"/staff/{staff_id}/suspend", centre.director_session))
    assert asked_link(ANIM, outbox) == []
    # When the director reactivates them
    back = ok(admin("POST", f"/staff/{staff_id}/reactivate", centre.director_session))
    assert back["suspended"] is False
    # Then a sign-in link works again
    clock.advance(15 * 60)  # a new window of sign-in e-mails
    [mail] = asked_link(ANIM, outbox)
    [token] = mail.tokens
    signed_in = sign_in_with(token)
    assert signed_in["statusCode"] == 200, signed_in["body"]
    assert ok(admin("GET", "/me", cookie_value(signed_in)))["staff_id"] == staff_id
    assert ("staff:staff-1", f"staff:{staff_id}", "reactivated") in [
        (r["actor"], r["subject"], r["details"].get("change"))
        for r in audit.export_rows(centre.tenant_id)
    ]


def test_the_list_shows_the_second_factor_and_a_reset_clears_it(
    aws: Aws, centre: Centre, outbox: list[SentMail]
) -> None:
    # A second director (the second factor is always theirs), invited and enrolled
    boss_id = invite(centre.director_session, "chef@centre.example", "director")["staff_id"]
    [token] = outbox[0].tokens
    pending = sign_in_with(token)
    assert auth_payload(pending)["second_factor"] == "enrol"
    assert member(centre.director_session, boss_id)["second_factor"] == "none"
    session = cookie_value(pending)
    enrol_and_confirm(session)
    assert member(centre.director_session, boss_id)["second_factor"] == "active"
    # When the first director resets it
    reset = ok(admin("POST", f"/staff/{boss_id}/second-factor/reset", centre.director_session))
    assert reset["sessions_ended"] == 1
    # Then it is gone, the session ended, and the list says so
    assert member(centre.director_session, boss_id)["second_factor"] == "none"
    assert admin("GET", "/me", session)["statusCode"] == 401


def test_a_director_never_suspends_archives_or_demotes_themselves(aws: Aws, centre: Centre) -> None:
    me = "staff-1"
    for method, path, body, reason in (
        ("POST", f"/staff/{me}/suspend", None, "staff_cannot_suspend_self"),
        ("POST", f"/staff/{me}/archive", None, "staff_cannot_archive_self"),
        ("PATCH", f"/staff/{me}", {"role": "animator"}, "staff_cannot_demote_self"),
    ):
        refused = admin(method, path, centre.director_session, body)
        assert refused["statusCode"] == 409, (path, refused["body"])
        answer = payload(refused)
        assert answer["reason"] == reason
        # Words, in both languages, for the page to show beside the button
        assert answer["message"]["fr"]
        assert answer["message"]["en"]
    assert ok(admin("GET", "/me", centre.director_session))["role"] == "director"


def test_another_director_may_be_suspended_demoted_and_archived(aws: Aws, centre: Centre) -> None:
    other = invite(centre.director_session, "chef@centre.example", "director")["staff_id"]
    session = staff_session(centre.tenant_id, other, "director")
    assert ok(admin("POST", f"/staff/{other}/suspend", centre.director_session))["suspended"]
    assert admin("GET", "/me", session)["statusCode"] == 401
    ok(admin("POST", f"/staff/{other}/reactivate", centre.director_session))
    assert (
        ok(admin("PATCH", f"/staff/{other}", centre.director_session, {"role": "animator"}))["role"]
        == "animator"
    )
    archived = ok(admin("POST", f"/staff/{other}/archive", centre.director_session))
    assert archived["archived"] is True
    # An archived person cannot be suspended or reactivated (they are gone for good)
    for action in ("suspend", "reactivate"):
        refused = admin("POST", f"/staff/{other}/{action}", centre.director_session)
        assert refused["statusCode"] == 409
        assert payload(refused)["reason"] == "staff_archived"


def test_a_failed_invitation_e_mail_keeps_the_member_and_says_so(
    aws: Aws, centre: Centre, monkeypatch: pytest.MonkeyPatch, outbox: list[SentMail]
) -> None:
    from pellicule.adapters import outbox as mail

    def down(*_: object, **__: object) -> None:
        raise RuntimeError("ses_unavailable")

    monkeypatch.setattr(mail, "send", down)
    created = invite(centre.director_session)
    # The member is on the team; the answer and the audit say the e-mail did not go
    assert created["invitation"] == "not_sent"
    assert member(centre.director_session, created["staff_id"])["email"] == ANIM
    [entry] = [r for r in audit.export_rows(centre.tenant_id) if r["action"] == "staff_invited"]
    assert entry["details"]["invitation"] == "not_sent"
    assert outbox == []
