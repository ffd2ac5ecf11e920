#!/usr/bin/env python3
"""make deploy-check: what a first deploy would meet, proven offline for every EU region.

For each EU region (``topology.EU_REGIONS``), with the longest stage allowed
(``infra.config.MAX_STAGE_LENGTH`` characters, a retained, non-disposable stage):

1. the preflight of scripts/deploy.sh (names, production settings, concurrency settings);
2. the infrastructure test suite, whose main stack is synthesized with that stage in that
   region (PELLICULE_INFRA_STAGE / PELLICULE_INFRA_REGION): CDK assertions, cdk-nag
   AwsSolutions, cfn-lint for the region, and the project's own rules over the template
   (tests/infra/test_deploy_rules.py: every name computed and within its limit, nothing
   plainly retained, every log group's retention, reserved concurrency, alarms);

then one synth through the pinned CDK CLI and app.py (the path ``make deploy`` takes) in the
region with the tightest names. Nothing contacts AWS. Takes minutes: one synth per region.

Usage: scripts/deploy_check.py [--region R ...] [--no-cli-synth]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
for path in (ROOT, ROOT / "layers" / "core"):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

from infra import config, names  # noqa: E402
from pellicule.config import topology  # noqa: E402

PYTHON = str(ROOT / ".venv" / "bin" / "python")
CDK = str(ROOT / "node_modules" / ".bin" / "cdk")
# Context of a complete production-like deployment (the checks that need them pass).
FULL_CONTEXT = ("-c", "mailDomain=example.fr", "-c", "alarmEmail=ops@example.fr")


def longest_stage() -> str:
    """A realistic stage of exactly MAX_STAGE_LENGTH characters, not a disposable one."""
    stage = "check-longest-stage-name-for-every-region"[: config.MAX_STAGE_LENGTH].rstrip("-")
    stage = stage + "x" * (config.MAX_STAGE_LENGTH - len(stage))
    assert names.STAGE_PATTERN.fullmatch(stage)
    return stage


def run(step: str, command: list[str], env: dict[str, str] | None = None) -> bool:
    started = time.monotonic()
    print(f"deploy-check: {step}: {' '.join(command)}", flush=True)
    result = subprocess.run(command, cwd=ROOT, env=env, check=False)  # noqa: S603 - our own tools
    elapsed = time.monotonic() - started
    verdict = "ok" if result.returncode == 0 else f"FAILED (exit {result.returncode})"
    print(f"deploy-check: {step}: {verdict} in {elapsed:.0f} s", flush=True)
    return result.returncode == 0


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="scripts/deploy_check.py", description=__doc__)
    parser.add_argument("--region", action="append", choices=sorted(topology.EU_REGIONS))
    parser.add_argument("--no-cli-synth", action="store_true")
    args = parser.parse_args(argv)
    regions = args.region or sorted(topology.EU_REGIONS)
    stage = longest_stage()
    print(f"deploy-check: stage {stage!r} ({len(stage)} characters, the maximum)")
    for region in sorted(topology.EU_REGIONS):
        print(f"  {region}: longest stage allowed {names.longest_stage(region)}")
    failed: list[str] = []
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CDK_", "AWS_"))}
    env["AWS_EC2_METADATA_DISABLED"] = "true"  # never look for credentials
    for region in regions:
        preflight = [PYTHON, "scripts/preflight.py", "check", "--stage", stage]
        if not run(f"{region} preflight", [*preflight, "--region", region, "--", *FULL_CONTEXT]):
            failed.append(f"{region} preflight")
        tests = [PYTHON, "-m", "pytest", "tests/infra", "-q", "-p", "no:cacheprovider", "-x"]
        region_env = {**env, "PELLICULE_INFRA_STAGE": stage, "PELLICULE_INFRA_REGION": region}
        if not run(f"{region} infra tests", tests, region_env):
            failed.append(f"{region} infra tests")
    if not args.no_cli_synth:
        tightest = min(topology.EU_REGIONS, key=names.longest_stage)
        keys = [PYTHON, "scripts/keys.py", "ensure", "--stage", stage]
        # The check's own key pair is removed afterwards, unless it was there before.
        made_keys = not (ROOT / ".keys" / stage).exists()
        with tempfile.TemporaryDirectory(prefix="deploy-check-") as outdir:
            synth = [CDK, "synth", "--quiet", "--output", outdir, "-c", f"stage={stage}"]
            synth += ["-c", f"region={tightest}", *FULL_CONTEXT]
            cli_env = {**env, "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20"}
            synthesized = run("signing keys", keys, env) and run(
                f"{tightest} CLI synth", synth, cli_env
            )
            if not synthesized:
                failed.append(f"{tightest} CLI synth")
        if made_keys:
            shutil.rmtree(ROOT / ".keys" / stage, ignore_errors=True)
    if failed:
        print(f"deploy-check: FAILED: {', '.join(failed)}", file=sys.stderr)
        return 1
    print(f"deploy-check: every check passed in {', '.join(regions)} with stage {stage!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
