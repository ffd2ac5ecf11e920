"""The optional edge stacks (``-c edge=true``), in us-east-1 because CloudFront wants them there.

A CloudFront web ACL must be created in us-east-1 (scope ``CLOUDFRONT``), and CloudFront
publishes its metrics (``5xxErrorRate``) in us-east-1 only, where an alarm on them must live.
Neither holds personal data: the web ACL keeps no logs and no sampled requests (they would
hold cookies and addresses), the alarm sees rates.

Three stacks, deployed in this order (scripts/deploy.sh names them; the CDK orders them by
their references, which cdk.json makes weak: ``Fn::GetStackOutput``, resolved by
CloudFormation when the consumer is created or updated; no custom resource, no SSM export):

1. ``pellicule-<stage>-<region>-edge`` (us-east-1): the web ACL;
2. ``pellicule-<stage>`` (the EU region): the distribution, attached to the web ACL;
3. ``pellicule-<stage>-<region>-edge-alarms`` (us-east-1): the distribution's 5xx-rate alarm
   and its topic (mailed to ``alarmEmail``).

The region is in the us-east-1 stacks' names: the same stage may run in two EU regions.
"""

from __future__ import annotations

from typing import Any

from aws_cdk import Duration, Stack
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as actions
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from aws_cdk import aws_wafv2 as wafv2
from constructs import Construct

from infra import constants

EDGE_REGION = constants.EDGE_REGION


def web_acl_name(stage: str, region: str) -> str:
    return f"pellicule-{stage}-{region}"


def _visibility(metric_name: str) -> wafv2.CfnWebACL.VisibilityConfigProperty:
    # Sampled requests would keep whole requests (cookies, addresses) for hours: off.
    return wafv2.CfnWebACL.VisibilityConfigProperty(
        cloud_watch_metrics_enabled=True,
        metric_name=metric_name,
        sampled_requests_enabled=False,
    )


def _api_paths(prefix: str) -> wafv2.CfnWebACL.StatementProperty:
    """Requests whose path starts with ``prefix``."""
    return wafv2.CfnWebACL.StatementProperty(
        byte_match_statement=wafv2.CfnWebACL.ByteMatchStatementProperty(
            field_to_match=wafv2.CfnWebACL.FieldToMatchProperty(uri_path={}),
            positional_constraint="STARTS_WITH",
            search_string=prefix,
            text_transformations=[
                wafv2.CfnWebACL.TextTransformationProperty(priority=0, type="NONE")
            ],
        )
    )


def _rate_rule(name: str, priority: int, limit: int, prefix: str) -> wafv2.CfnWebACL.RuleProperty:
    """Block an address (IP) that sends more than ``limit`` requests to ``prefix`` within
    five minutes, until its rate falls again."""
    return wafv2.CfnWebACL.RuleProperty(
        name=name,
        priority=priority,
        action=wafv2.CfnWebACL.RuleActionProperty(block={}),
        statement=wafv2.CfnWebACL.StatementProperty(
            rate_based_statement=wafv2.CfnWebACL.RateBasedStatementProperty(
                aggregate_key_type="IP",
                limit=limit,
                evaluation_window_sec=constants.WAF_RATE_WINDOW_SECONDS,
                scope_down_statement=_api_paths(prefix),
            )
        ),
        visibility_config=_visibility(name),
    )


def _managed_rule(
    name: str, priority: int, group: str, *, count_only: tuple[str, ...] = ()
) -> wafv2.CfnWebACL.RuleProperty:
    return wafv2.CfnWebACL.RuleProperty(
        name=name,
        priority=priority,
        override_action=wafv2.CfnWebACL.OverrideActionProperty(none={}),
        statement=wafv2.CfnWebACL.StatementProperty(
            managed_rule_group_statement=wafv2.CfnWebACL.ManagedRuleGroupStatementProperty(
                vendor_name="AWS",
                name=group,
                rule_action_overrides=[
                    wafv2.CfnWebACL.RuleActionOverrideProperty(
                        name=rule, action_to_use=wafv2.CfnWebACL.RuleActionProperty(count={})
                    )
                    for rule in count_only
                ]
                or None,
            )
        ),
        visibility_config=_visibility(name),
    )


class EdgeFirewallStack(Stack):
    """The web ACL the distribution is attached to."""

    def __init__(
        self, scope: Construct, construct_id: str, *, stage: str, region: str, **kwargs: Any
    ) -> None:
        super().__init__(scope, construct_id, cross_region_references=True, **kwargs)
        name = web_acl_name(stage, region)
        self.web_acl = wafv2.CfnWebACL(
            self,
            "WebAcl",
            name=name,
            scope="CLOUDFRONT",
            description=f"Pellicule {stage} {region} - rate limits and AWS common rules",
            default_action=wafv2.CfnWebACL.DefaultActionProperty(allow={}),
            visibility_config=_visibility(name),
            rules=[
                # Sign-in links and codes: the functions limit per address and per e-mail
                # already; this stops a flood before it costs a function call.
                _rate_rule("auth-rate", 0, constants.WAF_AUTH_RATE_LIMIT, "/api/auth/"),
                # The whole API, generous: a centre's families may share one address (a
                # carrier's NAT, the centre's Wi-Fi). Media (/media/*) need a signed URL and
                # are not limited here: one album page loads a hundred thumbnails.
                _rate_rule("api-rate", 1, constants.WAF_API_RATE_LIMIT, "/api/"),
                # AWS's common rules. The API's bodies are small JSON, but an upload grant
                # request for a long list of files can pass 8 KB: the body size rule counts.
                _managed_rule(
                    "aws-common",
                    2,
                    "AWSManagedRulesCommonRuleSet",
                    count_only=("SizeRestrictions_BODY",),
                ),
                _managed_rule("aws-known-bad-inputs", 3, "AWSManagedRulesKnownBadInputsRuleSet"),
            ],
        )
        self.web_acl_arn: str = self.web_acl.attr_arn


class EdgeAlarmsStack(Stack):
    """The distribution's 5xx error rate, watched where CloudFront publishes it."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        stage: str,
        region: str,
        distribution_id: str,
        alarm_email: str | None,
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, construct_id, cross_region_references=True, **kwargs)
        prefix = f"pellicule-{stage}-{region}"
        topic = sns.Topic(
            self,
            "EdgeAlarmTopic",
            topic_name=f"{prefix}-edge-alarms",
            display_name=f"Pellicule {stage} ({region}) CloudFront alarms",
            enforce_ssl=True,
        )
        if alarm_email:
            topic.add_subscription(subscriptions.EmailSubscription(alarm_email))
        alarm = cloudwatch.Alarm(
            self,
            "Cdn5xxRate",
            alarm_name=f"{prefix}-cdn-5xx-rate",
            alarm_description=(
                "CloudFront answered 5xx to more than "
                f"{constants.CDN_5XX_RATE_THRESHOLD:g} % of requests: an origin (API, media, "
                "web bucket) fails or CloudFront cannot reach it."
            ),
            metric=cloudwatch.Metric(
                namespace="AWS/CloudFront",
                metric_name="5xxErrorRate",
                dimensions_map={"DistributionId": distribution_id, "Region": "Global"},
                period=Duration.minutes(constants.ALARM_PERIOD_MINUTES),
                statistic=cloudwatch.Stats.AVERAGE,
            ),
            threshold=constants.CDN_5XX_RATE_THRESHOLD,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
            evaluation_periods=constants.CDN_5XX_EVALUATION_PERIODS,
            datapoints_to_alarm=constants.CDN_5XX_DATAPOINTS,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )
        alarm.add_alarm_action(actions.SnsAction(topic))
        alarm.add_ok_action(actions.SnsAction(topic))
        self.alarm = alarm
