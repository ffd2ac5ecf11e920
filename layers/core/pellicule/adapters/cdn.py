"""CDN invalidation: the paths under which a media object may sit in CloudFront's caches.

The viewer path is ``/media/<key>``; CloudFront's viewer-request function strips ``/media``
before the cache lookup, so both spellings are invalidated (a wildcard counts as one path).
The same call reaches AWS and, locally, moto's CloudFront, whose invalidations the local
gateway's edge cache honours.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from pellicule.adapters import aws
from pellicule.config import topology
from pellicule.config.observability import logger
from pellicule.config.settings import get_settings

MAX_PATHS_PER_REQUEST = 3000  # CloudFront's limit on one invalidation batch


def media_paths(key_or_prefix: str, *, wildcard: bool = False) -> list[str]:
    """Both cache paths of a media key (or of every key under a prefix, with ``wildcard``)."""
    suffix = "*" if wildcard else ""
    return [f"{topology.MEDIA_PATH}{key_or_prefix}{suffix}", f"/{key_or_prefix}{suffix}"]


def invalidate(paths: Iterable[str]) -> str | None:
    """Ask CloudFront to drop ``paths``; returns the invalidation id (``None``: nothing to do).

    A function without a distribution configured cannot invalidate: that is a deployment
    error, reported loudly, never silently ignored.
    """
    unique = sorted(set(paths))
    if not unique:
        return None
    distribution = get_settings().distribution_id
    if not distribution:
        from pellicule.domain.errors import ConfigurationError

        raise ConfigurationError("config_distribution_missing")
    client = aws.client("cloudfront")
    last = None
    for start in range(0, len(unique), MAX_PATHS_PER_REQUEST):
        batch = unique[start : start + MAX_PATHS_PER_REQUEST]
        response = client.create_invalidation(
            DistributionId=distribution,
            InvalidationBatch={
                "Paths": {"Quantity": len(batch), "Items": batch},
                "CallerReference": uuid.uuid4().hex,
            },
        )
        last = str(response["Invalidation"]["Id"])
    logger("cdn").info("invalidation requested", extra={"paths": len(unique), "id": last})
    return last
