"""DynamoDB table and the ingest pipeline (queue, DLQ, event source, alarm)."""

from __future__ import annotations

from typing import Any

import pytest

from pellicule import topology
from tests.infra.support import Variant, logical_id, names

pytestmark = pytest.mark.infra


def table(variant: Variant) -> dict[str, Any]:
    key = logical_id(variant, "AWS::DynamoDB::Table", TableName=names(variant).table)
    return dict(variant.resources[key])


def test_table_follows_the_topology_spec(main: Variant) -> None:
    props = table(main)["Properties"]
    spec = topology.TABLE
    assert props["KeySchema"] == [
        {"AttributeName": spec.partition_key, "KeyType": "HASH"},
        {"AttributeName": spec.sort_key, "KeyType": "RANGE"},
    ]
    assert props["BillingMode"] == "PAY_PER_REQUEST"
    assert props["TimeToLiveSpecification"] == {
        "AttributeName": spec.ttl_attribute,
        "Enabled": True,
    }
    assert props["StreamSpecification"] == {"StreamViewType": spec.stream_view}
    assert props["StreamSpecification"]["StreamViewType"] == "NEW_AND_OLD_IMAGES"
    indexes = {index["IndexName"]: index for index in props["GlobalSecondaryIndexes"]}
    assert set(indexes) == {index.name for index in spec.indexes}
    for index in spec.indexes:
        assert indexes[index.name]["KeySchema"] == [
            {"AttributeName": index.partition_key, "KeyType": "HASH"},
            {"AttributeName": index.sort_key, "KeyType": "RANGE"},
        ]


def test_table_has_pitr_and_aws_managed_encryption(main: Variant) -> None:
    props = table(main)["Properties"]
    assert props["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True
    # SSEEnabled without a key: the AWS-managed KMS key (alias/aws/dynamodb).
    assert props["SSESpecification"] == {"SSEEnabled": True}


def test_table_is_protected_except_in_disposable_stages(main: Variant, variant: Variant) -> None:
    prod, dev = table(main), table(variant)
    assert prod["Properties"]["DeletionProtectionEnabled"] is True
    assert prod["DeletionPolicy"] == "Retain"
    assert dev["Properties"]["DeletionProtectionEnabled"] is False
    assert dev["DeletionPolicy"] == "Delete"


def queue(variant: Variant, name: str) -> tuple[str, dict[str, Any]]:
    key = logical_id(variant, "AWS::SQS::Queue", QueueName=name)
    return key, dict(variant.resources[key]["Properties"])


def test_ingest_queue_and_dlq_follow_the_topology_spec(main: Variant) -> None:
    spec = topology.INGEST_QUEUE
    dlq_key, dlq = queue(main, names(main).ingest_dlq)
    _, ingest = queue(main, names(main).ingest_queue)
    assert ingest["VisibilityTimeout"] == spec.visibility_timeout_seconds
    assert ingest["MessageRetentionPeriod"] == spec.retention_seconds
    assert ingest["RedrivePolicy"] == {
        "deadLetterTargetArn": {"Fn::GetAtt": [dlq_key, "Arn"]},
        "maxReceiveCount": spec.max_receive_count,
    }
    assert dlq["MessageRetentionPeriod"] == spec.dlq_retention_seconds
    # Visibility covers the consumer's timeout (AWS guidance: 6x).
    assert ingest["VisibilityTimeout"] >= 6 * topology.FUNCTIONS["process"].timeout_seconds


@pytest.mark.parametrize("which", ["ingest_queue", "ingest_dlq"])
def test_queues_are_encrypted_and_tls_only(main: Variant, which: str) -> None:
    key, props = queue(main, getattr(names(main), which))
    assert props["SqsManagedSseEnabled"] is True
    statements = [
        s
        for r in main.of_type("AWS::SQS::QueuePolicy").values()
        if {"Ref": key} in r["Properties"]["Queues"]
        for s in r["Properties"]["PolicyDocument"]["Statement"]
    ]
    assert any(
        s["Effect"] == "Deny" and s["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
        for s in statements
    )


def test_process_function_consumes_the_queue_with_partial_batch_failures(main: Variant) -> None:
    queue_key, _ = queue(main, names(main).ingest_queue)
    function_key = logical_id(
        main, "AWS::Lambda::Function", FunctionName=names(main).function("process")
    )
    _, mapping = main.one("AWS::Lambda::EventSourceMapping")
    props = mapping["Properties"]
    assert props["EventSourceArn"] == {"Fn::GetAtt": [queue_key, "Arn"]}
    assert props["FunctionName"] == {"Ref": function_key}
    assert props["BatchSize"] == topology.INGEST_QUEUE.batch_size
    assert props["FunctionResponseTypes"] == ["ReportBatchItemFailures"]


def test_dlq_depth_alarm_pages_the_operator(main: Variant) -> None:
    dlq_key, _ = queue(main, names(main).ingest_dlq)
    topic_key, _ = main.one("AWS::SNS::Topic")
    alarms = [
        r["Properties"]
        for r in main.of_type("AWS::CloudWatch::Alarm").values()
        if r["Properties"].get("MetricName") == "ApproximateNumberOfMessagesVisible"
    ]
    [alarm] = alarms
    assert alarm["Namespace"] == "AWS/SQS"
    assert alarm["Dimensions"] == [
        {"Name": "QueueName", "Value": {"Fn::GetAtt": [dlq_key, "QueueName"]}}
    ]
    assert alarm["Threshold"] == 0
    assert alarm["ComparisonOperator"] == "GreaterThanThreshold"
    assert alarm["AlarmActions"] == [{"Ref": topic_key}]
