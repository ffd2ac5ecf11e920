"""The event shapes AWS hands to Lambda, built from local inputs (pure functions).

* API Gateway HTTP API, payload format 2.0 (the ``/api/*`` routes);
* SQS, as the Lambda event source mapping delivers it (the ingest queue);
* DynamoDB Streams, as the Lambda event source mapping delivers it (the table's stream);
* EventBridge "Scheduled Event" (the purge schedule).
"""

from __future__ import annotations

import base64
import secrets
import time
import uuid
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl

from pellicule.config import topology

LOCAL_API_ID = "pellicule0"  # API ids are ten lowercase letters or digits

# Content types API Gateway passes as text; every other body arrives base64-encoded
# (including application/x-www-form-urlencoded, as HTTP APIs do).
_TEXT_TYPES = frozenset({"application/json", "application/xml", "application/javascript"})


def is_text_content(content_type: str | None) -> bool:
    if not content_type:
        return False
    mime = content_type.split(";", 1)[0].strip().lower()
    return (
        mime.startswith("text/")
        or mime in _TEXT_TYPES
        or mime.endswith("+json")
        or mime.endswith("+xml")
    )


def _request_time(now: float) -> str:
    return time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now))


def _trace_id(now: float) -> str:
    return f"Root=1-{int(now):08x}-{secrets.token_hex(12)}"


def api_domain(names: topology.Names, api_id: str = LOCAL_API_ID) -> str:
    return f"{api_id}.execute-api.{names.region}.amazonaws.com"


def http_api_event(
    *,
    names: topology.Names,
    route: topology.Route,
    method: str,
    raw_path: str,
    raw_query: str,
    headers: Sequence[tuple[str, str]],
    body: bytes,
    source_ip: str,
    proxy: str,
    protocol: str = "HTTP/1.1",
    now: float | None = None,
    api_id: str = LOCAL_API_ID,
    origin_headers: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """An HTTP API payload 2.0 event, as API Gateway builds it behind CloudFront.

    ``origin_headers`` are the distribution's origin custom headers (the secret origin
    header, ``topology.ORIGIN_HEADER``): CloudFront adds them to every request it forwards,
    replacing any header of the same name the viewer sent.

    Header names are lower-cased and repeated headers joined with commas; ``cookie`` headers
    become the ``cookies`` list (and leave ``headers``); repeated query parameters are joined
    with commas. ``host`` is the API's own domain, as CloudFront (all viewer headers except
    Host) forwards it: code must build links from the configured public URL, never from Host.
    """
    now = time.time() if now is None else now
    domain = api_domain(names, api_id)

    merged: dict[str, str] = {}
    cookies: list[str] = []
    for name, value in headers:
        key = name.lower()
        if key == "cookie":
            cookies.extend(part.strip() for part in value.split(";") if part.strip())
            continue
        merged[key] = f"{merged[key]},{value}" if key in merged else value
    for name, value in (origin_headers or {}).items():
        merged[name.lower()] = value
    merged["host"] = domain
    merged["x-forwarded-for"] = source_ip
    merged["x-forwarded-proto"] = "https"
    merged["x-forwarded-port"] = "443"
    merged["x-amzn-trace-id"] = _trace_id(now)

    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": route.route_key,
        "rawPath": raw_path,
        "rawQueryString": raw_query,
    }
    if cookies:
        event["cookies"] = cookies
    event["headers"] = merged
    if raw_query:
        params: dict[str, str] = {}
        for key, value in parse_qsl(raw_query, keep_blank_values=True):
            params[key] = f"{params[key]},{value}" if key in params else value
        event["queryStringParameters"] = params
    event["requestContext"] = {
        "accountId": names.account,
        "apiId": api_id,
        "domainName": domain,
        "domainPrefix": api_id,
        "http": {
            "method": method,
            "path": raw_path,
            "protocol": protocol,
            "sourceIp": source_ip,
            "userAgent": merged.get("user-agent", ""),
        },
        "requestId": base64.b64encode(secrets.token_bytes(10)).decode("ascii"),
        "routeKey": route.route_key,
        "stage": "$default",
        "time": _request_time(now),
        "timeEpoch": int(now * 1000),
    }
    if body:
        if is_text_content(merged.get("content-type")):
            try:
                event["body"] = body.decode("utf-8")
                event["isBase64Encoded"] = False
            except UnicodeDecodeError:
                event["body"] = base64.b64encode(body).decode("ascii")
                event["isBase64Encoded"] = True
        else:
            event["body"] = base64.b64encode(body).decode("ascii")
            event["isBase64Encoded"] = True
    else:
        event["isBase64Encoded"] = False
    if route.exact_path is None:
        event["pathParameters"] = {"proxy": proxy}
    return event


def _message_attributes(raw: Mapping[str, Any]) -> dict[str, Any]:
    """SQS API message attributes -> the lower-camel shape of Lambda's SQS records."""
    converted: dict[str, Any] = {}
    for name, attribute in raw.items():
        entry: dict[str, Any] = {
            "stringListValues": list(attribute.get("StringListValues", [])),
            "binaryListValues": [
                base64.b64encode(value).decode("ascii")
                for value in attribute.get("BinaryListValues", [])
            ],
            "dataType": attribute.get("DataType", "String"),
        }
        if "StringValue" in attribute:
            entry["stringValue"] = attribute["StringValue"]
        if "BinaryValue" in attribute:
            entry["binaryValue"] = base64.b64encode(attribute["BinaryValue"]).decode("ascii")
        converted[name] = entry
    return converted


_RECORD_ATTRIBUTES = (
    "ApproximateReceiveCount",
    "SentTimestamp",
    "SenderId",
    "ApproximateFirstReceiveTimestamp",
    "AWSTraceHeader",
    "SequenceNumber",
    "MessageGroupId",
    "MessageDeduplicationId",
)


def sqs_event(messages: Iterable[Mapping[str, Any]], *, queue_arn: str, region: str) -> dict:
    """Messages from ``ReceiveMessage`` -> the event Lambda's SQS event source mapping sends."""
    records = []
    for message in messages:
        attributes = message.get("Attributes", {})
        record: dict[str, Any] = {
            "messageId": message["MessageId"],
            "receiptHandle": message["ReceiptHandle"],
            "body": message.get("Body", ""),
            "attributes": {k: attributes[k] for k in _RECORD_ATTRIBUTES if k in attributes},
            "messageAttributes": _message_attributes(message.get("MessageAttributes", {})),
            "md5OfBody": message.get("MD5OfBody", ""),
            "eventSource": "aws:sqs",
            "eventSourceARN": queue_arn,
            "awsRegion": region,
        }
        if "MD5OfMessageAttributes" in message:
            record["md5OfMessageAttributes"] = message["MD5OfMessageAttributes"]
        records.append(record)
    return {"Records": records}


def _lambda_attribute_value(value: Any) -> Any:
    """botocore's parsed DynamoDB JSON -> the event's JSON: binary values as base64 text."""
    if isinstance(value, bytes | bytearray):
        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, dict):
        return {key: _lambda_attribute_value(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_lambda_attribute_value(item) for item in value]
    return value


def _epoch_seconds(value: Any) -> int:
    if isinstance(value, datetime):
        return int(value.timestamp())
    if isinstance(value, int | float):
        return int(value)
    return int(time.time())


def dynamodb_stream_record(
    record: Mapping[str, Any], *, stream_arn: str, region: str
) -> dict[str, Any]:
    """A ``GetRecords`` record (as botocore returns it) -> one record of the event Lambda's
    DynamoDB event source mapping sends.

    The stream API and the Lambda event differ in small ways, all applied here:
    ``eventVersion`` is ``1.1``, ``awsRegion`` is the table's region, ``eventSourceARN`` is
    the stream's ARN, ``ApproximateCreationDateTime`` is epoch seconds (a number) and binary
    attribute values (``B``, ``BS``) are base64 text.
    """
    stream = record.get("dynamodb", {})
    dynamodb: dict[str, Any] = {
        "ApproximateCreationDateTime": _epoch_seconds(stream.get("ApproximateCreationDateTime")),
        "Keys": _lambda_attribute_value(stream.get("Keys", {})),
    }
    for image in ("NewImage", "OldImage"):
        if image in stream:
            dynamodb[image] = _lambda_attribute_value(stream[image])
    dynamodb["SequenceNumber"] = str(stream["SequenceNumber"])
    dynamodb["SizeBytes"] = int(stream.get("SizeBytes", 0))
    dynamodb["StreamViewType"] = stream.get("StreamViewType", "")
    converted: dict[str, Any] = {
        "eventID": record.get("eventID") or uuid.uuid4().hex,
        "eventName": record["eventName"],
        "eventVersion": "1.1",
        "eventSource": "aws:dynamodb",
        "awsRegion": region,
        "dynamodb": dynamodb,
        "eventSourceARN": stream_arn,
    }
    if record.get("userIdentity"):  # TTL deletions (moto does not expire items)
        converted["userIdentity"] = dict(record["userIdentity"])
    return converted


def dynamodb_stream_event(records: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """Records built by :func:`dynamodb_stream_record` -> the invocation event."""
    return {"Records": [dict(record) for record in records]}


def scheduled_event(*, rule_arn: str, account: str, region: str, now: float | None = None) -> dict:
    """An EventBridge scheduled-rule event."""
    now = time.time() if now is None else now
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": account,
        "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now)),
        "region": region,
        "resources": [rule_arn],
        "detail": {},
    }
