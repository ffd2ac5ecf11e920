"""DynamoDB transactions in the local runtime: bounded memory, all or nothing, thread-safe.

moto 5.2.5 backs up the whole table for every transaction item and keeps every copy alive
(``local/moto_patches.py``; docs/local-runtime.md, "DynamoDB in moto"). These tests drive
the runtime's moto through boto3, like the handlers do.
"""

from __future__ import annotations

import gc
import threading
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from botocore.exceptions import ClientError

from local.runtime import LocalRuntime

ROWS = 300
TRANSACTIONS = 30


@pytest.fixture(scope="module")
def runtime_options() -> dict[str, Any]:
    return {"workers": False}


@pytest.fixture
def table(runtime: LocalRuntime) -> Iterator[str]:
    """A table shaped like the app's (pk/sk, a stream with both images), ROWS items in it."""
    dynamodb = runtime.client("dynamodb")
    name = f"tx-{uuid.uuid4().hex[:8]}"
    dynamodb.create_table(
        TableName=name,
        KeySchema=[
            {"AttributeName": "pk", "KeyType": "HASH"},
            {"AttributeName": "sk", "KeyType": "RANGE"},
        ],
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"},
        ],
        BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
    )
    for row in range(ROWS):
        dynamodb.put_item(
            TableName=name,
            Item={"pk": {"S": "T#1"}, "sk": {"S": f"ROW#{row:04d}"}, "blob": {"S": "x" * 500}},
        )
    yield name
    dynamodb.delete_table(TableName=name)


def _live(class_name: str) -> int:
    gc.collect()
    return sum(1 for found in gc.get_objects() if type(found).__name__ == class_name)


def _audit_like(name: str, seq: int) -> list[dict[str, Any]]:
    """An audited request's transaction: a new chain entry and the moved head."""
    return [
        {
            "Put": {
                "TableName": name,
                "Item": {"pk": {"S": "T#1"}, "sk": {"S": f"AUDIT#{seq:06d}"}, "n": {"N": str(seq)}},
                "ConditionExpression": "attribute_not_exists(pk)",
            }
        },
        {
            "Update": {
                "TableName": name,
                "Key": {"pk": {"S": "T#1"}, "sk": {"S": "HEAD"}},
                "UpdateExpression": "SET seq = :seq",
                "ExpressionAttributeValues": {":seq": {"N": str(seq)}},
            }
        },
    ]


def _stream_records(runtime: LocalRuntime, name: str) -> list[dict[str, Any]]:
    dynamodb = runtime.client("dynamodb")
    streams = runtime.client("dynamodbstreams")
    arn = dynamodb.describe_table(TableName=name)["Table"]["LatestStreamArn"]
    shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
    iterator = streams.get_shard_iterator(
        StreamArn=arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON"
    )["ShardIterator"]
    records: list[dict[str, Any]] = streams.get_records(ShardIterator=iterator, Limit=1000)[
        "Records"
    ]
    return records


def test_transactions_keep_no_copy_of_the_table(runtime: LocalRuntime, table: str) -> None:
    # Given a table of 300 items
    dynamodb = runtime.client("dynamodb")
    items_before, tables_before = _live("Item"), _live("Table")

    # When 30 audited requests each write a two-item transaction
    for seq in range(TRANSACTIONS):
        dynamodb.transact_write_items(TransactItems=_audit_like(table, seq))

    # Then memory holds the items written, not a copy of the table per transaction item
    # (moto's default: 2 x 300 items copied and kept per transaction, 18,000 here)
    grown = _live("Item") - items_before
    assert grown <= TRANSACTIONS * 4, f"{grown} more moto items alive after {TRANSACTIONS} writes"
    assert _live("Table") == tables_before
    assert len(dynamodb.scan(TableName=table)["Items"]) == ROWS + TRANSACTIONS + 1


def test_a_failed_condition_rolls_the_whole_transaction_back(
    runtime: LocalRuntime, table: str
) -> None:
    # Given a row with a value, and the stream as it is
    dynamodb = runtime.client("dynamodb")
    key = {"pk": {"S": "T#1"}, "sk": {"S": "ROW#0001"}}
    before = dynamodb.get_item(TableName=table, Key=key)["Item"]
    records_before = len(_stream_records(runtime, table))

    # When a transaction updates it, adds a row, deletes another, then fails a condition
    with pytest.raises(ClientError) as failure:
        dynamodb.transact_write_items(
            TransactItems=[
                {
                    "Update": {
                        "TableName": table,
                        "Key": key,
                        "UpdateExpression": "SET #b = :new",
                        "ExpressionAttributeNames": {"#b": "blob"},
                        "ExpressionAttributeValues": {":new": {"S": "changed"}},
                    }
                },
                {
                    "Put": {
                        "TableName": table,
                        "Item": {"pk": {"S": "T#1"}, "sk": {"S": "NEW"}, "n": {"N": "1"}},
                    }
                },
                {
                    "Delete": {
                        "TableName": table,
                        "Key": {"pk": {"S": "T#1"}, "sk": {"S": "ROW#0002"}},
                    }
                },
                {
                    "ConditionCheck": {
                        "TableName": table,
                        "Key": {"pk": {"S": "T#1"}, "sk": {"S": "MISSING"}},
                        "ConditionExpression": "attribute_exists(pk)",
                    }
                },
            ]
        )

    # Then nothing of it happened: not the update, the put, the delete, nor a stream record
    assert failure.value.response["Error"]["Code"] == "TransactionCanceledException", (
        failure.value.response
    )
    assert dynamodb.get_item(TableName=table, Key=key)["Item"] == before
    assert "Item" not in dynamodb.get_item(
        TableName=table, Key={"pk": {"S": "T#1"}, "sk": {"S": "NEW"}}
    )
    assert "Item" in dynamodb.get_item(
        TableName=table, Key={"pk": {"S": "T#1"}, "sk": {"S": "ROW#0002"}}
    )
    assert len(_stream_records(runtime, table)) == records_before

    # ...and the same transaction without the failing check writes all three
    dynamodb.transact_write_items(
        TransactItems=[
            {
                "Update": {
                    "TableName": table,
                    "Key": key,
                    "UpdateExpression": "SET #b = :new",
                    "ExpressionAttributeNames": {"#b": "blob"},
                    "ExpressionAttributeValues": {":new": {"S": "changed"}},
                }
            },
            {"Put": {"TableName": table, "Item": {"pk": {"S": "T#1"}, "sk": {"S": "NEW"}}}},
            {"Delete": {"TableName": table, "Key": {"pk": {"S": "T#1"}, "sk": {"S": "ROW#0002"}}}},
        ]
    )
    assert dynamodb.get_item(TableName=table, Key=key)["Item"]["blob"] == {"S": "changed"}
    assert len(_stream_records(runtime, table)) == records_before + 3


def test_concurrent_transactions_neither_fail_nor_lose_writes(
    runtime: LocalRuntime, table: str
) -> None:
    # Given eight writers and a shared counter
    dynamodb = runtime.client("dynamodb")
    writers, each = 8, 25
    start = threading.Barrier(writers)
    counter = {"pk": {"S": "T#1"}, "sk": {"S": "COUNTER"}}

    def write(writer: int) -> None:
        start.wait(timeout=30)
        for step in range(each):
            dynamodb.transact_write_items(
                TransactItems=[
                    {
                        "Update": {
                            "TableName": table,
                            "Key": counter,
                            "UpdateExpression": "ADD n :one",
                            "ExpressionAttributeValues": {":one": {"N": "1"}},
                        }
                    },
                    {
                        "Put": {
                            "TableName": table,
                            "Item": {"pk": {"S": "T#1"}, "sk": {"S": f"W#{writer}#{step:03d}"}},
                            "ConditionExpression": "attribute_not_exists(pk)",
                        }
                    },
                ]
            )

    # When each writes 25 transactions at the same time (plus single writes meanwhile)
    with ThreadPoolExecutor(max_workers=writers) as pool:
        done = [pool.submit(write, writer) for writer in range(writers)]
        for row in range(50):
            dynamodb.put_item(
                TableName=table, Item={"pk": {"S": "T#1"}, "sk": {"S": f"SINGLE#{row:03d}"}}
            )
        for future in done:
            future.result()  # no transaction failed

    # Then every write is there
    assert dynamodb.get_item(TableName=table, Key=counter)["Item"]["n"] == {
        "N": str(writers * each)
    }
    items = dynamodb.scan(TableName=table)["Items"]
    assert sum(item["sk"]["S"].startswith("W#") for item in items) == writers * each
    assert sum(item["sk"]["S"].startswith("SINGLE#") for item in items) == 50
