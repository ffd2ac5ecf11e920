#!/usr/bin/env python3
"""What scripts/deploy.sh checks before and around ``cdk deploy``.

Usage: scripts/preflight.py COMMAND --stage STAGE --region REGION [-- CDK_CONTEXT_ARGS...]

Offline (no AWS call, no CDK import):
  check              the region (EU only), the stage (characters, length), every resource
                     name's length in that region, production settings (mailDomain and
                     alarmEmail) and the reserved concurrency; prints a summary.
  regions            the regions the deployment uses, one per line: the EU region, and
                     us-east-1 with -c edge=true (the web ACL and CloudFront alarm stacks);
                     each must be bootstrapped.
  stacks             the stacks deployed, one per line, in deployment order.

With AWS credentials (boto3):
  bootstrap-status   prints "ok", "missing" or "outdated": the CDK bootstrap stack CDKToolkit
                     of the region and its BootstrapVersion output (at least
                     MIN_BOOTSTRAP_VERSION, what the synthesized template's CheckBootstrapVersion
                     rule requires); refuses while CDKToolkit is failed or busy.
  before-deploy      the account's Lambda concurrency can afford the reservations; the stack
                     is not busy; after a failed first create (ROLLBACK_COMPLETE) turns the
                     stack's termination protection off so that "cdk deploy" can delete the
                     empty stack and create it again (it turns protection back on itself).

CDK_CONTEXT_ARGS are the "-c key=value" options given to deploy.sh. Exit status 2 with a message
on stderr when something must be fixed first.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
for path in (ROOT, ROOT / "layers" / "core"):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

from infra import config as deployment  # noqa: E402
from infra import constants, names  # noqa: E402
from pellicule.config import topology  # noqa: E402

TOOLKIT_STACK = "CDKToolkit"  # the CDK's default bootstrap stack (qualifier hnb659fds)
# The bootstrap version the synthesized templates require (their CheckBootstrapVersion rule
# refuses 1-5; tests/infra/test_deploy_rules.py reads it from the template).
MIN_BOOTSTRAP_VERSION = 6
RUNBOOK = "docs/runbooks.md, 'A first deploy failed'"
BUSY = "_IN_PROGRESS"


class Refusal(Exception):
    """Something the operator must fix before deploying."""


def parse_context(args: Sequence[str]) -> dict[str, Any]:
    """The ``-c key=value`` / ``--context key=value`` / ``--context=key=value`` options."""
    context: dict[str, Any] = {}
    items = list(args)
    index = 0
    while index < len(items):
        item = items[index]
        value: str | None = None
        if item in ("-c", "--context") and index + 1 < len(items):
            value = items[index + 1]
            index += 1
        elif item.startswith("--context="):
            value = item.removeprefix("--context=")
        index += 1
        if value is None:
            continue
        key, sep, text = value.partition("=")
        if not sep:
            raise Refusal(f"context option {value!r}: expected key=value")
        context[key] = text
    return context


def deployment_config(stage: str, region: str, args: Sequence[str]) -> deployment.DeploymentConfig:
    cdk_json = json.loads((ROOT / "cdk.json").read_text(encoding="utf-8"))
    context = {**cdk_json.get("context", {}), **parse_context(args)}
    context.update({deployment.CTX_STAGE: stage, deployment.CTX_REGION: region})
    try:
        topology.check_region(region)
        return deployment.load_config(context.get, region=region, account=None)
    except (topology.RegionNotAllowedError, deployment.ConfigError) as error:
        raise Refusal(str(error)) from None


def regions(stage: str, region: str, args: Sequence[str]) -> str:
    loaded = deployment_config(stage, region, args)
    used = [loaded.region] + ([constants.EDGE_REGION] if loaded.edge else [])
    return "\n".join(used)


def stacks(stage: str, region: str, args: Sequence[str]) -> str:
    loaded = deployment_config(stage, region, args)
    main = constants.stack_name(loaded.stage)
    if not loaded.edge:
        return main
    return "\n".join(
        (
            constants.edge_stack_name(loaded.stage, loaded.region),
            main,
            constants.edge_alarms_stack_name(loaded.stage, loaded.region),
        )
    )


def check(stage: str, region: str, args: Sequence[str]) -> str:
    loaded = deployment_config(stage, region, args)
    every = names.physical_names(loaded.stage, loaded.region)
    tightest = min(every, key=lambda name: -name.excess)
    reserved = ", ".join(f"{k} {v}" for k, v in loaded.reserved_concurrency.items()) or "none"
    return (
        f"preflight: stage {loaded.stage} in {loaded.region}: {len(every)} resource names fit "
        f"(closest to its limit: {tightest.kind}, {len(tightest.name)}/{tightest.limit}); "
        f"reserved concurrency: {reserved} (needs a regional quota of at least "
        f"{deployment.required_account_concurrency(loaded)} concurrent executions)"
    )


# --- With credentials ----------------------------------------------------------------------------


def bootstrap_status(cloudformation: Any) -> str:
    """ "ok", "missing" or "outdated" for the region's CDKToolkit stack."""
    from botocore.exceptions import ClientError

    try:
        [stack] = cloudformation.describe_stacks(StackName=TOOLKIT_STACK)["Stacks"]
    except ClientError as error:
        if "does not exist" in str(error):
            return "missing"
        raise
    status = stack["StackStatus"]
    if status.endswith(BUSY):
        raise Refusal(f"the CDK bootstrap stack {TOOLKIT_STACK} is busy ({status}); try again")
    if status in ("ROLLBACK_COMPLETE", "ROLLBACK_FAILED", "DELETE_FAILED"):
        raise Refusal(
            f"the CDK bootstrap stack {TOOLKIT_STACK} is in {status}: delete it "
            f"(aws cloudformation delete-stack --stack-name {TOOLKIT_STACK}) and deploy again; "
            f"see {RUNBOOK}"
        )
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}
    version = outputs.get("BootstrapVersion", "0")
    return "ok" if int(version) >= MIN_BOOTSTRAP_VERSION else "outdated"


def check_concurrency(
    lambda_client: Any, loaded: deployment.DeploymentConfig, function_name: Callable[[str], str]
) -> str:
    """Refuse reservations that would leave the account fewer than 10 unreserved executions."""
    from botocore.exceptions import ClientError

    limits = lambda_client.get_account_settings()["AccountLimit"]
    quota = int(limits["ConcurrentExecutions"])
    unreserved = int(limits["UnreservedConcurrentExecutions"])
    # What our functions reserve today comes back to the pool when their reservation changes.
    current = 0
    for name in loaded.reserved_concurrency:
        try:
            answer = lambda_client.get_function_concurrency(FunctionName=function_name(name))
        except ClientError as error:
            if "ResourceNotFound" in str(error):
                continue
            raise
        current += int(answer.get("ReservedConcurrentExecutions") or 0)
    wanted = sum(loaded.reserved_concurrency.values())
    left = unreserved + current - wanted
    if left >= deployment.MIN_UNRESERVED_CONCURRENCY:
        return f"concurrency: quota {quota}, {left} left unreserved after the reservations"
    raise Refusal(
        f"the account's Lambda concurrency in {loaded.region} cannot take the reservations "
        f"({wanted}: {dict(loaded.reserved_concurrency)}): the quota is {quota}, "
        f"{unreserved + current} are free to reserve and Lambda keeps at least "
        f"{deployment.MIN_UNRESERVED_CONCURRENCY} unreserved. Ask Service Quotas for more "
        '"Concurrent executions" (1,000 is the usual default), or deploy with smaller values, '
        "e.g. -c videoReservedConcurrency=0 -c photoReservedConcurrency=0 (no reservation: "
        "a burst of videos may then slow the API down)."
    )


def check_stack(cloudformation: Any, stack_name: str) -> str:
    """Refuse a busy stack; make a failed first create retryable."""
    from botocore.exceptions import ClientError

    try:
        [stack] = cloudformation.describe_stacks(StackName=stack_name)["Stacks"]
    except ClientError as error:
        if "does not exist" in str(error):
            return f"stack {stack_name}: new"
        raise
    status = stack["StackStatus"]
    if status.endswith(BUSY):
        raise Refusal(f"stack {stack_name} is busy ({status}): wait until it settles")
    if status == "ROLLBACK_FAILED":
        raise Refusal(
            f"stack {stack_name} is in ROLLBACK_FAILED: its first creation failed and some "
            f"resources could not be deleted; clean up by hand first ({RUNBOOK})"
        )
    if status == "ROLLBACK_COMPLETE":
        # Nothing is left in it (every resource created by the failed operation was deleted:
        # RetainExceptOnCreate); the CDK deletes it before creating it again, which termination
        # protection (set by the CDK before the first execution) would prevent.
        if stack.get("EnableTerminationProtection"):
            cloudformation.update_termination_protection(
                StackName=stack_name, EnableTerminationProtection=False
            )
            return (
                f"stack {stack_name}: its first creation failed (ROLLBACK_COMPLETE, empty); "
                "termination protection turned off so that the CDK can delete and recreate it "
                "(it is turned on again by this deployment)"
            )
        return f"stack {stack_name}: its first creation failed (ROLLBACK_COMPLETE); recreated"
    return f"stack {stack_name}: {status}"


def before_deploy(stage: str, region: str, args: Sequence[str]) -> str:
    import boto3

    loaded = deployment_config(stage, region, args)
    session = boto3.session.Session(region_name=region)
    naming = topology.Names(loaded.stage, "-", loaded.region)
    lines = [
        check_concurrency(session.client("lambda"), loaded, naming.function),
        check_stack(session.client("cloudformation"), naming.prefix),
    ]
    return "\n".join(f"preflight: {line}" for line in lines)


def run(argv: Sequence[str]) -> str:
    parser = argparse.ArgumentParser(
        prog="scripts/preflight.py",
        description=(__doc__ or "").split("\n\n")[0],
        usage=(
            "%(prog)s {check,regions,stacks,bootstrap-status,before-deploy} "
            "--stage S --region R [-- ...]"
        ),
    )
    parser.add_argument(
        "command", choices=["check", "regions", "stacks", "bootstrap-status", "before-deploy"]
    )
    parser.add_argument("--stage", default=deployment.DEFAULT_STAGE)
    parser.add_argument("--region", default=topology.DEFAULT_REGION)
    items = list(argv)
    split = items.index("--") if "--" in items else len(items)
    args = parser.parse_args(items[:split])
    context = items[split + 1 :]
    if args.command == "check":
        return check(args.stage, args.region, context)
    if args.command == "regions":
        return regions(args.stage, args.region, context)
    if args.command == "stacks":
        return stacks(args.stage, args.region, context)
    if args.command == "bootstrap-status":
        import boto3

        return bootstrap_status(boto3.client("cloudformation", region_name=args.region))
    return before_deploy(args.stage, args.region, context)


def main() -> int:
    try:
        print(run(sys.argv[1:]))
    except Refusal as refusal:
        print(f"deploy.sh: refusing to deploy: {refusal}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
