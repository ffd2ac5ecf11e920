"""Helpers to drive the handlers the way AWS does."""

from __future__ import annotations

import json
from typing import Any

from tests.conftest import Aws, Centre, LambdaContext, api_event


def call(function: str, event: dict[str, Any]) -> dict[str, Any]:
    import importlib

    module = importlib.import_module(f"functions.{function}.handler")
    result: dict[str, Any] = module.handler(event, LambdaContext())
    return result


def body(response: dict[str, Any]) -> Any:
    return json.loads(response["body"])


def request_grant(
    centre: Centre, data: bytes, content_type: str = "image/jpeg", size: int | None = None
) -> dict[str, Any]:
    response = call(
        "upload",
        api_event(
            "POST",
            "/api/upload/grants",
            session=centre.director_session,
            body={
                "album_id": centre.album_id,
                "files": [{"name": "photo", "type": content_type, "size": size or len(data)}],
            },
        ),
    )
    assert response["statusCode"] == 201, response
    grant: dict[str, Any] = body(response)["grants"][0]
    return grant


def put_as_browser(aws: Aws, grant: dict[str, Any], data: bytes) -> None:
    """What the browser's POST stores (moto in-process does not serve HTTP POST forms)."""
    aws.client("s3").put_object(
        Bucket=aws.names.ingest_bucket,
        Key=grant["fields"]["key"],
        Body=data,
        ContentType=grant["fields"]["Content-Type"],
    )


def drain(aws: Aws) -> list[dict[str, Any]]:
    """Deliver every queued S3 notification to the process handler, as Lambda's SQS poller
    does; returns the handler's responses. Messages reported as failed stay in the queue."""
    sqs = aws.client("sqs")
    responses = []
    while True:
        received = sqs.receive_message(
            QueueUrl=aws.queue_url, MaxNumberOfMessages=10, AttributeNames=["All"]
        ).get("Messages", [])
        if not received:
            return responses
        response = call("process", sqs_event(aws, received))
        responses.append(response)
        failed = {item["itemIdentifier"] for item in response.get("batchItemFailures", [])}
        for message in received:
            if message["MessageId"] not in failed:
                sqs.delete_message(QueueUrl=aws.queue_url, ReceiptHandle=message["ReceiptHandle"])
            else:
                sqs.change_message_visibility(
                    QueueUrl=aws.queue_url,
                    ReceiptHandle=message["ReceiptHandle"],
                    VisibilityTimeout=0,
                )
        if failed:
            return responses


def sqs_event(aws: Aws, messages: list[dict[str, Any]], kind: str = "photo") -> dict[str, Any]:
    """Lambda's SQS event for messages received from the ``kind`` pipeline's queue."""
    queue = aws.names.ingest_queue_for(kind)
    return {
        "Records": [
            {
                "messageId": message["MessageId"],
                "receiptHandle": message["ReceiptHandle"],
                "body": message["Body"],
                "attributes": message.get("Attributes", {}),
                "messageAttributes": {},
                "md5OfBody": message["MD5OfBody"],
                "eventSource": "aws:sqs",
                "eventSourceARN": f"arn:aws:sqs:{aws.names.region}:123456789012:{queue}",
                "awsRegion": aws.names.region,
            }
            for message in messages
        ]
    }


def media_keys(aws: Aws) -> list[str]:
    listed = aws.client("s3").list_objects_v2(Bucket=aws.names.media_bucket)
    return [item["Key"] for item in listed.get("Contents", [])]


def ingest_keys(aws: Aws) -> list[str]:
    listed = aws.client("s3").list_objects_v2(Bucket=aws.names.ingest_bucket)
    return [item["Key"] for item in listed.get("Contents", [])]
