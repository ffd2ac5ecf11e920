"""Archive function: album archive jobs from the archive queue -> a zip in the media bucket,
with partial batch failures (a job that fails is retried by SQS, then lands in the DLQ)."""

from __future__ import annotations

from typing import Any


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    from aws_lambda_powertools.utilities.batch import (
        BatchProcessor,
        EventType,
        process_partial_response,
    )

    from functions.archive import logic

    def record_handler(record: Any) -> None:
        attempts = int(record.attributes.approximate_receive_count or 1)
        logic.process_message(record.body, last_attempt=attempts >= logic.MAX_ATTEMPTS)

    return process_partial_response(  # type: ignore[return-value]
        event=event,
        record_handler=record_handler,
        processor=BatchProcessor(event_type=EventType.SQS),
        context=context,
    )
