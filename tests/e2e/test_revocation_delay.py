"""A guardian withdraws: hidden on the next request, served copies gone within 60 s.

The whole local stack: the family API through the gateway, the consent-history entry on the
table's stream, the stream poller invoking the revocation function, the media bucket and the
gateway's edge cache, which keeps an object ``topology.MEDIA_EDGE_TTL_SECONDS`` like the
distribution's /media/* cache policy. No CloudFront invalidation: the served copy is deleted
and the edge forgets it when its TTL runs out (docs/revocation.md).
"""

from __future__ import annotations

import time
from typing import Any

import pytest
import requests

from local.runtime import LocalRuntime
from pellicule.config import topology
from tests.e2e.conftest import wait_for
from tests.e2e.journeys import api as _call
from tests.e2e.journeys import centre_with_noah_consenting
from tests.e2e.journeys import published_photo as _published_photo

pytestmark = pytest.mark.e2e

BUDGET_SECONDS = topology.REVOCATION_BUDGET_SECONDS  # 60


@pytest.fixture(scope="module")
def runtime_options() -> dict[str, Any]:
    return {"workers": True}


def test_withdrawal_hides_at_once_and_purges_served_copies_within_a_minute(
    runtime: LocalRuntime, capsys: pytest.CaptureFixture[str]
) -> None:
    centre = centre_with_noah_consenting(runtime)  # Noah: consent; Léa: none
    noah = centre.children["noah"]
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

    invalidations = len(runtime.gateway.invalidations.entries)
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
    # without any invalidation: the edge TTL did it
    assert len(runtime.gateway.invalidations.entries) == invalidations
