"""Retention: the EventBridge schedule that runs the purge function."""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from pellicule.config import topology

PURGE_RETRY_ATTEMPTS = 2
PURGE_MAX_EVENT_AGE = Duration.hours(6)


class Retention(Construct):
    """Runs the purge function on :data:`pellicule.config.topology.PURGE_SCHEDULE_EXPRESSION`
    (every step), and every hour on the erasure requests only (their 24-hour deadline)."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        names: topology.Names,
        purge_function: lambda_.IFunction,
    ) -> None:
        super().__init__(scope, construct_id)
        self.rule = events.Rule(
            self,
            "PurgeSchedule",
            rule_name=f"{names.prefix}-purge",
            description="Retention purge, revocations, erasure requests, evidence report",
            schedule=events.Schedule.expression(topology.PURGE_SCHEDULE_EXPRESSION),
            targets=[
                targets.LambdaFunction(
                    purge_function,
                    retry_attempts=PURGE_RETRY_ATTEMPTS,
                    max_event_age=PURGE_MAX_EVENT_AGE,
                )
            ],
        )
        self.erasure_rule = events.Rule(
            self,
            "ErasureSchedule",
            rule_name=f"{names.prefix}-erasures",
            description="Erasure requests (done within 24 hours)",
            schedule=events.Schedule.expression(topology.ERASURE_SCHEDULE_EXPRESSION),
            targets=[
                targets.LambdaFunction(
                    purge_function,
                    event=events.RuleTargetInput.from_object(
                        {"steps": list(topology.ERASURE_STEPS)}
                    ),
                    retry_attempts=PURGE_RETRY_ATTEMPTS,
                    max_event_age=Duration.hours(1),
                )
            ],
        )
