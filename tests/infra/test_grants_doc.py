"""Docs that cannot drift from the templates: docs/infrastructure.md's grants table is what
the synthesized policies give (scripts/grants.py, ``make docs``); docs/operator-guide.md's
schedules and retries are what the synthesized rules say."""

from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path
from types import ModuleType

import pytest

from pellicule.config import topology
from tests.infra.support import Variant, names
from tests.support import iam_policy

pytestmark = pytest.mark.infra

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def grants() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "pellicule_grants_script", ROOT / "scripts" / "grants.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def policies() -> iam_policy.Policies:
    try:
        return iam_policy.load(topology.DEFAULT_REGION)
    except iam_policy.SynthUnavailable as error:
        pytest.skip(f"the stack cannot be synthesized here: {error}")


def test_the_grants_table_is_what_the_templates_give(
    grants: ModuleType, policies: iam_policy.Policies
) -> None:
    document = grants.DOC.read_text(encoding="utf-8")
    wanted = grants.rewrite(document, grants.render(policies.statements, policies.region))
    assert document == wanted, (
        "docs/infrastructure.md's grants table differs from the synthesized policies: "
        "run `make docs`"
    )


def test_every_function_has_a_table_and_every_resource_a_name(
    grants: ModuleType, policies: iam_policy.Policies
) -> None:
    table = grants.render(policies.statements, policies.region)
    for function in topology.FUNCTIONS:
        assert f"\n#### {function}\n\n| service |" in table, function
    # Resources are named by their role in the stack (the table, the media bucket...): an ARN
    # left in the table is a resource scripts/grants.py cannot name yet (add it to Namer).
    assert "arn:" not in table


def test_a_grant_added_to_a_function_shows_in_its_table(
    grants: ModuleType, policies: iam_policy.Policies
) -> None:
    statements = {name: list(found) for name, found in policies.statements.items()}
    secret = f"arn:aws:secretsmanager:{policies.region}:{iam_policy.ACCOUNT}:secret:"
    statements["gallery"].append(
        {
            "Action": "secretsmanager:GetSecretValue",
            "Effect": "Allow",
            "Resource": f"{secret}pellicule/{topology.LOCAL_STAGE}/origin-header-??????",
            "Condition": {"StringEquals": {"aws:ResourceTag/stage": "local"}},
        }
    )
    before = grants.render(policies.statements, policies.region)
    after = grants.render(statements, policies.region)
    added = set(after.splitlines()) - set(before.splitlines())
    assert added == {
        "| Secrets Manager | `GetSecretValue` | secret `origin-header` | "
        "if `aws:ResourceTag/stage` StringEquals `local` |"
    }


def test_the_markers_are_required(grants: ModuleType) -> None:
    with pytest.raises(ValueError, match="markers"):
        grants.rewrite("no markers here", "table")
    assert grants.rewrite("a\n<!-- grants:begin -->\nold\n<!-- grants:end -->\nb", "new") == (
        "a\n<!-- grants:begin -->\nnew\n<!-- grants:end -->\nb"
    )


def test_the_operator_guide_states_the_templates_schedules_and_retries(main: Variant) -> None:
    guide = (ROOT / "docs" / "operator-guide.md").read_text(encoding="utf-8")
    prefix = names(main).prefix
    functions = {
        resource["Properties"]["FunctionName"]: key
        for key, resource in main.of_type("AWS::Lambda::Function").items()
        if "FunctionName" in resource["Properties"]
    }
    rules = main.of_type("AWS::Events::Rule").values()
    assert rules
    for rule in rules:
        props = rule["Properties"]
        [target] = props["Targets"]
        function = next(
            name.removeprefix(f"{prefix}-")
            for name, key in functions.items()
            if target["Arn"] == {"Fn::GetAtt": [key, "Arn"]}
        )
        policy = target["RetryPolicy"]
        hours = policy["MaximumEventAgeInSeconds"] / 3600
        given = (
            re.escape(f"`{json.dumps(json.loads(target['Input']))}`")
            if "Input" in target
            else "[^|`]+"
        )
        row = (
            rf"\| `pellicule-<stage>-{re.escape(props['Name'].removeprefix(f'{prefix}-'))}` "
            rf"\| `{re.escape(props['ScheduleExpression'])}` \| {function} \| {given} "
            rf"\| {policy['MaximumRetryAttempts']} attempts, events older than {hours:g} h "
            r"dropped \|"
        )
        assert re.search(row, guide), f"docs/operator-guide.md lacks the row {row}"
    # "a run that fails is retried by Lambda's asynchronous invocation: twice (Lambda's
    # default, which the stack keeps)": true while no function sets its own.
    assert not main.of_type("AWS::Lambda::EventInvokeConfig")
    assert "twice, 1 and 2 minutes later (Lambda's default, which the stack" in guide


def test_no_function_may_scan_the_table(policies: iam_policy.Policies) -> None:
    # Scheduled runs find their work through indexes: a Scan would read every centre's items.
    for function, statements in policies.statements.items():
        actions = {
            action
            for statement in statements
            if statement.get("Effect") == "Allow"
            for action in _as_list(statement.get("Action"))
        }
        assert not actions & {"dynamodb:Scan", "dynamodb:*", "*"}, function


def _as_list(value: object) -> list[object]:
    return value if isinstance(value, list) else [value]
