"""Which S3 endpoint ``pellicule.adapters.aws.client("s3")`` signs for (issue 13 item 1).

In AWS (no endpoint override) presigned URLs must name the bucket's regional host, the one
the CSP allows; with an override (moto's server locally, ``AWS_ENDPOINT_URL``) they must keep
pointing at it. Presigning is local: no request is sent.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from pellicule.adapters import aws

BUCKET = "pellicule-prod-ingest-111111111111-eu-west-3"


@pytest.fixture(autouse=True)
def environment(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for variable in ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3", "AWS_PROFILE"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-3")
    aws.reset_clients()
    yield
    aws.reset_clients()


def _urls() -> tuple[str, str]:
    s3 = aws.client("s3")
    post = s3.generate_presigned_post(Bucket=BUCKET, Key="ingest/photo/k", ExpiresIn=60)
    part = s3.generate_presigned_url(
        "upload_part",
        Params={"Bucket": BUCKET, "Key": "ingest/video/k", "UploadId": "u", "PartNumber": 1},
        ExpiresIn=60,
    )
    return str(post["url"]), str(part).split("?")[0]


def test_without_an_override_urls_name_the_regional_virtual_host() -> None:
    post, part = _urls()
    assert post == f"https://{BUCKET}.s3.eu-west-3.amazonaws.com/"
    assert part == f"https://{BUCKET}.s3.eu-west-3.amazonaws.com/ingest/video/k"


@pytest.mark.parametrize("variable", ["AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3"])
def test_an_endpoint_override_is_kept(monkeypatch: pytest.MonkeyPatch, variable: str) -> None:
    monkeypatch.setenv(variable, "http://127.0.0.1:5123")
    post, part = _urls()
    assert post == f"http://127.0.0.1:5123/{BUCKET}"
    assert part == f"http://127.0.0.1:5123/{BUCKET}/ingest/video/k"


def test_other_services_keep_boto3_s_endpoints() -> None:
    assert aws.client("sqs").meta.endpoint_url == "https://sqs.eu-west-3.amazonaws.com"
