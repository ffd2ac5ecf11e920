"""Create the stack's resources in moto, with the names and settings of
``pellicule.config.topology``.

The CDK app reads the same module, so what the handlers meet locally (bucket versioning,
lifecycle rules, CORS, the ingest notifications, each ingest pipeline's queue and its redrive
policy, the table's keys, index, TTL and stream, a CloudFront distribution to invalidate) is
what they meet in AWS. Nothing here
names or tunes a resource on its own: every value comes from topology or from the caller
(origins and key material, which only exist at run time).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pellicule.config import topology

ClientFactory = Callable[[str], Any]


@dataclass(frozen=True)
class PipelineQueues:
    """The queue and DLQ of one ingest pipeline (``topology.INGEST_PIPELINES``)."""

    pipeline: topology.IngestPipeline
    queue_url: str
    queue_arn: str
    dlq_url: str
    dlq_arn: str


@dataclass(frozen=True)
class WorkQueues:
    """A queue (+ DLQ) a function consumes that no bucket notifies (the album archives)."""

    function: str
    spec: topology.QueueSpec
    queue_url: str
    queue_arn: str
    dlq_url: str
    dlq_arn: str


@dataclass(frozen=True)
class Provisioned:
    """What was created that only exists at run time: the queues of every ingest pipeline, by
    kind (the ``queue_*``/``dlq_*`` attributes are the photo pipeline's), the table's stream
    ARN, the CloudFront distribution's id (``PELLICULE_DISTRIBUTION_ID``) and the value of
    the origin header CloudFront adds to ``/api/*`` requests (the local gateway adds it)."""

    pipelines: dict[str, PipelineQueues]
    stream_arn: str = ""
    # The album archives' queue and DLQ (``topology.ARCHIVE_QUEUE``, drained into ``archive``).
    archive: WorkQueues | None = None
    distribution_id: str = ""
    origin_header: str = ""

    def __getitem__(self, kind: str) -> PipelineQueues:
        return self.pipelines[kind]

    @property
    def queue_url(self) -> str:
        return self.pipelines["photo"].queue_url

    @property
    def queue_arn(self) -> str:
        return self.pipelines["photo"].queue_arn

    @property
    def dlq_url(self) -> str:
        return self.pipelines["photo"].dlq_url

    @property
    def dlq_arn(self) -> str:
        return self.pipelines["photo"].dlq_arn


def notification_id(pipeline: topology.IngestPipeline) -> str:
    return f"ingest-{pipeline.kind}-to-queue"


def bucket_name(names: topology.Names, spec: topology.BucketSpec) -> str:
    name: str = getattr(names, f"{spec.purpose}_bucket")
    return name


def lifecycle_rule(spec: topology.BucketSpec) -> dict[str, Any] | None:
    """The bucket's one lifecycle rule (``None`` when it has none)."""
    rule: dict[str, Any] = {"ID": f"{spec.purpose}-lifecycle", "Filter": {}, "Status": "Enabled"}
    if spec.expiration_days is not None and spec.expired_object_delete_marker:
        raise ValueError("S3 cannot expire current versions and delete markers in one rule")
    if spec.expiration_days is not None:
        rule["Expiration"] = {"Days": spec.expiration_days}
    if spec.expired_object_delete_marker:
        rule["Expiration"] = {"ExpiredObjectDeleteMarker": True}
    if spec.noncurrent_expiration_days is not None:
        rule["NoncurrentVersionExpiration"] = {"NoncurrentDays": spec.noncurrent_expiration_days}
    if spec.abort_multipart_days is not None:
        rule["AbortIncompleteMultipartUpload"] = {"DaysAfterInitiation": spec.abort_multipart_days}
    return rule if len(rule) > 3 else None


def create_bucket(
    s3: Any, names: topology.Names, spec: topology.BucketSpec, *, app_origin: str
) -> str:
    bucket = bucket_name(names, spec)
    s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": names.region})
    s3.put_public_access_block(
        Bucket=bucket,
        PublicAccessBlockConfiguration={
            "BlockPublicAcls": True,
            "IgnorePublicAcls": True,
            "BlockPublicPolicy": True,
            "RestrictPublicBuckets": True,
        },
    )
    s3.put_bucket_ownership_controls(
        Bucket=bucket, OwnershipControls={"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}
    )
    s3.put_bucket_encryption(
        Bucket=bucket,
        ServerSideEncryptionConfiguration={
            "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]
        },
    )
    # No TLS-only bucket policy here: moto enforces it and the local endpoint is plain HTTP.
    if spec.versioned:
        s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    lifecycle = lifecycle_rule(spec)
    if lifecycle is not None:
        s3.put_bucket_lifecycle_configuration(
            Bucket=bucket, LifecycleConfiguration={"Rules": [lifecycle]}
        )
    if spec.cors_methods:
        cors: dict[str, Any] = {
            "AllowedOrigins": [app_origin],
            "AllowedMethods": list(spec.cors_methods),
            "MaxAgeSeconds": spec.cors_max_age_seconds,
        }
        if spec.cors_allowed_headers:
            cors["AllowedHeaders"] = list(spec.cors_allowed_headers)
        if spec.cors_exposed_headers:
            cors["ExposeHeaders"] = list(spec.cors_exposed_headers)
        s3.put_bucket_cors(Bucket=bucket, CORSConfiguration={"CORSRules": [cors]})
    return bucket


def _queue_arn(sqs: Any, url: str) -> str:
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])
    return str(attributes["Attributes"]["QueueArn"])


def _queue_pair(
    sqs: Any, name: str, dlq_name: str, spec: topology.QueueSpec
) -> tuple[str, str, str, str]:
    """A queue and its DLQ with ``spec``'s settings: (url, arn, dlq url, dlq arn)."""
    dlq_url = sqs.create_queue(
        QueueName=dlq_name,
        Attributes={
            "MessageRetentionPeriod": str(spec.dlq_retention_seconds),
            "SqsManagedSseEnabled": "true",
        },
    )["QueueUrl"]
    dlq_arn = _queue_arn(sqs, dlq_url)
    queue_url = sqs.create_queue(
        QueueName=name,
        Attributes={
            "VisibilityTimeout": str(spec.visibility_timeout_seconds),
            "MessageRetentionPeriod": str(spec.retention_seconds),
            "SqsManagedSseEnabled": "true",
            "RedrivePolicy": json.dumps(
                {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": spec.max_receive_count}
            ),
        },
    )["QueueUrl"]
    return queue_url, _queue_arn(sqs, queue_url), dlq_url, dlq_arn


def create_archive_queues(sqs: Any, names: topology.Names) -> WorkQueues:
    url, arn, dlq_url, dlq_arn = _queue_pair(
        sqs, names.archive_queue, names.archive_dlq, topology.ARCHIVE_QUEUE
    )
    return WorkQueues(topology.ARCHIVE_FUNCTION, topology.ARCHIVE_QUEUE, url, arn, dlq_url, dlq_arn)


def create_pipeline_queues(
    sqs: Any, names: topology.Names, pipeline: topology.IngestPipeline
) -> PipelineQueues:
    spec = pipeline.queue
    dlq_url = sqs.create_queue(
        QueueName=names.ingest_dlq_for(pipeline.kind),
        Attributes={
            "MessageRetentionPeriod": str(spec.dlq_retention_seconds),
            "SqsManagedSseEnabled": "true",
        },
    )["QueueUrl"]
    dlq_arn = _queue_arn(sqs, dlq_url)
    queue_url = sqs.create_queue(
        QueueName=names.ingest_queue_for(pipeline.kind),
        Attributes={
            "VisibilityTimeout": str(spec.visibility_timeout_seconds),
            "MessageRetentionPeriod": str(spec.retention_seconds),
            "SqsManagedSseEnabled": "true",
            "RedrivePolicy": json.dumps(
                {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": spec.max_receive_count}
            ),
        },
    )["QueueUrl"]
    return PipelineQueues(
        pipeline=pipeline,
        queue_url=queue_url,
        queue_arn=_queue_arn(sqs, queue_url),
        dlq_url=dlq_url,
        dlq_arn=dlq_arn,
    )


def create_queues(sqs: Any, names: topology.Names) -> Provisioned:
    """A queue and its DLQ per ingest pipeline."""
    return Provisioned(
        {
            pipeline.kind: create_pipeline_queues(sqs, names, pipeline)
            for pipeline in topology.INGEST_PIPELINES
        }
    )


def connect_notifications(s3: Any, sqs: Any, names: topology.Names, queues: Provisioned) -> None:
    """Object-created events under each pipeline's prefix -> that pipeline's queue.

    The pipelines' prefixes lie under the ``notify_prefix`` of the bucket they come from
    (the ingest bucket's ``ingest/``); no other bucket notifies anything.
    """
    for spec in topology.BUCKETS:
        if spec.notify_prefix is None:
            continue
        bucket = bucket_name(names, spec)
        configurations = []
        for pipeline_queues in queues.pipelines.values():
            pipeline = pipeline_queues.pipeline
            if not pipeline.prefix.startswith(spec.notify_prefix):
                continue
            policy = {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Sid": f"AllowS3From{spec.purpose.capitalize()}",
                        "Effect": "Allow",
                        "Principal": {"Service": "s3.amazonaws.com"},
                        "Action": "sqs:SendMessage",
                        "Resource": pipeline_queues.queue_arn,
                        "Condition": {"ArnEquals": {"aws:SourceArn": f"arn:aws:s3:::{bucket}"}},
                    }
                ],
            }
            sqs.set_queue_attributes(
                QueueUrl=pipeline_queues.queue_url, Attributes={"Policy": json.dumps(policy)}
            )
            configurations.append(
                {
                    "Id": notification_id(pipeline),
                    "QueueArn": pipeline_queues.queue_arn,
                    "Events": ["s3:ObjectCreated:*"],
                    "Filter": {
                        "Key": {"FilterRules": [{"Name": "prefix", "Value": pipeline.prefix}]}
                    },
                }
            )
        s3.put_bucket_notification_configuration(
            Bucket=bucket, NotificationConfiguration={"QueueConfigurations": configurations}
        )


def create_table(dynamodb: Any, names: topology.Names) -> str:
    """The table with its keys, index, stream, TTL and PITR; returns the stream's ARN."""
    spec = topology.TABLE
    attributes = {spec.partition_key, spec.sort_key}
    for index in spec.indexes:
        attributes.update({index.partition_key, index.sort_key})
    created = dynamodb.create_table(
        TableName=names.table,
        AttributeDefinitions=[
            {"AttributeName": name, "AttributeType": "S"} for name in sorted(attributes)
        ],
        KeySchema=[
            {"AttributeName": spec.partition_key, "KeyType": "HASH"},
            {"AttributeName": spec.sort_key, "KeyType": "RANGE"},
        ],
        GlobalSecondaryIndexes=[
            {
                "IndexName": index.name,
                "KeySchema": [
                    {"AttributeName": index.partition_key, "KeyType": "HASH"},
                    {"AttributeName": index.sort_key, "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "ALL"},
            }
            for index in spec.indexes
        ],
        BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": spec.stream_view},
        SSESpecification={"Enabled": True},
    )
    dynamodb.update_time_to_live(
        TableName=names.table,
        TimeToLiveSpecification={"Enabled": True, "AttributeName": spec.ttl_attribute},
    )
    dynamodb.update_continuous_backups(
        TableName=names.table,
        PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True},
    )
    return str(created["TableDescription"]["LatestStreamArn"])


MEDIA_ORIGIN_ID = "media"


def create_distribution(cloudfront: Any, names: topology.Names) -> str:
    """A CloudFront distribution in front of the media bucket; returns its id.

    Only its id matters locally: functions create invalidations on it through the CloudFront
    API, as in AWS, and the gateway's edge cache applies them. The gateway itself stands for
    the distribution's behaviours (``infra/cdn.py``); this one carries no more than CloudFront
    requires.
    """
    config = {
        "CallerReference": f"{names.prefix}-{uuid.uuid4().hex}",
        "Comment": f"Pellicule {names.stage} (local runtime)",
        "Enabled": True,
        "Origins": {
            "Quantity": 1,
            "Items": [
                {
                    "Id": MEDIA_ORIGIN_ID,
                    "DomainName": f"{names.media_bucket}.s3.{names.region}.amazonaws.com",
                    "S3OriginConfig": {"OriginAccessIdentity": ""},
                }
            ],
        },
        "DefaultCacheBehavior": {
            "TargetOriginId": MEDIA_ORIGIN_ID,
            "ViewerProtocolPolicy": "redirect-to-https",
            "MinTTL": 0,
            "ForwardedValues": {"QueryString": False, "Cookies": {"Forward": "none"}},
            "TrustedSigners": {"Enabled": False, "Quantity": 0},
        },
    }
    created = cloudfront.create_distribution(DistributionConfig=config)
    return str(created["Distribution"]["Id"])


def provision(
    client: ClientFactory,
    names: topology.Names,
    *,
    app_origin: str,
    public_url: str,
    mail_from: str,
    signing_key_pem: str,
    origin_secret: str | None = None,
) -> Provisioned:
    """Create every resource; ``client(service)`` returns a boto3 client bound to moto.

    ``origin_secret``: the origin-header secret's string (``{"current": ...}``); by default a
    fresh value, as ``scripts/keys.py --upload`` writes it before a deployment."""
    from pellicule.adapters import origin

    s3 = client("s3")
    sqs = client("sqs")
    for spec in topology.BUCKETS:
        create_bucket(s3, names, spec, app_origin=app_origin)
    queues = create_queues(sqs, names)
    archive = create_archive_queues(sqs, names)
    connect_notifications(s3, sqs, names, queues)
    stream_arn = create_table(client("dynamodb"), names)
    client("ses").verify_email_identity(EmailAddress=mail_from)
    client("secretsmanager").create_secret(
        Name=names.signing_key_secret,
        Description="CloudFront signing key (PKCS#8 PEM) of the local runtime",
        SecretString=signing_key_pem,
    )
    origin_secret = origin_secret or origin.rotated(None)
    client("secretsmanager").create_secret(
        Name=names.origin_header_secret,
        Description="Values of the origin header CloudFront adds to /api/* (local runtime)",
        SecretString=origin_secret,
    )
    client("ssm").put_parameter(
        Name=names.public_url_parameter, Value=public_url, Type="String", Overwrite=True
    )
    distribution_id = create_distribution(client("cloudfront"), names)
    return Provisioned(
        queues.pipelines,
        archive=archive,
        stream_arn=stream_arn,
        distribution_id=distribution_id,
        origin_header=origin.parse(origin_secret)[0],
    )
