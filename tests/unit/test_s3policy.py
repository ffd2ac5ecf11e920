"""The local S3 refuses what S3 refuses (``local/s3policy.py``, ``local/motoguard.py``).

The grants are made by botocore itself (offline: no request is sent), exactly as the upload and
admin functions make them; each test is an attack on one, checked against S3's own answer.
"""

from __future__ import annotations

import base64
import io
import json
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import boto3
import pytest
import requests
from werkzeug.test import Client, EnvironBuilder

from local import s3policy
from local.motoguard import MotoGuard
from local.s3policy import S3Error

KEY_ID = "AKIAUNITTESTKEY00001"
SECRET = "unit-test-secret-key"
HOST = "127.0.0.1:5999"
ENDPOINT = f"http://{HOST}"
BUCKET = "pellicule-ingest-local"
KEY = "ingest/photo/t/tenant-a/0123456789abcdef0123456789abcdef"
SIZE = 1234


def secret_for(key_id: str) -> str | None:
    return SECRET if key_id == KEY_ID else None


def s3_client(secret: str = SECRET) -> Any:
    session = boto3.session.Session(
        aws_access_key_id=KEY_ID, aws_secret_access_key=secret, region_name="eu-west-3"
    )
    return session.client("s3", endpoint_url=ENDPOINT)  # type: ignore[call-overload]


def grant(
    *, key: str = KEY, size: int = SIZE, expires: int = 900, secret: str = SECRET, **extra: Any
) -> dict[str, Any]:
    """A presigned POST as ``functions/upload/logic.py`` makes it."""
    conditions: list[Any] = [
        {"Content-Type": "image/jpeg"},
        ["content-length-range", size, size],
        *extra.pop("conditions", []),
    ]
    post: dict[str, Any] = s3_client(secret).generate_presigned_post(
        Bucket=BUCKET,
        Key=key,
        Fields={"Content-Type": "image/jpeg", **extra.pop("fields", {})},
        Conditions=conditions,
        ExpiresIn=expires,
    )
    return post


def form(
    fields: dict[str, str] | list[tuple[str, str]],
    content: bytes = b"\xff" * SIZE,
    after: list[tuple[str, str]] | None = None,
) -> tuple[bytes, str, bytes]:
    """The multipart body a browser sends (fields, then the file), its Content-Type, boundary."""
    prepared = requests.Request(
        "POST", f"{ENDPOINT}/{BUCKET}", data=fields, files={"file": ("a.jpg", content)}
    ).prepare()
    body = prepared.body
    assert isinstance(body, bytes)
    content_type = prepared.headers["Content-Type"]
    boundary = s3policy.form_boundary(content_type)
    assert boundary is not None
    if after:  # fields after the file: S3 ignores them
        tail = b"".join(
            b"--"
            + boundary
            + b'\r\nContent-Disposition: form-data; name="'
            + name.encode()
            + b'"\r\n\r\n'
            + value.encode()
            + b"\r\n"
            for name, value in after
        )
        body = body[: -len(b"--" + boundary + b"--\r\n")] + tail + b"--" + boundary + b"--\r\n"
    return body, content_type, boundary


def check(
    fields: dict[str, str] | list[tuple[str, str]],
    *,
    content: bytes = b"\xff" * SIZE,
    bucket: str = BUCKET,
    now: datetime | None = None,
) -> None:
    """Every check S3 makes on a POST: the policy, then the file's size."""
    body, _, boundary = form(fields, content)
    head = s3policy.parse_form_head(body, boundary)
    assert head.file_offset is not None
    policy = s3policy.check_post(
        head, bucket=bucket, secret_for=secret_for, now=now or datetime.now(UTC)
    )
    end = s3policy.file_part_end(body, boundary, head.file_offset)
    assert end is not None
    s3policy.check_length(end - head.file_offset, policy.length_range)


def refusal(call: Any) -> S3Error:
    with pytest.raises(S3Error) as refused:
        call()
    return refused.value


# --- Presigned POST ---------------------------------------------------------------------------


def test_the_grant_as_made_passes() -> None:
    check(grant()["fields"])


def test_an_expired_policy_is_refused() -> None:
    fields = grant(expires=900)["fields"]
    error = refusal(lambda: check(fields, now=datetime.now(UTC) + timedelta(minutes=16)))
    assert (error.status, error.code) == (403, "AccessDenied")
    assert error.message == "Invalid according to Policy: Policy expired."
    # A grant that expired a minute ago, signed as such
    error = refusal(lambda: check(grant(expires=-60)["fields"]))
    assert error.message == "Invalid according to Policy: Policy expired."


@pytest.mark.parametrize(
    ("size", "code", "limit"),
    [
        (SIZE + 1, "EntityTooLarge", "MaxSizeAllowed"),
        (SIZE - 1, "EntityTooSmall", "MinSizeAllowed"),
    ],
)
def test_a_file_outside_the_length_range_is_refused(size: int, code: str, limit: str) -> None:
    error = refusal(lambda: check(grant()["fields"], content=b"\xff" * size))
    assert (error.status, error.code) == (400, code)
    assert dict(error.details) == {"ProposedSize": str(size), limit: str(SIZE)}


def test_another_key_is_refused() -> None:
    fields = {**grant()["fields"], "key": "ingest/photo/t/tenant-b/" + "0" * 32}
    error = refusal(lambda: check(fields))
    assert (error.status, error.code) == (403, "AccessDenied")
    assert error.message == (
        f'Invalid according to Policy: Policy Condition failed: ["eq", "$key", "{KEY}"]'
    )


def test_another_content_type_is_refused() -> None:
    fields = {**grant()["fields"], "Content-Type": "image/svg+xml"}
    error = refusal(lambda: check(fields))
    assert error.message.endswith('["eq", "$Content-Type", "image/jpeg"]')
    # Left out, it does not match either
    missing = {k: v for k, v in grant()["fields"].items() if k != "Content-Type"}
    assert refusal(lambda: check(missing)).code == "AccessDenied"


def test_another_bucket_is_refused() -> None:
    error = refusal(lambda: check(grant()["fields"], bucket="pellicule-evidence-local"))
    assert error.message.endswith(f'["eq", "$bucket", "{BUCKET}"]')


def test_a_tampered_policy_or_signature_is_refused() -> None:
    fields = grant()["fields"]
    policy = json.loads(base64.b64decode(fields["policy"]))
    policy["conditions"] = [
        ["content-length-range", 0, 10**9] if isinstance(c, list) else c
        for c in policy["conditions"]
    ]
    tampered = {**fields, "policy": base64.b64encode(json.dumps(policy).encode()).decode()}
    error = refusal(lambda: check(tampered, content=b"\xff" * 5000))
    assert (error.status, error.code) == (403, "SignatureDoesNotMatch")
    signature = {**fields, "x-amz-signature": "0" * 64}
    assert refusal(lambda: check(signature)).code == "SignatureDoesNotMatch"
    # Signed with another secret key (moto's usual "testing")
    assert refusal(lambda: check(grant(secret="testing")["fields"])).code == (
        "SignatureDoesNotMatch"
    )


def test_an_unknown_access_key_is_refused() -> None:
    fields = grant()["fields"]
    other = {**fields, "x-amz-credential": fields["x-amz-credential"].replace(KEY_ID, "AKIAOTHER")}
    assert refusal(lambda: check(other)).code == "InvalidAccessKeyId"


def test_a_field_no_condition_covers_is_refused() -> None:
    fields = {**grant()["fields"], "acl": "public-read"}
    error = refusal(lambda: check(fields))
    assert (error.status, error.code) == (403, "AccessDenied")
    assert error.message == "Invalid according to Policy: Extra input fields: acl"
    # ...but x-ignore-* fields are S3's to ignore
    check({**grant()["fields"], "x-ignore-note": "anything"})


def test_starts_with_conditions() -> None:
    fields = grant(
        key="ingest/photo/t/tenant-a/x",
        conditions=[["starts-with", "$x-amz-meta-album", "album-"]],
        fields={"x-amz-meta-album": "album-42"},
    )["fields"]
    check(fields)
    error = refusal(lambda: check({**fields, "x-amz-meta-album": "other"}))
    assert error.message.endswith('["starts-with", "$x-amz-meta-album", "album-"]')


def test_only_fields_before_the_file_count() -> None:
    fields = grant()["fields"]
    # The key after the file is not the key S3 reads: the one before it counts
    body, _, boundary = form(fields, after=[("key", "ingest/photo/t/tenant-b/evil")])
    head = s3policy.parse_form_head(body, boundary)
    assert head.get("key") == KEY
    # The policy sent after the file does not count: no policy at all
    before = [(k, v) for k, v in fields.items() if k != "policy"]
    body, _, boundary = form(before, after=[("policy", fields["policy"])])
    head = s3policy.parse_form_head(body, boundary)
    error = refusal(
        lambda: s3policy.check_post(
            head, bucket=BUCKET, secret_for=secret_for, now=datetime.now(UTC)
        )
    )
    assert error.code == "AccessDenied"


def test_sigv2_forms_are_not_supported() -> None:
    error = refusal(
        lambda: check({"key": KEY, "AWSAccessKeyId": KEY_ID, "policy": "e30=", "signature": "x"})
    )
    assert (error.status, error.code) == (400, "InvalidRequest")


# --- Presigned URLs (multipart parts, PUT, GET) ------------------------------------------------

PART_KEY = "ingest/video/t/tenant-a/clip 1+2.mp4"
UPLOAD_ID = "2~abc+def/ghi=="


def part_url(number: int = 2, *, expires: int = 900, secret: str = SECRET) -> str:
    url: str = s3_client(secret).generate_presigned_url(
        "upload_part",
        Params={"Bucket": BUCKET, "Key": PART_KEY, "UploadId": UPLOAD_ID, "PartNumber": number},
        ExpiresIn=expires,
    )
    return url


def check_url(url: str, method: str = "PUT", now: datetime | None = None) -> None:
    parts = urlsplit(url)
    s3policy.check_presigned_url(
        method,
        parts.path,
        parts.query,
        {"Host": parts.netloc},
        secret_for=secret_for,
        now=now or datetime.now(UTC),
    )


def edit_query(url: str, **changes: str) -> str:
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    query.update(changes)
    return parts._replace(query=urlencode(query, safe="/")).geturl()


def test_the_part_url_as_made_passes() -> None:
    check_url(part_url())
    get_url = s3_client().generate_presigned_url(
        "get_object", Params={"Bucket": BUCKET, "Key": PART_KEY}, ExpiresIn=300
    )
    check_url(get_url, "GET")


@pytest.mark.parametrize(
    "changes",
    [{"partNumber": "3"}, {"uploadId": "2~another-upload"}, {"X-Amz-Expires": "604800"}],
)
def test_a_part_url_with_an_edited_query_is_refused(changes: dict[str, str]) -> None:
    error = refusal(lambda: check_url(edit_query(part_url(), **changes)))
    assert (error.status, error.code) == (403, "SignatureDoesNotMatch")


def test_a_part_url_used_for_another_key_method_or_host_is_refused() -> None:
    url = part_url()
    other_key = url.replace("clip%201%2B2.mp4", "clip%201%2B3.mp4")
    assert refusal(lambda: check_url(other_key)).code == "SignatureDoesNotMatch"
    assert refusal(lambda: check_url(url, "DELETE")).code == "SignatureDoesNotMatch"
    parts = urlsplit(url)
    error = refusal(
        lambda: s3policy.check_presigned_url(
            "PUT",
            parts.path,
            parts.query,
            {"Host": "localhost:5999"},
            secret_for=secret_for,
            now=datetime.now(UTC),
        )
    )
    assert error.code == "SignatureDoesNotMatch"


def test_a_part_url_with_a_tampered_signature_or_another_secret_is_refused() -> None:
    url = part_url()
    signature = dict(parse_qsl(urlsplit(url).query))["X-Amz-Signature"]
    flipped = ("1" if signature[0] == "0" else "0") + signature[1:]
    assert refusal(lambda: check_url(edit_query(url, **{"X-Amz-Signature": flipped}))).code == (
        "SignatureDoesNotMatch"
    )
    assert refusal(lambda: check_url(part_url(secret="testing"))).code == "SignatureDoesNotMatch"
    unsigned = edit_query(url)
    unsigned = unsigned.replace(f"&X-Amz-Signature={signature}", "")
    assert refusal(lambda: check_url(unsigned)).code == "AuthorizationQueryParametersError"


def test_an_expired_part_url_is_refused() -> None:
    url = part_url(expires=900)
    check_url(url, now=datetime.now(UTC) + timedelta(minutes=14))
    error = refusal(lambda: check_url(url, now=datetime.now(UTC) + timedelta(minutes=16)))
    assert (error.status, error.code, error.message) == (403, "AccessDenied", "Request has expired")
    assert dict(error.details)["X-Amz-Expires"] == "900"


def test_a_sigv2_url_is_not_supported() -> None:
    query = urlencode({"AWSAccessKeyId": KEY_ID, "Signature": "x", "Expires": "9999999999"})
    assert s3policy.is_presigned_query(query)
    error = refusal(
        lambda: s3policy.check_presigned_url(
            "GET",
            f"/{BUCKET}/k",
            query,
            {"Host": HOST},
            secret_for=secret_for,
            now=datetime.now(UTC),
        )
    )
    assert (error.status, error.code) == (400, "InvalidRequest")


def test_errors_are_s3_xml() -> None:
    error = s3policy.access_denied("Request has expired", ("X-Amz-Expires", "900"))
    assert error.xml() == (
        b'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code>'
        b"<Message>Request has expired</Message><X-Amz-Expires>900</X-Amz-Expires></Error>"
    )
    assert error.status_line == "403 Forbidden"


# --- The guard in front of moto: the body handed on, the early refusal --------------------------


class Downstream:
    """Stands for moto: records the body and Content-Length it was handed."""

    def __init__(self) -> None:
        self.bodies: list[bytes] = []
        self.lengths: list[str] = []

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        self.bodies.append(environ["wsgi.input"].read(length))
        self.lengths.append(str(environ.get("CONTENT_LENGTH")))
        start_response("204 No Content", [])
        return [b""]


def guarded(now: float | None = None) -> tuple[Client, Downstream]:
    downstream = Downstream()
    guard = MotoGuard(downstream, access_key_id=KEY_ID, secret_access_key=SECRET)
    guard.allowed_hosts = {HOST}
    if now is not None:
        guard.clock = lambda: now
    return Client(guard), downstream


def post(client: Client, body: bytes, content_type: str, **environ: Any) -> Any:
    return client.post(
        f"/{BUCKET}",
        data=body,
        headers={"Host": HOST, "Content-Type": content_type},
        environ_overrides=environ,
    )


def test_the_guard_hands_moto_the_same_body() -> None:
    client, downstream = guarded()
    body, content_type, _ = form(grant()["fields"])
    response = post(client, body, content_type)
    assert response.status_code == 204
    assert downstream.bodies == [body]
    assert downstream.lengths == [str(len(body))]


def test_the_guard_drops_fields_after_the_file_as_s3_ignores_them() -> None:
    client, downstream = guarded()
    body, content_type, boundary = form(
        grant()["fields"], after=[("key", "ingest/photo/t/tenant-b/evil")]
    )
    assert post(client, body, content_type).status_code == 204
    (handed,) = downstream.bodies
    assert b"tenant-b" not in handed
    assert handed.endswith(b"\xff\r\n--" + boundary + b"--\r\n")
    assert downstream.lengths == [str(len(handed))]


def test_the_guard_answers_s3_errors_in_xml() -> None:
    client, downstream = guarded(now=datetime.now(UTC).timestamp() + 3600)
    body, content_type, _ = form(grant()["fields"])
    response = post(client, body, content_type)
    assert response.status_code == 403
    assert response.headers["Content-Type"] == "application/xml"
    assert b"<Code>AccessDenied</Code>" in response.data
    assert b"Policy expired." in response.data
    assert downstream.bodies == []


class Endless(io.RawIOBase):
    """A request body that fails the test if read past the fields (a huge upload)."""

    def __init__(self, head: bytes, limit: int) -> None:
        self.head = head
        self.limit = limit
        self.sent = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if self.sent >= self.limit:
            raise AssertionError("the guard read the whole body")
        data = (self.head[self.sent :] or b"\xff" * len(buffer))[: len(buffer)]
        buffer[: len(data)] = data
        self.sent += len(data)
        return len(data)


def test_the_guard_refuses_a_body_too_large_before_reading_it() -> None:
    downstream = Downstream()
    guard = MotoGuard(downstream, access_key_id=KEY_ID, secret_access_key=SECRET)
    guard.allowed_hosts = {HOST}
    body, content_type, _ = form(grant()["fields"], content=b"")
    head = body[: body.index(b"\r\n\r\n", body.index(b'name="file"')) + 4]
    stream = Endless(head, limit=len(head) + 256 * 1024)
    environ = EnvironBuilder(
        f"/{BUCKET}", method="POST", headers={"Host": HOST}, content_type=content_type
    ).get_environ()
    huge = 10 * 1024**3
    environ.update(
        {"wsgi.input": stream, "CONTENT_TYPE": content_type, "CONTENT_LENGTH": str(huge)}
    )
    statuses: list[str] = []
    answer = b"".join(guard(environ, lambda status, headers: statuses.append(status)))
    assert statuses == ["400 Bad Request"]
    assert b"<Code>EntityTooLarge</Code>" in answer
    assert downstream.bodies == []
