"""A first deploy that goes right (issue 16, item 3) and the edge settings (item 4).

Names: every fixed physical name is computed for every EU region without synthesizing
(``infra/names.py``), and every name of the synthesized templates must be one of them. Removal
policies, log retention, reserved concurrency and alarms are read from the session's template.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from infra import config, constants, names
from pellicule.config import topology
from tests.infra.support import ACCOUNT, KEY_STAMPS, Synth, Variant, logical_id
from tests.infra.support import names as names_of

pytestmark = pytest.mark.infra

ROOT = Path(__file__).resolve().parents[2]
EU_REGIONS = sorted(topology.EU_REGIONS)
# The longest stage each region allows (the evidence bucket binds everywhere).
LONGEST_STAGE = {
    "eu-central-1": 18,
    "eu-north-1": 20,
    "eu-south-1": 20,
    "eu-south-2": 20,
    "eu-west-1": 21,
    "eu-west-3": 21,
}


def load(context: dict[str, object], region: str = "eu-west-3") -> config.DeploymentConfig:
    return config.load_config(context.get, region=region, account=None)


# --- Names, computed for every EU region ---------------------------------------------------------


def test_the_maximum_stage_length_fits_every_eu_region() -> None:
    assert set(LONGEST_STAGE) == topology.EU_REGIONS
    assert config.MAX_STAGE_LENGTH == min(LONGEST_STAGE.values()) == 18


@pytest.mark.parametrize("region", EU_REGIONS)
def test_every_name_of_the_longest_stage_fits(region: str) -> None:
    assert names.longest_stage(region) == LONGEST_STAGE[region]
    stage = "s" * config.MAX_STAGE_LENGTH
    assert names.too_long(stage, region) == []
    assert load({"stage": stage}, region).stage == stage
    # One more character than the region allows breaks a name there.
    over = names.too_long("s" * (LONGEST_STAGE[region] + 1), region)
    assert [name.kind for name in over] == ["S3 bucket (evidence)"]


def test_a_long_stage_is_refused_with_the_longest_allowed() -> None:
    with pytest.raises(config.ConfigError, match=r"19 characters: at most 18") as raised:
        load({"stage": "a" * 19}, "eu-central-1")
    assert "evidence" in str(raised.value)
    with pytest.raises(names.NameTooLongError) as too_long:
        names.check_names("a" * 19, "eu-central-1")
    message = str(too_long.value)
    assert "64 characters where AWS allows 63" in message
    assert "In eu-central-1 a stage may have at most 18 characters" in message


@pytest.mark.parametrize("stage", ["1prod", "prod-", "-prod", "pro--d", "pro_d", "prod.eu"])
def test_stage_characters(stage: str) -> None:
    with pytest.raises(config.ConfigError, match="lower-case letters and digits"):
        load({"stage": stage})


def physical_names_in(variant: Variant) -> dict[str, str]:
    """Every name-like property of the template: {name: resource type}."""
    # Not names of resources; inline policy names are the CDK's logical ids (no stage in them).
    skipped = {"MetricName", "StageName", "PolicyName"}
    found: dict[str, str] = {}
    for resource in variant.resources.values():
        props = resource.get("Properties", {})
        scopes = [props, *(v for k, v in props.items() if k.endswith("Config"))]
        for scope in scopes:
            if not isinstance(scope, dict):
                continue
            for key, value in scope.items():
                if key.endswith("Name") and key not in skipped and isinstance(value, str):
                    found[value] = resource["Type"]
    return found


@pytest.mark.parametrize("which", ["main", "variant"])
def test_every_name_in_the_template_is_computed_and_fits(synth: Synth, which: str) -> None:
    variant: Variant = getattr(synth, which)
    computed = {
        entry.name: entry
        for entry in names.physical_names(
            variant.config.stage, variant.config.region, account=ACCOUNT, key_stamps=KEY_STAMPS
        )
    }
    in_template = physical_names_in(variant)
    assert len(in_template) > 40
    unknown = sorted(set(in_template) - set(computed))
    assert unknown == [], "add these names to infra/names.py"
    for name in in_template:
        assert len(name) <= computed[name].limit, name


# --- Production stages ---------------------------------------------------------------------------


@pytest.mark.parametrize("stage", ["prod", "prod-paris"])
def test_production_needs_mail_and_alarms(stage: str) -> None:
    with pytest.raises(config.ConfigError, match="mailDomain and alarmEmail are not set"):
        load({"stage": stage})
    with pytest.raises(config.ConfigError, match="alarmEmail is not set"):
        load({"stage": stage, "mailDomain": "example.fr"})
    complete = {"stage": stage, "mailDomain": "example.fr", "alarmEmail": "ops@example.fr"}
    assert load(complete).alarm_email == "ops@example.fr"
    assert load({"stage": stage, "allowIncompleteProd": "true"}).mail_domain is None
    with pytest.raises(config.ConfigError):
        load({"stage": stage, "allowIncompleteProd": "false"})


def test_other_stages_need_neither() -> None:
    assert load({"stage": "production2"}).stage == "production2"
    assert load({"stage": "staging"}).mail_domain is None


def test_app_py_refuses_an_incomplete_prod_before_loading_the_cdk() -> None:
    from tests.infra.test_region_guard import run_app

    result = run_app({"CDK_CONTEXT_JSON": json.dumps({"stage": "prod", "region": "eu-west-3"})})
    assert result.returncode == 2
    messages = [line for line in result.stderr.splitlines() if not line.startswith("import time:")]
    assert len(messages) == 1
    assert messages[0].startswith("pellicule: refusing to synthesize: stage 'prod' is a ")
    assert "allowIncompleteProd=true" in messages[0]
    assert not any(" aws_cdk" in line for line in result.stderr.splitlines())


def test_one_stage_default_everywhere() -> None:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    deploy = (ROOT / "scripts" / "deploy.sh").read_text(encoding="utf-8")
    cdk_json = json.loads((ROOT / "cdk.json").read_text(encoding="utf-8"))
    assert config.DEFAULT_STAGE == "dev"
    assert re.search(r"^STAGE \?= dev$", makefile, re.MULTILINE)
    assert 'STAGE="${STAGE:-dev}"' in deploy
    assert cdk_json["context"]["stage"] == "dev"
    assert "dev" in constants.DISPOSABLE_STAGES


# --- Removal policies and termination protection -------------------------------------------------


def test_nothing_is_plainly_retained(main: Variant, variant: Variant) -> None:
    retained = {
        key: resource["Type"]
        for key, resource in main.resources.items()
        if resource.get("DeletionPolicy", "Delete") != "Delete"
    }
    assert {main.resources[key]["DeletionPolicy"] for key in retained} == {"RetainExceptOnCreate"}
    kinds = sorted(set(retained.values()))
    assert kinds == ["AWS::DynamoDB::Table", "AWS::Logs::LogGroup", "AWS::S3::Bucket"]
    assert list(retained.values()).count("AWS::S3::Bucket") == len(topology.BUCKETS)
    for key in retained:
        assert main.resources[key]["UpdateReplacePolicy"] == "Retain"
    assert not [r for r in variant.resources.values() if r.get("DeletionPolicy") == "Retain"]


def test_the_web_app_copy_leaves_with_its_deployment(main: Variant) -> None:
    _, deployment = main.one("Custom::CDKBucketDeployment")
    # The web bucket can then be deleted when a failed first create rolls back.
    assert deployment["Properties"]["RetainOnDelete"] is False


# --- Log retention -------------------------------------------------------------------------------


@pytest.mark.parametrize("which", ["main", "variant"])
def test_every_log_group_has_the_project_retention(synth: Synth, which: str) -> None:
    variant: Variant = getattr(synth, which)
    groups = variant.of_type("AWS::Logs::LogGroup")
    assert len(groups) == len(topology.FUNCTIONS) + 2  # + API access logs, web deployment
    for key, group in groups.items():
        assert group["Properties"].get("RetentionInDays") == constants.LOG_RETENTION_DAYS, key
    assert not variant.of_type("Custom::LogRetention")
    # Every function (ours and the CDK's deployment handler) logs into one of them, never
    # into a log group Lambda would create with no retention.
    for key, function in variant.of_type("AWS::Lambda::Function").items():
        target = function["Properties"]["LoggingConfig"]["LogGroup"]
        assert target == {"Ref": target["Ref"]}, key
        assert target["Ref"] in groups, key


# --- Reserved concurrency ------------------------------------------------------------------------


def test_processing_functions_have_reserved_concurrency(main: Variant) -> None:
    reserved = {
        name: main.resources[
            logical_id(main, "AWS::Lambda::Function", FunctionName=names_of(main).function(name))
        ]["Properties"].get("ReservedConcurrentExecutions")
        for name in topology.FUNCTIONS
    }
    assert reserved.pop("video") == config.DEFAULT_VIDEO_RESERVED_CONCURRENCY == 10
    assert reserved.pop("process") == config.DEFAULT_PHOTO_RESERVED_CONCURRENCY == 20
    # The API functions (and the scheduled ones) share the rest of the account's concurrency.
    assert set(reserved.values()) == {None}
    assert config.required_account_concurrency(main.config) == 40


def test_queue_consumers_never_exceed_the_reservation(main: Variant) -> None:
    maxima = {}
    for mapping in main.of_type("AWS::Lambda::EventSourceMapping").values():
        props = mapping["Properties"]
        function = props["FunctionName"]["Ref"]
        name = main.resources[function]["Properties"]["FunctionName"]
        maxima[name] = props.get("ScalingConfig", {}).get("MaximumConcurrency")
    n = names_of(main)
    assert maxima[n.function("video")] == 10
    assert maxima[n.function("process")] == 20


@pytest.mark.parametrize("value", ["1", "-2", "1001", "ten"])
def test_reserved_concurrency_values_are_checked(value: str) -> None:
    with pytest.raises(config.ConfigError, match="videoReservedConcurrency"):
        load({"videoReservedConcurrency": value})


def test_reservations_can_be_turned_off() -> None:
    loaded = load({"videoReservedConcurrency": "0", "photoReservedConcurrency": 0})
    assert loaded.reserved_concurrency == {}
    assert config.required_account_concurrency(loaded) == 10


def test_event_source_concurrency_follows_the_reservation() -> None:
    from infra.processing import event_source_concurrency

    assert event_source_concurrency(topology.VIDEO_QUEUE, 4) == 4
    assert event_source_concurrency(topology.VIDEO_QUEUE, 50) == 10
    assert event_source_concurrency(topology.VIDEO_QUEUE, None) == 10
    assert event_source_concurrency(topology.INGEST_QUEUE, 20) == 20
    assert event_source_concurrency(topology.INGEST_QUEUE, None) is None


# --- Alarms --------------------------------------------------------------------------------------


def alarms_by_name(variant: Variant) -> dict[str, dict[str, Any]]:
    return {
        r["Properties"]["AlarmName"]: r["Properties"]
        for r in variant.of_type("AWS::CloudWatch::Alarm").values()
    }


def test_api_5xx_alarm(main: Variant) -> None:
    topic, _ = main.one("AWS::SNS::Topic")
    api, _ = main.one("AWS::ApiGatewayV2::Api")
    alarm = alarms_by_name(main)[f"{names_of(main).prefix}-api-5xx"]
    assert alarm["Namespace"] == "AWS/ApiGateway"
    assert alarm["MetricName"] == "5xx"
    assert alarm["Dimensions"] == [{"Name": "ApiId", "Value": {"Ref": api}}]
    assert alarm["Statistic"] == "Sum"
    assert alarm["Threshold"] == 1
    assert alarm["AlarmActions"] == alarm["OKActions"] == [{"Ref": topic}]


def test_ses_reputation_alarms_when_the_stack_sends_mail(main: Variant, variant: Variant) -> None:
    topic, _ = variant.one("AWS::SNS::Topic")
    alarms = alarms_by_name(variant)
    prefix = names_of(variant).prefix
    for what, metric, threshold in (
        ("bounce", "Reputation.BounceRate", 0.04),
        ("complaint", "Reputation.ComplaintRate", 0.0008),
    ):
        alarm = alarms[f"{prefix}-ses-{what}-rate"]
        assert alarm["Namespace"] == "AWS/SES"
        assert alarm["MetricName"] == metric
        assert "Dimensions" not in alarm  # account-level metrics
        assert alarm["Threshold"] == threshold
        assert alarm["AlarmActions"] == [{"Ref": topic}]
    assert not [name for name in alarms_by_name(main) if "-ses-" in name]


def test_tls_1_2_with_a_custom_domain(variant: Variant) -> None:
    _, distribution = variant.one("AWS::CloudFront::Distribution")
    certificate = distribution["Properties"]["DistributionConfig"]["ViewerCertificate"]
    assert certificate["MinimumProtocolVersion"] == "TLSv1.2_2021"
    assert certificate["SslSupportMethod"] == "sni-only"


def test_the_bootstrap_version_the_template_requires(main: Variant) -> None:
    from scripts.preflight import MIN_BOOTSTRAP_VERSION

    rule = main.json["Rules"]["CheckBootstrapVersion"]
    [assertion] = rule["Assertions"]
    refused = assertion["Assert"]["Fn::Not"][0]["Fn::Contains"][0]
    assert max(int(version) for version in refused) + 1 == MIN_BOOTSTRAP_VERSION
