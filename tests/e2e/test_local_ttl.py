"""The local runtime's stand-in for DynamoDB's time to live (moto has none): items whose
``expires_at`` has passed by the product clock are deleted; nothing else is."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from local.runtime import LocalRuntime
from pellicule.config import clock

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def runtime_options() -> dict[str, Any]:
    return {"workers": False}


@pytest.fixture(autouse=True)
def real_time() -> Iterator[None]:
    yield
    clock.reset()


def test_only_items_past_their_time_to_live_are_deleted(runtime: LocalRuntime) -> None:
    dynamodb = runtime.client("dynamodb")
    table = runtime.names.table
    now = int(clock.now())
    items = {
        "past": {"expires_at": {"N": str(now - 1)}},
        "future": {"expires_at": {"N": str(now + 3600)}},
        "none": {},
    }
    for name, extra in items.items():
        dynamodb.put_item(
            TableName=table, Item={"pk": {"S": f"TTLTEST#{name}"}, "sk": {"S": "X"}, **extra}
        )

    def left() -> set[str]:
        found = dynamodb.scan(
            TableName=table,
            FilterExpression="begins_with(pk, :p)",
            ExpressionAttributeValues={":p": {"S": "TTLTEST#"}},
        )["Items"]
        return {item["pk"]["S"].split("#")[1] for item in found}

    assert runtime.expire_ttl() == 1
    assert left() == {"future", "none"}
    clock.advance(3601)
    assert runtime.expire_ttl() == 1
    assert left() == {"none"}
