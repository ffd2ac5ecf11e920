"""The digest schedule of the local runtime: EventBridge's Scheduled Event, every interval,
next to the purge's, and ``run_digest()`` on demand."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from local.runtime import LocalRuntime
from tests.e2e.conftest import wait_for

pytestmark = pytest.mark.e2e


class Recorder:
    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []
        self._lock = threading.Lock()

    def __call__(self, event: dict[str, Any], context: Any) -> dict[str, Any]:
        with self._lock:
            self.events.append(event)
            return {"runs": len(self.events)}


DIGEST = Recorder()


@pytest.fixture(scope="module")
def runtime_options() -> dict[str, Any]:
    return {"digest_interval": 0.2, "purge_interval": 3600.0}


@pytest.fixture(scope="module")
def runtime_handlers() -> dict[str, Any]:
    return {"digest": DIGEST, "process": lambda event, context: None}


def test_the_digest_runs_on_its_own_schedule(runtime: LocalRuntime) -> None:
    wait_for(lambda: len(DIGEST.events) >= 2, timeout=10)
    event = DIGEST.events[0]
    assert event["source"] == "aws.events"
    assert event["detail-type"] == "Scheduled Event"
    assert event["resources"] == [
        f"arn:aws:events:{runtime.names.region}:{runtime.names.account}:rule/"
        f"{runtime.names.function('digest')}-schedule"
    ]
    assert "requestContext" not in event  # the handler tells schedules from API calls by it
    assert runtime.run_digest()["runs"] >= 3
    workers = runtime.health()[1]["workers"]
    assert workers["digest_schedule"] is True
    assert workers["digest_interval_seconds"] == 0.2
