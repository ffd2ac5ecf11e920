"""EU-only deployments: the guard in app.py / build_app, and the context parsing."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from infra import config
from pellicule.config import topology

pytestmark = pytest.mark.infra

ROOT = Path(__file__).resolve().parents[2]
NON_EU = ["us-east-1", "eu-west-2", "eu-central-2", "ap-southeast-1", "il-central-1"]


@pytest.mark.parametrize("region", NON_EU)
def test_non_eu_regions_are_refused_with_a_clear_message(region: str) -> None:
    with pytest.raises(topology.RegionNotAllowedError, match="outside the European Union"):
        config.resolve_region({"region": region}, {})


@pytest.mark.parametrize("region", sorted(topology.EU_REGIONS))
def test_eu_regions_are_accepted(region: str) -> None:
    assert config.resolve_region({}, {"CDK_DEFAULT_REGION": region}) == region


def test_region_precedence_context_then_cli_default_then_paris() -> None:
    assert (
        config.resolve_region({"region": "eu-west-1"}, {"CDK_DEFAULT_REGION": "eu-north-1"})
        == "eu-west-1"
    )
    assert config.resolve_region({}, {"CDK_DEFAULT_REGION": "eu-north-1"}) == "eu-north-1"
    assert config.resolve_region({}, {}) == topology.DEFAULT_REGION == "eu-west-3"
    # An explicit context region does not rescue a non-EU default, it replaces it.
    assert (
        config.resolve_region({"region": "eu-west-3"}, {"CDK_DEFAULT_REGION": "us-east-1"})
        == "eu-west-3"
    )
    with pytest.raises(topology.RegionNotAllowedError):
        config.resolve_region({}, {"CDK_DEFAULT_REGION": "us-east-1"})


@pytest.mark.parametrize("region", ["eu-west-2", "us-east-1"])
def test_build_app_refuses_before_building(synth: object, region: str) -> None:
    # (the session synth is requested only so the CDK is already loaded in this process)
    from infra.app import build_app

    with pytest.raises(topology.RegionNotAllowedError, match=region):
        build_app({}, region=region)
    with pytest.raises(topology.RegionNotAllowedError):
        build_app({"region": region})


def run_app(environ: dict[str, str]) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CDK_", "CONTEXT_OVERFLOW"))}
    env.update(environ)
    return subprocess.run(
        [sys.executable, "-X", "importtime", "app.py"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize(
    ("environ", "region"),
    [
        ({"CDK_DEFAULT_REGION": "us-east-1"}, "us-east-1"),
        ({"CDK_CONTEXT_JSON": json.dumps({"region": "eu-west-2"})}, "eu-west-2"),
        (
            {
                "CDK_CONTEXT_JSON": json.dumps({"region": "us-west-2"}),
                "CDK_DEFAULT_REGION": "eu-west-3",
            },
            "us-west-2",
        ),
    ],
)
def test_app_py_exits_non_zero_without_loading_the_cdk(
    environ: dict[str, str], region: str
) -> None:
    result = run_app(environ)
    assert result.returncode == 2
    messages = [line for line in result.stderr.splitlines() if not line.startswith("import time:")]
    assert messages == [
        f"pellicule: refusing to synthesize: Region {region!r} is outside the European Union. "
        "Pellicule stores children's images and may only be deployed in: "
        f"{', '.join(sorted(topology.EU_REGIONS))}."
    ]
    imported = [line for line in result.stderr.splitlines() if line.startswith("import time:")]
    assert imported, "importtime output expected"
    assert not any(" aws_cdk" in line or " jsii" in line for line in imported)
    assert not result.stdout


# --- Context parsing -----------------------------------------------------------------------------


def load(context: dict[str, object]) -> config.DeploymentConfig:
    return config.load_config(context.get, region="eu-west-3", account=None)


def test_defaults() -> None:
    loaded = load({})
    assert loaded.stage == "dev"
    assert loaded.public_url == ""
    assert loaded.mail_from == ""
    assert loaded.geo_allow == ()
    assert loaded.keys_dir == ROOT / ".keys" / "dev" / "public"


def test_geo_allow_from_cli_string_or_json_list() -> None:
    assert load({"geoAllow": "fr, be,LU"}).geo_allow == ("BE", "FR", "LU")
    assert load({"geoAllow": ["FR", "DE"]}).geo_allow == ("DE", "FR")
    with pytest.raises(config.ConfigError, match="ISO 3166"):
        load({"geoAllow": "FRA"})


def test_domain_needs_a_us_east_1_certificate() -> None:
    with pytest.raises(config.ConfigError, match="go together"):
        load({"domainName": "photos.example.fr"})
    with pytest.raises(config.ConfigError, match="us-east-1"):
        load(
            {
                "domainName": "photos.example.fr",
                "certificateArn": "arn:aws:acm:eu-west-3:111111111111:certificate/x",
            }
        )
    loaded = load(
        {
            "domainName": "photos.example.fr",
            "certificateArn": "arn:aws:acm:us-east-1:111111111111:certificate/x",
            "mailDomain": "example.fr",
        }
    )
    assert loaded.public_url == "https://photos.example.fr"
    assert loaded.mail_from == "no-reply@example.fr"


@pytest.mark.parametrize("stage", ["Prod", "a b", "local", "é", "x" * 21])
def test_bad_stages_are_refused(stage: str) -> None:
    with pytest.raises(config.ConfigError):
        load({"stage": stage})


def test_relative_keys_dir_is_relative_to_the_repository() -> None:
    assert load({"publicKeysDir": "x/keys"}).keys_dir == ROOT / "x" / "keys"


def test_cli_context_is_read_from_env_and_overflow_file(tmp_path: Path) -> None:
    overflow = tmp_path / "overflow.json"
    overflow.write_text(json.dumps({"stage": "prod"}), encoding="utf-8")
    context = config.read_cli_context(
        {
            "CDK_CONTEXT_JSON": json.dumps({"region": "eu-west-1"}),
            "CONTEXT_OVERFLOW_LOCATION_ENV": str(overflow),
        }
    )
    assert context == {"region": "eu-west-1", "stage": "prod"}


def test_cdk_json_runs_the_app_with_the_project_venv_in_eu_west_3() -> None:
    data = json.loads((ROOT / "cdk.json").read_text(encoding="utf-8"))
    assert data["app"] == ".venv/bin/python app.py"
    assert data["output"] == "cdk.out"
    assert data["context"]["region"] == "eu-west-3"
