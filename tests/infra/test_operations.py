"""Retention schedule, alarms, mail identity and stack outputs."""

from __future__ import annotations

import json

import pytest

from infra import constants
from pellicule.config import topology
from tests.infra.support import Synth, Variant, logical_id, names

pytestmark = pytest.mark.infra


@pytest.mark.parametrize(
    ("function", "expression"),
    [
        ("purge", topology.PURGE_SCHEDULE_EXPRESSION),
        ("digest", topology.DIGEST_SCHEDULE_EXPRESSION),
    ],
)
def test_scheduled_functions_run_on_the_topology_schedule(
    main: Variant, function: str, expression: str
) -> None:
    target_id = logical_id(
        main, "AWS::Lambda::Function", FunctionName=names(main).function(function)
    )
    rule = main.of_type("AWS::Events::Rule")[
        logical_id(main, "AWS::Events::Rule", Name=f"{names(main).prefix}-{function}")
    ]
    props = rule["Properties"]
    assert props["ScheduleExpression"] == expression
    assert props["State"] == "ENABLED"
    [target] = props["Targets"]
    assert target["Arn"] == {"Fn::GetAtt": [target_id, "Arn"]}
    main.template.has_resource_properties(
        "AWS::Lambda::Permission",
        {"Principal": "events.amazonaws.com", "FunctionName": {"Fn::GetAtt": [target_id, "Arn"]}},
    )


def test_erasure_requests_are_carried_out_every_hour(main: Variant) -> None:
    target_id = logical_id(
        main, "AWS::Lambda::Function", FunctionName=names(main).function("purge")
    )
    rule = main.of_type("AWS::Events::Rule")[
        logical_id(main, "AWS::Events::Rule", Name=f"{names(main).prefix}-erasures")
    ]
    props = rule["Properties"]
    assert props["ScheduleExpression"] == topology.ERASURE_SCHEDULE_EXPRESSION
    [target] = props["Targets"]
    assert target["Arn"] == {"Fn::GetAtt": [target_id, "Arn"]}
    assert json.loads(target["Input"]) == {"steps": list(topology.ERASURE_STEPS)}


def test_only_the_scheduled_functions_have_rules(main: Variant) -> None:
    # purge (daily), erasures (hourly, the purge function), digest (daily)
    assert len(main.of_type("AWS::Events::Rule")) == 3


def test_alarm_topic_is_tls_only_and_mailed_when_asked(main: Variant, variant: Variant) -> None:
    topic_key, topic = main.one("AWS::SNS::Topic")
    assert topic["Properties"]["TopicName"] == f"{names(main).prefix}-alarms"
    [policy] = main.of_type("AWS::SNS::TopicPolicy").values()
    statements = policy["Properties"]["PolicyDocument"]["Statement"]
    assert any(
        s["Effect"] == "Deny" and s["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
        for s in statements
    )
    main.template.has_resource_properties(
        "AWS::SNS::Subscription",
        {"Protocol": "email", "Endpoint": "ops@example.fr", "TopicArn": {"Ref": topic_key}},
    )
    assert not variant.of_type("AWS::SNS::Subscription")


@pytest.mark.parametrize("name", sorted(topology.FUNCTIONS))
@pytest.mark.parametrize("metric", ["Errors", "Throttles"])
def test_every_function_alarms_on_errors_and_throttles(
    main: Variant, name: str, metric: str
) -> None:
    function = logical_id(main, "AWS::Lambda::Function", FunctionName=names(main).function(name))
    topic_key, _ = main.one("AWS::SNS::Topic")
    alarms = [
        r["Properties"]
        for r in main.of_type("AWS::CloudWatch::Alarm").values()
        if r["Properties"].get("MetricName") == metric
        and r["Properties"]["Dimensions"] == [{"Name": "FunctionName", "Value": {"Ref": function}}]
    ]
    [alarm] = alarms
    assert alarm["Namespace"] == "AWS/Lambda"
    assert alarm["Threshold"] == 1
    assert alarm["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"
    assert alarm["TreatMissingData"] == "notBreaching"
    assert alarm["AlarmActions"] == [{"Ref": topic_key}]
    assert alarm["OKActions"] == [{"Ref": topic_key}]


def test_every_alarm_is_wired_to_the_topic(main: Variant) -> None:
    topic_key, _ = main.one("AWS::SNS::Topic")
    alarms = main.of_type("AWS::CloudWatch::Alarm")
    # + the DLQ depth of each ingest pipeline, + the revocation stream's DLQ and iterator age,
    # + the audit chainer's, + the API's 5xx (no mail domain here: no SES reputation alarms),
    # + the archives' DLQ
    assert len(alarms) == (
        2 * len(topology.FUNCTIONS) + len(topology.INGEST_PIPELINES) + 2 + 2 + 1 + 1
    )
    for alarm in alarms.values():
        assert alarm["Properties"]["AlarmActions"] == [{"Ref": topic_key}]


def test_ses_identity_only_with_a_mail_domain(main: Variant, variant: Variant) -> None:
    assert not main.of_type("AWS::SES::EmailIdentity")
    _, identity = variant.one("AWS::SES::EmailIdentity")
    assert identity["Properties"]["EmailIdentity"] == "example.fr"


def test_stable_outputs(main: Variant) -> None:
    outputs = main.json["Outputs"]
    for output_id in (
        constants.OUT_DISTRIBUTION_DOMAIN,
        constants.OUT_API_ENDPOINT,
        constants.OUT_TABLE,
        constants.OUT_MEDIA_BUCKET,
        constants.OUT_INGEST_BUCKET,
        constants.OUT_WEB_BUCKET,
        constants.OUT_EVIDENCE_BUCKET,
        constants.OUT_ALARM_TOPIC,
    ):
        assert output_id in outputs
    table = logical_id(main, "AWS::DynamoDB::Table", TableName=names(main).table)
    assert outputs[constants.OUT_TABLE]["Value"] == {"Ref": table}


def test_stack_is_protected_outside_disposable_stages(synth: Synth) -> None:
    from aws_cdk import Stack

    protection = {
        child.stack_name: bool(child.termination_protection)
        for child in synth.app.node.children
        if isinstance(child, Stack)
    }
    assert protection == {synth.main.stack_name: True, "pellicule-dev": False}
