"""The process function against moto: S3 -> SQS -> handler -> media bucket (req. 5-8)."""

from __future__ import annotations

import io
import json

from PIL import Image

from pellicule.config import clock
from pellicule.domain import messages
from pellicule.store import data
from pellicule.store.models import Media, tenant_pk
from tests.conftest import Aws, Centre
from tests.integration.helpers import (
    call,
    drain,
    ingest_keys,
    media_keys,
    put_as_browser,
    request_grant,
    sqs_event,
)
from tests.support import images


def _failure(item: Media) -> messages.Recorded:
    """A failed item's reason as stored: its code and both texts."""
    return messages.read_record(item.failure_reason or "")


def _item(centre: Centre, media_id: str) -> Media:
    data.ready()
    return Media.get(tenant_pk(centre.tenant_id), f"MEDIA#{media_id}", consistent_read=True)


def test_upload_is_processed_into_clean_renditions(aws: Aws, centre: Centre) -> None:
    # Given a photo with GPS and author metadata uploaded to its grant's key
    photo = images.jpeg_with_metadata((3000, 2000), orientation=6)
    grant = request_grant(centre, photo)
    put_as_browser(aws, grant, photo)
    # When the notification reaches the process function
    responses = drain(aws)
    # Then it succeeds, the item is ready with upright size and a date-only capture date
    assert all(not r.get("batchItemFailures") for r in responses)
    item = _item(centre, grant["media_id"])
    assert item.state == "ready"
    assert (item.width, item.height) == (2000, 3000)
    assert item.capture_date == "2026-06-14"
    renditions = item.renditions.as_dict()
    assert set(renditions) == {"thumb", "web", "download"}
    # ...renditions live under the tenant's prefix, with unrelated random names
    keys = [str(r["key"]) for r in renditions.values()]
    assert sorted(keys) == sorted(media_keys(aws))
    assert all(k.startswith(f"t/{centre.tenant_id}/m/{grant['media_id']}/") for k in keys)
    assert len({k.rsplit("/", 1)[1] for k in keys}) == 3
    # ...carry no metadata at all, and the quarantined upload is gone
    s3 = aws.client("s3")
    for key in keys:
        stored = s3.get_object(Bucket=aws.names.media_bucket, Key=key)
        content = stored["Body"].read()
        assert stored["ContentType"] == "image/jpeg"
        for marker in (b"Exif", b"Jeanne", b"PhoneMaker", b"ICC_PROFILE", b"adobe"):
            assert marker not in content
    assert ingest_keys(aws) == []


def test_duplicate_delivery_produces_one_set_of_outputs(aws: Aws, centre: Centre) -> None:
    photo = images.jpeg_with_metadata()
    grant = request_grant(centre, photo)
    put_as_browser(aws, grant, photo)
    sqs = aws.client("sqs")
    messages = sqs.receive_message(
        QueueUrl=aws.queue_url, MaxNumberOfMessages=10, AttributeNames=["All"]
    )["Messages"]
    event = sqs_event(aws, messages)
    # The same event delivered twice (at-least-once delivery, or a replay from the DLQ)
    first = call("process", event)
    second = call("process", event)
    assert not first["batchItemFailures"]
    assert not second["batchItemFailures"]
    assert len(media_keys(aws)) == 3
    assert _item(centre, grant["media_id"]).state == "ready"


def test_size_differing_from_the_grant_fails_with_a_reason(aws: Aws, centre: Centre) -> None:
    # Written straight to the bucket, bypassing the policy (and the local S3 that enforces it):
    # the processor re-checks the size itself.
    photo = images.jpeg_with_metadata()
    grant = request_grant(centre, photo, size=len(photo) - 100)
    put_as_browser(aws, grant, photo)
    drain(aws)
    item = _item(centre, grant["media_id"])
    assert item.state == "failed"
    assert _failure(item)["reason"] == "upload_size_mismatch"
    assert media_keys(aws) == []
    assert ingest_keys(aws) == []


def test_content_not_matching_the_declared_type_is_refused(aws: Aws, centre: Centre) -> None:
    html = b"<!doctype html><script>alert(1)</script>" + b" " * 100
    grant = request_grant(centre, html, content_type="image/jpeg")
    put_as_browser(aws, grant, html)
    drain(aws)
    item = _item(centre, grant["media_id"])
    assert item.state == "failed"
    assert _failure(item)["reason"] == "media_content_mismatch"
    assert media_keys(aws) == []


def test_12_bit_jpeg_fails_as_an_unsupported_format(aws: Aws, centre: Centre) -> None:
    # A valid 12-bit JPEG (some cameras write them): the animator is told the format is not
    # supported, not that the file is broken.
    photo = images.with_precision(images.jpeg_with_metadata((640, 480)), 12)
    grant = request_grant(centre, photo)
    put_as_browser(aws, grant, photo)
    drain(aws)
    item = _item(centre, grant["media_id"])
    assert item.state == "failed"
    # stored as the message in both languages, with its code
    assert _failure(item) == {
        "reason": "media_jpeg_precision",
        **messages.both("media_jpeg_precision", {"bits": 12}),
    }
    assert media_keys(aws) == []


def test_png_declared_as_jpeg_is_refused(aws: Aws, centre: Centre) -> None:
    png = images.png_with_metadata()
    grant = request_grant(centre, png, content_type="image/jpeg")
    put_as_browser(aws, grant, png)
    drain(aws)
    assert _item(centre, grant["media_id"]).state == "failed"


def test_object_without_a_grant_is_deleted_and_creates_nothing(aws: Aws, centre: Centre) -> None:
    key = f"ingest/photo/t/{centre.tenant_id}/m/{'a' * 32}/forgedkey123"
    aws.client("s3").put_object(
        Bucket=aws.names.ingest_bucket, Key=key, Body=images.jpeg_with_metadata()
    )
    # Only keys under the photo prefix reach the photo queue (ingest/photo/...).
    aws.client("s3").put_object(
        Bucket=aws.names.ingest_bucket, Key="ingest/photo/../../etc", Body=b"x"
    )
    drain(aws)
    assert ingest_keys(aws) == []
    assert media_keys(aws) == []


def test_test_event_is_skipped_and_poison_message_is_reported(aws: Aws) -> None:
    event = {
        "Records": [
            {
                "messageId": "m1",
                "receiptHandle": "r1",
                "body": json.dumps({"Service": "Amazon S3", "Event": "s3:TestEvent"}),
                "attributes": {},
                "messageAttributes": {},
                "md5OfBody": "",
                "eventSource": "aws:sqs",
                "eventSourceARN": "arn",
                "awsRegion": "eu-west-3",
            },
            {
                "messageId": "m2",
                "receiptHandle": "r2",
                "body": "not json",
                "attributes": {},
                "messageAttributes": {},
                "md5OfBody": "",
                "eventSource": "aws:sqs",
                "eventSourceARN": "arn",
                "awsRegion": "eu-west-3",
            },
        ]
    }
    response = call("process", event)
    assert response["batchItemFailures"] == [{"itemIdentifier": "m2"}]


def test_outputs_are_decodable_and_sized(aws: Aws, centre: Centre) -> None:
    photo = images.webp_with_metadata((2000, 1000))
    grant = request_grant(centre, photo, content_type="image/webp")
    put_as_browser(aws, grant, photo)
    drain(aws)
    item = _item(centre, grant["media_id"])
    thumb = item.renditions.as_dict()["thumb"]
    content = (
        aws.client("s3").get_object(Bucket=aws.names.media_bucket, Key=thumb["key"])["Body"].read()
    )
    with Image.open(io.BytesIO(content)) as image:
        assert image.size == (400, 200) == (thumb["width"], thumb["height"])


def _messages(aws: Aws) -> list[dict]:
    sqs = aws.client("sqs")
    found: list[dict] = []
    while batch := sqs.receive_message(
        QueueUrl=aws.queue_url, MaxNumberOfMessages=10, AttributeNames=["All"]
    ).get("Messages", []):
        found.extend(m for m in batch if "TestEvent" not in m["Body"])
    return found


def test_out_of_order_and_replayed_events_give_one_set_per_item(aws: Aws, centre: Centre) -> None:
    photos = [images.jpeg_with_metadata((900 + 100 * i, 600)) for i in range(2)]
    grants = [request_grant(centre, photo) for photo in photos]
    for grant, photo in zip(grants, photos, strict=True):
        put_as_browser(aws, grant, photo)
    first, second = _messages(aws)
    # Delivered in reverse order, each twice, then the first once more much later.
    for message in (second, first, second, first):
        assert call("process", sqs_event(aws, [message]))["batchItemFailures"] == []
    clock.advance(3600)
    assert call("process", sqs_event(aws, [first]))["batchItemFailures"] == []
    assert len(media_keys(aws)) == 6
    for grant in grants:
        assert _item(centre, grant["media_id"]).state == "ready"


def test_a_failing_record_does_not_fail_its_neighbours(aws: Aws, centre: Centre) -> None:
    photos = [images.jpeg_with_metadata(), images.png_with_metadata()]
    grants = [
        request_grant(centre, photos[0]),
        request_grant(centre, photos[1], content_type="image/png"),
    ]
    for grant, photo in zip(grants, photos, strict=True):
        put_as_browser(aws, grant, photo)
    good = _messages(aws)
    poison = {
        **good[0],
        "MessageId": "poison",
        "Body": '{"Records": [{"eventName": "ObjectCreated:Put", "s3": {}}]}',
    }
    response = call("process", sqs_event(aws, [good[0], poison, good[1]]))
    assert response["batchItemFailures"] == [{"itemIdentifier": "poison"}]
    for grant in grants:
        assert _item(centre, grant["media_id"]).state == "ready"


def test_a_second_post_to_a_used_grant_changes_nothing(aws: Aws, centre: Centre) -> None:
    photo = images.jpeg_with_metadata()
    grant = request_grant(centre, photo)
    put_as_browser(aws, grant, photo)
    drain(aws)
    before = sorted(media_keys(aws))
    # The same presigned form used again within its 15 minutes, with other content.
    other = images.jpeg_with_metadata((1000, 700))
    put_as_browser(aws, grant, other[: len(photo)] if len(other) >= len(photo) else other)
    drain(aws)
    assert sorted(media_keys(aws)) == before
    assert ingest_keys(aws) == []
