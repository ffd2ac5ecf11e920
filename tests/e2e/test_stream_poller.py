"""The table-stream poller: Lambda's DynamoDB event source mapping of the revocation function.

End-to-end against moto's server (records written with boto3, a fake revocation handler), and
the batching and retry rules against a scripted stream, without a runtime.
"""

from __future__ import annotations

import base64
import threading
import uuid
from collections.abc import Callable
from typing import Any

import pytest
import requests

from local.lambdas import HandlerRegistry, Invoker
from local.runtime import LocalRuntime
from local.workers import StreamPoller
from pellicule.config import topology
from tests.e2e.conftest import wait_for

e2e = pytest.mark.e2e
PK, SK = topology.TABLE.partition_key, topology.TABLE.sort_key
CONSUMER = topology.REVOCATION_STREAM


class FakeRevocation:
    """Records every invocation; reports as failed the records whose new image has
    ``fail = true`` (a partial batch response keyed by SequenceNumber)."""

    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []
        self.contexts: list[Any] = []
        self._lock = threading.Lock()

    def __call__(self, event: dict[str, Any], context: Any) -> dict[str, Any]:
        with self._lock:
            self.events.append(event)
            self.contexts.append(context)
        failures = [
            {"itemIdentifier": record["dynamodb"]["SequenceNumber"]}
            for record in event["Records"]
            if record["dynamodb"].get("NewImage", {}).get("fail") == {"BOOL": True}
        ]
        return {"batchItemFailures": failures}

    def records(self, sk: str) -> list[dict[str, Any]]:
        with self._lock:
            return [
                record
                for event in self.events
                for record in event["Records"]
                if record["dynamodb"]["Keys"][SK]["S"] == sk
            ]


REVOCATION = FakeRevocation()


@pytest.fixture(scope="module")
def runtime_handlers() -> dict[str, Any]:
    return {"revocation": REVOCATION}


def _put(runtime: LocalRuntime, sk: str, pk: str | None = None, **attributes: Any) -> str:
    pk = pk or f"T#stream-{uuid.uuid4().hex[:6]}"
    item = {PK: {"S": pk}, SK: {"S": sk}, **attributes}
    runtime.client("dynamodb").put_item(TableName=runtime.names.table, Item=item)
    return str(item[PK]["S"])


def _consent_log() -> str:
    return f"CONSENTLOG#2026-07-08T10:00:00Z#{uuid.uuid4().hex}"


@e2e
def test_a_new_consent_log_entry_reaches_the_function_as_lambda_sends_it(runtime: LocalRuntime):
    sk = _consent_log()
    pk = _put(runtime, sk, scan={"B": b"\x00\xff"}, audience={"S": "families_of_group"})

    (record,) = wait_for(lambda: REVOCATION.records(sk), timeout=5)
    assert set(record) == {
        "eventID",
        "eventName",
        "eventVersion",
        "eventSource",
        "awsRegion",
        "dynamodb",
        "eventSourceARN",
    }
    assert record["eventName"] == "INSERT"
    assert record["eventVersion"] == "1.1"
    assert record["eventSource"] == "aws:dynamodb"
    assert record["awsRegion"] == runtime.names.region
    assert record["eventSourceARN"] == runtime.stream_arn
    assert record["eventSourceARN"].startswith(
        f"arn:aws:dynamodb:{runtime.names.region}:{runtime.names.account}:table/"
        f"{runtime.names.table}/stream/"
    )
    stream = record["dynamodb"]
    assert set(stream) == {
        "ApproximateCreationDateTime",
        "Keys",
        "NewImage",
        "SequenceNumber",
        "SizeBytes",
        "StreamViewType",
    }  # no OldImage on an INSERT
    assert stream["Keys"] == {PK: {"S": pk}, SK: {"S": sk}}
    assert stream["NewImage"]["audience"] == {"S": "families_of_group"}
    assert stream["NewImage"]["scan"] == {"B": base64.b64encode(b"\x00\xff").decode()}
    assert stream["StreamViewType"] == topology.TABLE.stream_view
    assert isinstance(stream["ApproximateCreationDateTime"], int)
    assert stream["SequenceNumber"].isdigit()
    assert isinstance(stream["SizeBytes"], int)

    index = next(i for i, event in enumerate(REVOCATION.events) if record in event["Records"])
    assert REVOCATION.contexts[index].function_name == runtime.names.function("revocation")


@e2e
def test_only_the_records_the_filters_let_through_are_delivered(runtime: LocalRuntime):
    table = runtime.names.table
    dynamodb = runtime.client("dynamodb")
    # Given writes no revocation filter matches...
    album, consent, logged = "ALBUM#x", f"CONSENT#{uuid.uuid4().hex}", _consent_log()
    pk = _put(runtime, album)
    _put(runtime, consent)
    logged_pk = _put(runtime, logged)
    wait_for(lambda: REVOCATION.records(logged), timeout=5)
    dynamodb.update_item(  # a MODIFY of a consent-log entry (history is append-only)
        TableName=table,
        Key={PK: {"S": logged_pk}, SK: {"S": logged}},
        UpdateExpression="SET note = :n",
        ExpressionAttributeValues={":n": {"S": "edited"}},
    )
    pending_media = f"MEDIA#{uuid.uuid4().hex}"
    media_pk = _put(runtime, pending_media, state={"S": "pending"})
    _put(runtime, pending_media, media_pk, state={"S": "ready"})  # never published
    # ...and those that match: an item becomes published, a published item changes
    publishing = f"MEDIA#{uuid.uuid4().hex}"
    publishing_pk = _put(runtime, publishing, state={"S": "ready"})
    _put(runtime, publishing, publishing_pk, state={"S": "published"})
    published = f"MEDIA#{uuid.uuid4().hex}"
    published_pk = _put(runtime, published, state={"S": "published"})
    _put(runtime, published, published_pk, state={"S": "hidden"})
    dynamodb.delete_item(TableName=table, Key={PK: {"S": pk}, SK: {"S": album}})
    marker = _consent_log()
    _put(runtime, marker)

    # Then, once the last write is delivered (the stream is ordered), nothing else was
    wait_for(lambda: REVOCATION.records(marker), timeout=5)
    assert REVOCATION.records(album) == []
    assert REVOCATION.records(consent) == []
    assert REVOCATION.records(pending_media) == []
    assert len(REVOCATION.records(logged)) == 1  # the INSERT only
    (publication,) = REVOCATION.records(publishing)
    assert publication["dynamodb"]["NewImage"]["state"] == {"S": "published"}
    (change,) = REVOCATION.records(published)
    assert change["eventName"] == "MODIFY"
    assert change["dynamodb"]["OldImage"]["state"] == {"S": "published"}
    assert change["dynamodb"]["NewImage"]["state"] == {"S": "hidden"}
    assert runtime.stream_poller.filtered_out >= 6


@e2e
def test_a_failing_record_is_retried_then_skipped(runtime: LocalRuntime):
    poller = runtime.stream_poller
    discarded = poller.discarded
    failing = _consent_log()
    _put(runtime, failing, fail={"BOOL": True})

    attempts = 1 + CONSUMER.retry_attempts
    wait_for(lambda: len(REVOCATION.records(failing)) >= attempts, timeout=10)
    wait_for(lambda: poller.discarded > discarded, timeout=5)
    after = _consent_log()
    _put(runtime, after)  # the stream moves on past the skipped record

    wait_for(lambda: REVOCATION.records(after), timeout=5)
    assert len(REVOCATION.records(failing)) == attempts


@e2e
def test_drain_stream_delivers_what_is_waiting(runtime: LocalRuntime):
    poller = runtime.stream_poller
    poller.stop()
    try:
        first, second = _consent_log(), _consent_log()
        _put(runtime, first)
        _put(runtime, "ALBUM#drain")
        _put(runtime, second)
        assert runtime.drain_stream() == 2
        assert len(REVOCATION.records(first)) == len(REVOCATION.records(second)) == 1
        assert runtime.drain_stream() == 0
    finally:
        poller.start()
    assert poller.running


@e2e
def test_health_reports_the_stream_poller(runtime: LocalRuntime):
    body = requests.get(f"{runtime.base_url}/_dev/health", timeout=10).json()
    assert body["workers"]["stream_pollers"] == {"revocation": True, "chainer": True}
    stats = body["streams"]["revocation"]
    assert {"pending", "read", "filtered_out", "delivered", "discarded"} <= set(stats)


# --- Batching and retries, against a scripted stream -------------------------------------------


class ScriptedStream:
    """A DynamoDB Streams client over a list of records (botocore's GetRecords shape)."""

    ARN = "arn:aws:dynamodb:eu-west-3:123456789012:table/t/stream/2026-01-01T00:00:00.000"

    def __init__(self) -> None:
        self.records: list[dict[str, Any]] = []
        self._lock = threading.Lock()

    def write(self, event_name: str, sk: str, **new: Any) -> str:
        with self._lock:
            sequence = str(100 + len(self.records))
            keys = {PK: {"S": "T#x"}, SK: {"S": sk}}
            self.records.append(
                {
                    "eventID": uuid.uuid4().hex,
                    "eventName": event_name,
                    "dynamodb": {
                        "Keys": keys,
                        "NewImage": {**keys, **new},
                        "SequenceNumber": sequence,
                        "SizeBytes": 20,
                        "StreamViewType": "NEW_AND_OLD_IMAGES",
                    },
                }
            )
            return sequence

    def describe_stream(self, StreamArn: str) -> dict[str, Any]:
        return {"StreamDescription": {"Shards": [{"ShardId": "shard-1"}]}}

    def get_shard_iterator(self, **kwargs: Any) -> dict[str, Any]:
        assert kwargs["ShardIteratorType"] == "TRIM_HORIZON"
        return {"ShardIterator": "0"}

    def get_records(self, ShardIterator: str, Limit: int) -> dict[str, Any]:
        start = int(ShardIterator)
        with self._lock:
            found = self.records[start : start + Limit]
        return {"Records": found, "NextShardIterator": str(start + len(found))}


class Script:
    """A handler whose answer per invocation comes from ``decide(sequence numbers)``."""

    def __init__(self, decide: Callable[[list[str]], Any]) -> None:
        self.decide = decide
        self.batches: list[list[str]] = []

    def __call__(self, event: dict[str, Any], context: Any) -> Any:
        sequence_numbers = [record["dynamodb"]["SequenceNumber"] for record in event["Records"]]
        self.batches.append(sequence_numbers)
        return self.decide(sequence_numbers)


def _poller(
    stream: ScriptedStream,
    handler: Script,
    *,
    batch_size: int = 2,
    retry_attempts: int = 2,
    window: float = 0.0,
) -> StreamPoller:
    registry = HandlerRegistry()
    registry.register("revocation", handler)
    consumer = topology.StreamConsumer(
        function="revocation",
        batch_size=batch_size,
        max_batching_window_seconds=0,
        retry_attempts=retry_attempts,
        filters=CONSUMER.filters,
    )
    return StreamPoller(
        streams=stream,
        invoker=Invoker(topology.local_names(), registry),
        stream_arn=ScriptedStream.ARN,
        region="eu-west-3",
        consumer=consumer,
        poll_interval=0.01,
        batching_window=window,
    )


def _fail(*identifiers: str) -> dict[str, Any]:
    return {"batchItemFailures": [{"itemIdentifier": i} for i in identifiers]}


def test_filtered_records_are_batched_up_to_the_batch_size():
    stream = ScriptedStream()
    a = stream.write("INSERT", "CONSENTLOG#a")
    stream.write("INSERT", "ALBUM#x")
    b = stream.write("INSERT", "CONSENTLOG#b")
    c = stream.write("INSERT", "CONSENTLOG#c")
    handler = Script(lambda numbers: None)
    poller = _poller(stream, handler)

    assert poller.drain() == 3
    assert handler.batches == [[a, b], [c]]
    assert (poller.read, poller.filtered_out, poller.delivered) == (4, 1, 3)
    assert poller.drain() == 0


def test_a_batch_is_retried_from_its_first_failed_record():
    stream = ScriptedStream()
    a = stream.write("INSERT", "CONSENTLOG#a")
    b = stream.write("INSERT", "CONSENTLOG#b")
    c = stream.write("INSERT", "CONSENTLOG#c")
    answers = iter([_fail(b), None, None])
    handler = Script(lambda numbers: next(answers))
    poller = _poller(stream, handler)

    assert poller.drain() == 3
    assert handler.batches == [[a, b], [b, c]]
    assert (poller.delivered, poller.discarded) == (3, 0)


def test_after_the_retries_the_failed_batch_is_skipped():
    stream = ScriptedStream()
    a = stream.write("INSERT", "CONSENTLOG#a")
    b = stream.write("INSERT", "CONSENTLOG#b")
    c = stream.write("INSERT", "CONSENTLOG#c")
    d = stream.write("INSERT", "CONSENTLOG#d")
    handler = Script(lambda numbers: _fail(b) if b in numbers else None)
    poller = _poller(stream, handler, retry_attempts=2)

    assert poller.drain() == 4
    # a is checkpointed; b fails 1 + 2 times with c behind it; then both are given up
    assert handler.batches == [[a, b], [b, c], [b, c], [d]]
    assert (poller.delivered, poller.discarded) == (2, 2)


@pytest.mark.parametrize(
    "answer",
    [
        RuntimeError("handler bug"),
        _fail("not-a-sequence-number"),
        _fail(""),
        {"batchItemFailures": [{"itemIdentifier": None}]},
        {"batchItemFailures": "all"},
        "not an object",
    ],
)
def test_an_error_or_a_malformed_answer_fails_the_whole_batch(answer: Any):
    stream = ScriptedStream()
    a = stream.write("INSERT", "CONSENTLOG#a")
    b = stream.write("INSERT", "CONSENTLOG#b")
    calls = iter([answer, None])

    def decide(numbers: list[str]) -> Any:
        value = next(calls)
        if isinstance(value, Exception):
            raise value
        return value

    handler = Script(decide)
    poller = _poller(stream, handler)
    assert poller.drain() == 2
    assert handler.batches == [[a, b], [a, b]]
    assert poller.delivered == 2


def test_the_batching_window_waits_for_a_full_batch():
    stream = ScriptedStream()
    handler = Script(lambda numbers: None)
    poller = _poller(stream, handler, batch_size=3, window=3600)
    poller.start()
    try:
        stream.write("INSERT", "CONSENTLOG#a")
        wait_for(lambda: poller.pending == 1, timeout=5)
        assert handler.batches == []  # waiting for more, up to the window
        stream.write("INSERT", "CONSENTLOG#b")
        stream.write("INSERT", "CONSENTLOG#c")
        wait_for(lambda: handler.batches, timeout=5)  # a full batch goes at once
        assert len(handler.batches[0]) == 3
    finally:
        poller.stop()
    assert not poller.running
