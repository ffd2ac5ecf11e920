"""Revocation propagation (DynamoDB stream of the table; docs/revocation.md)."""

from __future__ import annotations

from typing import Any


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    from functions.revocation import logic

    return logic.handle(event)
