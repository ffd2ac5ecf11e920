"""The optional edge stacks (``-c edge=true``, infra/edge.py): a web ACL and the CloudFront 5xx
alarm in us-east-1, wired to the EU stack's distribution by cross-region references.

One more synth of a whole app in this session (the jsii process is already running): stage
``staging`` in Frankfurt with ``edge`` on, cdk-nag attached (a finding fails the synth).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from infra import constants
from infra.config import ConfigError, DeploymentConfig, load_config
from tests.infra.conftest import write_public_keys
from tests.infra.support import ACCOUNT, KEY_STAMPS, WEB_ACL_ARN, Synth

STAGE = "staging"
REGION = "eu-central-1"
EDGE = constants.edge_stack_name(STAGE, REGION)
MAIN = constants.stack_name(STAGE)
ALARMS = constants.edge_alarms_stack_name(STAGE, REGION)
# What may live in us-east-1: nothing that stores a person's data.
EDGE_TYPES = {
    "AWS::WAFv2::WebACL",
    "AWS::SNS::Topic",
    "AWS::SNS::TopicPolicy",
    "AWS::SNS::Subscription",
    "AWS::CloudWatch::Alarm",
}


class Assembly:
    def __init__(self, outdir: Path) -> None:
        self.outdir = outdir
        self.manifest = json.loads((outdir / "manifest.json").read_text(encoding="utf-8"))
        self.templates = {
            name: json.loads((outdir / f"{name}.template.json").read_text(encoding="utf-8"))
            for name in (EDGE, MAIN, ALARMS)
        }

    def resources(self, stack: str, kind: str | None = None) -> dict[str, Any]:
        found = self.templates[stack]["Resources"]
        return {k: v for k, v in found.items() if kind is None or v["Type"] == kind}

    def one(self, stack: str, kind: str) -> dict[str, Any]:
        [found] = self.resources(stack, kind).values()
        return dict(found)

    def region(self, stack: str) -> str:
        environment = self.manifest["artifacts"][stack]["environment"]
        return str(environment).rsplit("/", 1)[-1]

    def dependencies(self, stack: str) -> set[str]:
        return set(self.manifest["artifacts"][stack].get("dependencies", []))


@pytest.fixture(scope="module")
def edge_app(tmp_path_factory: pytest.TempPathFactory, synth: Synth) -> Assembly:
    # ``synth`` first: the session's jsii process and bundled assets are reused.
    from aws_cdk import App

    from infra import nag
    from infra.app import add_stack, cdk_json_context

    base = tmp_path_factory.mktemp("edge")
    write_public_keys(base / "keys", KEY_STAMPS)
    app = App(context=cdk_json_context(), outdir=str(base / "cdk.out"))
    config = DeploymentConfig(
        stage=STAGE,
        region=REGION,
        account=ACCOUNT,
        alarm_email="ops@example.fr",
        public_keys_dir=base / "keys",
        edge=True,
    )
    add_stack(app, config)
    nag.attach_checks(app)
    app.synth()  # raises on an unacknowledged cdk-nag finding
    return Assembly(base / "cdk.out")


def _stack_output(assembly: Assembly, value: Any, *, producer: str) -> Any:
    """What a weak cross-region reference (``Fn::GetStackOutput``, cdk.json's
    ``@aws-cdk/core:defaultCrossStackReferences``) reads: the producer's output value."""
    reference = value["Fn::GetStackOutput"]
    assert reference["StackName"] == producer
    assert reference["Region"] == assembly.region(producer)
    return assembly.templates[producer]["Outputs"][reference["OutputName"]]["Value"]


def test_three_stacks_deploy_in_order_in_their_regions(edge_app: Assembly) -> None:
    assert edge_app.region(EDGE) == "us-east-1"
    assert edge_app.region(MAIN) == REGION
    assert edge_app.region(ALARMS) == "us-east-1"
    assert EDGE in edge_app.dependencies(MAIN)
    assert MAIN in edge_app.dependencies(ALARMS)
    # The region is in the us-east-1 names: the same stage may run in two EU regions.
    assert REGION in EDGE
    assert REGION in ALARMS


def test_the_distribution_is_attached_to_the_web_acl_built_in_us_east_1(
    edge_app: Assembly,
) -> None:
    distribution = edge_app.one(MAIN, "AWS::CloudFront::Distribution")
    web_acl = distribution["Properties"]["DistributionConfig"]["WebACLId"]
    [acl_id] = edge_app.resources(EDGE, "AWS::WAFv2::WebACL")
    assert _stack_output(edge_app, web_acl, producer=EDGE) == {"Fn::GetAtt": [acl_id, "Arn"]}


def test_the_web_acl_limits_rates_and_runs_the_aws_common_rules(edge_app: Assembly) -> None:
    acl = edge_app.one(EDGE, "AWS::WAFv2::WebACL")["Properties"]
    assert acl["Scope"] == "CLOUDFRONT"
    assert acl["DefaultAction"] == {"Allow": {}}
    rules = {rule["Name"]: rule for rule in acl["Rules"]}
    rates = {
        rule["Statement"]["RateBasedStatement"]["ScopeDownStatement"]["ByteMatchStatement"][
            "SearchString"
        ]: rule
        for rule in rules.values()
        if "RateBasedStatement" in rule["Statement"]
    }
    assert set(rates) == {"/api/", "/api/auth/"}
    for prefix, rule in rates.items():
        statement = rule["Statement"]["RateBasedStatement"]
        assert rule["Action"] == {"Block": {}}
        assert statement["AggregateKeyType"] == "IP"
        assert statement["EvaluationWindowSec"] == constants.WAF_RATE_WINDOW_SECONDS
        expected = (
            constants.WAF_AUTH_RATE_LIMIT
            if prefix == "/api/auth/"
            else constants.WAF_API_RATE_LIMIT
        )
        assert statement["Limit"] == expected
    # Sign-in is limited before the whole API (rules run in priority order).
    assert rates["/api/auth/"]["Priority"] < rates["/api/"]["Priority"]
    managed = {
        rule["Statement"]["ManagedRuleGroupStatement"]["Name"]: rule
        for rule in rules.values()
        if "ManagedRuleGroupStatement" in rule["Statement"]
    }
    common = managed["AWSManagedRulesCommonRuleSet"]
    assert common["OverrideAction"] == {"None": {}}  # the group's own actions: block
    overrides = common["Statement"]["ManagedRuleGroupStatement"]["RuleActionOverrides"]
    assert overrides == [{"ActionToUse": {"Count": {}}, "Name": "SizeRestrictions_BODY"}]


def test_the_web_acl_keeps_no_request(edge_app: Assembly) -> None:
    acl = edge_app.one(EDGE, "AWS::WAFv2::WebACL")["Properties"]
    configs = [acl["VisibilityConfig"], *(rule["VisibilityConfig"] for rule in acl["Rules"])]
    assert all(config["SampledRequestsEnabled"] is False for config in configs)
    assert not edge_app.resources(EDGE, "AWS::WAFv2::LoggingConfiguration")


def test_the_cdn_5xx_rate_alarm_watches_this_distribution_and_mails_the_operator(
    edge_app: Assembly,
) -> None:
    alarm = edge_app.one(ALARMS, "AWS::CloudWatch::Alarm")["Properties"]
    assert (alarm["Namespace"], alarm["MetricName"]) == ("AWS/CloudFront", "5xxErrorRate")
    dimensions = {d["Name"]: d["Value"] for d in alarm["Dimensions"]}
    assert dimensions["Region"] == "Global"
    [distribution] = edge_app.resources(MAIN, "AWS::CloudFront::Distribution")
    watched = _stack_output(edge_app, dimensions["DistributionId"], producer=MAIN)
    assert watched == {"Ref": distribution}
    assert alarm["Threshold"] == constants.CDN_5XX_RATE_THRESHOLD
    assert alarm["ComparisonOperator"] == "GreaterThanThreshold"
    [topic] = edge_app.resources(ALARMS, "AWS::SNS::Topic")
    assert alarm["AlarmActions"] == [{"Ref": topic}]
    assert alarm["OKActions"] == [{"Ref": topic}]
    subscription = edge_app.one(ALARMS, "AWS::SNS::Subscription")["Properties"]
    assert (subscription["Protocol"], subscription["Endpoint"]) == ("email", "ops@example.fr")
    policy = edge_app.one(ALARMS, "AWS::SNS::TopicPolicy")["Properties"]["PolicyDocument"]
    assert any(
        s["Effect"] == "Deny" and s["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
        for s in policy["Statement"]
    )


def test_us_east_1_holds_no_personal_data(edge_app: Assembly) -> None:
    for stack in (EDGE, ALARMS):
        kinds = {resource["Type"] for resource in edge_app.resources(stack).values()}
        assert kinds <= EDGE_TYPES, stack


def test_the_references_need_no_function_and_no_parameter(edge_app: Assembly, synth: Synth) -> None:
    # Weak references: nothing that runs or stores outside the three stacks' own resources.
    for stack in (EDGE, ALARMS):
        assert not edge_app.resources(stack, "AWS::Lambda::Function"), stack
    functions = edge_app.resources(MAIN, "AWS::Lambda::Function")
    assert len(functions) == len(synth.main.of_type("AWS::Lambda::Function"))
    for stack in (EDGE, MAIN, ALARMS):
        kinds = {resource["Type"] for resource in edge_app.resources(stack).values()}
        assert not {k for k in kinds if k.startswith("Custom::CrossRegion")}, stack


@pytest.mark.parametrize("stack", [EDGE, MAIN, ALARMS])
def test_cfn_lint_is_clean(edge_app: Assembly, stack: str) -> None:
    from cfnlint.api import ManualArgs, lint_file

    matches = lint_file(
        edge_app.outdir / f"{stack}.template.json",
        ManualArgs(ignore_checks=["W3005"], regions=[edge_app.region(stack)]),
    )
    assert [str(match) for match in matches] == []


def test_without_edge_the_stack_has_no_cross_region_machinery(synth: Synth) -> None:
    for variant in synth.variants:
        kinds = {resource["Type"] for resource in variant.resources.values()}
        assert not {k for k in kinds if k.startswith("Custom::CrossRegion")}


def test_edge_and_an_existing_web_acl_exclude_each_other() -> None:
    context = {"stage": "dev", "edge": "true", "webAclArn": WEB_ACL_ARN}
    with pytest.raises(ConfigError, match="one or the other"):
        load_config(context.get, region="eu-west-3", account=None)
    assert load_config({"stage": "dev", "edge": "true"}.get, region="eu-west-3", account=None).edge
