"""Contract: every path the code signs is served by CloudFront from the object the code wrote.

A centre's day runs through the real handlers in moto (upload, processing, blurring, tagging,
publication with its served copies); then the staff gallery, the families' albums and their
downloads hand out signed media URLs. For each URL and each policy resource (exact or
wildcard) the synthesized distribution must:

- route the path to a behaviour that requires a signature from the stack's key group
  (``TrustedKeyGroups``) and reads the media bucket through origin access control, the same
  behaviour for every path a wildcard policy grants (nothing signed falls to another one);
- map the path, through the behaviour's viewer-request function (the template's own code, run
  by node) and the origin's ``OriginPath``, to the key of an object the code wrote in the
  media bucket.
"""

from __future__ import annotations

import base64
import json
import re
import shutil
import subprocess
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import pytest

from pellicule.config import topology
from tests.infra.support import Variant

pytestmark = pytest.mark.infra

GROUP = "families_of_group"


# --- The distribution ---------------------------------------------------------------------------


def _pattern(path_pattern: str) -> re.Pattern[str]:
    """CloudFront path pattern: ``*`` any characters, ``?`` one, case-sensitive, whole path."""
    body = "".join(
        ".*" if c == "*" else "." if c == "?" else re.escape(c) for c in path_pattern.lstrip("/")
    )
    return re.compile(f"/{body}")


def behaviour_for(variant: Variant, path: str) -> dict[str, Any]:
    """The behaviour CloudFront applies to ``path``: the first matching pattern, or default."""
    _, distribution = variant.one("AWS::CloudFront::Distribution")
    config = distribution["Properties"]["DistributionConfig"]
    for behaviour in config.get("CacheBehaviors", []):
        if _pattern(behaviour["PathPattern"]).fullmatch(path):
            return dict(behaviour)
    return dict(config["DefaultCacheBehavior"])


def origin_of(variant: Variant, behaviour: dict[str, Any]) -> dict[str, Any]:
    _, distribution = variant.one("AWS::CloudFront::Distribution")
    [origin] = [
        o
        for o in distribution["Properties"]["DistributionConfig"]["Origins"]
        if o["Id"] == behaviour["TargetOriginId"]
    ]
    return dict(origin)


def viewer_request(variant: Variant, behaviour: dict[str, Any], uris: list[str]) -> list[str]:
    """The URIs after the behaviour's viewer-request functions (the template's code, node)."""
    functions = [
        a["FunctionARN"]["Fn::GetAtt"][0]
        for a in behaviour.get("FunctionAssociations", [])
        if a["EventType"] == "viewer-request"
    ]
    for key in functions:
        code = variant.resources[key]["Properties"]["FunctionCode"]
        script = code + (
            "\nconst uris = JSON.parse(process.argv[1]);"
            "\nconsole.log(JSON.stringify(uris.map((uri) => handler({request: {uri}}).uri)));"
        )
        done = subprocess.run(
            ["node", "-e", script, json.dumps(uris)],
            capture_output=True,
            text=True,
            check=True,
            timeout=60,
        )
        uris = json.loads(done.stdout)
    return uris


def _cloudfront_b64decode(value: str) -> bytes:
    return base64.b64decode(value.replace("-", "+").replace("_", "=").replace("~", "/"))


def policy_resource(url: str) -> str:
    """The resource a signed URL's custom policy grants."""
    query = parse_qs(urlsplit(url).query)
    policy = json.loads(_cloudfront_b64decode(query["Policy"][0]))
    [statement] = policy["Statement"]
    return str(statement["Resource"])


# --- The code's URLs ----------------------------------------------------------------------------


def _urls(value: Any, base: str) -> list[str]:
    if isinstance(value, str):
        return [value] if value.startswith(base) else []
    if isinstance(value, dict):
        return [u for v in value.values() for u in _urls(v, base)]
    if isinstance(value, list):
        return [u for v in value for u in _urls(v, base)]
    return []


def signed_urls_of_a_day(aws: Any) -> dict[str, list[str]]:
    """What -> the media URLs the gallery and family functions hand out after a day."""
    from tests.conftest import Centre, api_event
    from tests.integration.helpers import body, call, drain, put_as_browser, request_grant
    from tests.integration.scenario import build, give
    from tests.support.images import jpeg_with_metadata

    centre = build()
    centre.ok(give(centre, "g3", "noah", [GROUP]))
    as_centre = Centre(centre.tenant_id, centre.album_id, centre.animator, "")
    media_ids = []
    for hidden in ([], ["lea"]):  # one clean photo, one with Léa blurred out
        data = jpeg_with_metadata((320, 240))
        grant = request_grant(as_centre, data)
        put_as_browser(aws, grant, data)
        drain(aws)
        media_id = grant["media_id"]
        tagged = [centre.children[c] for c in ("noah", *hidden)]
        centre.ok(
            centre.admin(
                "PUT", f"media/{media_id}/tags", {"child_ids": tagged}, session=centre.animator
            )
        )
        if hidden:
            faces = call(
                "upload",
                api_event(
                    "PUT",
                    f"/api/upload/media/{media_id}/faces",
                    body={
                        "boxes": [[0.1, 0.1, 0.2, 0.2]],
                        "hides": [centre.children[c] for c in hidden],
                    },
                    session=centre.animator,
                ),
            )
            assert faces["statusCode"] == 200, faces
            drain(aws)
        _approve_and_propagate(centre, media_id)
        media_ids.append(media_id)

    base = aws.public_url
    found: dict[str, list[str]] = {}

    def staff(path: str) -> Any:
        response = call("gallery", api_event("GET", path, session=centre.director))
        assert response["statusCode"] == 200, response
        return body(response)

    found["gallery album"] = _urls(staff(f"/api/gallery/albums/{centre.album_id}"), base)
    found["gallery item"] = [
        u for m in media_ids for u in _urls(staff(f"/api/gallery/media/{m}"), base)
    ]
    found["family album"] = _urls(
        centre.ok(centre.family("g3", "GET", f"albums/{centre.album_id}")), base
    )
    found["family download"] = [
        u
        for m in media_ids
        for u in _urls(centre.ok(centre.family("g3", "GET", f"media/{m}/download")), base)
    ]
    return found


def _approve_and_propagate(centre: Any, media_id: str) -> None:
    """Approve (publish), then hand the change to the revocation function as the stream would
    (it creates the served copies)."""
    from functions.revocation.handler import handler
    from pellicule.store.models import Media, tenant_pk

    def item() -> Any:
        return Media.get(tenant_pk(centre.tenant_id), f"MEDIA#{media_id}", consistent_read=True)

    before = item().serialize()
    centre.ok(centre.admin("POST", f"media/{media_id}/review", {"decision": "approve"}))
    after = item()
    record = {
        "eventID": "1",
        "eventName": "MODIFY",
        "dynamodb": {
            "Keys": {"pk": {"S": after.pk}, "sk": {"S": after.sk}},
            "SequenceNumber": "1",
            "StreamViewType": "NEW_AND_OLD_IMAGES",
            "NewImage": after.serialize(),
            "OldImage": before,
        },
    }
    assert handler({"Records": [record]}, None) == {"batchItemFailures": []}


# --- The contract -------------------------------------------------------------------------------


def _signed_behaviour_checks(variant: Variant, behaviour: dict[str, Any], where: str) -> None:
    group_key, _ = variant.one("AWS::CloudFront::KeyGroup")
    assert behaviour.get("TrustedKeyGroups") == [{"Ref": group_key}], where
    assert "GET" in behaviour["AllowedMethods"], where
    origin = origin_of(variant, behaviour)
    _, attribute = origin["DomainName"]["Fn::GetAtt"]
    assert attribute == "RegionalDomainName", where
    assert origin.get("OriginAccessControlId"), where  # OAC, not a public bucket


@pytest.mark.skipif(shutil.which("node") is None, reason="node runs the CloudFront function")
def test_every_signed_path_is_served_from_the_object_the_code_wrote(
    main: Variant, aws: Any
) -> None:
    found = signed_urls_of_a_day(aws)
    for what in ("gallery album", "gallery item", "family album", "family download"):
        assert found[what], f"no signed URL from the {what}"
    s3 = aws.client("s3")
    media_bucket_keys = set()
    for what, urls in found.items():
        for url in urls:
            path = urlsplit(url).path
            resource = urlsplit(policy_resource(url)).path
            # The signature covers the URL (exactly, or by a wildcard prefix).
            if resource.endswith("*"):
                assert path.startswith(resource[:-1]), (what, url)
            else:
                assert path == resource, (what, url)
            behaviour = behaviour_for(main, path)
            _signed_behaviour_checks(main, behaviour, f"{what}: {path}")
            media_bucket_keys.add(origin_of(main, behaviour)["DomainName"]["Fn::GetAtt"][0])
            # Every path a wildcard grants falls to the same signed behaviour.
            if resource.endswith("*"):
                pattern = behaviour["PathPattern"]
                assert pattern.endswith("*"), pattern
                assert not set(pattern[:-1]) & {"*", "?"}, pattern
                assert resource.startswith(pattern[:-1]), (what, resource, pattern)
            # The object the code wrote is the one CloudFront asks the bucket for.
            origin_path = origin_of(main, behaviour).get("OriginPath", "")
            [uri] = viewer_request(main, behaviour, [path])
            assert uri.startswith("/"), (what, path, uri)  # a URI CloudFront accepts
            key = unquote(f"{origin_path}{uri}")[1:]
            s3.head_object(Bucket=aws.names.media_bucket, Key=key)  # raises if absent
    # One bucket behind every signed path: the one the template tells the functions to write
    # media to.
    [bucket_key] = media_bucket_keys
    told = {
        r["Properties"]["Environment"]["Variables"][topology.ENV_MEDIA_BUCKET]
        for r in main.of_type("AWS::Lambda::Function").values()
        if topology.ENV_MEDIA_BUCKET in r["Properties"].get("Environment", {}).get("Variables", {})
    }
    assert told == {main.resources[bucket_key]["Properties"]["BucketName"]}


def test_the_signed_behaviour_is_the_only_one_requiring_signatures(main: Variant) -> None:
    _, distribution = main.one("AWS::CloudFront::Distribution")
    config = distribution["Properties"]["DistributionConfig"]
    signed = [b for b in config.get("CacheBehaviors", []) if b.get("TrustedKeyGroups")]
    assert len(signed) == 1
    assert not config["DefaultCacheBehavior"].get("TrustedKeyGroups")
