"""Video function: SQS-wrapped S3 events -> clean MP4 + poster, with partial batch failures."""

from __future__ import annotations

from typing import Any


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    from aws_lambda_powertools.utilities.batch import (
        BatchProcessor,
        EventType,
        process_partial_response,
    )

    from functions.video import logic

    def record_handler(record: Any) -> None:
        logic.process_message(record.body, remaining_seconds=logic.remaining_seconds(context))

    return process_partial_response(  # type: ignore[return-value]
        event=event,
        record_handler=record_handler,
        processor=BatchProcessor(event_type=EventType.SQS),
        context=context,
    )
