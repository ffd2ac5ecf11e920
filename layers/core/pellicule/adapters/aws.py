"""Lazily created, cached AWS clients, all from one botocore session.

Nothing is created at import time. The endpoint comes from botocore's own configuration
(``AWS_ENDPOINT_URL`` points every client at moto's server in the local runtime). S3's client
is boto3's (it adds the transfer methods); the others are botocore's own, the very same
clients boto3 would return, without importing boto3 (~30 ms of CPU under Python 3.13).

S3 is the exception when nothing overrides its endpoint (in AWS): its client uses the
bucket's regional virtual-hosted endpoint, ``https://<bucket>.s3.<region>.amazonaws.com``.
Left to itself botocore signs presigned POST and part URLs for the global host
``https://<bucket>.s3.amazonaws.com``: the web app's CSP (``topology.ingest_origin``) lets
browsers reach only the regional one, and a new bucket answers the global host with a 307
redirect for up to a day, which CORS uploads cannot follow.
"""

from __future__ import annotations

import threading
from functools import cache
from typing import Any

# Held while a client is made from the shared session (a session is not thread-safe, and the
# local runtime serves on threads); the models' DynamoDB client is made under it too.
session_lock = threading.Lock()


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
def core_session() -> Any:
    """The one botocore session of the process, for every client (the models' DynamoDB client
    too): the endpoint rules, partitions, defaults and credentials load once, not once per
    client (~20 ms of CPU each under Python 3.13; docs/performance.md)."""
    import botocore.session

    return botocore.session.get_session()


@cache
def _boto3_session() -> Any:
    import boto3  # S3 only (transfer methods): ~30 ms of imports the other clients skip

    return boto3.session.Session(botocore_session=core_session())


@cache
def client(service: str) -> Any:
    with session_lock:
        if service != "s3":
            return core_session().create_client(service)
        session = _boto3_session()
        return session.client("s3", **_s3_options(core_session(), session.region_name))


def reset_clients() -> None:
    client.cache_clear()
    _boto3_session.cache_clear()
    core_session.cache_clear()
