"""Relatives (issue 17, item 6): a guardian invites a relative by e-mail; the relative signs
in from the invitation (or asks for a link like anyone), sees exactly what that guardian's
family sees, downloads only where the centre and the guardian allow it; the guardian lists
and revokes them; everything is in the audit trail under pseudonymous ids. The attacks are in
tests/security/test_relatives_attacks.py."""

from __future__ import annotations

import logging

import pytest

from tests.conftest import Aws
from tests.integration.auth_helpers import auth, recorded_mail
from tests.integration.relatives_helpers import (
    GRANDMA,
    INVITATION_SUBJECT,
    as_relative,
    invited,
    signed_in,
    world,
)


def _ids(answer: dict) -> set[str]:
    return {item["media_id"] for item in answer["items"]}


def test_a_relative_sees_what_the_family_sees_and_nothing_more(aws: Aws) -> None:
    w = world(aws)
    centre = w.centre
    relative_id, mail = invited(centre)
    # The invitation: French then English, from the centre, who invites, a sign-in link.
    assert INVITATION_SUBJECT in mail.subject
    assert mail.subject.startswith("Centre : ")
    french, english = mail.text.split("-- English --")
    assert "g3@famille.example" in french
    assert "g3@famille.example" in english
    assert "sans les télécharger" in french
    assert "not download them" in english
    session, view = signed_in(mail)
    assert (view["kind"], view["role"], view["next"]) == ("relative", "relative", "/gallery.html")
    assert view["principal_id"] == relative_id

    family_albums = centre.ok(centre.family("g3", "GET", "albums"))
    relative_albums = centre.ok(as_relative(centre, session, "GET", "albums"))
    assert [a["album_id"] for a in relative_albums["albums"]] == [
        a["album_id"] for a in family_albums["albums"]
    ]
    assert [a["album_id"] for a in relative_albums["albums"]] == [centre.album_id]
    page = centre.ok(as_relative(centre, session, "GET", f"albums/{centre.album_id}"))
    assert _ids(page) == {w.noah_photo}
    assert page["downloads"] is False  # the centre allows, the guardian did not
    # Who invited them, for the gallery's header.
    assert centre.ok(as_relative(centre, session, "GET", "invitation")) == {
        "invited_by": "g3@famille.example",
        "may_download": False,
    }
    # Live: the guardian's withdrawal hides the photo from the relative at once.
    withdrawn = centre.family("g3", "POST", f"children/{centre.children['noah']}/consent/withdraw")
    centre.ok(withdrawn)
    assert centre.ok(as_relative(centre, session, "GET", "albums"))["albums"] == []


def test_downloads_need_the_centre_and_the_guardian(aws: Aws) -> None:
    w = world(aws)
    centre = w.centre
    _, no_mail = invited(centre, email="papi@example.org")
    _, yes_mail = invited(centre, email="tata@example.org", may_download=True)
    refused, _ = signed_in(no_mail)
    allowed, _ = signed_in(yes_mail)
    denied = as_relative(centre, refused, "GET", f"media/{w.noah_photo}/download")
    assert denied["statusCode"] == 403
    assert '"relative_download_not_allowed"' in denied["body"]
    given = centre.ok(as_relative(centre, allowed, "GET", f"media/{w.noah_photo}/download"))
    assert given["media_id"] == w.noah_photo
    # The centre turns downloads off: nobody downloads, the relative allowed or not.
    centre.ok(centre.admin("PUT", "settings", {"allow_downloads": False}))
    off = as_relative(centre, allowed, "GET", f"media/{w.noah_photo}/download")
    assert off["statusCode"] == 403
    assert '"downloads_not_allowed"' in off["body"]


def test_a_relative_asks_for_a_link_like_anyone(aws: Aws) -> None:
    w = world(aws)
    relative_id, _ = invited(w.centre)
    with recorded_mail() as sent:
        assert auth("POST", "/link", {"email": GRANDMA})["statusCode"] == 202
    [mail] = sent
    assert "proche invité" in mail.text
    assert "invited relative" in mail.text
    assert len(mail.codes) == 1  # a requested link has its 6-digit code
    from tests.integration.auth_helpers import cookie_value, payload

    answer = auth("POST", "/session", {"email": GRANDMA, "code": mail.codes[0]})
    assert answer["statusCode"] == 200
    assert payload(answer)["principal_id"] == relative_id
    assert as_relative(w.centre, cookie_value(answer), "GET", "albums")["statusCode"] == 200


def test_the_guardian_lists_and_revokes_and_the_relative_is_out_at_once(aws: Aws) -> None:
    w = world(aws)
    centre = w.centre
    relative_id, mail = invited(centre, may_download=True)
    session, _ = signed_in(mail)
    listed = centre.ok(centre.family("g3", "GET", "relatives"))
    assert listed["limit"] == 4
    assert [(r["relative_id"], r["email"], r["may_download"]) for r in listed["relatives"]] == [
        (relative_id, GRANDMA, True)
    ]
    # Another family of the same group has its own list.
    assert centre.ok(centre.family("g1", "GET", "relatives"))["relatives"] == []
    revoked = centre.ok(centre.family("g3", "POST", f"relatives/{relative_id}/revoke"))
    assert revoked["revoked"] is True
    assert revoked["sessions"] >= 1
    assert as_relative(centre, session, "GET", "albums")["statusCode"] == 401
    assert centre.ok(centre.family("g3", "GET", "relatives"))["relatives"] == []
    # No more link for that address.
    with recorded_mail() as sent:
        assert auth("POST", "/link", {"email": GRANDMA})["statusCode"] == 202
    assert sent == []
    # Revoking again: not found.
    assert centre.family("g3", "POST", f"relatives/{relative_id}/revoke")["statusCode"] == 404


def test_invitations_views_downloads_and_revocations_are_audited_pseudonymously(
    aws: Aws, caplog: pytest.LogCaptureFixture
) -> None:
    from pellicule.services import audit

    caplog.set_level(logging.INFO)
    w = world(aws)
    centre = w.centre
    relative_id, mail = invited(centre, may_download=True)
    session, _ = signed_in(mail)
    centre.ok(as_relative(centre, session, "GET", f"albums/{centre.album_id}"))
    centre.ok(as_relative(centre, session, "GET", f"media/{w.noah_photo}/download"))
    centre.ok(centre.family("g3", "POST", f"relatives/{relative_id}/revoke"))
    audit.chain_pending(centre.tenant_id)  # views and downloads are chained in batches
    actions = [(e["action"], e["actor"], e["subject"]) for e in audit.export_rows(centre.tenant_id)]
    guardian = f"guardian:{centre.families['g3'].guardian_id}"
    relative = f"relative:{relative_id}"
    assert (("relative_invited", guardian, relative)) in actions
    assert ("login", relative, relative) in actions
    assert ("view", relative, f"album:{centre.album_id}") in actions
    assert ("download", relative, f"media:{w.noah_photo}") in actions
    assert ("relative_revoked", guardian, relative) in actions
    logged = "\n".join(str(r.__dict__) for r in caplog.records)
    assert GRANDMA not in logged
    assert mail.tokens[0] not in logged
