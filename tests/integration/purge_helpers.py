"""Helpers of the purge and erasure tests: the product clock, stores searched whole."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from typing import Any

from tests.conftest import Aws
from tests.integration.helpers import call

SCHEDULED = {"version": "0", "detail-type": "Scheduled Event", "source": "aws.events", "detail": {}}
HOURLY = {**SCHEDULED, "steps": ["erasures"]}


def move_clock_to(moment: str) -> None:
    """Set the product clock to ``moment`` (ISO, UTC), forward or back."""
    from pellicule.config import clock

    target = datetime.fromisoformat(moment).replace(tzinfo=UTC).timestamp()
    clock.reset()
    clock.advance(target - time.time())


def purge(event: dict[str, Any] | None = None) -> dict[str, Any]:
    return call("purge", event or SCHEDULED)


def counts(report: dict[str, Any], tenant_id: str) -> dict[str, int]:
    assert report["complete"] is True, report
    assert report["errors"] == {}, report
    found: dict[str, int] = report["tenants"][tenant_id]
    return found


def table_items() -> list[dict[str, Any]]:
    """Every item of the table, in DynamoDB's JSON."""
    from pellicule.adapters import aws as clients
    from pellicule.config.settings import get_settings

    dynamodb = clients.client("dynamodb")
    items: list[dict[str, Any]] = []
    for page in dynamodb.get_paginator("scan").paginate(TableName=get_settings().table):
        items += page["Items"]
    return items


def items_mentioning(text: str) -> list[dict[str, Any]]:
    return [item for item in table_items() if text in json.dumps(item)]


def unexpired_items_mentioning(text: str) -> list[dict[str, Any]]:
    """Items mentioning ``text``, less those past their TTL attribute (``expires_at``): AWS
    deletes those by itself (moto never does), and every read already refuses them."""
    from pellicule.config import clock, topology

    ttl = topology.TABLE.ttl_attribute
    return [
        item
        for item in items_mentioning(text)
        if ttl not in item or int(item[ttl]["N"]) > clock.now()
    ]


def bucket_names(aws: Aws) -> list[str]:
    return [aws.names.ingest_bucket, aws.names.media_bucket, aws.names.evidence_bucket]


def object_versions(aws: Aws, bucket: str, prefix: str = "") -> list[dict[str, Any]]:
    """Every version and delete marker under ``prefix``."""
    from pellicule.adapters import aws as clients

    s3 = clients.client("s3")
    found: list[dict[str, Any]] = []
    for page in s3.get_paginator("list_object_versions").paginate(Bucket=bucket, Prefix=prefix):
        found += page.get("Versions", []) + page.get("DeleteMarkers", [])
    return found


def keys_mentioning(aws: Aws, text: str) -> list[str]:
    """Keys (any version, any delete marker) containing ``text``, in every bucket."""
    return [
        f"{bucket}/{entry['Key']}"
        for bucket in bucket_names(aws)
        for entry in object_versions(aws, bucket)
        if text in entry["Key"]
    ]


def audit_actions(tenant_id: str) -> list[str]:
    from pellicule.services import audit

    return [row["action"] for row in audit.export_rows(tenant_id)]


def purge_entries(tenant_id: str) -> list[dict[str, Any]]:
    from pellicule.services import audit

    return [row for row in audit.export_rows(tenant_id) if row["action"] == "purge"]
