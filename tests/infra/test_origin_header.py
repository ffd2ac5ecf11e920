"""The API answers only through CloudFront: the secret origin header in the template.

CloudFront's ``/api/*`` origin carries ``topology.ORIGIN_HEADER`` as a dynamic reference to the
origin-header secret's version of the newest signing key (never a literal value); only the
functions behind an API route may read that secret; that origin is the only one reaching the
HTTP API.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from infra.nag import flatten_reference
from pellicule.config import topology
from tests.infra.support import ACCOUNT, KEY_STAMPS, Variant, names

pytestmark = pytest.mark.infra

API_FUNCTIONS = {route.function for route in topology.API_ROUTES}
DYNAMIC_REFERENCE = re.compile(
    r"^\{\{resolve:secretsmanager:([^:]+):SecretString:current::([^:}]+)\}\}$"
)


def _distribution(variant: Variant) -> dict[str, Any]:
    _, resource = variant.one("AWS::CloudFront::Distribution")
    return dict(resource["Properties"]["DistributionConfig"])


def _api_origin(variant: Variant) -> dict[str, Any]:
    config = _distribution(variant)
    [api] = [b for b in config["CacheBehaviors"] if b["PathPattern"] == "/api/*"]
    [found] = [o for o in config["Origins"] if o["Id"] == api["TargetOriginId"]]
    return dict(found)


def _header_value(variant: Variant) -> str:
    headers = {
        h["HeaderName"]: h["HeaderValue"] for h in _api_origin(variant)["OriginCustomHeaders"]
    }
    assert set(headers) == {topology.ORIGIN_HEADER}
    value = headers[topology.ORIGIN_HEADER]
    assert isinstance(value, str), value
    return value


@pytest.mark.parametrize("which", ["main", "variant"])
def test_the_api_origin_sends_the_header_as_a_reference_to_the_newest_keys_version(
    which: str, request: pytest.FixtureRequest
) -> None:
    variant: Variant = request.getfixturevalue(which)
    match = DYNAMIC_REFERENCE.match(_header_value(variant))
    assert match is not None, "the header must be a Secrets Manager dynamic reference"
    secret, version = match.groups()
    assert secret == names(variant).origin_header_secret
    # Pinned to the version the rotation wrote with the newest signing key: the template
    # changes with the key, so CloudFormation resolves the new value at that deployment.
    assert version == topology.origin_secret_version(KEY_STAMPS[-1])
    assert version != topology.origin_secret_version(KEY_STAMPS[0])


def test_no_value_of_the_header_is_in_the_template(main: Variant) -> None:
    text = main.template_path.read_text(encoding="utf-8")
    # The header appears once, in the origin, and only as the reference checked above.
    assert text.count(f'"{topology.ORIGIN_HEADER}"') == 1
    assert text.count(names(main).origin_header_secret + ":SecretString") == 1
    # CloudFormation neither creates nor generates it: scripts/keys.py does, outside.
    for resource in main.of_type("AWS::SecretsManager::Secret").values():
        assert resource["Properties"].get("Name") != names(main).origin_header_secret


def _function_roles(variant: Variant) -> dict[str, str]:
    """Role logical id -> function short name."""
    prefix = f"{names(variant).prefix}-"
    found = {}
    for resource in variant.of_type("AWS::Lambda::Function").values():
        properties = resource["Properties"]
        function_name = properties.get("FunctionName")
        if isinstance(function_name, str) and function_name.startswith(prefix):
            found[properties["Role"]["Fn::GetAtt"][0]] = function_name.removeprefix(prefix)
    return found


def _statements(policy: dict[str, Any]) -> list[dict[str, Any]]:
    statements = policy["Properties"]["PolicyDocument"]["Statement"]
    return statements if isinstance(statements, list) else [statements]


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _readers_of(variant: Variant, secret_name: str) -> set[str]:
    """Functions whose policy allows secretsmanager:GetSecretValue on ``secret_name``."""
    roles = _function_roles(variant)
    readers = set()
    for policy in variant.of_type("AWS::IAM::Policy").values():
        for statement in _statements(policy):
            actions = _as_list(statement["Action"])
            if statement["Effect"] != "Allow" or not any(
                a in ("secretsmanager:GetSecretValue", "secretsmanager:*", "*") for a in actions
            ):
                continue
            resources = json.dumps(statement["Resource"])
            if f"secret:{secret_name}-" not in resources and resources != '"*"':
                continue
            for role in policy["Properties"].get("Roles", []):
                readers.add(roles.get(role["Ref"], f"<not a function: {role['Ref']}>"))
    return readers


@pytest.mark.parametrize("which", ["main", "variant"])
def test_only_the_api_functions_may_read_the_secret(
    which: str, request: pytest.FixtureRequest
) -> None:
    variant: Variant = request.getfixturevalue(which)
    assert _readers_of(variant, names(variant).origin_header_secret) == API_FUNCTIONS
    # The value only, on that secret (its ARN ends with six random characters).
    arn = (
        f"arn:aws:secretsmanager:{variant.config.region}:{ACCOUNT}:secret:"
        f"{names(variant).origin_header_secret}-??????"
    )
    for policy in variant.of_type("AWS::IAM::Policy").values():
        for statement in _statements(policy):
            if "origin-header" in json.dumps(statement["Resource"]):
                assert statement["Action"] == "secretsmanager:GetSecretValue"
                assert flatten_reference(statement["Resource"]) == arn
    assert {"process", "video", "revocation", "purge"}.isdisjoint(API_FUNCTIONS)


def test_the_header_origin_is_the_only_way_cloudfront_reaches_the_api(main: Variant) -> None:
    api_key, _ = main.one("AWS::ApiGatewayV2::Api")
    config = _distribution(main)
    api_origin = _api_origin(main)
    reaching_api = [o for o in config["Origins"] if api_key in json.dumps(o["DomainName"])]
    assert reaching_api == [api_origin]
    assert not any(
        "execute-api" in json.dumps(o["DomainName"]) for o in config["Origins"] if o != api_origin
    )
    targets = [config["DefaultCacheBehavior"]["TargetOriginId"]] + [
        b["TargetOriginId"] for b in config["CacheBehaviors"] if b["PathPattern"] != "/api/*"
    ]
    assert api_origin["Id"] not in targets
    # HTTPS to the origin, so the header never travels in clear.
    assert api_origin["CustomOriginConfig"]["OriginProtocolPolicy"] == "https-only"
