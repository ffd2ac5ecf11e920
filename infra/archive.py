"""Album archives: the queue of archives families asked for (+ DLQ and its alarm) feeding the
``archive`` function, which writes each zip under ``archives/`` of the media bucket
(docs/delivery.md, "Album archives"). No bucket notifies this queue: the family function sends
to it (``pellicule.adapters.archive_queue``).
"""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_event_sources as event_sources
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra import constants
from infra import names as physical
from infra.processing import event_source_concurrency
from pellicule.config import topology


class Archives(Construct):
    """Queue, dead-letter queue, the archive function's event source, DLQ alarm."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        names: topology.Names,
        function: lambda_.IFunction,
        reserved_concurrency: int | None,
    ) -> None:
        super().__init__(scope, construct_id)
        spec = topology.ARCHIVE_QUEUE
        self.dead_letter_queue = sqs.Queue(
            self,
            "DeadLetterQueue",
            queue_name=names.archive_dlq,
            retention_period=Duration.seconds(spec.dlq_retention_seconds),
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
        )
        self.queue = sqs.Queue(
            self,
            "Queue",
            queue_name=names.archive_queue,
            visibility_timeout=Duration.seconds(spec.visibility_timeout_seconds),
            retention_period=Duration.seconds(spec.retention_seconds),
            dead_letter_queue=sqs.DeadLetterQueue(
                max_receive_count=spec.max_receive_count, queue=self.dead_letter_queue
            ),
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
        )
        function.add_event_source(
            event_sources.SqsEventSource(
                self.queue,
                batch_size=spec.batch_size,
                max_concurrency=event_source_concurrency(spec, reserved_concurrency),
                report_batch_item_failures=True,
            )
        )
        self.dlq_alarm = cloudwatch.Alarm(
            self,
            "DeadLetterQueueAlarm",
            alarm_name=physical.archive_dlq_alarm_name(names),
            alarm_description=(
                "Album archives failed repeatedly (the family sees 'could not be prepared')."
            ),
            metric=self.dead_letter_queue.metric_approximate_number_of_messages_visible(
                period=Duration.minutes(constants.ALARM_PERIOD_MINUTES),
                statistic=cloudwatch.Stats.MAXIMUM,
            ),
            threshold=0,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
            evaluation_periods=1,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )
