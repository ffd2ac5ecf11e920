"""CloudFront: the one public domain.

- ``/``        -> web bucket (OAC)
- ``/api/*``   -> HTTP API (same origin: cookies, no CORS; never cached), with the secret
  origin header (``topology.ORIGIN_HEADER``) that the API functions require: the only way
  CloudFront reaches the API, and the ``execute-api`` endpoint called directly gets 403
- ``/media/*`` -> media bucket (OAC), signed URLs/cookies from the trusted key group only.
  Media keys are ``t/<tenant>/...`` while URLs are ``/media/t/<tenant>/...``: a CloudFront
  Function (viewer request) strips the leading ``/media`` before the cache lookup. Its cache
  policy keeps an object ``topology.MEDIA_EDGE_TTL_SECONDS`` (its minimum, default and maximum
  TTLs; cache key: the path only): a deleted copy leaves the edge by itself
  within the revocation budget, so no function invalidates (docs/revocation.md).

The ingest bucket is never an origin: browsers POST to its regional endpoint directly.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping
from pathlib import Path
from typing import TypeVar

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_certificatemanager as acm
from aws_cdk import aws_cloudfront as cloudfront
from aws_cdk import aws_cloudfront_origins as origins
from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3_deployment as s3deploy
from aws_cdk import aws_ssm as ssm
from constructs import Construct

from infra import constants
from infra import names as physical
from infra.api import Api
from infra.config import REPO_ROOT, DeploymentConfig
from infra.lambda_factory import LOG_RETENTION
from infra.nag import acknowledge, policy_wildcards
from infra.signing import SigningKeys
from infra.storage import Storage
from pellicule.config import topology

EnumT = TypeVar("EnumT", bound=enum.Enum)

API_PATH_PATTERN = "/api/*"
MEDIA_PATH_PATTERN = f"{topology.MEDIA_PATH}*"
WEB_APP_DIR = REPO_ROOT / "web"


class Cdn(Construct):
    """Distribution, security headers, media-prefix function and the public URL."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: DeploymentConfig,
        names: topology.Names,
        storage: Storage,
        api: Api,
        signing: SigningKeys,
    ) -> None:
        super().__init__(scope, construct_id)
        # CloudFront policy/function/OAC names are global to the account: add the region.
        base = physical.cloudfront_base(names)
        self.headers_policy = security_headers_policy(
            self,
            "SecurityHeaders",
            name=f"{base}-security-headers",
            headers=topology.security_headers(topology.ingest_origin(names)),
        )
        self.distribution = self._distribution(config, base, storage, api, signing)
        self.public_url = config.public_url or f"https://{self.distribution.domain_name}"
        self.public_url_parameter = self._public_url_parameter(config, names)
        self.web_deployment = self._deploy_web_app(storage)

    # --- Distribution --------------------------------------------------------------------------

    def _distribution(
        self,
        config: DeploymentConfig,
        base: str,
        storage: Storage,
        api: Api,
        signing: SigningKeys,
    ) -> cloudfront.Distribution:
        oac = cloudfront.S3OriginAccessControl(
            self,
            "OriginAccessControl",
            origin_access_control_name=f"{base}-s3",
            signing=cloudfront.Signing.SIGV4_ALWAYS,
        )
        log = config.region not in constants.CLOUDFRONT_LOGGING_UNSUPPORTED_REGIONS
        distribution = cloudfront.Distribution(
            self,
            "Distribution",
            comment=f"Pellicule {config.stage} ({config.region})",
            default_behavior=self._behavior(
                origins.S3BucketOrigin.with_origin_access_control(
                    storage.web_bucket, origin_access_control=oac
                ),
            ),
            additional_behaviors={
                API_PATH_PATTERN: self._api_behavior(api, signing),
                MEDIA_PATH_PATTERN: self._media_behavior(
                    origins.S3BucketOrigin.with_origin_access_control(
                        storage.media_bucket, origin_access_control=oac
                    ),
                    base,
                    signing,
                ),
            },
            default_root_object="index.html",
            price_class=cloudfront.PriceClass.PRICE_CLASS_100,
            http_version=cloudfront.HttpVersion.HTTP2_AND_3,
            # Only meaningful with a custom certificate (the default one is fixed by AWS).
            minimum_protocol_version=(
                cloudfront.SecurityPolicyProtocol.TLS_V1_2_2021 if config.domain_name else None
            ),
            domain_names=[config.domain_name] if config.domain_name else None,
            certificate=self._certificate(config),
            geo_restriction=(
                cloudfront.GeoRestriction.allowlist(*config.geo_allow) if config.geo_allow else None
            ),
            web_acl_id=config.web_acl_arn,
            enable_logging=log,
            log_bucket=storage.logs_bucket if log else None,
            log_file_prefix=constants.CLOUDFRONT_LOG_PREFIX if log else None,
            log_includes_cookies=False,
        )
        self._acknowledge(distribution, config, logging=log)
        return distribution

    def _behavior(self, origin: cloudfront.IOrigin) -> cloudfront.BehaviorOptions:
        return cloudfront.BehaviorOptions(
            origin=origin,
            viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
            allowed_methods=cloudfront.AllowedMethods.ALLOW_GET_HEAD,
            cache_policy=cloudfront.CachePolicy.CACHING_OPTIMIZED,
            response_headers_policy=self.headers_policy,
            compress=True,
        )

    def _api_behavior(self, api: Api, signing: SigningKeys) -> cloudfront.BehaviorOptions:
        return cloudfront.BehaviorOptions(
            origin=origins.HttpOrigin(
                api.origin_domain,
                protocol_policy=cloudfront.OriginProtocolPolicy.HTTPS_ONLY,
                origin_ssl_protocols=[cloudfront.OriginSslPolicy.TLS_V1_2],
                # A dynamic reference resolved by CloudFormation at deploy: the template holds
                # the secret's name and version, never the value (docs/delivery.md).
                custom_headers={topology.ORIGIN_HEADER: signing.origin_header_value},
            ),
            viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
            allowed_methods=cloudfront.AllowedMethods.ALLOW_ALL,
            cache_policy=cloudfront.CachePolicy.CACHING_DISABLED,
            origin_request_policy=cloudfront.OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
            response_headers_policy=self.headers_policy,
            compress=True,
        )

    def _media_behavior(
        self, origin: cloudfront.IOrigin, base: str, signing: SigningKeys
    ) -> cloudfront.BehaviorOptions:
        strip_prefix = cloudfront.Function(
            self,
            "StripMediaPrefix",
            function_name=f"{base}-strip-media-prefix",
            comment=f"{topology.MEDIA_PATH}t/... -> media bucket key t/...",
            code=cloudfront.FunctionCode.from_inline(constants.STRIP_MEDIA_FUNCTION_CODE),
            runtime=cloudfront.FunctionRuntime.JS_2_0,
        )
        return cloudfront.BehaviorOptions(
            origin=origin,
            viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
            allowed_methods=cloudfront.AllowedMethods.ALLOW_GET_HEAD,
            cache_policy=self._media_cache_policy(base),
            response_headers_policy=self.headers_policy,
            trusted_key_groups=[signing.key_group],
            function_associations=[
                cloudfront.FunctionAssociation(
                    function=strip_prefix,
                    event_type=cloudfront.FunctionEventType.VIEWER_REQUEST,
                )
            ],
            compress=True,
        )

    def _media_cache_policy(self, base: str) -> cloudfront.CachePolicy:
        """``CachingOptimized`` (path-only key, compressed variants) but with its minimum,
        default and maximum TTLs all ``topology.MEDIA_EDGE_TTL_SECONDS``: whatever
        ``Cache-Control`` an object carries (the renditions' ``private, max-age=300``
        included), an edge keeps it exactly that long, so revocation needs no invalidation."""
        ttl = Duration.seconds(topology.MEDIA_EDGE_TTL_SECONDS)
        return cloudfront.CachePolicy(
            self,
            "MediaCachePolicy",
            cache_policy_name=f"{base}-media",
            comment=(
                f"/media/*: at most {topology.MEDIA_EDGE_TTL_SECONDS} s at the edge "
                "(revocation without invalidations)"
            ),
            min_ttl=ttl,
            default_ttl=ttl,
            max_ttl=ttl,
            cookie_behavior=cloudfront.CacheCookieBehavior.none(),
            header_behavior=cloudfront.CacheHeaderBehavior.none(),
            query_string_behavior=cloudfront.CacheQueryStringBehavior.none(),
            enable_accept_encoding_gzip=True,
            enable_accept_encoding_brotli=True,
        )

    def _certificate(self, config: DeploymentConfig) -> acm.ICertificate | None:
        if not config.certificate_arn:
            return None
        return acm.Certificate.from_certificate_arn(self, "Certificate", config.certificate_arn)

    def _acknowledge(
        self, distribution: cloudfront.Distribution, config: DeploymentConfig, *, logging: bool
    ) -> None:
        if not config.domain_name:
            acknowledge(
                distribution,
                "CFR4",
                "No custom domain is configured, so CloudFront serves its default "
                "*.cloudfront.net certificate, whose TLS policy AWS fixes and cannot be raised; "
                "set domainName + certificateArn to enforce TLSv1.2_2021 (done in code).",
            )
        if not config.geo_allow:
            acknowledge(
                distribution,
                "CFR1",
                "No geoAllow list was given: families travel and must reach their children's "
                "photos from abroad; every non-public path needs a session or a signed URL. "
                "Operators can restrict countries with the geoAllow context.",
            )
        if not config.web_acl_arn:
            acknowledge(
                distribution,
                "CFR2",
                "No web ACL was asked for: a CloudFront WAF web ACL lives in us-east-1, in the "
                "optional edge stack (-c edge=true) or given with -c webAclArn; the API is "
                "throttled, sign-in is rate-limited by the functions, media need signed URLs.",
            )
        if not logging:
            acknowledge(
                distribution,
                "CFR3",
                f"CloudFront standard logs cannot be delivered to S3 buckets in "
                f"{config.region} (AWS restriction for opt-in regions); API Gateway access "
                "logs and S3 server access logs still record every request.",
            )

    # --- Public URL and web app ----------------------------------------------------------------

    def _public_url_parameter(
        self, config: DeploymentConfig, names: topology.Names
    ) -> ssm.StringParameter | None:
        """Without a custom domain, functions read the URL from SSM (no dependency cycle)."""
        if config.domain_name:
            return None
        return ssm.StringParameter(
            self,
            "PublicUrlParameter",
            parameter_name=names.public_url_parameter,
            string_value=self.public_url,
            description=f"Public URL of Pellicule {names.stage} (the CloudFront domain)",
        )

    def grant_read_public_url(self, grantee: iam.IGrantable) -> None:
        """``ssm:GetParameter`` on the public-URL parameter (only when there is one)."""
        if self.public_url_parameter is None:
            return
        iam.Grant.add_to_principal(
            grantee=grantee,
            actions=["ssm:GetParameter"],
            resource_arns=[self.public_url_parameter.parameter_arn],
        )

    def _deploy_web_app(self, storage: Storage) -> s3deploy.BucketDeployment | None:
        """Upload ``web/`` and invalidate the distribution (skipped while ``web/`` is empty).

        The web bucket only holds this copy of ``web/``: removing the deployment (a rolled-back
        first create, a deleted stack) empties it, so CloudFormation can delete the bucket when
        a failed creation rolls back. The handler logs into a log group kept like ours (the
        CDK's default one keeps them two years)."""
        if not _has_files(WEB_APP_DIR):
            return None
        log_group = logs.LogGroup(
            self,
            "WebAppDeploymentLogs",
            retention=LOG_RETENTION,
            # Deployment traces only (no personal data): nothing to keep after the stack.
            removal_policy=RemovalPolicy.DESTROY,
        )
        deployment = s3deploy.BucketDeployment(
            self,
            "WebApp",
            sources=[s3deploy.Source.asset(str(WEB_APP_DIR), exclude=["**/.*", "**/__pycache__"])],
            destination_bucket=storage.web_bucket,
            distribution=self.distribution,
            distribution_paths=["/*"],
            memory_limit=256,
            retain_on_delete=False,
            log_group=log_group,
        )
        _acknowledge_deployment_handler(deployment)
        return deployment


def _acknowledge_deployment_handler(deployment: s3deploy.BucketDeployment) -> None:
    """Findings of the CDK-provided BucketDeployment handler (its code and role are CDK's)."""
    role = deployment.handler_role
    handler = role.node.scope  # the handler function (a stack-level singleton)
    assert handler is not None
    acknowledge(
        handler,
        "L1",
        "The BucketDeployment handler is provided by aws-cdk-lib, which picks its runtime; it "
        "runs only during deployments to copy web/ into the web bucket.",
    )
    acknowledge(
        handler,
        "IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/"
        "AWSLambdaBasicExecutionRole]",
        "The CDK-provided BucketDeployment handler role attaches the basic execution policy "
        "(its own CloudWatch logs only); the role is not configurable from the construct.",
    )
    policy = role.node.try_find_child("DefaultPolicy")
    assert isinstance(policy, iam.Policy)
    for finding in policy_wildcards(policy):
        acknowledge(
            handler,
            finding,
            "Generated by BucketDeployment for the deployment-time copy: read the CDK asset "
            "objects, write/delete objects of the web bucket only, and create CloudFront "
            "invalidations (an action that supports no resource scoping).",
        )


def _has_files(directory: Path) -> bool:
    return directory.is_dir() and any(path.is_file() for path in directory.rglob("*"))


def security_headers_policy(
    scope: Construct, construct_id: str, *, name: str, headers: Mapping[str, str]
) -> cloudfront.ResponseHeadersPolicy:
    """A response-headers policy setting exactly ``headers`` (overriding the origin's)."""
    remaining = dict(headers)
    security = cloudfront.ResponseSecurityHeadersBehavior(
        content_security_policy=_csp(remaining.pop("Content-Security-Policy", None)),
        strict_transport_security=_hsts(remaining.pop("Strict-Transport-Security", None)),
        content_type_options=_nosniff(remaining.pop("X-Content-Type-Options", None)),
        referrer_policy=_referrer(remaining.pop("Referrer-Policy", None)),
        frame_options=_frame(remaining.pop("X-Frame-Options", None)),
    )
    custom = [
        cloudfront.ResponseCustomHeader(header=header, value=value, override=True)
        for header, value in remaining.items()
    ]
    return cloudfront.ResponseHeadersPolicy(
        scope,
        construct_id,
        response_headers_policy_name=name,
        comment="Pellicule security headers (pellicule.config.topology.security_headers)",
        security_headers_behavior=security,
        custom_headers_behavior=(
            cloudfront.ResponseCustomHeadersBehavior(custom_headers=custom) if custom else None
        ),
    )


def _csp(value: str | None) -> cloudfront.ResponseHeadersContentSecurityPolicy | None:
    if value is None:
        return None
    return cloudfront.ResponseHeadersContentSecurityPolicy(
        content_security_policy=value, override=True
    )


def _hsts(value: str | None) -> cloudfront.ResponseHeadersStrictTransportSecurity | None:
    if value is None:
        return None
    directives = {part.strip().lower() for part in value.split(";") if part.strip()}
    match = re.search(r"max-age=(\d+)", value)
    if match is None:
        raise ValueError(f"Strict-Transport-Security without max-age: {value!r}")
    return cloudfront.ResponseHeadersStrictTransportSecurity(
        access_control_max_age=Duration.seconds(int(match.group(1))),
        include_subdomains="includesubdomains" in directives,
        preload="preload" in directives,
        override=True,
    )


def _nosniff(value: str | None) -> cloudfront.ResponseHeadersContentTypeOptions | None:
    if value is None:
        return None
    if value.lower() != "nosniff":
        raise ValueError(f"X-Content-Type-Options must be nosniff, got {value!r}")
    return cloudfront.ResponseHeadersContentTypeOptions(override=True)


def _referrer(value: str | None) -> cloudfront.ResponseHeadersReferrerPolicy | None:
    if value is None:
        return None
    return cloudfront.ResponseHeadersReferrerPolicy(
        referrer_policy=_member(cloudfront.HeadersReferrerPolicy, value), override=True
    )


def _frame(value: str | None) -> cloudfront.ResponseHeadersFrameOptions | None:
    if value is None:
        return None
    return cloudfront.ResponseHeadersFrameOptions(
        frame_option=_member(cloudfront.HeadersFrameOption, value), override=True
    )


def _member(enum: type[EnumT], header_value: str) -> EnumT:
    """The CDK enum member of a header value: ``no-referrer`` -> ``NO_REFERRER``."""
    return enum[header_value.strip().upper().replace("-", "_")]
