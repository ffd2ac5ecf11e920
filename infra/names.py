"""Every fixed physical name of a stack, with the AWS limit on its length (no CDK import).

A bucket name over 63 characters makes the CDK raise a jsii traceback in the middle of the
synth; limits the CDK does not check would only fail in CloudFormation, minutes into a
deployment. So
:func:`check_names` runs before the synth (``infra.config.load_config``) and before any AWS call
(``scripts/deploy.sh`` through ``scripts/preflight.py``), and says which stage length fits.

The names repeat the patterns of ``pellicule.config.topology.Names`` and of the constructs in
``infra/`` (CloudFront names, alarms, rules...); ``tests/infra/test_deploy_rules.py`` checks
that every name in the synthesized templates is one of :func:`physical_names`, so a new named
resource cannot escape the check.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from pellicule.config import topology

# An AWS account id always has 12 digits: names are computed with it even when the synth is
# environment-agnostic (the account resolves at deploy time).
ACCOUNT_PLACEHOLDER = "123456789012"
# scripts/keys.py names key pairs by their UTC creation time: 20250131T101500Z.
KEY_STAMP_PLACEHOLDER = "20250131T101500Z"
# Stage names: a lower-case letter first, then lower-case letters and digits in groups joined
# by single dashes (a bucket name may not end with a dash; CloudFront names allow no dots).
STAGE_PATTERN = re.compile(r"[a-z][a-z0-9]*(?:-[a-z0-9]+)*")

# Lengths AWS allows (service quotas pages and CloudFormation resource references).
LIMIT_BUCKET = 63
LIMIT_TABLE = 255
LIMIT_QUEUE = 80
LIMIT_FUNCTION = 64
LIMIT_LOG_GROUP = 512
LIMIT_LAYER = 140
LIMIT_ALARM = 255
LIMIT_TOPIC = 256
LIMIT_TOPIC_DISPLAY_NAME = 100
LIMIT_RULE = 64
LIMIT_HTTP_API = 128
LIMIT_SSM_PARAMETER = 1011  # with the leading slash and the path
LIMIT_SECRET = 512
LIMIT_STACK = 128
LIMIT_CLOUDFRONT_FUNCTION = 64
LIMIT_CLOUDFRONT_OAC = 64
LIMIT_CLOUDFRONT_POLICY = 128  # response headers policy
LIMIT_CLOUDFRONT_KEY = 128  # public key and key group

# The alarms of infra/monitoring.py that are not per function: <prefix>-<suffix>.
STACK_ALARM_SUFFIXES = (
    "api-5xx",
    "cdn-5xx-rate",
    "ses-bounce-rate",
    "ses-complaint-rate",
)
FUNCTION_ALARM_KINDS = ("errors", "throttles")


@dataclass(frozen=True)
class PhysicalName:
    kind: str  # what it names, e.g. "S3 bucket (evidence)"
    name: str
    limit: int

    @property
    def excess(self) -> int:
        return len(self.name) - self.limit


def layer_names() -> tuple[str, ...]:
    from infra import bundling  # bundling imports infra.config, which imports this module

    return ("core", *bundling.LAYER_RECIPES)


def dlq_alarm_name(names: topology.Names, kind: str) -> str:
    """Alarm on the dead-letter queue of the ingest pipeline of ``kind``."""
    middle = "ingest" if kind == "photo" else f"ingest-{kind}"
    return f"{names.prefix}-{middle}-dlq-not-empty"


def archive_dlq_alarm_name(names: topology.Names) -> str:
    """Alarm on the dead-letter queue of the album archives."""
    return f"{names.archive_queue}-dlq-not-empty"


def revocation_name(names: topology.Names, suffix: str) -> str:
    """Names derived from the revocation function: its DLQ and alarms."""
    return f"{names.function(topology.REVOCATION_STREAM.function)}-{suffix}"


def audit_chain_name(names: topology.Names, suffix: str) -> str:
    """Names derived from the audit chainer function: its DLQ and alarms."""
    return f"{names.function(topology.AUDIT_CHAIN_STREAM.function)}-{suffix}"


def cloudfront_base(names: topology.Names) -> str:
    """CloudFront names are global to the account: they carry the region too."""
    return f"{names.prefix}-{names.region}"


def physical_names(
    stage: str,
    region: str,
    *,
    account: str = ACCOUNT_PLACEHOLDER,
    key_stamps: Iterable[str] = (KEY_STAMP_PLACEHOLDER,),
) -> list[PhysicalName]:
    """Every fixed name the stack of ``stage`` in ``region`` creates or refers to."""
    names = topology.Names(stage, account, region)
    found = [
        PhysicalName("CloudFormation stack", names.prefix, LIMIT_STACK),
        PhysicalName("DynamoDB table", names.table, LIMIT_TABLE),
        PhysicalName("SNS topic (alarms)", f"{names.prefix}-alarms", LIMIT_TOPIC),
        PhysicalName(
            "SNS topic display name", f"Pellicule {stage} alarms", LIMIT_TOPIC_DISPLAY_NAME
        ),
        PhysicalName("HTTP API", f"{names.prefix}-api", LIMIT_HTTP_API),
        PhysicalName("SSM parameter", names.public_url_parameter, LIMIT_SSM_PARAMETER),
        PhysicalName("Secrets Manager secret", names.signing_key_secret, LIMIT_SECRET),
        PhysicalName("Secrets Manager secret", names.origin_header_secret, LIMIT_SECRET),
    ]
    found += [
        PhysicalName(
            f"S3 bucket ({spec.purpose})", getattr(names, f"{spec.purpose}_bucket"), LIMIT_BUCKET
        )
        for spec in topology.BUCKETS
    ]
    for pipeline in topology.INGEST_PIPELINES:
        found += [
            PhysicalName("SQS queue", names.ingest_queue_for(pipeline.kind), LIMIT_QUEUE),
            PhysicalName("SQS queue", names.ingest_dlq_for(pipeline.kind), LIMIT_QUEUE),
            PhysicalName("CloudWatch alarm", dlq_alarm_name(names, pipeline.kind), LIMIT_ALARM),
        ]
    found += [
        PhysicalName("SQS queue", names.archive_queue, LIMIT_QUEUE),
        PhysicalName("SQS queue", names.archive_dlq, LIMIT_QUEUE),
        PhysicalName("CloudWatch alarm", archive_dlq_alarm_name(names), LIMIT_ALARM),
    ]
    found += [
        PhysicalName("SQS queue", revocation_name(names, "dlq"), LIMIT_QUEUE),
        PhysicalName("CloudWatch alarm", revocation_name(names, "dlq-not-empty"), LIMIT_ALARM),
        PhysicalName("CloudWatch alarm", revocation_name(names, "iterator-age"), LIMIT_ALARM),
        PhysicalName("SQS queue", audit_chain_name(names, "dlq"), LIMIT_QUEUE),
        PhysicalName("CloudWatch alarm", audit_chain_name(names, "dlq-not-empty"), LIMIT_ALARM),
        PhysicalName("CloudWatch alarm", audit_chain_name(names, "iterator-age"), LIMIT_ALARM),
    ]
    for function in topology.FUNCTIONS:
        function_name = names.function(function)
        found += [
            PhysicalName("Lambda function", function_name, LIMIT_FUNCTION),
            PhysicalName("log group", f"/aws/lambda/{function_name}", LIMIT_LOG_GROUP),
        ]
        found += [
            PhysicalName("CloudWatch alarm", f"{function_name}-{kind}", LIMIT_ALARM)
            for kind in FUNCTION_ALARM_KINDS
        ]
    found += [
        PhysicalName("CloudWatch alarm", f"{names.prefix}-{suffix}", LIMIT_ALARM)
        for suffix in STACK_ALARM_SUFFIXES
    ]
    found += [
        PhysicalName("Lambda layer", f"{names.prefix}-{layer}", LIMIT_LAYER)
        for layer in layer_names()
    ]
    found += [
        PhysicalName("EventBridge rule", f"{names.prefix}-{rule}", LIMIT_RULE)
        for rule in ("purge", "erasures", "digest")
    ]
    base = cloudfront_base(names)
    found += [
        PhysicalName(
            "CloudFront function", f"{base}-strip-media-prefix", LIMIT_CLOUDFRONT_FUNCTION
        ),
        PhysicalName("CloudFront origin access control", f"{base}-s3", LIMIT_CLOUDFRONT_OAC),
        PhysicalName(
            "CloudFront response headers policy",
            f"{base}-security-headers",
            LIMIT_CLOUDFRONT_POLICY,
        ),
        PhysicalName("CloudFront key group", f"{base}-media", LIMIT_CLOUDFRONT_KEY),
    ]
    found += [
        PhysicalName("CloudFront public key", f"{base}-{stamp}", LIMIT_CLOUDFRONT_KEY)
        for stamp in key_stamps
    ]
    return found


def too_long(stage: str, region: str) -> list[PhysicalName]:
    """The names of ``stage`` in ``region`` over their limit, the longest excess first."""
    over = [name for name in physical_names(stage, region) if name.excess > 0]
    return sorted(over, key=lambda name: -name.excess)


def longest_stage(region: str) -> int:
    """The longest stage whose every name fits in ``region``."""
    slack = min(-name.excess for name in physical_names("", region))
    return max(slack, 0)


def longest_stage_everywhere() -> int:
    """The longest stage whose every name fits in every EU region (the enforced maximum)."""
    return min(longest_stage(region) for region in topology.EU_REGIONS)


def check_names(stage: str, region: str) -> None:
    """Raise :class:`NameTooLongError` when a name of ``stage`` does not fit in ``region``."""
    over = too_long(stage, region)
    if not over:
        return
    worst = over[0]
    raise NameTooLongError(
        f"stage {stage!r} ({len(stage)} characters) is too long for {region}: the "
        f"{worst.kind} would be named {worst.name!r}, {len(worst.name)} characters where AWS "
        f"allows {worst.limit}. In {region} a stage may have at most {longest_stage(region)} "
        f"characters (in every EU region: {longest_stage_everywhere()})."
    )


class NameTooLongError(ValueError):
    """A physical name would exceed its AWS limit."""
