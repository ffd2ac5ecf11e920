"""Typed settings of a function, read from its environment once, on first use."""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cache

from pellicule.config import topology
from pellicule.domain.errors import ConfigurationError


@dataclass(frozen=True)
class Settings:
    stage: str
    region: str
    table: str
    ingest_bucket: str
    media_bucket: str
    signing_key_secret: str
    key_pair_id: str
    public_url: str  # empty when it must be read from the SSM parameter below
    public_url_parameter: str
    mail_from: str
    photo_queue: str
    evidence_bucket: str = ""
    origin_secret: str = ""  # the origin-header secret; empty: every API request is refused
    archive_queue: str = ""  # the queue of album archives to build (its name)


def _require(name: str) -> str:
    value = os.environ.get(name, "").strip()
    if not value:
        raise ConfigurationError("config_variable_missing", name=name)
    return value


@cache
def get_settings() -> Settings:
    """Settings from the environment the stack (or the local runtime) gives the function."""
    return Settings(
        stage=_require(topology.ENV_STAGE),
        region=os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "",
        table=_require(topology.ENV_TABLE),
        ingest_bucket=_require(topology.ENV_INGEST_BUCKET),
        media_bucket=_require(topology.ENV_MEDIA_BUCKET),
        signing_key_secret=_require(topology.ENV_SIGNING_KEY_SECRET),
        key_pair_id=os.environ.get(topology.ENV_KEY_PAIR_ID, ""),
        public_url=os.environ.get(topology.ENV_PUBLIC_URL, "").rstrip("/"),
        public_url_parameter=os.environ.get(topology.ENV_PUBLIC_URL_PARAMETER, ""),
        mail_from=os.environ.get(topology.ENV_MAIL_FROM, ""),
        photo_queue=os.environ.get(topology.ENV_PHOTO_QUEUE, ""),
        evidence_bucket=os.environ.get(topology.ENV_EVIDENCE_BUCKET, ""),
        origin_secret=os.environ.get(topology.ENV_ORIGIN_SECRET, ""),
        archive_queue=os.environ.get(topology.ENV_ARCHIVE_QUEUE, ""),
    )


def reset_settings() -> None:
    """Forget cached settings and clients (tests, local runtime restarts)."""
    get_settings.cache_clear()
    from pellicule.adapters import aws

    aws.reset_clients()
