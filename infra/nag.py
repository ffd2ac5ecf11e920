"""cdk-nag (AwsSolutions) wiring and written acknowledgments.

Findings fail the synth. Each acknowledgment is attached to the narrowest construct that
carries the finding and says *why* the finding does not apply here.
"""

from __future__ import annotations

import json
from typing import Any

from aws_cdk import Acknowledgment, App, Stack, Validations
from aws_cdk import aws_iam as iam
from cdk_nag import AwsSolutionsChecks
from constructs import IConstruct

PACK = "AwsSolutions"
MIN_REASON_LENGTH = 40  # a reason is a sentence, not a word


def attach_checks(app: App) -> None:
    """Run the AwsSolutions pack on every stack of ``app`` at synth time."""
    Validations.of(app).add_plugins(AwsSolutionsChecks(app, verbose=True))


def acknowledge(scope: IConstruct, rule: str, reason: str) -> None:
    """Acknowledge ``rule`` (e.g. ``S1`` or ``IAM5[Action::s3:*]``) on ``scope`` only."""
    if len(reason.strip()) < MIN_REASON_LENGTH:
        raise ValueError(f"acknowledgment of {rule} needs a written reason, got {reason!r}")
    Validations.of(scope).acknowledge(
        Acknowledgment(id=f"{PACK}::{PACK}-{rule}", reason=reason.strip())
    )


def wildcard_resource(scope: IConstruct, arn: str) -> str:
    """The IAM5 finding id cdk-nag reports for resource ``arn`` (a string or token)."""
    return f"IAM5[Resource::{flatten_reference(Stack.of(scope).resolve(arn))}]"


def policy_wildcards(policy: iam.Policy) -> list[str]:
    """Every IAM5 finding id of ``policy``, the way cdk-nag computes them."""
    stack = Stack.of(policy)
    document = stack.resolve(policy.document.to_json())
    findings: dict[str, None] = {}
    for statement in document.get("Statement", []):
        if statement.get("Effect") != "Allow":
            continue
        for action in _as_list(statement.get("Action")):
            if "*" in action:
                findings[f"IAM5[Action::{action}]"] = None
        for resource in _as_list(statement.get("Resource")):
            flat = flatten_reference(resource)
            if "*" in flat:
                findings[f"IAM5[Resource::{flat}]"] = None
    return list(findings)


def flatten_reference(node: Any) -> str:
    """Python port of cdk-nag's ``flattenCfnReference`` (how findings name resources)."""
    if node is None:
        return ""
    if isinstance(node, str):
        return node.replace("${", "<").replace("}", ">")
    if isinstance(node, dict):
        if "Fn::Join" in node:
            delimiter, items = node["Fn::Join"]
            return str(delimiter).join(flatten_reference(item) for item in items)
        if "Fn::Sub" in node:
            return flatten_reference(node["Fn::Sub"])
        if "Fn::GetAtt" in node:
            resource, attribute = node["Fn::GetAtt"]
            return f"<{flatten_reference(resource)}.{flatten_reference(attribute)}>"
        if "Fn::ImportValue" in node:
            return flatten_reference(node["Fn::ImportValue"])
        if "Ref" in node:
            return f"<{flatten_reference(node['Ref'])}>"
    return json.dumps(node, separators=(",", ":"))


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]
