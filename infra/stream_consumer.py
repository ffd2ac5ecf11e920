"""A function fed by the table's stream: its event source mapping, DLQ and two alarms.

From a :class:`pellicule.config.topology.StreamConsumer`: a Lambda event source mapping on the
table's stream that starts at ``LATEST``, lets through only the records matching the
consumer's filters, gathers them for the consumer's batching window, splits a failing batch
in two until the bad record is alone, retries it a few times, and then sends its description
(shard, sequence numbers; not the record itself) to a dead-letter queue. Two alarms watch it:
that queue is not empty, and the stream's iterator age. Each consumer (``infra/revocation.py``,
``infra/audit_chain.py``) says what its alarms mean.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_event_sources as event_sources
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra import constants
from infra.nag import acknowledge
from pellicule.config import topology


@dataclass(frozen=True)
class Watch:
    """One stream consumer: its topology, its resources' names, what its DLQ and lag mean,
    and when it is late."""

    spec: topology.StreamConsumer
    name: Callable[[topology.Names, str], str]  # (names, what) -> a physical name
    mapping: str  # names the event source mapping in the DLQ's cdk-nag acknowledgment
    dlq_description: str
    lag_description: str
    lag_seconds: int
    lag_minutes: int


class StreamConsumerSource(Construct):
    """The stream event source of ``function``, its DLQ and its two alarms."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        watch: Watch,
        names: topology.Names,
        table: dynamodb.ITable,
        function: lambda_.Function,
    ) -> None:
        super().__init__(scope, construct_id)
        spec = watch.spec

        def name(what: str) -> str:
            return watch.name(names, what)

        self.dead_letter_queue = sqs.Queue(
            self,
            "DeadLetterQueue",
            queue_name=name("dlq"),
            retention_period=Duration.days(constants.STREAM_DLQ_RETENTION_DAYS),
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
        )
        acknowledge(
            self.dead_letter_queue,
            "SQS3",
            "This queue is itself a dead-letter queue: the on-failure destination of the "
            f"{watch.mapping} (a Lambda destination, which cdk-nag does not recognise as a "
            "redrive source); it has an alarm when not empty.",
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
            alarm_name=name("dlq-not-empty"),
            alarm_description=watch.dlq_description,
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
            alarm_name=name("iterator-age"),
            alarm_description=watch.lag_description,
            metric=function.metric(
                "IteratorAge",
                period=Duration.minutes(1),
                statistic=cloudwatch.Stats.MAXIMUM,
            ),
            threshold=watch.lag_seconds * 1000,  # milliseconds
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
            evaluation_periods=watch.lag_minutes,
            datapoints_to_alarm=watch.lag_minutes,
            # No records, no metric: an idle stream is not late.
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )

    @property
    def alarms(self) -> list[cloudwatch.Alarm]:
        return [self.dlq_alarm, self.iterator_age_alarm]
