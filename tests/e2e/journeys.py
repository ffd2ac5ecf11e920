"""What the end-to-end tests do through the API of a running local stack: calls with a
session, uploaded and processed photos, published ones, a consenting family, sign-in links
from the dev mailbox. The browser-side helpers are in ``tests/e2e/browsing.py``."""

from __future__ import annotations

import html
import re
from typing import Any, Protocol

import requests

from local.runtime import LocalRuntime
from pellicule.api import http
from pellicule.services import sessions
from tests.e2e.conftest import wait_for
from tests.integration.scenario import Scenario, build, consent_text_hash
from tests.support.images import jpeg_with_metadata

LINK = re.compile(r'href="(http://[^"]+/login\.html#token=[^"]+)"')


class HasEmail(Protocol):
    email: str


def api(
    runtime: LocalRuntime, session: str, method: str, path: str, body: Any = None
) -> requests.Response:
    """One API call with a session cookie and the anti-CSRF header."""
    return requests.request(
        method,
        f"{runtime.base_url}{path}",
        json=body,
        headers={"Cookie": f"{sessions.COOKIE_NAME}={session}", http.CSRF_HEADER: "1"},
        timeout=30,
    )


def processed_photo(runtime: LocalRuntime, centre: Scenario) -> str:
    """A photo the animator uploaded into the centre's album, processed (not yet reviewed)."""
    photo = jpeg_with_metadata((800, 600))
    grants = api(
        runtime,
        centre.animator,
        "POST",
        "/api/upload/grants",
        {
            "album_id": centre.album_id,
            "files": [{"name": "p.jpg", "type": "image/jpeg", "size": len(photo)}],
        },
    )
    assert grants.status_code == 201, grants.text
    grant = grants.json()["grants"][0]
    posted = requests.post(
        grant["url"], data=grant["fields"], files={"file": ("p.jpg", photo)}, timeout=30
    )
    posted.raise_for_status()
    media_id: str = grant["media_id"]

    def processed() -> bool:
        runtime.drain_once("photo")  # a no-op when the runtime's workers drain by themselves
        item = api(runtime, centre.director, "GET", f"/api/gallery/media/{media_id}").json()
        return bool(item["state"] == "ready")

    wait_for(processed, timeout=60)
    return media_id


def published_photo(runtime: LocalRuntime, centre: Scenario) -> str:
    """A processed photo tagged with Noah and approved by the director."""
    media_id = processed_photo(runtime, centre)
    tagged = api(
        runtime,
        centre.animator,
        "PUT",
        f"/api/admin/media/{media_id}/tags",
        {"child_ids": [centre.children["noah"]]},
    )
    assert tagged.status_code == 200, tagged.text
    approved = api(
        runtime,
        centre.director,
        "POST",
        f"/api/admin/media/{media_id}/review",
        {"decision": "approve"},
    )
    assert approved.status_code == 200, approved.text
    return media_id


def centre_with_noah_consenting(runtime: LocalRuntime) -> Scenario:
    """The scenario centre where Noah's guardian consents to his group's families seeing
    photos (Léa, in the same group, has no consent)."""
    centre = build()
    given = api(
        runtime,
        centre.families["g3"].session,
        "POST",
        f"/api/family/children/{centre.children['noah']}/consent",
        {
            "audiences": ["families_of_group"],
            "media_kinds": ["photo"],
            "text_sha256": consent_text_hash(),
        },
    )
    assert given.status_code == 200, given.text
    return centre


def mailed_link(runtime: LocalRuntime, person: HasEmail) -> str:
    """Ask for a sign-in link through the API, then read it from the dev mailbox."""
    before = len(runtime.sent_mail())
    response = requests.post(
        f"{runtime.base_url}/api/auth/link",
        json={"email": person.email},
        headers={http.CSRF_HEADER: "1"},
        timeout=30,
    )
    assert response.status_code == 202
    mails = wait_for(lambda: runtime.sent_mail() if len(runtime.sent_mail()) > before else None)
    newest = mails[0]
    assert newest.to == [person.email]
    [link] = dict.fromkeys(html.unescape(url) for url in LINK.findall(newest.html))
    assert link.startswith(f"{runtime.base_url}/login.html#token=")
    return str(link)
