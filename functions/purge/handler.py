"""Purge function: invoked by the EventBridge schedule (and on demand)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    from functions.purge import logic
    from pellicule.observability import logger

    report = logic.run()
    logger("purge").info("purge run finished", extra=asdict(report))
    return asdict(report)
