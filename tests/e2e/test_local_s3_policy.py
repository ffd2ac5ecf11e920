"""The local S3 refuses what S3 refuses (issue 14, item 3; security requirement 5).

moto's server stores whatever reaches it: a grant expired for a minute once still uploaded and
the item was processed. Through the real runtime (gateway, moto behind its guard, the queue
and the process function), each test below is the attack on a grant the upload function made,
answered as S3 answers it, then the honest request, which still goes through.
"""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
import requests

from local.runtime import LocalRuntime
from pellicule.config import topology
from pellicule.store import data
from pellicule.store.models import Media, tenant_pk
from tests.conftest import Centre
from tests.e2e.conftest import wait_for
from tests.support import images

pytestmark = pytest.mark.e2e
MB = 1024 * 1024


@pytest.fixture(scope="module")
def runtime_options() -> dict[str, Any]:
    return {"workers": True}


@pytest.fixture(scope="module")
def photo() -> bytes:
    return images.jpeg_with_metadata()


def _grant(runtime: LocalRuntime, api: requests.Session, centre: Centre, **file: Any) -> Any:
    response = api.post(
        f"{runtime.base_url}/api/upload/grants",
        timeout=30,
        json={"album_id": centre.album_id, "files": [{"name": "a.jpg", **file}]},
    )
    assert response.status_code == 201, response.text
    return response.json()["grants"][0]


@pytest.fixture
def grant(runtime: LocalRuntime, api: requests.Session, centre: Centre, photo: bytes) -> Any:
    return _grant(runtime, api, centre, type="image/jpeg", size=len(photo))


@pytest.fixture
def later(runtime: LocalRuntime) -> Iterator[Any]:
    """Move S3's clock (the guard's; the real time otherwise) forward by some seconds."""
    guard = runtime.moto_guard

    def move(seconds: float) -> None:
        guard.clock = lambda: time.time() + seconds

    yield move
    guard.clock = time.time


def _post(runtime: LocalRuntime, grant: Any, content: bytes, **changes: Any) -> Any:
    url = changes.pop("url", grant["url"])
    fields = {**grant["fields"], **changes}
    return requests.post(
        url,
        data={k: v for k, v in fields.items() if v is not None},
        files={"file": ("a.jpg", content, "image/jpeg")},
        headers={"Origin": runtime.base_url},  # the app's own upload page
        timeout=30,
    )


def _refused(response: Any, status: int, code: str, message: str = "") -> None:
    assert response.status_code == status, response.text
    assert f"<Code>{code}</Code>" in response.text, response.text
    assert message in response.text
    assert response.headers["Content-Type"] == "application/xml"


def _stored(runtime: LocalRuntime, key: str) -> bool:
    listed = runtime.client("s3").list_objects_v2(Bucket=runtime.names.ingest_bucket, Prefix=key)
    return bool(listed.get("KeyCount"))


def _state(centre: Centre, media_id: str) -> str:
    data.ready()
    return str(
        Media.get(tenant_pk(centre.tenant_id), f"MEDIA#{media_id}", consistent_read=True).state
    )


def test_a_valid_grant_is_accepted_and_processed(
    runtime: LocalRuntime, api: requests.Session, centre: Centre, grant: Any, photo: bytes
) -> None:
    posted = _post(runtime, grant, photo)
    assert posted.status_code in (200, 204), posted.text
    wait_for(lambda: _state(centre, grant["media_id"]) == "ready", timeout=90, interval=0.3)


def test_an_expired_grant_is_refused_and_nothing_is_processed(
    runtime: LocalRuntime, centre: Centre, grant: Any, photo: bytes, later: Any
) -> None:
    # A minute after the grant's 15 minutes
    later(topology.UPLOAD.grant_expiry_seconds + 60)
    refused = _post(runtime, grant, photo)
    _refused(refused, 403, "AccessDenied", "Invalid according to Policy: Policy expired.")
    # The app's page reads the refusal (the bucket's CORS rules allow its origin)
    assert refused.headers["Access-Control-Allow-Origin"] == runtime.base_url
    assert not _stored(runtime, grant["fields"]["key"])
    time.sleep(1.5)  # a queue drain's worth: nothing arrives
    assert _state(centre, grant["media_id"]) == "uploading"


@pytest.mark.parametrize(
    ("extra", "code", "limit"),
    [(1, "EntityTooLarge", "MaxSizeAllowed"), (-1, "EntityTooSmall", "")],
)
def test_a_file_of_another_size_is_refused(
    runtime: LocalRuntime, grant: Any, photo: bytes, extra: int, code: str, limit: str
) -> None:
    content = photo + b"\0" if extra > 0 else photo[:-1]
    refused = _post(runtime, grant, content)
    _refused(refused, 400, code, f"<ProposedSize>{len(content)}</ProposedSize>")
    assert limit in refused.text
    assert not _stored(runtime, grant["fields"]["key"])


def test_another_key_is_refused(
    runtime: LocalRuntime, api: requests.Session, centre: Centre, grant: Any, photo: bytes
) -> None:
    # The key of another pending upload (or any other one): the grant names one key only
    other = _grant(runtime, api, centre, type="image/jpeg", size=len(photo))["fields"]["key"]
    refused = _post(runtime, grant, photo, key=other)
    _refused(refused, 403, "AccessDenied", 'Policy Condition failed: ["eq", "$key"')
    assert not _stored(runtime, other)


def test_another_content_type_is_refused(runtime: LocalRuntime, grant: Any, photo: bytes) -> None:
    for content_type in ("text/html", "image/svg+xml", None):
        refused = _post(runtime, grant, photo, **{"Content-Type": content_type})
        _refused(refused, 403, "AccessDenied", "$Content-Type")
    assert not _stored(runtime, grant["fields"]["key"])


def test_another_bucket_is_refused(runtime: LocalRuntime, grant: Any, photo: bytes) -> None:
    url = f"{runtime.moto_url}/{runtime.names.evidence_bucket}"
    refused = _post(runtime, grant, photo, url=url)
    _refused(refused, 403, "AccessDenied", "$bucket")


def test_a_tampered_policy_is_refused(runtime: LocalRuntime, grant: Any, photo: bytes) -> None:
    policy = json.loads(base64.b64decode(grant["fields"]["policy"]))
    policy["conditions"] = [
        ["content-length-range", 0, 100 * MB] if isinstance(c, list) else c
        for c in policy["conditions"]
    ]
    tampered = base64.b64encode(json.dumps(policy).encode()).decode()
    refused = _post(runtime, grant, photo + b"\0" * 1000, policy=tampered)
    _refused(refused, 403, "SignatureDoesNotMatch")
    refused = _post(runtime, grant, photo, **{"x-amz-signature": "0" * 64})
    _refused(refused, 403, "SignatureDoesNotMatch")
    assert not _stored(runtime, grant["fields"]["key"])


def test_an_extra_field_is_refused(runtime: LocalRuntime, grant: Any, photo: bytes) -> None:
    refused = _post(runtime, grant, photo, acl="public-read")
    _refused(refused, 403, "AccessDenied", "Extra input fields: acl")
    refused = _post(runtime, grant, photo, **{"x-amz-meta-owner": "someone"})
    _refused(refused, 403, "AccessDenied", "Extra input fields: x-amz-meta-owner")
    assert not _stored(runtime, grant["fields"]["key"])


# --- Presigned part URLs (large videos) ---------------------------------------------------------


def _edit(url: str, **changes: str) -> str:
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    query.update(changes)
    return parts._replace(query=urlencode(query)).geturl()


def test_part_urls_cannot_be_edited_reused_late_or_forged(
    runtime: LocalRuntime,
    api: requests.Session,
    centre: Centre,
    later: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(
        topology,
        "UPLOAD",
        topology.Upload(multipart_threshold_bytes=5 * MB, multipart_part_bytes=5 * MB),
    )
    grant = _grant(runtime, api, centre, name="v.mp4", type="video/mp4", size=6 * MB)
    base = f"{runtime.base_url}/api/upload/multipart/{grant['media_id']}"
    url = api.post(f"{base}/parts", json={"part_numbers": [1]}, timeout=30).json()["urls"]["1"]
    part = b"\0" * 1024
    app = {"Origin": runtime.base_url}
    # Another part number, another upload: the signature covers the query
    _refused(
        requests.put(_edit(url, partNumber="2"), data=part, headers=app),
        403,
        "SignatureDoesNotMatch",
    )
    other_upload = runtime.client("s3").create_multipart_upload(
        Bucket=runtime.names.ingest_bucket, Key="ingest/video/other.mp4"
    )["UploadId"]
    _refused(
        requests.put(_edit(url, uploadId=other_upload), data=part, headers=app),
        403,
        "SignatureDoesNotMatch",
    )
    # Another method (the URL signs a PUT): not a DELETE of the upload
    _refused(requests.delete(url, headers=app), 403, "SignatureDoesNotMatch")
    # A tampered signature
    signature = dict(parse_qsl(urlsplit(url).query))["X-Amz-Signature"]
    flipped = ("1" if signature[0] == "0" else "0") + signature[1:]
    _refused(
        requests.put(_edit(url, **{"X-Amz-Signature": flipped}), data=part, headers=app),
        403,
        "SignatureDoesNotMatch",
    )
    # Expired: 15 minutes and a minute later
    later(topology.UPLOAD.grant_expiry_seconds + 60)
    _refused(requests.put(url, data=part, headers=app), 403, "AccessDenied", "Request has expired")
    later(0)
    assert api.get(base, timeout=30).json()["parts"] == []
    # The URL as signed: accepted
    assert requests.put(url, data=part, headers=app).status_code == 200
    assert [p["part_number"] for p in api.get(base, timeout=30).json()["parts"]] == [1]
