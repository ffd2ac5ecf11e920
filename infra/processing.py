"""Ingest pipelines: S3 ObjectCreated (per kind prefix) -> SQS (+DLQ) -> that kind's function.

One pipeline per entry of ``topology.INGEST_PIPELINES``: photos (``ingest/photo/``) go to the
``process`` function, videos (``ingest/video/``) to the ``video`` function, each through its
own queue, dead-letter queue and DLQ-depth alarm, so a long video never holds up photos and
each queue's visibility timeout fits its consumer's timeout.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from aws_cdk import Duration, Stack
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_event_sources as event_sources
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra import constants
from infra import names as physical
from infra.storage import Storage
from pellicule.config import topology


@dataclass(frozen=True)
class PipelineResources:
    pipeline: topology.IngestPipeline
    queue: sqs.Queue
    dead_letter_queue: sqs.Queue
    dlq_alarm: cloudwatch.Alarm


def _construct_prefix(pipeline: topology.IngestPipeline) -> str:
    """Construct-id prefix of a pipeline's resources. The photo pipeline keeps the ids it had
    when it was the only one (``Queue``, ``DeadLetterQueue``...): a new logical id would make
    CloudFormation replace its named queues."""
    return "" if pipeline.kind == "photo" else pipeline.kind.capitalize()


def dlq_alarm_name(names: topology.Names, pipeline: topology.IngestPipeline) -> str:
    return physical.dlq_alarm_name(names, pipeline.kind)


def event_source_concurrency(spec: topology.QueueSpec, reserved: int | None) -> int | None:
    """The SQS event source's maximum concurrency: the spec's, never above the function's
    reserved concurrency (invocations beyond it would be throttled and the messages, received
    again and again, would end in the dead-letter queue)."""
    if not reserved:
        return spec.max_concurrency
    return min(spec.max_concurrency or reserved, reserved)


class Processing(Construct):
    """Per pipeline: queue, dead-letter queue, event source, DLQ alarm; bucket notifications."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        names: topology.Names,
        storage: Storage,
        functions: Mapping[str, lambda_.IFunction],
        reserved_concurrency: Mapping[str, int],
    ) -> None:
        super().__init__(scope, construct_id)
        self._reserved = dict(reserved_concurrency)
        self.pipelines: dict[str, PipelineResources] = {
            pipeline.kind: self._pipeline(names, pipeline, functions[pipeline.function])
            for pipeline in topology.INGEST_PIPELINES
        }
        routed: list[str] = []
        for bucket, bucket_name, prefix in storage.notifying():
            routed += self._notify_on_upload(bucket, bucket_name, prefix)
        unrouted = sorted(set(self.pipelines) - set(routed))
        if unrouted:
            raise ValueError(f"ingest pipelines outside every notifying bucket prefix: {unrouted}")

    @property
    def dlq_alarms(self) -> list[cloudwatch.Alarm]:
        return [resources.dlq_alarm for resources in self.pipelines.values()]

    def _pipeline(
        self,
        names: topology.Names,
        pipeline: topology.IngestPipeline,
        function: lambda_.IFunction,
    ) -> PipelineResources:
        spec = pipeline.queue
        prefix = _construct_prefix(pipeline)
        dead_letter_queue = sqs.Queue(
            self,
            f"{prefix}DeadLetterQueue",
            queue_name=names.ingest_dlq_for(pipeline.kind),
            retention_period=Duration.seconds(spec.dlq_retention_seconds),
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
        )
        queue = sqs.Queue(
            self,
            f"{prefix}Queue",
            queue_name=names.ingest_queue_for(pipeline.kind),
            visibility_timeout=Duration.seconds(spec.visibility_timeout_seconds),
            retention_period=Duration.seconds(spec.retention_seconds),
            dead_letter_queue=sqs.DeadLetterQueue(
                max_receive_count=spec.max_receive_count, queue=dead_letter_queue
            ),
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
        )
        function.add_event_source(
            event_sources.SqsEventSource(
                queue,
                batch_size=spec.batch_size,
                max_concurrency=event_source_concurrency(
                    spec, self._reserved.get(pipeline.function)
                ),
                report_batch_item_failures=True,
            )
        )
        alarm = cloudwatch.Alarm(
            self,
            f"{prefix}DeadLetterQueueAlarm",
            alarm_name=dlq_alarm_name(names, pipeline),
            alarm_description=(
                f"{pipeline.kind.capitalize()} ingest messages failed processing repeatedly "
                "(poison messages)."
            ),
            metric=dead_letter_queue.metric_approximate_number_of_messages_visible(
                period=Duration.minutes(constants.ALARM_PERIOD_MINUTES),
                statistic=cloudwatch.Stats.MAXIMUM,
            ),
            threshold=0,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
            evaluation_periods=1,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )
        return PipelineResources(pipeline, queue, dead_letter_queue, alarm)

    def _notify_on_upload(self, bucket: s3.Bucket, bucket_name: str, prefix: str) -> list[str]:
        """ObjectCreated under each pipeline's prefix (inside ``prefix``) -> its queue, set
        natively on the bucket; returns the kinds routed.

        CloudFormation's own ``NotificationConfiguration`` replaces CDK's custom resource (a
        Lambda allowed ``s3:PutBucketNotification`` on every bucket). S3 checks that it may send
        to each queue when the configuration is applied, so the bucket waits for the queue
        policies, which name the bucket by its ARN string to avoid a dependency cycle.
        Outputs go to the media bucket: processing output never re-triggers processing.
        """
        stack = Stack.of(self)
        bucket_arn = f"arn:{stack.partition}:s3:::{bucket_name}"
        configurations = []
        routed = []
        for kind, resources in self.pipelines.items():
            if not resources.pipeline.prefix.startswith(prefix):
                continue
            resources.queue.add_to_resource_policy(
                iam.PolicyStatement(
                    sid=f"{bucket.node.id}Notifications",
                    principals=[iam.ServicePrincipal("s3.amazonaws.com")],
                    actions=["sqs:SendMessage"],
                    resources=[resources.queue.queue_arn],
                    conditions={
                        "ArnEquals": {"aws:SourceArn": bucket_arn},
                        "StringEquals": {"aws:SourceAccount": stack.account},
                    },
                )
            )
            configurations.append(
                s3.CfnBucket.QueueConfigurationProperty(
                    event="s3:ObjectCreated:*",
                    queue=resources.queue.queue_arn,
                    filter=s3.CfnBucket.NotificationFilterProperty(
                        s3_key=s3.CfnBucket.S3KeyFilterProperty(
                            rules=[
                                s3.CfnBucket.FilterRuleProperty(
                                    name="prefix", value=resources.pipeline.prefix
                                )
                            ]
                        )
                    ),
                )
            )
            routed.append(kind)
        if not configurations:
            return routed
        cfn_bucket = bucket.node.default_child
        assert isinstance(cfn_bucket, s3.CfnBucket)
        cfn_bucket.notification_configuration = s3.CfnBucket.NotificationConfigurationProperty(
            queue_configurations=configurations
        )
        for kind in routed:
            # Created by add_to_resource_policy above.
            queue_policy = self.pipelines[kind].queue.node.find_child("Policy")
            cfn_bucket.node.add_dependency(queue_policy)
        return routed
