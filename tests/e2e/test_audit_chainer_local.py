"""The local runtime chains views within seconds, as the stack does: its stream poller for the
chainer (``topology.AUDIT_CHAIN_STREAM``: the same filters and batching window) hands the new
waiting events to the real chainer function (docs/audit.md, "Batched entries")."""

from __future__ import annotations

import time

import pytest
import requests

from local.runtime import LocalRuntime
from pellicule.config import topology
from tests.conftest import Centre
from tests.e2e.conftest import wait_for

e2e = pytest.mark.e2e
SPEC = topology.AUDIT_CHAIN_STREAM


@e2e
def test_views_recorded_are_chained_within_seconds(runtime: LocalRuntime, centre: Centre) -> None:
    from pellicule.services import audit

    poller = runtime.stream_pollers[SPEC.function]
    invocations = poller.invocations
    start = time.monotonic()
    for guardian in ("g1", "g2", "g3"):
        audit.record(centre.tenant_id, "view", f"guardian:{guardian}", f"album:{centre.album_id}")
    assert audit.verify(centre.tenant_id).pending == 3

    # The batching window, a poll, one invocation: seconds, not the next daily purge
    wait_for(
        lambda: audit.verify(centre.tenant_id).pending == 0,
        timeout=SPEC.max_batching_window_seconds + 10,
    )
    assert time.monotonic() - start < SPEC.max_batching_window_seconds + 10
    report = audit.verify(centre.tenant_id)
    assert report.ok, report
    # The three views came in one batch (the window gathers them), and chaining them fed
    # nothing back to the chainer
    wait_for(lambda: poller.invocations > invocations, timeout=5)
    time.sleep(SPEC.max_batching_window_seconds + 1)  # a record it let through would be due
    assert poller.invocations - invocations == 1
    assert poller.pending == 0
    assert poller.discarded == 0


@e2e
def test_health_reports_the_chainer_s_poller(runtime: LocalRuntime) -> None:
    body = requests.get(f"{runtime.base_url}/_dev/health", timeout=10).json()
    assert body["workers"]["stream_pollers"][SPEC.function] is True
    assert {"pending", "read", "filtered_out", "delivered"} <= set(body["streams"][SPEC.function])
