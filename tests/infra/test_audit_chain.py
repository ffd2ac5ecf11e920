"""Audit chaining: the table's stream -> the chainer function (waiting views and downloads
only, a window of seconds, large batches, retries, on-failure DLQ) and its alarms."""

from __future__ import annotations

import json
from typing import Any

import pytest

from infra import constants
from pellicule.config import topology
from pellicule.store import keys
from tests.infra.support import Variant, logical_id, names
from tests.infra.test_revocation import function_key, stream_mapping

pytestmark = pytest.mark.infra

SPEC = topology.AUDIT_CHAIN_STREAM


def dlq(variant: Variant) -> tuple[str, dict[str, Any]]:
    name = f"{names(variant).function(SPEC.function)}-dlq"
    key = logical_id(variant, "AWS::SQS::Queue", QueueName=name)
    return key, dict(variant.resources[key]["Properties"])


def test_the_chainer_is_a_function_behind_no_route() -> None:
    assert SPEC.function == "chainer"
    assert SPEC.function in topology.FUNCTIONS
    assert SPEC.function not in {route.function for route in topology.API_ROUTES}


def test_the_filter_names_the_audit_store_s_own_key_prefixes() -> None:
    [pattern] = SPEC.filters
    assert pattern == {
        "eventName": ["INSERT"],
        "dynamodb": {
            "Keys": {
                "pk": {"S": [{"prefix": keys.AUDIT}]},
                "sk": {"S": [{"prefix": keys.AUDIT_PENDING}]},
            }
        },
    }


def test_batches_are_gathered_for_seconds_and_large() -> None:
    # "Within seconds", and 500 views in a minute are a handful of invocations
    assert 1 <= SPEC.max_batching_window_seconds <= 10
    assert SPEC.batch_size >= 500


def test_stream_event_source_follows_the_topology(main: Variant, variant: Variant) -> None:
    for stack in (main, variant):
        props = stream_mapping(stack, SPEC.function)
        assert props["FunctionName"] == {"Ref": function_key(stack, SPEC.function)}
        assert props["StartingPosition"] == "LATEST"
        assert props["BatchSize"] == SPEC.batch_size == 1000
        assert props["MaximumBatchingWindowInSeconds"] == SPEC.max_batching_window_seconds == 5
        assert props["MaximumRetryAttempts"] == SPEC.retry_attempts
        assert props["BisectBatchOnFunctionError"] is True
        assert props["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
        dlq_key, _ = dlq(stack)
        assert props["DestinationConfig"] == {
            "OnFailure": {"Destination": {"Fn::GetAtt": [dlq_key, "Arn"]}}
        }
        filters = props["FilterCriteria"]["Filters"]
        assert [json.loads(f["Pattern"]) for f in filters] == list(SPEC.filters)


def test_chainer_dlq_is_encrypted_tls_only_and_kept_two_weeks(main: Variant) -> None:
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
    assert not [s for s in statements if s["Effect"] == "Allow"]


def _alarm(variant: Variant, metric: str, dimension: dict[str, Any]) -> dict[str, Any]:
    [alarm] = [
        r["Properties"]
        for r in variant.of_type("AWS::CloudWatch::Alarm").values()
        if r["Properties"].get("MetricName") == metric
        and r["Properties"]["Dimensions"] == [dimension]
    ]
    return dict(alarm)


def test_chainer_dlq_and_iterator_age_alarms_page_the_operator(main: Variant) -> None:
    dlq_key, _ = dlq(main)
    topic_key, _ = main.one("AWS::SNS::Topic")
    queue = _alarm(
        main,
        "ApproximateNumberOfMessagesVisible",
        {"Name": "QueueName", "Value": {"Fn::GetAtt": [dlq_key, "QueueName"]}},
    )
    assert queue["AlarmName"] == f"{names(main).prefix}-chainer-dlq-not-empty"
    assert queue["Threshold"] == 0
    age = _alarm(
        main,
        "IteratorAge",
        {"Name": "FunctionName", "Value": {"Ref": function_key(main, SPEC.function)}},
    )
    assert age["AlarmName"] == f"{names(main).prefix}-chainer-iterator-age"
    assert age["Statistic"] == "Maximum"
    assert age["Threshold"] == constants.AUDIT_CHAIN_ITERATOR_AGE_THRESHOLD_SECONDS * 1000
    assert age["EvaluationPeriods"] == age["DatapointsToAlarm"] == 5
    assert age["TreatMissingData"] == "notBreaching"
    for alarm in (queue, age):
        assert alarm["AlarmActions"] == [{"Ref": topic_key}]
        assert alarm["OKActions"] == [{"Ref": topic_key}]
