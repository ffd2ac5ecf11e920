"""A guardian withdraws: hidden on the next request, served copies gone within 60 s.

The whole local stack: the family API through the gateway, the consent-history entry on the
table's stream, the stream poller invoking the revocation function, the media bucket, the
CloudFront invalidation in moto and the gateway's edge cache honouring it.
"""

from __future__ import annotations

import time
from typing import Any

import pytest
import requests

from local.runtime import LocalRuntime
from pellicule import http, sessions
from tests.e2e.conftest import wait_for
from tests.integration.scenario import Scenario, build, consent_text_hash
from tests.support.images import jpeg_with_metadata

pytestmark = pytest.mark.e2e

BUDGET_SECONDS = 60


@pytest.fixture(scope="module")
def runtime_options() -> dict[str, Any]:
    return {"workers": True}


def _call(
    runtime: LocalRuntime, session: str, method: str, path: str, body: Any = None
) -> requests.Response:
    return requests.request(
        method,
        f"{runtime.base_url}{path}",
        json=body,
        headers={"Cookie": f"{sessions.COOKIE_NAME}={session}", http.CSRF_HEADER: "1"},
        timeout=30,
    )


def _published_photo(runtime: LocalRuntime, centre: Scenario) -> str:
    photo = jpeg_with_metadata((800, 600))
    grants = _call(
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
        runtime.drain_once("photo")
        state = _call(runtime, centre.director, "GET", f"/api/gallery/media/{media_id}").json()
        return state["state"] == "ready"

    wait_for(processed, timeout=60)
    tagged = _call(
        runtime,
        centre.animator,
        "PUT",
        f"/api/admin/media/{media_id}/tags",
        {"child_ids": [centre.children["noah"]]},
    )
    assert tagged.status_code == 200, tagged.text
    approved = _call(
        runtime,
        centre.director,
        "POST",
        f"/api/admin/media/{media_id}/review",
        {"decision": "approve"},
    )
    assert approved.status_code == 200, approved.text
    return media_id


def test_withdrawal_hides_at_once_and_purges_served_copies_within_a_minute(
    runtime: LocalRuntime, capsys: pytest.CaptureFixture[str]
) -> None:
    centre = build()
    noah = centre.children["noah"]
    given = _call(
        runtime,
        centre.families["g3"].session,
        "POST",
        f"/api/family/children/{noah}/consent",
        {
            "audiences": ["families_of_group"],
            "media_kinds": ["photo"],
            "text_sha256": consent_text_hash(),
        },
    )
    assert given.status_code == 200, given.text
    media_id = _published_photo(runtime, centre)
    family = centre.families["g1"].session  # Léa's guardian, same group

    def served() -> bool:  # the stream delivers the publication: the served copies appear
        read = _call(runtime, family, "GET", f"/api/family/albums/{centre.album_id}")
        return read.status_code == 200

    wait_for(served, timeout=60)
    album = _call(runtime, family, "GET", f"/api/family/albums/{centre.album_id}")
    assert album.status_code == 200, album.text
    [item] = album.json()["items"]
    assert item["media_id"] == media_id
    url = item["renditions"]["web"]["url"]
    assert requests.get(url, timeout=30).status_code == 200
    assert requests.get(url, timeout=30).status_code == 200  # now in the edge cache

    # When Noah's guardian withdraws
    started = time.monotonic()
    withdrawn = _call(
        runtime,
        centre.families["g3"].session,
        "POST",
        f"/api/family/children/{noah}/consent/withdraw",
    )
    assert withdrawn.status_code == 200, withdrawn.text
    # Then the very next read hides the item
    assert _call(runtime, family, "GET", f"/api/family/albums/{centre.album_id}").status_code == 404
    # And the copy already handed out stops being served, though its signature is still valid
    deadline = started + BUDGET_SECONDS
    while requests.get(url, timeout=30).status_code == 200:
        assert time.monotonic() < deadline, "the served copy outlived the revocation budget"
        time.sleep(0.1)
    delay = time.monotonic() - started
    with capsys.disabled():
        print(
            f"\nrevocation: served copy gone {delay:.2f} s after the withdrawal "
            f"(budget {BUDGET_SECONDS} s)"
        )
    assert delay <= BUDGET_SECONDS
