"""Security requirement 5: presigned POST policy (tested on the policy we generate, since
S3 emulators do not enforce it) and requirement 4: the tenant comes from the session only."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime

import pytest

from pellicule import data
from pellicule.models import Media, tenant_pk
from tests.conftest import Aws, Centre, api_event, make_centre
from tests.integration.helpers import body, call


def _grant(centre: Centre, extra: dict[str, object] | None = None) -> dict:
    response = call(
        "upload",
        api_event(
            "POST",
            "/api/upload/grants",
            session=centre.director_session,
            body={
                "album_id": centre.album_id,
                "files": [{"name": "a.jpg", "type": "image/jpeg", "size": 4321}],
                **(extra or {}),
            },
        ),
    )
    assert response["statusCode"] == 201, response
    return body(response)["grants"][0]


def test_policy_pins_key_type_size_and_expiry(aws: Aws, centre: Centre) -> None:
    grant = _grant(centre)
    policy = json.loads(base64.b64decode(grant["fields"]["policy"]))
    conditions = policy["conditions"]
    key = grant["fields"]["key"]
    # Exact key (no starts-with), exact content type, exact size.
    assert {"key": key} in conditions
    assert {"Content-Type": "image/jpeg"} in conditions
    assert ["content-length-range", 4321, 4321] in conditions
    assert {"bucket": aws.names.ingest_bucket} in conditions
    assert not [c for c in conditions if isinstance(c, list) and c[0] == "starts-with"]
    expiration = datetime.strptime(policy["expiration"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    assert 0 < (expiration - datetime.now(UTC)).total_seconds() <= 15 * 60
    assert grant["fields"]["Content-Type"] == "image/jpeg"


def test_each_grant_has_its_own_unguessable_key(aws: Aws, centre: Centre) -> None:
    keys = {_grant(centre)["fields"]["key"] for _ in range(5)}
    assert len(keys) == 5
    for key in keys:
        assert len(key.rsplit("/", 1)[1]) >= 20  # 128 random bits, URL-safe


def test_tenant_in_the_request_is_ignored(aws: Aws, centre: Centre) -> None:
    victim = make_centre()
    # The attacker names another centre in the body: the grant still lands in their own.
    grant = _grant(centre, {"tenant_id": victim.tenant_id, "tenant": victim.tenant_id})
    assert grant["fields"]["key"].startswith(f"ingest/photo/t/{centre.tenant_id}/")
    data.ready()
    assert list(Media.query(tenant_pk(victim.tenant_id), Media.sk.startswith("MEDIA#"))) == []
    # ...and an album id of another centre is simply not found.
    response = call(
        "upload",
        api_event(
            "POST",
            "/api/upload/grants",
            session=centre.director_session,
            body={
                "album_id": victim.album_id,
                "files": [{"name": "a.jpg", "type": "image/jpeg", "size": 10}],
            },
        ),
    )
    assert response["statusCode"] == 404


def test_multipart_part_urls_are_pinned_to_one_upload_and_expire(
    aws: Aws, centre: Centre, monkeypatch: pytest.MonkeyPatch
) -> None:
    from urllib.parse import parse_qs, urlparse

    from pellicule import topology

    monkeypatch.setattr(topology, "UPLOAD", topology.Upload(multipart_threshold_bytes=1))
    response = call(
        "upload",
        api_event(
            "POST",
            "/api/upload/grants",
            session=centre.director_session,
            body={
                "album_id": centre.album_id,
                "files": [{"name": "v.mp4", "type": "video/mp4", "size": 40 * 1024 * 1024}],
            },
        ),
    )
    media_id = body(response)["grants"][0]["media_id"]
    data.ready()
    item = Media.get(tenant_pk(centre.tenant_id), f"MEDIA#{media_id}")
    urls = body(
        call(
            "upload",
            api_event(
                "POST",
                f"/api/upload/multipart/{media_id}/parts",
                session=centre.director_session,
                body={"part_numbers": [1, 2]},
            ),
        )
    )["urls"]
    for number, url in urls.items():
        parsed = urlparse(url)
        query = parse_qs(parsed.query)
        assert parsed.path.endswith(f"/{item.ingest_key}")
        assert query["uploadId"] == [item.upload_id]
        assert query["partNumber"] == [number]
        assert 0 < int(query["X-Amz-Expires"][0]) <= 15 * 60
        assert item.ingest_key.startswith(f"ingest/video/t/{centre.tenant_id}/")
