#!/usr/bin/env python3
"""CloudFront media-signing key pairs of a stage.

    keys.py ensure --stage dev                 # a key pair exists under .keys/dev/ (no AWS)
    keys.py ensure --stage prod --upload       # ... and its private key is in Secrets Manager
    keys.py rotate --stage prod --upload       # new key pair; the previous one stays trusted

A thin wrapper over ``pellicule_ops.keys`` (layout, rotation, upload), which the operator's
``pellicule key rotate`` uses as well. Layout: ``.keys/<stage>/private/<stamp>.pem`` (mode 600)
and ``.keys/<stage>/public/<stamp>.pem`` where ``<stamp>`` is the UTC creation time, so the
newest key sorts last. The CDK app puts every public key in the CloudFront key group and gives
functions the newest key's id; ``--upload`` stores the newest private key PEM as the
SecretString of ``pellicule/<stage>/cloudfront-signing-key`` and, for that key, a version of
``pellicule/<stage>/origin-header``: the secret header CloudFront adds to ``/api/*`` requests
rotates with the key (a fresh value, the previous one still accepted; docs/delivery.md).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "layers" / "core"))
sys.path.insert(0, str(ROOT / "ops"))

# After the path set-up above; the key functions are re-exported (tests use keys.<name>).
from pellicule.config import topology  # noqa: E402
from pellicule_ops.keys import (  # noqa: E402
    KEEP_PUBLIC_KEYS,
    KEY_BITS,
    KeysError,
    create_key_pair,
    key_pairs,
    newest_private_key,
    retire_old_keys,
    stage_dir,
    upload,
)

__all__ = [
    "KEEP_PUBLIC_KEYS",
    "KEY_BITS",
    "KeysError",
    "create_key_pair",
    "key_pairs",
    "main",
    "newest_private_key",
    "parse_args",
    "retire_old_keys",
    "run",
    "stage_dir",
    "upload",
]


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="keys.py",
        description="Manage the CloudFront key pairs that sign Pellicule media URLs.",
        epilog=(
            "Private keys never enter a CloudFormation template: --upload puts the newest one "
            "in Secrets Manager (needs AWS credentials), with the origin header's version for "
            "it; the CDK app reads public/*.pem. "
            "Operators can also run: pellicule --stage S key rotate."
        ),
    )
    commands = parser.add_subparsers(dest="command", required=True)
    for name, help_text in (
        ("ensure", "create a key pair if the stage has none"),
        ("rotate", f"create a new key pair, keep the previous one ({KEEP_PUBLIC_KEYS} in all)"),
    ):
        command = commands.add_parser(name, help=help_text, description=help_text)
        command.add_argument("--stage", required=True, help="deployment stage, e.g. dev, prod")
        command.add_argument(
            "--region",
            default=os.environ.get("AWS_REGION") or topology.DEFAULT_REGION,
            help=f"EU region of the secret (default: $AWS_REGION or {topology.DEFAULT_REGION})",
        )
        command.add_argument(
            "--upload", action="store_true", help="store the newest private key in Secrets Manager"
        )
        command.add_argument(
            "--keys-dir",
            type=Path,
            default=ROOT / ".keys",
            help="root of the key directories (default: .keys/)",
        )
    return parser.parse_args(argv)


def run(args: argparse.Namespace) -> str:
    directory = stage_dir(args.keys_dir, args.stage)
    messages = []
    if args.command == "rotate" or not key_pairs(directory):
        stamp = create_key_pair(directory)
        messages.append(f"created key pair {stamp} under {directory}")
    else:
        messages.append(f"key pair {key_pairs(directory)[-1]} present under {directory}")
    if args.command == "rotate":
        retired = retire_old_keys(directory, KEEP_PUBLIC_KEYS)
        messages += [f"retired key pair {stamp}" for stamp in retired]
    if args.upload:
        region = topology.check_region(args.region)
        messages.append(upload(directory, args.stage, region))
    return "\n".join(messages)


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    try:
        print(run(args))
    except (KeysError, topology.RegionNotAllowedError) as error:
        print(f"keys.py: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
