"""Chains the views and downloads waiting in a centre's audit log (the table's stream;
docs/audit.md, "Batched entries")."""

from __future__ import annotations

from typing import Any


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    from functions.chainer import logic

    return logic.handle(event)
