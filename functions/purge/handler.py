"""Purge function: invoked by the EventBridge schedules (daily: everything; hourly: erasure
requests) and on demand (``pellicule purge run``)."""

from __future__ import annotations

import json
from typing import Any

# Stop this long before the invocation's time limit: the next run resumes where this one
# stopped.
SAFETY_MILLISECONDS = 60_000


class PurgeFailedError(RuntimeError):
    """Some centre's purge failed: the function's errors alarm goes off (the report says
    which centres, by id)."""


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    from functions.purge import logic
    from pellicule.config.observability import logger

    event = event if isinstance(event, dict) else {}
    detail: dict[str, Any] = event["detail"] if isinstance(event.get("detail"), dict) else {}
    steps = event.get("steps") or detail.get("steps") or logic.STEPS
    tenants = event.get("tenants") or None
    remaining = getattr(context, "get_remaining_time_in_millis", None)
    # A short time limit (local runs) keeps a quarter of it in reserve instead.
    margin = min(SAFETY_MILLISECONDS, remaining() // 4) if remaining is not None else 0

    def should_stop() -> bool:
        return remaining is not None and remaining() < margin

    report = logic.run(tenants, steps=steps, should_stop=should_stop)
    result = report.as_dict()
    logger("purge").info("purge run finished", extra=result)
    if report.errors:
        raise PurgeFailedError(json.dumps(result, sort_keys=True))
    return result
