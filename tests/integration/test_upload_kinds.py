"""Upload grants for every accepted kind, tenant size caps, and multipart video uploads."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest

from pellicule.config import topology
from pellicule.store import data
from pellicule.store.models import Media, Tenant, tenant_pk
from tests.conftest import Aws, Centre, api_event, make_centre
from tests.integration.helpers import body, call

MB = 1024 * 1024


def post(
    centre: Centre, path: str, payload: dict[str, Any] | None = None, session: str | None = None
) -> dict[str, Any]:
    return call(
        "upload",
        api_event(
            "POST",
            path,
            body=payload if payload is not None else {},
            session=session or centre.director_session,
        ),
    )


def grant(centre: Centre, content_type: str, size: int) -> dict[str, Any]:
    return post(
        centre,
        "/api/upload/grants",
        {"album_id": centre.album_id, "files": [{"name": "f", "type": content_type, "size": size}]},
    )


@pytest.mark.parametrize(
    ("content_type", "kind"),
    [
        ("image/heic", "photo"),
        ("image/heif", "photo"),
        ("video/mp4", "video"),
        ("video/quicktime", "video"),
    ],
)
def test_every_accepted_type_gets_a_grant_under_its_kind(
    aws: Aws, centre: Centre, content_type: str, kind: str
) -> None:
    response = grant(centre, content_type, 5 * MB)
    assert response["statusCode"] == 201, response
    issued = body(response)["grants"][0]
    assert issued["kind"] == kind
    assert issued["fields"]["key"].startswith(f"ingest/{kind}/t/{centre.tenant_id}/")
    assert issued["fields"]["Content-Type"] == content_type


def test_size_caps_come_from_the_tenant_settings(aws: Aws, centre: Centre) -> None:
    assert grant(centre, "image/jpeg", 39 * MB)["statusCode"] == 201
    assert grant(centre, "image/jpeg", 41 * MB)["statusCode"] == 413
    assert grant(centre, "video/mp4", 1000 * MB)["statusCode"] == 201
    data.ready()
    tenant = Tenant.get(tenant_pk(centre.tenant_id), "PROFILE")
    tenant.update(
        actions=[Tenant.settings.set({"max_photo_bytes": 5 * MB, "max_video_bytes": 10**15})]
    )
    response = grant(centre, "image/jpeg", 6 * MB)
    assert response["statusCode"] == 413
    assert body(response)["reason"] == "upload_too_large"
    assert body(response)["params"]["megabytes"] == 5
    # A stored value beyond the hard cap is ignored: the default applies.
    assert grant(centre, "video/mp4", 1025 * MB)["statusCode"] == 413


@pytest.fixture
def small_parts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        topology,
        "UPLOAD",
        topology.Upload(multipart_threshold_bytes=6 * MB, multipart_part_bytes=5 * MB),
    )


def _upload_parts(aws: Aws, urls: dict[str, str], sizes: dict[int, int]) -> None:
    """What the browser's PUTs store (each URL names the upload and the part)."""
    s3 = aws.client("s3")
    for number, url in urls.items():
        parsed = urlparse(url)
        query = parse_qs(parsed.query)
        assert query["partNumber"] == [number]
        s3.upload_part(
            Bucket=aws.names.ingest_bucket,
            Key=parsed.path.split("/", 2)[2]
            if parsed.path.startswith(f"/{aws.names.ingest_bucket}/")
            else parsed.path.lstrip("/"),
            UploadId=query["uploadId"][0],
            PartNumber=int(number),
            Body=b"v" * sizes[int(number)],
        )


@pytest.mark.usefixtures("small_parts")
def test_large_video_goes_through_a_resumable_multipart_upload(aws: Aws, centre: Centre) -> None:
    size = 11 * MB  # parts of 5, 5 and 1 MB
    response = grant(centre, "video/mp4", size)
    issued = body(response)["grants"][0]
    assert "url" not in issued
    assert issued["multipart"] == {"part_size": 5 * MB, "part_count": 3}
    media_id = issued["media_id"]
    base = f"/api/upload/multipart/{media_id}"
    # The phone sends part 1, loses its connection, and resumes.
    urls = body(post(centre, f"{base}/parts", {"part_numbers": [1]}))["urls"]
    _upload_parts(aws, urls, {1: 5 * MB})
    received = body(call("upload", api_event("GET", base, session=centre.director_session)))
    assert [p["part_number"] for p in received["parts"]] == [1]
    missing = post(centre, f"{base}/complete")
    assert missing["statusCode"] == 409
    assert body(missing)["reason"] == "upload_parts_missing"
    assert body(missing)["params"] == {"parts": [2, 3]}
    urls = body(post(centre, f"{base}/parts", {"part_numbers": [2, 3]}))["urls"]
    _upload_parts(aws, urls, {2: 5 * MB, 3: 1 * MB})
    done = post(centre, f"{base}/complete")
    assert done["statusCode"] == 200, done
    head = aws.client("s3").head_object(
        Bucket=aws.names.ingest_bucket, Key=issued_key(centre, media_id)
    )
    assert head["ContentLength"] == size
    assert post(centre, f"{base}/complete")["statusCode"] == 409  # already finished


def issued_key(centre: Centre, media_id: str) -> str:
    data.ready()
    return str(Media.get(tenant_pk(centre.tenant_id), f"MEDIA#{media_id}").ingest_key)


@pytest.mark.usefixtures("small_parts")
def test_multipart_of_the_wrong_size_is_discarded(aws: Aws, centre: Centre) -> None:
    issued = body(grant(centre, "video/mp4", 7 * MB))["grants"][0]
    base = f"/api/upload/multipart/{issued['media_id']}"
    urls = body(post(centre, f"{base}/parts", {"part_numbers": [1, 2]}))["urls"]
    _upload_parts(aws, urls, {1: 5 * MB, 2: 3 * MB})  # one MB more than declared
    response = post(centre, f"{base}/complete")
    assert response["statusCode"] == 400
    data.ready()
    item = Media.get(tenant_pk(centre.tenant_id), f"MEDIA#{issued['media_id']}")
    assert item.state == "failed"
    assert (
        aws.client("s3").list_multipart_uploads(Bucket=aws.names.ingest_bucket).get("Uploads", [])
        == []
    )


@pytest.mark.usefixtures("small_parts")
def test_multipart_abort_and_bad_part_numbers(aws: Aws, centre: Centre) -> None:
    issued = body(grant(centre, "video/quicktime", 12 * MB))["grants"][0]
    base = f"/api/upload/multipart/{issued['media_id']}"
    for numbers in ([0], [4], ["1"], [], list(range(1, 200))):
        assert post(centre, f"{base}/parts", {"part_numbers": numbers})["statusCode"] == 400
    # Another centre cannot touch this upload.
    other = make_centre()
    assert post(other, f"{base}/parts", {"part_numbers": [1]})["statusCode"] == 404
    assert post(other, f"{base}/abort")["statusCode"] == 404
    assert post(centre, f"{base}/abort")["statusCode"] == 200
    assert post(centre, f"{base}/parts", {"part_numbers": [1]})["statusCode"] == 409


def test_small_files_are_not_multipart(aws: Aws, centre: Centre) -> None:
    issued = body(grant(centre, "video/mp4", 5 * MB))["grants"][0]
    response = post(
        centre, f"/api/upload/multipart/{issued['media_id']}/parts", {"part_numbers": [1]}
    )
    assert response["statusCode"] == 400
