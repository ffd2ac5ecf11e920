"""Contract: every environment variable a function's code reads is set by the template.

The variables are found in the code (tests/support/code_reach.py: a call graph from each
handler over its package and the core layer), never listed here: a new ``os.environ.get("X")``
reachable from a handler fails these tests until the template sets ``X`` for that function.

What counts as "read by function F":

- a raw read (``os.environ...``, ``os.getenv``) anywhere in the code reachable from F's handler;
- every *required* setting of ``get_settings()`` (it raises on the first call without them), for
  every F that reaches it;
- an *optional* setting's variable, for the F whose code uses that field (``archive_queue``:
  only the functions that queue album archives).

Then each variable must refer to the right resource of the same template (the table, the
buckets by what they do, the photo queue by who consumes it, the key group's key...).
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from pellicule.config import topology
from tests.infra.support import Variant, logical_id, names
from tests.support import code_reach

pytestmark = pytest.mark.infra

FUNCTION_NAMES = sorted(topology.FUNCTIONS)

# Set by the Lambda runtime itself; reserved: a template may not set them
# (https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html#configuration-envvars-runtime).
LAMBDA_RUNTIME_VARIABLES = frozenset(
    {
        "_HANDLER",
        "_X_AMZN_TRACE_ID",
        "AWS_DEFAULT_REGION",
        "AWS_REGION",
        "AWS_EXECUTION_ENV",
        "AWS_LAMBDA_FUNCTION_NAME",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
        "AWS_LAMBDA_FUNCTION_VERSION",
        "AWS_LAMBDA_INITIALIZATION_TYPE",
        "AWS_LAMBDA_LOG_GROUP_NAME",
        "AWS_LAMBDA_LOG_STREAM_NAME",
        "AWS_ACCESS_KEY",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_LAMBDA_RUNTIME_API",
        "LAMBDA_TASK_ROOT",
        "LAMBDA_RUNTIME_DIR",
        "TZ",
    }
)
# Variables the code only looks at to leave an operator's override alone; unset is the normal
# case (the code then does the default itself).
OPERATOR_OVERRIDES = {
    "PILLOW_BLOCK_SIZE": "Pillow's own allocator tuning: unset, imaging.py sets the block size",
    "PILLOW_BLOCKS_MAX": "Pillow's own allocator tuning: unset, imaging.py sets the block count",
}


def functions(variant: Variant) -> dict[str, dict[str, Any]]:
    """Function name -> its template properties."""
    return {
        name: variant.resources[
            logical_id(variant, "AWS::Lambda::Function", FunctionName=names(variant).function(name))
        ]["Properties"]
        for name in FUNCTION_NAMES
    }


def variables(variant: Variant, name: str) -> dict[str, Any]:
    return dict(functions(variant)[name].get("Environment", {}).get("Variables", {}))


@pytest.fixture(scope="module")
def needed() -> dict[str, dict[str, str]]:
    """Function -> the variables its code needs -> why."""
    return {name: code_reach.variables_read(name) for name in FUNCTION_NAMES}


def test_the_analysis_finds_the_settings_and_the_handlers_reads(
    needed: dict[str, dict[str, str]],
) -> None:
    # Sanity of the code analysis itself (what it must at least see).
    fields = code_reach.settings_fields()
    assert fields["table"].variables == (topology.ENV_TABLE,)
    assert fields["table"].required
    assert not fields["archive_queue"].required
    assert "distribution_id" not in fields  # no function invalidates the CDN any more
    for name in FUNCTION_NAMES:
        assert code_reach.SETTINGS_FACTORY in code_reach.reachable(name), name
        assert topology.ENV_TABLE in needed[name], name
    queuing = {n for n in FUNCTION_NAMES if "archive_queue" in code_reach.settings_used(n)}
    assert "family" in queuing  # POST /api/family/albums/<id>/archive


@pytest.mark.parametrize("which", ["main", "variant"])
@pytest.mark.parametrize("name", FUNCTION_NAMES)
def test_every_variable_the_code_reads_is_set_for_that_function(
    request: pytest.FixtureRequest, needed: dict[str, dict[str, str]], which: str, name: str
) -> None:
    variant: Variant = request.getfixturevalue(which)
    given = variables(variant, name)
    required = {
        v for spec in code_reach.settings_fields().values() if spec.required for v in spec.variables
    }
    missing = {
        variable: why
        for variable, why in needed[name].items()
        if variable not in given
        and variable not in LAMBDA_RUNTIME_VARIABLES
        and variable not in OPERATOR_OVERRIDES
    }
    assert not missing, f"{name} reads variables its template does not set: {missing}"
    empty = sorted(v for v in required if given.get(v) in ("", None))
    assert not empty, f"{name}: get_settings() raises without {empty}"
    # Lambda refuses a function whose configuration sets a reserved variable.
    assert not set(given) & LAMBDA_RUNTIME_VARIABLES


@pytest.mark.parametrize("which", ["main", "variant"])
def test_a_variable_given_to_some_functions_only_is_given_to_those_that_read_it(
    request: pytest.FixtureRequest, needed: dict[str, dict[str, str]], which: str
) -> None:
    variant: Variant = request.getfixturevalue(which)
    given = {name: variables(variant, name) for name in FUNCTION_NAMES}
    every = set(FUNCTION_NAMES)
    for variable in {v for found in given.values() for v in found}:
        holders = {name for name in FUNCTION_NAMES if variable in given[name]}
        readers = {name for name in FUNCTION_NAMES if variable in needed[name]}
        # Any variable the template sets is read by the code of some function ...
        assert readers, f"{variable} is set but no function's code reads it"
        # ... and one narrowed to some functions is narrowed to exactly its readers.
        if holders != every:
            assert holders == readers, (variable, sorted(holders), sorted(readers))


def test_operator_overrides_are_still_read() -> None:
    read = {r.variable for name in FUNCTION_NAMES for r in code_reach.raw_reads(name)}
    assert set(OPERATOR_OVERRIDES) <= read


# --- Each variable refers to the right resource -------------------------------------------------


def _props(variant: Variant, key: str) -> dict[str, Any]:
    return dict(variant.resources[key]["Properties"])


def _distribution(variant: Variant) -> tuple[str, dict[str, Any]]:
    key, resource = variant.one("AWS::CloudFront::Distribution")
    return key, resource["Properties"]["DistributionConfig"]


def _origin_bucket(variant: Variant, behaviour: dict[str, Any]) -> str:
    """Logical id of the bucket behind a CloudFront behaviour."""
    _, config = _distribution(variant)
    [origin] = [o for o in config["Origins"] if o["Id"] == behaviour["TargetOriginId"]]
    bucket, attribute = origin["DomainName"]["Fn::GetAtt"]
    assert attribute == "RegionalDomainName"
    return str(bucket)


def _signed_behaviours(variant: Variant) -> list[dict[str, Any]]:
    _, config = _distribution(variant)
    return [b for b in config.get("CacheBehaviors", []) if b.get("TrustedKeyGroups")]


def _bucket_roles(variant: Variant) -> dict[str, str]:
    """What each bucket does in the template (by what refers to it), logical id -> role."""
    buckets = variant.of_type("AWS::S3::Bucket")
    roles: dict[str, str] = {}
    _, config = _distribution(variant)
    [media] = {_origin_bucket(variant, b) for b in _signed_behaviours(variant)}
    roles[media] = "media"
    origins = {_origin_bucket(variant, config["DefaultCacheBehavior"])}
    for key, bucket in buckets.items():
        queues = (
            bucket["Properties"].get("NotificationConfiguration", {}).get("QueueConfigurations")
        )
        if queues:
            roles[key] = "ingest"
        destination = (
            bucket["Properties"].get("LoggingConfiguration", {}).get("DestinationBucketName")
        )
        if destination:
            roles.setdefault(destination["Ref"], "logs")
    for key in origins:
        roles.setdefault(key, "web")
    # What is left is private to the functions: the consent evidence.
    rest = [key for key in buckets if key not in roles]
    assert len(rest) == 1, rest
    roles[rest[0]] = "evidence"
    return roles


def _bucket_name(variant: Variant, role: str) -> str:
    [key] = [k for k, r in _bucket_roles(variant).items() if r == role]
    return str(_props(variant, key)["BucketName"])


def _photo_queue_name(variant: Variant) -> str:
    """The queue consumed by the function whose handler processes photos (the upload function
    asks it to re-render through this queue)."""
    process = logical_id(
        variant, "AWS::Lambda::Function", Handler="functions.process.handler.handler"
    )
    [queue] = [
        m["Properties"]["EventSourceArn"]["Fn::GetAtt"][0]
        for m in variant.of_type("AWS::Lambda::EventSourceMapping").values()
        if m["Properties"]["FunctionName"] == {"Ref": process}
    ]
    return str(_props(variant, queue)["QueueName"])


def _secret_names(variant: Variant, name: str) -> set[str]:
    """Secrets the function's role may read (``arn:...:secret:<name>-??????``)."""
    function = logical_id(
        variant, "AWS::Lambda::Function", FunctionName=names(variant).function(name)
    )
    role = variant.resources[function]["Properties"]["Role"]["Fn::GetAtt"][0]
    found = set()
    for policy in variant.of_type("AWS::IAM::Policy").values():
        if {"Ref": role} not in policy["Properties"]["Roles"]:
            continue
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
            actions = (
                statement["Action"]
                if isinstance(statement["Action"], list)
                else [statement["Action"]]
            )
            if "secretsmanager:GetSecretValue" in actions:
                arn = json.dumps(statement["Resource"])
                found.add(arn.split(":secret:")[1].rsplit("-??????", 1)[0])
    return found


def expected_references(variant: Variant) -> dict[str, Any]:
    """Variable -> the value that refers to the right resource of this template."""
    table_key, _ = variant.one("AWS::DynamoDB::Table")
    distribution_key, config = _distribution(variant)
    [group] = {json.dumps(b["TrustedKeyGroups"]) for b in _signed_behaviours(variant)}
    [group_ref] = json.loads(group)
    key_ids = _props(variant, group_ref["Ref"])["KeyGroupConfig"]["Items"]
    return {
        topology.ENV_TABLE: _props(variant, table_key)["TableName"],
        topology.ENV_INGEST_BUCKET: _bucket_name(variant, "ingest"),
        topology.ENV_MEDIA_BUCKET: _bucket_name(variant, "media"),
        topology.ENV_EVIDENCE_BUCKET: _bucket_name(variant, "evidence"),
        topology.ENV_PHOTO_QUEUE: _photo_queue_name(variant),
        topology.ENV_DISTRIBUTION_ID: {"Ref": distribution_key},
        topology.ENV_KEY_PAIR_ID: key_ids,  # one of them
        "aliases": config.get("Aliases", []),
    }


@pytest.mark.parametrize("which", ["main", "variant"])
@pytest.mark.parametrize("name", FUNCTION_NAMES)
def test_each_variable_refers_to_the_right_resource(
    request: pytest.FixtureRequest, needed: dict[str, dict[str, str]], which: str, name: str
) -> None:
    variant: Variant = request.getfixturevalue(which)
    given = variables(variant, name)
    expected = expected_references(variant)
    for variable in (
        topology.ENV_TABLE,
        topology.ENV_INGEST_BUCKET,
        topology.ENV_MEDIA_BUCKET,
        topology.ENV_EVIDENCE_BUCKET,
        topology.ENV_PHOTO_QUEUE,
        topology.ENV_DISTRIBUTION_ID,
    ):
        if variable in given:
            assert given[variable] == expected[variable], (name, variable)
    if topology.ENV_KEY_PAIR_ID in needed[name]:
        # The key the function signs with is one the signed behaviour trusts.
        assert given[topology.ENV_KEY_PAIR_ID] in expected[topology.ENV_KEY_PAIR_ID], name
    # The secrets the role may read are exactly the ones its code uses (settings fields).
    used = code_reach.settings_used(name)
    told = {
        given[variable]
        for field, variable in (
            ("signing_key_secret", topology.ENV_SIGNING_KEY_SECRET),
            ("origin_secret", topology.ENV_ORIGIN_SECRET),
        )
        if field in used and variable in given
    }
    assert _secret_names(variant, name) == told, name
    if topology.ENV_PUBLIC_URL in needed[name]:
        _check_public_url(variant, given, expected["aliases"])
    if topology.ENV_MAIL_FROM in needed[name] and given.get(topology.ENV_MAIL_FROM):
        # The sender is an address of the stack's SES identity.
        _, identity = variant.one("AWS::SES::EmailIdentity")
        domain = given[topology.ENV_MAIL_FROM].rpartition("@")[2]
        assert domain == identity["Properties"]["EmailIdentity"], name


def _check_public_url(variant: Variant, given: dict[str, Any], aliases: list[str]) -> None:
    url = given.get(topology.ENV_PUBLIC_URL, "")
    if url:  # a custom domain: one of the distribution's names
        assert url in [f"https://{alias}" for alias in aliases], url
        return
    # Otherwise the SSM parameter the function reads holds the distribution's own domain.
    distribution_key, _ = _distribution(variant)
    [parameter] = [
        p["Properties"]
        for p in variant.of_type("AWS::SSM::Parameter").values()
        if p["Properties"]["Name"] == given[topology.ENV_PUBLIC_URL_PARAMETER]
    ]
    assert parameter["Value"] == {
        "Fn::Join": ["", ["https://", {"Fn::GetAtt": [distribution_key, "DomainName"]}]]
    }


def test_signing_functions_are_granted_the_secret_they_are_told(main: Variant) -> None:
    signing = [n for n in FUNCTION_NAMES if "signing_key_secret" in code_reach.settings_used(n)]
    assert signing  # gallery, family: media URLs
    for name in signing:
        assert variables(main, name)[topology.ENV_SIGNING_KEY_SECRET] in _secret_names(main, name)
