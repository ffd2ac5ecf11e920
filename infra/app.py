"""Building the CDK app (importable: the tests synthesize in-process through it)."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from typing import Any

from aws_cdk import App, Environment, Stack, Tags

from infra import constants, edge, nag
from infra.config import REPO_ROOT, DeploymentConfig, load_config, resolve_region
from infra.stack import PelliculeStack
from pellicule.config import topology


def cdk_json_context() -> dict[str, Any]:
    """The ``context`` block of cdk.json (feature flags): what the CLI would pass."""
    data = json.loads((REPO_ROOT / "cdk.json").read_text(encoding="utf-8"))
    return dict(data.get("context", {}))


def build_app(
    context: Mapping[str, Any] | None = None,
    *,
    region: str | None = None,
    account: str | None = None,
    outdir: str | None = None,
    environ: Mapping[str, str] | None = None,
    with_nag: bool = True,
) -> App:
    """The Pellicule app with one stack; the region is checked before anything is built.

    ``region`` wins over the context's ``region`` and ``environ``'s CDK_DEFAULT_REGION.
    ``account`` None gives an environment-agnostic stack (synth without credentials).
    """
    # The region guard runs before the CDK builds anything.
    chosen = (
        topology.check_region(region) if region else resolve_region(context or {}, environ or {})
    )
    app = App(context=dict(context) if context is not None else None, outdir=outdir)
    config = load_config(app.node.try_get_context, region=chosen, account=account)
    add_stack(app, config)
    if with_nag:
        nag.attach_checks(app)
    return app


def add_stack(app: App, config: DeploymentConfig) -> PelliculeStack:
    """Add the stack of ``config`` to ``app`` (tests add two variants to one app), and with
    ``edge`` the two us-east-1 stacks around it (``infra/edge.py``)."""
    firewall: edge.EdgeFirewallStack | None = None
    if config.edge:
        firewall = edge.EdgeFirewallStack(
            app,
            constants.edge_stack_name(config.stage, config.region),
            stage=config.stage,
            region=config.region,
            env=Environment(account=config.account, region=edge.EDGE_REGION),
            description=f"Pellicule {config.stage} ({config.region}): CloudFront web ACL",
        )
        _tag(firewall, config)
        config = dataclasses.replace(config, web_acl_arn=firewall.web_acl_arn)
    stack = PelliculeStack(
        app,
        constants.stack_name(config.stage),
        config=config,
        env=Environment(account=config.account, region=config.region),
        description=f"Pellicule {config.stage}: private photo sharing for leisure centres",
        termination_protection=config.stage not in constants.DISPOSABLE_STAGES,
        cross_region_references=config.edge,
    )
    _tag(stack, config)
    if firewall is not None:
        alarms = edge.EdgeAlarmsStack(
            app,
            constants.edge_alarms_stack_name(config.stage, config.region),
            stage=config.stage,
            region=config.region,
            distribution_id=stack.distribution_id,
            alarm_email=config.alarm_email,
            env=Environment(account=config.account, region=edge.EDGE_REGION),
            description=f"Pellicule {config.stage} ({config.region}): CloudFront 5xx alarm",
        )
        _tag(alarms, config)
    return stack


def _tag(stack: Stack, config: DeploymentConfig) -> None:
    Tags.of(stack).add("project", "pellicule")
    Tags.of(stack).add("stage", config.stage)
