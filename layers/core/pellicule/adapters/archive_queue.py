"""The queue of album archives to build (``topology.ENV_ARCHIVE_QUEUE``): the family function
sends a job's key, the archive function receives it (Lambda's SQS event source)."""

from __future__ import annotations

import json

from pellicule.adapters import aws
from pellicule.config.settings import get_settings
from pellicule.domain.errors import ConfigurationError


def _queue_url(name: str) -> str:
    # Not cached: one lookup per archive asked for, and no URL outlives a local moto run.
    return str(aws.client("sqs").get_queue_url(QueueName=name)["QueueUrl"])


def enqueue(tenant_id: str, archive_id: str) -> None:
    """Ask the archive function to build ``archive_id`` (ids only: no personal data)."""
    name = get_settings().archive_queue
    if not name:
        raise ConfigurationError("config_variable_missing", name="PELLICULE_ARCHIVE_QUEUE")
    aws.client("sqs").send_message(
        QueueUrl=_queue_url(name),
        MessageBody=json.dumps({"tenant_id": tenant_id, "archive_id": archive_id}),
    )
