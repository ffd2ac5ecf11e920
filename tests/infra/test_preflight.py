"""scripts/preflight.py and scripts/deploy.sh: the checks around ``cdk deploy`` (no AWS: moto)."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from infra import config
from scripts import preflight

pytestmark = pytest.mark.infra

ROOT = Path(__file__).resolve().parents[2]
REGION = "eu-west-3"
COMPLETE = ["-c", "mailDomain=example.fr", "--context", "alarmEmail=ops@example.fr"]


def run_deploy(*argv: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "CDK_", "STAGE"))}
    return subprocess.run(
        [str(ROOT / "scripts" / "deploy.sh"), *argv],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        cwd=ROOT,
        env={**env, "AWS_EC2_METADATA_DISABLED": "true"},
    )


def test_context_options_are_parsed() -> None:
    assert preflight.parse_context(["-c", "a=1", "--context", "b=x=y", "--context=c=", "--x"]) == {
        "a": "1",
        "b": "x=y",
        "c": "",
    }
    with pytest.raises(preflight.Refusal):
        preflight.parse_context(["-c", "novalue"])


def test_check_summarises_a_complete_prod() -> None:
    summary = preflight.check("prod", "eu-central-1", COMPLETE)
    assert "stage prod in eu-central-1" in summary
    assert "S3 bucket (evidence), 49/63" in summary
    assert "at least 40 concurrent executions" in summary


def test_deploy_runs_unattended_after_printing_the_diff() -> None:
    result = run_deploy("--dry-run", "--stage", "prod", "--region", REGION, "--", *COMPLETE)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    [diff] = [line for line in lines if " diff " in line]
    [deploy] = [line for line in lines if " deploy " in line]
    assert lines.index(diff) < lines.index(deploy)
    assert "--require-approval never" in deploy
    assert "--app cdk.out/deploy-prod-eu-west-3 pellicule-prod" in deploy
    assert "-c mailDomain=example.fr -c alarmEmail=ops@example.fr" in result.stdout
    assert any("bootstrap-status" in line for line in lines)


def test_a_bare_deploy_is_the_dev_stage() -> None:
    result = run_deploy("--dry-run")
    assert result.returncode == 0, result.stderr
    assert "pellicule-dev" in result.stdout
    assert "stage dev in eu-west-3" in result.stdout


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["--stage", "prod"], "mailDomain and alarmEmail are not set"),
        (["--stage", "a" * 19], "at most 18"),
        (["--stage", "Prod"], "lower-case letters and digits"),
        (["--stage", "dev", "--", "-c", "videoReservedConcurrency=1"], "out of range"),
    ],
)
def test_deploy_refuses_before_touching_aws(argv: list[str], expected: str) -> None:
    result = run_deploy("--region", REGION, *argv)
    assert result.returncode == 2
    [message] = result.stderr.splitlines()
    assert message.startswith("deploy.sh: refusing to deploy: ")
    assert expected in message
    assert "Traceback" not in result.stderr
    assert "deploying stage" not in result.stdout


# --- With moto -----------------------------------------------------------------------------------


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    moto = pytest.importorskip("moto")
    for variable in ("AWS_PROFILE", "AWS_ENDPOINT_URL"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    import boto3

    with moto.mock_aws():
        yield boto3.session.Session(region_name=REGION)


def toolkit_template(version: str) -> str:
    return json.dumps(
        {
            "Resources": {"Topic": {"Type": "AWS::SNS::Topic"}},
            "Outputs": {"BootstrapVersion": {"Value": version}},
        }
    )


def test_bootstrap_status(aws: Any) -> None:
    cloudformation = aws.client("cloudformation")
    assert preflight.bootstrap_status(cloudformation) == "missing"
    cloudformation.create_stack(StackName="CDKToolkit", TemplateBody=toolkit_template("5"))
    assert preflight.bootstrap_status(cloudformation) == "outdated"
    cloudformation.update_stack(StackName="CDKToolkit", TemplateBody=toolkit_template("28"))
    assert preflight.bootstrap_status(cloudformation) == "ok"


class FakeLambda:
    def __init__(self, quota: int, unreserved: int, current: dict[str, int]) -> None:
        self.limits = {"ConcurrentExecutions": quota, "UnreservedConcurrentExecutions": unreserved}
        self.current = current

    def get_account_settings(self) -> dict[str, Any]:
        return {"AccountLimit": self.limits}

    def get_function_concurrency(self, FunctionName: str) -> dict[str, Any]:
        return {"ReservedConcurrentExecutions": self.current.get(FunctionName)}


def test_concurrency_quota_is_checked() -> None:
    loaded = preflight.deployment_config("dev", REGION, [])
    name = "pellicule-dev-{}".format
    assert "30 left" in preflight.check_concurrency(FakeLambda(1000, 60, {}), loaded, name)
    # A new account (quota 10) cannot reserve anything.
    with pytest.raises(preflight.Refusal, match="quota is 10") as refused:
        preflight.check_concurrency(FakeLambda(10, 10, {}), loaded, name)
    assert "videoReservedConcurrency=0" in str(refused.value)
    # What the stack already reserves is given back before reserving again.
    current = {"pellicule-dev-video": 10, "pellicule-dev-process": 20}
    assert "10 left" in preflight.check_concurrency(FakeLambda(40, 10, current), loaded, name)
    none = preflight.deployment_config(
        "dev", REGION, ["-c", "videoReservedConcurrency=0", "-c", "photoReservedConcurrency=0"]
    )
    assert config.required_account_concurrency(none) == 10
    assert "10 left" in preflight.check_concurrency(FakeLambda(10, 10, {}), none, name)


def test_stack_state_of_a_new_and_a_deployed_stack(aws: Any) -> None:
    cloudformation = aws.client("cloudformation")
    assert preflight.check_stack(cloudformation, "pellicule-prod") == "stack pellicule-prod: new"
    cloudformation.create_stack(StackName="pellicule-prod", TemplateBody=toolkit_template("1"))
    assert "CREATE_COMPLETE" in preflight.check_stack(cloudformation, "pellicule-prod")


class FakeCloudFormation:
    def __init__(self, status: str, protected: bool) -> None:
        self.stack = {"StackStatus": status, "EnableTerminationProtection": protected}
        self.calls: list[dict[str, Any]] = []

    def describe_stacks(self, StackName: str) -> dict[str, Any]:
        return {"Stacks": [self.stack]}

    def update_termination_protection(self, **kwargs: Any) -> None:
        self.calls.append(kwargs)


# moto implements neither ROLLBACK_COMPLETE nor UpdateTerminationProtection: a stand-in.
def test_rollback_complete_loses_its_termination_protection() -> None:
    fake = FakeCloudFormation("ROLLBACK_COMPLETE", protected=True)
    assert "turned off" in preflight.check_stack(fake, "pellicule-prod")
    assert fake.calls == [{"StackName": "pellicule-prod", "EnableTerminationProtection": False}]


@pytest.mark.parametrize(
    ("status", "message"),
    [("ROLLBACK_FAILED", "clean up by hand"), ("UPDATE_IN_PROGRESS", "busy")],
)
def test_stacks_that_cannot_be_deployed_now(status: str, message: str) -> None:
    fake = FakeCloudFormation(status, protected=True)
    with pytest.raises(preflight.Refusal, match=message):
        preflight.check_stack(fake, "pellicule-prod")
    assert fake.calls == []


def test_edge_deploys_three_stacks_and_bootstraps_us_east_1() -> None:
    edge = ["-c", "edge=true"]
    assert preflight.regions("dev", "eu-central-1", edge).splitlines() == [
        "eu-central-1",
        "us-east-1",
    ]
    assert preflight.stacks("dev", "eu-central-1", edge).splitlines() == [
        "pellicule-dev-eu-central-1-edge",
        "pellicule-dev",
        "pellicule-dev-eu-central-1-edge-alarms",
    ]
    assert preflight.regions("dev", "eu-central-1", []) == "eu-central-1"
    assert preflight.stacks("dev", "eu-central-1", []) == "pellicule-dev"
    result = run_deploy("--dry-run", "--region", "eu-central-1", "--", *edge)
    assert result.returncode == 0, result.stderr
    [deploy] = [line for line in result.stdout.splitlines() if " deploy " in line]
    assert deploy.split(" --app ")[1].split()[1:4] == [
        "pellicule-dev-eu-central-1-edge",
        "pellicule-dev",
        "pellicule-dev-eu-central-1-edge-alarms",
    ]
    assert "bootstrap-status --region us-east-1" in result.stdout
