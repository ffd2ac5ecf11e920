"""HTTP API routes and the CloudFront distribution (OAC, key group, headers, TLS, logs)."""

from __future__ import annotations

import json
import shutil
import subprocess
from typing import Any

import pytest

from infra import constants
from pellicule.config import topology
from tests.infra.support import (
    CERTIFICATE_ARN,
    DOMAIN,
    KEY_STAMPS,
    WEB_ACL_ARN,
    Variant,
    logical_id,
    names,
)

pytestmark = pytest.mark.infra

CACHING_DISABLED = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"
CACHING_OPTIMIZED = "658327ea-f89d-4fab-a63d-7e88639e58f6"
ALL_VIEWER_EXCEPT_HOST_HEADER = "b689b0a8-53d0-40ab-baf2-68738e2966ac"
MEDIA_PATTERN = f"{topology.MEDIA_PATH}*"


def distribution(variant: Variant) -> tuple[str, dict[str, Any]]:
    key, resource = variant.one("AWS::CloudFront::Distribution")
    return key, dict(resource["Properties"]["DistributionConfig"])


def behavior(variant: Variant, pattern: str) -> dict[str, Any]:
    _, config = distribution(variant)
    [found] = [b for b in config["CacheBehaviors"] if b["PathPattern"] == pattern]
    return dict(found)


def origin(variant: Variant, origin_id: str) -> dict[str, Any]:
    _, config = distribution(variant)
    [found] = [o for o in config["Origins"] if o["Id"] == origin_id]
    return dict(found)


def bucket_key(variant: Variant, purpose: str) -> str:
    bucket_name = getattr(names(variant), f"{purpose}_bucket")
    return logical_id(variant, "AWS::S3::Bucket", BucketName=bucket_name)


# --- API ---------------------------------------------------------------------------------------


def test_one_route_per_topology_route_to_the_matching_function(main: Variant) -> None:
    routes = {
        r["Properties"]["RouteKey"]: r["Properties"]
        for r in main.of_type("AWS::ApiGatewayV2::Route").values()
    }
    assert set(routes) == {route.route_key for route in topology.API_ROUTES}
    for route in topology.API_ROUTES:
        if route.exact_path is None:
            assert route.route_key == f"ANY /api/{route.prefix}/{{proxy+}}"
        else:  # a single public document, read only
            assert route.route_key == f"GET {route.exact_path}"
        target = routes[route.route_key]["Target"]["Fn::Join"][1][1]["Ref"]
        integration = main.resources[target]["Properties"]
        function_key = logical_id(
            main, "AWS::Lambda::Function", FunctionName=names(main).function(route.function)
        )
        assert integration["IntegrationType"] == "AWS_PROXY"
        assert integration["IntegrationUri"] == {"Fn::GetAtt": [function_key, "Arn"]}
        assert integration["PayloadFormatVersion"] == "2.0"


def test_api_stage_logs_access_and_throttles(main: Variant) -> None:
    _, stage = main.one("AWS::ApiGatewayV2::Stage")
    props = stage["Properties"]
    assert props["StageName"] == "$default"
    assert props["AutoDeploy"] is True
    settings = props["DefaultRouteSettings"]
    assert settings["ThrottlingRateLimit"] == constants.API_THROTTLE_RATE_PER_SECOND
    assert settings["ThrottlingBurstLimit"] == constants.API_THROTTLE_BURST
    access = props["AccessLogSettings"]
    log_group = access["DestinationArn"]["Fn::GetAtt"][0]
    assert main.resources[log_group]["Type"] == "AWS::Logs::LogGroup"
    assert main.resources[log_group]["Properties"]["RetentionInDays"] == 90
    fields = json.loads(access["Format"])
    assert fields["requestId"] == "$context.requestId"
    assert "path" not in fields  # paths and query strings stay out of the logs


# --- Distribution ------------------------------------------------------------------------------


def test_default_behaviour_serves_the_web_bucket_through_oac(main: Variant) -> None:
    _, config = distribution(main)
    default = config["DefaultCacheBehavior"]
    web = origin(main, default["TargetOriginId"])
    assert web["DomainName"] == {"Fn::GetAtt": [bucket_key(main, "web"), "RegionalDomainName"]}
    assert "OriginAccessControlId" in web
    assert web["S3OriginConfig"] == {"OriginAccessIdentity": ""}
    assert default["ViewerProtocolPolicy"] == "redirect-to-https"
    assert default["CachePolicyId"] == CACHING_OPTIMIZED
    assert config["DefaultRootObject"] == "index.html"
    assert config["PriceClass"] == "PriceClass_100"
    assert "CustomErrorResponses" not in config


def test_api_behaviour_is_uncached_same_origin_to_the_http_api(main: Variant) -> None:
    api_key, _ = main.one("AWS::ApiGatewayV2::Api")
    api = behavior(main, "/api/*")
    assert api["CachePolicyId"] == CACHING_DISABLED
    assert api["OriginRequestPolicyId"] == ALL_VIEWER_EXCEPT_HOST_HEADER
    assert set(api["AllowedMethods"]) == {
        "GET",
        "HEAD",
        "OPTIONS",
        "PUT",
        "PATCH",
        "POST",
        "DELETE",
    }
    assert api["ViewerProtocolPolicy"] == "redirect-to-https"
    target = origin(main, api["TargetOriginId"])
    assert target["DomainName"] == {
        "Fn::Join": ["", [{"Ref": api_key}, f".execute-api.{main.config.region}.amazonaws.com"]]
    }
    assert target["CustomOriginConfig"] == {
        "OriginProtocolPolicy": "https-only",
        "OriginSSLProtocols": ["TLSv1.2"],
    }


def test_media_behaviour_keeps_objects_the_edge_ttl(main: Variant, variant: Variant) -> None:
    # Revocation without invalidations (docs/revocation.md): whatever Cache-Control an object
    # carries, an edge keeps it topology.MEDIA_EDGE_TTL_SECONDS (minimum = default = maximum).
    for checked in (main, variant):
        media = behavior(checked, MEDIA_PATTERN)
        ref = media["CachePolicyId"]
        assert ref != CACHING_OPTIMIZED
        policy = checked.resources[ref["Ref"]]
        assert policy["Type"] == "AWS::CloudFront::CachePolicy"
        config = policy["Properties"]["CachePolicyConfig"]
        assert config["MinTTL"] == topology.MEDIA_EDGE_TTL_SECONDS
        assert config["DefaultTTL"] == topology.MEDIA_EDGE_TTL_SECONDS
        assert config["MaxTTL"] == topology.MEDIA_EDGE_TTL_SECONDS
        # The cache key is the path only: a signature (query string or cookies) never
        # splits the cache, and none of it is sent to the bucket.
        key = config["ParametersInCacheKeyAndForwardedToOrigin"]
        assert key["CookiesConfig"] == {"CookieBehavior": "none"}
        assert key["HeadersConfig"] == {"HeaderBehavior": "none"}
        assert key["QueryStringsConfig"] == {"QueryStringBehavior": "none"}
        assert key["EnableAcceptEncodingGzip"] is True
        assert key["EnableAcceptEncodingBrotli"] is True


def test_media_behaviour_needs_a_signature_from_the_key_group(main: Variant) -> None:
    group_key, group = main.one("AWS::CloudFront::KeyGroup")
    media = behavior(main, MEDIA_PATTERN)
    assert media["TrustedKeyGroups"] == [{"Ref": group_key}]
    assert media["ViewerProtocolPolicy"] == "redirect-to-https"
    assert media["AllowedMethods"] == ["GET", "HEAD"]
    target = origin(main, media["TargetOriginId"])
    assert target["DomainName"] == {"Fn::GetAtt": [bucket_key(main, "media"), "RegionalDomainName"]}
    assert "OriginAccessControlId" in target
    # Every public key file is trusted (rotation); functions sign with the newest one.
    keys = main.of_type("AWS::CloudFront::PublicKey")
    assert len(keys) == len(KEY_STAMPS)
    assert sorted(item["Ref"] for item in group["Properties"]["KeyGroupConfig"]["Items"]) == sorted(
        keys
    )


def test_oac_signs_every_origin_request_and_buckets_trust_only_this_distribution(
    main: Variant,
) -> None:
    distribution_key, _ = distribution(main)
    _, oac = main.one("AWS::CloudFront::OriginAccessControl")
    config = oac["Properties"]["OriginAccessControlConfig"]
    assert config["SigningBehavior"] == "always"
    assert config["SigningProtocol"] == "sigv4"
    assert config["OriginAccessControlOriginType"] == "s3"
    for purpose in ("web", "media"):
        key = bucket_key(main, purpose)
        statements = [
            s
            for r in main.of_type("AWS::S3::BucketPolicy").values()
            if r["Properties"]["Bucket"] == {"Ref": key}
            for s in r["Properties"]["PolicyDocument"]["Statement"]
            if s["Effect"] == "Allow" and s["Principal"] == {"Service": "cloudfront.amazonaws.com"}
        ]
        [statement] = statements
        assert statement["Action"] == "s3:GetObject"
        assert distribution_key in json.dumps(statement["Condition"])


def test_media_prefix_function_strips_media_before_the_s3_lookup(main: Variant) -> None:
    function_key, function = main.one("AWS::CloudFront::Function")
    associations = behavior(main, MEDIA_PATTERN)["FunctionAssociations"]
    assert associations == [
        {
            "EventType": "viewer-request",
            "FunctionARN": {"Fn::GetAtt": [function_key, "FunctionARN"]},
        }
    ]
    assert function["Properties"]["FunctionConfig"]["Runtime"] == "cloudfront-js-2.0"
    assert function["Properties"]["FunctionCode"] == constants.STRIP_MEDIA_FUNCTION_CODE


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_media_prefix_function_code_maps_urls_to_bucket_keys() -> None:
    # Given the CloudFront Function's code / When run on sample URIs / Then keys are t/...
    script = constants.STRIP_MEDIA_FUNCTION_CODE + (
        "for (const uri of ['/media/t/ten/a/all/m1/web.jpg', '/media/', '/other']) {"
        "  console.log(handler({request: {uri: uri}}).uri);"
        "}"
    )
    result = subprocess.run(
        ["node", "-e", script], capture_output=True, text=True, check=True, timeout=30
    )
    assert result.stdout.split() == ["/t/ten/a/all/m1/web.jpg", "/", "/other"]


def test_security_headers_come_from_the_topology(main: Variant) -> None:
    expected = topology.security_headers(topology.ingest_origin(names(main)))
    _, policy = main.one("AWS::CloudFront::ResponseHeadersPolicy")
    config = policy["Properties"]["ResponseHeadersPolicyConfig"]
    security = config["SecurityHeadersConfig"]
    assert security["ContentSecurityPolicy"] == {
        "ContentSecurityPolicy": expected["Content-Security-Policy"],
        "Override": True,
    }
    assert "frame-ancestors 'none'" in security["ContentSecurityPolicy"]["ContentSecurityPolicy"]
    assert security["StrictTransportSecurity"] == {
        "AccessControlMaxAgeSec": topology.HSTS_MAX_AGE_SECONDS,
        "IncludeSubdomains": True,
        "Override": True,
        "Preload": False,
    }
    assert security["ContentTypeOptions"] == {"Override": True}
    assert security["ReferrerPolicy"] == {"ReferrerPolicy": "no-referrer", "Override": True}
    assert security["FrameOptions"] == {"FrameOption": "DENY", "Override": True}
    assert "CustomHeadersConfig" not in config
    assert set(expected) == {
        "Content-Security-Policy",
        "Strict-Transport-Security",
        "X-Content-Type-Options",
        "Referrer-Policy",
        "X-Frame-Options",
    }


def test_every_behaviour_uses_the_security_headers_policy(main: Variant) -> None:
    policy_key, _ = main.one("AWS::CloudFront::ResponseHeadersPolicy")
    _, config = distribution(main)
    for entry in [config["DefaultCacheBehavior"], *config["CacheBehaviors"]]:
        assert entry["ResponseHeadersPolicyId"] == {"Ref": policy_key}
        assert entry["ViewerProtocolPolicy"] == "redirect-to-https"


def test_access_logs_go_to_the_log_bucket(main: Variant, variant: Variant) -> None:
    _, config = distribution(main)
    if main.config.region in constants.CLOUDFRONT_LOGGING_UNSUPPORTED_REGIONS:
        assert "Logging" not in config  # make deploy-check's run in such a region
    else:
        assert config["Logging"] == {
            "Bucket": {"Fn::GetAtt": [bucket_key(main, "logs"), "RegionalDomainName"]},
            "IncludeCookies": False,
            "Prefix": constants.CLOUDFRONT_LOG_PREFIX,
        }
    # Milan's buckets cannot receive CloudFront standard logs.
    _, milan = distribution(variant)
    assert "Logging" not in milan


def test_default_certificate_without_custom_domain(main: Variant) -> None:
    _, config = distribution(main)
    assert "Aliases" not in config
    assert "ViewerCertificate" not in config  # cloudfront.net certificate
    assert "Restrictions" not in config
    assert "WebACLId" not in config


def test_custom_domain_enforces_tls12_geo_and_waf(variant: Variant) -> None:
    _, config = distribution(variant)
    assert config["Aliases"] == [DOMAIN]
    assert config["ViewerCertificate"] == {
        "AcmCertificateArn": CERTIFICATE_ARN,
        "MinimumProtocolVersion": "TLSv1.2_2021",
        "SslSupportMethod": "sni-only",
    }
    assert config["Restrictions"] == {
        "GeoRestriction": {"Locations": ["BE", "FR", "LU"], "RestrictionType": "whitelist"}
    }
    assert config["WebACLId"] == WEB_ACL_ARN


def test_public_url_parameter_without_custom_domain(main: Variant) -> None:
    distribution_key, _ = distribution(main)
    _, parameter = main.one("AWS::SSM::Parameter")
    props = parameter["Properties"]
    assert props["Name"] == names(main).public_url_parameter
    assert props["Type"] == "String"
    assert props["Value"] == {
        "Fn::Join": ["", ["https://", {"Fn::GetAtt": [distribution_key, "DomainName"]}]]
    }


def test_web_app_is_deployed_with_an_invalidation(main: Variant) -> None:
    deployments = main.of_type("Custom::CDKBucketDeployment")
    if not deployments:
        pytest.skip("web/ is empty: nothing to deploy")
    [deployment] = deployments.values()
    props = deployment["Properties"]
    distribution_key, _ = distribution(main)
    assert props["DestinationBucketName"] == {"Ref": bucket_key(main, "web")}
    assert props["DistributionId"] == {"Ref": distribution_key}
    assert props["DistributionPaths"] == ["/*"]


def test_cloudfront_names_are_unique_per_region(main: Variant, variant: Variant) -> None:
    # CloudFront policies, functions, keys and OACs are global to the account.
    for stack in (main, variant):
        n = names(stack)
        _, policy = stack.one("AWS::CloudFront::ResponseHeadersPolicy")
        _, function = stack.one("AWS::CloudFront::Function")
        _, oac = stack.one("AWS::CloudFront::OriginAccessControl")
        _, group = stack.one("AWS::CloudFront::KeyGroup")
        found = [
            policy["Properties"]["ResponseHeadersPolicyConfig"]["Name"],
            function["Properties"]["Name"],
            oac["Properties"]["OriginAccessControlConfig"]["Name"],
            group["Properties"]["KeyGroupConfig"]["Name"],
        ]
        assert all(name.startswith(f"{n.prefix}-{n.region}-") for name in found), found


def test_staff_and_family_apis_have_their_routes_and_revocation_none(main: Variant) -> None:
    routes = {
        r["Properties"]["RouteKey"]: r["Properties"]
        for r in main.of_type("AWS::ApiGatewayV2::Route").values()
    }
    for prefix in ("admin", "family"):
        route = routes[f"ANY /api/{prefix}/{{proxy+}}"]
        target = route["Target"]["Fn::Join"][1][1]["Ref"]
        function_key = logical_id(
            main, "AWS::Lambda::Function", FunctionName=names(main).function(prefix)
        )
        assert main.resources[target]["Properties"]["IntegrationUri"] == {
            "Fn::GetAtt": [function_key, "Arn"]
        }
        assert invokers_of(main, function_key) == ["apigateway.amazonaws.com"]
    # The stream consumer is invoked by Lambda's poller only: no API permission.
    revocation = logical_id(
        main, "AWS::Lambda::Function", FunctionName=names(main).function("revocation")
    )
    assert invokers_of(main, revocation) == []


def invokers_of(variant: Variant, function_key: str) -> list[str]:
    return [
        p["Properties"]["Principal"]
        for p in variant.of_type("AWS::Lambda::Permission").values()
        if p["Properties"]["FunctionName"] == {"Fn::GetAtt": [function_key, "Arn"]}
    ]
