"""Logging for every function: Powertools JSON logs, created on first use.

Log pseudonymous ids only (tenant id, media id, request id): never e-mails, names or tokens.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from aws_lambda_powertools import Logger


@cache
def logger(service: str) -> Logger:
    from aws_lambda_powertools import Logger

    return Logger(service=f"pellicule-{service}")
