"""Revocation propagation: the table's stream -> the revocation function (docs/revocation.md).

From :data:`pellicule.config.topology.REVOCATION_STREAM`: a Lambda event source mapping on the
table's stream (``NEW_AND_OLD_IMAGES``) that starts at ``LATEST``, lets through only the
records matching the topology's filters (a new consent-history entry, a change to a published
media item), splits a failing batch in two until the bad record is alone, retries it a few
times, and then sends its description (shard, sequence numbers; not the record itself) to a
dead-letter queue. Two alarms watch it: that queue is not empty, and the stream's iterator age
(revocation must land within a minute).

The function's other permissions (table, media bucket) are set by the stack's grants; it may
not invalidate the CDN (no function may: the /media/* edge TTL does that work).
"""

from __future__ import annotations

from infra import constants
from infra import names as physical
from infra.stream_consumer import Watch
from pellicule.config import topology

WATCH = Watch(
    spec=topology.REVOCATION_STREAM,
    name=physical.revocation_name,
    mapping="revocation stream's event source mapping",
    dlq_description=(
        "Revocation stream records failed every retry: consent or publication changes "
        "were not propagated (served copies not replaced). The "
        "message names the shard and sequence numbers; the stream keeps records 24 h."
    ),
    lag_description=(
        "The revocation function lags behind the table's stream by more than "
        f"{constants.STREAM_ITERATOR_AGE_THRESHOLD_SECONDS} s: revocations no longer "
        "reach the served copies and the CDN within a minute."
    ),
    lag_seconds=constants.STREAM_ITERATOR_AGE_THRESHOLD_SECONDS,
    lag_minutes=constants.STREAM_ITERATOR_AGE_MINUTES,
)
