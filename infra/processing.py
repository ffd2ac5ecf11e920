"""Ingest pipeline: S3 ObjectCreated (ingest prefix) -> SQS (+DLQ) -> process function."""

from __future__ import annotations

from aws_cdk import Duration, Stack
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_event_sources as event_sources
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra import constants
from infra.storage import Storage
from pellicule import topology


class Processing(Construct):
    """Queue, dead-letter queue, bucket notification, event source and the DLQ alarm."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        names: topology.Names,
        storage: Storage,
        process_function: lambda_.IFunction,
    ) -> None:
        super().__init__(scope, construct_id)
        spec = topology.INGEST_QUEUE
        self.dead_letter_queue = sqs.Queue(
            self,
            "DeadLetterQueue",
            queue_name=names.ingest_dlq,
            retention_period=Duration.seconds(spec.dlq_retention_seconds),
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
        )
        self.queue = sqs.Queue(
            self,
            "Queue",
            queue_name=names.ingest_queue,
            visibility_timeout=Duration.seconds(spec.visibility_timeout_seconds),
            retention_period=Duration.seconds(spec.retention_seconds),
            dead_letter_queue=sqs.DeadLetterQueue(
                max_receive_count=spec.max_receive_count, queue=self.dead_letter_queue
            ),
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
        )
        for bucket, bucket_name, prefix in storage.notifying():
            self._notify_on_upload(bucket, bucket_name, prefix)
        process_function.add_event_source(
            event_sources.SqsEventSource(
                self.queue,
                batch_size=spec.batch_size,
                report_batch_item_failures=True,
            )
        )
        self.dlq_alarm = cloudwatch.Alarm(
            self,
            "DeadLetterQueueAlarm",
            alarm_name=f"{names.prefix}-ingest-dlq-not-empty",
            alarm_description="Ingest messages failed processing repeatedly (poison messages).",
            metric=self.dead_letter_queue.metric_approximate_number_of_messages_visible(
                period=Duration.minutes(constants.ALARM_PERIOD_MINUTES),
                statistic=cloudwatch.Stats.MAXIMUM,
            ),
            threshold=0,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
            evaluation_periods=1,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )

    def _notify_on_upload(self, bucket: s3.Bucket, bucket_name: str, prefix: str) -> None:
        """ObjectCreated under ``prefix`` -> queue, set natively on the bucket.

        CloudFormation's own ``NotificationConfiguration`` replaces CDK's custom resource (a
        Lambda allowed ``s3:PutBucketNotification`` on every bucket). S3 checks that it may send
        to the queue when the configuration is applied, so the bucket waits for the queue
        policy, which names the bucket by its ARN string to avoid a dependency cycle.
        Renditions go to the media bucket: processing output never re-triggers processing.
        """
        stack = Stack.of(self)
        bucket_arn = f"arn:{stack.partition}:s3:::{bucket_name}"
        self.queue.add_to_resource_policy(
            iam.PolicyStatement(
                sid=f"{bucket.node.id}Notifications",
                principals=[iam.ServicePrincipal("s3.amazonaws.com")],
                actions=["sqs:SendMessage"],
                resources=[self.queue.queue_arn],
                conditions={
                    "ArnEquals": {"aws:SourceArn": bucket_arn},
                    "StringEquals": {"aws:SourceAccount": stack.account},
                },
            )
        )
        cfn_bucket = bucket.node.default_child
        assert isinstance(cfn_bucket, s3.CfnBucket)
        cfn_bucket.notification_configuration = s3.CfnBucket.NotificationConfigurationProperty(
            queue_configurations=[
                s3.CfnBucket.QueueConfigurationProperty(
                    event="s3:ObjectCreated:*",
                    queue=self.queue.queue_arn,
                    filter=s3.CfnBucket.NotificationFilterProperty(
                        s3_key=s3.CfnBucket.S3KeyFilterProperty(
                            rules=[s3.CfnBucket.FilterRuleProperty(name="prefix", value=prefix)]
                        )
                    ),
                )
            ]
        )
        queue_policy = self.queue.node.find_child("Policy")  # created by add_to_resource_policy
        cfn_bucket.node.add_dependency(queue_policy)
