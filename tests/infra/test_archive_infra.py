"""Album archives in the synthesized stack: the queue, its DLQ and alarm, the archive
function's event source and exact grants, the family function's send-only grant, the
lifecycle rule of ``archives/``, and an archive path that no family or staff wildcard reaches
while CloudFront still serves it with a signature."""

from __future__ import annotations

from typing import Any

import pytest

from pellicule.config import topology
from tests.infra.support import Variant, logical_id, names
from tests.infra.test_contract_signed_paths import _pattern, behaviour_for
from tests.infra.test_functions import function, grants

pytestmark = pytest.mark.infra


def _queue(variant: Variant, name: str) -> tuple[str, dict[str, Any]]:
    key = logical_id(variant, "AWS::SQS::Queue", QueueName=name)
    return key, dict(variant.resources[key]["Properties"])


def test_the_archive_queue_has_a_dlq_and_fits_the_functions_timeout(main: Variant) -> None:
    spec = topology.ARCHIVE_QUEUE
    dlq_key, dlq = _queue(main, names(main).archive_dlq)
    _, queue = _queue(main, names(main).archive_queue)
    assert queue["RedrivePolicy"] == {
        "deadLetterTargetArn": {"Fn::GetAtt": [dlq_key, "Arn"]},
        "maxReceiveCount": spec.max_receive_count,
    }
    assert queue["VisibilityTimeout"] >= 6 * topology.FUNCTIONS["archive"].timeout_seconds
    assert queue["SqsManagedSseEnabled"] is True
    assert dlq["MessageRetentionPeriod"] == spec.dlq_retention_seconds


def test_the_archive_function_consumes_it_one_job_at_a_time(main: Variant) -> None:
    queue_key, _ = _queue(main, names(main).archive_queue)
    function_key, resource = function(main, "archive")
    assert resource["Properties"]["Timeout"] == topology.ARCHIVE_TIMEOUT_SECONDS
    [mapping] = [
        m["Properties"]
        for m in main.of_type("AWS::Lambda::EventSourceMapping").values()
        if m["Properties"]["EventSourceArn"] == {"Fn::GetAtt": [queue_key, "Arn"]}
    ]
    assert mapping["FunctionName"] == {"Ref": function_key}
    assert mapping["BatchSize"] == 1
    assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]


def test_a_failed_archive_pages_the_operator(main: Variant) -> None:
    dlq_key, _ = _queue(main, names(main).archive_dlq)
    topic_key, _ = main.one("AWS::SNS::Topic")
    [alarm] = [
        r["Properties"]
        for r in main.of_type("AWS::CloudWatch::Alarm").values()
        if r["Properties"].get("MetricName") == "ApproximateNumberOfMessagesVisible"
        and r["Properties"]["Dimensions"]
        == [{"Name": "QueueName", "Value": {"Fn::GetAtt": [dlq_key, "QueueName"]}}]
    ]
    assert alarm["AlarmName"] == f"{names(main).archive_queue}-dlq-not-empty"
    assert alarm["Threshold"] == 0
    assert alarm["ComparisonOperator"] == "GreaterThanThreshold"
    assert {"Ref": topic_key} in alarm["AlarmActions"]


def test_the_archive_function_reads_served_copies_only_and_writes_archives_only(
    main: Variant, variant: Variant
) -> None:
    for stack in (main, variant):
        queue = f"sqs:{names(stack).archive_queue}"
        assert grants(stack, "archive") == {
            # The copies families are served (downloads, videos): never the staff keys m/
            ("s3:GetObject", "s3:media/t/*/d/*"),
            ("s3:GetObject", "s3:media/t/*/s/*"),
            # The zip, uploaded in parts
            ("s3:PutObject", "s3:media/archives/*"),
            ("s3:AbortMultipartUpload", "s3:media/archives/*"),
            # Its queue, through the event source
            *{
                (f"sqs:{action}", queue)
                for action in (
                    "ChangeMessageVisibility",
                    "DeleteMessage",
                    "GetQueueAttributes",
                    "GetQueueUrl",
                    "ReceiveMessage",
                )
            },
        }


def test_only_the_family_admin_and_digest_functions_send_archive_jobs(main: Variant) -> None:
    """The family (album archives), the admin (a departing child's souvenir packs) and the
    digest (their retry path); nobody else."""
    from tests.infra.test_functions import FUNCTION_NAMES

    queue = f"sqs:{names(main).archive_queue}"
    senders = {name for name in FUNCTION_NAMES if ("sqs:SendMessage", queue) in grants(main, name)}
    assert senders == {"family", "admin", "digest"}


def test_archives_expire_after_a_week(main: Variant) -> None:
    bucket_key = logical_id(main, "AWS::S3::Bucket", BucketName=names(main).media_bucket)
    rules = main.resources[bucket_key]["Properties"]["LifecycleConfiguration"]["Rules"]
    [rule] = [r for r in rules if r.get("Prefix") == topology.ARCHIVES_PREFIX]
    assert rule["ExpirationInDays"] == topology.ARCHIVE_EXPIRATION_DAYS == 7
    assert rule["Status"] == "Enabled"


def test_no_signed_wildcard_reaches_an_archive_but_cloudfront_serves_it_signed(
    main: Variant,
) -> None:
    archive = f"{topology.MEDIA_PATH}{topology.ARCHIVES_PREFIX}tenant/abc.zip"
    # Every wildcard the code signs lies under the media prefix t/ (families: their scopes,
    # staff: their centre); an archive lies outside it.
    assert not archive.startswith(f"{topology.MEDIA_PATH}{topology.MEDIA_PREFIX}")
    assert not topology.ARCHIVES_PREFIX.startswith(topology.MEDIA_PREFIX)
    # ... and is still behind the signed media behaviour, like the single-item download.
    behaviour = behaviour_for(main, archive)
    assert _pattern(behaviour["PathPattern"]).fullmatch(archive)
    assert behaviour.get("TrustedKeyGroups")


@pytest.mark.parametrize("which", ["main", "variant"])
def test_the_job_the_family_function_sends_reaches_the_archive_builder(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch, which: str
) -> None:
    """Contract: the queue the family function is told to send to (by name) is the one the
    archive function consumes; its handler builds the job the message names and reports a
    failing job alone (partial batch response, which Lambda reads only with
    ReportBatchItemFailures)."""
    from functions.archive import logic
    from pellicule.adapters import archive_queue
    from tests.conftest import LambdaContext
    from tests.infra.test_contract_events import (
        configured_like,
        function_of,
        function_props,
        handler_of,
        sqs_event,
    )

    variant: Variant = request.getfixturevalue(which)
    queue_name = function_props(variant, "family")["Environment"]["Variables"][
        topology.ENV_ARCHIVE_QUEUE
    ]
    queue_key, _ = _queue(variant, queue_name)
    [mapping] = [
        m["Properties"]
        for m in variant.of_type("AWS::Lambda::EventSourceMapping").values()
        if m["Properties"]["EventSourceArn"] == {"Fn::GetAtt": [queue_key, "Arn"]}
    ]
    name = function_of(variant, mapping["FunctionName"])
    assert name == topology.ARCHIVE_FUNCTION
    # The message the family function sends
    sent: list[str] = []

    class FakeSqs:
        def get_queue_url(self, QueueName: str) -> dict[str, str]:
            assert QueueName == queue_name
            return {"QueueUrl": f"https://sqs/{QueueName}"}

        def send_message(self, QueueUrl: str, MessageBody: str) -> None:
            sent.append(MessageBody)

    monkeypatch.setattr(archive_queue.aws, "client", lambda service: FakeSqs())
    with configured_like(variant, "family", monkeypatch):
        archive_queue.enqueue("tenant-1", "good-job")
        archive_queue.enqueue("tenant-1", "bad-job")
    built: list[tuple[str, str]] = []

    def build(tenant_id: str, archive_id: str) -> Any:
        if archive_id == "bad-job":
            raise RuntimeError("this job fails")
        built.append((tenant_id, archive_id))
        return logic.Outcome("ready")

    monkeypatch.setattr(logic, "build", build)
    event = sqs_event(variant, queue_key, sent)
    with configured_like(variant, name, monkeypatch):
        result = handler_of(name)(event, LambdaContext())
    assert built == [("tenant-1", "good-job")]
    assert result == {"batchItemFailures": [{"itemIdentifier": event["Records"][1]["messageId"]}]}
    assert "ReportBatchItemFailures" in mapping["FunctionResponseTypes"]
