"""Shared data of the infrastructure tests (the session synth lives in conftest.py)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from infra.config import DeploymentConfig
from pellicule.config import topology

ACCOUNT = "111111111111"
KEY_STAMPS = ("20250101T000000Z", "20250301T000000Z")  # the second is the newest
DOMAIN = "photos.example.fr"
CERTIFICATE_ARN = (
    f"arn:aws:acm:us-east-1:{ACCOUNT}:certificate/0f0e0d0c-aaaa-bbbb-cccc-123456789abc"
)
# The main variant's stage and region (make deploy-check sets them; prod in Paris otherwise).
ENV_STAGE = "PELLICULE_INFRA_STAGE"
ENV_REGION = "PELLICULE_INFRA_REGION"
WEB_ACL_ARN = f"arn:aws:wafv2:us-east-1:{ACCOUNT}:global/webacl/pellicule/0123-4567"


@dataclass(frozen=True)
class Variant:
    config: DeploymentConfig
    stack_name: str
    template: Any  # aws_cdk.assertions.Template
    json: dict[str, Any]
    template_path: Path

    @property
    def resources(self) -> dict[str, Any]:
        return dict(self.json["Resources"])

    def of_type(self, resource_type: str) -> dict[str, Any]:
        return {k: v for k, v in self.resources.items() if v["Type"] == resource_type}

    def one(self, resource_type: str) -> tuple[str, dict[str, Any]]:
        found = self.of_type(resource_type)
        assert len(found) == 1, f"expected one {resource_type}, found {list(found)}"
        return next(iter(found.items()))


@dataclass(frozen=True)
class Synth:
    outdir: Path
    main: Variant
    variant: Variant
    app: Any
    acknowledgments: list[tuple[str, str, str]]  # (construct path, rule id, reason)

    @property
    def variants(self) -> tuple[Variant, Variant]:
        return (self.main, self.variant)


def names(variant: Variant) -> topology.Names:
    config = variant.config
    return topology.Names(config.stage, ACCOUNT, config.region)


def logical_id(variant: Variant, resource_type: str, **properties: Any) -> str:
    """Logical id of the one resource of ``resource_type`` whose properties match."""
    found = [
        key
        for key, resource in variant.of_type(resource_type).items()
        if all(resource.get("Properties", {}).get(k) == v for k, v in properties.items())
    ]
    assert len(found) == 1, f"{resource_type} {properties}: found {found}"
    return found[0]


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _reset_product_caches() -> None:
    from pellicule.adapters import delivery, origin
    from pellicule.config import clock, settings
    from pellicule.store import models

    settings.reset_settings()
    delivery.reset_cache()
    origin.reset_cache()
    models.unbind()
    clock.reset()


@contextmanager
def moto_as_in_lambda(monkeypatch: pytest.MonkeyPatch, region: str) -> Iterator[pytest.MonkeyPatch]:
    """moto in process, seen as a function in ``region`` sees AWS: AWS's own endpoints (no
    local runtime's), fake credentials, the region; the product's cached settings, clients'
    tables, signing key, origin values and clock reset before and after. Yields the
    environment patch (the caller sets the function's variables on it)."""
    from moto import mock_aws

    with monkeypatch.context() as env:
        for variable in ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3", "AWS_PROFILE"):
            env.delenv(variable, raising=False)
        env.setenv("AWS_ACCESS_KEY_ID", "testing")
        env.setenv("AWS_SECRET_ACCESS_KEY", "testing")
        env.setenv("AWS_DEFAULT_REGION", region)
        env.setenv("AWS_REGION", region)
        _reset_product_caches()
        try:
            with mock_aws():
                yield env
        finally:
            _reset_product_caches()
