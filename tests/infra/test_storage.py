"""Buckets: security requirement 9 (BPA, TLS only, encryption, no ACLs, versioning...)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aws_cdk.assertions import Match

from infra import constants
from pellicule.config import topology
from tests.infra.support import Variant, logical_id, names

pytestmark = pytest.mark.infra

PURPOSES = tuple(spec.purpose for spec in topology.BUCKETS)


def bucket(variant: Variant, purpose: str) -> tuple[str, dict[str, Any]]:
    name = getattr(names(variant), f"{purpose}_bucket")
    key = logical_id(variant, "AWS::S3::Bucket", BucketName=name)
    return key, variant.resources[key]


def bucket_policy_statements(variant: Variant, bucket_key: str) -> list[dict[str, Any]]:
    for resource in variant.of_type("AWS::S3::BucketPolicy").values():
        if resource["Properties"]["Bucket"] == {"Ref": bucket_key}:
            return list(resource["Properties"]["PolicyDocument"]["Statement"])
    raise AssertionError(f"no bucket policy for {bucket_key}")


def test_exactly_the_named_buckets_of_the_topology(main: Variant) -> None:
    # Given the topology's names / Then the stack has those buckets and no other
    expected = {getattr(names(main), f"{p}_bucket") for p in PURPOSES}
    actual = {r["Properties"]["BucketName"] for r in main.of_type("AWS::S3::Bucket").values()}
    assert actual == expected


@pytest.mark.parametrize("purpose", PURPOSES)
def test_every_bucket_blocks_public_access_and_is_encrypted(main: Variant, purpose: str) -> None:
    _, resource = bucket(main, purpose)
    props = resource["Properties"]
    assert props["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True,
        "BlockPublicPolicy": True,
        "IgnorePublicAcls": True,
        "RestrictPublicBuckets": True,
    }
    rules = props["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert rules == [{"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]


@pytest.mark.parametrize("purpose", PURPOSES)
def test_every_bucket_refuses_plain_http_and_old_tls(main: Variant, purpose: str) -> None:
    key, _ = bucket(main, purpose)
    denies = [s for s in bucket_policy_statements(main, key) if s["Effect"] == "Deny"]
    conditions = [s["Condition"] for s in denies]
    assert {"Bool": {"aws:SecureTransport": "false"}} in conditions
    assert {"NumericLessThan": {"s3:TlsVersion": 1.2}} in conditions
    for statement in denies:
        assert statement["Principal"] == {"AWS": "*"}
        assert statement["Action"] == "s3:*"


@pytest.mark.parametrize("purpose", ["ingest", "media", "evidence", "web"])
def test_acls_are_disabled(main: Variant, variant: Variant, purpose: str) -> None:
    for stack in (main, variant):
        _, resource = bucket(stack, purpose)
        rules = resource["Properties"]["OwnershipControls"]["Rules"]
        assert rules == [{"ObjectOwnership": "BucketOwnerEnforced"}]


def test_log_bucket_accepts_acls_only_where_cloudfront_writes_to_it(
    main: Variant, variant: Variant
) -> None:
    # Paris: CloudFront standard logs need the ACL grant; Milan: CloudFront cannot log there.
    # (make deploy-check moves the main stack to every EU region.)
    _, paris = bucket(main, "logs")
    _, milan = bucket(variant, "logs")
    logs = main.config.region not in constants.CLOUDFRONT_LOGGING_UNSUPPORTED_REGIONS
    assert paris["Properties"]["OwnershipControls"]["Rules"] == [
        {"ObjectOwnership": "BucketOwnerPreferred" if logs else "BucketOwnerEnforced"}
    ]
    assert milan["Properties"]["OwnershipControls"]["Rules"] == [
        {"ObjectOwnership": "BucketOwnerEnforced"}
    ]


@pytest.mark.parametrize("purpose", ["ingest", "media", "evidence", "web"])
def test_server_access_logs_go_to_the_log_bucket(main: Variant, purpose: str) -> None:
    logs_key, _ = bucket(main, "logs")
    _, resource = bucket(main, purpose)
    logging = resource["Properties"]["LoggingConfiguration"]
    assert logging["DestinationBucketName"] == {"Ref": logs_key}
    assert logging["LogFilePrefix"] == f"s3/{purpose}/"


@pytest.mark.parametrize("spec", topology.BUCKETS, ids=lambda spec: spec.purpose)
def test_versioning_and_lifecycle_follow_the_topology(
    main: Variant, spec: topology.BucketSpec
) -> None:
    _, resource = bucket(main, spec.purpose)
    props = resource["Properties"]
    versioning = props.get("VersioningConfiguration")
    assert versioning == ({"Status": "Enabled"} if spec.versioned else None)
    rules = props.get("LifecycleConfiguration", {}).get("Rules", [])
    expected: dict[str, Any] = {}
    if spec.expiration_days is not None:
        expected["ExpirationInDays"] = spec.expiration_days
    if spec.noncurrent_expiration_days is not None:
        expected["NoncurrentVersionExpiration"] = {
            "NoncurrentDays": spec.noncurrent_expiration_days
        }
    if spec.abort_multipart_days is not None:
        expected["AbortIncompleteMultipartUpload"] = {
            "DaysAfterInitiation": spec.abort_multipart_days
        }
    if spec.expired_object_delete_marker:
        expected["ExpiredObjectDeleteMarker"] = True
    if not expected:
        assert rules == []
        return
    # The prefix rules (album archives) are checked by tests/infra/test_archive_infra.py.
    assert len(rules) == 1 + len(spec.prefix_expirations)
    [rule] = [r for r in rules if "Prefix" not in r]
    assert rule["Id"] == f"{spec.purpose}-lifecycle"
    assert rule["Status"] == "Enabled"
    assert {k: v for k, v in rule.items() if k not in ("Id", "Status")} == expected


def test_log_bucket_expires_logs(main: Variant) -> None:
    _, resource = bucket(main, "logs")
    rules = resource["Properties"]["LifecycleConfiguration"]["Rules"]
    assert any(r.get("ExpirationInDays") == topology.LOGS_EXPIRATION_DAYS for r in rules)


def test_ingest_bucket_is_a_short_lived_quarantine(main: Variant) -> None:
    _, resource = bucket(main, "ingest")
    props = resource["Properties"]
    assert "VersioningConfiguration" not in props  # a deleted upload is gone for good
    [rule] = props["LifecycleConfiguration"]["Rules"]
    assert rule["Status"] == "Enabled"
    assert rule["ExpirationInDays"] == topology.INGEST_EXPIRATION_DAYS
    assert rule["AbortIncompleteMultipartUpload"] == {
        "DaysAfterInitiation": topology.INGEST_ABORT_MULTIPART_DAYS
    }


def test_ingest_cors_allows_browser_uploads_from_the_public_origin_only(
    main: Variant, variant: Variant
) -> None:
    distribution_key, _ = main.one("AWS::CloudFront::Distribution")
    _, resource = bucket(main, "ingest")
    [rule] = resource["Properties"]["CorsConfiguration"]["CorsRules"]
    assert rule["AllowedMethods"] == list(topology.INGEST_CORS_METHODS)
    assert rule["AllowedHeaders"] == list(topology.INGEST_CORS_HEADERS)
    assert rule["ExposedHeaders"] == list(topology.INGEST_CORS_EXPOSED_HEADERS)
    assert rule["MaxAge"] == topology.INGEST_CORS_MAX_AGE_SECONDS
    assert rule["AllowedOrigins"] == [
        {"Fn::Join": ["", ["https://", {"Fn::GetAtt": [distribution_key, "DomainName"]}]]}
    ]
    assert "*" not in rule["AllowedHeaders"]
    # With a custom domain the origin is that domain.
    _, custom = bucket(variant, "ingest")
    [custom_rule] = custom["Properties"]["CorsConfiguration"]["CorsRules"]
    assert custom_rule["AllowedOrigins"] == [variant.config.public_url]


def test_ingest_uploads_notify_each_kind_s_queue_under_its_prefix_only(main: Variant) -> None:
    _, resource = bucket(main, "ingest")
    configs = resource["Properties"]["NotificationConfiguration"]["QueueConfigurations"]
    ingest_spec = next(s for s in topology.BUCKETS if s.purpose == "ingest")
    assert ingest_spec.notify_prefix == topology.INGEST_PREFIX
    expected = {}
    for pipeline in topology.INGEST_PIPELINES:
        assert pipeline.prefix.startswith(topology.INGEST_PREFIX)
        queue_key = logical_id(
            main, "AWS::SQS::Queue", QueueName=names(main).ingest_queue_for(pipeline.kind)
        )
        expected[pipeline.prefix] = queue_key
        # The bucket waits for each queue policy that lets S3 send (CloudFormation checks it).
        policy_keys = [
            k
            for k, r in main.of_type("AWS::SQS::QueuePolicy").items()
            if {"Ref": queue_key} in r["Properties"]["Queues"]
        ]
        assert set(policy_keys) <= set(resource["DependsOn"])
    assert len(configs) == len(topology.INGEST_PIPELINES)
    routed = {}
    for config in configs:
        assert config["Event"] == "s3:ObjectCreated:*"
        [rule] = config["Filter"]["S3Key"]["Rules"]
        assert rule["Name"] == "prefix"
        routed[rule["Value"]] = config["Queue"]
    assert routed == {
        prefix: {"Fn::GetAtt": [queue_key, "Arn"]} for prefix, queue_key in expected.items()
    }
    assert set(routed) == {topology.INGEST_PHOTO_PREFIX, topology.INGEST_VIDEO_PREFIX}
    # No other bucket triggers processing: outputs never re-enter a pipeline.
    for spec in topology.BUCKETS:
        has_notifications = (
            "NotificationConfiguration" in bucket(main, spec.purpose)[1]["Properties"]
        )
        assert has_notifications == (spec.notify_prefix is not None)
    assert [s.purpose for s in topology.BUCKETS if s.notify_prefix] == ["ingest"]


@pytest.mark.parametrize("kind", [pipeline.kind for pipeline in topology.INGEST_PIPELINES])
def test_queue_accepts_messages_from_the_ingest_bucket_of_this_account_only(
    main: Variant, kind: str
) -> None:
    queue_key = logical_id(main, "AWS::SQS::Queue", QueueName=names(main).ingest_queue_for(kind))
    statements = [
        s
        for r in main.of_type("AWS::SQS::QueuePolicy").values()
        if {"Ref": queue_key} in r["Properties"]["Queues"]
        for s in r["Properties"]["PolicyDocument"]["Statement"]
        if s["Effect"] == "Allow"
    ]
    [statement] = statements
    assert statement["Principal"] == {"Service": "s3.amazonaws.com"}
    assert statement["Action"] == "sqs:SendMessage"
    condition = json.dumps(statement["Condition"])
    assert names(main).ingest_bucket in condition
    assert "aws:SourceAccount" in condition


def test_media_bucket_is_versioned_with_short_noncurrent_expiry(main: Variant) -> None:
    _, resource = bucket(main, "media")
    props = resource["Properties"]
    assert props["VersioningConfiguration"] == {"Status": "Enabled"}
    rules = props["LifecycleConfiguration"]["Rules"]
    assert any(
        r.get("NoncurrentVersionExpiration", {}).get("NoncurrentDays")
        == topology.MEDIA_NONCURRENT_EXPIRATION_DAYS
        for r in rules
    )
    # Purged media keep no copy: current versions have no expiry here (retention is per
    # tenant and done by the purge function), old versions and delete markers do. Only the
    # album archives (outside every media prefix) expire by themselves.
    assert all("ExpirationInDays" not in r for r in rules if "Prefix" not in r)
    assert [r["Prefix"] for r in rules if "ExpirationInDays" in r] == [topology.ARCHIVES_PREFIX]
    assert any(r.get("ExpiredObjectDeleteMarker") for r in rules)


def test_ingest_bucket_is_never_a_cloudfront_origin(main: Variant, variant: Variant) -> None:
    for stack in (main, variant):
        ingest_key, _ = bucket(stack, "ingest")
        _, distribution = stack.one("AWS::CloudFront::Distribution")
        origins = json.dumps(distribution["Properties"]["DistributionConfig"]["Origins"])
        assert ingest_key not in origins
        assert names(stack).ingest_bucket not in origins


def test_data_is_retained_in_prod_and_disposable_in_dev(main: Variant, variant: Variant) -> None:
    for purpose in ("media", "evidence", "logs"):
        _, prod = bucket(main, purpose)
        _, dev = bucket(variant, purpose)
        assert prod["DeletionPolicy"] == "RetainExceptOnCreate"
        assert prod["UpdateReplacePolicy"] == "Retain"
        assert dev["DeletionPolicy"] == "Delete"


def test_buckets_are_named_from_the_topology(main: Variant) -> None:
    n = names(main)
    main.template.has_resource_properties(
        "AWS::S3::Bucket",
        {"BucketName": n.media_bucket, "VersioningConfiguration": Match.any_value()},
    )
    config = main.config
    assert n.media_bucket == f"pellicule-{config.stage}-media-{n.account}-{config.region}"


def test_evidence_bucket_keeps_scans_versioned_and_erases_them_for_good(main: Variant) -> None:
    _, resource = bucket(main, "evidence")
    props = resource["Properties"]
    assert props["VersioningConfiguration"] == {"Status": "Enabled"}
    [rule] = props["LifecycleConfiguration"]["Rules"]
    # Proof of consent is kept as long as needed (no current-version expiry); an erased
    # scan's old versions and its delete marker go away the next day.
    assert rule == {
        "Id": "evidence-lifecycle",
        "Status": "Enabled",
        "NoncurrentVersionExpiration": {"NoncurrentDays": 1},
        "ExpiredObjectDeleteMarker": True,
        "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 1},
    }
    assert props["OwnershipControls"]["Rules"] == [{"ObjectOwnership": "BucketOwnerEnforced"}]
    # Never a browser target, never a trigger.
    assert "CorsConfiguration" not in props
    assert "NotificationConfiguration" not in props


def test_evidence_bucket_is_private_and_never_a_cloudfront_origin(
    main: Variant, variant: Variant
) -> None:
    for stack in (main, variant):
        key, _ = bucket(stack, "evidence")
        _, distribution = stack.one("AWS::CloudFront::Distribution")
        origins = json.dumps(distribution["Properties"]["DistributionConfig"]["Origins"])
        assert key not in origins
        assert names(stack).evidence_bucket not in origins
        # Its policy only denies (plain HTTP, old TLS): no OAC grant, no other principal.
        statements = bucket_policy_statements(stack, key)
        assert statements
        assert all(s["Effect"] == "Deny" for s in statements)
        assert "cloudfront" not in json.dumps(statements)


def test_evidence_scans_arrive_through_the_ingest_quarantine_without_a_pipeline() -> None:
    # Scans are POSTed under ingest/evidence/: quarantined like every upload, and no
    # pipeline listens there (the admin function checks and moves them).
    assert topology.INGEST_EVIDENCE_PREFIX.startswith(topology.INGEST_PREFIX)
    assert all(
        not p.prefix.startswith(topology.INGEST_EVIDENCE_PREFIX)
        and not topology.INGEST_EVIDENCE_PREFIX.startswith(p.prefix)
        for p in topology.INGEST_PIPELINES
    )
