"""Signed delivery of media through CloudFront (custom-policy signed URLs).

A signature grants one object, or every object under one key prefix, for a few minutes
(docs/delivery.md: which prefixes families get and why no prefix reaches what they may not
see). The private key is read from Secrets
Manager on first use; the public URL comes from the settings or, when it is only known after
deployment, from an SSM parameter.
"""

from __future__ import annotations

import base64
import json
from functools import cache
from typing import TYPE_CHECKING
from urllib.parse import quote

from pellicule.adapters import aws
from pellicule.config import clock, topology
from pellicule.config.settings import get_settings
from pellicule.domain.errors import ConfigurationError

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
    # The key's consistency was checked when the operator's tooling stored it
    # (pellicule_ops.keys.upload refuses a key that fails it); checking it again costs ~30 ms
    # of every signing function's cold start (docs/performance.md).
    key = serialization.load_pem_private_key(
        value.encode(), password=None, unsafe_skip_rsa_key_validation=True
    )
    if not isinstance(key, RSAPrivateKey):
        raise ConfigurationError("config_signing_key_not_rsa")
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
    raise ConfigurationError("config_public_url_missing")


def media_url(key: str) -> str:
    """Unsigned URL of a media-bucket object (``t/<tenant>/...``) behind CloudFront."""
    if not key.startswith(topology.MEDIA_PREFIX) or ".." in key:
        raise ValueError("not a media key")
    return f"{public_url()}{topology.MEDIA_PATH}{quote(key)}"


def policy_query(private_key: RSAPrivateKey, key_pair_id: str, resource: str, expires: int) -> str:
    """``Policy=...&Signature=...&Key-Pair-Id=...`` granting ``resource`` until ``expires``.

    Pure (no settings, no I/O): one RSA-2048 signature, ~1 ms. ``resource`` may end in ``*``.
    """
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding

    policy = json.dumps(
        {
            "Statement": [
                {"Resource": resource, "Condition": {"DateLessThan": {"AWS:EpochTime": expires}}}
            ]
        },
        separators=(",", ":"),
    ).encode()
    # CloudFront verifies RSA PKCS#1 v1.5 signatures over SHA-1 of the policy.
    signature = private_key.sign(
        policy,
        padding.PKCS1v15(),
        hashes.SHA1(),  # noqa: S303 - the algorithm CloudFront requires
    )
    return (
        f"Policy={_cloudfront_b64(policy)}"
        f"&Signature={_cloudfront_b64(signature)}&Key-Pair-Id={key_pair_id}"
    )


def _signing_key() -> tuple[RSAPrivateKey, str]:
    settings = get_settings()
    if not settings.key_pair_id:
        raise ConfigurationError("config_key_pair_missing")
    return _private_key(settings.signing_key_secret), settings.key_pair_id


def sign(resource: str, url: str, *, ttl_seconds: int = topology.SIGNED_URL_TTL_SECONDS) -> str:
    """Sign ``url`` with a custom policy granting ``resource`` (may end in ``*``) until TTL."""
    key, key_pair_id = _signing_key()
    query = policy_query(key, key_pair_id, resource, int(clock.now()) + ttl_seconds)
    separator = "&" if "?" in url else "?"
    return f"{url}{separator}{query}"


def signed_media_url(key: str) -> str:
    """A short-lived URL for exactly one media object."""
    url = media_url(key)
    return sign(url, url)


class PrefixSigner:
    """Signed URLs for one response: one signature per key prefix, shared by its URLs.

    ``url(key, prefix)`` returns the URL of ``key`` carrying a policy that grants every
    object under ``prefix`` (which must contain ``key``); the first URL of a prefix costs one
    RSA signature, the others a string concatenation. Callers choose prefixes whose every
    object the viewer may see (docs/delivery.md).
    """

    def __init__(
        self,
        *,
        ttl_seconds: int = topology.SIGNED_URL_TTL_SECONDS,
        private_key: RSAPrivateKey | None = None,
        key_pair_id: str | None = None,
        base_url: str | None = None,
        now: float | None = None,
    ) -> None:
        if private_key is None or key_pair_id is None:
            private_key, key_pair_id = _signing_key()
        self._key = private_key
        self._key_pair_id = key_pair_id
        self._base = (base_url if base_url is not None else public_url()) + topology.MEDIA_PATH
        self._expires = int(clock.now() if now is None else now) + ttl_seconds
        self._queries: dict[str, str] = {}

    @property
    def signatures(self) -> int:
        return len(self._queries)

    def _query(self, resource: str) -> str:
        query = self._queries.get(resource)
        if query is None:
            query = policy_query(self._key, self._key_pair_id, resource, self._expires)
            self._queries[resource] = query
        return query

    def url(self, key: str, prefix: str) -> str:
        """``key``'s URL under a wildcard policy for ``prefix`` (ending in ``/``)."""
        if (
            not prefix.startswith(topology.MEDIA_PREFIX)
            or not prefix.endswith("/")
            or not key.startswith(prefix)
            or ".." in key
            or any(c in prefix for c in "*?")
        ):
            raise ValueError("the key must lie under a media prefix")
        return f"{self._base}{quote(key)}?{self._query(f'{self._base}{quote(prefix)}*')}"

    def exact(self, key: str) -> str:
        """``key``'s URL under a policy for that object alone."""
        if not key.startswith(topology.MEDIA_PREFIX) or ".." in key:
            raise ValueError("not a media key")
        url = f"{self._base}{quote(key)}"
        return f"{url}?{self._query(url)}"


def signed_archive_url(key: str, *, ttl_seconds: int = topology.SIGNED_URL_TTL_SECONDS) -> str:
    """A short-lived URL for exactly one album archive (``archives/<tenant>/<id>.zip``).

    Archives lie outside ``t/``: no policy a page or staff signs reaches them, and this
    signature reaches that one object only (docs/delivery.md, "Album archives")."""
    if (
        not key.startswith(topology.ARCHIVES_PREFIX)
        or ".." in key
        or any(c in key for c in "*?")
        or not key.endswith(".zip")
    ):
        raise ValueError("not an archive key")
    url = f"{public_url()}{topology.MEDIA_PATH}{quote(key)}"
    return sign(url, url, ttl_seconds=ttl_seconds)


def tenant_prefix(tenant_id: str) -> str:
    """Every media object of one centre (staff see all of them)."""
    return f"{topology.MEDIA_PREFIX}{tenant_id}/"


def reset_cache() -> None:
    _private_key.cache_clear()
    _public_url_from_parameter.cache_clear()
