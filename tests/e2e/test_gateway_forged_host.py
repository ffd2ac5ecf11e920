"""A forged Host header against the gateway's CloudFront check (issue 13 item 9).

CloudFront matches a signed policy against the distribution's own domain and the path it
serves. The local gateway once built that URL from the viewer's ``Host`` header instead, so a
family's wildcard policy (``http://domain/media/t/<centre>/s/<album>/g.<group>/*``) plus a
Host of ``domain/media/t/<centre>/s/<album>/g.<group>/`` covered every path: the clean copy of
the item the family sees blurred, another group's photo, another centre's object. These tests
take the policy a family really received and try it with a forged Host on each of them.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
import requests

from local import cloudfront
from local.runtime import LocalRuntime
from tests.e2e.conftest import wait_for
from tests.e2e.journeys import api, centre_with_noah_consenting, processed_photo
from tests.integration.scenario import Scenario

pytestmark = [pytest.mark.e2e]


@pytest.fixture(scope="module")
def runtime_options() -> dict[str, Any]:
    return {"workers": True}


def _blurred_photo(runtime: LocalRuntime, centre: Scenario) -> str:
    """Noah (consent) and Léa (none, face hidden) on one photo, published."""
    media_id = processed_photo(runtime, centre)
    tagged = api(
        runtime,
        centre.animator,
        "PUT",
        f"/api/admin/media/{media_id}/tags",
        {"child_ids": [centre.children["noah"], centre.children["lea"]]},
    )
    assert tagged.status_code == 200, tagged.text
    faces = api(
        runtime,
        centre.animator,
        "PUT",
        f"/api/upload/media/{media_id}/faces",
        {"boxes": [[0.4, 0.3, 0.2, 0.3]], "hides": [centre.children["lea"]]},
    )
    assert faces.status_code == 200, faces.text
    wait_for(
        lambda: api(runtime, centre.director, "GET", f"/api/gallery/media/{media_id}").json()[
            "blurred"
        ],
        timeout=60,
    )
    approved = api(
        runtime,
        centre.director,
        "POST",
        f"/api/admin/media/{media_id}/review",
        {"decision": "approve"},
    )
    assert approved.status_code == 200, approved.text
    return media_id


def _family_item(runtime: LocalRuntime, centre: Scenario, media_id: str) -> dict[str, Any]:
    def shown() -> dict[str, Any] | None:
        read = api(
            runtime, centre.families["g3"].session, "GET", f"/api/family/albums/{centre.album_id}"
        )
        if read.status_code != 200:
            return None
        items = [i for i in read.json().get("items", []) if i["media_id"] == media_id]
        return items[0] if items else None

    item: dict[str, Any] = wait_for(shown, timeout=60, interval=0.3)
    return item


def _policy_resource(url: str) -> str:
    params = dict(parse_qsl(urlsplit(url).query))
    policy = json.loads(cloudfront.cloudfront_b64decode(params["Policy"]))
    return str(policy["Statement"][0]["Resource"])


def _get(url: str, host: str | None = None) -> requests.Response:
    headers = {"Host": host} if host is not None else {}
    return requests.get(url, headers=headers, timeout=10)


def test_a_forged_host_does_not_widen_a_family_policy(runtime: LocalRuntime) -> None:
    # Given a family that sees a group photo with Léa blurred, through one wildcard policy
    centre = centre_with_noah_consenting(runtime)
    media_id = _blurred_photo(runtime, centre)
    item = _family_item(runtime, centre, media_id)
    assert item["blurred"] is True
    family_url = item["renditions"]["web"]["url"]
    resource = _policy_resource(family_url)
    assert resource.endswith("/*"), resource  # the scope's wildcard
    query = urlsplit(family_url).query
    assert _get(family_url).status_code == 200  # the URL as given works

    # ... and objects that policy must never open
    s3 = runtime.client("s3")
    bucket = runtime.names.media_bucket
    staff = api(runtime, centre.director, "GET", f"/api/gallery/media/{media_id}").json()
    clean_path = urlsplit(staff["renditions"]["web"]["url"]).path  # Léa's face unblurred
    scope = urlsplit(family_url).path.rsplit("/", 2)[0]  # /media/t/<centre>/s/<album>/g.<grp>
    other_group = scope.rsplit("/g.", 1)[0] + "/g.other-group/p/web.jpg"
    other_centre = "/media/t/other-centre/s/album/g.group/p/web.jpg"
    for path in (other_group, other_centre):
        s3.put_object(
            Bucket=bucket,
            Key=path.removeprefix("/media/"),
            Body=b"private",
            ContentType="image/jpeg",
        )
    clean = s3.get_object(
        Bucket=bucket, Key=clean_path.removeprefix("/media/").replace("%2F", "/")
    )["Body"].read()

    # When the family's policy is sent for each of them with a Host that carries the
    # scope's prefix (the policy's URL then "ends" with the forbidden path)
    forged_host = resource.removeprefix("http://").removesuffix("*")
    for path in (clean_path, other_group, other_centre):
        honest = _get(f"{runtime.base_url}{path}?{query}")
        forged = _get(f"{runtime.base_url}{path}?{query}", host=forged_host)

        # Then both are refused: the policy is matched against the served resource
        assert honest.status_code == 403, path
        assert forged.status_code == 403, (path, forged.status_code)
        assert forged.content not in (clean, b"private")

    # And even the family's own URL is refused under another domain: only the distribution's
    # own domain reaches it (a URL signed for one CloudFront domain fails on another)
    assert _get(family_url, host=forged_host).status_code == 403
    assert _get(family_url, host=f"localhost:{runtime.gateway.port}").status_code == 403
    assert _get(family_url).status_code == 200
