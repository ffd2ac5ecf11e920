"""Signed delivery attacked (DESIGN: performance targets, gallery; issue 5 item 5).

A family page carries one wildcard policy per audience scope. These tests take the policies a
family really received and try them on everything else: the clean original of an item they
get blurred, the download copies, another album, another centre, another scope; and tamper
with them or use them late. CloudFront's check is the local gateway's (local/cloudfront.py).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest

from local import cloudfront
from tests.conftest import Aws
from tests.integration.scenario import Scenario, build, give
from tests.integration.test_publication_flow import (
    GROUP,
    approve,
    blur,
    family_album,
    media,
    tag,
    upload_photo,
)


@pytest.fixture
def centre(aws: Aws) -> Scenario:
    return build()


def _allowed(aws: Aws, url: str, *, at: float | None = None) -> bool:
    from pellicule.config import clock

    group = cloudfront.KeyGroup({aws.key_pair_id: aws.public_key})
    try:
        cloudfront.verify(
            cloudfront.ViewerRequest(url=url, source_ip="203.0.113.7"),
            group,
            now=clock.now() if at is None else at,
        )
    except cloudfront.AccessDenied:
        return False
    return True


def _query(url: str) -> str:
    return urlsplit(url).query


def _path_url(aws: Aws, key: str, query: str) -> str:
    return f"{aws.public_url}/media/{key}?{query}"


def _policy_resource(url: str) -> str:
    import json

    params = dict(parse_qsl(_query(url)))
    policy = json.loads(cloudfront.cloudfront_b64decode(params["Policy"]))
    return str(policy["Statement"][0]["Resource"])


def _blurred_group_photo(aws: Aws, centre: Scenario) -> tuple[str, dict[str, Any]]:
    """Noah (consent) and Léa (no consent, face blurred) on one photo, published."""
    media_id = upload_photo(aws, centre)
    centre.ok(give(centre, "g3", "noah", [GROUP]))
    centre.ok(tag(centre, media_id, "noah", "lea"))
    blur(aws, centre, media_id, "lea")
    centre.ok(approve(centre, media_id))
    album = centre.ok(family_album(centre, "g3"))
    [item] = album["items"]
    assert item["blurred"] is True
    return media_id, item


def test_a_family_policy_reaches_nothing_but_what_it_may_see(aws: Aws, centre: Scenario) -> None:
    media_id, item = _blurred_group_photo(aws, centre)
    web = item["renditions"]["web"]["url"]
    query = _query(web)
    assert _allowed(aws, web)  # the URL as given works
    stored = media(centre, media_id)
    from pellicule.services import publication

    [entry] = publication.served(stored).values()
    forbidden = [
        # the clean staff renditions of the very item shown blurred
        *[str(v["key"]) for v in stored.renditions.as_dict().values()],
        # the blurred staff renditions (only the served copies are reachable)
        *[str(v["key"]) for v in stored.blurred.as_dict().values()],
        # the download copy (downloads get their own one-object policy)
        str(entry["d"]["key"]),
        # another album, another scope, the centre scope, another centre
        f"t/{centre.tenant_id}/s/other-album/g.{centre.groups['loutres']}/{media_id}/x.jpg",
        f"t/{centre.tenant_id}/s/{centre.album_id}/g.{centre.groups['renards']}/{media_id}/x.jpg",
        f"t/{centre.tenant_id}/s/{centre.album_id}/c/{media_id}/x.jpg",
        f"t/other-centre/s/{centre.album_id}/g.{centre.groups['loutres']}/{media_id}/x.jpg",
        f"t/{centre.tenant_id}x/s/{centre.album_id}/g.{centre.groups['loutres']}/a.jpg",
    ]
    for key in forbidden:
        assert not _allowed(aws, _path_url(aws, key, query)), key


def test_every_object_a_family_policy_covers_is_a_variant_they_may_see(
    aws: Aws, centre: Scenario
) -> None:
    media_id, item = _blurred_group_photo(aws, centre)
    stored = media(centre, media_id)
    s3 = aws.client("s3")
    bucket = aws.names.media_bucket
    clean = {
        s3.get_object(Bucket=bucket, Key=str(v["key"]))["Body"].read()
        for v in stored.renditions.as_dict().values()
    }
    blurred = {
        s3.get_object(Bucket=bucket, Key=str(v["key"]))["Body"].read()
        for v in stored.blurred.as_dict().values()
    }
    resources = {_policy_resource(r["url"]) for r in item["renditions"].values()}
    assert len(resources) == 1
    [resource] = resources
    prefix = resource.removeprefix(f"{aws.public_url}/media/").removesuffix("*")
    listed = s3.list_objects_v2(Bucket=bucket, Prefix=prefix).get("Contents", [])
    assert listed
    for obj in listed:
        body = s3.get_object(Bucket=bucket, Key=obj["Key"])["Body"].read()
        assert body not in clean
        assert body in blurred


def test_tampered_expired_or_moved_signatures_are_refused(aws: Aws, centre: Scenario) -> None:
    from pellicule.config import clock, topology

    _, item = _blurred_group_photo(aws, centre)
    url = item["renditions"]["web"]["url"]
    params = dict(parse_qsl(_query(url)))
    # Tampered: another policy (wider resource) with the same signature
    import json

    wider = json.loads(cloudfront.cloudfront_b64decode(params["Policy"]))
    wider["Statement"][0]["Resource"] = f"{aws.public_url}/media/*"
    forged = url.replace(
        params["Policy"],
        cloudfront.cloudfront_b64encode(json.dumps(wider, separators=(",", ":")).encode()),
    )
    assert not _allowed(aws, forged)
    # Tampered signature
    signature = params["Signature"]
    flipped = ("A" if signature[5] != "A" else "B").join((signature[:5], signature[6:]))
    assert not _allowed(aws, url.replace(signature, flipped))
    # Unknown key pair id
    assert not _allowed(aws, url.replace(params["Key-Pair-Id"], "KOTHERKEY"))
    # Expired
    assert _allowed(aws, url, at=clock.now() + topology.SIGNED_URL_TTL_SECONDS - 5)
    assert not _allowed(aws, url, at=clock.now() + topology.SIGNED_URL_TTL_SECONDS + 1)


def test_a_page_costs_one_signature_per_scope(aws: Aws, centre: Scenario) -> None:
    published = []
    for _ in range(3):
        media_id = upload_photo(aws, centre)
        centre.ok(centre.admin("PUT", f"media/{media_id}/tags", {"no_identifiable_child": True}))
        centre.ok(approve(centre, media_id))
        published.append(media_id)
    album = centre.ok(family_album(centre, "g1"))
    assert sorted(i["media_id"] for i in album["items"]) == sorted(published)
    policies = {
        dict(parse_qsl(_query(r["url"])))["Policy"]
        for i in album["items"]
        for r in i["renditions"].values()
    }
    assert len(policies) == 1  # three items, every rendition: one signature


def test_the_download_link_grants_one_object(aws: Aws, centre: Scenario) -> None:
    media_id, item = _blurred_group_photo(aws, centre)
    download = centre.ok(centre.family("g3", "GET", f"media/{media_id}/download"))
    assert download["blurred"] is True
    assert _allowed(aws, download["url"])
    query = _query(download["url"])
    for rendition in item["renditions"].values():
        key = urlsplit(rendition["url"]).path.removeprefix("/media/")
        assert not _allowed(aws, _path_url(aws, key, query))


def test_a_staff_policy_stays_inside_its_centre(aws: Aws, centre: Scenario) -> None:
    from functions.gallery.handler import handler
    from tests.conftest import api_event
    from tests.integration.helpers import body

    media_id, _ = _blurred_group_photo(aws, centre)
    response = handler(
        api_event("GET", f"/api/gallery/media/{media_id}", session=centre.director), None
    )
    assert response["statusCode"] == 200, response
    url = body(response)["renditions"]["web"]["url"]
    assert _allowed(aws, url)
    query = _query(url)
    assert _allowed(aws, _path_url(aws, f"t/{centre.tenant_id}/s/any/c/x.jpg", query))
    assert not _allowed(aws, _path_url(aws, "t/other-centre/m/x/y.jpg", query))
    assert not _allowed(aws, _path_url(aws, f"t/{centre.tenant_id}0/m/x/y.jpg", query))
