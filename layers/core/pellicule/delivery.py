"""Signed delivery of media through CloudFront (custom-policy signed URLs).

A signature grants one path prefix for a few minutes. The private key is read from Secrets
Manager on first use; the public URL comes from the settings or, when it is only known after
deployment, from an SSM parameter.
"""

from __future__ import annotations

import base64
import json
from functools import cache
from typing import TYPE_CHECKING
from urllib.parse import quote

from pellicule import aws, clock, topology
from pellicule.errors import ConfigurationError
from pellicule.settings import get_settings

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey


def _cloudfront_b64(raw: bytes) -> str:
    """CloudFront's URL-safe base64 alphabet."""
    encoded = base64.b64encode(raw).decode("ascii")
    return encoded.replace("+", "-").replace("=", "_").replace("/", "~")


@cache
def _private_key(secret_name: str) -> RSAPrivateKey:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey

    value = aws.client("secretsmanager").get_secret_value(SecretId=secret_name)["SecretString"]
    key = serialization.load_pem_private_key(value.encode(), password=None)
    if not isinstance(key, RSAPrivateKey):
        raise ConfigurationError("the CloudFront signing key must be an RSA key")
    return key


@cache
def _public_url_from_parameter(parameter: str) -> str:
    value = aws.client("ssm").get_parameter(Name=parameter)["Parameter"]["Value"]
    return str(value).rstrip("/")


def public_url() -> str:
    """``https://<domain>`` users reach Pellicule on (never derived from a Host header)."""
    settings = get_settings()
    if settings.public_url:
        return settings.public_url
    if settings.public_url_parameter:
        return _public_url_from_parameter(settings.public_url_parameter)
    raise ConfigurationError("no public URL configured")


def media_url(key: str) -> str:
    """Unsigned URL of a media-bucket object (``t/<tenant>/...``) behind CloudFront."""
    if not key.startswith(topology.MEDIA_PREFIX) or ".." in key:
        raise ValueError("not a media key")
    return f"{public_url()}{topology.MEDIA_PATH}{quote(key)}"


def sign(resource: str, url: str, *, ttl_seconds: int = topology.SIGNED_URL_TTL_SECONDS) -> str:
    """Sign ``url`` with a custom policy granting ``resource`` (may end in ``*``) until TTL."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding

    settings = get_settings()
    if not settings.key_pair_id:
        raise ConfigurationError("no CloudFront key pair id configured")
    expires = int(clock.now()) + ttl_seconds
    policy = json.dumps(
        {
            "Statement": [
                {"Resource": resource, "Condition": {"DateLessThan": {"AWS:EpochTime": expires}}}
            ]
        },
        separators=(",", ":"),
    ).encode()
    # CloudFront verifies RSA PKCS#1 v1.5 signatures over SHA-1 of the policy.
    signature = _private_key(settings.signing_key_secret).sign(
        policy,
        padding.PKCS1v15(),
        hashes.SHA1(),  # noqa: S303 - the algorithm CloudFront requires
    )
    separator = "&" if "?" in url else "?"
    return (
        f"{url}{separator}Policy={_cloudfront_b64(policy)}"
        f"&Signature={_cloudfront_b64(signature)}&Key-Pair-Id={settings.key_pair_id}"
    )


def signed_media_url(key: str) -> str:
    """A short-lived URL for exactly one media object."""
    url = media_url(key)
    return sign(url, url)


def reset_cache() -> None:
    _private_key.cache_clear()
    _public_url_from_parameter.cache_clear()
