"""Create the stack's resources in moto, with the names and settings of ``pellicule.topology``.

The CDK app reads the same module, so what the handlers meet locally (bucket versioning,
lifecycle rules, CORS, the ingest notification, the queue's redrive policy, the table's keys,
index, TTL and stream) is what they meet in AWS. Nothing here names or tunes a resource on
its own: every value comes from topology or from the caller (origins and key material, which
only exist at run time).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pellicule import topology

ClientFactory = Callable[[str], Any]

NOTIFICATION_ID = "ingest-to-queue"


@dataclass(frozen=True)
class Provisioned:
    queue_url: str
    queue_arn: str
    dlq_url: str
    dlq_arn: str


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


def create_queues(sqs: Any, names: topology.Names) -> Provisioned:
    spec = topology.INGEST_QUEUE
    dlq_url = sqs.create_queue(
        QueueName=names.ingest_dlq,
        Attributes={
            "MessageRetentionPeriod": str(spec.dlq_retention_seconds),
            "SqsManagedSseEnabled": "true",
        },
    )["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    queue_url = sqs.create_queue(
        QueueName=names.ingest_queue,
        Attributes={
            "VisibilityTimeout": str(spec.visibility_timeout_seconds),
            "MessageRetentionPeriod": str(spec.retention_seconds),
            "SqsManagedSseEnabled": "true",
            "RedrivePolicy": json.dumps(
                {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": spec.max_receive_count}
            ),
        },
    )["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])[
        "Attributes"
    ]["QueueArn"]
    return Provisioned(queue_url=queue_url, queue_arn=queue_arn, dlq_url=dlq_url, dlq_arn=dlq_arn)


def connect_notifications(s3: Any, sqs: Any, names: topology.Names, queues: Provisioned) -> None:
    """Object-created events under each bucket's ``notify_prefix`` -> the ingest queue."""
    for spec in topology.BUCKETS:
        if spec.notify_prefix is None:
            continue
        bucket = bucket_name(names, spec)
        prefix_rule = {"Name": "prefix", "Value": spec.notify_prefix}
        policy = {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": f"AllowS3From{spec.purpose.capitalize()}",
                    "Effect": "Allow",
                    "Principal": {"Service": "s3.amazonaws.com"},
                    "Action": "sqs:SendMessage",
                    "Resource": queues.queue_arn,
                    "Condition": {"ArnEquals": {"aws:SourceArn": f"arn:aws:s3:::{bucket}"}},
                }
            ],
        }
        sqs.set_queue_attributes(
            QueueUrl=queues.queue_url, Attributes={"Policy": json.dumps(policy)}
        )
        s3.put_bucket_notification_configuration(
            Bucket=bucket,
            NotificationConfiguration={
                "QueueConfigurations": [
                    {
                        "Id": NOTIFICATION_ID,
                        "QueueArn": queues.queue_arn,
                        "Events": ["s3:ObjectCreated:*"],
                        "Filter": {"Key": {"FilterRules": [prefix_rule]}},
                    }
                ]
            },
        )


def create_table(dynamodb: Any, names: topology.Names) -> None:
    spec = topology.TABLE
    attributes = {spec.partition_key, spec.sort_key}
    for index in spec.indexes:
        attributes.update({index.partition_key, index.sort_key})
    dynamodb.create_table(
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


def provision(
    client: ClientFactory,
    names: topology.Names,
    *,
    app_origin: str,
    public_url: str,
    mail_from: str,
    signing_key_pem: str,
) -> Provisioned:
    """Create every resource; ``client(service)`` returns a boto3 client bound to moto."""
    s3 = client("s3")
    sqs = client("sqs")
    for spec in topology.BUCKETS:
        create_bucket(s3, names, spec, app_origin=app_origin)
    queues = create_queues(sqs, names)
    connect_notifications(s3, sqs, names, queues)
    create_table(client("dynamodb"), names)
    client("ses").verify_email_identity(EmailAddress=mail_from)
    client("secretsmanager").create_secret(
        Name=names.signing_key_secret,
        Description="CloudFront signing key (PKCS#8 PEM) of the local runtime",
        SecretString=signing_key_pem,
    )
    client("ssm").put_parameter(
        Name=names.public_url_parameter, Value=public_url, Type="String", Overwrite=True
    )
    return queues
