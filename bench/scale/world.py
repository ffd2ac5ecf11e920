"""The simulated stack: moto in this process (``mock_aws``), provisioned like the local
runtime (``local.provision``), the real handlers called as Lambda would call them.

What Lambda's pollers and EventBridge do is done here by hand: the photo queue is drained
into ``process``, the table's stream (read from moto's backend) into ``revocation`` through
its event filters, and the scheduled functions (``digest``, ``purge``) get their event.
"""

from __future__ import annotations

import importlib
import io
import json
import os
import secrets
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from bench.scale.meter import Meter

PUBLIC_URL = "https://photos.pellicule.test"
MAIL_FROM = "no-reply@pellicule.test"
KEY_PAIR_ID = "KSCALEKEYPAIR1"


class World:
    def __init__(self, meter: Meter, names: Any, provisioned: Any, origin: str) -> None:
        self.meter = meter
        self.names = names
        self.provisioned = provisioned
        self.origin = origin
        self.queue_url = provisioned.queue_url
        self._stream_read = 0

    # --- clients and handlers ----------------------------------------------------------------

    def client(self, service: str) -> Any:
        from pellicule.adapters import aws

        return aws.client(service)

    def call(self, function: str, event: Any) -> Any:
        module = importlib.import_module(f"functions.{function}.handler")
        return self.meter.invoke(function, module.handler, event)

    def api(self, function: str, method: str, path: str, session: str, payload: Any = None) -> Any:
        from pellicule.config import topology
        from pellicule.services.sessions import COOKIE_NAME

        event = {
            "version": "2.0",
            "routeKey": "ANY /api/{proxy+}",
            "rawPath": path,
            "rawQueryString": "",
            "cookies": [f"{COOKIE_NAME}={session}"],
            "headers": {
                "content-type": "application/json",
                topology.ORIGIN_HEADER: self.origin,
                "x-pellicule-csrf": "1",
            },
            "requestContext": {
                "http": {"method": method, "path": path, "sourceIp": "127.0.0.1"},
                "requestId": uuid.uuid4().hex,
                "stage": "$default",
            },
            "body": json.dumps(payload) if payload is not None else None,
            "isBase64Encoded": False,
        }
        self.meter.record("apigateway.requests", 1)
        response = self.call(function, event)
        status = int(response["statusCode"])
        if status >= 400:
            raise RuntimeError(f"{method} {path}: {status} {response.get('body')}")
        return json.loads(response["body"]) if response.get("body") else None

    # --- what AWS does between functions ---------------------------------------------------

    def drain_uploads(self) -> None:
        """Lambda's SQS poller: deliver the photo queue to ``process``, batches of 10."""
        sqs = self.client("sqs")
        queue = self.names.ingest_queue_for("photo")
        arn = f"arn:aws:sqs:{self.names.region}:{self.names.account}:{queue}"
        while True:
            received = sqs.receive_message(
                QueueUrl=self.queue_url, MaxNumberOfMessages=10, AttributeNames=["All"]
            ).get("Messages", [])
            if not received:
                break
            from local import events

            response = self.call(
                "process", events.sqs_event(received, queue_arn=arn, region=self.names.region)
            )
            failed = {i["itemIdentifier"] for i in (response or {}).get("batchItemFailures", [])}
            if failed:
                raise RuntimeError(f"processing failed: {response}")
            sqs.delete_message_batch(
                QueueUrl=self.queue_url,
                Entries=[
                    {"Id": str(n), "ReceiptHandle": m["ReceiptHandle"]}
                    for n, m in enumerate(received)
                ],
            )
        self.drain_stream()

    def drain_stream(self) -> None:
        """Lambda's stream pollers: new table records through each consumer's filters
        (``local.runtime.STREAM_CONSUMERS``, as the local runtime and the stack wire them), in
        batches of the consumer's size; until none of them writes anything new."""
        from moto.dynamodb.models import dynamodb_backends

        from local import events
        from local.filters import EventFilter
        from local.runtime import STREAM_CONSUMERS

        table = dynamodb_backends[self.names.account][self.names.region].tables[self.names.table]
        shard = table.stream_shard
        if shard is None:
            return
        arn = self.provisioned.stream_arn
        while shard.items:
            raw = [record.to_json() for record in shard.items]
            shard.items.clear()  # read: moto need not keep them (sequence numbers are unused)
            converted = [
                events.dynamodb_stream_record(r, stream_arn=arn, region=self.names.region)
                for r in raw
            ]
            for consumer in STREAM_CONSUMERS:
                keep = EventFilter(consumer.filters)
                records = [record for record in converted if keep.passes(record)]
                for start in range(0, len(records), consumer.batch_size):
                    batch = records[start : start + consumer.batch_size]
                    self.meter.record(f"lambda.{consumer.function}.stream_records", len(batch))
                    self.call(consumer.function, events.dynamodb_stream_event(batch))

    def scheduled(self, function: str, tenants: list[str] | None = None) -> Any:
        """EventBridge's scheduled event; with ``tenants``, the operator's run for those
        centres only (the same handler, the event names them)."""
        from local import events

        self.drain_stream()
        rule = f"arn:aws:events:{self.names.region}:{self.names.account}:rule/{function}"
        event = events.scheduled_event(
            rule_arn=rule, account=self.names.account, region=self.names.region
        )
        if tenants is not None:
            event["tenants"] = list(tenants)
        result = self.call(function, event)
        self.drain_stream()
        return result


def _environment(names: Any) -> dict[str, str]:
    from pellicule.config import topology

    return {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": names.region,
        "AWS_REGION": names.region,
        "POWERTOOLS_LOG_LEVEL": "ERROR",
        "LOG_LEVEL": "ERROR",
        **topology.function_environment(
            names, public_url=PUBLIC_URL, key_pair_id=KEY_PAIR_ID, mail_from=MAIL_FROM
        ),
    }


def _lookups(names: Any) -> tuple[Any, Any]:
    from moto.dynamodb.models import dynamodb_backends
    from moto.dynamodb.models.dynamo_type import DynamoType
    from moto.s3.models import s3_backends

    def item(table_name: str, key: dict[str, Any]) -> dict[str, Any] | None:
        table = dynamodb_backends[names.account][names.region].tables.get(table_name)
        if table is None or "pk" not in key or "sk" not in key:
            return None
        found = table.get_item(DynamoType(key["pk"]), DynamoType(key["sk"]))
        return None if found is None else dict(found.to_json()["Attributes"])

    def object_size(bucket: str, key: str) -> int:
        try:
            found = s3_backends[names.account]["global"].get_object(bucket, key)
        except Exception:  # noqa: BLE001 - a missing object weighs nothing
            return 0
        return int(found.size) if found is not None else 0

    return item, object_size


@contextmanager
def world() -> Iterator[World]:
    """A fresh moto account, provisioned, with the meter installed on every client."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from moto import mock_aws

    from local import moto_patches, provision
    from pellicule.adapters import aws as aws_clients
    from pellicule.config import clock, settings, topology
    from pellicule.store import models

    names = topology.local_names()
    saved = dict(os.environ)
    for variable in ("AWS_ENDPOINT_URL", "AWS_PROFILE"):
        os.environ.pop(variable, None)
    os.environ.update(_environment(names))
    item, object_size = _lookups(names)
    meter = Meter(item, object_size, {n: s.memory_mb for n, s in topology.FUNCTIONS.items()})
    meter.install()
    aws_clients.reset_clients()
    settings.reset_settings()
    models.unbind()
    clock.reset()
    pem = (
        rsa.generate_private_key(public_exponent=65537, key_size=2048)
        .private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        .decode()
    )
    origin = secrets.token_urlsafe(32)
    moto_patches.apply()  # the local runtime's: item-level transactions, scoped queries...
    mock = mock_aws()
    mock.start()
    try:
        with meter.paused():
            provisioned = provision.provision(
                aws_clients.client,
                names,
                app_origin=PUBLIC_URL,
                public_url=PUBLIC_URL,
                mail_from=MAIL_FROM,
                signing_key_pem=pem,
                origin_secret=json.dumps({"current": origin, "previous": ""}),
            )
            os.environ[topology.ENV_DISTRIBUTION_ID] = provisioned.distribution_id
            settings.reset_settings()
        yield World(meter, names, provisioned, origin)
    finally:
        mock.stop()
        aws_clients.reset_clients()
        settings.reset_settings()
        models.unbind()
        clock.reset()
        os.environ.clear()
        os.environ.update(saved)


def photo_bytes() -> bytes:
    """A small camera-like JPEG (320x240): processing runs the real code, quickly."""
    from PIL import Image

    image = Image.new("RGB", (320, 240))
    pixels = image.load()
    assert pixels is not None
    for x in range(320):
        for y in range(240):
            pixels[x, y] = ((x * 7) % 256, (y * 5) % 256, ((x + y) * 3) % 256)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=90)
    return buffer.getvalue()
