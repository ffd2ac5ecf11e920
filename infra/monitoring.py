"""Alarms: errors and throttles of every function, each ingest DLQ's depth -> one SNS topic."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as actions
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from constructs import Construct

from infra import constants
from pellicule.config import topology


class Monitoring(Construct):
    """The alarm topic (optionally mailed to the operator) and the alarms wired to it."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        names: topology.Names,
        functions: Mapping[str, lambda_.IFunction],
        extra_alarms: Iterable[cloudwatch.Alarm],
        alarm_email: str | None,
    ) -> None:
        super().__init__(scope, construct_id)
        self._names = names
        self.topic = sns.Topic(
            self,
            "AlarmTopic",
            topic_name=f"{names.prefix}-alarms",
            display_name=f"Pellicule {names.stage} alarms",
            enforce_ssl=True,
        )
        if alarm_email:
            self.topic.add_subscription(subscriptions.EmailSubscription(alarm_email))
        self._action = actions.SnsAction(self.topic)
        self.alarms: list[cloudwatch.Alarm] = []
        for name, function in functions.items():
            self._watch_function(name, function)
        for alarm in extra_alarms:
            self.watch(alarm)

    def watch(self, alarm: cloudwatch.Alarm) -> None:
        """Send ``alarm``'s state changes to the topic."""
        alarm.add_alarm_action(self._action)
        alarm.add_ok_action(self._action)
        self.alarms.append(alarm)

    def _watch_function(self, name: str, function: lambda_.IFunction) -> None:
        period = Duration.minutes(constants.ALARM_PERIOD_MINUTES)
        metrics = {
            "errors": function.metric_errors(period=period, statistic=cloudwatch.Stats.SUM),
            "throttles": function.metric_throttles(period=period, statistic=cloudwatch.Stats.SUM),
        }
        for kind, metric in metrics.items():
            alarm = cloudwatch.Alarm(
                self,
                f"{name.capitalize()}{kind.capitalize()}",
                alarm_name=f"{self._names.function(name)}-{kind}",
                alarm_description=f"The {name} function reported {kind}.",
                metric=metric,
                threshold=1,
                comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
                evaluation_periods=1,
                treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
            )
            self.watch(alarm)
