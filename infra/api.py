"""HTTP API: one ``ANY /api/<prefix>/{proxy+}`` route per :data:`topology.API_ROUTES`.

Its default ``execute-api`` endpoint stays reachable from the Internet: HTTP APIs can only
disable it once a custom domain name serves the API, and CloudFront would then need that
domain (and its certificate) as origin. The functions refuse instead every request without
CloudFront's secret origin header (``pellicule.api.http.origin_refusal``)."""

from __future__ import annotations

import json
from collections.abc import Mapping

import jsii
from aws_cdk import RemovalPolicy
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_apigatewayv2 as apigwv2
from aws_cdk import aws_apigatewayv2_integrations as integrations
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from infra import constants
from infra.lambda_factory import LOG_RETENTION
from infra.nag import acknowledge
from infra.signing import SigningKeys
from pellicule.config import topology

# HTTP API access-log fields. No path and no query string: paths carry ids and the log stays
# minimal (magic-link tokens travel in URL fragments, which never reach a server anyway).
ACCESS_LOG_FIELDS = {
    "requestId": "$context.requestId",
    "requestTime": "$context.requestTime",
    "ip": "$context.identity.sourceIp",
    "method": "$context.httpMethod",
    "routeKey": "$context.routeKey",
    "status": "$context.status",
    "protocol": "$context.protocol",
    "responseLength": "$context.responseLength",
    "latencyMs": "$context.responseLatency",
    "integrationStatus": "$context.integrationStatus",
    "integrationError": "$context.integrationErrorMessage",
}


class Api(Construct):
    """The HTTP API behind CloudFront's ``/api/*``; the functions authorize every request."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        names: topology.Names,
        functions: Mapping[str, lambda_.IFunction],
        removal_policy: RemovalPolicy,
        signing: SigningKeys,
    ) -> None:
        super().__init__(scope, construct_id)
        self.access_logs = logs.LogGroup(
            self, "AccessLogs", retention=LOG_RETENTION, removal_policy=removal_policy
        )
        self.http_api = apigwv2.HttpApi(
            self,
            "HttpApi",
            api_name=f"{names.prefix}-api",
            description=f"Pellicule {names.stage} API (served under /api/* by CloudFront)",
            create_default_stage=False,
        )
        self.stage = self.http_api.add_stage(
            "DefaultStage",
            stage_name="$default",
            auto_deploy=True,
            throttle=apigwv2.ThrottleSettings(
                rate_limit=constants.API_THROTTLE_RATE_PER_SECOND,
                burst_limit=constants.API_THROTTLE_BURST,
            ),
            access_log_settings=_AccessLogSettings(self.access_logs),
        )
        for route in topology.API_ROUTES:
            self._add_route(route, functions[route.function])
        # Every function behind a route checks CloudFront's origin header on every request;
        # no other function may read its values.
        for name in sorted({route.function for route in topology.API_ROUTES}):
            signing.grant_check_origin(functions[name])

    def _add_route(self, route: topology.Route, function: lambda_.IFunction) -> None:
        routes = self.http_api.add_routes(
            path=route.path,
            methods=[apigwv2.HttpMethod(route.method)],
            integration=integrations.HttpLambdaIntegration(
                f"{route.prefix.capitalize()}Integration", function
            ),
        )
        for http_route in routes:
            acknowledge(
                http_route,
                "APIG4",
                "Authorization is done by the function on every request: a server-side "
                "session (magic link + TOTP, __Host- cookie) plus a CSRF header, tenant taken "
                "from the session only; public endpoints (login, magic links) must stay open.",
            )

    @property
    def origin_domain(self) -> str:
        """Domain CloudFront forwards ``/api/*`` to."""
        return f"{self.http_api.api_id}.execute-api.{self.http_api.stack.region}.amazonaws.com"


@jsii.implements(apigwv2.IAccessLogSettings)
class _AccessLogSettings:
    """JSON access logs into a log group."""

    def __init__(self, log_group: logs.ILogGroup) -> None:
        self._destination = apigwv2.LogGroupLogDestination(log_group)
        self._format = apigw.AccessLogFormat.custom(json.dumps(ACCESS_LOG_FIELDS))

    @property
    def destination(self) -> apigwv2.IAccessLogDestination:
        return self._destination

    @property
    def format(self) -> apigw.AccessLogFormat | None:
        return self._format
