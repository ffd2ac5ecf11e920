"""Audit chaining: the table's stream -> the chainer function (docs/audit.md, "Batched entries").

From :data:`pellicule.config.topology.AUDIT_CHAIN_STREAM`: a Lambda event source mapping on the
table's stream that starts at ``LATEST`` and lets through only the INSERTs of waiting audit
events (``AUDIT#<t>`` / ``PENDING#...``: a family's view or download), gathered for a few
seconds into large batches. The function chains the waiting events of each centre it sees.
A failing batch is split in two until the bad record is alone, retried a few times, and then
its description (shard, sequence numbers; not the record itself) goes to a dead-letter queue:
nothing is lost with it, the events still wait in the table and the daily purge chains them.
Two alarms watch it: that queue is not empty, and the stream's iterator age.

The function's table permissions (the audit items only) are set by the stack's grants.
"""

from __future__ import annotations

from infra import constants
from infra import names as physical
from infra.stream_consumer import Watch
from pellicule.config import topology

WATCH = Watch(
    spec=topology.AUDIT_CHAIN_STREAM,
    name=physical.audit_chain_name,
    mapping="audit chainer's stream event source mapping",
    dlq_description=(
        "Audit chainer stream records failed every retry: some centres' views and "
        "downloads wait unchained until the daily purge (nothing is lost; verify "
        "counts them). The message names the shard and sequence numbers."
    ),
    lag_description=(
        "The audit chainer lags behind the table's stream by more than "
        f"{constants.AUDIT_CHAIN_ITERATOR_AGE_THRESHOLD_SECONDS} s: views and "
        "downloads are no longer chained within seconds."
    ),
    lag_seconds=constants.AUDIT_CHAIN_ITERATOR_AGE_THRESHOLD_SECONDS,
    lag_minutes=constants.AUDIT_CHAIN_ITERATOR_AGE_MINUTES,
)
