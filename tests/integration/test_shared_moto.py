"""The moto account the tests share (``tests/conftest.py``) is emptied between tests.

One ``mock_aws`` serves the whole run and ``fresh_account`` runs before every test that uses
``aws``: what one test leaves behind must never reach the next one. The state below is what
broke tests when a shared account was only partly reset: table items and the stream records
behind them, object versions, open multipart uploads, queue messages and the rotated
signing-key secret.
"""

from __future__ import annotations

import json
from typing import Any

from pellicule.store import data
from pellicule.store.models import Tenant, tenant_pk
from tests.conftest import Aws, fresh_account


def _stream_records(aws: Aws) -> list[Any]:
    """The table's stream records, read from moto's backend (``mock_aws`` serves no streams
    endpoint; the local runtime reads them from moto's server)."""
    from moto.dynamodb.models import dynamodb_backends

    table = dynamodb_backends[aws.names.account][aws.names.region].tables[aws.names.table]
    assert table.stream_shard is not None, "the table has a stream"
    return list(table.stream_shard.items)


TEST_EVENT = "s3:TestEvent"


def _queued(aws: Aws) -> list[str]:
    """The events waiting in the photo queue (received, so they show no more for a while)."""
    received = aws.client("sqs").receive_message(
        QueueUrl=aws.queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=0
    )
    return [
        json.loads(message["Body"]).get("Event", message["Body"])
        if message["Body"].startswith("{")
        else message["Body"]
        for message in received.get("Messages", [])
    ]


def _leave_state_everywhere(aws: Aws) -> None:
    data.ready()
    Tenant(
        tenant_pk("tleftover"), "PROFILE", tenant_id="tleftover", name="Reste", created_at=1
    ).save()
    s3 = aws.client("s3")
    for body in (b"first", b"second"):
        s3.put_object(Bucket=aws.names.media_bucket, Key="leftover/photo.jpg", Body=body)
    s3.create_multipart_upload(Bucket=aws.names.ingest_bucket, Key="ingest/leftover.mp4")
    aws.client("sqs").send_message(QueueUrl=aws.queue_url, MessageBody="leftover")
    aws.client("secretsmanager").put_secret_value(
        SecretId=aws.names.signing_key_secret, SecretString="rotated"
    )


def _assert_empty(aws: Aws, pem: str) -> None:
    assert aws.client("dynamodb").scan(TableName=aws.names.table)["Items"] == []
    assert _stream_records(aws) == []
    s3 = aws.client("s3")
    versions = s3.list_object_versions(Bucket=aws.names.media_bucket)
    assert versions.get("Versions", []) == []
    assert versions.get("DeleteMarkers", []) == []
    uploads = s3.list_multipart_uploads(Bucket=aws.names.ingest_bucket)
    assert uploads.get("Uploads", []) == []
    # S3 announces a new notification configuration with one test event in the queue.
    assert _queued(aws) == [TEST_EVENT]
    secret = aws.client("secretsmanager").get_secret_value(SecretId=aws.names.signing_key_secret)
    assert secret["SecretString"] == pem


def test_the_next_test_meets_none_of_what_a_test_left(aws: Aws, moto_account: Any) -> None:
    _assert_empty(aws, moto_account.pem)
    _leave_state_everywhere(aws)
    assert _stream_records(aws), "the item written above is on the table's stream"

    provisioned = fresh_account(moto_account)

    assert provisioned.queue_url == aws.queue_url  # the same names, provisioned again
    _assert_empty(aws, moto_account.pem)
