"""Security requirement 5: presigned POST policy (the policy we generate, and the same grants
refused by the local S3 as S3 refuses them: ``local/s3policy.py`` behind ``MotoGuard``) and
requirement 4: the tenant comes from the session only."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest

from pellicule.store import data
from pellicule.store.models import Media, tenant_pk
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
    # The attacker names another centre in the body: the typed request has no such field, so
    # it is refused (400, the field named) and nothing is granted anywhere...
    for extra in ({"tenant_id": victim.tenant_id}, {"tenant": victim.tenant_id}):
        refused = call(
            "upload",
            api_event(
                "POST",
                "/api/upload/grants",
                session=centre.director_session,
                body={
                    "album_id": centre.album_id,
                    "files": [{"name": "a.jpg", "type": "image/jpeg", "size": 4321}],
                    **extra,
                },
            ),
        )
        assert refused["statusCode"] == 400
        assert body(refused)["error"] == "invalid_request"
        assert next(iter(extra)) in body(refused)["message"]["fr"]
    data.ready()
    assert list(Media.query(tenant_pk(victim.tenant_id), Media.sk.startswith("MEDIA#"))) == []
    # ...and a grant lands in the caller's own centre, the one of the session.
    grant = _grant(centre)
    assert grant["fields"]["key"].startswith(f"ingest/photo/t/{centre.tenant_id}/")
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


def _multipart_video_grant(centre: Centre, monkeypatch: pytest.MonkeyPatch) -> str:
    """A 40 MiB video granted as a multipart upload; its media id."""
    from pellicule.config import topology

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
    return str(body(response)["grants"][0]["media_id"])


def test_multipart_part_urls_are_pinned_to_one_upload_and_expire(
    aws: Aws, centre: Centre, monkeypatch: pytest.MonkeyPatch
) -> None:
    from urllib.parse import parse_qs, urlparse

    media_id = _multipart_video_grant(centre, monkeypatch)
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


# --- The same grants through the local S3: refused as S3 refuses them (local/s3policy.py) ------
# The handlers' presigned POST and part URLs, sent through the guard that stands in front of
# moto in the local runtime (MotoGuard over moto's own server application, in process): the
# grant's conditions are enforced, not only present in the policy.


class LocalS3:
    """moto's S3 as the local runtime serves it: behind :class:`MotoGuard`."""

    def __init__(self, url: str) -> None:
        import os

        from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
        from werkzeug.test import Client

        from local.motoguard import MotoGuard

        # mock_aws signs with its own fake credentials: the grants name them
        self.guard = MotoGuard(
            DomainDispatcherApplication(create_backend_app),
            access_key_id=os.environ["AWS_ACCESS_KEY_ID"],
            secret_access_key=os.environ["AWS_SECRET_ACCESS_KEY"],
        )
        self.guard.allowed_hosts = {urlsplit(url).netloc}
        self.client = Client(self.guard)

    def post(self, grant: dict, content: bytes, **changes: str | None) -> Any:
        import requests

        fields = {k: v for k, v in {**grant["fields"], **changes}.items() if v is not None}
        prepared = requests.Request(
            "POST", grant["url"], data=fields, files={"file": ("a.jpg", content)}
        ).prepare()
        parts = urlsplit(grant["url"])
        return self.client.post(
            parts.path or "/",
            base_url=f"{parts.scheme}://{parts.netloc}",
            data=prepared.body,
            headers={"Content-Type": prepared.headers["Content-Type"]},
        )

    def put(self, url: str, content: bytes) -> Any:
        parts = urlsplit(url)
        return self.client.put(
            parts.path,
            base_url=f"{parts.scheme}://{parts.netloc}",
            query_string=parts.query,
            data=content,
        )


def _stored(aws: Aws, key: str) -> bool:
    listed = aws.client("s3").list_objects_v2(Bucket=aws.names.ingest_bucket, Prefix=key)
    return bool(listed.get("KeyCount"))


def test_the_grant_as_made_uploads_through_the_local_s3(aws: Aws, centre: Centre) -> None:
    grant = _grant(centre)
    response = LocalS3(grant["url"]).post(grant, b"\xff\xd8\xff" + b"\0" * 4318)
    assert response.status_code == 204, response.data
    assert _stored(aws, grant["fields"]["key"])


@pytest.mark.parametrize(
    ("attack", "status", "code"),
    [
        ({"content": 4322}, 400, "EntityTooLarge"),
        ({"content": 4320}, 400, "EntityTooSmall"),
        ({"key": "ingest/photo/t/another-centre/x"}, 403, "AccessDenied"),
        ({"Content-Type": "text/html"}, 403, "AccessDenied"),
        ({"Content-Type": None}, 403, "AccessDenied"),
        ({"acl": "public-read"}, 403, "AccessDenied"),
        ({"x-amz-signature": "0" * 64}, 403, "SignatureDoesNotMatch"),
        ({"expired": 16 * 60}, 403, "AccessDenied"),
    ],
)
def test_the_local_s3_refuses_what_the_grant_does_not_allow(
    aws: Aws, centre: Centre, attack: dict[str, Any], status: int, code: str
) -> None:
    import time

    grant = _grant(centre)
    s3 = LocalS3(grant["url"])
    changes = dict(attack)
    size = int(changes.pop("content", 4321))
    if "expired" in changes:
        late = time.time() + int(changes.pop("expired"))
        s3.guard.clock = lambda: late
    response = s3.post(grant, b"\xff\xd8\xff" + b"\0" * (size - 3), **changes)
    assert response.status_code == status, response.data
    assert f"<Code>{code}</Code>".encode() in response.data
    assert not _stored(aws, grant["fields"]["key"])
    assert not _stored(aws, "ingest/photo/t/another-centre/")


def test_the_local_s3_refuses_an_edited_part_url(
    aws: Aws, centre: Centre, monkeypatch: pytest.MonkeyPatch
) -> None:
    from urllib.parse import urlencode

    media_id = _multipart_video_grant(centre, monkeypatch)
    url = body(
        call(
            "upload",
            api_event(
                "POST",
                f"/api/upload/multipart/{media_id}/parts",
                session=centre.director_session,
                body={"part_numbers": [1]},
            ),
        )
    )["urls"]["1"]
    s3 = LocalS3(url)
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query))
    edited = parts._replace(query=urlencode({**query, "partNumber": "2"})).geturl()
    refused = s3.put(edited, b"part")
    assert refused.status_code == 403
    assert b"<Code>SignatureDoesNotMatch</Code>" in refused.data
    assert s3.put(url, b"part").status_code == 200
