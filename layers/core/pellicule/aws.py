"""Lazily created, cached boto3 clients.

Nothing is created at import time. The endpoint comes from boto3's own configuration
(``AWS_ENDPOINT_URL`` points every client at moto's server in the local runtime).
"""

from __future__ import annotations

from functools import cache
from typing import Any


@cache
def client(service: str) -> Any:
    import boto3  # imported on first use: keeps handler cold starts small

    return boto3.session.Session().client(service)  # type: ignore[call-overload]


def reset_clients() -> None:
    client.cache_clear()
