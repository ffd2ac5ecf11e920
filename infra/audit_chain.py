"""Audit chaining: the table's stream -> the chainer function (docs/audit.md, "Batched entries").

From :data:`pellicule.config.topology.AUDIT_CHAIN_STREAM`: a Lambda event source mapping on the
table's stream that starts at ``LATEST`` and lets through only the INSERTs of waiting audit
events (``AUDIT#<t>`` / ``PENDING#...``: a family's view or download), gathered for a few
seconds into large batches. The function chains the waiting events of each centre it sees.
A failing batch is split in two until the bad record is alone, retried a few times, and then
its description (shard, sequence numbers; not the record itself) goes to a dead-letter queue:
nothing is lost with it, the events still wait in the table and the daily purge chains them.
Two alarms watch it: that queue is not empty, and the stream's iterator age.

The function's table permissions (the audit items only) are set by the stack's grants.
"""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_event_sources as event_sources
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra import constants
from infra import names as physical
from infra.nag import acknowledge
from pellicule.config import topology


def dead_letter_queue_name(names: topology.Names) -> str:
    return physical.audit_chain_name(names, "dlq")


def alarm_name(names: topology.Names, what: str) -> str:
    return physical.audit_chain_name(names, what)


class AuditChain(Construct):
    """The stream event source of the chainer function, its DLQ and its two alarms."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        names: topology.Names,
        table: dynamodb.ITable,
        function: lambda_.Function,
    ) -> None:
        super().__init__(scope, construct_id)
        spec = topology.AUDIT_CHAIN_STREAM
        self.dead_letter_queue = sqs.Queue(
            self,
            "DeadLetterQueue",
            queue_name=dead_letter_queue_name(names),
            retention_period=Duration.days(constants.STREAM_DLQ_RETENTION_DAYS),
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
        )
        acknowledge(
            self.dead_letter_queue,
            "SQS3",
            "This queue is itself a dead-letter queue: the on-failure destination of the "
            "audit chainer's stream event source mapping (a Lambda destination, which cdk-nag "
            "does not recognise as a redrive source); it has an alarm when not empty.",
        )
        self.event_source = event_sources.DynamoEventSource(
            table,
            starting_position=lambda_.StartingPosition.LATEST,
            batch_size=spec.batch_size,
            max_batching_window=Duration.seconds(spec.max_batching_window_seconds),
            retry_attempts=spec.retry_attempts,
            bisect_batch_on_error=True,
            report_batch_item_failures=True,
            on_failure=event_sources.SqsDlq(self.dead_letter_queue),
            filters=[lambda_.FilterCriteria.filter(pattern) for pattern in spec.filters],
        )
        function.add_event_source(self.event_source)
        assert function.role is not None
        acknowledge(
            function.role,
            "IAM5[Resource::*]",
            "Only dynamodb:ListStreams, added by the DynamoDB event source: Lambda requires it "
            "on the execution role to read a stream, and the action supports no resource-level "
            "permission; the stream reads themselves (DescribeStream, GetShardIterator, "
            "GetRecords) are limited to this table's stream ARN.",
        )
        self.dlq_alarm = cloudwatch.Alarm(
            self,
            "DeadLetterQueueAlarm",
            alarm_name=alarm_name(names, "dlq-not-empty"),
            alarm_description=(
                "Audit chainer stream records failed every retry: some centres' views and "
                "downloads wait unchained until the daily purge (nothing is lost; verify "
                "counts them). The message names the shard and sequence numbers."
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
        self.iterator_age_alarm = cloudwatch.Alarm(
            self,
            "IteratorAgeAlarm",
            alarm_name=alarm_name(names, "iterator-age"),
            alarm_description=(
                "The audit chainer lags behind the table's stream by more than "
                f"{constants.AUDIT_CHAIN_ITERATOR_AGE_THRESHOLD_SECONDS} s: views and "
                "downloads are no longer chained within seconds."
            ),
            metric=function.metric(
                "IteratorAge",
                period=Duration.minutes(1),
                statistic=cloudwatch.Stats.MAXIMUM,
            ),
            threshold=constants.AUDIT_CHAIN_ITERATOR_AGE_THRESHOLD_SECONDS * 1000,  # ms
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
            evaluation_periods=constants.AUDIT_CHAIN_ITERATOR_AGE_MINUTES,
            datapoints_to_alarm=constants.AUDIT_CHAIN_ITERATOR_AGE_MINUTES,
            # No records, no metric: an idle stream is not late.
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )

    @property
    def alarms(self) -> list[cloudwatch.Alarm]:
        return [self.dlq_alarm, self.iterator_age_alarm]
