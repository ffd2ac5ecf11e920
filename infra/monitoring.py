"""Alarms -> one SNS topic: errors and throttles of every function, each ingest DLQ's depth,
the HTTP API's 5xx answers and, when the stack sends mail, the SES account's reputation.

CloudFront publishes its metrics (``5xxErrorRate``...) in us-east-1 only, and a CloudWatch alarm
can only watch metrics of its own region: the distribution's 5xx-rate alarm lives in the optional
us-east-1 alarms stack (``-c edge=true``, infra/edge.py). The API's 5xx alarm here sees the
origin side of the same failures.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from aws_cdk import Duration
from aws_cdk import aws_apigatewayv2 as apigwv2
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

    def watch_api(self, http_api: apigwv2.HttpApi) -> None:
        """5xx answers of the HTTP API (integration errors, timeouts and throttles included)."""
        alarm = cloudwatch.Alarm(
            self,
            "Api5xx",
            alarm_name=f"{self._names.prefix}-api-5xx",
            alarm_description=(
                "The HTTP API answered 5xx: a function failed, timed out or was throttled."
            ),
            metric=http_api.metric_server_error(
                period=Duration.minutes(constants.ALARM_PERIOD_MINUTES),
                statistic=cloudwatch.Stats.SUM,
            ),
            threshold=constants.API_5XX_THRESHOLD,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            evaluation_periods=1,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )
        self.watch(alarm)

    def watch_mail_reputation(self) -> None:
        """SES account reputation (``AWS/SES`` ``Reputation.BounceRate`` and
        ``Reputation.ComplaintRate``, fractions of the mail sent): alarms fire before the rates
        at which AWS puts the account under review (5 % bounces, 0.1 % complaints)."""
        for what, metric_name, threshold in (
            ("bounce", "Reputation.BounceRate", constants.SES_BOUNCE_RATE_THRESHOLD),
            ("complaint", "Reputation.ComplaintRate", constants.SES_COMPLAINT_RATE_THRESHOLD),
        ):
            alarm = cloudwatch.Alarm(
                self,
                f"Ses{what.capitalize()}Rate",
                alarm_name=f"{self._names.prefix}-ses-{what}-rate",
                alarm_description=(
                    f"The SES {what} rate of the account in this region reached "
                    f"{threshold:.2%}: AWS reviews sending above "
                    f"{'5 %' if what == 'bounce' else '0.1 %'}; sign-in e-mails are at risk."
                ),
                metric=cloudwatch.Metric(
                    namespace="AWS/SES",
                    metric_name=metric_name,
                    period=Duration.minutes(constants.SES_REPUTATION_PERIOD_MINUTES),
                    statistic=cloudwatch.Stats.MAXIMUM,
                ),
                threshold=threshold,
                comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
                evaluation_periods=1,
                # SES publishes the rates only once the account has sent enough mail.
                treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
            )
            self.watch(alarm)

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
