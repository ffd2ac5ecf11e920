#!/usr/bin/env python3
"""CloudFront media-signing key pairs of a stage.

    keys.py ensure --stage dev                 # a key pair exists under .keys/dev/ (no AWS)
    keys.py ensure --stage prod --upload       # ... and its private key is in Secrets Manager
    keys.py rotate --stage prod --upload       # new key pair; the previous one stays trusted

Layout: ``.keys/<stage>/private/<stamp>.pem`` (mode 600) and
``.keys/<stage>/public/<stamp>.pem`` where ``<stamp>`` is the UTC creation time, so the newest
key sorts last. The CDK app puts every public key in the CloudFront key group and gives
functions the newest key's id; ``--upload`` stores the newest private key PEM as the
SecretString of ``pellicule/<stage>/cloudfront-signing-key``.
"""

from __future__ import annotations

import argparse
import os
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "layers" / "core"))

from pellicule import topology  # noqa: E402 - after the path set-up above

KEY_BITS = 2048
KEEP_PUBLIC_KEYS = 2  # after a rotation: the new key and the previous one


class KeysError(RuntimeError):
    """A problem the operator has to fix (message printed as is)."""


def stage_dir(keys_root: Path, stage: str) -> Path:
    return keys_root / stage


def key_pairs(directory: Path) -> list[str]:
    """Stamps with both halves present, oldest first."""
    private = {p.stem for p in (directory / "private").glob("*.pem")}
    public = {p.stem for p in (directory / "public").glob("*.pem")}
    return sorted(private & public)


def create_key_pair(directory: Path, now: datetime | None = None) -> str:
    """Write a new RSA-2048 key pair; returns its stamp."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
    private_dir, public_dir = directory / "private", directory / "public"
    for path in (directory, private_dir):
        path.mkdir(parents=True, exist_ok=True)
        path.chmod(0o700)
    public_dir.mkdir(parents=True, exist_ok=True)
    key = rsa.generate_private_key(public_exponent=65537, key_size=KEY_BITS)
    private_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    public_pem = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    private_path = private_dir / f"{stamp}.pem"
    if private_path.exists():
        raise KeysError(f"{private_path} already exists; wait a second and retry")
    descriptor = os.open(private_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(private_pem)
    (public_dir / f"{stamp}.pem").write_bytes(public_pem)
    return stamp


def retire_old_keys(directory: Path, keep: int) -> list[str]:
    """Move all but the newest ``keep`` pairs to ``retired/`` (out of the key group)."""
    stamps = key_pairs(directory)
    retired = stamps[:-keep] if keep > 0 else stamps
    for stamp in retired:
        for half in ("private", "public"):
            target = directory / "retired" / half
            target.mkdir(parents=True, exist_ok=True)
            (directory / half / f"{stamp}.pem").rename(target / f"{stamp}.pem")
    return retired


def newest_private_key(directory: Path) -> tuple[str, str]:
    stamps = key_pairs(directory)
    if not stamps:
        raise KeysError(f"no key pair under {directory}; run: keys.py ensure")
    stamp = stamps[-1]
    return stamp, (directory / "private" / f"{stamp}.pem").read_text(encoding="ascii")


def upload(directory: Path, stage: str, region: str) -> str:
    """Store the newest private key as the signing secret (create or new version)."""
    import boto3
    from botocore.exceptions import BotoCoreError, ClientError

    stamp, pem = newest_private_key(directory)
    # The secret's name depends on the stage only (the account is not part of it).
    name = topology.Names(stage, account="-", region=region).signing_key_secret
    try:
        return _store(boto3.client("secretsmanager", region_name=region), name, stamp, pem, stage)
    except (BotoCoreError, ClientError) as error:
        raise KeysError(f"could not store the signing key in Secrets Manager: {error}") from error


def _store(client: Any, name: str, stamp: str, pem: str, stage: str) -> str:
    from botocore.exceptions import ClientError

    try:
        current = client.get_secret_value(SecretId=name)["SecretString"]
    except ClientError as error:
        if error.response["Error"]["Code"] != "ResourceNotFoundException":
            raise
        client.create_secret(
            Name=name,
            Description=f"Pellicule {stage}: private key signing CloudFront media URLs",
            SecretString=pem,
        )
        return f"created secret {name} with key {stamp}"
    if current == pem:
        return f"secret {name} already holds key {stamp}"
    client.put_secret_value(SecretId=name, SecretString=pem)
    return f"updated secret {name} to key {stamp}"


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="keys.py",
        description="Manage the CloudFront key pairs that sign Pellicule media URLs.",
        epilog=(
            "Private keys never enter a CloudFormation template: --upload puts the newest one "
            "in Secrets Manager (needs AWS credentials); the CDK app reads public/*.pem."
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
