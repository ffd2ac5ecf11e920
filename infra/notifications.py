"""Notifications: the EventBridge schedule that runs the daily digest function.

The digest function also serves ``/api/digest/...`` (unsubscribing by link); that route is
created with the others from :data:`pellicule.config.topology.API_ROUTES` (``infra/api.py``). Its
grants (table, public URL, SES identity) are in ``infra/stack.py``.
"""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from pellicule.config import topology

# A failed run is retried (the per-guardian conditional write makes a retry send nothing
# twice); a run that could not start within a few hours is dropped: tomorrow's covers it.
DIGEST_RETRY_ATTEMPTS = 2
DIGEST_MAX_EVENT_AGE = Duration.hours(3)


class Notifications(Construct):
    """Runs the digest function on :data:`pellicule.config.topology.DIGEST_SCHEDULE_EXPRESSION`."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        names: topology.Names,
        digest_function: lambda_.IFunction,
    ) -> None:
        super().__init__(scope, construct_id)
        self.rule = events.Rule(
            self,
            "DigestSchedule",
            rule_name=f"{names.prefix}-digest",
            description="Daily digest e-mails to guardians (new items they may see)",
            schedule=events.Schedule.expression(topology.DIGEST_SCHEDULE_EXPRESSION),
            targets=[
                targets.LambdaFunction(
                    digest_function,
                    retry_attempts=DIGEST_RETRY_ATTEMPTS,
                    max_event_age=DIGEST_MAX_EVENT_AGE,
                )
            ],
        )
