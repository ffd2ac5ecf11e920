"""Helpers of the relatives tests (issue 17, item 6): a centre with a published photo of Noah
(g3's child) and one of Zoé (g4's, another group), and a relative g3 invites."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from tests.conftest import Aws
from tests.integration.auth_helpers import SentMail, auth, cookie_value, payload, recorded_mail
from tests.integration.digest_helpers import album
from tests.integration.scenario import Scenario, build, give

GRANDMA = "mamie@example.org"
INVITATION_SUBJECT = "vous êtes invité·e à voir des photos"


@dataclass
class World:
    centre: Scenario
    noah_photo: str
    zoe_album: str
    zoe_photo: str


def publish(aws: Aws, centre: Scenario, child: str, album_id: str | None = None) -> str:
    """A processed photo of ``child``, approved, its served copies made (the stream's work)."""
    from tests.integration import test_publication_flow as flow

    if album_id is None:
        media_id = flow.upload_photo(aws, centre)
    else:
        media_id = flow.upload_photo(aws, replace(centre, album_id=album_id))
    centre.ok(flow.tag(centre, media_id, child))
    centre.ok(flow.approve(centre, media_id))
    return media_id


def world(aws: Aws) -> World:
    centre = build()
    centre.ok(give(centre, "g3", "noah", ["families_of_group"]))
    centre.ok(give(centre, "g4", "zoe", ["families_of_group"]))
    noah_photo = publish(aws, centre, "noah")
    zoe_album = album(centre, "Piscine", "renards")
    zoe_photo = publish(aws, centre, "zoe", album_id=zoe_album)
    return World(centre, noah_photo, zoe_album, zoe_photo)


def invite(centre: Scenario, who: str, email: str, *, may_download: bool = False) -> dict[str, Any]:
    return centre.family(who, "POST", "relatives", {"email": email, "may_download": may_download})


def invited(
    centre: Scenario, who: str = "g3", email: str = GRANDMA, *, may_download: bool = False
) -> tuple[str, SentMail]:
    """Invite ``email``: the relative's id and the invitation e-mail."""
    with recorded_mail() as sent:
        answer = centre.ok(invite(centre, who, email, may_download=may_download), 201)
    [mail] = [m for m in sent if m.to == [email]]
    return str(answer["relative"]["relative_id"]), mail


def signed_in(mail: SentMail) -> tuple[str, dict[str, Any]]:
    """Open the e-mail's link: the session id and the answer."""
    [token] = mail.tokens
    response = auth("POST", "/session", {"token": token})
    assert response["statusCode"] == 200, response.get("body")
    return cookie_value(response), payload(response)


def as_relative(centre: Scenario, session: str, method: str, path: str, body: Any = None) -> Any:
    from tests.conftest import api_event
    from tests.integration.helpers import call

    return call("family", api_event(method, f"/api/family/{path}", body=body, session=session))
