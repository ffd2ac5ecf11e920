"""S3 buckets of :data:`pellicule.config.topology.BUCKETS`: ingest, media, evidence, web app, logs.

Versioning, lifecycle and CORS come from the topology (the local runtime provisions the same).
On top of that every bucket blocks public access, refuses plain HTTP and TLS < 1.2, is
encrypted with S3-managed keys (SSE-S3: CloudFront's OAC reads it without a KMS key policy, and
CloudFront standard logs can only be written to SSE-S3 buckets), logs its accesses into the
log bucket and disables ACLs — except the log bucket when CloudFront writes to it, because
CloudFront standard logging delivers through an ACL grant.
"""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_s3 as s3
from constructs import Construct

from infra import constants
from pellicule.config import topology

LOGS = "logs"


def _days(value: int | None) -> Duration | None:
    return None if value is None else Duration.days(value)


def lifecycle_rules(spec: topology.BucketSpec) -> list[s3.LifecycleRule]:
    """The spec's lifecycle as (at most) one rule."""
    if spec.expired_object_delete_marker and spec.expiration_days is not None:
        raise ValueError(f"{spec.purpose}: S3 refuses delete-marker clean-up with an expiration")
    settings = (
        spec.expiration_days,
        spec.noncurrent_expiration_days,
        spec.abort_multipart_days,
    )
    if all(value is None for value in settings) and not spec.expired_object_delete_marker:
        return []
    return [
        s3.LifecycleRule(
            id=f"{spec.purpose}-lifecycle",
            expiration=_days(spec.expiration_days),
            noncurrent_version_expiration=_days(spec.noncurrent_expiration_days),
            abort_incomplete_multipart_upload_after=_days(spec.abort_multipart_days),
            expired_object_delete_marker=spec.expired_object_delete_marker or None,
        ),
        # Objects that are temporary by nature (album archives): gone after ``days``; their
        # noncurrent versions then go with the rule above.
        *(
            s3.LifecycleRule(
                id=f"{spec.purpose}-{prefix.strip('/')}-expiry",
                prefix=prefix,
                expiration=Duration.days(days),
            )
            for prefix, days in spec.prefix_expirations
        ),
    ]


class Storage(Construct):
    """The buckets, named from :class:`pellicule.config.topology.Names`, by purpose."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        names: topology.Names,
        removal_policy: RemovalPolicy,
        cloudfront_logs: bool,
    ) -> None:
        super().__init__(scope, construct_id)
        self._names = names
        self._removal_policy = removal_policy
        self.specs = {spec.purpose: spec for spec in topology.BUCKETS}
        self.logs_bucket = self._bucket(self.specs[LOGS], cloudfront_logs=cloudfront_logs)
        self.by_purpose: dict[str, s3.Bucket] = {LOGS: self.logs_bucket}
        for purpose, spec in self.specs.items():
            if purpose != LOGS:
                self.by_purpose[purpose] = self._bucket(spec, cloudfront_logs=False)
        self.ingest_bucket = self.by_purpose["ingest"]
        self.media_bucket = self.by_purpose["media"]
        # Scanned consent forms: private, never a CloudFront origin (read by presigned GET).
        self.evidence_bucket = self.by_purpose["evidence"]
        self.web_bucket = self.by_purpose["web"]

    def allow_browser_access_from(self, origins: Sequence[str]) -> None:
        """CORS, for the buckets whose spec has some, from the public origin(s) only."""
        for purpose, spec in self.specs.items():
            if not spec.cors_methods:
                continue
            self.by_purpose[purpose].add_cors_rule(
                allowed_methods=[s3.HttpMethods(method) for method in spec.cors_methods],
                allowed_origins=list(origins),
                allowed_headers=list(spec.cors_allowed_headers),
                exposed_headers=list(spec.cors_exposed_headers),
                max_age=spec.cors_max_age_seconds,
            )

    def notifying(self) -> list[tuple[s3.Bucket, str, str]]:
        """(bucket, bucket name, key prefix) whose object-created events feed the ingest queue."""
        return [
            (self.by_purpose[purpose], self._name(spec), spec.notify_prefix)
            for purpose, spec in self.specs.items()
            if spec.notify_prefix is not None
        ]

    def _name(self, spec: topology.BucketSpec) -> str:
        return str(getattr(self._names, f"{spec.purpose}_bucket"))

    def _bucket(self, spec: topology.BucketSpec, *, cloudfront_logs: bool) -> s3.Bucket:
        is_logs = spec.purpose == LOGS
        return s3.Bucket(
            self,
            f"{spec.purpose.capitalize()}Bucket",
            bucket_name=self._name(spec),
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            encryption=s3.BucketEncryption.S3_MANAGED,
            enforce_ssl=True,
            minimum_tls_version=1.2,
            # CloudFront standard logging writes through the bucket ACL; the newer
            # CloudWatch-vended delivery would avoid ACLs but must be set up in us-east-1,
            # outside this (EU) stack. Everywhere else ACLs stay disabled.
            object_ownership=(
                s3.ObjectOwnership.BUCKET_OWNER_PREFERRED
                if cloudfront_logs
                else s3.ObjectOwnership.BUCKET_OWNER_ENFORCED
            ),
            versioned=spec.versioned,
            lifecycle_rules=lifecycle_rules(spec),
            server_access_logs_bucket=None if is_logs else self.logs_bucket,
            server_access_logs_prefix=(
                None if is_logs else f"{constants.S3_ACCESS_LOG_PREFIX}{spec.purpose}/"
            ),
            removal_policy=self._removal_policy,
        )
