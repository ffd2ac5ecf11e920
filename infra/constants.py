"""Construct ids, output ids and the AWS-only settings of the stack.

Resource *names* and settings shared with the local runtime live in
:mod:`pellicule.config.topology`; this module only holds what exists in AWS alone.
"""

from __future__ import annotations

from pellicule.config import topology

# --- Stack ---------------------------------------------------------------------------------


def stack_name(stage: str) -> str:
    return f"pellicule-{stage}"


# Stages whose data may be thrown away with the stack (removal policy DESTROY, no deletion
# protection). Every other stage keeps its data when the stack or a resource is removed.
DISPOSABLE_STAGES = frozenset({"dev", "test", "ci"})

# --- Construct ids (changing one replaces the resource: keep them stable) -------------------

ID_STORAGE = "Storage"
ID_DATA = "Data"
ID_PROCESSING = "Processing"
ID_API = "Api"
ID_CDN = "Cdn"
ID_RETENTION = "Retention"
ID_MONITORING = "Monitoring"
ID_MAIL = "Mail"
ID_SIGNING = "SigningKeys"
ID_FUNCTIONS = "Functions"
ID_LAYERS = "Layers"
ID_REVOCATION = "Revocation"
ID_AUDIT_CHAIN = "AuditChain"
ID_NOTIFICATIONS = "Notifications"
ID_ARCHIVES = "Archives"

# --- Output ids (scripts and the operator read them; never rename) --------------------------

OUT_DISTRIBUTION_DOMAIN = "DistributionDomainName"
OUT_DISTRIBUTION_ID = "DistributionId"
OUT_PUBLIC_URL = "PublicUrl"
OUT_API_ENDPOINT = "ApiEndpoint"
OUT_TABLE = "TableName"
OUT_MEDIA_BUCKET = "MediaBucketName"
OUT_INGEST_BUCKET = "IngestBucketName"
OUT_WEB_BUCKET = "WebBucketName"
OUT_EVIDENCE_BUCKET = "EvidenceBucketName"
OUT_ALARM_TOPIC = "AlarmTopicArn"
OUT_KEY_PAIR_ID = "KeyPairId"

# --- Lambda --------------------------------------------------------------------------------

LOG_RETENTION_DAYS = 90  # function and API access logs (three months)

# --- API -----------------------------------------------------------------------------------

API_THROTTLE_RATE_PER_SECOND = 50
API_THROTTLE_BURST = 100

# --- CDN -----------------------------------------------------------------------------------

MAX_PUBLIC_KEYS_PER_GROUP = 5  # CloudFront quota: public keys in one key group
STRIP_MEDIA_FUNCTION_CODE = f"""\
// Media URLs are {topology.MEDIA_PATH}t/<tenant>/...; the media bucket keys are t/<tenant>/...
function handler(event) {{
  var request = event.request;
  if (request.uri.indexOf('{topology.MEDIA_PATH}') === 0) {{
    request.uri = request.uri.substring({len(topology.MEDIA_PATH) - 1});
  }}
  return request;
}}
"""
# Regions whose S3 buckets cannot receive CloudFront standard logs (AWS documentation,
# "Standard logging (access logs)"): the distribution does not log there.
CLOUDFRONT_LOGGING_UNSUPPORTED_REGIONS = frozenset({"eu-south-1", "eu-south-2", "eu-central-2"})
CLOUDFRONT_LOG_PREFIX = "cloudfront/"
S3_ACCESS_LOG_PREFIX = "s3/"

# --- Monitoring ----------------------------------------------------------------------------

ALARM_PERIOD_MINUTES = 5
API_5XX_THRESHOLD = 1  # 5xx answers of the HTTP API in one period
# SES reputation (fractions): AWS reviews an account at 5 % bounces or 0.1 % complaints.
SES_BOUNCE_RATE_THRESHOLD = 0.04
SES_COMPLAINT_RATE_THRESHOLD = 0.0008
SES_REPUTATION_PERIOD_MINUTES = 60
# Where CloudFront wants its web ACLs and publishes its metrics: the optional edge stacks.
EDGE_REGION = "us-east-1"


def edge_stack_name(stage: str, region: str) -> str:
    """The us-east-1 stack of the web ACL (the region in the name: a stage may run in two)."""
    return f"{stack_name(stage)}-{region}-edge"


def edge_alarms_stack_name(stage: str, region: str) -> str:
    """The us-east-1 stack of the CloudFront alarm, deployed after the stack."""
    return f"{stack_name(stage)}-{region}-edge-alarms"


# CloudFront (optional edge stacks, us-east-1): the distribution's 5xx error rate (percent of
# requests, average per period) above this in 2 of 3 periods.
CDN_5XX_RATE_THRESHOLD = 5.0
CDN_5XX_EVALUATION_PERIODS = 3
CDN_5XX_DATAPOINTS = 2
# Web ACL rate rules: requests per address (IP) within the window, then blocked.
WAF_RATE_WINDOW_SECONDS = 300
WAF_AUTH_RATE_LIMIT = 100  # /api/auth/*: sign-in links, codes, second factor
WAF_API_RATE_LIMIT = 3000  # /api/*: families behind one NAT share an address
# Revocation stream (topology.REVOCATION_STREAM): served copies must be gone within a minute,
# of which the edge's two cache tiers may take 40 s (topology.MEDIA_EDGE_TTL_SECONDS): the
# consumer's lag (IteratorAge, maximum per minute) alarms above the pipeline's allowance...
STREAM_ITERATOR_AGE_THRESHOLD_SECONDS = topology.REVOCATION_PIPELINE_ALLOWANCE_SECONDS
STREAM_ITERATOR_AGE_MINUTES = 5  # ...for this many consecutive minutes
STREAM_DLQ_RETENTION_DAYS = 14  # descriptions of stream batches that failed every retry
# Audit chainer (topology.AUDIT_CHAIN_STREAM): views are chained seconds after they are
# recorded; a lag above five minutes, for five minutes, means they no longer are (the daily
# purge still chains what waits, docs/audit.md).
AUDIT_CHAIN_ITERATOR_AGE_THRESHOLD_SECONDS = 300
AUDIT_CHAIN_ITERATOR_AGE_MINUTES = 5
