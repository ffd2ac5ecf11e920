"""The local runtime end to end: provisioning, gateway, media signatures, mailbox, drainer."""

from __future__ import annotations

import base64
import http.client
import json
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from urllib.parse import unquote_plus, urlsplit

import boto3
import pytest
import requests

from local.provision import bucket_name, lifecycle_rule
from local.runtime import LocalRuntime
from pellicule.config import topology
from tests.e2e.conftest import wait_for

pytestmark = pytest.mark.e2e

POISON = "poison"


class Recorder:
    """A fake handler: records (event, context) and answers with ``respond(event)``."""

    def __init__(self, respond: Callable[[dict[str, Any]], Any] | None = None) -> None:
        self.calls: list[tuple[dict[str, Any], Any]] = []
        self.respond = respond or (lambda event: None)
        self._lock = threading.Lock()

    def __call__(self, event: dict[str, Any], context: Any) -> Any:
        with self._lock:
            self.calls.append((event, context))
        return self.respond(event)

    @property
    def events(self) -> list[dict[str, Any]]:
        with self._lock:
            return [event for event, _ in self.calls]


def _fail_poison(event: dict[str, Any]) -> dict[str, Any]:
    failures = [
        {"itemIdentifier": record["messageId"]}
        for record in event["Records"]
        if POISON in record["body"]
    ]
    return {"batchItemFailures": failures}


PROCESS = Recorder(_fail_poison)
VIDEO = Recorder(lambda event: {"batchItemFailures": []})
PURGE = Recorder(lambda event: {"purged": 0})


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("site")
    (base / "pyproject.toml").write_text("[secret]\n")  # outside the web root
    web = base / "web"
    (web / "sub").mkdir(parents=True)
    (web / "empty").mkdir()
    (web / "index.html").write_text("<!doctype html><title>Pellicule</title>")
    (web / "app.js").write_text("console.log('ok');")
    (web / "styles.css").write_text("body{}")
    (web / "sub" / "index.html").write_text("<p>sub</p>")
    (web / ".env").write_text("SECRET=1")
    (web / "escape").symlink_to(base / "pyproject.toml")
    return web


@pytest.fixture(scope="module")
def runtime_options(site: Path) -> dict[str, Any]:
    return {"web_root": site, "retry_visibility_seconds": 1}


@pytest.fixture(scope="module")
def runtime_handlers() -> dict[str, Any]:
    return {"process": PROCESS, "video": VIDEO, "purge": PURGE}


def raw_get(runtime: LocalRuntime, path: str, method: str = "GET") -> http.client.HTTPResponse:
    """A request whose path is sent byte for byte (requests would normalize ``..``)."""
    connection = http.client.HTTPConnection(runtime.gateway.host, runtime.gateway.port, timeout=10)
    connection.request(method, path)
    response = connection.getresponse()
    response.read()
    connection.close()
    return response


def assert_security_headers(runtime: LocalRuntime, headers: Any) -> None:
    for name, value in topology.security_headers(runtime.moto_url).items():
        assert headers[name] == value


# --- Provisioning ------------------------------------------------------------------------------


def test_environment_is_the_topology_contract(runtime: LocalRuntime):
    import os

    expected = topology.function_environment(
        runtime.names,
        public_url=runtime.base_url,
        key_pair_id=runtime.key_pair_id,
        mail_from="no-reply@pellicule.localhost",
    )
    assert {name: os.environ.get(name) for name in expected} == expected
    assert os.environ["AWS_ENDPOINT_URL"] == runtime.moto_url
    assert os.environ["AWS_REGION"] == topology.DEFAULT_REGION


def test_buckets_match_topology(runtime: LocalRuntime):
    s3 = runtime.client("s3")
    for spec in topology.BUCKETS:
        bucket = bucket_name(runtime.names, spec)
        versioning = s3.get_bucket_versioning(Bucket=bucket).get("Status")
        assert versioning == ("Enabled" if spec.versioned else None), bucket
        block = s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
        assert all(block.values())
        assert len(block) == 4
        encryption = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]
        rule = encryption["Rules"][0]["ApplyServerSideEncryptionByDefault"]
        assert rule["SSEAlgorithm"] == "AES256"
        ownership = s3.get_bucket_ownership_controls(Bucket=bucket)["OwnershipControls"]
        assert ownership["Rules"][0]["ObjectOwnership"] == "BucketOwnerEnforced"

        expected = lifecycle_rule(spec)
        if expected is None:
            with pytest.raises(s3.exceptions.ClientError):
                s3.get_bucket_lifecycle_configuration(Bucket=bucket)
            continue
        (rule,) = s3.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"]
        assert rule.get("Expiration", {}).get("Days") == spec.expiration_days
        assert bool(rule.get("Expiration", {}).get("ExpiredObjectDeleteMarker")) is (
            spec.expired_object_delete_marker
        )
        noncurrent = rule.get("NoncurrentVersionExpiration", {}).get("NoncurrentDays")
        assert noncurrent == spec.noncurrent_expiration_days
        abort = rule.get("AbortIncompleteMultipartUpload", {}).get("DaysAfterInitiation")
        assert abort == spec.abort_multipart_days


def test_bucket_settings_follow_the_design():
    # Given/Then: what the CDK storage construct and the local runtime both create.
    specs = {spec.purpose: spec for spec in topology.BUCKETS}
    assert set(specs) == {"ingest", "media", "evidence", "web", "logs"}
    assert specs["ingest"].expiration_days == topology.INGEST_EXPIRATION_DAYS
    assert specs["ingest"].notify_prefix == topology.INGEST_PREFIX
    assert specs["media"].versioned
    assert specs["media"].noncurrent_expiration_days == topology.MEDIA_NONCURRENT_EXPIRATION_DAYS
    assert [p for p, s in specs.items() if s.cors_methods] == ["ingest"]


def test_ingest_bucket_cors_and_notification(runtime: LocalRuntime):
    s3 = runtime.client("s3")
    bucket = runtime.names.ingest_bucket
    (cors,) = s3.get_bucket_cors(Bucket=bucket)["CORSRules"]
    assert cors["AllowedOrigins"] == [runtime.base_url]
    assert tuple(cors["AllowedMethods"]) == topology.INGEST_CORS_METHODS
    assert cors["MaxAgeSeconds"] == topology.INGEST_CORS_MAX_AGE_SECONDS
    assert tuple(cors["AllowedHeaders"]) == topology.INGEST_CORS_HEADERS
    assert tuple(cors["ExposeHeaders"]) == topology.INGEST_CORS_EXPOSED_HEADERS

    config = s3.get_bucket_notification_configuration(Bucket=bucket)
    routed = {}
    for queue_config in config["QueueConfigurations"]:
        assert queue_config["Events"] == ["s3:ObjectCreated:*"]
        (rule,) = queue_config["Filter"]["Key"]["FilterRules"]
        assert rule["Name"].lower() == "prefix"
        routed[rule["Value"]] = queue_config["QueueArn"]
    # One queue per ingest pipeline, each fed by its own key prefix only.
    assert routed == {
        pipeline.prefix: runtime.queues[pipeline.kind].queue_arn
        for pipeline in topology.INGEST_PIPELINES
    }
    assert set(routed) == {topology.INGEST_PHOTO_PREFIX, topology.INGEST_VIDEO_PREFIX}
    assert runtime.queues["photo"].queue_arn == runtime.queues.queue_arn
    for other in (runtime.names.media_bucket, runtime.names.web_bucket):
        assert not s3.get_bucket_notification_configuration(Bucket=other).get("QueueConfigurations")


@pytest.mark.parametrize("kind", [pipeline.kind for pipeline in topology.INGEST_PIPELINES])
def test_queues_match_topology(runtime: LocalRuntime, kind: str):
    sqs = runtime.client("sqs")
    spec = topology.ingest_pipeline(kind).queue
    url = sqs.get_queue_url(QueueName=runtime.names.ingest_queue_for(kind))["QueueUrl"]
    assert url == runtime.queues[kind].queue_url
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert int(attributes["VisibilityTimeout"]) == spec.visibility_timeout_seconds
    assert int(attributes["MessageRetentionPeriod"]) == spec.retention_seconds
    redrive = json.loads(attributes["RedrivePolicy"])
    assert int(redrive["maxReceiveCount"]) == spec.max_receive_count
    assert redrive["deadLetterTargetArn"].endswith(f":{runtime.names.ingest_dlq_for(kind)}")

    dlq_url = sqs.get_queue_url(QueueName=runtime.names.ingest_dlq_for(kind))["QueueUrl"]
    dlq = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["All"])["Attributes"]
    assert int(dlq["MessageRetentionPeriod"]) == spec.dlq_retention_seconds


def test_table_matches_topology(runtime: LocalRuntime):
    dynamodb = runtime.client("dynamodb")
    table = dynamodb.describe_table(TableName=runtime.names.table)["Table"]
    keys = {k["KeyType"]: k["AttributeName"] for k in table["KeySchema"]}
    assert keys == {"HASH": topology.TABLE.partition_key, "RANGE": topology.TABLE.sort_key}
    indexes = {
        index["IndexName"]: {k["KeyType"]: k["AttributeName"] for k in index["KeySchema"]}
        for index in table["GlobalSecondaryIndexes"]
    }
    assert indexes == {
        index.name: {"HASH": index.partition_key, "RANGE": index.sort_key}
        for index in topology.TABLE.indexes
    }
    assert table["StreamSpecification"] == {
        "StreamEnabled": True,
        "StreamViewType": topology.TABLE.stream_view,
    }
    ttl = dynamodb.describe_time_to_live(TableName=runtime.names.table)["TimeToLiveDescription"]
    assert ttl["TimeToLiveStatus"] == "ENABLED"
    assert ttl["AttributeName"] == topology.TABLE.ttl_attribute


def test_mail_identity_secret_and_parameter(runtime: LocalRuntime):
    identities = runtime.client("ses").list_identities()["Identities"]
    assert "no-reply@pellicule.localhost" in identities
    secret = runtime.client("secretsmanager").get_secret_value(
        SecretId=runtime.names.signing_key_secret
    )
    assert secret["SecretString"] == runtime.private_key_pem
    assert secret["SecretString"].startswith("-----BEGIN PRIVATE KEY-----")
    parameter = runtime.client("ssm").get_parameter(Name=runtime.names.public_url_parameter)
    assert parameter["Parameter"]["Value"] == runtime.base_url


# --- API: event and response mapping ----------------------------------------------------------


def test_gateway_builds_an_http_api_v2_event(runtime: LocalRuntime):
    fake = Recorder(lambda event: {"statusCode": 204})
    body = bytes(range(256))
    with runtime.handlers.override("upload", fake):
        connection = http.client.HTTPConnection(runtime.gateway.host, runtime.gateway.port)
        connection.putrequest("POST", "/api/upload/grants/a%20b?x=1&x=2&empty=&q=caf%C3%A9")
        connection.putheader("Content-Type", "image/jpeg")
        connection.putheader("Content-Length", str(len(body)))
        connection.putheader("X-Pellicule-CSRF", "1")
        connection.putheader("X-Multi", "one")
        connection.putheader("X-Multi", "two")
        connection.putheader("Cookie", "__Host-session=abc; theme=dark")
        connection.putheader("Cookie", "other=1")
        connection.putheader("User-Agent", "pytest-agent")
        connection.endheaders(body)
        response = connection.getresponse()
        response.read()
        connection.close()

    assert response.status == 204
    ((event, context),) = fake.calls
    assert event["version"] == "2.0"
    assert event["routeKey"] == "ANY /api/upload/{proxy+}"
    assert event["rawPath"] == "/api/upload/grants/a%20b"
    assert event["rawQueryString"] == "x=1&x=2&empty=&q=caf%C3%A9"
    assert event["queryStringParameters"] == {"x": "1,2", "empty": "", "q": "café"}
    assert event["pathParameters"] == {"proxy": "grants/a b"}
    assert event["cookies"] == ["__Host-session=abc", "theme=dark", "other=1"]
    headers = event["headers"]
    assert all(name == name.lower() for name in headers)
    assert "cookie" not in headers
    assert headers["x-pellicule-csrf"] == "1"
    assert headers["x-multi"] == "one,two"
    assert headers["content-type"] == "image/jpeg"
    assert headers["host"] == event["requestContext"]["domainName"]  # never the viewer's Host
    assert event["isBase64Encoded"] is True
    assert base64.b64decode(event["body"]) == body

    context_fields = event["requestContext"]
    assert context_fields["accountId"] == runtime.names.account
    assert context_fields["stage"] == "$default"
    assert context_fields["routeKey"] == event["routeKey"]
    assert context_fields["requestId"]
    assert context_fields["apiId"]
    assert context_fields["domainName"].startswith(context_fields["apiId"])
    assert isinstance(context_fields["timeEpoch"], int)
    assert context_fields["time"].endswith("+0000")
    assert context_fields["http"] == {
        "method": "POST",
        "path": "/api/upload/grants/a%20b",
        "protocol": "HTTP/1.1",
        "sourceIp": "127.0.0.1",
        "userAgent": "pytest-agent",
    }

    assert context.function_name == runtime.names.function("upload")
    assert context.memory_limit_in_mb == topology.FUNCTIONS["upload"].memory_mb
    assert context.invoked_function_arn.endswith(f":function:{context.function_name}")
    assert context.log_group_name == f"/aws/lambda/{context.function_name}"
    assert len(context.aws_request_id) == 36
    remaining = context.get_remaining_time_in_millis()
    assert 0 < remaining <= topology.FUNCTIONS["upload"].timeout_seconds * 1000


def test_text_bodies_arrive_as_text(runtime: LocalRuntime):
    fake = Recorder(lambda event: {"statusCode": 200, "body": "{}"})
    with runtime.handlers.override("gallery", fake):
        requests.post(
            f"{runtime.base_url}/api/gallery/x", json={"prénom": "Zoé"}, timeout=10
        ).raise_for_status()
        requests.get(f"{runtime.base_url}/api/gallery/x", timeout=10).raise_for_status()
    posted, fetched = fake.events
    assert posted["isBase64Encoded"] is False
    assert json.loads(posted["body"]) == {"prénom": "Zoé"}
    assert "body" not in fetched
    assert fetched["isBase64Encoded"] is False
    assert "cookies" not in fetched
    assert "queryStringParameters" not in fetched


def test_gateway_maps_the_lambda_response(runtime: LocalRuntime):
    payload = b"\x89PNG\r\n\x00\xff"

    def respond(event: dict[str, Any]) -> dict[str, Any]:
        return {
            "statusCode": 201,
            "headers": {
                "Content-Type": "application/octet-stream",
                "X-Frame-Options": "SAMEORIGIN",  # the response-headers policy overrides it
                "X-Handler": "yes",
            },
            "multiValueHeaders": {"X-Multi": ["a", "b"]},
            "cookies": ["__Host-session=new; Path=/; Secure; HttpOnly", "theme=; Max-Age=0"],
            "body": base64.b64encode(payload).decode(),
            "isBase64Encoded": True,
        }

    with runtime.handlers.override("upload", Recorder(respond)):
        response = requests.get(f"{runtime.base_url}/api/upload/thing", timeout=10)
    assert response.status_code == 201
    assert response.content == payload
    assert response.headers["X-Handler"] == "yes"
    assert response.raw.headers.getlist("X-Multi") == ["a", "b"]
    assert response.raw.headers.getlist("Set-Cookie") == [
        "__Host-session=new; Path=/; Secure; HttpOnly",
        "theme=; Max-Age=0",
    ]
    assert_security_headers(runtime, response.headers)


def test_result_without_status_code_is_json_200(runtime: LocalRuntime):
    with runtime.handlers.override("gallery", Recorder(lambda event: {"hello": "world"})):
        response = requests.get(f"{runtime.base_url}/api/gallery/x", timeout=10)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    assert response.json() == {"hello": "world"}


@pytest.mark.parametrize("path", ["/api/unknown/x", "/api/upload", "/api/upload/", "/api", "/api/"])
def test_unknown_api_route_is_404_json(runtime: LocalRuntime, path: str):
    fake = Recorder()
    with runtime.handlers.override("upload", fake):
        response = requests.get(f"{runtime.base_url}{path}", timeout=10)
    assert response.status_code == 404
    assert response.json() == {"message": "Not Found"}
    assert_security_headers(runtime, response.headers)
    assert fake.calls == []


def test_handler_exception_is_502(runtime: LocalRuntime):
    def boom(event: dict[str, Any], context: Any) -> Any:
        raise RuntimeError("handler bug")

    with runtime.handlers.override("upload", boom):
        response = requests.post(f"{runtime.base_url}/api/upload/x", timeout=10)
    assert response.status_code == 502
    assert response.json() == {"message": "Internal Server Error"}
    assert "handler bug" not in response.text


def test_malformed_handler_result_is_502(runtime: LocalRuntime):
    with runtime.handlers.override("upload", Recorder(lambda event: {"statusCode": "two"})):
        response = requests.get(f"{runtime.base_url}/api/upload/x", timeout=10)
    assert response.status_code == 502


def test_oversized_request_is_413(runtime: LocalRuntime):
    fake = Recorder()
    with runtime.handlers.override("upload", fake):
        response = requests.post(
            f"{runtime.base_url}/api/upload/x", data=b"x" * (6 * 1024 * 1024 + 1), timeout=10
        )
    assert response.status_code == 413
    assert fake.calls == []


# --- Static files ------------------------------------------------------------------------------


def test_index_and_static_files(runtime: LocalRuntime):
    index = requests.get(f"{runtime.base_url}/", timeout=10)
    assert index.status_code == 200
    assert index.headers["Content-Type"] == "text/html; charset=utf-8"
    assert "<title>Pellicule</title>" in index.text
    assert_security_headers(runtime, index.headers)
    assert f"connect-src 'self' {runtime.moto_url}" in index.headers["Content-Security-Policy"]

    script = requests.get(f"{runtime.base_url}/app.js", timeout=10)
    assert script.headers["Content-Type"] == "text/javascript; charset=utf-8"
    style = requests.get(f"{runtime.base_url}/styles.css", timeout=10)
    assert style.headers["Content-Type"] == "text/css; charset=utf-8"
    assert requests.get(f"{runtime.base_url}/sub/", timeout=10).text == "<p>sub</p>"

    head = requests.head(f"{runtime.base_url}/app.js", timeout=10)
    assert head.status_code == 200
    assert head.content == b""
    assert int(head.headers["Content-Length"]) == len("console.log('ok');")


@pytest.mark.parametrize("path", ["/missing.html", "/empty/", "/.env", "/sub/missing"])
def test_missing_files_and_folders_are_a_404_page(runtime: LocalRuntime, path: str):
    response = requests.get(f"{runtime.base_url}{path}", timeout=10)
    assert response.status_code == 404
    assert "Page introuvable" in response.text
    assert_security_headers(runtime, response.headers)


@pytest.mark.parametrize(
    "path",
    [
        "/../pyproject.toml",
        "/%2e%2e/pyproject.toml",
        "/%2E%2E%2Fpyproject.toml",
        "/sub/../../pyproject.toml",
        "/sub/..%2f..%2fpyproject.toml",
        "/..%5cpyproject.toml",
        "/%2e%2e%5cpyproject.toml",
        "/./../pyproject.toml",
        "/escape",
        "/app.js%00.html",
        "//../pyproject.toml",
    ],
)
def test_path_traversal_is_refused(runtime: LocalRuntime, path: str):
    response = raw_get(runtime, path)
    assert response.status == 404
    assert response.getheader("Content-Security-Policy")


def test_static_files_refuse_writes(runtime: LocalRuntime):
    assert requests.post(f"{runtime.base_url}/index.html", timeout=10).status_code == 403


# --- Media: CloudFront signatures -------------------------------------------------------------


@pytest.fixture(scope="module")
def photo(runtime: LocalRuntime) -> tuple[str, bytes]:
    key = "t/tenant-a/m/1/web.jpg"
    data = b"\xff\xd8\xff\xe0 not really a jpeg \xff\xd9"
    s3 = runtime.client("s3")
    s3.put_object(Bucket=runtime.names.media_bucket, Key=key, Body=data, ContentType="image/jpeg")
    s3.put_object(
        Bucket=runtime.names.media_bucket,
        Key="t/tenant-b/m/9/web.jpg",
        Body=b"tenant b",
        ContentType="image/jpeg",
    )
    return key, data


def _expired_url(runtime: LocalRuntime, url: str) -> str:
    from botocore.signers import CloudFrontSigner
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import padding

    key: Any = serialization.load_pem_private_key(runtime.private_key_pem.encode(), None)
    signer = CloudFrontSigner(
        runtime.key_pair_id, lambda m: key.sign(m, padding.PKCS1v15(), hashes.SHA1())
    )
    return signer.generate_presigned_url(
        url, date_less_than=datetime.now(UTC) - timedelta(seconds=5)
    )


def test_media_without_signature_is_403(runtime: LocalRuntime, photo):
    key, _ = photo
    response = requests.get(runtime.media_url(key), timeout=10)
    assert response.status_code == 403
    assert response.text.strip() == "Access denied"
    assert_security_headers(runtime, response.headers)


def test_media_with_a_valid_signed_url(runtime: LocalRuntime, photo):
    key, data = photo
    url = runtime.signed_url(runtime.media_url(key))
    response = requests.get(url, timeout=10)
    assert response.status_code == 200
    assert response.content == data
    assert response.headers["Content-Type"] == "image/jpeg"
    assert response.headers["Cache-Control"].startswith("private, max-age=")
    assert_security_headers(runtime, response.headers)

    head = requests.head(url, timeout=10)
    assert head.status_code == 200
    assert head.content == b""
    assert int(head.headers["Content-Length"]) == len(data)

    partial = requests.get(url, headers={"Range": "bytes=0-3"}, timeout=10)
    assert partial.status_code == 206
    assert partial.content == data[:4]


def test_media_with_a_tampered_signature_is_403(runtime: LocalRuntime, photo):
    key, _ = photo
    url = runtime.signed_url(runtime.media_url(key))
    head, _, signature_and_rest = url.partition("Signature=")
    tampered = f"{head}Signature={'A' if signature_and_rest[0] != 'A' else 'B'}"
    tampered += signature_and_rest[1:]
    assert requests.get(tampered, timeout=10).status_code == 403


def test_media_with_an_expired_signature_is_403(runtime: LocalRuntime, photo):
    key, _ = photo
    assert (
        requests.get(_expired_url(runtime, runtime.media_url(key)), timeout=10).status_code == 403
    )


def test_media_signed_for_another_path_is_403(runtime: LocalRuntime, photo):
    key, _ = photo
    url = runtime.signed_url(runtime.media_url(key))
    moved = url.replace("/t/tenant-a/m/1/", "/t/tenant-b/m/9/")
    assert requests.get(moved, timeout=10).status_code == 403


def test_media_with_signed_cookies(runtime: LocalRuntime, photo):
    key, data = photo
    cookies = runtime.signed_cookies("/media/t/tenant-a/*")
    response = requests.get(runtime.media_url(key), cookies=cookies, timeout=10)
    assert response.status_code == 200
    assert response.content == data
    other = requests.get(runtime.media_url("t/tenant-b/m/9/web.jpg"), cookies=cookies, timeout=10)
    assert other.status_code == 403


def test_wildcard_grant_cannot_climb_out_of_its_prefix(runtime: LocalRuntime, photo):
    cookies = runtime.signed_cookies("/media/t/tenant-a/*")
    for sneaky in ("t/tenant-a/../tenant-b/m/9/web.jpg", "t/tenant-a/%2E%2E/tenant-b/m/9/web.jpg"):
        response = raw_get_with_cookies(runtime, f"/media/{sneaky}", cookies)
        assert response.status == 404  # the signature matches, but S3 keys are literal


def raw_get_with_cookies(
    runtime: LocalRuntime, path: str, cookies: dict[str, str]
) -> http.client.HTTPResponse:
    connection = http.client.HTTPConnection(runtime.gateway.host, runtime.gateway.port, timeout=10)
    connection.request(
        "GET", path, headers={"Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items())}
    )
    response = connection.getresponse()
    response.read()
    connection.close()
    return response


def test_signed_url_for_a_missing_object_is_404(runtime: LocalRuntime):
    url = runtime.signed_url(runtime.media_url("t/tenant-a/m/404/web.jpg"))
    assert requests.get(url, timeout=10).status_code == 404


def test_media_refuses_writes(runtime: LocalRuntime, photo):
    key, _ = photo
    url = runtime.signed_url(runtime.media_url(key))
    assert requests.put(url, data=b"x", timeout=10).status_code == 403


def test_key_rotation(runtime: LocalRuntime, photo):
    key, _ = photo
    original = runtime.key_pair_id
    old_url = runtime.signed_url(runtime.media_url(key))
    new_id = runtime.add_signing_key(activate=True)
    try:
        assert runtime.key_pair_id == new_id
        secret = runtime.client("secretsmanager").get_secret_value(
            SecretId=runtime.names.signing_key_secret
        )
        assert secret["SecretString"] == runtime.private_key_pem
        new_url = runtime.signed_url(runtime.media_url(key))
        assert requests.get(old_url, timeout=10).status_code == 200
        assert requests.get(new_url, timeout=10).status_code == 200

        runtime.remove_signing_key(original)

        assert requests.get(old_url, timeout=10).status_code == 403
        assert requests.get(new_url, timeout=10).status_code == 200
    finally:
        runtime.key_group.add(original, _public_pem(runtime.signing_key_pem(original)))
        runtime.activate_signing_key(original)
        runtime.remove_signing_key(new_id)


def _public_pem(private_pem: str) -> bytes:
    from cryptography.hazmat.primitives import serialization

    key: Any = serialization.load_pem_private_key(private_pem.encode(), None)
    return key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


# --- Developer pages ---------------------------------------------------------------------------


def test_health(runtime: LocalRuntime):
    response = requests.get(f"{runtime.base_url}/_dev/health", timeout=10)
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["moto"] == "ok"
    assert isinstance(body["queue_depth"], int)
    assert isinstance(body["dlq_depth"], int)
    assert set(body["queues"]) == {pipeline.kind for pipeline in topology.INGEST_PIPELINES}
    assert body["workers"]["drainer"] is True
    assert body["workers"]["drainers"] == {"photo": True, "video": True}


def test_mailbox_shows_sent_mail_escaped(runtime: LocalRuntime):
    ses = boto3.client("ses")  # the handlers' way: endpoint and credentials from the env
    ses.send_email(
        Source="Pellicule <no-reply@pellicule.localhost>",
        Destination={"ToAddresses": ["parent@example.org"]},
        Message={
            "Subject": {"Data": "Votre lien de connexion"},
            "Body": {
                "Html": {
                    "Data": '<p onclick="x()">Bonjour <script>alert("xss")</script>'
                    '<a href="http://127.0.0.1/login#t=abc">Se connecter</a></p>'
                }
            },
        },
    )
    ses.send_email(
        Source="no-reply@pellicule.localhost",
        Destination={"ToAddresses": ["director@example.org"]},
        Message={
            "Subject": {"Data": "Texte <b>brut</b>"},
            "Body": {"Text": {"Data": "Ouvrez http://127.0.0.1:9/login#t=xyz pour entrer"}},
        },
    )
    mime = EmailMessage()
    mime["From"] = "no-reply@pellicule.localhost"
    mime["To"] = "guardian@example.org"
    mime["Subject"] = "Nouvelles photos"
    mime["Date"] = "Mon, 01 Jan 2024 10:00:00 +0000"
    mime.set_content("Version texte")
    mime.add_alternative("<p>Version <em>HTML</em></p>", subtype="html")
    ses.send_raw_email(RawMessage={"Data": mime.as_bytes()})

    mails = requests.get(f"{runtime.base_url}/_dev/mail.json", timeout=10).json()
    by_subject = {mail["subject"]: mail for mail in mails}
    assert {"Votre lien de connexion", "Texte <b>brut</b>", "Nouvelles photos"} <= set(by_subject)
    raw = by_subject["Nouvelles photos"]
    assert raw["text"].strip() == "Version texte"
    assert "<em>HTML</em>" in raw["html"]
    assert raw["to"] == ["guardian@example.org"]
    assert raw["date"] == "2024-01-01T10:00:00Z"
    assert mails[-1]["subject"] == "Nouvelles photos"  # dated 2024: the oldest
    assert by_subject["Votre lien de connexion"]["to"] == ["parent@example.org"]
    assert by_subject["Votre lien de connexion"]["html"].startswith("<p")
    assert [mail.subject for mail in runtime.sent_mail()] == [mail["subject"] for mail in mails]

    page = requests.get(f"{runtime.base_url}/_dev/mail", timeout=10)
    assert page.status_code == 200
    assert page.headers["Content-Type"] == "text/html; charset=utf-8"
    assert_security_headers(runtime, page.headers)
    html_text = page.text
    assert "Boîte de réception de développement" in html_text
    assert "<script" not in html_text  # neither ours nor the e-mail's
    assert "onclick=" not in html_text.replace("onclick=&quot;", "")
    assert "&lt;script&gt;" in html_text  # the e-mail's HTML, escaped into srcdoc
    assert 'sandbox="allow-popups allow-popups-to-escape-sandbox"' in html_text
    assert "allow-scripts" not in html_text
    assert "allow-same-origin" not in html_text
    assert "Texte &lt;b&gt;brut&lt;/b&gt;" in html_text
    assert 'href="http://127.0.0.1:9/login#t=xyz"' in html_text  # text links are clickable
    assert " style=" not in html_text  # the CSP forbids inline styles

    css = requests.get(f"{runtime.base_url}/_dev/mail.css", timeout=10)
    assert css.status_code == 200
    assert css.headers["Content-Type"].startswith("text/css")


def test_dev_routes_refuse_writes_and_unknown_pages(runtime: LocalRuntime):
    assert requests.post(f"{runtime.base_url}/_dev/health", timeout=10).status_code == 405
    assert requests.get(f"{runtime.base_url}/_dev/nothing", timeout=10).status_code == 404


# --- Workers: the ingest queues -> process and video functions --------------------------------


def _records_for(key_fragment: str, recorder: Recorder = PROCESS) -> list[dict[str, Any]]:
    found = []
    for event in recorder.events:
        for record in event["Records"]:
            body = json.loads(record["body"])
            for s3_record in body.get("Records", []):
                if key_fragment in unquote_plus(s3_record["s3"]["object"]["key"]):
                    found.append(record)
    return found


def _queue_empty(runtime: LocalRuntime) -> bool:
    depths = runtime.queue_depths()
    return depths["queue_depth"] == 0 and depths["queue_in_flight"] == 0


def test_drainer_sends_lambda_sqs_events_and_deletes_successes(runtime: LocalRuntime):
    key = f"{topology.INGEST_PHOTO_PREFIX}t/tenant-a/m/42/photo 1+x.jpg"
    runtime.client("s3").put_object(
        Bucket=runtime.names.ingest_bucket, Key=key, Body=b"\xff\xd8 data"
    )
    (record,) = wait_for(lambda: _records_for("m/42/photo 1+x.jpg"))
    assert set(record) == {
        "messageId",
        "receiptHandle",
        "body",
        "attributes",
        "messageAttributes",
        "md5OfBody",
        "eventSource",
        "eventSourceARN",
        "awsRegion",
    }
    assert record["eventSource"] == "aws:sqs"
    assert record["eventSourceARN"] == runtime.queues.queue_arn
    assert record["awsRegion"] == runtime.names.region
    assert {
        "ApproximateReceiveCount",
        "SentTimestamp",
        "SenderId",
        "ApproximateFirstReceiveTimestamp",
    } <= set(record["attributes"])
    assert record["attributes"]["ApproximateReceiveCount"] == "1"
    s3_record = json.loads(record["body"])["Records"][0]
    assert s3_record["eventName"].startswith("ObjectCreated:")
    assert s3_record["s3"]["bucket"]["name"] == runtime.names.ingest_bucket
    assert unquote_plus(s3_record["s3"]["object"]["key"]) == key

    # The queue's first message is S3's test event; it reached the handler too.
    bodies = [r["body"] for event in PROCESS.events for r in event["Records"]]
    assert any("s3:TestEvent" in body for body in bodies)
    assert all(
        len(event["Records"]) <= topology.INGEST_QUEUE.batch_size for event in PROCESS.events
    )
    wait_for(lambda: _queue_empty(runtime))


def test_objects_outside_the_ingest_prefix_raise_no_event(runtime: LocalRuntime):
    for key in ("elsewhere/m/77/x.jpg", f"{topology.INGEST_PREFIX}other/t/tenant-a/m/77/x.jpg"):
        runtime.client("s3").put_object(Bucket=runtime.names.ingest_bucket, Key=key, Body=b"x")
    runtime.drain_once()
    assert _records_for("m/77/x.jpg") == []
    assert _records_for("m/77/x.jpg", VIDEO) == []


def test_each_kind_goes_to_its_own_queue_and_function(runtime: LocalRuntime):
    s3 = runtime.client("s3")
    bucket = runtime.names.ingest_bucket
    s3.put_object(Bucket=bucket, Key=f"{topology.INGEST_VIDEO_PREFIX}t/tenant-a/m/88/v", Body=b"v")
    s3.put_object(Bucket=bucket, Key=f"{topology.INGEST_PHOTO_PREFIX}t/tenant-a/m/89/p", Body=b"p")
    (video_record,) = wait_for(lambda: _records_for("m/88/v", VIDEO))
    wait_for(lambda: _records_for("m/89/p"))
    assert video_record["eventSourceARN"] == runtime.queues["video"].queue_arn
    assert video_record["eventSourceARN"] != runtime.queues["photo"].queue_arn
    assert _records_for("m/88/v") == []  # never to the photo processor
    assert _records_for("m/89/p", VIDEO) == []  # and photos never to the video function
    video_batch_size = topology.ingest_pipeline("video").queue.batch_size
    assert all(len(event["Records"]) <= video_batch_size for event in VIDEO.events)
    # The video queue's first message was S3's test event, as for the photo queue.
    assert any("s3:TestEvent" in r["body"] for event in VIDEO.events for r in event["Records"])
    wait_for(lambda: _queue_empty(runtime))


def test_drain_once_processes_pending_messages(runtime: LocalRuntime):
    key = f"{topology.INGEST_PHOTO_PREFIX}t/tenant-a/m/43/x.jpg"
    runtime.client("s3").put_object(Bucket=runtime.names.ingest_bucket, Key=key, Body=b"x")
    runtime.drain_once()  # returns after the message is handled, by itself or the drainer
    assert len(_records_for("m/43/x.jpg")) == 1
    assert runtime.drain_once() == 0


def test_failed_messages_are_kept_then_moved_to_the_dlq(runtime: LocalRuntime):
    key = f"{topology.INGEST_PHOTO_PREFIX}t/tenant-a/m/{POISON}/x.jpg"
    runtime.client("s3").put_object(Bucket=runtime.names.ingest_bucket, Key=key, Body=b"x")
    wait_for(lambda: _records_for(POISON))
    depths = runtime.queue_depths()
    assert depths["queue_depth"] + depths["queue_in_flight"] == 1  # not deleted

    max_receives = topology.INGEST_QUEUE.max_receive_count
    wait_for(lambda: runtime.queue_depths()["dlq_depth"] == 1, timeout=20)
    attempts = _records_for(POISON)
    assert [r["attributes"]["ApproximateReceiveCount"] for r in attempts] == [
        str(n) for n in range(1, max_receives + 1)
    ]
    assert len({r["messageId"] for r in attempts}) == 1
    assert _queue_empty(runtime)


def test_drainer_survives_a_handler_crash(runtime: LocalRuntime):
    crashes = Recorder(lambda event: (_ for _ in ()).throw(RuntimeError("crash")))
    key = f"{topology.INGEST_PHOTO_PREFIX}t/tenant-a/m/crash/x.jpg"
    with runtime.handlers.override("process", crashes):
        runtime.client("s3").put_object(Bucket=runtime.names.ingest_bucket, Key=key, Body=b"x")
        wait_for(lambda: crashes.calls)
    # The whole batch failed: the message comes back and the (recording) handler gets it.
    wait_for(lambda: _records_for("m/crash/x.jpg"), timeout=10)
    received = _records_for("m/crash/x.jpg")[0]["attributes"]["ApproximateReceiveCount"]
    assert int(received) >= 2
    wait_for(lambda: _queue_empty(runtime))


def test_run_purge_invokes_with_a_scheduled_event(runtime: LocalRuntime):
    assert runtime.run_purge() == {"purged": 0}
    event = PURGE.events[-1]
    assert event["detail-type"] == "Scheduled Event"
    assert event["source"] == "aws.events"
    assert event["resources"][0].startswith(
        f"arn:aws:events:{runtime.names.region}:{runtime.names.account}:rule/"
    )


def test_handlers_run_one_at_a_time_per_function(runtime: LocalRuntime):
    active = 0
    overlap = []
    lock = threading.Lock()

    def slow(event: dict[str, Any], context: Any) -> dict[str, Any]:
        nonlocal active
        with lock:
            active += 1
            overlap.append(active)
        threading.Event().wait(0.1)
        with lock:
            active -= 1
        return {"statusCode": 200, "body": ""}

    with runtime.handlers.override("gallery", slow):
        threads = [
            threading.Thread(
                target=requests.get,
                args=(f"{runtime.base_url}/api/gallery/x",),
                kwargs={"timeout": 10},
            )
            for _ in range(4)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert overlap == [1, 1, 1, 1]


def test_urls_are_the_gateways(runtime: LocalRuntime):
    parts = urlsplit(runtime.base_url)
    assert parts.hostname == "127.0.0.1"
    assert parts.port == runtime.gateway.port
    assert urlsplit(runtime.moto_url).port != parts.port
