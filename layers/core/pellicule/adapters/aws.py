"""Lazily created, cached boto3 clients.

Nothing is created at import time. The endpoint comes from boto3's own configuration
(``AWS_ENDPOINT_URL`` points every client at moto's server in the local runtime).

S3 is the exception when nothing overrides its endpoint (in AWS): its client uses the
bucket's regional virtual-hosted endpoint, ``https://<bucket>.s3.<region>.amazonaws.com``.
Left to itself botocore signs presigned POST and part URLs for the global host
``https://<bucket>.s3.amazonaws.com``: the web app's CSP (``topology.ingest_origin``) lets
browsers reach only the regional one, and a new bucket answers the global host with a 307
redirect for up to a day, which CORS uploads cannot follow.
"""

from __future__ import annotations

from functools import cache
from typing import Any


def s3_regional_endpoint(region: str) -> str:
    """S3's regional endpoint (buckets are addressed as ``<bucket>.s3.<region>...``)."""
    return f"https://s3.{region}.amazonaws.com"


def configured_endpoint(core_session: Any, service: str) -> str | None:
    """The endpoint the AWS configuration sets for ``service`` (``AWS_ENDPOINT_URL``,
    ``AWS_ENDPOINT_URL_<SERVICE>``, or the config file), as botocore would read it."""
    from botocore.configprovider import ConfiguredEndpointProvider

    if core_session.get_config_variable("ignore_configured_endpoint_urls"):
        return None
    provider = ConfiguredEndpointProvider(
        full_config=core_session.full_config,
        scoped_config=core_session.get_scoped_config(),
        client_name=service,
    )
    found = provider.provide()
    return str(found) if found else None


def _s3_options(core_session: Any, region: str | None) -> dict[str, Any]:
    """Regional virtual-hosted addressing, unless an endpoint override (moto) is set."""
    if not region or configured_endpoint(core_session, "s3"):
        return {}
    from botocore.config import Config

    return {
        "config": Config(s3={"addressing_style": "virtual"}),
        "endpoint_url": s3_regional_endpoint(region),
    }


@cache
def client(service: str) -> Any:
    import boto3  # imported on first use: keeps handler cold starts small
    import botocore.session

    core_session = botocore.session.get_session()
    session = boto3.session.Session(botocore_session=core_session)
    options = _s3_options(core_session, session.region_name) if service == "s3" else {}
    return session.client(service, **options)  # type: ignore[call-overload]


def reset_clients() -> None:
    client.cache_clear()
