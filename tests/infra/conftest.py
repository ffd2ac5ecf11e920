"""One in-process synth per test session, shared by every infrastructure test.

The app holds two variants of the stack so that one synth covers both configurations:

- ``main``: stage ``prod`` in Paris, no custom domain (public URL from SSM), two signing keys
  (a rotation in progress), an alarm e-mail; data is retained. ``make deploy-check``
  (scripts/deploy_check.py) runs the suite again with another stage and region for it:
  PELLICULE_INFRA_STAGE and PELLICULE_INFRA_REGION.
- ``variant``: stage ``dev`` in Milan (no CloudFront standard logs there), custom domain +
  certificate, geo allow-list, WAF web ACL, SES domain; data is disposable.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from infra.config import DeploymentConfig
from tests.infra.support import (
    ACCOUNT,
    CERTIFICATE_ARN,
    DOMAIN,
    ENV_REGION,
    ENV_STAGE,
    KEY_STAMPS,
    WEB_ACL_ARN,
    Synth,
    Variant,
)


def write_public_keys(directory: Path, stamps: tuple[str, ...]) -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    directory.mkdir(parents=True)
    for stamp in stamps:
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        pem = key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        (directory / f"{stamp}.pem").write_bytes(pem)


def _configs(keys_dir: Path) -> tuple[DeploymentConfig, DeploymentConfig]:
    main = DeploymentConfig(
        stage=os.environ.get(ENV_STAGE) or "prod",
        region=os.environ.get(ENV_REGION) or "eu-west-3",
        account=ACCOUNT,
        alarm_email="ops@example.fr",
        public_keys_dir=keys_dir,
    )
    variant = DeploymentConfig(
        stage="dev",
        region="eu-south-1",
        account=ACCOUNT,
        domain_name=DOMAIN,
        certificate_arn=CERTIFICATE_ARN,
        geo_allow=("BE", "FR", "LU"),
        mail_domain="example.fr",
        web_acl_arn=WEB_ACL_ARN,
        public_keys_dir=keys_dir,
    )
    return main, variant


def _acknowledgments(app: Any) -> list[tuple[str, str, str]]:
    from aws_cdk import Validations

    key = Validations.ACKNOWLEDGED_RULES_METADATA_KEY
    found: list[tuple[str, str, str]] = []
    for construct in app.node.find_all():
        for entry in construct.node.metadata:
            if entry.type == key:
                found.extend(
                    (construct.node.path, rule, reason) for rule, reason in entry.data.items()
                )
    return found


@pytest.fixture(scope="session")
def synth(tmp_path_factory: pytest.TempPathFactory) -> Synth:
    os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
    from aws_cdk import App
    from aws_cdk.assertions import Template

    from infra import constants, nag
    from infra.app import add_stack, cdk_json_context

    base = tmp_path_factory.mktemp("infra")
    keys_dir = base / "keys"
    write_public_keys(keys_dir, KEY_STAMPS)
    outdir = base / "cdk.out"

    # Asset metadata (as the CLI records it) lets the tests open each function's asset.
    context = {**cdk_json_context(), "aws:cdk:enable-asset-metadata": True}
    app = App(context=context, outdir=str(outdir))
    configs = _configs(keys_dir)
    for config in configs:
        add_stack(app, config)
    nag.attach_checks(app)
    app.synth()  # raises if cdk-nag reports an unacknowledged finding

    variants = []
    for config in configs:
        name = constants.stack_name(config.stage)
        path = outdir / f"{name}.template.json"
        data = json.loads(path.read_text(encoding="utf-8"))
        variants.append(Variant(config, name, Template.from_json(data), data, path))
    return Synth(outdir, variants[0], variants[1], app, _acknowledgments(app))


@pytest.fixture(scope="session")
def main(synth: Synth) -> Variant:
    return synth.main


@pytest.fixture(scope="session")
def variant(synth: Synth) -> Variant:
    return synth.variant
