"""The table stream in the local runtime: bounded, and every record still reaches its consumer.

moto 5.2.5 keeps every stream record (both images of the item) forever; DynamoDB Streams
keeps 24 hours. The runtime drops what every consumer of the stream has read, and moto's
shard trims records older than 24 hours (``local/moto_patches.py``; docs/local-runtime.md,
"DynamoDB in moto"). The poller is driven by ``drain_stream`` (no background workers), so
each step is deterministic.
"""

from __future__ import annotations

import datetime
import threading
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from local import moto_patches
from local.runtime import LocalRuntime
from pellicule.config import topology

e2e = pytest.mark.e2e
PK, SK = topology.TABLE.partition_key, topology.TABLE.sort_key
WRITES = 300
DRAIN_EVERY = 50


class Recorder:
    """A revocation function that records the sort key of every record it is handed."""

    def __init__(self) -> None:
        self.keys: list[str] = []
        self._lock = threading.Lock()

    def __call__(self, event: dict[str, Any], context: Any) -> dict[str, Any]:
        with self._lock:
            self.keys.extend(record["dynamodb"]["Keys"][SK]["S"] for record in event["Records"])
        return {"batchItemFailures": []}


REVOCATION = Recorder()


@pytest.fixture(scope="module")
def runtime_options() -> dict[str, Any]:
    return {"workers": False}


@pytest.fixture(scope="module")
def runtime_handlers() -> dict[str, Any]:
    return {"revocation": REVOCATION}


def _shard(runtime: LocalRuntime, table: str | None = None) -> Any:
    from moto.dynamodb.models import dynamodb_backends

    names = runtime.names
    found = dynamodb_backends[names.account][names.region].tables[table or names.table]
    assert found.stream_shard is not None
    return found.stream_shard


def _put(runtime: LocalRuntime, pk: str, sk: str, table: str | None = None) -> None:
    runtime.client("dynamodb").put_item(
        TableName=table or runtime.names.table,
        Item={PK: {"S": pk}, SK: {"S": sk}, "image": {"S": "x" * 400}},
    )


@e2e
def test_the_stream_keeps_only_what_its_consumer_has_not_read(runtime: LocalRuntime) -> None:
    # Given the stream's consumer has caught up
    runtime.drain_stream()
    pk = f"T#streams-{uuid.uuid4().hex[:6]}"
    consent_keys = [f"CONSENTLOG#child#{index:04d}" for index in range(WRITES)]
    largest = 0

    # When 300 consent changes and 300 other writes reach the table, the consumer reading
    # every 50 of each
    for index, sk in enumerate(consent_keys):
        _put(runtime, pk, sk)  # passes the revocation filter
        _put(runtime, pk, f"AUDIT#{index:06d}")  # filtered out
        largest = max(largest, len(_shard(runtime).items))
        if index % DRAIN_EVERY == DRAIN_EVERY - 1:
            runtime.drain_stream()
    runtime.drain_stream()

    # Then every consent change reached the function, once, in order
    delivered = [key for key in REVOCATION.keys if key.startswith("CONSENTLOG#child#")]
    assert delivered == consent_keys
    # and moto held no more than the records written since the last read (moto's default:
    # all 1,200, both images each), and holds none once they are read
    assert largest <= 2 * DRAIN_EVERY, f"{largest} stream records kept"
    assert len(_shard(runtime).items) == 0


@e2e
def test_records_not_read_yet_stay_until_the_consumer_reads_them(runtime: LocalRuntime) -> None:
    # Given the consumer has caught up
    runtime.drain_stream()
    pk = f"T#streams-{uuid.uuid4().hex[:6]}"

    # When five consent changes are written and nobody reads the stream yet
    keys = [f"CONSENTLOG#waiting#{uuid.uuid4().hex}" for _ in range(5)]
    for sk in keys:
        _put(runtime, pk, sk)

    # Then moto keeps them, and the consumer gets them all when it reads
    assert len(_shard(runtime).items) == len(keys)
    assert runtime.drain_stream() == len(keys)
    assert REVOCATION.keys[-len(keys) :] == keys
    assert len(_shard(runtime).items) == 0


@pytest.fixture
def unread_table(runtime: LocalRuntime) -> Iterator[str]:
    """A table with a stream nobody consumes."""
    dynamodb = runtime.client("dynamodb")
    name = f"streams-{uuid.uuid4().hex[:8]}"
    dynamodb.create_table(
        TableName=name,
        KeySchema=[
            {"AttributeName": PK, "KeyType": "HASH"},
            {"AttributeName": SK, "KeyType": "RANGE"},
        ],
        AttributeDefinitions=[
            {"AttributeName": PK, "AttributeType": "S"},
            {"AttributeName": SK, "AttributeType": "S"},
        ],
        BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
    )
    yield name
    dynamodb.delete_table(TableName=name)


@e2e
def test_records_older_than_24_hours_are_trimmed_as_dynamodb_streams_does(
    runtime: LocalRuntime, unread_table: str
) -> None:
    # Given ten records in a stream nobody reads, and an iterator at its oldest record
    dynamodb = runtime.client("dynamodb")
    streams = runtime.client("dynamodbstreams")
    for index in range(10):
        _put(runtime, "T#1", f"ROW#{index:02d}", unread_table)
    arn = dynamodb.describe_table(TableName=unread_table)["Table"]["LatestStreamArn"]
    shard_id = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
    iterator = streams.get_shard_iterator(
        StreamArn=arn, ShardId=shard_id, ShardIteratorType="TRIM_HORIZON"
    )["ShardIterator"]
    shard = _shard(runtime, unread_table)
    sequence_numbers = [record.record["dynamodb"]["SequenceNumber"] for record in shard.items]

    # When the first six are more than 24 hours old and another write comes
    for record in shard.items[:6]:
        record.record["dynamodb"]["ApproximateCreationDateTime"] -= datetime.timedelta(hours=25)
    _put(runtime, "T#1", "ROW#10", unread_table)

    # Then they are gone (moto's default keeps all eleven), the others keep their sequence
    # numbers, and the old iterator reads on from the oldest record kept (moto's default
    # fails an assertion: a 500)
    assert len(shard.items) == 5
    records = streams.get_records(ShardIterator=iterator, Limit=100)["Records"]
    assert [record["dynamodb"]["Keys"][SK]["S"] for record in records] == [
        f"ROW#{index:02d}" for index in range(6, 11)
    ]
    assert [record["dynamodb"]["SequenceNumber"] for record in records[:4]] == (
        sequence_numbers[6:]
    )
    fresh = streams.get_shard_iterator(
        StreamArn=arn, ShardId=shard_id, ShardIteratorType="TRIM_HORIZON"
    )["ShardIterator"]
    assert streams.get_records(ShardIterator=fresh, Limit=100)["Records"] == records


@e2e
def test_a_failed_transaction_after_trimming_leaves_no_record(
    runtime: LocalRuntime, unread_table: str
) -> None:
    # Given a stream whose first records were dropped
    dynamodb = runtime.client("dynamodb")
    for index in range(4):
        _put(runtime, "T#1", f"ROW#{index:02d}", unread_table)
    shard = _shard(runtime, unread_table)
    moto_patches.trim_stream(shard, int(shard.items[2].record["dynamodb"]["SequenceNumber"]))
    assert len(shard.items) == 1

    # When a transaction writes a row then fails a condition
    with pytest.raises(dynamodb.exceptions.TransactionCanceledException):
        dynamodb.transact_write_items(
            TransactItems=[
                {
                    "Put": {
                        "TableName": unread_table,
                        "Item": {PK: {"S": "T#1"}, SK: {"S": "ROW#new"}},
                    }
                },
                {
                    "ConditionCheck": {
                        "TableName": unread_table,
                        "Key": {PK: {"S": "T#1"}, SK: {"S": "ROW#00"}},
                        "ConditionExpression": "attribute_exists(nothing)",
                    }
                },
            ]
        )

    # Then the record kept is still there and the transaction left none
    assert [record.record["dynamodb"]["Keys"][SK]["S"] for record in shard.items] == ["ROW#03"]
