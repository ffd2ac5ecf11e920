"""Key-group rotation, end to end: what the family function signs, checked by the gateway.

Given a family page signed with the current key, when a new key is added to the key group and
the functions switch to it, then pages carry the new key's signatures and both work; once the
old key is removed from the group, the URLs it signed are refused (403) and new ones work.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
import requests

from local.runtime import LocalRuntime
from tests.e2e.conftest import wait_for
from tests.e2e.journeys import api as _call
from tests.e2e.journeys import centre_with_noah_consenting
from tests.e2e.journeys import published_photo as _published_photo

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def runtime_options() -> dict[str, Any]:
    return {"workers": True}


def _key_pair_id(url: str) -> str:
    return dict(parse_qsl(urlsplit(url).query))["Key-Pair-Id"]


def test_rotation_of_the_key_that_signs_family_pages(runtime: LocalRuntime) -> None:
    centre = centre_with_noah_consenting(runtime)  # Noah: consent; Léa: none
    _published_photo(runtime, centre)
    family = centre.families["g1"].session

    def page_url() -> str | None:
        read = _call(runtime, family, "GET", f"/api/family/albums/{centre.album_id}")
        if read.status_code != 200:
            return None
        url: str = read.json()["items"][0]["renditions"]["web"]["url"]
        return url

    old_url = wait_for(page_url, timeout=60)
    original = runtime.key_pair_id
    assert _key_pair_id(old_url) == original
    assert requests.get(old_url, timeout=30).status_code == 200

    new_id = runtime.add_signing_key(activate=True)
    try:
        new_url = page_url()
        assert new_url is not None
        assert _key_pair_id(new_url) == new_id
        # During the rotation both keys are trusted
        assert requests.get(old_url, timeout=30).status_code == 200
        assert requests.get(new_url, timeout=30).status_code == 200

        runtime.remove_signing_key(original)

        assert requests.get(old_url, timeout=30).status_code == 403
        assert requests.get(new_url, timeout=30).status_code == 200
        fresh = page_url()
        assert fresh is not None
        assert requests.get(fresh, timeout=30).status_code == 200
    finally:
        from tests.e2e.test_gateway import _public_pem

        runtime.key_group.add(original, _public_pem(runtime.signing_key_pem(original)))
        runtime.activate_signing_key(original)
        runtime.remove_signing_key(new_id)
