"""DynamoDB reads in the local runtime: a query costs its partition, not the table, and
responses are moto's, written without its shape walk.

moto 5.2.5 sorts the whole table for every query (``Table.all_items``), and encodes each
item-carrying response attribute by attribute against the operation's output shape; with
the audit log in the table, every request got slower as the table grew
(``local/moto_patches.py``; docs/local-runtime.md, "DynamoDB in moto").
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from local.runtime import LocalRuntime

e2e = pytest.mark.e2e
OTHER_ITEMS = 1500


@pytest.fixture(scope="module")
def runtime_options() -> dict[str, Any]:
    return {"workers": False}


@pytest.fixture(scope="module")
def table(runtime: LocalRuntime) -> Iterator[str]:
    """pk/sk and an index on ``g``: a small partition ``P#small`` among 1,500 other items."""
    dynamodb = runtime.client("dynamodb")
    name = f"q-{uuid.uuid4().hex[:8]}"
    dynamodb.create_table(
        TableName=name,
        KeySchema=[
            {"AttributeName": "pk", "KeyType": "HASH"},
            {"AttributeName": "sk", "KeyType": "RANGE"},
        ],
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"},
            {"AttributeName": "g", "AttributeType": "S"},
        ],
        GlobalSecondaryIndexes=[
            {
                "IndexName": "by-g",
                "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
        BillingMode="PAY_PER_REQUEST",
    )
    for start in range(0, OTHER_ITEMS, 25):
        dynamodb.batch_write_item(
            RequestItems={
                name: [
                    {
                        "PutRequest": {
                            "Item": {"pk": {"S": f"P#{row % 7}"}, "sk": {"S": f"S#{row:05d}"}}
                        }
                    }
                    for row in range(start, min(start + 25, OTHER_ITEMS))
                ]
            }
        )
    for row in (3, 1, 2):
        dynamodb.put_item(TableName=name, Item=_every_type(row))
    yield name
    dynamodb.delete_table(TableName=name)


def _every_type(row: int) -> dict[str, Any]:
    return {
        "pk": {"S": "P#small"},
        "sk": {"S": f"S#{row}"},
        "g": {"S": "G#small"},
        "n": {"N": "1.50"},
        "b": {"B": b"\x00\xffraw"},
        "bs": {"BS": [b"a", b"\x01"]},
        "ss": {"SS": ["x", "y"]},
        "ns": {"NS": ["1", "2"]},
        "m": {"M": {"k": {"L": [{"S": "v"}, {"NULL": True}, {"BOOL": False}, {"M": {}}]}}},
        "empty": {"S": ""},
    }


class _Comparisons:
    """Counts moto's key comparisons (``DynamoType.__lt__``) while active."""

    def __enter__(self) -> _Comparisons:
        from moto.dynamodb.models.dynamo_type import DynamoType

        self.count = 0
        self._original = DynamoType.__lt__

        def counting(this: Any, other: Any) -> bool:
            self.count += 1
            return bool(self._original(this, other))

        DynamoType.__lt__ = counting  # type: ignore[method-assign]
        return self

    def __exit__(self, *exc: object) -> None:
        from moto.dynamodb.models.dynamo_type import DynamoType

        DynamoType.__lt__ = self._original  # type: ignore[method-assign]


@e2e
def test_a_query_sorts_its_partition_not_the_table(runtime: LocalRuntime, table: str) -> None:
    dynamodb = runtime.client("dynamodb")

    # When a partition of three items is queried in a table of 1,503
    with _Comparisons() as comparisons:
        found = dynamodb.query(
            TableName=table,
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues={":pk": {"S": "P#small"}},
        )["Items"]

    # Then it comes back in key order, for a handful of comparisons (moto's default sorts
    # the whole table first: about 1,500 here, one per item at best)
    assert [item["sk"]["S"] for item in found] == ["S#1", "S#2", "S#3"]
    assert comparisons.count < 50, f"{comparisons.count} key comparisons for 3 items"


@e2e
def test_queries_answer_as_moto_does(runtime: LocalRuntime, table: str) -> None:
    dynamodb = runtime.client("dynamodb")
    # Base table forwards and backwards, a key condition, pages, and the index
    pages = []
    page = dynamodb.query(
        TableName=table,
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": {"S": "P#3"}},
        Limit=40,
    )
    pages.append(page["Items"])
    while "LastEvaluatedKey" in page:
        page = dynamodb.query(
            TableName=table,
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues={":pk": {"S": "P#3"}},
            Limit=40,
            ExclusiveStartKey=page["LastEvaluatedKey"],
        )
        pages.append(page["Items"])
    keys = [item["sk"]["S"] for items in pages for item in items]
    assert keys == [f"S#{row:05d}" for row in range(3, OTHER_ITEMS, 7)]

    backwards = dynamodb.query(
        TableName=table,
        KeyConditionExpression="pk = :pk AND begins_with(sk, :prefix)",
        ExpressionAttributeValues={":pk": {"S": "P#3"}, ":prefix": {"S": "S#001"}},
        ScanIndexForward=False,
    )["Items"]
    assert [item["sk"]["S"] for item in backwards] == sorted(
        (f"S#{row:05d}" for row in range(3, OTHER_ITEMS, 7) if f"{row:05d}".startswith("001")),
        reverse=True,
    )

    indexed = dynamodb.query(
        TableName=table,
        IndexName="by-g",
        KeyConditionExpression="g = :g",
        ExpressionAttributeValues={":g": {"S": "G#small"}},
    )["Items"]
    assert [item["sk"]["S"] for item in indexed] == ["S#1", "S#2", "S#3"]
    assert indexed[0] == _every_type(1)


def _read_everything(dynamodb: Any, table: str) -> None:
    key = {"pk": {"S": "P#small"}, "sk": {"S": "S#1"}}
    dynamodb.get_item(TableName=table, Key=key, ReturnConsumedCapacity="TOTAL")
    dynamodb.get_item(TableName=table, Key={"pk": {"S": "none"}, "sk": {"S": "none"}})
    dynamodb.query(
        TableName=table,
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": {"S": "P#small"}},
        ProjectionExpression="b, m.k[0], ns",
        Limit=2,
    )
    dynamodb.query(
        TableName=table,
        IndexName="by-g",
        KeyConditionExpression="g = :g",
        ExpressionAttributeValues={":g": {"S": "G#small"}},
        Select="COUNT",
    )
    dynamodb.scan(TableName=table, Limit=5)
    dynamodb.batch_get_item(RequestItems={table: {"Keys": [key]}})
    dynamodb.transact_get_items(TransactItems=[{"Get": {"TableName": table, "Key": key}}])
    dynamodb.put_item(TableName=table, Item=_every_type(9), ReturnValues="ALL_OLD")
    dynamodb.put_item(TableName=table, Item=_every_type(9), ReturnValues="ALL_OLD")
    dynamodb.update_item(
        TableName=table,
        Key={"pk": {"S": "P#small"}, "sk": {"S": "S#9"}},
        UpdateExpression="SET n = n + :one",
        ExpressionAttributeValues={":one": {"N": "1"}},
        ReturnValues="ALL_NEW",
        ReturnConsumedCapacity="INDEXES",
    )
    dynamodb.delete_item(
        TableName=table, Key={"pk": {"S": "P#small"}, "sk": {"S": "S#9"}}, ReturnValues="ALL_OLD"
    )


@e2e
def test_item_responses_are_the_ones_moto_writes(runtime: LocalRuntime, table: str) -> None:
    # Given every item-carrying operation, with every attribute type, encoded both ways
    from moto.dynamodb.responses import DynamoResult

    ours = DynamoResult.execute_result
    assert getattr(ours, "__wrapped_by_pellicule__", False)
    motos = ours.__wrapped__  # type: ignore[attr-defined]
    compared: list[tuple[str, bool]] = []

    def both(result: Any, context: Any) -> Any:
        reference, fast = motos(result, context), ours(result, context)
        same = (reference[0], reference[1].get("Content-Type"), json.loads(reference[2])) == (
            fast[0],
            fast[1].get("Content-Type"),
            json.loads(fast[2]),
        )
        compared.append((context.operation_model.name, same))
        return fast

    DynamoResult.execute_result = both  # type: ignore[method-assign]
    try:
        _read_everything(runtime.client("dynamodb"), table)
    finally:
        DynamoResult.execute_result = ours  # type: ignore[method-assign]

    # Then both encodings are the same JSON, status and content type
    assert {name for name, _ in compared} >= {
        "GetItem",
        "Query",
        "Scan",
        "BatchGetItem",
        "TransactGetItems",
        "PutItem",
        "UpdateItem",
        "DeleteItem",
    }
    assert all(same for _, same in compared), [name for name, same in compared if not same]


@e2e
def test_item_responses_skip_moto_s_shape_walk(runtime: LocalRuntime, table: str) -> None:
    from moto.core import serialize

    walks = 0
    original = serialize.ResponseSerializer.serialize

    def counting(self: Any, result: Any) -> Any:
        nonlocal walks
        if self.operation_model.service_model.service_name == "dynamodb":
            walks += 1  # (the runtime's CDN poller keeps calling CloudFront meanwhile)
        return original(self, result)

    serialize.ResponseSerializer.serialize = counting  # type: ignore[method-assign]
    try:
        # When a client reads and writes items
        _read_everything(runtime.client("dynamodb"), table)
    finally:
        serialize.ResponseSerializer.serialize = original  # type: ignore[method-assign]

    # Then moto's serializer walked none of the responses (its default: one walk each)
    assert walks == 0
