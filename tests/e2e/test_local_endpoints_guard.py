"""Nothing of the local runtime is readable from another site (issue 14 item 4).

moto's endpoint once answered any browser origin and checked no credential: a page of another
origin read staff e-mails and TOTP secrets from the table. The gateway answered any ``Host``,
and its developer actions accepted ``Origin == http://<Host>``, which a page whose DNS name
was rebound to 127.0.0.1 satisfies. Each test below is the attack, then the honest request.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

import boto3
import pytest
import requests
from botocore.exceptions import ClientError

from local.runtime import LocalRuntime

pytestmark = pytest.mark.e2e

EVIL = "http://evil.example"
SCAN = {"X-Amz-Target": "DynamoDB_20120810.Scan", "Content-Type": "application/x-amz-json-1.0"}


def _client(runtime: LocalRuntime, service: str, key_id: str, secret: str) -> Any:
    session = boto3.session.Session(
        aws_access_key_id=key_id, aws_secret_access_key=secret, region_name=runtime.names.region
    )
    return session.client(service, endpoint_url=runtime.moto_url)  # type: ignore[call-overload]


def test_moto_refuses_requests_without_the_runtime_credentials(runtime: LocalRuntime) -> None:
    # An unsigned DynamoDB Scan (what a page's fetch() could send): refused
    unsigned = requests.post(
        runtime.moto_url, headers=SCAN, data=json.dumps({"TableName": runtime.names.table})
    )
    assert unsigned.status_code == 403
    assert runtime.names.table not in unsigned.text
    # Signed with moto's usual credentials ("testing"): refused
    guessed = _client(runtime, "dynamodb", "testing", "testing")
    with pytest.raises(ClientError) as refused:
        guessed.scan(TableName=runtime.names.table)
    assert refused.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    # The runtime's own, random per start: served
    credentials = runtime.credentials
    assert credentials["AWS_ACCESS_KEY_ID"] not in ("", "testing")
    own = _client(
        runtime,
        "dynamodb",
        credentials["AWS_ACCESS_KEY_ID"],
        credentials["AWS_SECRET_ACCESS_KEY"],
    )
    assert "Items" in own.scan(TableName=runtime.names.table)


def test_moto_refuses_browser_requests_from_another_origin(runtime: LocalRuntime) -> None:
    client = runtime.client("dynamodb")

    def from_evil(request: Any, **_: Any) -> None:
        request.headers["Origin"] = EVIL

    # Even carrying the right credentials, a request from another origin is refused
    client.meta.events.register("before-sign.dynamodb.Scan", from_evil)
    try:
        with pytest.raises(ClientError) as refused:
            client.scan(TableName=runtime.names.table)
    finally:
        client.meta.events.unregister("before-sign.dynamodb.Scan", from_evil)
    assert refused.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    # and so is its CORS preflight, with no Access-Control-Allow-Origin to read anything by
    preflight = requests.options(
        runtime.moto_url,
        headers={
            "Origin": EVIL,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "x-amz-target,content-type",
        },
    )
    assert preflight.status_code == 403
    assert "Access-Control-Allow-Origin" not in preflight.headers
    assert client.scan(TableName=runtime.names.table)["ResponseMetadata"]["HTTPStatusCode"] == 200


def test_moto_refuses_a_rebound_host_name(runtime: LocalRuntime) -> None:
    port = urlsplit(runtime.moto_url).port
    client = runtime.client("dynamodb")

    def rebound(request: Any, **_: Any) -> None:
        request.headers["Host"] = f"rebind.example:{port}"

    client.meta.events.register("before-sign.dynamodb.Scan", rebound)
    try:
        with pytest.raises(ClientError) as refused:
            client.scan(TableName=runtime.names.table)
    finally:
        client.meta.events.unregister("before-sign.dynamodb.Scan", rebound)
    assert refused.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403


def test_presigned_uploads_from_the_app_still_reach_moto(runtime: LocalRuntime) -> None:
    s3 = runtime.client("s3")
    bucket = runtime.names.ingest_bucket
    grant = s3.generate_presigned_post(bucket, "ingest/photo/guard-test.jpg", ExpiresIn=300)
    body = {"file": ("x.jpg", b"\xff\xd8\xff\xe0guard", "image/jpeg")}
    # From another origin: refused, even with a grant the functions made
    evil = requests.post(grant["url"], data=grant["fields"], files=body, headers={"Origin": EVIL})
    assert evil.status_code == 403
    # A forged grant naming other credentials, from the app's origin: refused
    forged = {**grant["fields"], "x-amz-credential": "testing/20260101/eu-west-3/s3/aws4_request"}
    app = {"Origin": runtime.base_url}
    assert requests.post(grant["url"], data=forged, files=body, headers=app).status_code == 403
    # The app's page with the functions' grant: stored
    stored = requests.post(grant["url"], data=grant["fields"], files=body, headers=app)
    assert stored.status_code in (200, 201, 204), stored.text
    assert stored.headers.get("Access-Control-Allow-Origin") == runtime.base_url
    # A presigned PUT (multipart parts) and its preflight from the app's origin work too
    put_url = s3.generate_presigned_url(
        "put_object", Params={"Bucket": bucket, "Key": "ingest/photo/guard-put.bin"}
    )
    preflight = requests.options(put_url, headers={**app, "Access-Control-Request-Method": "PUT"})
    assert preflight.status_code == 200
    assert requests.put(put_url, data=b"part", headers=app).status_code == 200
    assert requests.put(put_url, data=b"part", headers={"Origin": EVIL}).status_code == 403


@pytest.mark.parametrize("path", ["/_dev/mail.json", "/_dev/totp", "/_dev/health", "/index.html"])
def test_gateway_answers_nothing_to_a_rebound_host_name(runtime: LocalRuntime, path: str) -> None:
    rebound = f"rebind.example:{runtime.gateway.port}"
    refused = requests.get(f"{runtime.base_url}{path}", headers={"Host": rebound})
    assert refused.status_code == 403
    assert refused.json() == {"message": "Forbidden"}
    for host in (f"127.0.0.1:{runtime.gateway.port}", f"localhost:{runtime.gateway.port}"):
        assert requests.get(f"{runtime.base_url}{path}", headers={"Host": host}).ok


def test_a_rebound_page_cannot_move_the_clock_or_run_the_purge(runtime: LocalRuntime) -> None:
    before = requests.get(f"{runtime.base_url}/_dev/clock.json").json()["offset_days"]
    rebound = f"rebind.example:{runtime.gateway.port}"
    headers = {"Host": rebound, "Origin": f"http://{rebound}"}
    moved = requests.post(
        f"{runtime.base_url}/_dev/clock",
        data={"action": "year"},
        headers=headers,
        allow_redirects=False,
    )
    assert moved.status_code == 403
    purge = requests.post(
        f"{runtime.base_url}/_dev/purge",
        json={},
        headers={**headers, "Content-Type": "application/json"},
    )
    assert purge.status_code == 403
    after = requests.get(f"{runtime.base_url}/_dev/clock.json").json()["offset_days"]
    assert after == before
