"""The purge schedule of the local runtime: EventBridge's Scheduled Event, every interval."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from local.runtime import LocalRuntime
from tests.e2e.conftest import wait_for

pytestmark = pytest.mark.e2e


class FlakyPurge:
    """Fails on its second call (the schedule must go on), records every event."""

    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []
        self.contexts: list[Any] = []
        self._lock = threading.Lock()

    def __call__(self, event: dict[str, Any], context: Any) -> dict[str, Any]:
        with self._lock:
            self.events.append(event)
            self.contexts.append(context)
            count = len(self.events)
        if count == 2:
            raise RuntimeError("purge bug")
        return {"runs": count}


PURGE = FlakyPurge()


@pytest.fixture(scope="module")
def runtime_options() -> dict[str, Any]:
    return {"purge_interval": 0.2}


@pytest.fixture(scope="module")
def runtime_handlers() -> dict[str, Any]:
    return {"purge": PURGE, "process": lambda event, context: None}


def test_purge_runs_on_its_schedule_and_survives_errors(runtime: LocalRuntime):
    wait_for(lambda: len(PURGE.events) >= 3, timeout=10)  # the second run raised
    event = PURGE.events[0]
    assert set(event) == {
        "version",
        "id",
        "detail-type",
        "source",
        "account",
        "time",
        "region",
        "resources",
        "detail",
    }
    assert event["version"] == "0"
    assert event["detail-type"] == "Scheduled Event"
    assert event["source"] == "aws.events"
    assert event["account"] == runtime.names.account
    assert event["region"] == runtime.names.region
    assert event["detail"] == {}
    (rule,) = event["resources"]
    assert rule.startswith(f"arn:aws:events:{runtime.names.region}:{runtime.names.account}:rule/")
    assert event["time"].endswith("Z")
    assert len({e["id"] for e in PURGE.events}) == len(PURGE.events)
    assert PURGE.contexts[0].function_name == runtime.names.function("purge")


def test_health_reports_the_schedule(runtime: LocalRuntime):
    import requests

    body = requests.get(f"{runtime.base_url}/_dev/health", timeout=10).json()
    assert body["workers"]["purge_schedule"] is True
    assert body["workers"]["purge_interval_seconds"] == 0.2
