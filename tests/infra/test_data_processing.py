"""DynamoDB table and the ingest pipeline (queue, DLQ, event source, alarm)."""

from __future__ import annotations

from typing import Any

import pytest

from infra.processing import event_source_concurrency
from pellicule.config import topology
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
    # Retained, except when the operation that created it rolls back (a failed first deploy).
    assert prod["DeletionPolicy"] == "RetainExceptOnCreate"
    assert prod["UpdateReplacePolicy"] == "Retain"
    assert dev["Properties"]["DeletionProtectionEnabled"] is False
    assert dev["DeletionPolicy"] == "Delete"


def queue(variant: Variant, name: str) -> tuple[str, dict[str, Any]]:
    key = logical_id(variant, "AWS::SQS::Queue", QueueName=name)
    return key, dict(variant.resources[key]["Properties"])


PIPELINES = [pipeline.kind for pipeline in topology.INGEST_PIPELINES]


def test_one_pipeline_per_kind_with_the_photo_queue_name_kept() -> None:
    assert PIPELINES == ["photo", "video"]
    photo, video = topology.INGEST_PIPELINES
    assert (photo.prefix, photo.function) == (topology.INGEST_PHOTO_PREFIX, "process")
    assert (video.prefix, video.function) == (topology.INGEST_VIDEO_PREFIX, "video")
    sample = topology.local_names()
    # The photo queue's name predates the per-kind queues (and is the photo processor's).
    assert (
        sample.ingest_queue == sample.ingest_queue_for("photo") == "pellicule-local-ingest-events"
    )
    assert sample.ingest_queue_for("video") == "pellicule-local-ingest-video-events"
    assert sample.ingest_dlq_for("video") == "pellicule-local-ingest-video-events-dlq"


@pytest.mark.parametrize("kind", PIPELINES)
def test_ingest_queue_and_dlq_follow_the_topology_spec(main: Variant, kind: str) -> None:
    pipeline = topology.ingest_pipeline(kind)
    spec = pipeline.queue
    dlq_key, dlq = queue(main, names(main).ingest_dlq_for(kind))
    _, ingest = queue(main, names(main).ingest_queue_for(kind))
    assert ingest["VisibilityTimeout"] == spec.visibility_timeout_seconds
    assert ingest["MessageRetentionPeriod"] == spec.retention_seconds
    assert ingest["RedrivePolicy"] == {
        "deadLetterTargetArn": {"Fn::GetAtt": [dlq_key, "Arn"]},
        "maxReceiveCount": spec.max_receive_count,
    }
    assert dlq["MessageRetentionPeriod"] == spec.dlq_retention_seconds
    # Visibility covers the consumer's timeout (AWS guidance: 6x).
    timeout = topology.FUNCTIONS[pipeline.function].timeout_seconds
    assert ingest["VisibilityTimeout"] >= 6 * timeout


def test_photo_queue_keeps_its_logical_ids(main: Variant) -> None:
    # A new logical id would make CloudFormation replace the named queues.
    assert queue(main, names(main).ingest_queue)[0].startswith("ProcessingQueue")
    assert queue(main, names(main).ingest_dlq)[0].startswith("ProcessingDeadLetterQueue")


@pytest.mark.parametrize("kind", PIPELINES)
@pytest.mark.parametrize("which", ["queue", "dlq"])
def test_queues_are_encrypted_and_tls_only(main: Variant, kind: str, which: str) -> None:
    name = getattr(names(main), f"ingest_{which}_for")(kind)
    key, props = queue(main, name)
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


@pytest.mark.parametrize("kind", PIPELINES)
def test_each_function_consumes_its_queue_with_partial_batch_failures(
    main: Variant, kind: str
) -> None:
    pipeline = topology.ingest_pipeline(kind)
    queue_key, _ = queue(main, names(main).ingest_queue_for(kind))
    function_key = logical_id(
        main, "AWS::Lambda::Function", FunctionName=names(main).function(pipeline.function)
    )
    [props] = [
        mapping["Properties"]
        for mapping in main.of_type("AWS::Lambda::EventSourceMapping").values()
        if mapping["Properties"]["EventSourceArn"] == {"Fn::GetAtt": [queue_key, "Arn"]}
    ]
    assert props["FunctionName"] == {"Ref": function_key}
    assert props["BatchSize"] == pipeline.queue.batch_size
    assert props["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    # The queue's maximum, never above the function's reserved concurrency (infra/config.py).
    expected = event_source_concurrency(
        pipeline.queue, main.config.reserved_concurrency.get(pipeline.function)
    )
    if expected is None:
        assert "ScalingConfig" not in props
    else:
        assert props["ScalingConfig"] == {"MaximumConcurrency": expected}
    # One consumer per queue, one queue per consumer.
    queue_arns = [{"Fn::GetAtt": [key, "Arn"]} for key in main.of_type("AWS::SQS::Queue")]
    from_queues = [
        mapping
        for mapping in main.of_type("AWS::Lambda::EventSourceMapping").values()
        if mapping["Properties"]["EventSourceArn"] in queue_arns
    ]
    # ... the ingest pipelines' and the album archives' (tests/infra/test_archive_infra.py).
    assert len(from_queues) == len(PIPELINES) + 1


def test_video_queue_takes_one_video_at_a_time() -> None:
    video = topology.ingest_pipeline("video").queue
    assert video.batch_size == 1
    assert video.visibility_timeout_seconds >= 6 * topology.FUNCTIONS["video"].timeout_seconds


@pytest.mark.parametrize("kind", PIPELINES)
def test_dlq_depth_alarm_pages_the_operator(main: Variant, kind: str) -> None:
    dlq_key, _ = queue(main, names(main).ingest_dlq_for(kind))
    topic_key, _ = main.one("AWS::SNS::Topic")
    alarms = [
        r["Properties"]
        for r in main.of_type("AWS::CloudWatch::Alarm").values()
        if r["Properties"].get("MetricName") == "ApproximateNumberOfMessagesVisible"
        and r["Properties"]["Dimensions"]
        == [{"Name": "QueueName", "Value": {"Fn::GetAtt": [dlq_key, "QueueName"]}}]
    ]
    [alarm] = alarms
    assert alarm["Namespace"] == "AWS/SQS"
    assert alarm["Threshold"] == 0
    assert alarm["ComparisonOperator"] == "GreaterThanThreshold"
    assert alarm["AlarmActions"] == [{"Ref": topic_key}]
    assert alarm["OKActions"] == [{"Ref": topic_key}]
