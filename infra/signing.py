"""Media signing keys: the CloudFront key group and the private key's secret.

Public keys are PEM files in ``.keys/<stage>/public/`` (``scripts/keys.py`` writes them, one
per rotation, named by creation time so that the newest sorts last). Every file becomes a
CloudFront public key in the key group, so URLs signed with the previous key keep working
during a rotation; functions sign with the newest one (``key_pair_id``).

The secret origin header rotates with these keys: ``scripts/keys.py --upload`` writes, for the
newest key, a version of the origin-header secret (``topology.origin_secret_version``) whose
``current`` is a fresh value and ``previous`` the one before; CloudFront's ``/api/*`` origin
sends that version's ``current`` through a CloudFormation dynamic reference (resolved at
deploy, never written in the template), and the API functions accept both values
(``pellicule.adapters.origin``). docs/delivery.md, "The API answers only through CloudFront".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from aws_cdk import SecretValue
from aws_cdk import aws_cloudfront as cloudfront
from aws_cdk import aws_iam as iam
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from infra import constants
from infra import names as physical
from pellicule.config import topology

PEM_HEADER = "-----BEGIN PUBLIC KEY-----"


class SigningKeyError(ValueError):
    """The public key directory is missing, empty or holds something else than public keys."""


@dataclass(frozen=True)
class PublicKeyFile:
    stem: str  # creation time, e.g. 20250131T101500Z
    pem: str


def read_public_keys(directory: Path, *, stage: str) -> list[PublicKeyFile]:
    """Public keys of ``directory``, oldest first; raises with the command that fixes it."""
    files = sorted(directory.glob("*.pem")) if directory.is_dir() else []
    if not files:
        raise SigningKeyError(
            f"No CloudFront public key in {directory}. Create one with: "
            f".venv/bin/python scripts/keys.py ensure --stage {stage}"
        )
    if len(files) > constants.MAX_PUBLIC_KEYS_PER_GROUP:
        raise SigningKeyError(
            f"{len(files)} public keys in {directory}: a CloudFront key group holds at most "
            f"{constants.MAX_PUBLIC_KEYS_PER_GROUP}; move the oldest ones out"
        )
    keys = []
    for path in files:
        pem = path.read_text(encoding="ascii").strip() + "\n"
        if not pem.startswith(PEM_HEADER):
            raise SigningKeyError(f"{path} is not a PEM public key ({PEM_HEADER})")
        keys.append(PublicKeyFile(stem=re.sub(r"[^A-Za-z0-9_-]", "-", path.stem), pem=pem))
    return keys


class SigningKeys(Construct):
    """CloudFront public keys + key group; the private key is a Secrets Manager secret."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        names: topology.Names,
        keys: list[PublicKeyFile],
    ) -> None:
        super().__init__(scope, construct_id)
        # CloudFront key and key-group names are global to the account: add the region.
        base = physical.cloudfront_base(names)
        public_keys = [
            cloudfront.PublicKey(
                self,
                f"PublicKey-{key.stem}",
                public_key_name=f"{base}-{key.stem}",
                encoded_key=key.pem,
                comment=f"Pellicule {names.stage} media signing key {key.stem}",
            )
            for key in keys
        ]
        self.key_group = cloudfront.KeyGroup(
            self,
            "KeyGroup",
            key_group_name=f"{base}-media",
            items=public_keys,
            comment=f"Keys that sign Pellicule {names.stage} media URLs",
        )
        # Functions sign with the newest key; older ones stay trusted until removed.
        self.key_pair_id: str = public_keys[-1].public_key_id
        # Created by scripts/keys.py --upload (deploy.sh), never by CloudFormation: the
        # private key must not pass through a template.
        self.private_key = secretsmanager.Secret.from_secret_name_v2(
            self, "PrivateKey", names.signing_key_secret
        )
        # Created and rotated by the same script, with the same key stamp: a rotation changes
        # the version pinned here, so CloudFormation resolves the new value at that deploy.
        self.origin_secret = secretsmanager.Secret.from_secret_name_v2(
            self, "OriginHeader", names.origin_header_secret
        )
        self.origin_secret_version = topology.origin_secret_version(keys[-1].stem)
        self.origin_header_value: str = SecretValue.secrets_manager(
            names.origin_header_secret,
            json_field="current",
            version_id=self.origin_secret_version,
        ).unsafe_unwrap()  # a {{resolve:secretsmanager:...}} reference, not the value

    def grant_sign(self, grantee: iam.IGrantable) -> None:
        """Let ``grantee`` read the private key."""
        self.private_key.grant_read(grantee)

    def grant_check_origin(self, grantee: iam.IGrantable) -> None:
        """Let ``grantee`` (an API function) read the origin header's values: the value only
        (``GetSecretValue``), not the secret's description or versions."""
        iam.Grant.add_to_principal(
            grantee=grantee,
            actions=["secretsmanager:GetSecretValue"],
            # A secret's ARN ends with six random characters (imported by name, it is unknown).
            resource_arns=[f"{self.origin_secret.secret_arn}-??????"],
        )
