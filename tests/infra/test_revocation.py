"""Revocation propagation: the table's stream -> the revocation function (filters, retries,
on-failure DLQ), its alarms, and what the function knows of the distribution."""

from __future__ import annotations

import json
from typing import Any

import pytest

from infra import constants
from pellicule.config import topology
from tests.infra.support import Variant, logical_id, names

pytestmark = pytest.mark.infra

SPEC = topology.REVOCATION_STREAM


def function_key(variant: Variant, name: str = SPEC.function) -> str:
    return logical_id(variant, "AWS::Lambda::Function", FunctionName=names(variant).function(name))


def table_key(variant: Variant) -> str:
    return logical_id(variant, "AWS::DynamoDB::Table", TableName=names(variant).table)


def dlq(variant: Variant) -> tuple[str, dict[str, Any]]:
    name = f"{names(variant).function(SPEC.function)}-dlq"
    key = logical_id(variant, "AWS::SQS::Queue", QueueName=name)
    return key, dict(variant.resources[key]["Properties"])


def stream_mapping(variant: Variant, name: str = SPEC.function) -> dict[str, Any]:
    """The event source mapping of ``name`` on the table's stream."""
    stream = {"Fn::GetAtt": [table_key(variant), "StreamArn"]}
    [props] = [
        mapping["Properties"]
        for mapping in variant.of_type("AWS::Lambda::EventSourceMapping").values()
        if mapping["Properties"]["EventSourceArn"] == stream
        and mapping["Properties"]["FunctionName"] == {"Ref": function_key(variant, name)}
    ]
    return dict(props)


def test_the_stream_consumer_is_the_revocation_function() -> None:
    assert SPEC.function == "revocation"
    assert SPEC.function in topology.FUNCTIONS
    # It is behind no route: referring to the distribution from it makes no cycle.
    assert SPEC.function not in {route.function for route in topology.API_ROUTES}


def test_the_table_streams_old_and_new_images(main: Variant) -> None:
    props = main.resources[table_key(main)]["Properties"]
    assert props["StreamSpecification"] == {"StreamViewType": "NEW_AND_OLD_IMAGES"}


def test_stream_event_source_follows_the_topology(main: Variant, variant: Variant) -> None:
    for stack in (main, variant):
        props = stream_mapping(stack)
        assert props["FunctionName"] == {"Ref": function_key(stack)}
        assert props["StartingPosition"] == "LATEST"
        assert props["BatchSize"] == SPEC.batch_size
        assert props["MaximumBatchingWindowInSeconds"] == SPEC.max_batching_window_seconds
        assert props["MaximumRetryAttempts"] == SPEC.retry_attempts
        assert props["BisectBatchOnFunctionError"] is True
        assert props["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
        dlq_key, _ = dlq(stack)
        assert props["DestinationConfig"] == {
            "OnFailure": {"Destination": {"Fn::GetAtt": [dlq_key, "Arn"]}}
        }


def test_stream_filters_are_the_topology_patterns(main: Variant) -> None:
    filters = stream_mapping(main)["FilterCriteria"]["Filters"]
    # Each Pattern is the JSON of one topology dict, in order.
    assert [json.loads(f["Pattern"]) for f in filters] == list(SPEC.filters)
    assert [f["Pattern"] for f in filters] == [
        json.dumps(pattern, separators=(",", ":")) for pattern in SPEC.filters
    ]
    assert len(filters) == 3  # consent history; media was published; media is published


def test_only_the_topology_s_consumers_read_the_stream(main: Variant) -> None:
    # The revocation function and the audit chainer (tests/infra/test_audit_chain.py), once each
    stream = {"Fn::GetAtt": [table_key(main), "StreamArn"]}
    consumers = [
        m["Properties"]["FunctionName"]
        for m in main.of_type("AWS::Lambda::EventSourceMapping").values()
        if m["Properties"]["EventSourceArn"] == stream
    ]
    expected = [SPEC.function, topology.AUDIT_CHAIN_STREAM.function]
    assert sorted(consumers, key=str) == sorted(
        ({"Ref": function_key(main, name)} for name in expected), key=str
    )


def test_revocation_dlq_is_encrypted_tls_only_and_kept_two_weeks(main: Variant) -> None:
    key, props = dlq(main)
    assert props["SqsManagedSseEnabled"] is True
    assert props["MessageRetentionPeriod"] == constants.STREAM_DLQ_RETENTION_DAYS * 24 * 3600
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
    # Nobody else may send to it: only the function's role (the ESM sends on its behalf).
    assert not [s for s in statements if s["Effect"] == "Allow"]


def test_no_function_knows_the_distribution_id(main: Variant, variant: Variant) -> None:
    # Nothing invalidates the CDN (the /media/* edge TTL does that work), so no function is
    # told which distribution to invalidate.
    for stack in (main, variant):
        for name in topology.FUNCTIONS:
            props = stack.resources[function_key(stack, name)]["Properties"]
            assert topology.ENV_DISTRIBUTION_ID not in props["Environment"]["Variables"], name


def test_the_media_edge_ttl_fits_the_revocation_budget() -> None:
    # Two cache tiers may each keep a deleted copy one TTL; what is left is the pipeline's.
    assert topology.REVOCATION_PIPELINE_ALLOWANCE_SECONDS == (
        topology.REVOCATION_BUDGET_SECONDS
        - topology.EDGE_CACHE_TIERS * topology.MEDIA_EDGE_TTL_SECONDS
    )
    assert topology.REVOCATION_PIPELINE_ALLOWANCE_SECONDS >= 15


def _alarm(variant: Variant, metric: str, dimension: dict[str, Any]) -> dict[str, Any]:
    [alarm] = [
        r["Properties"]
        for r in variant.of_type("AWS::CloudWatch::Alarm").values()
        if r["Properties"].get("MetricName") == metric
        and r["Properties"]["Dimensions"] == [dimension]
    ]
    return dict(alarm)


def test_revocation_dlq_alarm_pages_the_operator(main: Variant) -> None:
    dlq_key, _ = dlq(main)
    topic_key, _ = main.one("AWS::SNS::Topic")
    alarm = _alarm(
        main,
        "ApproximateNumberOfMessagesVisible",
        {"Name": "QueueName", "Value": {"Fn::GetAtt": [dlq_key, "QueueName"]}},
    )
    assert alarm["AlarmName"] == f"{names(main).prefix}-revocation-dlq-not-empty"
    assert alarm["Namespace"] == "AWS/SQS"
    assert alarm["Threshold"] == 0
    assert alarm["ComparisonOperator"] == "GreaterThanThreshold"
    assert alarm["AlarmActions"] == [{"Ref": topic_key}]
    assert alarm["OKActions"] == [{"Ref": topic_key}]


def test_iterator_age_alarm_when_revocation_lags_past_its_allowance_for_five_minutes(
    main: Variant,
) -> None:
    topic_key, _ = main.one("AWS::SNS::Topic")
    alarm = _alarm(
        main, "IteratorAge", {"Name": "FunctionName", "Value": {"Ref": function_key(main)}}
    )
    assert alarm["AlarmName"] == f"{names(main).prefix}-revocation-iterator-age"
    assert alarm["Namespace"] == "AWS/Lambda"
    assert alarm["Statistic"] == "Maximum"
    assert alarm["Period"] == 60
    # The minute's budget minus the edge's two 20 s cache tiers: 20 s (milliseconds)
    assert alarm["Threshold"] == 20_000
    assert alarm["Threshold"] == 1000 * (
        topology.REVOCATION_BUDGET_SECONDS
        - topology.EDGE_CACHE_TIERS * topology.MEDIA_EDGE_TTL_SECONDS
    )
    assert alarm["ComparisonOperator"] == "GreaterThanThreshold"
    assert alarm["EvaluationPeriods"] == alarm["DatapointsToAlarm"] == 5
    assert alarm["TreatMissingData"] == "notBreaching"  # an idle stream is not late
    assert alarm["AlarmActions"] == [{"Ref": topic_key}]
    assert alarm["OKActions"] == [{"Ref": topic_key}]
